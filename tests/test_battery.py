"""Battery model: exact linear integration and bound times, computed by hand."""

from __future__ import annotations

import math

import pytest

from sim.power.battery import Battery


def make(**kw) -> Battery:
    args = {
        "energy_nom_mwh": 100.0,
        "p_charge_max_mw": 40.0,
        "p_discharge_max_mw": 50.0,
        "efficiency_charge": 0.8,
        "efficiency_discharge": 0.9,
        "soc_min": 0.1,
        "soc_max": 0.9,
        "soc_initial": 0.5,
    }
    args.update(kw)
    return Battery(**args)


def test_discharge_one_hour_exact():
    b = make(soc_initial=0.9)
    b.p_mw = 18.0
    b.advance(3600.0, b.e_min_mwh)
    assert b.stored_mwh == pytest.approx(90.0 - 18.0 / 0.9, rel=1e-15)


def test_charge_stores_power_times_efficiency():
    b = make()
    b.p_mw = -20.0
    b.advance(1800.0, b.e_min_mwh)  # half an hour: 20 * 0.8 * 0.5 = 8 MWh
    assert b.stored_mwh == pytest.approx(58.0, rel=1e-15)


def test_seconds_to_floor_and_to_top():
    b = make()
    b.p_mw = 30.0
    # (50 - 10) MWh * 0.9 / 30 MW = 1.2 h
    assert b.seconds_to_bound(b.e_min_mwh) == pytest.approx(1.2 * 3600, rel=1e-14)
    b.p_mw = -25.0
    # (90 - 50) MWh / (25 * 0.8) MW = 2 h
    assert b.seconds_to_bound(b.e_min_mwh) == pytest.approx(2 * 3600, rel=1e-14)
    b.p_mw = 0.0
    assert b.seconds_to_bound(b.e_min_mwh) == math.inf


def test_advance_to_bound_lands_exactly_on_it():
    b = make(soc_initial=0.77)
    b.p_mw = 13.7
    b.advance(b.seconds_to_bound(b.e_min_mwh), b.e_min_mwh)
    assert b.stored_mwh == b.e_min_mwh  # snapped, not merely close
    assert b.discharge_limit_mw(b.e_min_mwh) == 0.0
    b.p_mw = -7.3
    b.advance(b.seconds_to_bound(b.e_min_mwh), b.e_min_mwh)
    assert b.stored_mwh == b.e_max_mwh
    assert b.charge_limit_mw() == 0.0


def test_limits_inside_window():
    b = make()
    assert b.discharge_limit_mw(b.e_min_mwh) == 50.0
    assert b.charge_limit_mw() == 40.0
    # reserve above the current energy blocks discharge but not charge
    assert b.discharge_limit_mw(60.0) == 0.0


def test_reserve_defaults_to_soc_min():
    assert make().e_reserve_mwh == pytest.approx(10.0)
    assert make(reserve_soc=0.4).e_reserve_mwh == pytest.approx(40.0)


def test_advance_snaps_only_to_the_bound_it_heads_for():
    """A reserve within rounding distance of soc_min: reaching the reserve must not also jump
    to soc_min (that would lose energy that was never discharged)."""
    b = make(soc_min=0.0, reserve_soc=1e-12, soc_initial=0.5)
    b.p_mw = 10.0
    b.advance(b.seconds_to_bound(b.e_reserve_mwh), b.e_reserve_mwh)
    assert b.stored_mwh == b.e_reserve_mwh


def test_bound_nearer_than_the_clock_resolves_does_not_loop():
    """At t = 1e7 s the clock's resolution is ~2e-9 s. A battery 1e-13 MWh above its floor at
    150 MW reaches it in ~2e-12 s: the bus must take the bound as reached, not schedule
    timeouts at `now` forever."""
    import simpy

    from sim.dispatch import Bus, PeakShave
    from sim.loads import ExogenousLoad
    from sim.power.grid import Grid
    from sim.recorder import Recorder

    env = simpy.Environment(initial_time=1e7)
    battery = Battery(1e-6, 150.0, 150.0, soc_initial=0.0)
    battery.stored_mwh = battery.e_min_mwh + 1e-13
    bus = Bus(env, ExogenousLoad.constant(200.0), Grid(), battery, PeakShave(0.0), Recorder())
    bus.update()
    for _ in range(100):
        if env.peek() == float("inf"):
            break
        env.step()
    assert env.peek() == float("inf")  # nothing left to do: no timeout loop at `now`
    assert bus.n_updates == 1
    assert battery.stored_mwh == battery.e_min_mwh
    assert battery.p_mw == 0.0
