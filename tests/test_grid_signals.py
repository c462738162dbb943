"""Grid signals and money, against hand-computed values: prices (constant, time-of-use, CSV),
carbon, demand charges on monthly billed peaks, calendar months, demand-response caps."""

from __future__ import annotations

import pytest

from sim.config import ConfigError, load_config
from sim.runner import run
from tests.bad_configs import assert_problem, write

SUMMER_WINTER = {
    "seasons": [
        {
            "months": [6, 7, 8, 9],
            "on_peak_hours": [14, 20],
            "on_peak_usd_per_mwh": 100,
            "off_peak_usd_per_mwh": 40,
        },
        {
            "months": [1, 2, 3, 4, 5, 10, 11, 12],
            "on_peak_hours": [6, 10],
            "on_peak_usd_per_mwh": 80,
            "off_peak_usd_per_mwh": 30,
        },
    ]
}


def test_constant_price_and_carbon(config_factory):
    s = run(
        config_factory(
            load={"constant_mw": 10},
            grid={"price_usd_per_mwh": 50, "carbon_kg_per_mwh": 400},
        )
    ).summary
    assert s["cost_usd"]["energy"] == pytest.approx(240 * 50, rel=1e-12)
    assert s["co2_t"]["grid"] == pytest.approx(240 * 0.4, rel=1e-12)
    assert s["cost_usd"]["total"] == pytest.approx(12_000, rel=1e-12)


def test_time_of_use_on_weekdays(config_factory):
    """2025-07-01 is a Tuesday: each weekday has 6 h on peak at 100 and 18 h off at 40."""
    result = run(
        config_factory(
            start="2025-07-01T00:00:00-05:00",
            duration_h=48,
            load={"constant_mw": 10},
            grid={"tariff": SUMMER_WINTER},
            output={"resolution_s": 3600},
        )
    )
    per_day = 6 * 10 * 100 + 18 * 10 * 40
    assert result.summary["cost_usd"]["energy"] == pytest.approx(2 * per_day, rel=1e-12)
    ts = result.timeseries
    assert ts["price_usd_per_mwh"].tolist()[:24] == [40] * 14 + [100] * 6 + [40] * 4


def test_time_of_use_weekend_and_winter(config_factory):
    """Saturday 2025-01-04 from 06:30 local: weekend, so off peak all day at 30."""
    s = run(
        config_factory(
            start="2025-01-04T06:30:00+01:00",
            duration_h=24,
            load={"constant_mw": 10},
            grid={"tariff": SUMMER_WINTER},
        )
    ).summary
    assert s["cost_usd"]["energy"] == pytest.approx(24 * 10 * 30, rel=1e-12)


def test_price_trace_with_negative_prices(config_factory, tmp_path):
    prices = write(tmp_path / "p.csv", "time_h,price_usd_per_mwh\n0,20\n2,-10\n3,55.5\n")
    s = run(
        config_factory(duration_h=5, load={"constant_mw": 4}, grid={"price_csv": str(prices)})
    ).summary
    assert s["cost_usd"]["energy"] == pytest.approx(4 * (2 * 20 - 10 + 2 * 55.5), rel=1e-12)


def test_demand_charge_on_the_15_min_mean_not_the_spike(config_factory):
    """10 MW with a 5-min 40 MW spike at 12:00: the 12:00–12:15 mean is
    (40·5 + 10·10)/15 = 20 MW, billed at 10 USD/kW-month for the whole month -> 200,000 USD;
    the peak is 40 MW."""
    result = run(
        config_factory(
            trace=[(0, 10), (12, 40), (12 + 5 / 60, 10)],
            grid={"demand_charge_usd_per_kw_month": 10, "demand_billing": "month"},
        )
    )
    month = result.summary["grid_by_month"][0]
    assert month["peak_mw"] == 40.0
    assert month["demand_peak_mw"] == pytest.approx(20.0, rel=1e-9)
    assert month["demand_usd"] == pytest.approx(200_000, rel=1e-9)
    assert result.summary["cost_usd"]["demand"] == pytest.approx(200_000, rel=1e-9)


@pytest.mark.parametrize(
    ("billing", "billed_pu"),
    [("month", 1.0), ("prorated", 12 / (31 * 24))],  # July and August: 31 days each
)
def test_calendar_months_split_the_run(config_factory, billing, billed_pu):
    """From 2025-07-31 12:00 UTC for 24 h: 12 h in July, 12 h in August. 10 MW at 2
    USD/kW-month: each month 20,000 USD in full (``month``), or × 12 h / (31 · 24 h)."""
    s = run(
        config_factory(
            start="2025-07-31T12:00:00+00:00",
            load={"constant_mw": 10},
            grid={
                "price_usd_per_mwh": 30,
                "demand_charge_usd_per_kw_month": 2,
                "demand_billing": billing,
            },
        )
    ).summary
    months = s["grid_by_month"]
    assert [m["month"] for m in months] == ["2025-07", "2025-08"]
    assert [m["energy_mwh"] for m in months] == [pytest.approx(120.0), pytest.approx(120.0)]
    assert [m["energy_usd"] for m in months] == [pytest.approx(3600.0), pytest.approx(3600.0)]
    assert [m["demand_billed_pu"] for m in months] == [pytest.approx(billed_pu)] * 2
    assert s["cost_usd"]["demand"] == pytest.approx(2 * 10_000 * 2 * billed_pu, rel=1e-12)
    assert s["demand_charge"] == {
        "billing": billing,
        "peak_mw": pytest.approx(10.0, rel=1e-12),
        "billed_months": pytest.approx(2 * billed_pu, rel=1e-12),
        "usd": pytest.approx(2 * 10_000 * 2 * billed_pu, rel=1e-12),
    }


@pytest.mark.parametrize(
    ("start", "days"),
    [("2025-02-10T00:00:00-06:00", 28), ("2024-02-10T00:00:00-06:00", 29)],  # 2024: leap year
)
@pytest.mark.parametrize("billing", ["month", "prorated"])
def test_a_day_is_billed_its_share_of_the_month(config_factory, start, days, billing):
    """24 h at 12 MW with a 40-min 30 MW step from 06:00 (15-min means 30 MW), 10.99
    USD/kW-month (the Ripley TDGSA rate, facts.md §11): the billed peak is 30 MW,
    ``month`` charges 30,000 kW × 10.99 = 329,700 USD (the whole month, the issue's figure
    for a 24-h ``colossus2`` run), ``prorated`` 329,700 × 24 h / (days × 24 h)."""
    result = run(
        config_factory(
            start=start,
            trace=[(0, 12), (6, 30), (6 + 40 / 60, 12)],
            grid={"demand_charge_usd_per_kw_month": 10.99, "demand_billing": billing},
        )
    )
    s = result.summary
    whole_usd = 30_000 * 10.99
    expected_usd = whole_usd if billing == "month" else whole_usd * 24 / (days * 24)
    (month,) = s["grid_by_month"]
    assert month["demand_peak_mw"] == pytest.approx(30.0, rel=1e-12)
    assert month["demand_usd"] == pytest.approx(expected_usd, rel=1e-12)
    assert s["cost_usd"]["demand"] == pytest.approx(expected_usd, rel=1e-12)
    assert s["demand_charge"]["peak_mw"] == pytest.approx(30.0, rel=1e-12)
    assert s["demand_charge"]["usd"] == pytest.approx(expected_usd, rel=1e-12)


def test_whole_months_are_billed_alike(config_factory):
    """A run of exactly February and March 2025 (28 + 31 days) at 10 MW, 5 USD/kW-month:
    ``prorated`` bills each month in full, as ``month`` does: 2 × 50,000 USD."""
    for billing in ("month", "prorated"):
        s = run(
            config_factory(
                start="2025-02-01T00:00:00+00:00",
                duration_h=(28 + 31) * 24,
                load={"constant_mw": 10},
                grid={"demand_charge_usd_per_kw_month": 5, "demand_billing": billing},
                output={"resolution_s": 86_400},
            )
        ).summary
        assert [m["demand_billed_pu"] for m in s["grid_by_month"]] == [1.0, 1.0]
        assert s["cost_usd"]["demand"] == pytest.approx(100_000, rel=1e-12)


@pytest.mark.parametrize(
    ("energy_mwh", "unserved_mwh", "discharge_mwh"),
    [
        (100, 0.0, 80.0),  # 40 MW over the cap for 2 h = 80 MWh: covered
        (50, 30.0, 50.0),  # empties after 1.25 h; 40 MW × 0.75 h unserved
    ],
)
def test_demand_response_cap_is_held(config_factory, energy_mwh, unserved_mwh, discharge_mwh):
    result = run(
        config_factory(
            duration_h=6,
            load={"constant_mw": 100},
            grid={"demand_response": [{"start_h": 2, "duration_h": 2, "limit_mw": 60}]},
            battery={
                "energy_mwh": energy_mwh,
                "power_mw": 50,
                "efficiency_charge": 1,
                "efficiency_discharge": 1,
            },
        )
    )
    dr = result.summary["demand_response"][0]
    assert dr["max_grid_mw"] == 60.0
    assert dr["unserved_mwh"] == pytest.approx(unserved_mwh, rel=1e-12, abs=1e-12)
    assert dr["battery_discharge_mwh"] == pytest.approx(discharge_mwh, rel=1e-12)
    kinds = result.events["kind"].tolist()
    assert "demand_response_start" in kinds
    assert "demand_response_end" in kinds


def test_outage_inside_a_demand_response_window_wins(config_factory):
    result = run(
        config_factory(
            duration_h=6,
            load={"constant_mw": 10},
            grid={
                "outages": [{"start_h": 2.5, "duration_h": 1}],
                "demand_response": [{"start_h": 2, "duration_h": 3, "limit_mw": 8}],
            },
        )
    )
    s = result.summary
    # No battery: 2 MW unserved for 2 h of cap, 10 MW for the 1 h outage.
    assert s["unserved_mwh"] == pytest.approx(2 * 2 + 10 * 1, rel=1e-12)
    assert s["demand_response"][0]["unserved_mwh"] == pytest.approx(14.0, rel=1e-12)


def grid_error(tmp_path, grid_yaml: str) -> ConfigError:
    path = write(
        tmp_path / "c.yaml",
        f"name: t\nduration_h: 3\nload: {{constant_mw: 1}}\ngrid: {grid_yaml}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value


@pytest.mark.parametrize(
    ("grid_yaml", "key", "fragment"),
    [
        ("{price_usd_per_mwh: 5, tariff: {seasons: []}}", "grid.tariff.seasons", "at least 1"),
        (
            "{price_usd_per_mwh: 5, price_csv: p.csv}",
            "grid.price_csv",
            "file not found",
        ),
        (
            "{tariff: {seasons: [{months: [1, 2], on_peak_hours: [8, 12],"
            " on_peak_usd_per_mwh: 1, off_peak_usd_per_mwh: 1}]}}",
            "grid.tariff.seasons",
            "missing [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]",
        ),
        (
            "{tariff: {seasons: [{months: [1,2,3,4,5,6,7,8,9,10,11,12], on_peak_hours: [20, 14],"
            " on_peak_usd_per_mwh: 1, off_peak_usd_per_mwh: 1}]}}",
            "grid.tariff.seasons[0].on_peak_hours",
            "first < end",
        ),
        (
            "{demand_response: [{start_h: 1, duration_h: 2, limit_mw: 5},"
            " {start_h: 2, duration_h: 1, limit_mw: 5}]}",
            "grid.demand_response[1]",
            "overlaps grid.demand_response[0]",
        ),
        ("{carbon_kg_per_mwh: -1}", "grid.carbon_kg_per_mwh", "greater than or equal to 0"),
        (
            "{demand_response: [{start_h: 1, duration_h: 1}]}",
            "grid.demand_response[0]",
            "exactly one of limit_mw or cut_pu",
        ),
        ("{demand_interval_min: 0}", "grid.demand_interval_min", "greater than or equal to 1"),
        ("{demand_billing: weekly}", "grid.demand_billing", "'month' or 'prorated'"),
    ],
)
def test_bad_grid_signals(tmp_path, grid_yaml, key, fragment):
    assert_problem(grid_error(tmp_path, grid_yaml), key, fragment)


def test_two_price_sources_are_refused(tmp_path):
    write(tmp_path / "p.csv", "time_h,price_usd_per_mwh\n0,1\n")
    error = grid_error(tmp_path, "{price_usd_per_mwh: 5, price_csv: p.csv}")
    assert_problem(error, "grid.price_csv", "give only one of price_usd_per_mwh, price_csv")
