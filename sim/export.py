"""``dcsim export RUN --csv``: a results folder as CSV files, for spreadsheets.

Written to ``RUN/csv/`` (or ``--out``): ``timeseries.csv`` (as ``timeseries.parquet``:
``time_h``, then ``timestamp`` in ISO 8601 with the site's UTC offset, then the columns),
``events.csv``, ``summary.csv`` (one row per flattened key: ``key, value, unit``, units as
``dcsim show`` declares them), ``by_month.csv`` (one row per calendar month, the columns of
``summary.json``'s ``by_month`` flattened, when the run has it) and ``progress.csv`` (when the
run has jobs).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.results import Result, flatten_summary, timeseries_columns
from sim.show import unit_of


def _iso(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``timestamp`` column as ISO 8601 text with the UTC offset
    (``2025-07-01T00:00:00-05:00``: what a spreadsheet and a reader elsewhere both parse)."""
    if "timestamp" in frame.columns:
        frame = frame.copy()
        frame["timestamp"] = frame["timestamp"].map(lambda t: t.isoformat())
    return frame


def summary_rows(result: Result) -> pd.DataFrame:
    """The summary as ``key, value, unit`` rows (lists of scalars joined by ``;``)."""
    rows = []
    for key, value in flatten_summary(result.summary).items():
        if isinstance(value, list):
            value = ";".join(str(v) for v in value)
        rows.append({"key": key, "value": value, "unit": unit_of(key)})
    return pd.DataFrame(rows, columns=["key", "value", "unit"])


def export_csv(result: Result, out: Path) -> list[Path]:
    """Write ``result`` as CSV files into ``out`` (made if missing; files of the same names
    are replaced); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "timeseries": _iso(timeseries_columns(result.timeseries)),
        "events": _iso(result.events),
        "summary": summary_rows(result),
    }
    months = result.summary.get("by_month")
    if isinstance(months, list) and months:
        tables["by_month"] = pd.DataFrame([flatten_summary(m) for m in months])
    if result.progress is not None and not result.progress.empty:
        tables["progress"] = result.progress
    paths = []
    for name, table in tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False)
        paths.append(path)
    return paths
