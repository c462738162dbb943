"""The figures of a sweep, from its ``summary`` table: each KPI against each swept parameter,
with names and units on the axes."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots.base import figure, legend_outside, plain_numbers

UNITS = (  # (key suffix, unit), the longest suffixes first
    ("_usd_per_mwh", "USD/MWh"),
    ("_kg_per_mwh", "kg/MWh"),
    ("_l_per_kwh", "L/kWh"),
    ("_mw_per_min", "MW/min"),
    ("_mmbtu", "MMBtu"),
    ("_gwh", "GWh"),
    ("_mwh", "MWh"),
    ("_kwh", "kWh"),
    ("_gw", "GW"),
    ("_mw", "MW"),
    ("_kw", "kW"),
    ("_usd", "USD"),
    ("_m3", "m³"),
    ("_pu", "-"),
    ("_gpu_h", "GPU·h"),
    ("_h", "h"),
    ("_s", "s"),
    ("_min", "min"),
    ("_c", "°C"),
    ("_t", "t"),
)
"""Units from the suffix of a summary or config key (the project's naming convention)."""

NAMES = {
    "unserved_mwh": "Unserved energy",
    "curtailed_mwh": "Curtailed energy",
    "cost_usd.total": "Total cost",
    "peak_mw.grid": "Peak grid import",
    "turbines.starts": "Turbine starts",
    "battery.energy_mwh": "Battery energy",
    "battery.power_mw": "Battery power",
    "grid.import_limit_mw": "Grid import limit",
    "cooling.pue": "PUE",
    "cooling.wue_l_per_kwh": "WUE",
}
"""Names of common keys; others are named from the key itself (:func:`key_label`)."""

SCALES = {  # unit -> ((threshold, factor, scaled unit), ...), largest first
    "MWh": ((1e6, 1e6, "TWh"), (1e3, 1e3, "GWh")),
    "MW": ((1e3, 1e3, "GW"),),
    "USD": ((1e9, 1e9, "billion USD"), (1e6, 1e6, "million USD"), (1e4, 1e3, "thousand USD")),
    "m³": ((1e6, 1e6, "million m³"),),
}
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":")


def key_unit(key: str) -> str:
    """The unit of a dotted key from the suffix of its last part that has one (``cost_usd.
    total`` → USD, ``energy_mwh.grid`` → MWh), ``-`` for counts and ratios without one."""
    if key.endswith(".ettr") or key == "ettr":
        return "-"
    for part in reversed(key.split(".")):
        part = re.sub(r"\[\d+\]$", "", part)
        for suffix, unit in UNITS:
            if part.endswith(suffix) and len(part) > len(suffix):
                return unit
    return "-"


def _stem(part: str) -> str:
    part = re.sub(r"\[\d+\]$", "", part)
    for suffix, _ in UNITS:
        if part.endswith(suffix) and len(part) > len(suffix):
            return part[: -len(suffix)]
    return part


def key_name(key: str) -> str:
    """A readable name for a dotted key: :data:`NAMES`, else its parts without unit suffixes
    (``grid.outages[0].duration_h`` → "Grid outage 1 duration", ``jobs.j.ettr`` → "ETTR of j",
    ``energy_mwh.turbines`` → "Turbines energy")."""
    if key in NAMES:
        return NAMES[key]
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "jobs":  # jobs.NAME.ettr
        what = "ETTR" if parts[2] == "ettr" else _stem(parts[2]).replace("_", " ")
        return f"{what} of {parts[1]}"
    words = []
    for part in parts:
        index = re.search(r"\[(\d+)\]$", part)
        stem = _stem(part).replace("_", " ")
        if index:
            stem = f"{stem.rstrip('s')} {int(index.group(1)) + 1}"
        words.append(stem)
    if len(parts) == 2 and key_unit(parts[0]) != "-" and key_unit(parts[1]) == "-":
        words.reverse()  # energy_mwh.grid: "grid energy"; cost_usd.fuel: "fuel cost"
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:]


def key_label(key: str, unit: str | None = None) -> str:
    """``Name [unit]`` for an axis (``Battery energy [MWh]``)."""
    return f"{key_name(key)} [{unit or key_unit(key)}]"


def scaled(unit: str, values: Iterable[float]) -> tuple[float, str]:
    """A divisor and unit that keep tick labels short (a total cost of 1.2e9 USD reads "1.2
    [billion USD]", energy of 2.6e6 MWh "2.6 [TWh]"); ``(1, unit)`` when none is needed."""
    finite = [abs(v) for v in values if np.isfinite(v)]
    largest = max(finite, default=0.0)
    for threshold, factor, name in SCALES.get(unit, ()):
        if largest >= threshold:
            return factor, name
    return 1.0, unit


def sweep_parameters(table: pd.DataFrame) -> list[str]:
    """The swept parameters of a sweep's ``summary`` table: its columns between ``seed`` and
    ``wall_s`` (the layout :mod:`sim.sweep` writes)."""
    columns = list(table.columns)
    return columns[columns.index("seed") + 1 : columns.index("wall_s")]


def _value(parameter: str, value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    unit = key_unit(parameter)
    return (
        f"{value:,}"
        if unit == "-" and isinstance(value, int)
        else f"{value:,} {unit}"
        if (isinstance(value, (int, float)))
        else str(value)
    )


def sweep_kpi(table: pd.DataFrame, kpi: str, parameter: str, title: str) -> Figure:
    """A KPI against one swept parameter: for each combination of the other swept parameters
    a line (the mean over seeds), each with its own marker and line style; with more than one
    seed, a band (the seeds' min–max). Axes labelled with names and units."""
    ok = table[table["status"] == "ok"] if "status" in table else table
    others = [p for p in sweep_parameters(table) if p != parameter]
    n_seeds = int(ok.groupby(sweep_parameters(table))["seed"].nunique().max()) if len(ok) else 0
    x_factor, x_unit = scaled(key_unit(parameter), ok[parameter].astype(float))
    y_factor, y_unit = scaled(key_unit(kpi), ok[kpi].astype(float))
    fig, ax = figure(4.5)
    groups = ok.groupby(others, sort=True) if others else [((), ok)]
    for i, (key, group) in enumerate(groups):
        stats = group.groupby(parameter)[kpi].agg(["mean", "min", "max"]).sort_index()
        x = stats.index.to_numpy(dtype=float) / x_factor
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(
            f"{key_name(p)} = {_value(p, v)}" for p, v in zip(others, key, strict=True)
        )
        (line,) = ax.plot(
            x, stats["mean"] / y_factor, marker=MARKERS[i % len(MARKERS)],
            ls=LINESTYLES[(i // len(MARKERS) + i) % len(LINESTYLES)], ms=5,
            label=label or ("mean over seeds" if n_seeds > 1 else kpi),
        )  # fmt: skip
        if n_seeds > 1:
            ax.fill_between(x, stats["min"] / y_factor, stats["max"] / y_factor,
                            color=line.get_color(), alpha=0.15, lw=0)  # fmt: skip
    ax.set_xlabel(key_label(parameter, x_unit))
    ax.set_ylabel(key_label(kpi, y_unit))
    _plain(ax)
    ax.grid(True, alpha=0.3)
    if others or n_seeds > 1:
        title_text = f"band: {n_seeds} seeds (min–max)" if n_seeds > 1 else None
        legend_outside(ax, title=title_text, title_fontsize="small")
    ax.set_title(title)
    return fig


def _lower(name: str) -> str:
    """``Battery energy`` → ``battery energy``; acronyms (``PUE``, ``ETTR of j``) kept."""
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def _plain(ax: Axes) -> None:
    plain_numbers(ax, "both")


SWEEP_KPIS = ("unserved_mwh", "cost_usd.total", "peak_mw.grid", "turbines.starts")
"""KPIs plotted for a sweep unless others are asked for (those present in its table), with
every ``jobs.NAME.ettr``."""


def sweep_figures(name: str, table: pd.DataFrame, kpis: Iterable[str] = ()) -> dict[str, Figure]:
    """Each KPI (default :data:`SWEEP_KPIS` and the jobs' ETTR) against each swept parameter,
    titled with the sweep's ``name``."""
    kpis = list(kpis) or [k for k in SWEEP_KPIS if k in table] + [
        c for c in table.columns if c.startswith("jobs.") and c.endswith(".ettr")
    ]
    figures = {}
    for kpi in kpis:
        for parameter in sweep_parameters(table):
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{kpi}_vs_{parameter}")
            title = f"{name}: {_lower(key_name(kpi))} against {_lower(key_name(parameter))}"
            figures[stem] = sweep_kpi(table, kpi, parameter, title)
    return figures
