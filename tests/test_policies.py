"""The backup and arbitrage policies on hand-computed cases, and their config checks."""

from __future__ import annotations

import pytest

from sim.config import ConfigError
from sim.runner import run
from tests.bad_configs import assert_problem
from tests.test_grid_signals import SUMMER_WINTER

LOSSLESS = {"efficiency_charge": 1.0, "efficiency_discharge": 1.0, "soc_min": 0.0}


def kinds_at(result, kind: str) -> list[float]:
    ev = result.events
    return ev.loc[ev["kind"] == kind, "time_h"].tolist()


def test_backup_recharges_then_rides_through(config_factory):
    """At full power (``recharge_under_peak: false``): 10 MW load, 15 MW import limit; 20 MWh
    battery at half, charging at 4 MW, discharging at up to 20 MW. It charges until full at
    2.5 h, carries the 1 h outage at 4 h (10 MWh), recharges 2.5 h from 5 h.
    Grid = 2.5·14 + 1.5·10 + 0 + 2.5·14 + 0.5·10 = 90 MWh."""
    result = run(
        config_factory(
            duration_h=8,
            load={"constant_mw": 10},
            grid={"import_limit_mw": 15, "outages": [{"start_h": 4, "duration_h": 1}]},
            battery={
                "energy_mwh": 20,
                "power_mw": 20,
                "charge_power_mw": 4,
                "soc_initial": 0.5,
                **LOSSLESS,
            },
            dispatch={"policy": "backup", "recharge_under_peak": False},
        )
    )
    s = result.summary
    assert s["energy_mwh"]["grid"] == pytest.approx(90.0, rel=1e-12)
    assert s["unserved_mwh"] == 0.0
    assert kinds_at(result, "battery_full") == [pytest.approx(2.5), pytest.approx(7.5)]


BACKUP_BATTERY = {"energy_mwh": 20, "power_mw": 10, "charge_power_mw": 5, **LOSSLESS}
"""20 MWh, full, lossless; discharges up to 10 MW, charges up to 5 MW."""


@pytest.mark.parametrize(
    ("under_peak", "billed_mw", "full_h"),
    [
        # P = 12 MW (the import before the outage): charge 12 − 10 = 2 MW, 10 MWh in 5 h
        (True, 12.0, 8.0),
        # full power: import 10 + 5 = 15 MW for 10 MWh / 5 MW = 2 h
        (False, 15.0, 5.0),
    ],
)
def test_backup_recharge_under_the_months_peak(config_factory, under_peak, billed_mw, full_h):
    """12 MW for 2 h, then 10 MW; a 1-h outage at 2 h takes 10 MWh from the full battery.
    Under the month's running peak the recharge holds the import at the pre-outage 12 MW and
    the billed peak stays 12 MW; at full power it is 15 MW (load + charge power). Grid energy
    is 2·12 + 5·12 + 2·10 = 2·12 + 2·15 + 5·10 = 104 MWh either way; the month's demand
    charge (10 USD/kW-month, billed for the whole month) 120,000 against 150,000 USD."""
    result = run(
        config_factory(
            duration_h=10,
            trace=[(0, 12), (2, 10)],
            grid={
                "outages": [{"start_h": 2, "duration_h": 1}],
                "demand_charge_usd_per_kw_month": 10,
                "demand_billing": "month",
            },
            battery=BACKUP_BATTERY,
            dispatch={"policy": "backup", "recharge_under_peak": under_peak},
        )
    )
    s = result.summary
    assert s["unserved_mwh"] == 0.0
    assert kinds_at(result, "battery_full") == [pytest.approx(full_h)]
    assert s["grid_by_month"][0]["demand_peak_mw"] == pytest.approx(billed_mw, rel=1e-12)
    assert s["peak_mw"]["grid"] == pytest.approx(billed_mw, rel=1e-12)
    assert s["cost_usd"]["demand"] == pytest.approx(billed_mw * 1000 * 10, rel=1e-12)
    assert s["energy_mwh"]["grid"] == pytest.approx(104.0, rel=1e-12)
    assert s["battery"]["soc_final"] == pytest.approx(1.0, rel=1e-12)


def test_backup_recharge_follows_a_peak_the_load_raises(config_factory):
    """As above, with the load at 14 MW from 5 h to 6 h: 2 MW under P = 12 MW from 3 h to 5 h
    (4 MWh), nothing while the load is above P (the import follows it: P = 14 MW), then
    min(14 − 10, 5) = 4 MW for the last 6 MWh: full at 6 + 1.5 = 7.5 h. Billed: 14 MW, the
    load's own peak."""
    result = run(
        config_factory(
            duration_h=10,
            trace=[(0, 12), (2, 10), (5, 14), (6, 10)],
            grid={"outages": [{"start_h": 2, "duration_h": 1}]},
            battery=BACKUP_BATTERY,
            dispatch={"policy": "backup"},
        )
    )
    s = result.summary
    assert kinds_at(result, "battery_full") == [pytest.approx(7.5)]
    assert s["grid_by_month"][0]["demand_peak_mw"] == pytest.approx(14.0, rel=1e-12)
    ts = result.segments.set_index("time_s")["battery_mw"]
    assert ts.loc[5 * 3600.0] == 0.0  # no charge while the load is above P


def test_backup_peak_starts_again_each_month(config_factory):
    """From 2025-01-31 20:00 UTC: 12 MW in January (to 23:00), then 10 MW; February starts at
    4 h with P = the 10 MW flowing then. After a 1-h outage at 6 h (10 MWh out) the flat
    10 MW load leaves no headroom under February's P: the battery stays at half, February
    bills 10 MW (at full power it would bill 15), January 12."""
    result = run(
        config_factory(
            start="2025-01-31T20:00:00+00:00",
            duration_h=14,
            trace=[(0, 12), (3, 10)],
            grid={"outages": [{"start_h": 6, "duration_h": 1}]},
            battery=BACKUP_BATTERY,
            dispatch={"policy": "backup"},
        )
    )
    s = result.summary
    jan, feb = s["grid_by_month"]
    assert (jan["month"], feb["month"]) == ("2025-01", "2025-02")
    assert jan["demand_peak_mw"] == pytest.approx(12.0, rel=1e-12)
    assert feb["demand_peak_mw"] == pytest.approx(10.0, rel=1e-12)
    assert s["battery"]["soc_final"] == pytest.approx(0.5, rel=1e-12)
    assert kinds_at(result, "battery_full") == []


def test_backup_covers_an_import_limit_shortfall_only(config_factory):
    """Load 10 MW over a 8 MW limit: the battery gives exactly the 2 MW gap, never more."""
    result = run(
        config_factory(
            duration_h=3,
            load={"constant_mw": 10},
            grid={"import_limit_mw": 8},
            battery={"energy_mwh": 100, "power_mw": 50, **LOSSLESS},
            dispatch={"policy": "backup"},
        )
    )
    assert result.segments["battery_mw"].max() == pytest.approx(2.0)
    assert result.summary["energy_mwh"]["battery_discharge"] == pytest.approx(6.0, rel=1e-12)


def test_arbitrage_buys_low_and_sells_high(config_factory):
    """Tuesday on a 40/100 USD/MWh tariff (on peak 14–20), thresholds 50/90; 20 MWh / 5 MW,
    lossless, empty. Charge 0–4 h, idle, discharge 14–18 h (then empty), charge 20–24 h.
    Cost = 4·15·40 + 10·10·40 + 4·5·100 + 2·10·100 + 4·15·40 = 12,800 USD, against 13,200
    without the battery: 20 MWh not bought at 100 saves 2,000; charging 20 MWh at 40 twice
    (morning, evening) costs 1,600. The evening's full battery falls on the run's end."""
    result = run(
        config_factory(
            start="2025-07-01T00:00:00-05:00",
            load={"constant_mw": 10},
            grid={"tariff": SUMMER_WINTER},
            battery={"energy_mwh": 20, "power_mw": 5, "soc_initial": 0.0, **LOSSLESS},
            dispatch={
                "policy": "arbitrage",
                "charge_below_usd_per_mwh": 50,
                "discharge_above_usd_per_mwh": 90,
            },
        )
    )
    assert result.summary["cost_usd"]["energy"] == pytest.approx(12_800, rel=1e-12)
    assert kinds_at(result, "battery_full") == [pytest.approx(4.0)]  # 24 h is the end
    assert kinds_at(result, "battery_empty") == [pytest.approx(18.0)]


@pytest.mark.parametrize(
    ("dispatch", "key", "fragment"),
    [
        (
            {"policy": "backup", "grid_target_mw": 5},
            "dispatch.grid_target_mw",
            "only to policy peak_shave",
        ),
        (
            {"policy": "arbitrage"},
            "dispatch.charge_below_usd_per_mwh",
            "required by policy arbitrage",
        ),
        (
            {
                "policy": "arbitrage",
                "charge_below_usd_per_mwh": 90,
                "discharge_above_usd_per_mwh": 50,
            },
            "dispatch.charge_below_usd_per_mwh",
            "must be below discharge_above_usd_per_mwh",
        ),
        (
            {"policy": "peak_shave", "discharge_above_usd_per_mwh": 50},
            "dispatch.discharge_above_usd_per_mwh",
            "only to policy arbitrage",
        ),
        ({"policy": "smoothe"}, "dispatch.policy", "'peak_shave', 'smooth', 'backup' or"),
    ],
)
def test_policy_keys_are_checked(config_factory, dispatch, key, fragment):
    with pytest.raises(ConfigError) as info:
        config_factory(load={"constant_mw": 1}, dispatch=dispatch)
    assert_problem(info.value, key, fragment)
