"""The one wake-up helper (sim.timer.Timer), alone on a bare SimPy environment."""

from __future__ import annotations

import heapq
import math

import pytest
import simpy
from simpy.events import NORMAL

import sim.timer
from sim.timer import REKEY_QUEUE_LEN, Timer


def make() -> tuple[simpy.Environment, Timer, list[tuple[float, float]]]:
    env = simpy.Environment()
    fired: list[tuple[float, float]] = []  # (clock, due time passed) at each firing
    timer = Timer(env, lambda due_s: fired.append((env.now, due_s)))
    return env, timer, fired


def at_time(env: simpy.Environment, t_s: float, action) -> None:
    """Run ``action()`` at ``t_s`` from a process (as a component changing its plan)."""

    def proc():
        yield env.timeout(t_s - env.now)
        action()

    env.process(proc())


def count_timeouts(env: simpy.Environment, with_clock: bool = False) -> list:
    """The due times (with ``with_clock``: ``(clock, due)``) of every timeout started on
    ``env`` from now on: the processes' and the timer's (it pushes its own entries on SimPy's
    queue: plain events of normal priority)."""
    started: list = []
    queue = env._queue
    push = heapq.heappush

    def counted(heap: list, item: tuple) -> None:
        if heap is queue and item[1] == NORMAL and type(item[3]) in (simpy.Timeout, simpy.Event):
            started.append((env.now, item[0]) if with_clock else item[0])
        push(heap, item)

    sim.timer.heappush = counted  # type: ignore[attr-defined]
    simpy.core.heappush = counted  # type: ignore[attr-defined]
    return started


@pytest.fixture(autouse=True)
def _restore_heappush():
    yield
    sim.timer.heappush = heapq.heappush  # type: ignore[attr-defined]
    simpy.core.heappush = heapq.heappush  # type: ignore[attr-defined]


def test_fires_once_at_the_due_time_with_it() -> None:
    env, timer, fired = make()
    timer.at(5.0)
    env.run(until=100)
    assert fired == [(5.0, 5.0)]
    assert timer.due_s == math.inf


def test_moved_later_fires_only_at_the_new_time() -> None:
    env, timer, fired = make()
    timer.at(5.0)
    at_time(env, 2.0, lambda: timer.at(9.0))
    env.run(until=100)
    assert fired == [(9.0, 9.0)]


def test_moved_earlier_fires_only_at_the_new_time() -> None:
    env, timer, fired = make()
    timer.at(9.0)
    at_time(env, 2.0, lambda: timer.at(5.0))
    env.run(until=100)
    assert fired == [(5.0, 5.0)]


def test_moved_back_and_forth_fires_once_at_the_last_time() -> None:
    env, timer, fired = make()
    timer.at(9.0)
    at_time(env, 1.0, lambda: timer.at(4.0))
    at_time(env, 2.0, lambda: timer.at(12.0))
    at_time(env, 3.0, lambda: timer.at(7.0))
    env.run(until=100)
    assert fired == [(7.0, 7.0)]


def test_cancelled_does_not_fire_and_can_be_set_again() -> None:
    env, timer, fired = make()
    timer.at(5.0)
    at_time(env, 1.0, timer.cancel)
    env.run(until=50)
    assert fired == []
    at_time(env, 60.0, lambda: timer.after(10.0))
    env.run(until=100)
    assert fired == [(70.0, 70.0)]


def test_set_again_from_its_own_action() -> None:
    env = simpy.Environment()
    fired: list[float] = []

    def action(due_s: float) -> None:
        fired.append(due_s)
        if len(fired) < 3:
            timer.after(2.5)

    timer = Timer(env, action)
    timer.after(1.0)
    env.run(until=100)
    assert fired == [1.0, 3.5, 6.0]


def test_moving_later_starts_no_timeout_until_the_pending_one_fires() -> None:
    env, timer, fired = make()
    started = count_timeouts(env)
    timer.at(5.0)
    for t_s, due_s in ((1.0, 6.0), (2.0, 7.0), (3.0, 8.0)):
        at_time(env, t_s, lambda due_s=due_s: timer.at(due_s))
    env.run(until=100)
    # the process timeouts at 1, 2, 3; the timer's at 5, then at 8 (moved on at 5)
    assert sorted(started) == [1.0, 2.0, 3.0, 5.0, 8.0]
    assert fired == [(8.0, 8.0)]


def test_when_cancelled_a_later_due_time_starts_its_timeout_at_once() -> None:
    env, timer, fired = make()
    started = count_timeouts(env, with_clock=True)  # (clock, due) of each timeout started
    timer.at(5.0)
    at_time(env, 1.0, timer.cancel)
    at_time(env, 2.0, lambda: timer.at(8.0))
    env.run(until=100)
    # The timer's own: at 5 (started at 0, stale once cancelled: it does nothing) and at 8,
    # started at 2 when set.
    mine = [s for s in started if s[1] in (5.0, 8.0)]
    assert mine == [(0.0, 5.0), (2.0, 8.0)]
    assert fired == [(8.0, 8.0)]


def test_moved_earlier_in_a_short_queue_leaves_no_stale_timeout() -> None:
    # Moved earlier three times: the queue never holds more than the timer's one entry and
    # the process's, and the events run in the order new timeouts would have given them.
    env, timer, fired = make()
    timer.at(9.0)
    lengths: list[int] = []

    def move(due_s: float) -> None:
        timer.at(due_s)
        lengths.append(len(env._queue))

    for t_s, due_s in ((1.0, 8.0), (2.0, 7.0), (3.0, 6.0)):
        at_time(env, t_s, lambda due_s=due_s: move(due_s))
    steps = 0
    while env._queue:
        env.step()
        steps += 1
    assert fired == [(6.0, 6.0)]
    # 3 processes (start + timeout + end each: 3 events), the timer's one firing; no stale.
    assert steps == 3 * 3 + 1
    assert max(lengths) <= 4


def test_same_time_order_is_that_of_a_new_timeout() -> None:
    # A timer moved earlier onto the time of a timeout started before the move fires after
    # it, as a timeout started at the move would (SimPy orders equal times by creation).
    env = simpy.Environment()
    order: list[str] = []
    timer = Timer(env, lambda due_s: order.append("timer"))
    timer.at(9.0)
    env.timeout(5.0).callbacks.append(lambda _: order.append("other"))
    timer.at(5.0)
    env.run(until=100)
    assert order == ["other", "timer"]


def test_in_a_long_queue_the_replaced_timeout_goes_stale() -> None:
    env, timer, fired = make()
    for k in range(REKEY_QUEUE_LEN + 1):  # a long queue
        env.timeout(50.0 + k)
    timer.at(9.0)
    timer.at(5.0)
    assert len(env._queue) == REKEY_QUEUE_LEN + 1 + 2  # the stale one is still there
    env.run(until=100)
    assert fired == [(5.0, 5.0)]


def test_simpy_internals_the_timer_relies_on() -> None:
    # The timer pushes and re-keys its own entries on SimPy's queue (sim.timer._arm): it relies
    # on the queue being a heap list of (time, priority, sequence number, event) drawn from
    # ``env._eid``, and on an event's ``_ok``/``_value``. pyproject pins simpy below 4.2; this
    # test is what fails first should a SimPy release change any of them.
    import itertools

    env = simpy.Environment()
    first = env.timeout(3.0, value="v")
    second = env.timeout(3.0)
    assert isinstance(env._queue, list)
    assert isinstance(env._eid, itertools.count)
    (t1, prio1, eid1, ev1), (t2, prio2, eid2, ev2) = sorted(env._queue)
    assert (t1, prio1, ev1, t2, prio2, ev2) == (3.0, NORMAL, first, 3.0, NORMAL, second)
    assert eid2 == eid1 + 1
    assert next(env._eid) == eid2 + 1
    assert first._ok is True
    assert first._value == "v"
    assert env._now == env.now == 0.0
