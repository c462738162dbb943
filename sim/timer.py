"""One pending wake-up that can be moved without interrupting anything.

SimPy cannot take back a timeout once scheduled, and interrupting a process costs about three
plain events. A :class:`Timer` therefore starts a new timeout whenever its due time moves
earlier and remembers which one is its own. While SimPy's queue is short (at most
:data:`REKEY_QUEUE_LEN` entries: a power island's) it moves its pending timeout instead: the
queue entry is replaced by one with the new time and a new sequence number — exactly the entry
a new timeout would have had, so events are processed in the same order — and no stale timeout
is left to fire (in the microgrid year four of five of the bus's timeouts fired stale). In a
long queue (a cluster's jobs and repairs) finding the entry would cost more than the stale
firing: there the timeout it replaced, when it fires, finds it is no longer the timer's and
does nothing (it is *stale*). The bus, every turbine unit and the cooling
plant's restart each keep one. A training job's process keeps the same rule for its own wake-up
(:meth:`sim.cluster.Cluster._schedule`), so that its timeouts are started when a timer's would be.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heapify, heappush

import simpy
from simpy.events import NORMAL, Event, EventPriority

REKEY_QUEUE_LEN = 32
"""Longest SimPy queue in which a timer moved earlier moves its pending timeout's entry (a scan
of the queue and a re-heap, both in C) rather than leaving it stale [entries]. An assumption
from timing on the 2-core reference machine: a stale firing costs about a step of the engine
(~1 µs), a scan about 20 ns per entry."""


class Timer:
    """Calls ``action(due_s)`` once the clock reaches the due time last set.

    Moving the due time *later* starts no timeout: the pending one fires first and starts the
    next, at the due time then set (a load that changes every few minutes moves a battery's
    bound hours away at each change; this halves the timeouts of such a run). Moving it
    *earlier* starts a new timeout; the one it replaces goes stale.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment.
    action : callable
        Called with the due time [s] it was set for (the clock then reads that time, up to the
        rounding of ``t + (due_s − t)``, ``t`` the time the timeout was started).
    """

    __slots__ = ("_action", "_armed_s", "_entry", "_env", "_fire_cb", "_pending", "due_s")

    def __init__(self, env: simpy.Environment, action: Callable[[float], None]):
        self._env = env
        self._action = action
        self._fire_cb = self._fire  # bound once: no allocation per wake-up
        self._pending: simpy.Event | None = None  # the timeout that is the timer's own
        self._entry: tuple[float, EventPriority, int, simpy.Event] | None = None  # its queue entry
        self._armed_s = math.inf  # when it fires [s]
        self.due_s = math.inf
        """When the timer fires [s since the run's start]; ``inf``: not set."""

    def at(self, due_s: float) -> None:
        """Fire at ``due_s`` [s] instead of the due time set before (``inf``: never)."""
        self.due_s = due_s
        if due_s < self._armed_s:
            self._arm(due_s - self._env.now, due_s)

    def after(self, delay_s: float) -> None:
        """Fire ``delay_s`` [s] from now instead of the due time set before."""
        due_s = self._env.now + delay_s
        self.due_s = due_s
        if due_s < self._armed_s:
            self._arm(delay_s, due_s)

    def cancel(self) -> None:
        """Do not fire (until set again). The pending timeout goes stale, so that the next
        :meth:`at` or :meth:`after` starts a timeout at once, as a new timer's would: among
        events at one time it keeps the place of a one-shot timeout started when it was set
        (the turbine units: a unit stopped while starting and started again)."""
        self.due_s = math.inf
        self._pending, self._entry, self._armed_s = None, None, math.inf

    def _arm(self, delay_s: float, due_s: float) -> None:
        """Start a timeout ``delay_s`` [s] from now for ``due_s`` — or, in a short queue, move
        the pending one there. The entry is the one :meth:`simpy.Environment.timeout` would
        push: ``(now + delay, NORMAL, next sequence number, event)``; the event carries
        ``due_s`` as its value."""
        env = self._env
        queue = env._queue  # (SimPy's own: the hot path)
        entry = self._entry
        if entry is not None and len(queue) <= REKEY_QUEUE_LEN:
            event = entry[3]
            new = (env._now + delay_s, NORMAL, next(env._eid), event)
            queue[queue.index(entry)] = new
            heapify(queue)
        else:
            event = Event(env)
            event._ok = True
            event.callbacks.append(self._fire_cb)
            new = (env._now + delay_s, NORMAL, next(env._eid), event)
            heappush(queue, new)
        event._value = due_s
        self._pending, self._entry, self._armed_s = event, new, due_s

    def _fire(self, event: simpy.Event) -> None:
        if event is not self._pending:
            return  # stale: an earlier timeout replaced it
        armed_s, due_s = self._armed_s, self.due_s
        self._pending, self._entry, self._armed_s = None, None, math.inf
        if due_s != armed_s:  # moved later (or cancelled) since it was started
            if due_s < math.inf:
                self._arm(due_s - self._env.now, due_s)
            return
        self.due_s = math.inf
        self._action(due_s)
