"""The ``dcsim`` commands that read results: ``show``, ``compare``, ``export`` and ``plot``
(the parser and the other commands: :mod:`sim.cli`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from sim.results import read_result
from sim.show import filter_events, format_events, format_summary

EXIT_OK, EXIT_RUN_FAILED, EXIT_BAD_INPUT = 0, 1, 2
DAMAGED = (KeyError, TypeError, IndexError, AttributeError)
"""What using a damaged results file (readable, but not as dcsim wrote it) may raise, beyond
the ``ValueError`` of one that cannot be read."""


def bad_input(message: str) -> int:
    """Print ``error: message`` to stderr; the exit code of bad input."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


SWEEP_KPIS = (
    "unserved_mwh",
    "outage_ride_through[0]",
    "peak_mw.grid",
    "battery.soc_lowest",
    "cost_usd.total",
)
"""KPIs shown per variant by ``dcsim show`` on a sweep folder (means over seeds)."""


def format_sweep(by_variant: pd.DataFrame, title: str = "") -> str:
    """A sweep's per-variant table: runs ok, then the mean of the headline KPIs."""
    columns = ["variant_id", "n_ok", "n_runs"] + [
        f"{kpi}.mean" for kpi in SWEEP_KPIS if f"{kpi}.mean" in by_variant.columns
    ]
    table = by_variant[columns].rename(columns=lambda c: c.removesuffix(".mean"))
    text = table.to_string(index=False, float_format=lambda v: f"{v:,.6g}")
    note = "(means over seeds; every column is in summary_by_variant.csv)"
    return f"{title}\n{'-' * len(title)}\n{text}\n{note}"


def _cmd_show(args: argparse.Namespace) -> int:
    by_variant = args.results / "summary_by_variant.parquet"
    if by_variant.is_file() and (args.only or args.events or args.kinds):
        print(
            "error: --only, --events and --kinds are for a run folder (a sweep's runs are in "
            f"{args.results / 'runs'})",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if by_variant.is_file():
        try:
            print(format_sweep(_read_table(by_variant), title=str(args.results)))
        except ValueError as exc:
            return bad_input(str(exc))
        except DAMAGED as exc:
            return bad_input(f"{by_variant}: damaged, cannot be read ({exc!r})")
        return EXIT_OK
    try:
        result = read_result(args.results)
    except (FileNotFoundError, ValueError) as exc:
        return bad_input(str(exc))
    if args.events or args.kinds:
        events, absent = filter_events(result.events, args.kinds)
        for kind in absent:
            print(f"note: no {kind} events in this run", file=sys.stderr)
        print(format_events(events))
        return EXIT_OK
    print(format_summary(result.summary, title=str(args.results), only=args.only))
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import CompareError, compare_table, format_table, load_runs

    try:
        runs = load_runs(args.runs)
        table = compare_table([r.result.summary for r in runs], [r.label for r in runs], args.kpis)
    except (CompareError, FileNotFoundError, ValueError) as exc:
        return bad_input(str(exc))
    except DAMAGED as exc:
        return bad_input(f"a run folder is damaged, cannot be compared ({exc!r})")
    if table.empty:
        return bad_input(f"no run has a key matching {', '.join(args.kpis)}")
    print(format_table(table))
    if args.plots:
        from sim.compare_plots import compare_figures, save

        try:
            paths = save(compare_figures(runs), args.out)
        except OSError as exc:
            return bad_input(f"cannot write {args.out}: {exc}")
        print(f"{len(paths)} figures -> {args.out}")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from sim.export import export_csv

    out = args.out if args.out is not None else args.results / "csv"
    try:
        result = read_result(args.results)
    except (FileNotFoundError, ValueError) as exc:
        return bad_input(str(exc))
    try:
        paths = export_csv(result, out)
    except OSError as exc:
        return bad_input(f"cannot write {out}: {exc}")
    print(f"{len(paths)} CSV files -> {out}: {', '.join(p.name for p in paths)}")
    return EXIT_OK


def _read_table(path: Path) -> pd.DataFrame:
    """A sweep's table; ValueError naming the file if it cannot be read."""
    try:
        return pd.read_parquet(path)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{path}: damaged, cannot be read ({exc})") from None


def _sweep_name(folder: Path) -> str:
    """The sweep's name (its ``sweep.json``), else the folder's (sweeps written before it)."""

    try:
        name = json.loads((folder / "sweep.json").read_text()).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return name if isinstance(name, str) and name else folder.name


def _cmd_plot(args: argparse.Namespace) -> int:
    # (matplotlib only for the command that draws: importing it costs ~0.4 s, issue 19)
    from sim.plots import run_figures, save_figures, sweep_figures

    folder = args.results
    out = args.out if args.out is not None else folder / "plots"
    table_path = folder / "summary.parquet"
    try:
        if table_path.is_file():  # a sweep
            table = _read_table(table_path)
            unknown = [k for k in args.kpis if k not in table.columns]
            if unknown:
                print(
                    f"error: --kpi {', '.join(unknown)}: not in {table_path} (its columns are "
                    "the flattened summary keys, e.g. unserved_mwh, cost_usd.total)",
                    file=sys.stderr,
                )
                return EXIT_BAD_INPUT
            figures = sweep_figures(_sweep_name(folder), table, args.kpis)
        else:
            if args.kpis:
                print("error: --kpi is for sweep folders", file=sys.stderr)
                return EXIT_BAD_INPUT
            result = read_result(folder)
            name = str(result.summary.get("run", {}).get("name", folder.name))
            figures = run_figures(
                name, result.timeseries, result.events, result.progress,
                result.summary, result.config_yaml,
            )  # fmt: skip
    except (FileNotFoundError, ValueError) as exc:
        return bad_input(str(exc))
    except DAMAGED as exc:  # readable files whose contents dcsim did not write
        return bad_input(f"{folder}: damaged, cannot be drawn ({exc!r})")
    try:
        paths = save_figures(figures, out)
    except OSError as exc:
        return bad_input(f"cannot write {out}: {exc}")
    print(f"{len(paths)} figures -> {out}")
    return EXIT_OK
