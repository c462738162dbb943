"""The standard figures: they render (Agg, no display), show the expected lines, find the
windows to zoom on, and the ``plot`` command and ``run --plots`` write them."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.plots import _step_edges, run_figures, supply_stack, sweep_figures, sweep_kpi, windows
from sim.runner import run

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


def events(rows):
    return pd.DataFrame(rows, columns=["time_h", "kind", "source", "detail"])


def test_windows_pair_starts_and_ends_and_merge_overlapping_outages():
    ev = events(
        [
            (1.0, "outage_start", "grid", ""),
            (1.5, "outage_start", "grid", ""),  # a second one, overlapping
            (2.0, "outage_end", "grid", ""),
            (3.0, "outage_end", "grid", ""),
            (4.0, "demand_response_start", "grid", ""),
            (5.0, "demand_response_end", "grid", ""),
            (6.0, "outage_start", "grid", ""),  # still under way at the end
        ]
    )
    assert windows(ev, 8.0) == [
        ("grid outage", 1.0, 3.0),
        ("demand response", 4.0, 5.0),
        ("grid outage", 6.0, 8.0),
    ]


def test_supply_stack_stacks_the_sources_and_draws_charging_below_zero():
    """Two 1-h bins: grid 10 + turbines 5 + battery 3 = load 18; then grid 20 = load 15 +
    charging 5. The stack's top edge is 18 then 20; the charge band reaches −5."""
    ts = pd.DataFrame(
        {
            "time_h": [0.0, 1.0],
            "load_mw": [18.0, 15.0],
            "grid_mw": [10.0, 20.0],
            "turbines_mw": [5.0, 0.0],
            "battery_discharge_mw": [3.0, 0.0],
            "battery_charge_mw": [0.0, 5.0],
            "unserved_mw": [0.0, 0.0],
        }
    )
    fig = supply_stack(ts, "t")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["grid", "turbines", "battery discharge", "battery charge", "load"]
    (load,) = [line for line in ax.get_lines() if line.get_label() == "load"]
    assert load.get_ydata().tolist() == [18, 18, 15, 15]
    assert ax.get_xlabel() == "time [h]"
    assert ax.get_ylabel() == "power [MW]"
    tops = [c.get_paths()[0].vertices[:, 1].max() for c in ax.collections]
    bottoms = [c.get_paths()[0].vertices[:, 1].min() for c in ax.collections]
    assert max(tops) == pytest.approx(20.0)
    assert min(bottoms) == pytest.approx(-5.0)


def test_a_run_gives_its_figures(config_factory):
    """An outage day with a battery, turbines and a job: supply, one zoom per window, SOC,
    turbines and job progress, each with a title naming the run; they render."""
    result = run(
        config_factory(
            name="plotted",
            duration_h=6,
            output={"resolution_s": 300},
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 800}]},
            jobs=[{"name": "j", "pool": "p", "gpus": 800}],
            grid={
                "outages": [{"start_h": 2, "duration_h": 1}],
                "demand_response": [{"start_h": 4, "duration_h": 1, "limit_mw": 0.5}],
            },
            battery={"energy_mwh": 2, "power_mw": 2},
            turbines=[{"name": "t", "count": 1, "p_nom_mw": 5, "ramp_mw_per_min": 1}],
        )
    )
    figures = run_figures("plotted", result.timeseries, result.events, result.progress)
    assert list(figures) == [
        "supply",
        "zoom_1_grid_outage",
        "zoom_2_demand_response",
        "battery_soc",
        "turbines",
        "jobs",
    ]
    for fig in figures.values():
        assert fig.axes[0].get_title().startswith("plotted: ")
        fig.canvas.draw()  # renders
    zoom = figures["zoom_1_grid_outage"].axes[0]
    assert zoom.get_xlim()[0] <= 2 - 0.25
    assert zoom.get_xlim()[1] >= 3 + 0.25
    (job_line,) = [ln for ln in figures["jobs"].axes[0].get_lines() if ln.get_label() == "j"]
    assert job_line.get_ydata()[-1] == pytest.approx(result.summary["jobs"]["j"]["goodput_h"])


def test_sweep_kpi_draws_one_line_per_other_parameter_with_the_seed_band():
    """Parameters a (2 values) × b (2 values) × 2 seeds; KPI = 10a + b + seed. Against a:
    one line per b; the mean over seeds 1, 2 is 10a + b + 1.5, the band 10a + b + [1, 2]."""
    rows = [
        {"run_id": f"{a}{b}{s}", "status": "ok", "seed": s, "a": a, "b": b, "wall_s": 0.1,
         "kpi": 10 * a + b + s}
        for a in (1, 2) for b in (0, 5) for s in (1, 2)
    ]  # fmt: skip
    fig = sweep_kpi(pd.DataFrame(rows), "kpi", "a", "t")
    ax = fig.axes[0]
    lines = {ln.get_label(): ln.get_ydata().tolist() for ln in ax.get_lines()}
    assert lines == {"b = 0": [11.5, 21.5], "b = 5": [16.5, 26.5]}
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert (band.min(), band.max()) == (11.0, 22.0)
    assert set(sweep_figures("s", pd.DataFrame(rows), ["kpi"])) == {"kpi_vs_a", "kpi_vs_b"}


def test_plot_command_and_run_plots(tmp_path, capsys):
    config = ROOT / "configs" / "examples" / "outage_day.yaml"
    out = tmp_path / "r"
    assert main(["run", str(config), "--out", str(out), "--plots"]) == 0
    pngs = sorted(p.name for p in (out / "plots").iterdir())
    assert "supply.png" in pngs
    assert any(name.startswith("zoom_") for name in pngs)
    assert main(["plot", str(out), "--out", str(tmp_path / "again")]) == 0
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == pngs
    with (out / "plots" / "supply.png").open("rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()
    assert main(["plot", str(tmp_path / "missing")]) == 2
    assert "not a dcsim results folder" in capsys.readouterr().err
    assert main(["plot", str(out), "--kpi", "unserved_mwh"]) == 2
    assert "for sweep folders" in capsys.readouterr().err


def test_step_edges_follow_the_bins():
    ts = pd.DataFrame({"time_h": [0.0, 0.5, 1.0], "load_mw": [1.0, 2.0, 3.0]})
    assert np.array_equal(_step_edges(ts), [0, 0.5, 0.5, 1.0, 1.0, 1.5])


def test_a_cooled_run_has_its_cooling_figure(config_factory, tmp_path):
    """A cooled site: the cooling figure's panels carry the plant's power and PUE, and the
    dry-bulb, wet-bulb and coolant temperatures."""
    csv = tmp_path / "w.csv"
    csv.write_text("time_h,dry_bulb_c,wet_bulb_c\n0,30,24\n1,31,25\n")
    result = run(
        config_factory(
            name="cooled",
            duration_h=2,
            load={"constant_mw": 10},
            weather={"csv": str(csv)},
            cooling={"chillers": {"count": 1, "capacity_mw": 20}},
        )
    )
    fig = run_figures("cooled", result.timeseries, result.events)["cooling"]
    labels = {ln.get_label() for ax in fig.axes for ln in ax.get_lines()}
    assert {"cooling power", "PUE", "dry-bulb", "wet-bulb", "coolant supply"} <= labels
    fig.canvas.draw()
