"""A pool's repair crew: one SimPy process per pool that repairs the pool's failed nodes.

Nodes are repaired in parallel (the crew is never short of hands), each for its own time
``T ~ Exp(mean)`` [s]: a node that enters repair at ``t`` [s] is back at ``t + T``. The crew's
process waits for the repair that ends first, hands its node back (``on_repaired``) and waits
again; with no repair under way, it waits for a node to enter repair.

Why the crew starts each repair's timeout outside its process
-------------------------------------------------------------
The crew replaced one timeout per repair, started when its node failed, with a callback; its
results are the same to the last bit, events in the same order, because nothing moved:
:meth:`RepairCrew.take` (called when the node fails) draws the repair time from the same
stream and starts that same timeout at once, and the process waits on the timeout itself, so
it resumes in that timeout's own callback, with no event in between. Drawn and started by the
process after a wake-up event instead, each would come one event later: the draws would still
be in the order of the failures, but a repair's end would come after the events started in
between, among those at exactly its time (no such tie happens with continuous draws, but the
order would no longer be the same by construction). The price: a wake-up event when a node
enters repair at an idle crew, and an interrupt when one enters that will be back before the
repair the process waits for.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

import numpy as np
import simpy


class RepairCrew:
    """Repairs one pool's failed nodes in parallel, each for an exponential time.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment; the crew's process starts at once.
    mean_s : float
        Mean repair time of a node [s].
    rng : numpy.random.Generator
        The repair times' stream (the cluster's pools share one: a crew draws from it when a
        node enters repair, so the draws are in the order of the failures).
    on_repaired : callable
        Called with no argument when a node's repair ends (the clock then reads its end).
    """

    def __init__(
        self,
        env: simpy.Environment,
        mean_s: float,
        rng: np.random.Generator,
        on_repaired: Callable[[], None],
    ):
        self._env = env
        self._mean_s = mean_s
        self._rng = rng
        self._on_repaired = on_repaired
        self._seq = itertools.count()  # ties in end time: the repair started first is first
        self._repairs: list[tuple[float, int, simpy.Timeout]] = []  # (end [s], seq, timeout)
        self._arrival: simpy.Event | None = None  # what the idle process waits for
        self._waiting_for: tuple[float, int] | None = None  # (end, seq) of the one it waits on
        self._process = env.process(self._work())

    @property
    def under_repair(self) -> int:
        """Nodes in repair now."""
        return len(self._repairs)

    def take(self, mean_s: float | None = None) -> float:
        """A node enters repair now: draw its repair time ``T`` [s] (exponential of mean
        ``mean_s`` [s], default the crew's) and start it. Returns the time it will be back,
        ``now + T`` [s]."""
        env = self._env
        if self._arrival is not None:  # idle: wake the process (before the repair's timeout,
            self._arrival.succeed()  # so that even one of no length is waited for in time)
            self._arrival = None
        repair_s = float(self._rng.exponential(self._mean_s if mean_s is None else mean_s))
        end_s = env.now + repair_s  # (the time SimPy schedules the timeout at)
        key = (end_s, next(self._seq))
        heapq.heappush(self._repairs, (*key, env.timeout(repair_s)))
        waiting_for = self._waiting_for
        if waiting_for is not None and key < waiting_for:
            self._waiting_for = None  # one interrupt is enough: it then waits for the first
            self._process.interrupt("a repair that ends sooner")
        return end_s

    def _work(self) -> simpy.events.ProcessGenerator:
        """The crew's process: wait for the repair that ends first (with none under way, for a
        node to enter repair); give its node back; again."""
        event: simpy.Event
        while True:
            if self._repairs:
                end_s, seq, event = self._repairs[0]
                self._waiting_for = (end_s, seq)
            else:
                event = self._arrival = self._env.event()
            try:
                yield event
            except simpy.Interrupt:
                continue  # a node entered repair that is back before the one waited for
            self._waiting_for = None  # (so a node failing from on_repaired interrupts nothing)
            if self._repairs and self._repairs[0][2] is event:  # (else: a node entered repair)
                heapq.heappop(self._repairs)
                self._on_repaired()
