"""The ``dcsim`` command: ``run``, ``sweep``, ``validate``, ``show``, ``plot``, ``compare``,
``export``, ``presets``, ``init`` and ``schema``; ``-v`` / ``-q`` before or after the command
(:mod:`sim.logs`).

Exit codes: 0 ok, 2 bad input (config, arguments, files), 1 a failure inside a run.
Bad input never produces a traceback: every problem is printed with its file and key path.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sim._version import __version__
from sim.cli_results import (  # (the commands that read results)
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_RUN_FAILED,
    _cmd_compare,
    _cmd_export,
    _cmd_plot,
    _cmd_show,
    bad_input,
)
from sim.config import ConfigError, load_config
from sim.config.reference import editor_schema
from sim.logs import LOGGER, configure
from sim.presets import PRESETS_DIR, init_config, markdown_table, preset_paths, preset_table
from sim.results import (
    NotOursError,
    ResultsExistError,
    check_replaceable,
)
from sim.runner import RunError, run
from sim.sweep import (
    BACKENDS,
    Backend,
    SweepError,
    SweepInterrupted,
    is_sweep_spec,
    load_sweep,
    run_sweep,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dcsim`` and ``python -m sim``; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    configure(getattr(args, "verbose", 0) - getattr(args, "quiet", 0))
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output was piped into a reader that stopped (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a path the system refuses (name too long, no permission, ...)
        where = f": {_short(str(exc.filename))}" if exc.filename is not None else ""
        return bad_input(f"{exc.strerror or exc}{where}")


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else f"{text[: limit - 25]}... ({len(text):,} characters)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dcsim", description="Simulate AI-training data centers and their power plant."
    )
    parser.add_argument("--version", action="version", version=f"dcsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p_run = sub.add_parser("run", help="run one config and write a results folder")
    p_run.add_argument(
        "config", type=Path, help="YAML config file, or a shipped one: preset:NAME, example:NAME"
    )
    p_run.add_argument("--out", type=Path, help="results folder (default: results/<name>)")
    p_run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, e.g. --set battery.energy_mwh=800 (repeatable)",
    )
    p_run.add_argument("--force", action="store_true", help="overwrite an existing results folder")
    p_run.add_argument("--plots", action="store_true", help="also write the standard figures")
    p_run.set_defaults(func=_cmd_run)

    p_val = sub.add_parser("validate", help="check configs and list every problem")
    p_val.add_argument("configs", type=Path, nargs="+", metavar="CONFIG")
    p_val.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p_val.set_defaults(func=_cmd_validate)

    p_sweep = sub.add_parser("sweep", help="run a sweep spec: many variants x seeds")
    p_sweep.add_argument("spec", type=Path, metavar="SPEC", help="YAML sweep spec")
    p_sweep.add_argument("--out", type=Path, help="sweep folder (default: results/<name>)")
    p_sweep.add_argument(
        "--workers", type=_positive_int, help="processes (default: all cores)", default=None
    )
    p_sweep.add_argument(
        "--backend", choices=BACKENDS, default=None, help="default: process (serial for 1 worker)"
    )
    p_sweep.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler, tcp://host:8786")
    p_sweep.add_argument("--resume", action="store_true", help="skip runs already complete")
    p_sweep.add_argument("--force", action="store_true", help="rerun into an existing folder")
    p_sweep.set_defaults(func=_cmd_sweep)

    p_show = sub.add_parser("show", help="print a run's summary (or a sweep's table)")
    p_show.add_argument("results", type=Path, metavar="RESULTS_DIR")
    p_show.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only the keys matching PATTERN (shell wildcards, e.g. 'by_month*pue'; without "
        "any, the keys containing it; repeatable)",
    )
    p_show.add_argument("--events", action="store_true", help="print the event log instead")
    p_show.add_argument(
        "--kinds",
        type=lambda text: [k.strip() for k in text.split(",") if k.strip()],
        default=[],
        metavar="KIND,...",
        help="with --events (implied): only these kinds, e.g. outage_start,battery_full",
    )
    p_show.set_defaults(func=_cmd_show)

    p_cmp = sub.add_parser("compare", help="headline KPIs of runs side by side, with differences")
    p_cmp.add_argument(
        "runs", type=Path, nargs="+", metavar="RUN", help="run folders, or a sweep folder"
    )
    p_cmp.add_argument(
        "--kpi",
        dest="kpis",
        action="append",
        default=[],
        metavar="PATTERN",
        help="summary keys to compare (shell wildcards; repeatable; default: the headline KPIs)",
    )
    p_cmp.add_argument("--plots", action="store_true", help="also draw the runs overlaid (PNG)")
    p_cmp.add_argument(
        "--out", type=Path, default=Path("comparison"), help="folder for --plots (comparison)"
    )
    p_cmp.set_defaults(func=_cmd_compare)

    p_exp = sub.add_parser("export", help="write a run's results as CSV files for spreadsheets")
    p_exp.add_argument("results", type=Path, metavar="RESULTS_DIR")
    p_exp.add_argument("--csv", action="store_true", help="as CSV (the only format; default)")
    p_exp.add_argument("--out", type=Path, help="folder (default: RESULTS_DIR/csv)")
    p_exp.set_defaults(func=_cmd_export)

    p_plot = sub.add_parser("plot", help="draw a run's (or a sweep's) standard figures as PNG")
    p_plot.add_argument("results", type=Path, metavar="RESULTS_DIR")
    p_plot.add_argument("--out", type=Path, help="folder for the PNGs (default: RESULTS_DIR/plots)")
    p_plot.add_argument(
        "--kpi",
        dest="kpis",
        action="append",
        default=[],
        metavar="KEY",
        help="sweeps: a summary key to plot against each swept parameter (repeatable; default: "
        "unserved, total cost, peak grid import, turbine starts, job ETTRs)",
    )
    p_plot.set_defaults(func=_cmd_plot)

    p_presets = sub.add_parser("presets", help="list the real systems (preset:NAME)")
    p_presets.add_argument("--markdown", action="store_true", help="as the README's table")
    p_presets.set_defaults(func=_cmd_presets)

    p_init = sub.add_parser("init", help="start a config of your own from a shipped one")
    p_init.add_argument("name", metavar="NAME", help="the new config's name (and NAME.yaml)")
    p_init.add_argument(
        "--from",
        dest="source",
        default="preset:colossus1_2025",
        metavar="CONFIG",
        help="a shipped config (preset:NAME, example:NAME) or a file (default: %(default)s)",
    )
    p_init.add_argument(
        "--out", type=Path, help="file to write (default: NAME.yaml); never overwritten"
    )
    p_init.set_defaults(func=_cmd_init)

    p_schema = sub.add_parser("schema", help="write the config's JSON Schema (for editors)")
    p_schema.add_argument("--out", type=Path, help="file to write (default: standard output)")
    p_schema.set_defaults(func=_cmd_schema)
    for command in (parser, *sub.choices.values()):
        _add_verbosity(command)
    return parser


def _add_verbosity(parser: argparse.ArgumentParser) -> None:
    """``-v`` / ``-q``, before the command or after it (SUPPRESS: a subcommand's absent flag
    leaves the count given before the command alone)."""
    parser.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="say more (debug)"
    )
    parser.add_argument(
        "-q", "--quiet", action="count", default=argparse.SUPPRESS, help="errors only"
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _print_problems(exc: ConfigError) -> None:
    for problem in exc.problems:
        print(f"error: {problem}", file=sys.stderr)


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, args.overrides)
    except ConfigError as exc:
        _print_problems(exc)
        return EXIT_BAD_INPUT
    out = args.out if args.out is not None else Path("results") / config.name
    try:  # before the run: a long run must not end in a folder it may not write
        check_replaceable(out, "run", args.force)
    except ResultsExistError as exc:
        hint = "" if isinstance(exc, NotOursError) else " or --out to choose another folder"
        return bad_input(f"{exc}{hint}")
    try:
        result = run(config, progress=LOGGER.isEnabledFor(logging.INFO))
    except RunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    figures = None
    if args.plots:
        from sim.plots import run_figures  # (matplotlib only when drawing: ~0.4 s to import)

        figures = run_figures(
            config.name, result.timeseries, result.events, result.progress,
            result.summary, result.config_yaml,
        )  # fmt: skip
    try:
        result.write(out, force=args.force, figures=figures)
    except ResultsExistError as exc:
        return bad_input(str(exc))
    except OSError as exc:
        return bad_input(f"cannot write {out}: {exc}")
    s = result.summary
    LOGGER.info(
        f"{config.name}: {config.duration_h:g} h simulated in {s['run']['wall_s']:.2f} s "
        f"({s['run']['events']} events); unserved {s['unserved_mwh']:.6g} MWh, "
        f"peak grid {s['peak_mw']['grid']:.6g} MW"
    )
    LOGGER.info(f"results: {out}" + (f" (figures in {out / 'plots'})" if figures else ""))
    return EXIT_OK


def _cmd_sweep(args: argparse.Namespace) -> int:

    try:
        sweep = load_sweep(args.spec)
    except ConfigError as exc:
        _print_problems(exc)
        return EXIT_BAD_INPUT
    if args.scheduler and args.backend not in (None, "dask"):
        print("error: --scheduler goes with --backend dask", file=sys.stderr)
        return EXIT_BAD_INPUT
    backend: Backend = args.backend or ("dask" if args.scheduler else "process")
    if backend == "process" and args.workers == 1:
        backend = "serial"
    out = args.out if args.out is not None else Path("results") / sweep.spec.name
    try:
        table = run_sweep(
            sweep, out, backend, args.workers, args.scheduler, args.resume, args.force, True
        )
    except SweepError as exc:
        return bad_input(str(exc))
    except SweepInterrupted as exc:
        print(
            f"interrupted: {exc}; complete it with: dcsim sweep {args.spec} --out {out} --resume",
            file=sys.stderr,
        )
        return 130
    failed = table[table["status"] != "ok"]
    LOGGER.info(f"{sweep.spec.name}: {len(table) - len(failed)} of {len(table)} runs ok -> {out}")
    for _, row in failed.iterrows():
        first_line = str(row["error"]).splitlines()[0] if row["error"] else row["status"]
        print(f"failed: {row['run_id']} (seed {row['seed']}): {first_line}", file=sys.stderr)
    return EXIT_RUN_FAILED if len(failed) else EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.configs:
        try:
            if is_sweep_spec(path):
                _validate_sweep(path)
            else:
                load_config(path, args.overrides)
        except ConfigError as exc:
            _print_problems(exc)
            status = EXIT_BAD_INPUT
        else:
            print(f"ok: {path}")
    return status


def _validate_sweep(path: Path) -> None:
    """Check a sweep spec and the config of every run it expands to."""
    sweep = load_sweep(path)
    problems = [problem for plan in sweep.plans for problem in plan.problems]
    if problems:
        raise ConfigError(problems)


def _cmd_presets(args: argparse.Namespace) -> int:
    paths = preset_paths()
    if not paths:
        return bad_input(f"no presets in {PRESETS_DIR} (the package is incomplete)")
    try:
        table = preset_table(paths)
    except ConfigError as exc:
        _print_problems(exc)
        return EXIT_BAD_INPUT
    if args.markdown:
        print(markdown_table(table))
        return EXIT_OK
    for row in table.itertuples(index=False):
        # (pandas-stubs types a row's field as any scalar)
        grid = "unlimited" if math.isinf(row.grid_mw) else f"{row.grid_mw:,.0f} MW"  # type: ignore[arg-type]
        print(f"{row.preset}: {row.description}")
        print(
            f"    {row.gpus:,} GPUs, {row.it_mw:,.0f} MW of IT at full load; grid {grid}; "
            f"turbines {row.turbines}; storage {row.storage}"
        )
    print("run one: dcsim run preset:NAME --plots")
    print("start your own from one: dcsim init MINE --from preset:NAME")
    LOGGER.debug(f"presets from {PRESETS_DIR}")
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    out = args.out if args.out is not None else Path(f"{args.name}.yaml")
    if out.exists():
        return bad_input(f"{out} exists; it is never overwritten (choose --out)")
    try:
        init_config(out, args.source, args.name)
    except ConfigError as exc:
        _print_problems(exc)
        return EXIT_BAD_INPUT
    except FileExistsError:
        return bad_input(f"{out} exists; it is never overwritten (choose --out)")
    LOGGER.info(f"wrote {out} (from {args.source}); run it: dcsim run {out}")
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(editor_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    args.out.write_text(text, encoding="utf-8")
    LOGGER.info(f"wrote {args.out}; in a config: # yaml-language-server: $schema={args.out}")
    return EXIT_OK
