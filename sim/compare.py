"""``dcsim compare``: the headline KPIs of several runs side by side, with their differences
from the first run (absolute and relative) and their units.

A run is a results folder (:func:`sim.results.read_result`): one written by ``dcsim run`` or a
sweep's ``runs/<run_id>/``. A sweep's folder stands for all its runs, in run-id order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import pandas as pd

from sim.results import Result, flatten_summary, folder_kind, read_result
from sim.show import format_value, key_matches, matches_pattern, unit_of

HEADLINE_KPIS = (
    "energy_mwh.load",
    "energy_mwh.it",
    "energy_mwh.cooling",
    "energy_mwh.grid",
    "energy_mwh.turbines",
    "energy_mwh.battery_discharge",
    "unserved_mwh",
    "curtailed_mwh",
    "peak_mw.load",
    "peak_mw.grid",
    "demand_charge.peak_mw",
    "outage_ride_through[]",
    "battery.soc_lowest",
    "battery.equivalent_full_cycles",
    "turbines.starts",
    "turbines.run_hours",
    "turbines.fuel_mmbtu",
    "cost_usd.energy",
    "cost_usd.demand",
    "cost_usd.fuel",
    "cost_usd.total",
    "co2_t.total",
    "cooling.pue",
    "cooling.wue_l_per_kwh",
    "cooling.water_m3",
    "cooling.throttled_h",
    "jobs.*.ettr",
    "jobs.*.goodput_h",
    "jobs.*.lost_h",
    "jobs.*.interruptions",
)
"""The KPIs compared by default, in this order, as :data:`sim.show.UNITS` writes key patterns
(``[]`` any list index, ``*`` one name); a KPI no run has is left out."""


class CompareError(ValueError):
    """A folder given to compare is not a run (nor a sweep of runs), or too few runs."""


@dataclass
class Run:
    """One run to compare: its label (the folder's name, or more of its path where two
    runs share a name), its folder and its results."""

    label: str
    folder: Path
    result: Result


def expand(folders: Sequence[Path]) -> list[Path]:
    """The run folders named by ``folders``: a run folder itself, a sweep folder each of its
    ``runs/*`` that holds a complete run (see :func:`sim.results.folder_kind`).

    Raises
    ------
    CompareError
        For a folder that is neither a run nor a sweep with runs.
    """
    runs: list[Path] = []
    for folder in folders:
        kind = folder_kind(folder)
        if kind == "sweep":
            members = sorted(p for p in (folder / "runs").glob("*") if folder_kind(p) == "run")
            if not members:
                raise CompareError(f"{folder} is a sweep folder with no complete run in runs/")
            runs += members
        elif kind == "run" or (folder / "summary.json").is_file():
            runs.append(folder)  # (read_result says what a damaged run lacks)
        else:
            what = "does not exist" if not folder.exists() else "is not a dcsim run folder"
            raise CompareError(
                f"{folder} {what}: give folders written by dcsim run (results/NAME), a "
                "sweep's run folders (results/SWEEP/runs/RUN_ID) or a sweep's folder"
            )
    return runs


def load_runs(folders: Sequence[Path]) -> list[Run]:
    """Read the runs named by ``folders`` (:func:`expand`), labelled by folder name (with its
    parents where names repeat).

    Raises
    ------
    CompareError
        Fewer than two runs, or a folder that is not a run.
    FileNotFoundError, ValueError
        A run folder that is incomplete or damaged (see :func:`sim.results.read_result`).
    """
    paths = expand(folders)
    if len(paths) < 2:
        raise CompareError(f"compare needs at least two runs (got {len(paths)})")
    labels = [p.name for p in paths]
    depth = 1
    while len(set(labels)) < len(labels) and depth < 4:
        depth += 1
        labels = ["/".join(p.parts[-depth:]) for p in paths]
    if len(set(labels)) < len(labels):
        labels = [str(p) for p in paths]
    return [Run(label, p, read_result(p)) for label, p in zip(labels, paths, strict=True)]


def compare_table(
    summaries: Sequence[dict[str, Any]], labels: Sequence[str], kpis: Sequence[str] = ()
) -> pd.DataFrame:
    """The KPIs of runs side by side: one row per KPI key (those matching ``kpis``, see
    :func:`sim.show.key_matches`; default :data:`HEADLINE_KPIS`), columns ``key``, ``unit``,
    each run's value, and for every run after the first ``Δ <label>`` = value − first run's
    value and ``Δ% <label>`` = 100 × Δ / |first| (None where the first is 0 or either value
    is not a number)."""
    flats = [flatten_summary(s) for s in summaries]
    keys: list[str] = []
    for pattern in kpis or HEADLINE_KPIS:
        for flat in flats:
            keys += [
                key
                for key in flat
                if key not in keys
                and (key_matches(key, [pattern]) if kpis else matches_pattern(key, pattern))
            ]
    rows = []
    for key in keys:
        values = [flat.get(key) for flat in flats]
        row: dict[str, Any] = {"key": key, "unit": unit_of(key)}
        row.update(zip(labels, values, strict=True))
        base = values[0]
        for label, value in zip(labels[1:], values[1:], strict=True):
            delta = pct = None
            if _number(base) and _number(value):
                delta = value - base
                pct = 100.0 * delta / abs(base) if base != 0 else None
            row[f"Δ {label}"], row[f"Δ% {label}"] = delta, pct
        rows.append(row)
    return pd.DataFrame(rows, columns=_columns(labels))


def _columns(labels: Sequence[str]) -> list[str]:
    deltas = [c for label in labels[1:] for c in (f"Δ {label}", f"Δ% {label}")]
    return ["key", "unit", *labels, *deltas]


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_table(table: pd.DataFrame) -> str:
    """The comparison as aligned text: numbers by :func:`sim.show.format_number`, relative
    differences as ``+12.3 %``, a missing value as ``-``."""

    def cell(column: str, value: Any) -> str:
        if column.startswith("Δ% "):
            return "-" if value is None or pd.isna(value) else f"{value:+,.3g} %"
        if column.startswith("Δ ") and _number(value) and not pd.isna(value):
            return ("+" if value > 0 else "") + format_value(value)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "-"
        return format_value(value)

    header = list(table.columns)
    body = [[cell(c, row[c]) for c in header] for _, row in table.iterrows()]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]
    left = {"key", "unit"}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if h in left else c.rjust(w)
            for c, w, h in zip(cells, widths, header, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in body)])
