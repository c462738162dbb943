"""``summary["by_month"]`` (one entry per local calendar month) and ``summary["event_log"]``
(the event log's counts by kind), checked against values worked out by hand."""

from __future__ import annotations

import pytest

from sim import run
from sim.results import flatten_summary

PRICE_USD_PER_MWH = 60.0
DEMAND_USD_PER_KW_MONTH = 10.0


@pytest.fixture(scope="module")
def across_new_year(tmp_path_factory):
    """Four hours around midnight of 31 Jan 2025 in Chicago (CST, UTC-6): 22:00-24:00 in
    January, 00:00-02:00 in February. The load is 40 MW in January and 70 MW in February; a
    grid outage 23:00-23:30 leaves 20 MWh unserved (no battery, no turbines)."""
    from tests.conftest import make_config

    folder = tmp_path_factory.mktemp("by_month")
    config = make_config(
        folder,
        trace=[(0.0, 40.0), (2.0, 70.0)],
        site={"timezone": "America/Chicago"},
        start="2025-01-31T22:00:00",
        duration_h=4.0,
        output={"resolution_s": 900},
        grid={
            "outages": [{"start_h": 1.0, "duration_h": 0.5}],
            "price_usd_per_mwh": PRICE_USD_PER_MWH,
            "demand_charge_usd_per_kw_month": DEMAND_USD_PER_KW_MONTH,
        },
    )
    return run(config)


def test_by_month_splits_at_local_midnight_with_hand_computed_values(across_new_year):
    jan, feb = across_new_year.summary["by_month"]
    assert (jan["month"], feb["month"]) == ("2025-01", "2025-02")
    assert jan["duration_h"] == pytest.approx(2.0)
    assert feb["duration_h"] == pytest.approx(2.0)
    # January: 2 h x 40 MW = 80 MWh of load, 0.5 h of it unserved (20 MWh), 60 MWh from the grid
    assert jan["energy_mwh"]["load"] == pytest.approx(80.0)
    assert jan["energy_mwh"]["unserved"] == pytest.approx(20.0)
    assert jan["energy_mwh"]["grid"] == pytest.approx(60.0)
    # February: 2 h x 70 MW, all from the grid
    assert feb["energy_mwh"]["load"] == pytest.approx(140.0)
    assert feb["energy_mwh"]["grid"] == pytest.approx(140.0)
    assert feb["energy_mwh"]["unserved"] == 0.0
    assert jan["peak_mw"] == {"load": pytest.approx(40.0), "grid": pytest.approx(40.0)}
    assert feb["peak_mw"] == {"load": pytest.approx(70.0), "grid": pytest.approx(70.0)}
    # billed peak: the largest 15-min mean import (40 MW outside the outage; 70 MW)
    assert jan["demand_peak_mw"] == pytest.approx(40.0)
    assert feb["demand_peak_mw"] == pytest.approx(70.0)
    # cost: energy x price; demand charge P [kW] x rate [USD/kW-month] x the share of the
    # month simulated (the default prorated billing): 2 h of January's 744 h, of February's 672
    assert jan["cost_usd"]["energy"] == pytest.approx(60.0 * PRICE_USD_PER_MWH)
    assert feb["cost_usd"]["energy"] == pytest.approx(140.0 * PRICE_USD_PER_MWH)
    assert jan["cost_usd"]["demand"] == pytest.approx(40_000 * DEMAND_USD_PER_KW_MONTH * 2 / 744)
    assert feb["cost_usd"]["grid"] == pytest.approx(140.0 * 60.0 + 70_000 * 10.0 * 2 / 672)
    # no cooling plant: PUE 1 (facility = IT), no water modelled
    assert jan["pue"] == pytest.approx(1.0)
    assert jan["water_m3"] is None
    assert jan["wue_l_per_kwh"] is None


def test_by_month_sums_to_the_run_totals(across_new_year):
    summary = across_new_year.summary
    for key, total in summary["energy_mwh"].items():
        if key in summary["by_month"][0]["energy_mwh"]:
            months = sum(m["energy_mwh"][key] for m in summary["by_month"])
            assert months == pytest.approx(total, rel=1e-12, abs=1e-9), key
    assert sum(m["cost_usd"]["grid"] for m in summary["by_month"]) == pytest.approx(
        summary["cost_usd"]["energy"] + summary["cost_usd"]["demand"]
    )


def test_by_month_with_cooling_repeats_the_cooling_months(config_factory):
    result = run(
        config_factory(
            start="2025-06-30T12:00:00-05:00",
            duration_h=24.0,
            load={"constant_mw": 100},
            cooling={"chillers": {"count": 3, "capacity_mw": 60}},
        )
    )
    s = result.summary
    assert [m["month"] for m in s["by_month"]] == ["2025-06", "2025-07"]
    for month, cooling in zip(s["by_month"], s["cooling"]["by_month"], strict=True):
        e = month["energy_mwh"]
        assert e["it"] == pytest.approx(100.0 * month["duration_h"])
        assert month["pue"] == pytest.approx(cooling["pue"])
        assert month["pue"] > 1.0
        assert month["water_m3"] == cooling["water_m3"] > 0.0
        assert month["wue_l_per_kwh"] == pytest.approx(
            month["water_m3"] * 1000.0 / (e["it"] * 1000.0)
        )


def test_event_log_counts_every_event_by_kind(across_new_year):
    log = across_new_year.summary["event_log"]
    events = across_new_year.events
    assert log["total"] == len(events)
    # one outage: its start and its end
    assert log["by_kind"]["outage_start"] == 1
    assert log["by_kind"]["outage_end"] == 1
    assert log["by_kind"] == events["kind"].value_counts().sort_index().to_dict()
    assert "event_log.by_kind.outage_start" in flatten_summary(across_new_year.summary)
