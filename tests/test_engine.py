"""The bus on hand-computed cases: outages, power limits, peak shaving, reserve, resampling."""

from __future__ import annotations

import numpy as np
import pytest

from sim.runner import run

H = 3600.0


def event_times_h(result, kind: str) -> list[float]:
    ev = result.events
    return ev.loc[ev["kind"] == kind, "time_h"].tolist()


@pytest.fixture
def outage_case(config_factory):
    """10 MW constant load; 40 MWh battery, soc_min 0.1, full; 6 h outage from 2 h; 12 h run.

    Hand solution: at the outage the battery gives 10 MW, drawing 10 / 0.9 MW from the cells.
    Energy above soc_min = 36 MWh, so it empties after 36·0.9/10 = 3.24 h, at 5.24 h.
    Unserved = 10 MW × (8 − 5.24) h = 27.6 MWh. When the grid returns at 8 h the battery
    recharges at its 20 MW limit, storing 20·0.8 = 16 MW: 36 MWh take 2.25 h, full at 10.25 h.
    Grid energy = 2·10 + 2.25·(10 + 20) + 1.75·10 = 105 MWh.
    """
    return config_factory(
        duration_h=12,
        load={"constant_mw": 10},
        grid={"outages": [{"start_h": 2, "duration_h": 6}]},
        battery={
            "energy_mwh": 40,
            "power_mw": 20,
            "efficiency_charge": 0.8,
            "efficiency_discharge": 0.9,
            "soc_min": 0.1,
            "soc_initial": 1.0,
        },
    )


def test_outage_battery_empties_at_analytic_time(outage_case):
    result = run(outage_case)
    assert event_times_h(result, "battery_empty") == [pytest.approx(5.24, rel=1e-12)]
    assert event_times_h(result, "shortfall_start") == [pytest.approx(5.24, rel=1e-12)]
    assert event_times_h(result, "shortfall_end") == [pytest.approx(8.0, rel=1e-12)]
    assert event_times_h(result, "battery_full") == [pytest.approx(10.25, rel=1e-12)]


def test_outage_unserved_and_grid_energy_equal_hand_values(outage_case):
    s = run(outage_case).summary
    assert s["unserved_mwh"] == pytest.approx(27.6, rel=1e-12)
    assert s["energy_mwh"]["grid"] == pytest.approx(105.0, rel=1e-12)
    assert s["energy_mwh"]["battery_discharge"] == pytest.approx(32.4, rel=1e-12)  # 3.24 h × 10
    assert s["energy_mwh"]["battery_charge"] == pytest.approx(45.0, rel=1e-12)  # 2.25 h × 20
    assert s["outage_ride_through"] == [False]
    assert s["outages"][0]["unserved_mwh"] == pytest.approx(27.6, rel=1e-12)
    assert s["battery"]["soc_final"] == pytest.approx(1.0, rel=1e-12)
    assert s["battery"]["soc_lowest"] == pytest.approx(0.1, rel=1e-12)
    assert s["battery"]["equivalent_full_cycles"] == pytest.approx(32.4 / 40, rel=1e-12)


def test_outage_ridden_through_when_battery_is_big_enough(config_factory):
    # 6 h × 10 MW needs 60 / 0.9 = 66.67 MWh above soc_min: 80 MWh × 0.9 = 72 MWh suffices.
    config = config_factory(
        duration_h=12,
        load={"constant_mw": 10},
        grid={"outages": [{"start_h": 2, "duration_h": 6}]},
        battery={"energy_mwh": 80, "power_mw": 20, "efficiency_discharge": 0.9, "soc_min": 0.1},
    )
    s = run(config).summary
    assert s["outage_ride_through"] == [True]
    assert s["unserved_mwh"] == 0.0
    assert s["battery"]["soc_lowest"] == pytest.approx((72 - 60 / 0.9) / 80 + 0.1, rel=1e-12)


def test_discharge_power_limit_leaves_the_rest_unserved(config_factory):
    """30 MW load, 20 MW battery: 10 MW unserved from the outage's start; the battery empties
    after 36·0.9/20 = 1.62 h, then all 30 MW are unserved until 8 h."""
    config = config_factory(
        duration_h=10,
        load={"constant_mw": 30},
        grid={"outages": [{"start_h": 2, "duration_h": 6}]},
        battery={"energy_mwh": 40, "power_mw": 20, "efficiency_discharge": 0.9, "soc_min": 0.1},
    )
    result = run(config)
    expected = 10 * 1.62 + 30 * (6 - 1.62)
    assert result.summary["unserved_mwh"] == pytest.approx(expected, rel=1e-12)
    assert event_times_h(result, "battery_empty") == [pytest.approx(3.62, rel=1e-12)]
    assert result.segments["battery_mw"].max() == 20.0


def test_charge_power_limit_and_separate_limits(config_factory):
    """Charging is capped by charge_power_mw (here 5 MW, below power_mw 20)."""
    config = config_factory(
        duration_h=4,
        load={"constant_mw": 10},
        battery={
            "energy_mwh": 40,
            "power_mw": 20,
            "charge_power_mw": 5,
            "efficiency_charge": 1.0,
            "soc_initial": 0.5,
        },
    )
    result = run(config)
    # 20 MWh to fill at 5 MW: 4 h, so the battery is full exactly at the end.
    assert result.segments["battery_mw"].min() == -5.0
    assert result.summary["energy_mwh"]["grid"] == pytest.approx(4 * 15, rel=1e-12)
    assert result.summary["battery"]["soc_final"] == pytest.approx(1.0, rel=1e-12)


@pytest.fixture
def shave_case(config_factory):
    """Loads 8, 14, 16 MW for 2 h each; target 10 MW; battery 10 MWh / 5 MW, lossless, half full.

    Hand solution: 0–2 h charge 2 MW (5 → 9 MWh), grid 10. 2–4 h discharge 4 MW (9 → 1 MWh),
    grid 10. From 4 h the battery is power-limited at 5 MW (grid 11) and empties after
    1/5 h = 0.2 h; then grid carries 16 MW. Grid energy = 20 + 20 + 0.2·11 + 1.8·16 = 71 MWh.
    """
    return config_factory(
        trace=[(0, 8), (2, 14), (4, 16)],
        duration_h=6,
        battery={
            "energy_mwh": 10,
            "power_mw": 5,
            "efficiency_charge": 1,
            "efficiency_discharge": 1,
            "soc_initial": 0.5,
        },
        dispatch={"policy": "peak_shave", "grid_target_mw": 10},
    )


def test_peak_shave_holds_import_at_target_while_it_can(shave_case):
    result = run(shave_case)
    seg = result.segments
    before = seg["time_h"] < 4.0
    assert np.all(seg.loc[before, "grid_mw"] == 10.0)
    assert result.summary["energy_mwh"]["grid"] == pytest.approx(71.0, rel=1e-12)
    assert result.summary["peak_mw"]["grid"] == 16.0
    assert event_times_h(result, "battery_empty") == [pytest.approx(4.2, rel=1e-12)]


def test_timeseries_is_time_weighted_mean(shave_case):
    """At 0.5 h resolution the bin [4.0, 4.5) holds 0.2 h at 11 MW and 0.3 h at 16 MW."""
    config = shave_case.model_copy(
        update={"output": shave_case.output.model_copy(update={"resolution_s": 1800})}
    )
    ts = run(config).timeseries
    row = ts.loc[ts["time_h"] == 4.0].iloc[0]
    assert row["grid_mw"] == pytest.approx((0.2 * 11 + 0.3 * 16) / 0.5, rel=1e-12)
    assert row["battery_soc"] == 0.0  # state at the bin's end: empty since 4.2 h
    assert len(ts) == 12


def test_backup_reserve_held_while_grid_is_up(config_factory):
    """Peak shaving stops at the reserve (0.6); the outage may then use down to soc_min (0.1).

    Load 15 MW, target 10: discharge 5 MW from 100 % of 10 MWh, lossless: the reserve is reached
    after 4 MWh / 5 MW = 0.8 h. Outage at 2 h: 15 MW from 6 MWh -> empties 5 MWh / 15 MW = 1/3 h
    later, at 2.3333 h.
    """
    config = config_factory(
        duration_h=3,
        load={"constant_mw": 15},
        grid={"outages": [{"start_h": 2, "duration_h": 1}]},
        battery={
            "energy_mwh": 10,
            "power_mw": 20,
            "efficiency_charge": 1,
            "efficiency_discharge": 1,
            "soc_min": 0.1,
            "backup_reserve_soc": 0.6,
        },
        dispatch={"grid_target_mw": 10},
    )
    result = run(config)
    assert event_times_h(result, "battery_reserve_reached") == [pytest.approx(0.8, rel=1e-12)]
    assert event_times_h(result, "battery_empty") == [pytest.approx(2 + 1 / 3, rel=1e-12)]
    assert result.summary["unserved_mwh"] == pytest.approx(15 * (1 - 1 / 3), rel=1e-12)


def test_import_limit_caps_grid_and_leaves_unserved(config_factory):
    config = config_factory(duration_h=2, load={"constant_mw": 12}, grid={"import_limit_mw": 9})
    s = run(config).summary
    assert s["peak_mw"]["grid"] == 9.0
    assert s["unserved_mwh"] == pytest.approx(6.0, rel=1e-12)


def test_aux_load_is_drawn_from_the_bus(config_factory):
    config = config_factory(
        duration_h=5,
        load={"constant_mw": 10},
        battery={"energy_mwh": 10, "power_mw": 5, "aux_load_mw": 0.5},
    )
    s = run(config).summary
    assert s["energy_mwh"]["battery_aux"] == pytest.approx(2.5, rel=1e-12)
    assert s["energy_mwh"]["load"] == pytest.approx(52.5, rel=1e-12)
    assert s["energy_mwh"]["grid"] == pytest.approx(52.5, rel=1e-12)


def test_no_battery_outage_is_all_unserved(config_factory):
    config = config_factory(
        duration_h=10,
        load={"constant_mw": 7},
        grid={"outages": [{"start_h": 1, "duration_h": 2.5}]},
    )
    result = run(config)
    assert result.summary["unserved_mwh"] == pytest.approx(17.5, rel=1e-12)
    kinds = result.events["kind"].tolist()
    assert kinds == ["outage_start", "shortfall_start", "outage_end", "shortfall_end"]


def test_outage_beyond_the_end_is_not_judged(config_factory):
    config = config_factory(
        duration_h=3, load={"constant_mw": 7}, grid={"outages": [{"start_h": 5, "duration_h": 1}]}
    )
    s = run(config).summary
    assert s["outage_ride_through"] == [None]
    assert s["unserved_mwh"] == 0.0


def test_quiet_run_costs_a_handful_of_events(config_factory):
    """A year with nothing happening: the engine does not step the clock."""
    config = config_factory(duration_h=8760, load={"constant_mw": 5}, output={"resolution_s": 3600})
    result = run(config)
    assert result.summary["run"]["events"] <= 2
    assert len(result.timeseries) == 8760
    assert result.summary["energy_mwh"]["grid"] == pytest.approx(5 * 8760, rel=1e-12)
