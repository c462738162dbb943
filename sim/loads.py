"""Exogenous loads: a power drawn from the bus that the simulation does not control."""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappush

import simpy
from simpy.events import NORMAL, URGENT, EventCallbacks

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
        """Start replaying the changes; the site learns of each one.

        Replayed by callbacks on one reused event, not by a process (issue 19: a process's
        resume and generator cost about a tenth of the microgrid year). The queue sees what
        the process it replaces gave it — an urgent start event now, each change's timeout
        ``t_i − now`` later pushed after the site has handled the change before it, and an
        end event once the last is handled — so that every event keeps its place in time and
        sequence and the results are unchanged.
        """
        if len(self.times_s) > 1:
            self._env, self._changed, self._next = env, site.changed, 1
            self._event = event = simpy.Event(env)
            event._ok, event._value = True, None
            self._cb: EventCallbacks = [self._on_change]  # (reused for every change)
            event.callbacks = [self._arm_next]
            heappush(env._queue, (env._now, URGENT, next(env._eid), event))

    def _on_change(self, _event: simpy.Event) -> None:
        i = self._next
        self.p_mw = self.loads_mw[i]
        self._changed()
        self._next = i + 1
        self._arm_next(_event)

    def _arm_next(self, _event: simpy.Event) -> None:
        """Push the next change's timeout, or (after the last) the end event."""
        env, i = self._env, self._next
        if i < len(self.times_s):
            event = self._event
            event.callbacks = self._cb
            now = env._now
            heappush(env._queue, (now + (self.times_s[i] - now), NORMAL, next(env._eid), event))
        else:  # (the process's own end: it succeeded)
            end = simpy.Event(env)
            end._ok, end._value = True, None
            heappush(env._queue, (env._now, NORMAL, next(env._eid), end))
