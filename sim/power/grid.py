"""The utility grid connection."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import simpy

from sim.contracts import Section, Site
from sim.recorder import Recorder
from sim.summary import demand_response_summary, outage_summary
from sim.units import S_PER_H

if TYPE_CHECKING:
    import pandas as pd


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

    Its summary sections (:meth:`sections`): ``outage_ride_through`` and ``outages`` (the
    outages labelled "scheduled"), ``random_outages`` (those labelled "random") and
    ``demand_response``.
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
        self.outages_h = list(outages_h)
        self.caps_h = list(caps_h)
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
        site: Site,
        recorder: Recorder,
        observers: Sequence[Callable[[bool], None]] = (),
    ) -> None:
        """Start the transitions process: each is recorded as an event (source ``grid``), told
        to the ``observers`` (``observer(up)``: a cooling plant off backup) and to the site;
        a relative demand-response cut applies to the site's import at the window's start."""
        if self._changes:
            env.process(self._transitions(env, site, recorder, tuple(observers)))

    def _transitions(
        self,
        env: simpy.Environment,
        site: Site,
        recorder: Recorder,
        observers: tuple[Callable[[bool], None], ...],
    ) -> simpy.events.ProcessGenerator:
        for time_s, _, kind, delta, cap, detail in self._changes:
            if time_s > env.now:
                yield env.timeout(time_s - env.now)
            self._outages_now += delta
            self.up = self._outages_now == 0
            if isinstance(cap, tuple):  # a window starts: fix its cap now
                limit_mw, cut_pu, index, duration_h = cap
                cap_mw = (
                    limit_mw if limit_mw is not None else (1.0 - cut_pu) * site.grid_import_mw()
                )
                self.cap_mw = self.applied_caps_mw[index] = cap_mw
                self.cap_end_s = time_s + duration_h * S_PER_H
                detail = f"import capped at {cap_mw:g} MW for {duration_h:g} h"
            elif cap is not None:
                self.cap_mw, self.cap_end_s = cap, math.inf
            self._refresh()
            recorder.event(env.now, kind, "grid", detail)
            for observer in observers:
                observer(self.up)
            site.changed()

    def set_limit_mw(self, limit_mw: float) -> None:
        """A new import limit from now on [MW] (a build-out step, :mod:`sim.buildout`); the
        caller tells the site."""
        self.import_limit_mw = limit_mw
        self._refresh()

    # ---- summary -------------------------------------------------------------------------

    def sections(self) -> list[Section]:
        """The grid's summary sections (see :class:`sim.contracts.Reports`)."""
        return [
            Section("outage_ride_through", self.report_ride_through),
            Section("outages", self.report_outages),
            Section("random_outages", self.report_random_outages),
            Section("demand_response", self.report_demand_response),
        ]

    def outages_of(self, label: str) -> list[tuple[float, float]]:
        """``(start_h, duration_h)`` of the outages labelled ``label``, in the order given."""
        return [
            (start_h, duration_h) for start_h, duration_h, lab in self.outages_h if lab == label
        ]

    def report_outages(self, segments: pd.DataFrame, end_s: float) -> list[dict[str, Any]]:
        """Per scheduled outage: unserved energy while it lasted and whether it was ridden
        through (see :func:`sim.summary.outage_summary`)."""
        return outage_summary(segments, self.outages_of("scheduled"), end_s)

    def report_ride_through(self, segments: pd.DataFrame, end_s: float) -> list[bool | None]:
        """Whether each scheduled outage was ridden through (null: after the run's end)."""
        return [o["ride_through"] for o in self.report_outages(segments, end_s)]

    def report_random_outages(self, segments: pd.DataFrame, end_s: float) -> list[dict[str, Any]]:
        """:meth:`report_outages` of the random outages, as drawn."""
        return outage_summary(segments, self.outages_of("random"), end_s)

    def report_demand_response(self, segments: pd.DataFrame, end_s: float) -> list[dict[str, Any]]:
        """Per demand-response window: the cap applied, the largest import in it and what
        covered the gap (see :func:`sim.summary.demand_response_summary`)."""
        windows = [
            (start_h, duration_h, cap_mw)
            for (start_h, duration_h, _, _), cap_mw in zip(
                self.caps_h, self.applied_caps_mw, strict=True
            )
        ]
        return demand_response_summary(segments, windows, end_s)
