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


def assert_legend_outside(fig):
    """Every legend of ``fig`` lies outside every axes' plotting area (it covers no data)."""
    fig.canvas.draw()
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + fig.legends
    assert legends
    for legend in legends:
        box = legend.get_window_extent()
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent()), (legend, ax)


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
    assert_legend_outside(fig)
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
    figures = run_figures(
        "plotted", result.timeseries, result.events, result.progress, result.summary,
        result.config_yaml,
    )  # fmt: skip
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
        assert_legend_outside(fig)  # (renders)
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
    assert lines == {"B = 0": [11.5, 21.5], "B = 5": [16.5, 26.5]}
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


def test_supply_stack_draws_curtailed_windows_limit_and_cap():
    """Three 1-h bins. Bin 0: grid 10 + turbines 8 = load 15 + curtailed 3, so the stack
    (18) rises above the load (15): the curtailed band spans 15–18. An outage over bin 1 and
    a demand-response window over bin 2 are shaded and named; the import limit (25 MW) and
    the window's cap (12 MW, from the summary's ``demand_response[0]``) are lines."""
    from sim.plots.run import caps_of, import_limit_of

    ts = pd.DataFrame(
        {
            "time_h": [0.0, 1.0, 2.0],
            "load_mw": [15.0, 15.0, 15.0],
            "grid_mw": [10.0, 0.0, 12.0],
            "turbines_mw": [8.0, 15.0, 3.0],
            "battery_discharge_mw": [0.0, 0.0, 0.0],
            "battery_charge_mw": [0.0, 0.0, 0.0],
            "unserved_mw": [0.0, 0.0, 0.0],
            "curtailed_mw": [3.0, 0.0, 0.0],
        }
    )
    ev = events(
        [
            (1.0, "outage_start", "grid", ""),
            (2.0, "outage_end", "grid", ""),
            (2.0, "demand_response_start", "grid", ""),
            (3.0, "demand_response_end", "grid", ""),
        ]
    )
    summary = {"demand_response": [{"start_h": 2.0, "duration_h": 1.0, "limit_mw": 12.0}]}
    assert caps_of(summary) == [(2.0, 3.0, 12.0)]
    assert import_limit_of("grid: {import_limit_mw: 25}\n") == 25.0
    fig = supply_stack(ts, "t", spans=windows(ev, 3.0), caps=caps_of(summary), import_limit_mw=25.0)
    ax = fig.axes[0]
    (band,) = [c for c in ax.collections if c.get_gid() == "curtailed"]
    ys = band.get_paths()[0].vertices[:, 1]
    assert (ys.min(), ys.max()) == (15.0, 18.0)
    assert band.get_label() == "curtailed (spilled)"
    spans = {p.get_label(): p.get_x() for p in ax.patches if p.get_label() in
             ("grid outage", "demand response")}  # fmt: skip
    assert spans == {"grid outage": 1.0, "demand response": 2.0}
    texts = {t.get_text() for t in ax.texts if t.get_gid() == "window-label"}
    assert texts == {"grid outage", "demand response"}
    (limit,) = [ln for ln in ax.get_lines() if ln.get_label() == "import limit"]
    assert set(limit.get_ydata()) == {25.0}
    (cap,) = [c for c in ax.collections if c.get_label() == "demand-response cap"]
    assert cap.get_segments()[0].tolist() == [[2.0, 12.0], [3.0, 12.0]]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"curtailed (spilled)", "import limit", "demand-response cap"} <= set(legend)
    assert_legend_outside(fig)


def test_long_runs_are_drawn_on_a_date_axis_in_the_sites_zone(config_factory):
    """A 72-h run starting at local midnight in Chicago (−05:00 in July): a date axis whose
    time 0 is 2025-07-01 05:00 UTC; a 24-h run stays in hours."""
    from matplotlib import dates as mdates

    keys = {
        "load": {"constant_mw": 10},
        "site": {"timezone": "America/Chicago"},
        "start": "2025-07-01T00:00:00-05:00",
        "output": {"resolution_s": 3600},
        "grid": {"outages": [{"start_h": 30, "duration_h": 6}]},
        "battery": {"energy_mwh": 100, "power_mw": 20},
    }
    result = run(config_factory(name="long", duration_h=72, **keys))
    figures = run_figures("long", result.timeseries, result.events)
    ax = figures["supply"].axes[0]
    assert ax.get_xlabel() == "date (America/Chicago)"
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    start_d = mdates.date2num(pd.Timestamp("2025-07-01T05:00:00Z").to_pydatetime())
    assert ax.get_xlim() == pytest.approx((start_d, start_d + 3.0))
    (outage,) = [p for p in ax.patches if p.get_label() == "grid outage"]
    assert outage.get_x() == pytest.approx(start_d + 30 / 24)
    assert "2025-07-02 06:00–12:00" in figures["zoom_1_grid_outage"].axes[0].get_title()
    assert figures["battery_soc"].axes[0].get_xlabel().startswith("date")
    short = run(config_factory(name="short", duration_h=24, **keys))
    assert run_figures("s", short.timeseries, short.events)["supply"].axes[0].get_xlabel() == (
        "time [h]"
    )


def test_battery_soc_axis_follows_the_data_and_marks_events():
    """A flat 100 % with a dip to 97 %: the axis spans about 97–100 % (the dip fills it), not
    0–100 %; the battery_empty event is marked where it happened; the window is shaded."""
    from sim.plots import battery_soc

    ts = pd.DataFrame({"time_h": np.arange(10.0), "battery_soc": [1.0] * 4 + [0.97] + [1.0] * 5})
    ev = events(
        [
            (3.0, "outage_start", "grid", ""),
            (5.0, "battery_empty", "battery", ""),
            (6.0, "outage_end", "grid", ""),
        ]
    )
    fig = battery_soc(ts, "t", spans=windows(ev, 10.0), events=ev)
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    assert 95.0 < low < 97.0
    assert 100.0 < high < 102.0
    (empty,) = [ln for ln in ax.get_lines() if ln.get_label() == "battery empty"]
    assert empty.get_xdata().tolist() == [5.0]
    assert empty.get_ydata().tolist() == [97.0]  # the SOC at bin 4's end (time 5 h)
    assert [p.get_label() for p in ax.patches] == ["grid outage"]
    assert_legend_outside(fig)


def test_turbines_figure_has_output_and_integer_units_online():
    from matplotlib.ticker import MaxNLocator

    from sim.plots import turbines_online

    ts = pd.DataFrame(
        {"time_h": [0.0, 1.0, 2.0], "turbines_mw": [0.0, 16.5, 33.0],
         "turbines_online": [0.0, 1.0, 2.0]}
    )  # fmt: skip
    fig = turbines_online(ts, "t")
    top, bottom = fig.axes
    assert top.get_ylabel() == "output [MW]"
    assert bottom.get_ylabel() == "units online [-]"
    assert bottom.get_xlabel() == "time [h]"
    assert isinstance(bottom.yaxis.get_major_locator(), MaxNLocator)
    fig.canvas.draw()
    assert all(float(t.get_text()).is_integer() for t in bottom.get_yticklabels() if t.get_text())
    assert top.get_lines()[0].get_ydata().max() == 33.0


def test_the_pue_axis_has_no_offset_and_a_minimum_span():
    """A PUE of 1.05 with 1e-13 of noise: matplotlib's default would read "1e-13 + 1.05";
    here the axis spans at least 0.05 and shows plain numbers."""
    from sim.plots import cooling

    n = 6
    ts = pd.DataFrame(
        {"time_h": np.arange(float(n)), "cooling_mw": [1.0] * n,
         "pue": 1.05 + 1e-13 * np.arange(n), "dry_bulb_c": [30.0] * n,
         "wet_bulb_c": [24.0] * n, "coolant_c": [18.0] * n, "throttle_pu": [1.0] * n}
    )  # fmt: skip
    fig = cooling(ts, "t")
    fig.canvas.draw()
    (pue_ax,) = [ax for ax in fig.axes if ax.get_ylabel() == "PUE [-]"]
    assert pue_ax.yaxis.get_offset_text().get_text() == ""
    low, high = pue_ax.get_ylim()
    assert high - low >= 0.05
    assert low < 1.05 < high
    assert [ax.get_ylabel() for ax in fig.axes] == ["cooling [MW]", "PUE [-]", "temperature [°C]"]
    assert_legend_outside(fig)


def test_monthly_pue_and_wue_bars_for_runs_of_a_month_or_more():
    """Bars from the summary's ``cooling.by_month``: PUE bars rise from 1 to each month's
    PUE; WUE bars from 0. Runs shorter than 28 days get no monthly chart."""
    from sim.plots import monthly_cooling

    by_month = [
        {"month": "2025-01", "pue": 1.10, "wue_l_per_kwh": 1.8},
        {"month": "2025-02", "pue": 1.20, "wue_l_per_kwh": 2.0},
    ]
    fig = monthly_cooling(by_month, "t")
    top, bottom = fig.axes
    assert [round(p.get_y() + p.get_height(), 12) for p in top.patches] == [1.10, 1.20]
    assert [p.get_y() for p in top.patches] == [1.0, 1.0]
    assert [p.get_height() for p in bottom.patches] == [1.8, 2.0]
    assert (top.get_ylabel(), bottom.get_ylabel()) == ("PUE [-]", "WUE [L/kWh]")
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["2025-01", "2025-02"]
    n = 24 * 30
    ts = pd.DataFrame(
        {"time_h": np.arange(float(n)), "load_mw": 11.0, "cooling_mw": 1.0, "pue": 1.1,
         "dry_bulb_c": 20.0, "wet_bulb_c": 15.0, "coolant_c": 18.0, "throttle_pu": 1.0}
    )  # fmt: skip
    summary = {"cooling": {"by_month": by_month}}
    assert "cooling_by_month" in run_figures("m", ts, events([]), summary=summary)
    assert "cooling_by_month" not in run_figures("m", ts.iloc[:600], events([]), summary=summary)


def test_sweep_labels_name_keys_with_units():
    from sim.plots import key_label

    assert key_label("battery.energy_mwh") == "Battery energy [MWh]"
    assert key_label("battery.power_mw") == "Battery power [MW]"
    assert key_label("unserved_mwh") == "Unserved energy [MWh]"
    assert key_label("cost_usd.total") == "Total cost [USD]"
    assert key_label("cost_usd.fuel") == "Fuel cost [USD]"
    assert key_label("energy_mwh.turbines") == "Turbines energy [MWh]"
    assert key_label("grid.outages[0].duration_h") == "Grid outage 1 duration [h]"
    assert key_label("cooling.wue_l_per_kwh") == "WUE [L/kWh]"
    assert key_label("cooling.coolant_max_c") == "Cooling coolant max [°C]"
    assert key_label("battery.soc_min_pu") == "Battery soc min [-]"
    assert key_label("turbines.starts") == "Turbine starts [-]"
    assert key_label("jobs.pretrain.ettr") == "ETTR of pretrain [-]"


def test_sweep_kpi_one_seed_has_no_band_distinct_lines_and_scaled_units():
    """One seed: lines only (no band), each with its own marker and line style; a cost of
    millions is drawn in million USD (2.5e6 USD → 2.5), with no offset or ×1e6."""
    rows = [
        {"run_id": f"{e}{p}", "status": "ok", "seed": 1, "battery.energy_mwh": e,
         "battery.power_mw": p, "wall_s": 0.1, "cost_usd.total": 1e6 * (e + p / 100)}
        for e in (1.0, 2.0) for p in (100, 200, 300)
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    figures = sweep_figures("my_sweep", table, ["cost_usd.total"])
    fig = figures["cost_usd.total_vs_battery.energy_mwh"]
    ax = fig.axes[0]
    assert ax.get_title() == "my_sweep: total cost against battery energy"
    assert ax.get_xlabel() == "Battery energy [MWh]"
    assert ax.get_ylabel() == "Total cost [million USD]"
    assert not ax.collections  # no seeds band
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == [f"Battery power = {p} MW" for p in (100, 200, 300)]
    assert lines[0].get_ydata().tolist() == [2.0, 3.0]  # 1e6 × (1 + 1) → 2 million USD
    styles = {(ln.get_marker(), ln.get_linestyle()) for ln in lines}
    assert len(styles) == 3
    fig.canvas.draw()
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert_legend_outside(fig)


def test_plot_titles_a_sweep_with_its_name_not_its_folder(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "name: tiny_sweep\n"
        "base: {name: b, duration_h: 2, load: {constant_mw: 5}, output: {resolution_s: 600}}\n"
        "product: {load.constant_mw: [5, 6]}\n"
    )
    out = tmp_path / "elsewhere"
    assert main(["sweep", str(spec), "--out", str(out), "--backend", "serial"]) == 0
    assert main(["plot", str(out), "--kpi", "unserved_mwh", "--out", str(tmp_path / "p")]) == 0
    from sim.cli_results import _sweep_name

    assert _sweep_name(out) == "tiny_sweep"
    assert _sweep_name(tmp_path) == tmp_path.name  # (a folder without sweep.json)


def test_the_battery_knee_sweep_crosses_its_threshold():
    """``configs/sweeps/battery_knee.yaml``: a 300 MW load, 20 × 16.5 MW turbines starting in
    600 s and ramping 5 MW/min each, a battery of 0.968 one-way efficiency and a 5–100 % SOC
    window. By hand: 19 units cover 300 MW (18 give 297); the battery carries 300 MW through
    the start, 50 MWh, and the ramp triangle 300 MW × (300 / (19 × 5) min) / 2 = 7.9 MWh, so
    it needs (50 + 7.9) / 0.968 / 0.95 = 63.0 MWh nameplate. With at least 300 MW it rides
    through from 65 MWh and not at 60; with 200 MW it leaves at least (300 − 200) MW × 600 s
    unserved whatever its energy."""
    from sim.sweep import load_sweep

    sweep = load_sweep(ROOT / "configs" / "sweeps" / "battery_knee.yaml")
    start_h, ramp_min = 600 / 3600, 300 / (19 * 5.0)
    knee_mwh = (300 * start_h + 300 * ramp_min / 60 / 2) / 0.968 / 0.95
    assert 60 < knee_mwh < 65
    unserved = {}
    for plan in sweep.plans:
        key = (plan.params["battery.power_mw"], plan.params["battery.energy_mwh"])
        if key in {(300, 60), (300, 65), (400, 60), (400, 65), (200, 100)}:
            assert plan.config is not None
            unserved[key] = run(plan.config).summary["unserved_mwh"]
    assert unserved[(300, 65)] == unserved[(400, 65)] == 0.0
    assert unserved[(300, 60)] > 0
    assert unserved[(400, 60)] > 0
    assert unserved[(200, 100)] >= (300 - 200) * start_h


def test_a_figure_shows_itself_in_jupyter_as_a_cells_value():
    """Object-API figures are not pyplot's (``plt.show()`` ignores them): each has
    ``_repr_png_``, so Jupyter shows the figure a cell ends with."""
    ts = pd.DataFrame({"time_h": [0.0, 1.0], "load_mw": [1.0, 2.0], "grid_mw": [1.0, 2.0]})
    assert supply_stack(ts, "t")._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
