"""The README's figure and its paragraph are generated (``docs/figures/make.py``): the
paragraph in the README must be the one today's run tells, number for number."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sim import load_config, run

ROOT = Path(__file__).resolve().parents[1]


def make_module():
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs/figures/make.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_tells_what_the_outage_run_does():
    make = make_module()
    config = load_config(make.CONFIG)
    result = run(config)
    paragraph = make.narrative(config, result)
    readme = (ROOT / "README.md").read_text()
    assert make.replace_block(readme, paragraph) == readme, (
        "the README's outage paragraph is stale: run `python docs/figures/make.py`"
    )
    # and it names the starts the run's own event record holds
    ev = result.events
    text = paragraph.replace("\n", " ")
    out_h = ev.loc[ev["kind"] == "outage_start", "time_h"].iloc[0]
    starts = ev[(ev["kind"] == "turbine_start") & (ev["time_h"] >= out_h)]
    assert f"{len(starts)} turbines start at {starts['time_h'].min():g} h" in text
    assert (ROOT / "docs/figures/colossus1_2025_outage.png").stat().st_size > 10_000


def test_the_readme_tells_the_pue_of_the_year_run():
    """The README's monthly PUE paragraph is the one the year's kept summary tells, and that
    summary's January agrees with a run of January alone (744 h, the same clock and weather
    seed). Not to the last digit: the synthetic wet-bulb of a run's last days depends on the
    run's length (noticed here; up to 3.4 °C on 24–26 January between a 744-h and a
    1,488-h run), which moves January's PUE by ~0.002, so the tolerance is 0.005 [-] and
    0.05 L/kWh — far below a change of model, which the regression test catches."""
    import json

    make = make_module()
    kept = json.loads(make.YEAR_SUMMARY.read_text())
    readme = (ROOT / "README.md").read_text()
    paragraph = make.pue_narrative({"cooling": kept})
    assert make.replace_block(readme, paragraph, make.PUE_MARKERS) == readme, (
        "the README's PUE paragraph is stale: run `python docs/figures/make.py`"
    )
    january = run(load_config(make.YEAR_CONFIG, ["duration_h=744"])).summary["cooling"]
    (month,) = january["by_month"]
    assert month["month"] == kept["by_month"][0]["month"] == "2025-01"
    assert month["pue"] == pytest.approx(kept["by_month"][0]["pue"], abs=0.005)
    assert month["wue_l_per_kwh"] == pytest.approx(kept["by_month"][0]["wue_l_per_kwh"], abs=0.05)
    assert len(kept["by_month"]) == 12
    assert (ROOT / "docs/figures/colossus1_2025_year_pue.png").stat().st_size > 10_000


def test_the_readme_tells_the_buildout_kept_beside_its_figure():
    # The build-out's year (~30-60 s) is too slow for the tests: its paragraph is told from the
    # numbers kept beside the figure, and those are the config's capacity table and the
    # regression fixture's totals (tests/test_regression.py checks that the code still gives
    # them), so a change of either makes this fail until the script is run again.
    import json

    from sim.buildout import capacity_table

    make = make_module()
    kept = json.loads(make.BUILDOUT_KEPT.read_text())
    readme = make.README.read_text()
    paragraph = make.buildout_narrative(kept)
    assert make.replace_block(readme, paragraph, make.BUILDOUT_MARKERS) == readme, (
        "the README's build-out paragraph is stale: run `python docs/figures/make.py`"
    )
    config = load_config(make.BUILDOUT)
    assert kept["capacity"] == capacity_table(config).to_dict(orient="records")
    assert kept["it_floor_pu"] == config.dispatch.load_management.it_floor_pu
    fixture = json.loads(
        (ROOT / "tests/regression/fixtures/presets-colossus1_buildout.summary.json").read_text()
    )
    for key in ("it", "grid", "turbines", "load"):
        assert kept["energy_mwh"][key] == pytest.approx(fixture[f"energy_mwh.{key}"], rel=1e-12)
    assert kept["unserved_mwh"] == pytest.approx(fixture["unserved_mwh"], rel=1e-12)
    months = [m["unserved_mwh"] for m in kept["by_month"]]
    assert sum(months) == pytest.approx(kept["unserved_mwh"], rel=1e-9)
    assert [m["month"] for m in kept["by_month"]][::11] == ["2024-07", "2025-06"]


def test_the_readme_tells_the_fleet_kept_beside_its_figure():
    # The fleet's paragraph is told from the numbers kept beside its figure; those are checked
    # here against the presets' GPU counts and the datasheets' FP8 peaks (H100 1,978.9, GB200
    # 5,000, GB300 5,000 TFLOPS dense; sim/data/hardware.yaml), the parked profile by hand and
    # the regression fixture's fleet section.
    import json

    import pandas as pd

    make = make_module()
    kept = json.loads(make.FLEET_KEPT.read_text())
    readme = make.README.read_text()
    assert make.replace_block(readme, make.fleet_narrative(kept), make.FLEET_MARKERS) == readme, (
        "the README's fleet paragraph is stale: run `python docs/figures/make.py`"
    )
    c1, c2 = kept["sites"]
    assert c1["gpus"] == 200_000
    assert c1["h100_eq"] == pytest.approx(200_000.0)  # H100 and H200: the same FP8 peak
    assert c2["gpus"] == 1_000_000
    assert c2["h100_eq"] == pytest.approx(1_000_000 * 5000 / 1978.9)
    preset = kept["scenarios"][0]
    fixture = json.loads(
        (ROOT / "tests/regression/fixtures/presets-tesla_fleet.summary.json").read_text()
    )
    for key in ("mean_h100_eq", "owner_cost_usd", "owner_revenue_usd", "delivered_h100_h"):
        assert preset[key] == pytest.approx(fixture[f"vehicle_fleet.{key}"], rel=1e-12)
    # a weekday hour: 5 M cars × 10 % opted in × half eligible × the profile's parked share
    profile = pd.read_csv(ROOT / "sim/data/vehicle_parked_nhts.csv", comment="#")
    for row in preset["by_hour"]:
        cars = round(5_000_000 * 0.1 * 0.5 * profile["weekday_pu"][row["hour"]])
        assert row["weekday"] == pytest.approx(cars * 144 / 1978.9, rel=1e-12)
    assert (ROOT / "docs/figures/tesla_fleet.png").stat().st_size > 10_000


def test_the_readme_tells_the_solar_day_kept_beside_its_figure():
    # The solar day's paragraph is told from the numbers kept beside its figure; those are the
    # preset's ratings and the regression fixture's totals (tests/test_regression.py checks
    # that the code still gives them), so a change of either fails here until the script runs.
    import json

    make = make_module()
    kept = json.loads(make.SOLAR_KEPT.read_text())
    readme = make.README.read_text()
    assert make.replace_block(readme, make.solar_narrative(kept), make.SOLAR_MARKERS) == readme, (
        "the README's solar paragraph is stale: run `python docs/figures/make.py`"
    )
    config = load_config(make.SOLAR)
    assert (kept["p_dc_mw"], kept["p_ac_mw"]) == (config.solar.p_dc_mw, config.solar.p_ac_mw)
    fixture = json.loads(
        (ROOT / "tests/regression/fixtures/presets-colossus1_solar.summary.json").read_text()
    )
    for key, value in kept["solar"].items():
        assert value == pytest.approx(fixture[f"solar.{key}"], rel=1e-12, abs=1e-12)
    for key in ("load", "grid"):
        assert kept["energy_mwh"][key] == pytest.approx(fixture[f"energy_mwh.{key}"], rel=1e-12)
    assert (ROOT / "docs/figures/colossus1_solar.png").stat().st_size > 10_000
