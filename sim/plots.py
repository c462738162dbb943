"""The standard figures of a run and of a sweep: pure functions of DataFrames.

Each function takes the run's tables (``timeseries``, ``events``, ``progress``; see
:mod:`sim.results`) or a sweep's table and returns a :class:`matplotlib.figure.Figure`; nothing
here runs a simulation or reads a file. :func:`run_figures` names the figures of a run and
:func:`save_figures` writes them as PNG. Figures are made with the object API (no pyplot
state), so they work under any backend, including Agg on a machine without a display.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

SUPPLY = (  # (column, label, colour): stacked above zero in this order
    ("grid_mw", "grid", "#4C72B0"),
    ("turbines_mw", "turbines", "#DD8452"),
    ("battery_discharge_mw", "battery discharge", "#55A868"),
    ("unserved_mw", "unserved", "#C44E52"),
)
CHARGE_COLOUR = "#8FD19E"
WINDOW_KINDS = {"outage": "grid outage", "demand_response": "demand response"}
MAX_JOBS = 8  # the job-progress figure shows the largest jobs, at most this many
DPI = 120


def _figure(height: float = 4.0) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(10, height), dpi=DPI, layout="constrained")
    return fig, fig.add_subplot()


def _time_axis(ax: Axes) -> None:
    ax.set_xlabel("time [h]")
    ax.grid(True, alpha=0.3)


def supply_stack(
    ts: pd.DataFrame, title: str, window_h: tuple[float, float] | None = None
) -> Figure:
    """Supply against load [MW]: grid, turbines and battery discharge stacked above zero,
    unserved (red) on top, charging below zero; the load as a line. ``window_h`` zooms to
    ``(start, end)`` [h]. Bin means of the timeseries, drawn as steps over each bin."""
    if window_h is not None:
        ts = ts[(ts["time_h"] >= window_h[0]) & (ts["time_h"] < window_h[1])]
    fig, ax = _figure()
    t = _step_edges(ts)
    base = np.zeros(len(ts))
    for column, label, colour in SUPPLY:
        if column not in ts or not (ts[column] > 0).any():
            continue
        top = base + ts[column].to_numpy()
        ax.fill_between(t, _steps(base), _steps(top), color=colour, label=label, lw=0)
        base = top
    if "battery_charge_mw" in ts and (ts["battery_charge_mw"] > 0).any():
        charge = -ts["battery_charge_mw"].to_numpy()
        ax.fill_between(t, _steps(charge), 0, color=CHARGE_COLOUR, label="battery charge", lw=0)
    ax.plot(t, _steps(ts["load_mw"].to_numpy()), color="black", lw=1.2, label="load")
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_ylabel("power [MW]")
    _time_axis(ax)
    ax.legend(loc="upper left", ncols=3, fontsize="small", framealpha=0.9)
    ax.set_title(title)
    return fig


def battery_soc(ts: pd.DataFrame, title: str) -> Figure:
    """The battery's state of charge at each bin's end [%]."""
    fig, ax = _figure(3.0)
    ax.plot(ts["time_h"] + _bin_h(ts), 100 * ts["battery_soc"], color="#55A868")
    ax.set_ylim(-2, 102)
    ax.set_ylabel("state of charge [%]")
    _time_axis(ax)
    ax.set_title(title)
    return fig


def turbines_online(ts: pd.DataFrame, title: str) -> Figure:
    """Turbine units online (mean over each bin) and their output [MW]."""
    fig, ax = _figure(3.0)
    t = _step_edges(ts)
    ax.plot(t, _steps(ts["turbines_online"].to_numpy()), color="#DD8452", label="units online")
    ax.set_ylabel("units online [-]")
    twin = ax.twinx()
    twin.plot(t, _steps(ts["turbines_mw"].to_numpy()), color="grey", lw=0.8, label="output")
    twin.set_ylabel("output [MW]")
    _time_axis(ax)
    ax.set_title(title)
    fig.legend(loc="outside lower center", ncols=2, fontsize="small")
    return fig


def cooling(ts: pd.DataFrame, title: str) -> Figure:
    """Two panels: the cooling plant's power [MW] with the PUE of each bin; the ambient
    dry-bulb and wet-bulb and the coolant supply temperature [°C], with the GPUs' throttle."""
    fig = Figure(figsize=(10, 5.5), dpi=DPI, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    t = _step_edges(ts)
    top.plot(t, _steps(ts["cooling_mw"].to_numpy()), color="#4C72B0", label="cooling power")
    top.set_ylabel("cooling [MW]")
    pue = top.twinx()
    pue.plot(t, _steps(ts["pue"].to_numpy()), color="#C44E52", lw=0.8, label="PUE")
    pue.set_ylabel("PUE [-]")
    top.set_title(title)
    top.grid(True, alpha=0.3)
    end_h = ts["time_h"] + _bin_h(ts)
    bottom.plot(t, _steps(ts["dry_bulb_c"].to_numpy()), color="#DD8452", label="dry-bulb")
    bottom.plot(t, _steps(ts["wet_bulb_c"].to_numpy()), color="#55A868", label="wet-bulb")
    bottom.plot(end_h, ts["coolant_c"], color="#8172B3", label="coolant supply")
    throttled = ts["throttle_pu"] < 1.0 - 1e-9  # (bin means of 1 may round below it)
    if throttled.any():
        bottom.fill_between(
            t, 0, 1, where=_steps(throttled.to_numpy()).astype(bool), color="#C44E52",
            alpha=0.15, transform=bottom.get_xaxis_transform(), label="GPUs throttled",
        )  # fmt: skip
    bottom.set_ylabel("temperature [°C]")
    _time_axis(bottom)
    bottom.legend(loc="upper left", ncols=4, fontsize="small")
    lines = top.get_lines() + pue.get_lines()
    top.legend(lines, [ln.get_label() for ln in lines], loc="upper left", fontsize="small")
    return fig


def job_progress(progress: pd.DataFrame, events: pd.DataFrame, title: str) -> Figure:
    """Useful compute of each job [h] against time, the largest jobs first; node failures
    (×) and load-management stops (▼) marked on each job's line where they happened."""
    fig, ax = _figure()
    jobs = progress.groupby("job", sort=False)["progress_h"].max().nlargest(MAX_JOBS).index
    for job in jobs:
        p = progress[progress["job"] == job]
        (line,) = ax.plot(p["time_h"], p["progress_h"], lw=1.2, label=job)
        for kinds, marker in (({"node_failure"}, "x"), ({"job_shed", "job_paused"}, "v")):
            at = events.loc[(events["source"] == job) & events["kind"].isin(kinds), "time_h"]
            if len(at):
                y = np.interp(at, p["time_h"], p["progress_h"])
                ax.plot(at, y, marker, color=line.get_color(), ms=5, ls="none")
    end_h = float(progress["time_h"].max())
    ax.plot([0, end_h], [0, end_h], color="grey", ls="--", lw=0.8, label="ETTR = 1")
    ax.plot([], [], "kx", ls="none", label="node failure")
    ax.plot([], [], "kv", ls="none", label="shed / paused")
    ax.set_ylabel("useful compute [h]")
    _time_axis(ax)
    ax.legend(loc="upper left", fontsize="small", ncols=2)
    ax.set_title(title)
    return fig


def windows(events: pd.DataFrame, end_h: float) -> list[tuple[str, float, float]]:
    """Outage and demand-response windows from the events: ``(what, start_h, end_h)``;
    overlapping outages make one window."""
    found = []
    for key, what in WINDOW_KINDS.items():
        depth, start_h = 0, 0.0
        for kind, t_h in events.loc[
            events["kind"].isin([f"{key}_start", f"{key}_end"]), ["kind", "time_h"]
        ].itertuples(index=False):
            if kind.endswith("_start"):
                depth += 1
                if depth == 1:
                    start_h = t_h
            elif depth > 0:
                depth -= 1
                if depth == 0:
                    found.append((what, start_h, t_h))
        if depth > 0:
            found.append((what, start_h, end_h))
    return sorted(found, key=lambda w: w[1])


def sweep_parameters(table: pd.DataFrame) -> list[str]:
    """The swept parameters of a sweep's ``summary`` table: its columns between ``seed`` and
    ``wall_s`` (the layout :mod:`sim.sweep` writes)."""
    columns = list(table.columns)
    return columns[columns.index("seed") + 1 : columns.index("wall_s")]


def sweep_kpi(table: pd.DataFrame, kpi: str, parameter: str, title: str) -> Figure:
    """A KPI against one swept parameter: for each combination of the other swept
    parameters a line (the mean over seeds) and a band (the seeds' min–max)."""
    ok = table[table["status"] == "ok"] if "status" in table else table
    others = [p for p in sweep_parameters(table) if p != parameter]
    fig, ax = _figure()
    groups = ok.groupby(others, sort=True) if others else [((), ok)]
    for key, group in groups:
        stats = group.groupby(parameter)[kpi].agg(["mean", "min", "max"]).sort_index()
        x = stats.index.to_numpy(dtype=float)
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{p} = {v}" for p, v in zip(others, key, strict=True))
        (line,) = ax.plot(x, stats["mean"], marker="o", label=label or "mean over seeds")
        ax.fill_between(x, stats["min"], stats["max"], color=line.get_color(), alpha=0.2, lw=0)
    ax.set_xlabel(parameter)
    ax.set_ylabel(kpi)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", title="band: seeds (min–max)", title_fontsize="small")
    ax.set_title(title)
    return fig


SWEEP_KPIS = ("unserved_mwh", "cost_usd.total", "peak_mw.grid", "turbines.starts")
"""KPIs plotted for a sweep unless others are asked for (those present in its table), with
every ``jobs.NAME.ettr``."""


def sweep_figures(name: str, table: pd.DataFrame, kpis: Iterable[str] = ()) -> dict[str, Figure]:
    """Each KPI (default :data:`SWEEP_KPIS` and the jobs' ETTR) against each swept parameter."""
    kpis = list(kpis) or [k for k in SWEEP_KPIS if k in table] + [
        c for c in table.columns if c.startswith("jobs.") and c.endswith(".ettr")
    ]
    figures = {}
    for kpi in kpis:
        for parameter in sweep_parameters(table):
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{kpi}_vs_{parameter}")
            figures[stem] = sweep_kpi(table, kpi, parameter, f"{name}: {kpi} against {parameter}")
    return figures


def run_figures(
    name: str, ts: pd.DataFrame, events: pd.DataFrame, progress: pd.DataFrame | None = None
) -> dict[str, Figure]:
    """The standard figures of a run, by file stem: the supply stack, a zoom on each outage
    and demand-response window (with a quarter of its length either side), the battery's
    SOC if it has energy, turbines if any ran, cooling and PUE if there is a plant, job
    progress if there are jobs."""
    figures = {"supply": supply_stack(ts, f"{name}: supply and load")}
    end_h = float(ts["time_h"].iloc[-1] + _bin_h(ts)) if len(ts) else 0.0
    for i, (what, start_h, stop_h) in enumerate(windows(events, end_h)):
        margin_h = max(0.25 * (stop_h - start_h), 2 * _bin_h(ts))
        figures[f"zoom_{i + 1}_{what.replace(' ', '_')}"] = supply_stack(
            ts,
            f"{name}: {what}, {start_h:g}–{stop_h:g} h",
            (start_h - margin_h, stop_h + margin_h),
        )
    if "battery_soc" in ts and ts["battery_soc"].notna().any() and ts["battery_soc"].max() > 0:
        figures["battery_soc"] = battery_soc(ts, f"{name}: battery state of charge")
    if "turbines_online" in ts and (ts["turbines_online"] > 0).any():
        figures["turbines"] = turbines_online(ts, f"{name}: turbines")
    if "pue" in ts and ts["cooling_mw"].max() > 0:
        figures["cooling"] = cooling(ts, f"{name}: cooling and PUE")
    if progress is not None and len(progress):
        figures["jobs"] = job_progress(progress, events, f"{name}: training progress")
    return figures


def save_figures(figures: dict[str, Figure], folder: str | Path) -> list[Path]:
    """Write each figure as ``<folder>/<stem>.png``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, fig in figures.items():
        path = folder / f"{stem}.png"
        fig.savefig(path)
        paths.append(path)
    return paths


def _bin_h(ts: pd.DataFrame) -> float:
    """The timeseries' bin length [h] (the first bin's)."""
    return float(ts["time_h"].iloc[1] - ts["time_h"].iloc[0]) if len(ts) > 1 else 0.0


def _step_edges(ts: pd.DataFrame) -> np.ndarray:
    """x values for drawing bin means as steps: each bin's start and end."""
    t0 = ts["time_h"].to_numpy()
    t1 = np.append(t0[1:], t0[-1] + _bin_h(ts)) if len(t0) else t0
    return np.column_stack([t0, t1]).ravel()


def _steps(values: Iterable[float]) -> np.ndarray:
    """Each bin's value twice, to pair with :func:`_step_edges`."""
    return np.repeat(np.asarray(values, dtype=float), 2)
