"""Results: the Python API, the results folder, atomic writes and determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim import load_config, read_result, run
from sim.cli import main
from sim.results import Result

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "configs" / "examples" / "outage_day.yaml"

INTERFACE_COLUMNS = [
    "time_h",
    "load_mw",
    "it_mw",
    "cooling_mw",
    "grid_mw",
    "turbines_mw",
    "battery_mw",
    "battery_soc",
    "unserved_mw",
    "curtailed_mw",
    "turbines_online",
]


def without_wall_time(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "wall_s" not in line)


def test_api_runs_without_touching_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(load_config(EXAMPLE))
    assert list(tmp_path.iterdir()) == []
    assert set(INTERFACE_COLUMNS) <= set(result.timeseries.columns)
    assert list(result.events.columns) == ["time_h", "timestamp", "kind", "source", "detail"]
    assert result.summary["run"]["seed"] == 1


def test_example_rides_through_its_outage():
    """The README's example: 815 MWh at 90 % carries the ~150 MW site through 4 h (~600 MWh)."""
    s = run(EXAMPLE).summary
    assert s["outage_ride_through"] == [True]
    assert s["unserved_mwh"] == 0.0
    load = pd.read_csv(EXAMPLE.parent / "day_load.csv")
    it_mwh = load["load_mw"].sum()  # hourly rows over 24 h
    assert s["energy_mwh"]["it"] == pytest.approx(it_mwh, rel=1e-12)


def test_same_config_and_seed_give_identical_results(tmp_path):
    for name in ("a", "b"):
        assert main(["run", str(EXAMPLE), "--out", str(tmp_path / name)]) == 0
    a, b = tmp_path / "a", tmp_path / "b"
    text_a, text_b = (p.joinpath("summary.json").read_text() for p in (a, b))
    assert without_wall_time(text_a) == without_wall_time(text_b)
    assert a.joinpath("config.yaml").read_bytes() == b.joinpath("config.yaml").read_bytes()
    ra, rb = read_result(a), read_result(b)
    pd.testing.assert_frame_equal(ra.timeseries, rb.timeseries)
    pd.testing.assert_frame_equal(ra.events, rb.events)


def test_resolved_config_reproduces_the_run(tmp_path):
    """config.yaml (extends and --set applied, paths absolute) runs again to the same summary."""
    out = tmp_path / "first"
    assert (
        main(["run", str(EXAMPLE), "--out", str(out), "--set", "grid.outages[0].duration_h=7"]) == 0
    )
    again = run(load_config(out / "config.yaml")).summary
    first = json.loads((out / "summary.json").read_text())
    for key in ("energy_mwh", "peak_mw", "outages", "battery"):
        assert again[key] == first[key]
    assert first["outages"][0]["duration_h"] == 7.0


def test_write_and_read_round_trip(tmp_path):
    result = run(EXAMPLE)
    result.write(tmp_path / "r")
    back = read_result(tmp_path / "r")
    pd.testing.assert_frame_equal(back.timeseries, result.timeseries)
    pd.testing.assert_frame_equal(back.events, result.events)
    assert back.summary == json.loads(json.dumps(result.summary))
    assert back.timeseries.index.name == "timestamp"  # (the API's index; a column on disk)
    assert back.timeseries.index[0] == pd.Timestamp("2025-07-01T00:00:00-05:00")
    assert list(pd.read_parquet(tmp_path / "r" / "timeseries.parquet").columns[:2]) == [
        "time_h",
        "timestamp",
    ]


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    result = run(EXAMPLE)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        result.write(tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


def test_failed_overwrite_keeps_the_old_results(tmp_path):
    target = run(EXAMPLE).write(tmp_path / "r")
    before = (target / "summary.json").read_bytes()
    broken = Result(None, None, {}, "")  # type: ignore[arg-type]  # no frames: writing fails
    with pytest.raises(AttributeError):
        broken.write(target, force=True)
    assert (target / "summary.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
