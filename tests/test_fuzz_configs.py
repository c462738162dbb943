"""Property-based fuzz of configs through the command line: bad input is refused, never a crash.

Each example is a valid base config (tests/fuzz_strategies.py: small ones covering every section
of the schema, and configs of the repository, all cut short) with a few mutations anywhere in
the schema. It is written to a file and given to ``dcsim validate``, and, if it validates and is
small, to ``dcsim run`` (both called in-process through :func:`sim.cli.main`). The property:

- no exception escapes ``main`` and the exit code is 0, 1 or 2;
- exit 2 (bad input) prints a line starting with ``error:`` and no traceback;
- exit 1 (a failure inside a run) prints ``error:`` too; it is allowed, and collected;
- ``validate`` and ``run`` agree: a config that validates is not refused by ``run`` as bad input;
- an exit 0 of ``run`` leaves a complete results folder, and nothing outside ``--out``;
- no example takes longer than :data:`WATCHDOG_S` (a hang, not a performance limit).

The budget is fixed for CI (``max_examples``, derandomized: the same examples every time).
For a deep local run, raise it and collect every failure instead of stopping at the first::

    DCSIM_FUZZ_EXAMPLES=5000 DCSIM_FUZZ_COLLECT=/tmp/fuzz.jsonl \\
        python -m pytest -q tests/test_fuzz_configs.py

``DCSIM_FUZZ_COLLECT`` appends one JSON line per example that breaks the property, or that
exits 1 (the base, the mutations, the phase, the exception or the message).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
import signal
import tempfile
import threading
import traceback
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings

from sim.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_RUN_FAILED, main
from sim.config import Config, ConfigError, config_from_dict, load_config
from sim.results import FILES
from tests.fuzz_strategies import Mutant, bases, mutants, schema_keys

CI_EXAMPLES = 500
"""Examples per CI run (~40 s on 2 busy cores)."""
EXAMPLES = int(os.environ.get("DCSIM_FUZZ_EXAMPLES", str(CI_EXAMPLES)))
"""Examples of this run: ``DCSIM_FUZZ_EXAMPLES`` raises it for a deep local run."""
COLLECT = os.environ.get("DCSIM_FUZZ_COLLECT")
"""If set: a JSONL file to append failures to, instead of failing on the first."""
SEED = os.environ.get("DCSIM_FUZZ_SEED")
"""If set: draw other examples than CI's (a deep run on several cores: one seed per process)."""
WATCHDOG_S = float(os.environ.get("DCSIM_FUZZ_WATCHDOG_S", "60"))
"""An example still running after this long is a hang (the bases run in under 3 s)."""
MAX_WORK = 200_000
"""Runs estimated above this many events or rows are validated only, not run."""


class Hang(BaseException):  # (not an Exception: no `except Exception` in the program stops it)
    """Raised by the watchdog in an example that runs past :data:`WATCHDOG_S`."""


@contextlib.contextmanager
def watchdog(seconds: float):
    """Raise :class:`Hang` in the main thread after ``seconds`` (a no-op where SIGALRM is not)."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cli(argv: list[str]) -> tuple[int | None, str, str, BaseException | None]:
    """``main(argv)`` in-process: exit code, stdout, stderr and any exception that escaped."""
    out, err = io.StringIO(), io.StringIO()
    code: int | None = None
    escaped: BaseException | None = None
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")  # shown to a user, not raised as pytest's "error" does
        try:
            code = main(argv)
        except Hang:
            raise
        except BaseException as exc:  # (the property: nothing escapes main)
            escaped = exc
    for w in caught:
        err.write(warnings.formatwarning(w.message, w.category, w.filename, w.lineno))
    return code, out.getvalue(), err.getvalue(), escaped


def estimated_work(config: Config) -> float:
    """A rough count of the events and rows a run would make: the fuzz runs only small ones.

    Rows of the timeseries, billed-demand intervals, weather steps, checkpoints and (power_model
    iteration) iterations of every job, node failures, turbine units, chiller failures, random
    outages.
    """
    duration_h = config.duration_h
    duration_s = duration_h * 3600.0
    work = duration_s / config.output.resolution_s + len(config.grid.outages)
    work += len(config.grid.demand_response) + len(config.turbine_trips)
    work += duration_h * 60.0 / config.grid.demand_interval_min  # billed-demand intervals
    if config.grid.random_outages is not None:
        work += config.grid.random_outages.rate_per_year * duration_h / 8760.0
    if config.cooling is not None:
        step_h = config.weather.step_h if config.weather is not None else 1.0
        chillers = config.cooling.chillers
        work += duration_h / step_h + chillers.count
        work += chillers.count * chillers.failure_rate_per_1000h * duration_h / 1000.0
    for turbine in config.turbines:
        work += turbine.count * (1 + turbine.trip_rate_per_1000h * duration_h / 1000.0)
    if config.cluster is not None:
        nodes = 0.0
        for pool in config.cluster.pools:
            per_node = 8  # (a guess where the hardware is not in the catalog)
            hardware = config.cluster.hardware.get(pool.hardware)
            per_node = hardware.gpus_per_node if hardware is not None else per_node
            nodes += (pool.gpus + pool.spare_gpus) / per_node
        work += nodes * config.cluster.failures.rate_per_node_day * duration_h / 24.0
        work += nodes / 1000.0
        for job in config.jobs:
            work += duration_s / job.checkpoint_interval_s
            if config.cluster.power_model == "iteration":
                work += 2 * duration_s / job.iteration_s
    return work if math.isfinite(work) else math.inf


def record(mutant: Mutant, phase: str, problem: str, detail: str) -> None:
    """Append one finding to :data:`COLLECT` (a JSON line)."""
    if COLLECT is None:
        return
    line = {
        "base": mutant.base,
        "mutations": mutant.mutations,
        "keys": mutant.keys,
        "phase": phase,
        "problem": problem,
        "detail": detail[-4000:],
    }
    with open(COLLECT, "a") as file:
        file.write(json.dumps(line, default=repr) + "\n")


def check_exit(mutant: Mutant, phase: str, result: tuple) -> list[str]:
    """Problems with one CLI call's outcome (empty: it kept the promise)."""
    code, _, err, escaped = result
    if escaped is not None:
        tb = "".join(traceback.format_exception(escaped))
        record(mutant, phase, f"escaped {type(escaped).__name__}", tb)
        return [f"{phase}: {type(escaped).__name__} escaped main: {escaped!r:.300}"]
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    problems = []
    if code not in (EXIT_OK, EXIT_RUN_FAILED, EXIT_BAD_INPUT):
        problems.append(f"{phase}: exit code {code!r}")
    if "Traceback" in err:
        problems.append(f"{phase}: a traceback on stderr")
    if code in (EXIT_RUN_FAILED, EXIT_BAD_INPUT) and not errors:
        problems.append(f"{phase}: exit {code} without an 'error:' line: {err[-300:]!r}")
    for problem in problems:
        record(mutant, phase, problem.split(":", 1)[1].strip(), err)
    if code == EXIT_RUN_FAILED and not problems:
        record(mutant, phase, "exit 1 (failure inside a run)", err)
    return problems


def fuzz_one(mutant: Mutant) -> tuple[str, list[str]]:
    """Validate and (if valid and small) run one mutant: the outcome (``validate 2``,
    ``validate 0, run 0``, ...) and the promises it broke."""
    with tempfile.TemporaryDirectory(prefix="dcsim-fuzz-") as tmp:
        folder = Path(tmp)
        path = folder / "cfg.yaml"
        path.write_text(mutant.yaml_text())
        phase = "validate"
        try:
            with watchdog(WATCHDOG_S):
                validated = cli(["validate", str(path)])
                problems = check_exit(mutant, phase, validated)
                if problems or validated[0] != EXIT_OK:
                    return tally(mutant, f"validate {validated[0]}"), problems
                phase = "load_config"
                try:
                    config = load_config(path)
                except ConfigError as exc:
                    record(mutant, phase, "validate ok but load_config refuses", str(exc))
                    return "validate 0, load_config 2", [f"{phase}: validate said ok, then {exc}"]
                if estimated_work(config) > MAX_WORK:
                    return tally(mutant, "validate 0, large: not run"), []
                phase = "run"
                out = folder / "out"
                ran = cli(["run", str(path), "--out", str(out)])
        except Hang as exc:
            record(mutant, phase, "hang", str(exc))
            return f"{phase} hangs", [f"{phase}: {exc}"]
        problems = check_exit(mutant, phase, ran)
        if ran[0] == EXIT_BAD_INPUT and not problems:
            record(mutant, phase, "validate ok but run exits 2", ran[2])
            problems.append(f"run: validate said ok, run said bad input: {ran[2][-300:]!r}")
        if ran[0] == EXIT_OK:
            missing = [name for name in FILES if not (out / name).is_file()]
            stray = sorted(p.name for p in folder.iterdir() if p.name not in ("cfg.yaml", "out"))
            if missing or stray:
                problem = f"run: exit 0 but missing {missing}, stray {stray}"
                record(mutant, phase, "incomplete results", problem)
                problems.append(problem)
        return tally(mutant, f"validate 0, run {ran[0]}"), problems


def tally(mutant: Mutant, outcome: str) -> str:
    """Append one example's outcome to ``COLLECT.outcomes`` (the deep run's statistics)."""
    if COLLECT is not None:
        with open(COLLECT + ".outcomes", "a") as file:
            file.write(json.dumps({"base": mutant.base, "outcome": outcome}) + "\n")
    return outcome


def test_schema_walk_reaches_every_section():
    """The fuzz mutates every section of the schema (walked, not listed): a key added to the
    schema is fuzzed too."""
    keys = {str(k) for k in schema_keys()}
    for section in (
        "output.resolution_s",
        "load.trace_csv",
        "grid.outages[0].start_h",
        "grid.demand_response[0].cut_pu",
        "grid.tariff.seasons[0].on_peak_hours[1]",
        "grid.random_outages.mean_duration_h",
        "battery.backup_reserve_soc",
        "dispatch.load_management.order[0]",
        "dispatch.ramp_limit_mw_per_min",
        "dispatch.charge_below_usd_per_mwh",
        "turbines[0].max_run_hours_per_year",
        "turbine_trips[0].units",
        "cluster.pools[0].spare_gpus",
        "cluster.failures.shape",
        "cluster.hardware.<key>.gpus_per_node",
        "jobs[0].checkpoint_interval_s",
        "weather.heat_waves[0].delta_c",
        "cooling.chillers.restart_s",
    ):
        assert section in keys
    assert len(keys) == len(schema_keys())  # no key path twice


@pytest.mark.parametrize("name", sorted(bases()))
def test_every_base_validates_and_runs(name: str):
    """Unmutated, every base validates, is small enough to run, and runs: the fuzz reaches the
    engine (a mutant one mutation away from a base is often valid)."""
    assert estimated_work(config_from_dict(bases()[name], name)) < MAX_WORK
    outcome, problems = fuzz_one(Mutant(name, copy.deepcopy(bases()[name])))
    assert (outcome, problems) == ("validate 0, run 0", [])


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    report_multiple_bugs=True,
)
@given(mutant=mutants())
def test_fuzzed_configs_are_refused_or_run(mutant: Mutant):
    """A mutated config exits 0, 1 or 2; 2 with an ``error:`` line; never a traceback or hang."""
    _, problems = fuzz_one(mutant)
    if COLLECT is None:
        assert not problems, f"{mutant!r}: {problems}"


if SEED is not None:
    test_fuzzed_configs_are_refused_or_run = seed(int(SEED))(test_fuzzed_configs_are_refused_or_run)
