"""``dcsim export RUN --csv``: the results folder as CSV files for spreadsheets."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from sim.cli import EXIT_BAD_INPUT, EXIT_OK, main
from tests.bad_configs import write

SITE = """\
    name: site
    site: {timezone: America/Chicago}
    start: "2025-01-31T22:00:00"
    duration_h: 4
    output: {resolution_s: 3600}
    load: {constant_mw: 50}
    grid: {price_usd_per_mwh: 60}
"""


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "r"
    assert main(["run", str(write(tmp_path / "site.yaml", SITE)), "--out", str(out)]) == EXIT_OK
    return out


def test_export_writes_spreadsheet_files(folder, capsys):
    assert main(["export", str(folder), "--csv"]) == EXIT_OK
    out = folder / "csv"
    assert "-> " in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [
        "by_month.csv",
        "events.csv",
        "summary.csv",
        "timeseries.csv",
    ]
    with (out / "timeseries.csv").open() as f:
        rows = list(csv.DictReader(f))
    # hourly from 22:00 CST (UTC-6), with the offset written out
    assert [r["timestamp"] for r in rows] == [
        "2025-01-31T22:00:00-06:00",
        "2025-01-31T23:00:00-06:00",
        "2025-02-01T00:00:00-06:00",
        "2025-02-01T01:00:00-06:00",
    ]
    assert list(rows[0])[:3] == ["time_h", "timestamp", "load_mw"]
    assert float(rows[1]["load_mw"]) == pytest.approx(50.0)
    summary = pd.read_csv(out / "summary.csv").set_index("key")
    assert summary.loc["energy_mwh.load", "unit"] == "MWh"
    assert float(summary.loc["energy_mwh.load", "value"]) == pytest.approx(200.0)  # 50 MW x 4 h
    months = pd.read_csv(out / "by_month.csv")
    assert months["month"].tolist() == ["2025-01", "2025-02"]
    assert months["energy_mwh.grid"].tolist() == pytest.approx([100.0, 100.0])
    assert months["cost_usd.energy"].tolist() == pytest.approx([6000.0, 6000.0])  # x 60 USD/MWh


def test_the_run_folder_can_still_be_overwritten_after_export(folder, tmp_path):
    assert main(["export", str(folder)]) == EXIT_OK
    assert main(["run", str(tmp_path / "site.yaml"), "--out", str(folder), "--force"]) == 0


def test_export_to_another_folder(folder, tmp_path):
    out = tmp_path / "sheets"
    assert main(["export", str(folder), "--csv", "--out", str(out)]) == EXIT_OK
    assert (out / "events.csv").is_file()


@pytest.mark.parametrize("bad", ["missing", "empty"])
def test_a_bad_folder_exits_2_without_traceback(tmp_path, capsys, bad):
    path = tmp_path / "nowhere"
    if bad == "empty":
        path.mkdir()
    assert main(["export", str(path), "--csv"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path} is not a dcsim results folder")
    assert "Traceback" not in err
