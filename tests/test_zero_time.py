"""No zero-time loop: a steep or late ramp reaches its level, and a stuck engine says so.

The clock is a float: at hour 1 it resolves 4.5e-13 s, at hour 80,000 6e-8 s. A ramp-limited
import catching up with a load step used to overshoot the load by ``ρ·ulp(t)``, turn, and
overshoot again at every ulp (issue 12, section 3): millions of rows at one instant. Each case
here is a step of 10 MW → 20 MW and back an hour later on the ``smooth`` policy with a
lossless battery; the hand solution is two triangles of ``10 MW × (10 MW / ρ) / 2`` [MW·s]
through the battery, out and back in, and the grid carries the load's energy.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim.dispatch
from sim.dispatch import Bus
from sim.runner import RunError, run

H = 3600.0
LOSSLESS = {"efficiency_charge": 1.0, "efficiency_discharge": 1.0, "soc_min": 0.0}
MAX_TEST_UPDATES = 50_000
"""A guard of the tests' own: a loop fails the test at once instead of eating the memory."""


@pytest.fixture
def counted(monkeypatch):
    """Bus updates of the runs in a test, failing it past ``MAX_TEST_UPDATES``."""
    calls = {"n": 0}
    update = Bus.update

    def counting(bus: Bus) -> None:
        calls["n"] += 1
        assert calls["n"] <= MAX_TEST_UPDATES, f"a zero-time loop at t = {bus.env.now!r} s"
        update(bus)

    monkeypatch.setattr(Bus, "update", counting)
    return calls


def step_case(config_factory, ramp_mw_per_min: float, step_h: float):
    """10 → 20 MW at ``step_h``, back at ``step_h + 1``; 3 h from the step to the end."""
    return config_factory(
        duration_h=step_h + 3.0,
        trace=[(0.0, 10.0), (step_h, 20.0), (step_h + 1.0, 10.0)],
        battery={"energy_mwh": 10, "power_mw": 20, "soc_initial": 0.5, **LOSSLESS},
        dispatch={"policy": "smooth", "ramp_limit_mw_per_min": ramp_mw_per_min},
        output={"resolution_s": 1000.0 * H},  # few bins over a long run
    )


@pytest.mark.parametrize(
    ("ramp_mw_per_min", "step_h", "rel"),
    [
        (1e6, 1.0, 1e-9),  # catches up in 0.6 ms, 4.5e-13 s clock resolution
        (1e4, 8_000.0, 1e-7),  # in 60 ms at 3.7e-9 s
        (1e3, 80_000.0, 1e-6),  # in 0.6 s at 6e-8 s
        (1e5, 80_000.0, 1e-4),  # in 6 ms at 6e-8 s
    ],
)
def test_a_steep_or_late_ramp_limit_catches_up_with_the_load(
    config_factory, counted, ramp_mw_per_min, step_h, rel
):
    """The import reaches the load once per step: a handful of events, the hand energies
    (to the clock's resolution over the catch-up), the battery back where it started and
    the balance exact at every event."""
    result = run(step_case(config_factory, ramp_mw_per_min, step_h))
    catch_up_s = 10.0 / (ramp_mw_per_min / 60.0)
    triangle_mwh = 10.0 * catch_up_s / 2.0 / H
    e = result.summary["energy_mwh"]
    assert e["battery_discharge"] == pytest.approx(triangle_mwh, rel=rel)
    assert e["battery_charge"] == pytest.approx(triangle_mwh, rel=rel)
    load_mwh = 10.0 * (step_h + 3.0) + 10.0  # 10 MW throughout, 10 MW more for an hour
    assert e["grid"] == pytest.approx(load_mwh, rel=1e-12)
    assert e["unserved"] == 0.0
    assert result.summary["battery"]["soc_final"] == pytest.approx(0.5, rel=1e-9)
    seg = result.segments
    supply = seg["grid_mw"] + seg["battery_mw"] + seg["unserved_mw"] - seg["curtailed_mw"]
    assert np.abs(supply - seg["it_mw"]).max() <= 1e-9
    # a grid import between 10 and 20 MW, never beyond (no overshoot left standing)
    assert seg["grid_mw"].min() >= 10.0
    assert seg["grid_mw"].max() <= 20.0
    assert counted["n"] <= 10  # start, step, caught up, step back, caught up


def test_a_late_ramp_limited_step_into_an_empty_battery(config_factory, counted):
    """At hour 80,000 the battery has 1e-7 × 10 MWh above its floor when the load steps up
    at a 1e5 MW/min import limit: it empties on the way (an event), the grid goes on
    ramping, and nothing is unserved beyond the battery's share."""
    config = config_factory(
        duration_h=80_003.0,
        trace=[(0.0, 10.0), (80_000.0, 20.0), (80_001.0, 10.0)],
        battery={"energy_mwh": 10, "power_mw": 20, "soc_initial": 0.5, "soc_min": 0.5 - 1e-7},
        dispatch={"policy": "smooth", "ramp_limit_mw_per_min": 1e5},
        output={"resolution_s": 1000.0 * H},
    )
    result = run(config)
    kinds = result.events["kind"].tolist()
    assert kinds.count("battery_empty") == 1
    seg = result.segments
    supply = seg["grid_mw"] + seg["battery_mw"] + seg["unserved_mw"] - seg["curtailed_mw"]
    assert np.abs(supply - seg["it_mw"]).max() <= 1e-9
    assert counted["n"] <= 20


def test_a_stuck_engine_raises_a_clear_error_soon(config_factory, counted, monkeypatch):
    """Provoke the old loop (a smooth policy that counts only the power tolerance as caught
    up, at 1e6 MW/min: the clock moves one ulp at each turn) with a guard of 1,000: the run
    fails at once with a RunError that says when, how many updates and what to change."""

    def old_target(self, s):
        limit = self.ramp_limit_mw_per_s
        gap_mw = s.load_mw - s.grid_mw
        if abs(gap_mw) <= s.tol_mw:
            return s.grid_mw, min(max(s.load_ramp_mw_per_s, -limit), limit), True
        return s.grid_mw, (limit if gap_mw > 0 else -limit), True

    monkeypatch.setattr(sim.dispatch.Smooth, "grid_target", old_target)
    monkeypatch.setattr(sim.dispatch, "MAX_UPDATES_AT_ONE_TIME", 1_000)
    with pytest.raises(RunError) as info:
        run(step_case(config_factory, 1e6, 1.0))
    message = str(info.value)
    assert "EngineStuckError" in message
    assert "stuck at t = 3600.0006" in message  # the first catch-up, at 3600 s + 0.6 ms
    assert "1,001 bus updates in a row" in message
    assert "dispatch.ramp_limit_mw_per_min" in message
    assert counted["n"] < 1_100


def test_updates_at_one_identical_time_are_stuck_too(config_factory, monkeypatch):
    """The guard still counts updates that do not move the clock at all."""
    monkeypatch.setattr(sim.dispatch, "MAX_UPDATES_AT_ONE_TIME", 50)
    update = Bus.update

    def again(bus: Bus) -> None:
        update(bus)
        if bus.env.now == H:
            again(bus)  # re-solve at the same instant, for ever

    monkeypatch.setattr(Bus, "update", again)
    with pytest.raises(RunError, match=r"stuck at t = 3600\.0 s \(hour 1\): 51 bus updates"):
        run(step_case(config_factory, 1.0, 1.0))
