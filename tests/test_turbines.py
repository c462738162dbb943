"""Turbines, commitment and the smooth policy on hand-computed cases.

Every expected number below is worked out in the test's docstring from the config alone:
start delays, ramp triangles and trapezoids, the affine fuel curve.
"""

from __future__ import annotations

import pytest

from sim.config import ConfigError
from sim.recorder import cumulative_energy_mwh
from sim.runner import run
from tests.bad_configs import assert_problem

LOSSLESS = {"efficiency_charge": 1.0, "efficiency_discharge": 1.0, "soc_min": 0.0}
SMT = {"name": "smt", "p_nom_mw": 16.5, "ramp_mw_per_min": 5.0, "start_s": 600.0}


def times_of(result, kind: str) -> list[float]:
    """Times [s] of the events of ``kind``."""
    ev = result.events
    return [t * 3600.0 for t in ev.loc[ev["kind"] == kind, "time_h"]]


def outage_case(config_factory, energy_mwh: float):
    """50 MW load; a 2 h outage at 1 h; 4 × 16.5 MW units (66 MW); a lossless battery of
    ``energy_mwh`` that cannot charge (so the turbines aim at the load alone)."""
    return run(
        config_factory(
            duration_h=4,
            load={"constant_mw": 50},
            grid={"outages": [{"start_h": 1, "duration_h": 2}]},
            battery={
                "energy_mwh": energy_mwh,
                "power_mw": 100,
                "charge_power_mw": 0,
                **LOSSLESS,
            },
            turbines=[{**SMT, "count": 4}],
        )
    )


def test_a_battery_too_small_to_bridge_the_start_leaves_the_hand_gap(config_factory):
    """4 units start at the outage (ceil(50/16.5) = 4), are online 600 s later and ramp
    together at 4 × 5 MW/min = 1/3 MW/s, so they reach 50 MW after 150 s.

    A 5 MWh battery carries 50 MW for 5·3600/50 = 360 s. Unserved: 50 MW from 360 s to 600 s,
    then the triangle 50·150/2 while the units ramp:
    (50·240 + 3750) / 3600 = 4.375 MWh."""
    result = outage_case(config_factory, 5.0)
    assert result.summary["unserved_mwh"] == pytest.approx(15750 / 3600, rel=1e-9)
    assert result.summary["outage_ride_through"] == [False]
    assert times_of(result, "turbine_start") == [3600.0] * 4
    assert times_of(result, "turbine_online") == [4200.0] * 4


def test_a_battery_just_big_enough_rides_through(config_factory):
    """The battery must give 50 MW for 600 s plus the ramp triangle 50·150/2:
    33,750 MW·s = 9.375 MWh. With that, nothing is unserved; 0.1 % less leaves 0.1 % of it
    (9.375e-3 MWh) unserved."""
    enough = outage_case(config_factory, 9.375)
    assert enough.summary["unserved_mwh"] < 1e-9
    assert enough.summary["outage_ride_through"] == [True]
    assert enough.summary["battery"]["soc_lowest"] == pytest.approx(0.0, abs=1e-9)
    short = outage_case(config_factory, 9.375 * 0.999)
    assert short.summary["unserved_mwh"] == pytest.approx(9.375e-3, rel=1e-6)


def ramp_case(config_factory, **turbine):
    """One 16.5 MW unit; load 10 MW, stepping to 15 MW at 2 h; a 2 h outage at 1 h; a large
    lossless battery that cannot charge (so the unit follows the load)."""
    return run(
        config_factory(
            duration_h=4,
            trace=[(0.0, 10.0), (2.0, 15.0)],
            grid={"outages": [{"start_h": 1, "duration_h": 2}]},
            battery={"energy_mwh": 100, "power_mw": 100, "charge_power_mw": 0, **LOSSLESS},
            turbines=[{**SMT, "count": 1, **turbine}],
        )
    )


def test_turbine_output_and_fuel_over_ramps_are_the_analytic_integrals(config_factory):
    """The unit starts at 3600 s, is online at 4200 s and ramps at 5 MW/min = 1/12 MW/s:
    0 → 10 MW by 4320 s (triangle 10·120/2 = 600 MW·s); at 7200 s the load steps to 15 MW and
    it ramps 10 → 15 by 7260 s (trapezoid (10+15)/2·60 = 750); the grid returns at 10800 s
    and it ramps 15 → 0 by 10980 s (triangle 15·180/2 = 1350). Flat parts: 10·(7200−4320) and
    15·(10800−7260). Fuel: HR·f0·P_nom over the 7380 s it burns (3600 → 10980) plus
    HR·(1 − f0) per MWh of output, with HR = 10.75 MMBtu/MWh and f0 = 0.25."""
    result = ramp_case(config_factory)
    energy_mw_s = 600 + 10 * (7200 - 4320) + 750 + 15 * (10800 - 7260) + 1350
    s = result.summary
    assert s["energy_mwh"]["turbines"] == pytest.approx(energy_mw_s / 3600, rel=1e-12)
    fuel = 10.75 * (0.25 * 16.5 * 7380 + 0.75 * energy_mw_s) / 3600
    t = s["turbines"]
    assert t["fuel_mmbtu"] == pytest.approx(fuel, rel=1e-12)
    assert t["co2_t"] == pytest.approx(fuel * 53.06 / 1000, rel=1e-12)
    assert t["nox_t"] == pytest.approx(fuel * 0.045 / 1000, rel=1e-12)
    assert s["cost_usd"]["fuel"] == pytest.approx(fuel * 3.5, rel=1e-12)
    assert t["starts"] == 1
    assert t["run_hours"] == pytest.approx(7380 / 3600, rel=1e-12)
    assert times_of(result, "turbine_stopped") == [pytest.approx(10980.0)]
    # The battery covers exactly what the unit does not: 10 MW until 4200 s, the triangle
    # 10·120/2 during the first ramp and 5·60/2 during the second.
    covered_mw_s = 10 * 600 + 600 + 150
    assert s["energy_mwh"]["battery_discharge"] == pytest.approx(covered_mw_s / 3600, rel=1e-12)
    # Minute means in the ramp: 2.5 MW in [4200, 4260) s, 7.5 MW in [4260, 4320) s.
    ts = result.timeseries.set_index("time_h")["turbines_mw"]
    assert ts.loc[4200 / 3600] == pytest.approx(2.5, rel=1e-12)
    assert ts.loc[4260 / 3600] == pytest.approx(7.5, rel=1e-12)
    assert result.timeseries["turbines_online"].max() == pytest.approx(1.0, rel=1e-12)


def test_part_load_heat_rate_follows_the_affine_fuel_curve(config_factory):
    """With no_load_fuel_pu = 0.5 the unit at 10 MW of its 16.5 burns
    HR·(0.5·16.5 + 0.5·10) per hour: heat rate HR·(0.5·16.5/10 + 0.5) = 1.325·HR."""
    result = ramp_case(config_factory, no_load_fuel_pu=0.5, heat_rate_mmbtu_per_mwh=10.0)
    energy_mw_s = 600 + 10 * (7200 - 4320) + 750 + 15 * (10800 - 7260) + 1350
    fuel = 10.0 * (0.5 * 16.5 * 7380 + 0.5 * energy_mw_s) / 3600
    assert result.summary["turbines"]["fuel_mmbtu"] == pytest.approx(fuel, rel=1e-12)


def test_turbines_wait_for_their_minimum_run_time(config_factory):
    """A 15 min outage at 1 h: the unit is online at 4200 s and ramps to the 10 MW load by
    4320 s. The grid is back at 4500 s: the unit is no longer needed and goes down to its
    minimum stable load, 0.3·16.5 = 4.95 MW. It stops only at 4200 + 1800 = 6000 s, then
    ramps down from 4.95 MW at 5 MW/min: 59.4 s."""
    result = run(
        config_factory(
            duration_h=3,
            load={"constant_mw": 10},
            grid={"outages": [{"start_h": 1, "duration_h": 0.25}]},
            battery={"energy_mwh": 100, "power_mw": 100, "charge_power_mw": 0, **LOSSLESS},
            turbines=[{**SMT, "count": 1, "min_run_s": 1800}],
        )
    )
    assert times_of(result, "turbine_stop") == [pytest.approx(6000.0)]
    assert times_of(result, "turbine_stopped") == [pytest.approx(6059.4)]


def test_a_trip_in_an_outage_without_battery_is_unserved_by_hand(config_factory):
    """30 MW load, no battery, 3 units; a 3 h outage at 1 h. Two units start (2 × 16.5 ≥ 30),
    are online at 4200 s and ramp together at 10 MW/min to 30 MW (180 s). Unserved so far:
    30·600 + 30·180/2 = 20,700 MW·s.

    At 2 h one unit trips: the other keeps its 15 MW and ramps to 16.5 MW in 18 s; the third
    unit starts (16.5 committed < 30) and is online 600 s after the trip, then the two ramp
    from 16.5 to 30 MW at 10 MW/min (81 s). Unserved after the trip:
    (15 + 13.5)/2·18 + 13.5·582 + 13.5·81/2."""
    result = run(
        config_factory(
            duration_h=5,
            load={"constant_mw": 30},
            grid={"outages": [{"start_h": 1, "duration_h": 3}]},
            turbines=[{**SMT, "count": 3}],
            turbine_trips=[{"time_h": 2, "turbine": "smt"}],
        )
    )
    after_mw_s = (15 + 13.5) / 2 * 18 + 13.5 * 582 + 13.5 * 81 / 2
    assert result.summary["unserved_mwh"] == pytest.approx((20700 + after_mw_s) / 3600, rel=1e-9)
    assert times_of(result, "turbine_trip") == [7200.0]
    assert result.summary["turbines"]["trips"] == 1
    assert result.summary["turbines"]["starts"] == 3


def test_a_trip_in_an_outage_is_covered_by_the_battery(config_factory):
    """The same trip with a 20 MWh battery: it covers the gap, nothing is unserved after the
    start, and the battery gives at least the hand-computed gap of the trip."""
    result = run(
        config_factory(
            duration_h=5,
            load={"constant_mw": 30},
            grid={"outages": [{"start_h": 1, "duration_h": 3}]},
            battery={"energy_mwh": 20, "power_mw": 40, **LOSSLESS},
            turbines=[{**SMT, "count": 3}],
            turbine_trips=[{"time_h": 2, "turbine": "smt"}],
        )
    )
    assert result.summary["unserved_mwh"] == 0.0
    assert result.summary["outage_ride_through"] == [True]


def test_permit_limits_are_never_exceeded(config_factory):
    """Five 2 h outages a day apart; one unit permitted 3 starts and 5 running hours a year.
    It starts for the first three outages only; in the third it reaches 5 h of running
    (2·(2 h outage + its stop) < 5 h) and is stopped at the moment the hours are used."""
    outages = [{"start_h": 1 + 24 * k, "duration_h": 2} for k in range(5)]
    result = run(
        config_factory(
            duration_h=5 * 24,
            load={"constant_mw": 10},
            grid={"outages": outages},
            battery={"energy_mwh": 200, "power_mw": 100, "charge_power_mw": 0, **LOSSLESS},
            turbines=[
                {
                    **SMT,
                    "count": 1,
                    "max_starts_per_year": 3,
                    "max_run_hours_per_year": 5,
                    "min_run_s": 0,
                }
            ],
        )
    )
    starts = times_of(result, "turbine_start")
    assert starts == [3600.0 * (1 + 24 * k) for k in range(3)]
    # Running time per start: from the start to the end of the ramp down from 10 MW (120 s)
    # after the grid is back: 2 h + 120 s. Two of those leave 5 h − 2·7320 s for the third.
    stop_s = starts[2] + 5 * 3600 - 2 * (2 * 3600 + 120)
    assert times_of(result, "turbine_permit_stop") == [pytest.approx(stop_s)]
    t = result.summary["turbines"]
    assert t["groups"][0]["most_starts_in_a_year"] == 3
    assert t["groups"][0]["most_run_hours_in_a_year"] == pytest.approx(5.0)
    assert t["permit_use_pu"] == pytest.approx(1.0)


def dr_case(config_factory, energy_mwh: float):
    """20 MW load; import capped at 10 MW for 2 h from 1 h; one unit; a lossless battery."""
    return run(
        config_factory(
            duration_h=4,
            load={"constant_mw": 20},
            grid={"demand_response": [{"start_h": 1, "duration_h": 2, "limit_mw": 10}]},
            battery={"energy_mwh": energy_mwh, "power_mw": 20, **LOSSLESS},
            turbines=[{**SMT, "count": 1}],
        )
    )


def test_turbines_start_for_a_demand_response_window_only_if_the_battery_cannot_bridge_it(
    config_factory,
):
    """The window needs 10 MW × 2 h = 20 MWh: a 25 MWh battery bridges it alone (no start);
    a 15 MWh one cannot, so the unit starts at the window's start."""
    assert times_of(dr_case(config_factory, 25.0), "turbine_start") == []
    short = dr_case(config_factory, 15.0)
    assert times_of(short, "turbine_start") == [3600.0]
    assert short.summary["unserved_mwh"] == 0.0


def test_smooth_limits_the_import_ramp_and_the_battery_takes_the_rest(config_factory):
    """Load 10 → 20 MW at 1 h and back at 2 h; import ramp limit 1 MW/min. The import climbs
    to 20 MW in 600 s while the battery gives the triangle 10·600/2 = 3000 MW·s, and falls
    back in 600 s while the battery takes the same triangle."""
    result = run(
        config_factory(
            duration_h=3,
            trace=[(0.0, 10.0), (1.0, 20.0), (2.0, 10.0)],
            battery={"energy_mwh": 10, "power_mw": 20, "soc_initial": 0.5, **LOSSLESS},
            dispatch={"policy": "smooth", "ramp_limit_mw_per_min": 1.0},
        )
    )
    e = result.summary["energy_mwh"]
    assert e["battery_discharge"] == pytest.approx(3000 / 3600, rel=1e-12)
    assert e["battery_charge"] == pytest.approx(3000 / 3600, rel=1e-12)
    seg = result.segments
    grid_at = cumulative_energy_mwh(seg, "grid_mw", __import__("numpy").array([3600.0, 4200.0]))
    assert (grid_at[1] - grid_at[0]) * 3600 == pytest.approx(600 * 15, rel=1e-12)
    ts = result.timeseries["grid_mw"].to_numpy()
    assert abs(ts[1:] - ts[:-1]).max() <= 1.0 + 1e-9  # MW per 1-min bin
    assert result.summary["battery"]["soc_final"] == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize(
    ("keys", "key", "fragment"),
    [
        ({"dispatch": {"policy": "smooth"}}, "dispatch.ramp_limit_mw_per_min", "required"),
        (
            {"dispatch": {"ramp_limit_mw_per_min": 5}},
            "dispatch.ramp_limit_mw_per_min",
            "only to policy smooth",
        ),
        ({"turbines": [SMT | {"count": 1}, SMT | {"count": 2}]}, "turbines[1].name", "differ"),
        (
            {"turbines": [SMT | {"count": 1}], "turbine_trips": [{"time_h": 1, "turbine": "x"}]},
            "turbine_trips[0].turbine",
            "'smt'",
        ),
        (
            {"turbine_trips": [{"time_h": 1, "turbine": "x"}]},
            "turbine_trips[0].turbine",
            "no turbines",
        ),
        ({"dispatch": {"turbine_stop_soc": 0.9}}, "dispatch.turbine_stop_soc", "without turbines"),
        ({"turbines": [SMT | {"count": 0}]}, "turbines[0].count", "greater than or equal to 1"),
        ({"turbines": [SMT | {"count": 1, "p_min_pu": 1}]}, "turbines[0].p_min_pu", "less than 1"),
    ],
)
def test_turbine_and_smooth_keys_are_checked(config_factory, keys, key, fragment):
    with pytest.raises(ConfigError) as info:
        config_factory(load={"constant_mw": 1}, **keys)
    assert_problem(info.value, key, fragment)


def test_a_tripped_unit_restarts_when_its_repair_is_done(config_factory):
    """10 MW load, one unit, no battery, a 10 h outage from 1 h; the unit trips at 3 h and is
    repaired in 1 h. Unserved: the first start (10 MW for 600 s, then the 120 s ramp
    triangle, 6,600 MW·s) and, after the trip, 10 MW until the repair is done at 4 h, the
    restart and its ramp (36,000 + 6,600 MW·s)."""
    result = run(
        config_factory(
            duration_h=14,
            load={"constant_mw": 10},
            grid={"outages": [{"start_h": 1, "duration_h": 10}]},
            turbines=[{**SMT, "count": 1, "trip_repair_h": 1.0}],
            turbine_trips=[{"time_h": 3, "turbine": "smt"}],
        )
    )
    assert times_of(result, "turbine_start") == [3600.0, 4 * 3600.0]
    assert result.summary["unserved_mwh"] == pytest.approx(49200 / 3600, rel=1e-9)


def test_a_unit_at_its_permitted_hours_starts_again_in_the_next_permit_year(config_factory):
    """A unit allowed 10 h a year in an outage from 8740 h to 8770 h: it stops at 8750 h and
    starts again at 8760 h, when the second permit year begins."""
    result = run(
        config_factory(
            duration_h=8780,
            load={"constant_mw": 10},
            grid={"outages": [{"start_h": 8740, "duration_h": 30}]},
            turbines=[{**SMT, "count": 1, "max_run_hours_per_year": 10}],
        )
    )
    assert times_of(result, "turbine_permit_stop")[0] == pytest.approx(8750 * 3600.0)
    assert times_of(result, "turbine_start") == [8740 * 3600.0, 8760 * 3600.0]


def test_a_stopping_unit_already_at_zero_output_goes_off_at_once(config_factory):
    """With p_min_pu = 0 the unit unloads to 0 MW when the grid is back (2 h 2 min); its
    minimum run time lets it stop at 1 h 10 min + 1 h = 2 h 10 min, and it goes off then:
    it has burnt from 1 h to 2 h 10 min."""
    result = run(
        config_factory(
            duration_h=10,
            load={"constant_mw": 10},
            grid={"outages": [{"start_h": 1, "duration_h": 1}]},
            battery={"energy_mwh": 100, "power_mw": 100, "charge_power_mw": 0, **LOSSLESS},
            turbines=[{**SMT, "count": 1, "p_min_pu": 0.0, "min_run_s": 3600}],
        )
    )
    assert times_of(result, "turbine_stopped") == [pytest.approx(2 * 3600.0 + 600)]
    assert result.summary["turbines"]["run_hours"] == pytest.approx(7 / 6, rel=1e-12)


def test_turbines_stop_when_the_battery_reaches_the_stop_level(config_factory):
    """A 10 MWh battery charging at 1 MW (lossless) starts at 0.6, so it holds 7 MWh at the
    1 h outage. It gives 10 MW for the 1200 s start (3.3333 MWh) and the 120 s ramp triangle
    (10·120/2 MW·s), takes the 12 s triangle 1·12/2 as the unit ramps to 11 MW, then 1 MW.
    It reaches turbine_stop_soc = 0.5 (5 MWh) after the grid is back: the unit stops then,
    not when the battery is full."""
    result = run(
        config_factory(
            duration_h=12,
            load={"constant_mw": 10},
            grid={"outages": [{"start_h": 1, "duration_h": 0.5}]},
            battery={
                "energy_mwh": 10,
                "power_mw": 20,
                "charge_power_mw": 1,
                "soc_initial": 0.6,
                **LOSSLESS,
            },
            turbines=[{**SMT, "count": 1, "min_run_s": 0, "start_s": 1200}],
            dispatch={"turbine_stop_soc": 0.5},
        )
    )
    e_mw_s = 7 * 3600 - 10 * 1200 - 10 * 120 / 2 + 1 * 12 / 2  # at 1 h + 1332 s
    stop_s = 3600 + 1332 + (5 * 3600 - e_mw_s) / 1.0
    assert times_of(result, "turbine_stop") == [pytest.approx(stop_s, rel=1e-12)]


def test_a_fast_and_a_slow_group_stay_balanced_after_a_load_drop(config_factory):
    """No battery, an outage; a fast (60 MW/min) and a slow (0.5 MW/min) group share a 40 MW
    load. When it drops to 20 MW the surplus is shed at once, by each group in proportion to
    its excess over its new setpoint (10 MW each): nothing is unserved or spilled after it."""
    result = run(
        config_factory(
            duration_h=4,
            trace=[(0.0, 40.0), (2.0, 20.0)],
            grid={"outages": [{"start_h": 0.5, "duration_h": 3}]},
            turbines=[
                {"name": "A", "count": 1, "p_nom_mw": 30, "ramp_mw_per_min": 60, "start_s": 0},
                {"name": "B", "count": 1, "p_nom_mw": 30, "ramp_mw_per_min": 0.5, "start_s": 0},
            ],
        )
    )
    seg = result.segments
    late = seg["time_s"].to_numpy() >= 2 * 3600
    assert (seg.loc[late, "unserved_mw"] == 0.0).all()
    assert result.summary["curtailed_mwh"] == 0.0
