"""The grid connection on its own: outages and demand-response caps replayed on a bare
``simpy.Environment``, with stubs in place of the bus's callbacks.

No config is run (no ``run(config)``, no ``Facility``): the grid is built directly and started
with :class:`StubBus`'s ``on_change`` (records the clock, the kind, the detail and what the grid
offers then) and ``import_now_mw`` (the import a relative cut applies to; records when it is
asked). Every expected number follows from the windows configured here: the import available
at a time ``t`` is ``0`` inside any outage (``start ≤ t < start + duration``), else
``min(import_limit, cap)`` with ``cap`` the limit of the demand-response window under way
(``inf`` outside one); a cut ``c`` fixes the cap at ``(1 − c)·import`` at the window's start.
"""

from __future__ import annotations

import math

import pytest
import simpy

from sim.power.grid import Grid

LIMIT_MW = 80.0
IMPORT_MW = 64.0  # what the stub says is imported when a relative cut starts
OUTAGES_H = [(1.0, 2.0, "scheduled"), (2.5, 1.0, "random"), (8.0, 0.5, "random")]
CAPS_H: list[tuple[float, float, float | None, float | None]] = [
    (5.0, 1.0, 30.0, None),  # a fixed limit of 30 MW, 5–6 h
    (7.0, 2.0, None, 0.25),  # a cut of 25 % of the import at 7 h, 7–9 h (an outage at 8–8.5 h)
]


class StubBus:
    """The site the grid sees (sim.contracts.Site: ``changed()``, ``grid_import_mw()``) and a
    recorder: each change recorded as ``(clock, kind, detail, up, available MW)``."""

    def __init__(self, env: simpy.Environment, grid: Grid) -> None:
        self.env, self.grid = env, grid
        self.changes: list[tuple[float, str, str, bool, float]] = []
        self.asked_s: list[float] = []
        self.told: list[tuple[float, bool]] = []  # what an observer (a cooling plant) hears
        grid.start(env, self, self, [lambda up: self.told.append((env.now, up))])

    def event(self, time_s: float, kind: str, source: str, detail: str = "") -> None:
        assert source == "grid"
        assert time_s == self.env.now
        g = self.grid
        self.changes.append((self.env.now, kind, detail, g.up, g.available_mw))

    def changed(self) -> None:
        assert self.changes  # the change is recorded before the site hears of it
        assert self.changes[-1][0] == self.env.now

    def grid_import_mw(self) -> float:
        self.asked_s.append(self.env.now)
        return IMPORT_MW

    def times(self, kind: str) -> list[float]:
        return [t for t, k, *_ in self.changes if k == kind]


def expected_available_mw(t_s: float) -> float:
    """The import available at ``t_s`` from the windows configured above [MW]."""
    if any(s * 3600 <= t_s < (s + d) * 3600 for s, d, _ in OUTAGES_H):
        return 0.0
    cap_mw = math.inf
    for s, d, limit_mw, cut_pu in CAPS_H:
        if s * 3600 <= t_s < (s + d) * 3600:
            cap_mw = limit_mw if limit_mw is not None else (1 - cut_pu) * IMPORT_MW
    return min(LIMIT_MW, cap_mw)


def test_outages_and_caps_change_the_available_import_at_the_configured_times():
    env = simpy.Environment()
    grid = Grid(LIMIT_MW, OUTAGES_H, CAPS_H)
    bus = StubBus(env, grid)
    assert (grid.up, grid.available_mw) == (True, LIMIT_MW)

    # What the grid offers, sampled every 15 min (off the transitions, at :07:30).
    seen: list[tuple[float, bool, float]] = []

    def probe():
        while True:
            yield env.timeout(450.0 if env.now == 0 else 900.0)
            seen.append((env.now, grid.up, grid.available_mw))

    env.process(probe())
    env.run(until=12 * 3600)
    assert len(seen) == 48
    for t_s, up, available_mw in seen:
        assert available_mw == expected_available_mw(t_s), t_s
        assert up == (available_mw > 0), t_s

    # The callbacks come at the windows' edges [h·3600]: the outages 1–3 h and 2.5–3.5 h overlap
    # (the grid is down 1–3.5 h: the end at 3 h leaves it down); 8–8.5 h is inside the cut.
    assert bus.times("outage_start") == [3600.0, 2.5 * 3600, 8 * 3600]
    assert bus.times("outage_end") == [3 * 3600, 3.5 * 3600, 8.5 * 3600]
    assert bus.times("demand_response_start") == [5 * 3600, 7 * 3600]
    assert bus.times("demand_response_end") == [6 * 3600, 9 * 3600]
    state = {t: (up, mw) for t, _, _, up, mw in bus.changes}
    assert state[3600.0] == (False, 0.0)
    assert state[3 * 3600] == (False, 0.0)  # the second outage is still under way
    assert state[3.5 * 3600] == (True, LIMIT_MW)
    assert state[5 * 3600] == (True, 30.0)
    assert state[6 * 3600] == (True, LIMIT_MW)
    # The cut fixes the cap at its start: (1 − 0.25)·64 = 48 MW; asked once, then.
    assert bus.asked_s == [7 * 3600]
    assert state[7 * 3600] == (True, 48.0)
    assert state[8 * 3600] == (False, 0.0)  # an outage wins over the cap
    assert state[8.5 * 3600] == (True, 48.0)  # and the cap is back until the window ends
    assert state[9 * 3600] == (True, LIMIT_MW)
    assert grid.applied_caps_mw == [30.0, 48.0]

    # Details: the outage's label and length; the cap applied and the window's length.
    details = [(k, d) for _, k, d, _, _ in bus.changes]
    assert details[:2] == [("outage_start", "scheduled, 2 h"), ("outage_start", "random, 1 h")]
    assert ("outage_end", "scheduled, after 2 h") in details
    assert ("demand_response_start", "import capped at 30 MW for 1 h") in details
    assert ("demand_response_start", "import capped at 48 MW for 2 h") in details


def test_a_window_under_way_knows_its_end():
    env = simpy.Environment()
    grid = Grid(LIMIT_MW, [], CAPS_H)
    StubBus(env, grid)
    env.run(until=5.5 * 3600)
    assert (grid.cap_mw, grid.cap_end_s) == (30.0, 6 * 3600)
    env.run(until=6.5 * 3600)
    assert (grid.cap_mw, grid.cap_end_s) == (math.inf, math.inf)
    env.run(until=8 * 3600)
    assert (grid.cap_mw, grid.cap_end_s) == (48.0, 9 * 3600)


def test_at_one_time_an_end_comes_before_a_start():
    """Back-to-back outages (2–3 h, 3–4 h) and windows (1–2 h, 2–3 h), given out of order: at a
    shared instant the ends are called back first (the grid is up in between), then the starts,
    each kind in the order given (outages before windows)."""
    env = simpy.Environment()
    grid = Grid(
        LIMIT_MW,
        [(3.0, 1.0, "random"), (2.0, 1.0, "scheduled")],
        [(2.0, 1.0, 50.0, None), (1.0, 1.0, 40.0, None)],
    )
    bus = StubBus(env, grid)
    env.run(until=5 * 3600)
    assert [(t / 3600, k, up, mw) for t, k, _, up, mw in bus.changes] == [
        (1.0, "demand_response_start", True, 40.0),
        (2.0, "demand_response_end", True, LIMIT_MW),
        (2.0, "outage_start", False, 0.0),
        (2.0, "demand_response_start", False, 0.0),
        (3.0, "outage_end", True, 50.0),
        (3.0, "demand_response_end", True, LIMIT_MW),
        (3.0, "outage_start", False, 0.0),
        (4.0, "outage_end", True, LIMIT_MW),
    ]


def test_an_outage_from_the_start_is_called_back_at_time_zero():
    env = simpy.Environment()
    grid = Grid(math.inf, [(0.0, 0.25, "scheduled")])
    bus = StubBus(env, grid)
    env.run(until=3600)
    assert [(t, k) for t, k, *_ in bus.changes] == [(0.0, "outage_start"), (900.0, "outage_end")]
    assert (grid.up, grid.available_mw) == (True, math.inf)


def test_a_grid_with_no_windows_starts_nothing():
    env = simpy.Environment()
    grid = Grid(LIMIT_MW)
    bus = StubBus(env, grid)
    assert env.peek() == math.inf  # no process was started: nothing is scheduled
    env.run(until=3600)
    assert bus.changes == []
    assert (grid.up, grid.available_mw) == (True, LIMIT_MW)


@pytest.mark.parametrize("limit_mw", [10.0, 200.0])
def test_a_fixed_cap_above_the_limit_leaves_the_limit(limit_mw):
    env = simpy.Environment()
    grid = Grid(limit_mw, [], [(1.0, 1.0, 50.0, None)])
    StubBus(env, grid)
    env.run(until=1.5 * 3600)
    assert grid.available_mw == min(limit_mw, 50.0)


def test_observers_hear_whether_the_grid_is_up_at_every_transition():
    """A cooling plant off backup observes the grid: at each window edge it hears ``up``, which
    is false while any outage of OUTAGES_H lasts (the windows' edges, by hand)."""
    env = simpy.Environment()
    bus = StubBus(env, Grid(LIMIT_MW, OUTAGES_H, CAPS_H))
    env.run(until=10 * 3600)
    edges_h = sorted(
        {t for s, d, _ in OUTAGES_H for t in (s, s + d)}
        | {t for s, d, *_ in CAPS_H for t in (s, s + d)}
    )
    down = [(s * 3600, (s + d) * 3600) for s, d, _ in OUTAGES_H]
    expected = []
    for t_h in edges_h:
        t_s = t_h * 3600
        starts = sum(1 for s, _, _ in OUTAGES_H if s == t_h) + sum(
            1 for s, *_ in CAPS_H if s == t_h
        )
        ends = sum(1 for s, d, _ in OUTAGES_H if s + d == t_h) + sum(
            1 for s, d, *_ in CAPS_H if s + d == t_h
        )
        up = not any(a <= t_s < b for a, b in down)
        expected += [(t_s, up)] * (starts + ends)
    assert bus.told == expected
