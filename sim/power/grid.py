"""The utility grid connection."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import simpy

from sim.units import S_PER_H


class Grid:
    """Import from the utility, up to a limit that outages and demand-response windows lower.

    Export is not modelled: grid power is an import in ``[0, available_mw]`` [MW], where
    ``available_mw = 0`` during an outage, else ``min(import_limit_mw, cap_mw)`` with ``cap_mw``
    the limit of a demand-response window under way (``inf`` outside one).

    Parameters
    ----------
    import_limit_mw : float
        Largest import [MW]; ``math.inf`` for an unlimited connection.
    outages_h : sequence of (start_h, duration_h, label)
        Outages [h from the run's start] with a label for the event log ("scheduled",
        "random"). They may overlap: the grid is down while any outage lasts.
    caps_h : sequence of (start_h, duration_h, limit_mw, cut_pu)
        Demand-response windows [h, h, MW, pu] with either a fixed limit or a cut of the
        import at the window's start (the other None); they must not overlap one another
        (they may overlap an outage, which then wins). The caps applied are kept in
        ``applied_caps_mw``, in the order given.
    """

    def __init__(
        self,
        import_limit_mw: float = math.inf,
        outages_h: Sequence[tuple[float, float, str]] = (),
        caps_h: Sequence[tuple[float, float, float | None, float | None]] = (),
    ):
        self.import_limit_mw = import_limit_mw
        self.up = True
        self.cap_mw = math.inf
        self.cap_end_s = math.inf  # end of the demand-response window under way [s]
        self.available_mw = import_limit_mw  # import available now [MW]; see _refresh
        self._outages_now = 0  # outages under way (they may overlap)
        # Transitions as (time_s, order, kind, outage delta, new cap, detail); at one time,
        # ends come first.
        changes: list[tuple] = []
        for start_h, duration_h, label in outages_h:
            end_s = (start_h + duration_h) * S_PER_H
            changes.append(
                (start_h * S_PER_H, 1, "outage_start", 1, None, f"{label}, {duration_h:g} h")
            )
            changes.append((end_s, 0, "outage_end", -1, None, f"{label}, after {duration_h:g} h"))
        self.applied_caps_mw: list[float | None] = [None] * len(caps_h)
        for index, (start_h, duration_h, limit_mw, cut_pu) in enumerate(caps_h):
            cap = (limit_mw, cut_pu, index, duration_h)
            changes.append((start_h * S_PER_H, 1, "demand_response_start", 0, cap, ""))
            changes.append(
                ((start_h + duration_h) * S_PER_H, 0, "demand_response_end", 0, math.inf, "")
            )
        self._changes = sorted(changes, key=lambda c: (c[0], c[1]))

    def _refresh(self) -> None:
        """Set ``available_mw``: 0 during an outage, else the limit and any DR cap [MW]."""
        self.available_mw = min(self.import_limit_mw, self.cap_mw) if self.up else 0.0

    def start(
        self,
        env: simpy.Environment,
        on_change: Callable[[str, str], None],
        import_now_mw: Callable[[], float],
    ) -> None:
        """Start the transitions process; ``on_change(kind, detail)`` follows each one, and
        ``import_now_mw()`` gives the import a relative demand-response cut applies to."""
        if self._changes:
            env.process(self._transitions(env, on_change, import_now_mw))

    def _transitions(
        self,
        env: simpy.Environment,
        on_change: Callable[[str, str], None],
        import_now_mw: Callable[[], float],
    ) -> simpy.events.ProcessGenerator:
        for time_s, _, kind, delta, cap, detail in self._changes:
            if time_s > env.now:
                yield env.timeout(time_s - env.now)
            self._outages_now += delta
            self.up = self._outages_now == 0
            if isinstance(cap, tuple):  # a window starts: fix its cap now
                limit_mw, cut_pu, index, duration_h = cap
                cap_mw = limit_mw if limit_mw is not None else (1.0 - cut_pu) * import_now_mw()
                self.cap_mw = self.applied_caps_mw[index] = cap_mw
                self.cap_end_s = time_s + duration_h * S_PER_H
                detail = f"import capped at {cap_mw:g} MW for {duration_h:g} h"
            elif cap is not None:
                self.cap_mw, self.cap_end_s = cap, math.inf
            self._refresh()
            on_change(kind, detail)
