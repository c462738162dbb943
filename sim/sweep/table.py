"""The tables of a sweep: one row per run, the per-variant means and 95 % intervals over seeds,
and their writing as CSV and Parquet."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.results import flatten_summary
from sim.sweep.ids import _fmt_value
from sim.sweep.spec import RunPlan, Sweep


def _row(
    plan: RunPlan,
    status: str,
    error: str = "",
    trace: str = "",
    summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": plan.run_id,
        "variant_id": plan.variant_id,
        "status": status,
        "seed": plan.seed,
    }
    for key, value in plan.params.items():
        is_scalar = value is None or isinstance(value, (bool, int, float, str))
        row[key] = value if is_scalar else _fmt_value(value)
    row["wall_s"] = summary["run"].get("wall_s", math.nan) if summary else math.nan
    row["error"] = error
    row["traceback"] = trace
    if summary:
        row.update(flatten_summary(summary))
    return row


def sweep_table(sweep: Sweep, rows: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per run in plan order; runs not reached (interrupted) have status ``not run``."""
    ordered = [rows.get(plan.run_id) or _row(plan, "not run") for plan in sweep.plans]
    return pd.DataFrame(ordered)


# Two-sided 95 % quantiles of Student's t by degrees of freedom (normal beyond 120).
_T975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
    10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110,
    18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060,
    26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980,
}  # fmt: skip


def t975(dof: int) -> float:
    """Student's t quantile for a two-sided 95 % interval; tabulated, conservative between rows."""
    if dof < 1:
        return math.nan
    if dof > 120:
        return 1.960
    return _T975[min(d for d in _T975 if d >= dof)]


def aggregate(table: pd.DataFrame, param_keys: list[str]) -> pd.DataFrame:
    """Per variant, over its successful seeds: mean and 95 % interval of every numeric KPI.

    The interval is ``mean ± t(0.975, n−1)·s/√n`` (NaN with one seed). Booleans count as 0/1,
    so the mean of ``outage_ride_through[0]`` is the share of seeds that rode through.
    """
    fixed = {"run_id", "variant_id", "status", "seed", "error", "traceback", *param_keys}
    ok = table[table["status"] == "ok"]
    kpis = [
        c
        for c in table.columns
        if c not in fixed
        and (pd.api.types.is_numeric_dtype(ok[c]) or pd.api.types.is_bool_dtype(ok[c]))
    ]
    out = []
    for variant_id, group in table.groupby("variant_id", sort=False):
        row: dict[str, Any] = {"variant_id": variant_id}
        row.update({k: group[k].iloc[0] for k in param_keys})
        good = group[group["status"] == "ok"]
        row["n_runs"], row["n_ok"] = len(group), len(good)
        for col in kpis:
            values = good[col].astype(float).dropna().to_numpy()
            n = len(values)
            mean = float(values.mean()) if n else math.nan
            half = t975(n - 1) * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
            row[f"{col}.mean"] = mean
            row[f"{col}.ci95_low"] = mean - half
            row[f"{col}.ci95_high"] = mean + half
        out.append(row)
    return pd.DataFrame(out)


def _write_tables(sweep: Sweep, table: pd.DataFrame, out: Path) -> str:
    """Write the per-run and per-variant tables; return what went wrong ("" if nothing)."""
    try:
        _write_table(table, out / "summary")
        _write_table(aggregate(table, sweep.param_keys), out / "summary_by_variant")
    except OSError as exc:
        return f"cannot write the tables in {out}: {exc}"
    return ""


def _write_table(table: pd.DataFrame, stem: Path) -> None:
    """Write ``stem.csv`` and ``stem.parquet``, each atomically.

    A column Parquet cannot hold (values of mixed types) is written as text in the Parquet
    file (the CSV has it as it is).
    """
    _write_atomic(stem.with_suffix(".csv"), lambda tmp: table.to_csv(tmp, index=False))
    try:
        _write_atomic(stem.with_suffix(".parquet"), lambda tmp: table.to_parquet(tmp, index=False))
    except (pa.ArrowException, ValueError, TypeError):
        text = table.copy()
        for column in text.columns:
            if text[column].dtype == object:
                text[column] = text[column].map(_as_text)
        _write_atomic(stem.with_suffix(".parquet"), lambda tmp: text.to_parquet(tmp, index=False))


def _as_text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value if isinstance(value, str) else _fmt_value(value)


def _write_atomic(target: Path, writer: Callable[[Path], Any]) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        writer(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
