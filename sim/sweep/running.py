"""Running a sweep: :func:`run_sweep` skips what is complete, hands the rest to a backend,
writes each run's folder as its outcome arrives, and the tables at the end (or on Ctrl-C)."""

from __future__ import annotations

import contextlib
import json
import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from sim.config import Config
from sim.results import (
    ResultsExistError,
    check_replaceable,
    clean_stale,
    read_result,
    write_marker,
)
from sim.runner import config_sha256
from sim.sweep.errors import SweepError, SweepInterrupted
from sim.sweep.execution import EXECUTORS, Backend, Outcome, Task
from sim.sweep.spec import RunPlan, Sweep
from sim.sweep.table import _row, _write_tables, sweep_table

SWEEP_INFO = "sweep.json"
"""A sweep folder's ``{"name": the spec's name}``."""


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    backend: Backend = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Run every plan of a sweep and write its folders and tables; return the per-run table.

    Parameters
    ----------
    out : path
        The sweep's folder: ``runs/<run_id>/`` per run, ``summary.parquet``/``.csv`` and
        ``summary_by_variant.parquet``/``.csv``.
    backend : {"serial", "process", "dask"}
        Where runs execute; ``dask`` uses ``scheduler`` (``tcp://host:8786``) or, without one,
        a local cluster of ``workers`` processes.
    workers : int
        Processes for ``process`` and a local Dask cluster; default: all cores.
    resume : bool
        Skip runs whose folder is complete for the same resolved config (content hash); a
        damaged run folder is run again.
    force : bool
        Run into an existing sweep folder, overwriting its runs.

    Raises
    ------
    SweepError
        If ``out`` exists and neither ``resume`` nor ``force`` is given, ``out`` or its
        ``runs`` is not a folder, the backend is not available (or ``scheduler`` not
        reachable), or the tables cannot be written.
    SweepInterrupted
        On Ctrl-C, after the tables of what finished were written.
    """
    out = Path(out)
    if out.exists() and not (resume or force):
        raise SweepError(f"{out} exists; use --resume to complete it or --force to rerun it")
    try:  # only into a sweep folder of dcsim's (or an empty one): its tables overwrite files
        check_replaceable(out, "sweep", force=True)
    except ResultsExistError as exc:
        raise SweepError(str(exc)) from None
    created = [folder for folder in (out, out / "runs") if not folder.exists()]
    for folder in (out, out / "runs"):
        if folder.exists() and not folder.is_dir():
            raise SweepError(f"{folder} is not a folder; a sweep needs it to be one (or absent)")
    workers = workers or os.cpu_count() or 1
    rows: dict[str, dict[str, Any]] = {}
    tasks: list[Task] = []
    for plan in sweep.plans:
        if plan.config is None:
            rows[plan.run_id] = _row(plan, "failed", error=plan.error)
            continue
        done = _completed_summary(out / "runs" / plan.run_id, plan.config) if resume else None
        if done is not None:
            rows[plan.run_id] = _row(plan, "ok", summary=done)
        else:
            tasks.append((plan.run_id, plan.config.model_dump(mode="json")))
    by_id = {plan.run_id: plan for plan in sweep.plans}
    try:
        (out / "runs").mkdir(parents=True, exist_ok=True)
        clean_stale(out / "runs")  # what killed runs left, once (not at each run's write)
    except OSError as exc:
        raise SweepError(f"cannot create {out / 'runs'}: {exc}") from None
    try:
        outcomes = EXECUTORS[backend](tasks, workers, scheduler)  # Dask connects here
    except BaseException:
        for folder in reversed(created):  # leave no trace of a sweep that could not start
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    write_marker(out, "sweep")
    # The spec's name, for titles (``dcsim plot``): the folder may be named otherwise (--out).
    (out / SWEEP_INFO).write_text(json.dumps({"name": sweep.spec.name}) + "\n")
    bar = tqdm(
        total=len(sweep.plans),
        initial=len(rows),
        unit="run",
        desc=sweep.spec.name,
        disable=None if progress else True,
    )
    interrupted = False
    try:
        for outcome in outcomes:
            plan = by_id[outcome.run_id]
            rows[plan.run_id] = _record(plan, outcome, out / "runs" / plan.run_id)
            bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        _close(outcomes)
        table = sweep_table(sweep, rows)
        problem = _write_tables(sweep, table, out)
    if interrupted:
        n_ok = int((table["status"] == "ok").sum())
        raise SweepInterrupted(out, len(rows), n_ok, len(sweep.plans))
    if problem:
        raise SweepError(f"{problem}; the runs' folders are in {out / 'runs'}")
    return table


def _close(outcomes: Iterator[Outcome]) -> None:
    """Stop an executor early (shuts its pool or client down); a no-op once it is exhausted."""
    close = getattr(outcomes, "close", None)
    if close is not None:
        close()


def _record(plan: RunPlan, outcome: Outcome, folder: Path) -> dict[str, Any]:
    """Write one run's folder and return its row; a run that cannot be written fails alone."""
    if outcome.result is None:
        return _row(plan, "failed", outcome.error, outcome.traceback)
    try:
        outcome.result.write(folder, force=True, clean=False)  # (runs/ was cleaned once)
    except Exception as exc:
        message = f"cannot write the run's folder: {type(exc).__name__}: {exc}"
        return _row(plan, "failed", message, traceback.format_exc())
    return _row(plan, "ok", summary=outcome.result.summary)


def _completed_summary(folder: Path, config: Config) -> dict[str, Any] | None:
    """The summary of a complete results folder of this exact config, else None (absent,
    damaged or another config's: the run is done again)."""
    try:
        summary = read_result(folder).summary
    except (OSError, ValueError):  # FileNotFoundError, a damaged file
        return None
    run_info = summary.get("run") if isinstance(summary, dict) else None
    if not isinstance(run_info, dict):
        return None
    same = run_info.get("config_sha256") == config_sha256(config)
    return summary if same else None
