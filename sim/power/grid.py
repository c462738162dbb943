"""The utility grid connection."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import simpy

from sim.units import S_PER_H


class Grid:
    """Import from the utility, up to ``import_limit_mw``, unless an outage is under way.

    Export is not modelled: grid power is an import in ``[0, available_mw]`` [MW].

    Parameters
    ----------
    import_limit_mw : float
        Largest import [MW]; ``math.inf`` for an unlimited connection.
    outages_h : sequence of (start_h, duration_h)
        Scheduled outages [h from the run's start]; they must not overlap.
    """

    def __init__(
        self, import_limit_mw: float = math.inf, outages_h: Sequence[tuple[float, float]] = ()
    ):
        self.import_limit_mw = import_limit_mw
        self.outages_h = sorted(outages_h)
        self.up = True

    @property
    def available_mw(self) -> float:
        """Import available now [MW]: the limit, or 0 during an outage."""
        return self.import_limit_mw if self.up else 0.0

    def start(self, env: simpy.Environment, on_change: Callable[[str, str], None]) -> None:
        """Start the outage process; ``on_change(kind, detail)`` is called at each transition."""
        if self.outages_h:
            env.process(self._outages(env, on_change))

    def _outages(
        self, env: simpy.Environment, on_change: Callable[[str, str], None]
    ) -> Iterator[simpy.Event]:
        for start_h, duration_h in self.outages_h:
            yield env.timeout(max(start_h * S_PER_H - env.now, 0.0))
            self.up = False
            on_change("outage_start", f"{duration_h:g} h")
            yield env.timeout((start_h + duration_h) * S_PER_H - env.now)
            self.up = True
            on_change("outage_end", f"after {duration_h:g} h")
