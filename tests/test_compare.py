"""``dcsim compare``: KPIs side by side with differences worked out by hand, sweep folders,
clear errors for folders that are not runs, and the overlaid figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import EXIT_BAD_INPUT, EXIT_OK, main
from sim.compare import compare_table, load_runs
from tests.bad_configs import write

SITE = """\
    name: site
    duration_h: 4
    output: {resolution_s: 900}
    load: {constant_mw: 50}
    grid: {price_usd_per_mwh: 60}
"""


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, Path]:
    """The same site at 50 MW and at 80 MW for 4 h: load 200 vs 320 MWh (+120 MWh, +60 %),
    grid energy cost 200 x 60 = 12,000 vs 320 x 60 = 19,200 USD."""
    folder = tmp_path_factory.mktemp("compare")
    config = write(folder / "site.yaml", SITE)
    a, b = folder / "a", folder / "b"
    assert main(["run", str(config), "--out", str(a)]) == EXIT_OK
    assert main(["run", str(config), "--out", str(b), "--set", "load.constant_mw=80"]) == EXIT_OK
    return a, b


def test_table_has_values_units_and_differences(two_runs):
    runs = load_runs(list(two_runs))
    assert [r.label for r in runs] == ["a", "b"]
    table = compare_table([r.result.summary for r in runs], ["a", "b"]).set_index("key")
    load = table.loc["energy_mwh.load"]
    assert load["unit"] == "MWh"
    assert load["a"] == pytest.approx(200.0)
    assert load["b"] == pytest.approx(320.0)
    assert load["Δ b"] == pytest.approx(120.0)
    assert load["Δ% b"] == pytest.approx(60.0)
    cost = table.loc["cost_usd.energy"]
    assert cost["unit"] == "USD"
    assert cost["Δ b"] == pytest.approx((320.0 - 200.0) * 60.0)
    # 0 -> 0: a difference of 0 and no relative one
    assert table.loc["unserved_mwh", "Δ b"] == 0.0
    assert pd.isna(table.loc["unserved_mwh", "Δ% b"])


def test_cli_prints_the_table(two_runs, capsys):
    a, b = two_runs
    assert main(["compare", str(a), str(b)]) == EXIT_OK
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("energy_mwh.load "))
    assert line.split() == ["energy_mwh.load", "MWh", "200", "320", "+120", "+60", "%"]


def test_kpi_patterns_choose_the_rows(two_runs, capsys):
    a, b = two_runs
    assert main(["compare", str(a), str(b), "--kpi", "peak_mw.*"]) == EXIT_OK
    rows = [x.split()[0] for x in capsys.readouterr().out.splitlines()[2:]]
    assert rows == ["peak_mw.load", "peak_mw.grid"]
    assert main(["compare", str(a), str(b), "--kpi", "no_such_key"]) == EXIT_BAD_INPUT


@pytest.mark.parametrize("what", ["missing", "not_a_run", "one_run"])
def test_folders_that_are_not_runs_exit_2_without_traceback(two_runs, tmp_path, capsys, what):
    a, _ = two_runs
    other = {
        "missing": tmp_path / "nowhere",
        "not_a_run": tmp_path,
        "one_run": None,
    }[what]
    args = ["compare", str(a)] + ([str(other)] if other is not None else [])
    assert main(args) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_a_damaged_run_exits_2(two_runs, tmp_path, capsys):
    a, _ = two_runs
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("config.yaml", "timeseries.parquet", "events.parquet"):
        (bad / name).write_bytes((a / name).read_bytes())
    (bad / "summary.json").write_text("[1, 2]")
    assert main(["compare", str(a), str(bad)]) == EXIT_BAD_INPUT
    assert "summary.json" in capsys.readouterr().err


def test_a_sweep_folder_stands_for_its_runs(tmp_path, capsys):
    write(tmp_path / "site.yaml", SITE)
    spec = write(
        tmp_path / "sweep.yaml",
        "name: loads\nbase: site.yaml\nproduct: {load.constant_mw: [10, 30]}\n",
    )
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == EXIT_OK
    capsys.readouterr()
    runs = load_runs([out])
    assert len(runs) == 2
    loads = sorted(r.result.summary["energy_mwh"]["load"] for r in runs)
    assert loads == pytest.approx([40.0, 120.0])  # 10 and 30 MW for 4 h
    # and its run folders, one by one
    folders = sorted((out / "runs").iterdir())
    assert main(["compare", *map(str, folders)]) == EXIT_OK
    assert "energy_mwh.load" in capsys.readouterr().out


def test_plots_overlay_the_runs(two_runs, tmp_path):
    from sim.compare_plots import compare_figures

    runs = load_runs(list(two_runs))
    figures = compare_figures(runs)
    assert set(figures) == {"compare_supply"}  # (no battery, no jobs: no SOC, no progress)
    supply = figures["compare_supply"].axes
    assert [ax.get_ylabel() for ax in supply] == ["facility load [MW]", "grid import [MW]"]
    assert [ln.get_label() for ln in supply[0].get_lines()] == ["a", "b"]
    # the 80-MW run's load line sits at 80 MW (16 bins of 15 min, closed at the end)
    assert list(supply[0].get_lines()[1].get_ydata()) == pytest.approx([80.0] * 17)
    out = tmp_path / "figs"
    a, b = two_runs
    assert main(["compare", str(a), str(b), "--plots", "--out", str(out)]) == EXIT_OK
    assert sorted(p.name for p in out.iterdir()) == ["compare_supply.png"]
    assert (out / "compare_supply.png").read_bytes()[:4] == b"\x89PNG"


def test_plots_of_runs_with_a_battery_and_jobs(tmp_path):
    """Two runs of Meta's Llama 3 job for 24 h (seeds 1 and 2), one with a 100-MWh battery:
    the SOC figure draws that run only; the progress figure one line per run and job."""
    from sim.compare_plots import compare_figures

    example = Path(__file__).resolve().parents[1] / "configs" / "examples" / "llama3_cluster.yaml"
    common = ["--set", "duration_h=24", "--set", "output.resolution_s=3600"]
    battery = ["--set", "battery={energy_mwh: 100, power_mw: 50}"]
    assert main(["run", str(example), "--out", str(tmp_path / "x"), *common]) == EXIT_OK
    assert main(["run", str(example), "--out", str(tmp_path / "y"), *common, *battery]) == 0
    figures = compare_figures(load_runs([tmp_path / "x", tmp_path / "y"]))
    assert set(figures) == {"compare_supply", "compare_soc", "compare_progress"}
    soc = figures["compare_soc"].axes[0]
    assert [ln.get_label() for ln in soc.get_lines()] == ["y"]
    assert max(soc.get_lines()[0].get_ydata()) <= 100.0
    progress = figures["compare_progress"].axes[0]
    assert [ln.get_label() for ln in progress.get_lines()] == ["x: llama3-405b", "y: llama3-405b"]
    assert progress.get_ylabel() == "useful compute [h]"
