"""The one wake-up helper (sim.timer.Timer), alone on a bare SimPy environment."""

from __future__ import annotations

import math

import simpy

from sim.timer import Timer


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
    started: list[float] = []
    timeout = env.timeout

    def counted(delay: float = 0.0, value: object = None) -> simpy.Timeout:
        started.append(env.now + delay)
        return timeout(delay, value)

    env.timeout = counted  # type: ignore[method-assign]
    timer.at(5.0)
    for t_s, due_s in ((1.0, 6.0), (2.0, 7.0), (3.0, 8.0)):
        at_time(env, t_s, lambda due_s=due_s: timer.at(due_s))
    env.run(until=100)
    # the process timeouts at 1, 2, 3; the timer's at 5, then at 8 (moved on at 5)
    assert sorted(started) == [1.0, 2.0, 3.0, 5.0, 8.0]
    assert fired == [(8.0, 8.0)]


def test_when_cancelled_a_later_due_time_starts_its_timeout_at_once() -> None:
    env, timer, fired = make()
    started: list[tuple[float, float]] = []  # (clock, due) of each timeout started
    timeout = env.timeout

    def counted(delay: float = 0.0, value: object = None) -> simpy.Timeout:
        started.append((env.now, env.now + delay))
        return timeout(delay, value)

    env.timeout = counted  # type: ignore[method-assign]
    timer.at(5.0)
    at_time(env, 1.0, timer.cancel)
    at_time(env, 2.0, lambda: timer.at(8.0))
    env.run(until=100)
    # The timer's own: at 5 (started at 0, stale once cancelled: it does nothing) and at 8,
    # started at 2 when set.
    mine = [s for s in started if s[1] in (5.0, 8.0)]
    assert mine == [(0.0, 5.0), (2.0, 8.0)]
    assert fired == [(8.0, 8.0)]
