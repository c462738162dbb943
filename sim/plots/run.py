"""The standard figures of one run, from its tables (``timeseries``, ``events``, ``progress``)
and, where given, its summary and resolved config as plain mappings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.plots.base import (
    DPI,
    PngFigure,
    TimeAxis,
    bin_h,
    figure,
    legend_outside,
    min_span,
    plain_numbers,
    shade_windows,
    span_h,
    step_edges,
    steps,
    time_axis,
    visible,
    windows,
)

SUPPLY = (  # (column, label, colour): stacked above zero in this order
    ("solar_mw", "solar", "#E8B923"),  # (a site with a solar plant, sim/solar.py)
    ("grid_mw", "grid", "#4C72B0"),
    ("turbines_mw", "turbines", "#DD8452"),
    ("battery_discharge_mw", "battery discharge", "#55A868"),
    ("unserved_mw", "unserved", "#C44E52"),
)
CHARGE_COLOUR = "#8FD19E"
CURTAILED_COLOUR = "#7F7F7F"
MAX_JOBS = 8  # the job-progress figure shows the largest jobs, at most this many
LIMIT_SHOWN_PU = 1.5
"""The import limit is drawn when it is at most this multiple of the largest power drawn (a
limit far above the site would only squash the figure; the legend then says so)."""
PUE_MIN_SPAN = 0.05  # [-] the PUE axis spans at least this much
SOC_MIN_SPAN_PCT = 2.0  # [%] the state-of-charge axis spans at least this much
MONTHLY_MIN_D = 28.0  # [d] runs at least this long get the monthly PUE and WUE chart
Span = tuple[str, float, float]
Cap = tuple[float, float, float]  # (start_h, end_h, limit_mw)


def supply_stack(
    ts: pd.DataFrame,
    title: str,
    window_h: tuple[float, float] | None = None,
    *,
    spans: Sequence[Span] = (),
    caps: Sequence[Cap] = (),
    import_limit_mw: float | None = None,
    axis: TimeAxis | None = None,
) -> Figure:
    """Supply against load [MW]: grid, turbines and battery discharge stacked above zero,
    unserved (red) on top; the stack's top exceeds the load by what is charged (drawn below
    zero) and what is curtailed (hatched at the top of the stack), since
    grid + turbines + discharge + unserved = load + charge + curtailed [MW]. The load is a
    line; the import limit and each demand-response cap are dashed lines; outage and
    demand-response windows (``spans``: ``(what, start_h, end_h)``) are shaded and named.
    ``window_h`` zooms to ``(start, end)`` [h]. Bin means, drawn as steps over each bin."""
    axis = axis or time_axis(ts)
    shown = window_h or visible(ts)
    if window_h is not None:
        ts = ts[(ts["time_h"] >= window_h[0]) & (ts["time_h"] < window_h[1])]
    fig, ax = figure()
    t = axis.x(step_edges(ts))
    base = np.zeros(len(ts))
    for column, label, colour in SUPPLY:
        if column not in ts or not (ts[column] > 0).any():
            continue
        top = base + ts[column].to_numpy()
        ax.fill_between(t, steps(base), steps(top), color=colour, label=label, lw=0)
        base = top
    if "curtailed_mw" in ts and (ts["curtailed_mw"] > 0).any():
        ax.fill_between(
            t, steps(base - ts["curtailed_mw"].to_numpy()), steps(base), facecolor="white",
            alpha=0.6, hatch="////", edgecolor=CURTAILED_COLOUR, lw=0, label="curtailed (spilled)",
            gid="curtailed",
        )  # fmt: skip
    if "battery_charge_mw" in ts and (ts["battery_charge_mw"] > 0).any():
        charge = -ts["battery_charge_mw"].to_numpy()
        ax.fill_between(t, steps(charge), 0, color=CHARGE_COLOUR, label="battery charge", lw=0)
    ax.plot(t, steps(ts["load_mw"].to_numpy()), color="black", lw=1.2, label="load")
    highest = max(float(base.max()) if len(base) else 0.0, float(ts["load_mw"].max() or 0.0))
    if import_limit_mw is not None and import_limit_mw <= LIMIT_SHOWN_PU * highest:
        ax.axhline(import_limit_mw, color="#333333", ls="--", lw=1.0, label="import limit")
        highest = max(highest, import_limit_mw)
    elif import_limit_mw is not None:
        ax.plot([], [], " ", label=f"import limit {import_limit_mw:,.0f} MW (off the axis)")
    cap_label = "demand-response cap"
    for start_h, end_h, limit_mw in caps:
        if end_h > shown[0] and start_h < shown[1]:
            x0, x1 = axis.x(max(start_h, shown[0])), axis.x(min(end_h, shown[1]))
            ax.hlines(limit_mw, float(x0), float(x1), color="#5B3F9E", ls="-.", lw=2.0,
                      label=cap_label, zorder=3)  # fmt: skip
            cap_label = "_nolegend_"
    ax.axhline(0, color="grey", lw=0.6)
    low = -float(ts["battery_charge_mw"].max()) if "battery_charge_mw" in ts and len(ts) else 0.0
    ax.set_ylim(min(low, 0.0) * 1.05 - 0.02 * highest, 1.12 * highest)  # room for the labels
    shade_windows(ax, axis, spans, shown)
    ax.set_ylabel("power [MW]")
    plain_numbers(ax)
    axis.apply(ax, shown)
    legend_outside(ax)
    ax.set_title(title)
    return fig


def battery_soc(
    ts: pd.DataFrame,
    title: str,
    *,
    spans: Sequence[Span] = (),
    events: pd.DataFrame | None = None,
    axis: TimeAxis | None = None,
) -> Figure:
    """The battery's state of charge at each bin's end [%], the axis scaled to the data (at
    least :data:`SOC_MIN_SPAN_PCT` wide, so a dip from a flat 100 % shows); outage and
    demand-response windows shaded; ``battery_empty`` events marked (▼)."""
    axis = axis or time_axis(ts)
    fig, ax = figure(3.2)
    end_h = ts["time_h"] + bin_h(ts)
    soc_pct = 100 * ts["battery_soc"].to_numpy(dtype=float)
    ax.plot(axis.x(end_h), soc_pct, color="#55A868", label="state of charge")
    if events is not None and len(events):
        empty_h = events.loc[events["kind"] == "battery_empty", "time_h"].to_numpy(dtype=float)
        if len(empty_h):
            y = np.interp(empty_h, end_h, soc_pct)
            ax.plot(axis.x(empty_h), y, "v", color="#C44E52", ms=6, ls="none",
                    label="battery empty")  # fmt: skip
    shade_windows(ax, axis, spans, visible(ts))
    min_span(ax, float(np.nanmin(soc_pct)), float(np.nanmax(soc_pct)), SOC_MIN_SPAN_PCT)
    low, high = ax.get_ylim()
    ax.set_ylim(max(low, -2.0), high + (0.12 * (high - low) if spans else 0.0))  # label room
    plain_numbers(ax)
    ax.set_ylabel("state of charge [%]")
    axis.apply(ax, visible(ts))
    legend_outside(ax)
    ax.set_title(title)
    return fig


def turbines_online(
    ts: pd.DataFrame, title: str, *, spans: Sequence[Span] = (), axis: TimeAxis | None = None
) -> Figure:
    """Two panels: the turbines' output [MW] and the units online [-] (mean over each bin,
    integer ticks), outage and demand-response windows shaded."""
    axis = axis or time_axis(ts)
    fig = PngFigure(figsize=(10, 4.8), dpi=DPI, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    t = axis.x(step_edges(ts))
    shown = visible(ts)
    top.plot(t, steps(ts["turbines_mw"].to_numpy()), color="#DD8452", label="output")
    top.set_ylabel("output [MW]")
    top.set_ylim(0, 1.15 * max(1.0, float(ts["turbines_mw"].max())))
    bottom.plot(t, steps(ts["turbines_online"].to_numpy()), color="#4C72B0", label="units online")
    bottom.set_ylabel("units online [-]")
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.set_ylim(0, max(1.0, float(ts["turbines_online"].max())) + 0.5)
    for ax, text in ((top, True), (bottom, False)):
        shade_windows(ax, axis, spans, shown, text=text)
        plain_numbers(ax)
        axis.apply(ax, shown)
    top.set_xlabel("")
    legend_outside(top)
    top.set_title(title)
    return fig


def cooling(
    ts: pd.DataFrame, title: str, *, spans: Sequence[Span] = (), axis: TimeAxis | None = None
) -> Figure:
    """Three panels: the cooling plant's power [MW]; the PUE of each bin [-] (no offset on its
    axis, which spans at least :data:`PUE_MIN_SPAN`); the ambient dry-bulb and wet-bulb and
    the coolant supply temperature [°C], with the GPUs' throttle and the windows shaded."""
    axis = axis or time_axis(ts)
    fig = PngFigure(figsize=(10, 7.0), dpi=DPI, layout="constrained")
    power, pue, temps = fig.subplots(3, 1, sharex=True, height_ratios=(1, 1, 1.3))
    t = axis.x(step_edges(ts))
    shown = visible(ts)
    power.plot(t, steps(ts["cooling_mw"].to_numpy()), color="#4C72B0", label="cooling power")
    power.set_ylabel("cooling [MW]")
    pue_values = ts["pue"].to_numpy(dtype=float)
    pue.plot(t, steps(pue_values), color="#C44E52", lw=0.8, label="PUE")
    pue.set_ylabel("PUE [-]")
    if np.isfinite(pue_values).any():
        min_span(pue, float(np.nanmin(pue_values)), float(np.nanmax(pue_values)), PUE_MIN_SPAN)
    end_h = ts["time_h"] + bin_h(ts)
    temps.plot(t, steps(ts["dry_bulb_c"].to_numpy()), color="#DD8452", label="dry-bulb")
    temps.plot(t, steps(ts["wet_bulb_c"].to_numpy()), color="#55A868", label="wet-bulb")
    temps.plot(axis.x(end_h), ts["coolant_c"], color="#8172B3", label="coolant supply")
    throttled = ts["throttle_pu"] < 1.0 - 1e-9  # (bin means of 1 may round below it)
    if throttled.any():
        temps.fill_between(
            t, 0, 1, where=steps(throttled.to_numpy()).astype(bool), color="#C44E52",
            alpha=0.15, transform=temps.get_xaxis_transform(), label="GPUs throttled",
        )  # fmt: skip
    temps.set_ylabel("temperature [°C]")
    for ax in (power, pue, temps):
        shade_windows(ax, axis, spans, shown, text=ax is power)
        plain_numbers(ax)
        axis.apply(ax, shown)
        legend_outside(ax)
    for ax in (power, pue):
        ax.set_xlabel("")
    power.set_title(title)
    return fig


def monthly_cooling(by_month: Sequence[Mapping[str, Any]], title: str) -> Figure:
    """Bars of each month's PUE [-] (from 1, the least a PUE can be) and WUE [L/kWh] (from
    ``summary["cooling"]["by_month"]``: ``month``, ``pue``, ``wue_l_per_kwh``); the values
    are written on the bars."""
    months = [str(m["month"]) for m in by_month]
    pue = np.array([np.nan if m.get("pue") is None else m["pue"] for m in by_month], float)
    wue = np.array(
        [np.nan if m.get("wue_l_per_kwh") is None else m["wue_l_per_kwh"] for m in by_month], float
    )
    fig = PngFigure(figsize=(10, 5.0), dpi=DPI, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    x = np.arange(len(months))
    bars = top.bar(x, pue - 1.0, bottom=1.0, color="#C44E52", width=0.7)
    top.bar_label(bars, labels=[f"{v:.3f}" for v in pue], fontsize="x-small", padding=2)
    top.set_ylabel("PUE [-]")
    high = float(np.nanmax(pue)) if np.isfinite(pue).any() else 1.0
    top.set_ylim(1.0, 1.0 + max(PUE_MIN_SPAN, 1.15 * (high - 1.0)))
    bars = bottom.bar(x, wue, color="#4C72B0", width=0.7)
    bottom.bar_label(bars, labels=[f"{v:.2f}" for v in wue], fontsize="x-small", padding=2)
    bottom.set_ylabel("WUE [L/kWh]")
    bottom.set_ylim(0, 1.15 * float(np.nanmax(wue)) if np.isfinite(wue).any() and
                    np.nanmax(wue) > 0 else 1.0)  # fmt: skip
    bottom.set_xticks(x, months, rotation=45 if len(months) > 8 else 0)
    bottom.set_xlabel("month (the first and last may be partial)")
    for ax in (top, bottom):
        plain_numbers(ax)
        ax.grid(True, axis="y", alpha=0.3)
    top.set_title(title)
    return fig


def job_progress(
    progress: pd.DataFrame, events: pd.DataFrame, title: str, *, axis: TimeAxis | None = None
) -> Figure:
    """Useful compute of each job [h] against time, the largest jobs first; node failures
    (×) and load-management stops (▼) marked on each job's line where they happened."""
    axis = axis or TimeAxis()
    fig, ax = figure()
    jobs = progress.groupby("job", sort=False)["progress_h"].max().nlargest(MAX_JOBS).index
    markers = (({"node_failure"}, "x"), ({"job_shed", "job_paused"}, "v"))
    for job in jobs:
        p = progress[progress["job"] == job]
        (line,) = ax.plot(axis.x(p["time_h"]), p["progress_h"], lw=1.2, label=job)
        for kinds, marker in markers:
            at = events.loc[(events["source"] == job) & events["kind"].isin(kinds), "time_h"]
            if len(at):
                y = np.interp(at, p["time_h"], p["progress_h"])
                ax.plot(axis.x(at), y, marker, color=line.get_color(), ms=5, ls="none")
    end_h = float(progress["time_h"].max())
    ax.plot(axis.x(np.array([0, end_h])), [0, end_h], color="grey", ls="--", lw=0.8,
            label="ETTR = 1")  # fmt: skip
    ax.plot([], [], "kx", ls="none", label="node failure")
    ax.plot([], [], "kv", ls="none", label="shed / paused")
    ax.set_ylabel("useful compute [h]")
    plain_numbers(ax)
    axis.apply(ax, (0.0, end_h))
    legend_outside(ax)
    ax.set_title(title)
    return fig


def caps_of(summary: Mapping[str, Any] | None) -> list[Cap]:
    """The demand-response caps ``(start_h, end_h, limit_mw)`` of a run's summary (its
    ``demand_response[i]``; a cap without a limit in MW is left out)."""
    caps = []
    for dr in (summary or {}).get("demand_response") or []:
        if dr.get("limit_mw") is not None:
            start_h = float(dr["start_h"])
            caps.append((start_h, start_h + float(dr["duration_h"]), float(dr["limit_mw"])))
    return caps


def import_limit_of(config: Mapping[str, Any] | str | None) -> float | None:
    """The grid's import limit [MW] of a resolved config (a mapping, or its YAML text)."""
    if isinstance(config, str):
        config = yaml.safe_load(config)
    grid = (config or {}).get("grid") if isinstance(config, Mapping) else None
    limit = grid.get("import_limit_mw") if isinstance(grid, Mapping) else None
    return float(limit) if limit is not None else None


def _when(axis: TimeAxis, start_h: float, stop_h: float) -> str:
    """A window's span for a title: hours, or local date and times on a date axis."""
    if not axis.dates:
        return f"{start_h:g}–{stop_h:g} h"
    a, b = (mdates.num2date(float(axis.x(h)), tz=axis.tz) for h in (start_h, stop_h))
    end = b.strftime("%H:%M") if a.date() == b.date() else b.strftime("%Y-%m-%d %H:%M")
    return f"{a:%Y-%m-%d %H:%M}–{end}"


def run_figures(
    name: str,
    ts: pd.DataFrame,
    events: pd.DataFrame,
    progress: pd.DataFrame | None = None,
    summary: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | str | None = None,
) -> dict[str, Figure]:
    """The standard figures of a run, by file stem: the supply stack, a zoom on each outage
    and demand-response window (with a quarter of its length either side), the battery's
    SOC if it has energy, turbines if any ran, cooling and PUE if there is a plant (and the
    monthly PUE and WUE for runs of :data:`MONTHLY_MIN_D` days or more), job progress if
    there are jobs. ``summary`` (for the demand-response caps and the monthly numbers) and
    ``config`` (for the import limit) are optional."""
    axis = time_axis(ts)
    end_h = span_h(ts)
    spans = windows(events, end_h)
    limit = import_limit_of(config)
    caps = caps_of(summary)
    figures = {
        "supply": supply_stack(
            ts, f"{name}: supply and load", caps=caps, import_limit_mw=limit, spans=spans, axis=axis
        )
    }
    for i, (what, start_h, stop_h) in enumerate(spans):
        margin_h = max(0.25 * (stop_h - start_h), 2 * bin_h(ts))
        figures[f"zoom_{i + 1}_{what.replace(' ', '_')}"] = supply_stack(
            ts,
            f"{name}: {what}, {_when(axis, start_h, stop_h)}",
            (start_h - margin_h, stop_h + margin_h),
            caps=caps,
            import_limit_mw=limit,
            spans=spans,
            axis=axis,
        )
    if "battery_soc" in ts and ts["battery_soc"].notna().any() and ts["battery_soc"].max() > 0:
        figures["battery_soc"] = battery_soc(
            ts, f"{name}: battery state of charge", events=events, spans=spans, axis=axis
        )
    if "turbines_online" in ts and (ts["turbines_online"] > 0).any():
        figures["turbines"] = turbines_online(ts, f"{name}: turbines", spans=spans, axis=axis)
    if "pue" in ts and ts["cooling_mw"].max() > 0:
        figures["cooling"] = cooling(ts, f"{name}: cooling and PUE", spans=spans, axis=axis)
        by_month = ((summary or {}).get("cooling") or {}).get("by_month") or []
        if by_month and end_h >= 24 * MONTHLY_MIN_D:
            figures["cooling_by_month"] = monthly_cooling(by_month, f"{name}: PUE and WUE by month")
    if progress is not None and len(progress):
        figures["jobs"] = job_progress(progress, events, f"{name}: training progress", axis=axis)
    return figures
