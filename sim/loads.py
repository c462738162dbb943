"""Exogenous loads: a power drawn from the bus that the simulation does not control."""

from __future__ import annotations

from collections.abc import Sequence

import simpy

from sim.contracts import Site


class ExogenousLoad:
    """A piecewise-constant load: ``p_mw = loads_mw[i]`` for ``times_s[i] <= t < times_s[i+1]``.

    Parameters
    ----------
    times_s : sequence of float
        Change times [s], strictly increasing, the first at 0.
    loads_mw : sequence of float
        Load from each change time on [MW].
    """

    def __init__(self, times_s: Sequence[float], loads_mw: Sequence[float]):
        self.times_s = list(times_s)
        self.loads_mw = list(loads_mw)
        self.p_mw = self.loads_mw[0]
        self.order: tuple[str, ...] = ()  # load management steps, e.g. ("cap", "shed")
        self.it_floor_pu = 1.0
        self.flexible_pu = 0.0

    def manage(self, order: Sequence[str], it_floor_pu: float, flexible_pu: float) -> None:
        """Allow load management: the steps in ``order`` ("cap", "shed"), the IT floor and the
        flexible share [pu]."""
        self.order = tuple(order)
        self.it_floor_pu = it_floor_pu
        self.flexible_pu = flexible_pu

    def curtail(self, request_mw: float) -> tuple[float, float]:
        """Give up to ``request_mw`` of load now; return what was given (capped, shed) [MW].

        This is the load side's answer to the bus when supply is short; the cluster will
        answer the same request by capping GPUs, pausing and shedding jobs. Here: capping lowers IT
        power to at most ``(1 − it_floor_pu)·demand`` below demand; shedding removes up to
        ``flexible_pu`` of what is left (``pause`` is the cluster's). Steps apply in ``order``.
        """
        demand_mw = self.p_mw
        capped_mw = shed_mw = 0.0
        for step in self.order:
            left_mw = request_mw - capped_mw - shed_mw
            if left_mw <= 0.0:
                break
            if step == "cap":
                capped_mw = min(left_mw, (1.0 - self.it_floor_pu) * (demand_mw - shed_mw))
            elif step == "shed":
                shed_mw = min(left_mw, self.flexible_pu * (demand_mw - capped_mw))
        return capped_mw, shed_mw

    @classmethod
    def constant(cls, p_mw: float) -> ExogenousLoad:
        """A load that never changes [MW]."""
        return cls([0.0], [p_mw])

    def start(self, env: simpy.Environment, site: Site) -> None:
        """Start replaying the changes; the site learns of each one."""
        if len(self.times_s) > 1:
            env.process(self._replay(env, site))

    def _replay(self, env: simpy.Environment, site: Site) -> simpy.events.ProcessGenerator:
        timeout, changed = env.timeout, site.changed
        for t_s, p_mw in zip(self.times_s[1:], self.loads_mw[1:], strict=True):
            yield timeout(t_s - env.now)
            self.p_mw = p_mw
            changed()
