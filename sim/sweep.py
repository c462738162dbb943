"""Sweeps: a spec expanded into runs, executed serially, on a process pool or on Dask, resumable.

A sweep spec names a base config and the axes to vary. The variants are the cartesian product of
all axes, where each ``product:`` key is one axis, each ``zip:`` group is one axis whose lists
move together, the ``variants:`` list is one axis, and ``samples:`` (seeded random points in
ranges) is one axis. Each variant runs ``seeds`` times with seeds ``seed, seed+1, ...`` (from the
base config). Every run gets a readable, stable id from its parameters and its own results
folder under ``<out>/runs/<run_id>/``; ``<out>/summary.parquet`` (and ``.csv``) has one row per
run and ``<out>/summary_by_variant.parquet`` (and ``.csv``) the mean and 95 % interval over seeds.

Workers only compute: they receive a resolved config and return the results in memory; this
process writes every folder (atomically), so results do not depend on the backend and a cluster
needs no shared file system.

Failures stay with their run. A run that raises (a summary number that is not finite is a
:class:`~sim.runner.RunError` too), or whose folder cannot be written (a foreign folder in its
place), is ``failed`` with its message. A worker process that dies loses only the runs it
had in flight: they are rerun (alone, so a second death is known to be theirs) on a fresh pool,
and a run whose worker died :data:`MAX_WORKER_DEATHS` times is ``failed``. Pool workers exit
when this process dies. Ctrl-C raises :class:`SweepInterrupted` after writing
the tables of what finished.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import math
import os
import re
import signal
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import Field, TypeAdapter, ValidationError, model_validator
from tqdm import tqdm

from sim._linux import libc
from sim.config import (
    PATH_KEYS,
    Config,
    ConfigError,
    Key,
    KeyProblems,
    Problem,
    StrictModel,
    annotation_at,
    config_from_dict,
    load_tree,
    name_field,
    parse_key,
    problems_from,
    read_yaml,
    resolve_path_keys,
    set_key,
    unknown_key_message,
    validate_tree,
)
from sim.results import (
    Result,
    ResultsExistError,
    check_replaceable,
    clean_stale,
    flatten_summary,
    read_result,
    write_marker,
)
from sim.runner import config_sha256, run

Backend = Literal["serial", "process", "dask"]

# --------------------------------------------------------------------------------------------
# Spec
# --------------------------------------------------------------------------------------------

Values = Annotated[list[Any], Field(min_length=1)]


class SamplesSpec(StrictModel):
    """``n`` random variants, each key drawn uniformly from its ``[low, high]`` range."""

    n: int = Field(ge=1, description="Number of random variants.")
    seed: int = Field(0, ge=0, description="Seed of the sampling (not of the runs).")
    ranges: dict[str, tuple[float, float]] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> SamplesSpec:
        bad = [
            (("ranges", key), list(r), "must be [low, high] with low < high")
            for key, r in self.ranges.items()
            if not r[0] < r[1]
        ]
        if bad:
            raise KeyProblems(bad)
        return self


class SweepSpec(StrictModel):
    """A sweep spec as written in YAML (keys of the axes are dotted config keys)."""

    name: str = name_field("Names the sweep's folder.")
    description: str = ""
    base: str | dict[str, Any] = Field(description="Base config: a path or an inline mapping.")
    set: dict[str, Any] = Field(default_factory=dict, description="Applied to every run.")
    product: dict[str, Values] = Field(default_factory=dict)
    zip: list[dict[str, Values]] = Field(default_factory=list)
    variants: list[dict[str, Any]] = Field(default_factory=list)
    samples: SamplesSpec | None = None
    seeds: int = Field(1, ge=1, description="Replicates per variant.")
    max_runs: int = Field(
        10_000,
        ge=1,
        description="Refuse a spec that expands to more runs than this (variants x seeds), "
        "counted before anything is expanded; raise it for a larger sweep.",
    )

    @model_validator(mode="after")
    def _zip_lengths(self) -> SweepSpec:
        bad: list[tuple[Key, Any, str]] = []
        for i, group in enumerate(self.zip):
            if not group:
                bad.append((("zip", i), group, "a zip group needs at least one key"))
                continue
            lengths = {key: len(values) for key, values in group.items()}
            if len(set(lengths.values())) > 1:
                bad.append(
                    (("zip", i), lengths, "the lists of a zip group must have equal lengths")
                )
        if bad:
            raise KeyProblems(bad)
        return self

    def n_runs(self) -> tuple[int, list[str]]:
        """The number of runs, from the axes' lengths (nothing is expanded), and its factors."""
        factors = [(len(values), key) for key, values in self.product.items()]
        factors += [(len(next(iter(g.values()))), f"zip[{i}]") for i, g in enumerate(self.zip)]
        if self.variants:
            factors.append((len(self.variants), "variants"))
        if self.samples is not None:
            factors.append((self.samples.n, "samples.n"))
        factors.append((self.seeds, "seeds"))
        return math.prod(n for n, _ in factors), [f"{n:,} {what}" for n, what in factors]

    def keyed_sections(self) -> Iterator[tuple[Key, str]]:
        """Every place that names a config key: (where in the spec, the dotted key)."""
        for section in ("set", "product"):
            for key in getattr(self, section):
                yield (section, key), key
        for i, group in enumerate(self.zip):
            for key in group:
                yield ("zip", i, key), key
        for i, variant in enumerate(self.variants):
            for key in variant:
                yield ("variants", i, key), key
        if self.samples is not None:
            for key in self.samples.ranges:
                yield ("samples", "ranges", key), key


@dataclass
class RunPlan:
    """One run of a sweep: its id, parameters and resolved config (or why it has none)."""

    run_id: str
    variant_id: str
    seed: int
    params: dict[str, Any]
    config: Config | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def error(self) -> str:
        """Why the run has no config, one problem a line ("" when it has one)."""
        return "\n".join(str(p) for p in self.problems)


@dataclass
class Sweep:
    """A validated sweep: its spec and its runs in order."""

    spec: SweepSpec
    plans: list[RunPlan]
    param_keys: list[str] = field(default_factory=list)


def is_sweep_spec(path: str | Path) -> bool:
    """True for a YAML file whose top level names a ``base:`` (a sweep spec, not a config)."""
    problems: list[Problem] = []
    data = read_yaml(Path(path), problems) if Path(path).is_file() else None
    return isinstance(data, dict) and "base" in data


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and expand a sweep spec.

    Problems with the spec itself (unknown keys, bad axes, a missing base) raise
    :class:`~sim.config.ConfigError` with every problem. A variant whose config is invalid does
    not: its :class:`RunPlan` carries the error, and it fails alone when the sweep runs.
    """
    path = Path(path)
    problems: list[Problem] = []
    data = read_yaml(path, problems) if path.exists() else None
    if data is None:
        raise ConfigError(problems or [Problem(str(path), (), "file not found")])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_from(exc, {}, str(path), model=SweepSpec)) from None
    for where, text in spec.keyed_sections():
        try:
            message = unknown_key_message(parse_key(text))
        except ValueError as exc:
            message = str(exc)
        if message:
            problems.append(Problem(str(path), where, f"not a config key: {message}", text))
    n_runs, factors = spec.n_runs()
    if n_runs > spec.max_runs:
        message = (
            f"the spec expands to {n_runs:,} runs ({' x '.join(factors)}), more than "
            f"max_runs = {spec.max_runs:,}; reduce the axes or raise max_runs"
        )
        problems.append(Problem(str(path), ("max_runs",), message))
    if problems:
        raise ConfigError(problems)
    spec = _typed_spec(spec, str(path), problems)
    if problems:
        raise ConfigError(problems)

    folder = path.parent
    if isinstance(spec.base, str):
        base, origins = load_tree(folder / spec.base)
    else:
        base, origins = copy.deepcopy(spec.base), {}
        resolve_path_keys(base, folder)
    for text, value in spec.set.items():
        set_key(
            base, parse_key(text), _resolve(text, value, folder), f"{path}: set", origins, problems
        )
    if problems:
        raise ConfigError(problems)

    variants = expand_variants(spec)
    param_keys = list(dict.fromkeys(k for v in variants for k in v))
    labels = _variant_labels(variants, param_keys)
    plans = []
    for params, label in zip(variants, labels, strict=True):
        # A swept `seed` is the variant's first seed (else the base's), not overwritten.
        first = params.get("seed", base.get("seed", 0))
        first_seed = first if isinstance(first, int) and not isinstance(first, bool) else 0
        for k in range(spec.seeds):
            seed = first_seed + k
            run_id = f"{label}_seed-{seed}"
            plan = RunPlan(run_id, label, seed, params)
            data_k = copy.deepcopy(base)
            origins_k = dict(origins)
            found: list[Problem] = []
            source = f"{path}: run {run_id}"
            for text, value in params.items():
                set_key(
                    data_k, parse_key(text), _resolve(text, value, folder), source, origins_k, found
                )
            data_k["seed"], data_k["name"] = seed, run_id
            try:
                plan.config = validate_tree(data_k, origins_k, str(path), found)
            except ConfigError as exc:
                plan.problems = exc.problems
            plans.append(plan)
    return Sweep(spec, plans, param_keys)


def _typed_spec(spec: SweepSpec, file: str, problems: list[Problem]) -> SweepSpec:
    """The spec with every value of a number, boolean or text key typed by the config schema.

    A string the schema reads as a number (PyYAML reads ``1e3`` as text) becomes that number,
    so an axis column has one type; a value of the wrong type (``true`` for a number) is a
    problem at its place in the spec, e.g. ``product.battery.energy_mwh[1]``.
    """

    def typed(text: str, value: Any, where: Key) -> Any:
        try:
            annotation = annotation_at(parse_key(text))
        except ValueError:
            return value
        if annotation not in (int, float, bool, str) or value is None:
            return value
        name = {int: "an integer", float: "a number", bool: "a boolean", str: "text"}[annotation]
        if isinstance(value, bool) and annotation is not bool:
            problems.append(Problem(file, where, f"{text} is {name}, not a boolean", value))
            return value
        try:
            result = TypeAdapter(annotation).validate_python(value)
        except ValidationError as exc:
            reason = exc.errors(include_url=False)[0]["msg"]
            problems.append(Problem(file, where, f"{text} is {name}: {reason}", value))
            return value
        return result if isinstance(value, str) and not isinstance(result, str) else value

    update: dict[str, Any] = {
        "set": {k: typed(k, v, ("set", k)) for k, v in spec.set.items()},
        "product": {
            k: [typed(k, v, ("product", k, i)) for i, v in enumerate(values)]
            for k, values in spec.product.items()
        },
        "zip": [
            {
                k: [typed(k, v, ("zip", g, k, i)) for i, v in enumerate(values)]
                for k, values in group.items()
            }
            for g, group in enumerate(spec.zip)
        ],
        "variants": [
            {k: typed(k, v, ("variants", i, k)) for k, v in variant.items()}
            for i, variant in enumerate(spec.variants)
        ],
    }
    return spec.model_copy(update=update)


def expand_variants(spec: SweepSpec) -> list[dict[str, Any]]:
    """The variants of a spec, in a stable order: the cartesian product of its axes."""
    axes: list[list[dict[str, Any]]] = [
        [{key: value} for value in values] for key, values in spec.product.items()
    ]
    for group in spec.zip:
        n = len(next(iter(group.values())))
        axes.append([{key: values[i] for key, values in group.items()} for i in range(n)])
    if spec.variants:
        axes.append([dict(v) for v in spec.variants])
    if spec.samples is not None:
        rng = np.random.default_rng(spec.samples.seed)
        ranges = spec.samples.ranges
        axes.append(
            [
                {key: float(rng.uniform(lo, hi)) for key, (lo, hi) in ranges.items()}
                for _ in range(spec.samples.n)
            ]
        )
    return [_merge(combo) for combo in itertools.product(*axes)]


def _merge(dicts: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in dicts:
        out.update(d)
    return out


def _resolve(text: str, value: Any, folder: Path) -> Any:
    """A path-valued key's value, made absolute relative to the spec's folder."""
    if parse_key(text) in PATH_KEYS and isinstance(value, str):
        return str((folder / value).resolve())
    return value


# --------------------------------------------------------------------------------------------
# Run ids
# --------------------------------------------------------------------------------------------

ID_MAX_CHARS = 80


def _fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        text = f"{value:.6g}"  # 2e+06 would read as 2e-06 once "+" is replaced: write 2e6
        mantissa, plus, exponent = text.partition("e+")
        return f"{mantissa}e{int(exponent)}" if plus else text
    if isinstance(value, (int, str)):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _short_names(keys: list[str]) -> dict[str, str]:
    """Each key's last name (``energy_mwh``), or its whole path where two last names clash."""
    leaf = {k: re.sub(r"\[(\d+)\]", r".\1", k).split(".")[-1] for k in keys}
    counts: dict[str, int] = {}
    for name in leaf.values():
        counts[name] = counts.get(name, 0) + 1
    return {k: leaf[k] if counts[leaf[k]] == 1 else re.sub(r"\[(\d+)\]", r".\1", k) for k in keys}


def _digest(params: dict[str, Any]) -> str:
    text = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _variant_labels(variants: list[dict[str, Any]], keys: list[str]) -> list[str]:
    """Readable, stable labels: ``energy_mwh-400_duration_h-2``; a hash is added where two
    labels would clash or one is too long."""
    short = _short_names(keys)
    labels = []
    for params in variants:
        text = "_".join(f"{short[k]}-{_fmt_value(v)}" for k, v in params.items()) or "base"
        labels.append(re.sub(r"[^A-Za-z0-9._-]+", "-", text))
    counts = Counter(labels)
    clashes = {label for label in labels if counts[label] > 1}
    return [
        f"{label[:60]}-{_digest(params)}"
        if label in clashes or len(label) > ID_MAX_CHARS
        else label
        for label, params in zip(labels, variants, strict=True)
    ]


# --------------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a worker returns for one run."""

    run_id: str
    result: Result | None
    error: str = ""
    traceback: str = ""


def execute_config(run_id: str, config_data: dict[str, Any]) -> Outcome:
    """Run one resolved config in a worker; never raises (a failure is an :class:`Outcome`)."""
    try:
        result = run(config_from_dict(config_data))
    except Exception as exc:
        return Outcome(run_id, None, f"{type(exc).__name__}: {exc}", traceback.format_exc())
    result.segments = None  # the exact record stays in the worker: it is not written
    return Outcome(run_id, result)


Task = tuple[str, dict[str, Any]]

MAX_WORKER_DEATHS = 3
"""A run whose worker process died this many times is ``failed`` (like Dask's allowed-failures)."""

SCHEDULER_TIMEOUT_S = 5.0
"""How long to try to reach a ``--scheduler`` before giving up."""


def _serial(tasks: list[Task], workers: int, scheduler: str | None) -> Iterator[Outcome]:
    for run_id, data in tasks:
        yield execute_config(run_id, data)


# In a pool worker: the queue on which it announces each run it starts; whether it is running
# one (SIGINT interrupts a run, never the sending of a result); whether SIGINT was received.
_started: Any = None
_running = False
_interrupted = False
_INTERRUPTED = "interrupted"


def _init_worker(parent_pid: int, started: Any) -> None:
    """Pool worker initializer: announce runs on ``started``; exit when the parent dies; on
    SIGINT, stop the run in flight and skip the rest."""
    global _started
    _started = started
    signal.signal(signal.SIGINT, _on_sigint)
    _exit_with_parent(parent_pid)


def _on_sigint(signum: int, frame: Any) -> None:
    global _interrupted
    _interrupted = True
    if _running:
        raise KeyboardInterrupt


def _exit_with_parent(parent_pid: int) -> None:
    """Make this process exit when ``parent_pid`` (its parent) dies, however it dies.

    On Linux the kernel sends SIGKILL (``prctl(PR_SET_PDEATHSIG)``); everywhere a watchdog
    thread checks once a second that the parent is still the same process.
    """
    lib = libc()
    if lib is not None and hasattr(lib, "prctl"):
        pr_set_pdeathsig = 1
        lib.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # it died before the line above
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="dcsim-parent-watchdog", daemon=True).start()


def _pool_task(run_id: str, data: dict[str, Any]) -> Outcome:
    global _running
    if _started is not None:
        _started.put(run_id)
    try:
        _running = True
        if _interrupted:
            raise KeyboardInterrupt
        return execute_config(run_id, data)
    except KeyboardInterrupt:
        return Outcome(run_id, None, _INTERRUPTED)
    finally:
        _running = False


def _process(tasks: list[Task], workers: int, scheduler: str | None) -> Iterator[Outcome]:
    """Runs on a process pool; a pool broken by a worker's death is replaced.

    Only the runs in flight when a worker died are charged with its death; they are rerun one
    at a time until they finish or reach :data:`MAX_WORKER_DEATHS`. Runs not yet started are
    resubmitted on the fresh pool as they were.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pending = dict(tasks)
    deaths = dict.fromkeys(pending, 0)
    suspects: list[str] = []  # in flight at a death: rerun alone, so a next death is theirs
    idle_breaks = 0  # pools broken with no run in flight since the last finished run
    while pending:
        batch = suspects[:1] or list(pending)
        started: multiprocessing.queues.SimpleQueue[str] = multiprocessing.SimpleQueue()
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(batch)),
            initializer=_init_worker,
            initargs=(os.getpid(), started),
        )
        broken = finished = False
        try:
            futures = {pool.submit(_pool_task, run_id, pending[run_id]): run_id for run_id in batch}
            for future in as_completed(futures):
                run_id = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                except Exception as exc:  # the outcome could not come back (pickling, ...)
                    outcome = Outcome(run_id, None, f"worker error: {exc!r}")
                if outcome.result is None and outcome.error == _INTERRUPTED:
                    continue  # SIGINT reached the worker: not run (we stop, or run it again)
                pending.pop(run_id)
                if run_id in suspects:
                    suspects.remove(run_id)
                idle_breaks = 0
                yield outcome
            finished = True
        finally:
            if not finished:  # Ctrl-C or closed early: stop the runs in flight, not wait for them
                for process in list((getattr(pool, "_processes", None) or {}).values()):
                    if process.pid is not None and process.is_alive():
                        os.kill(process.pid, signal.SIGINT)
            pool.shutdown(wait=True, cancel_futures=True)
        if not broken:
            continue
        in_flight = set()
        while not started.empty():
            in_flight.add(started.get())
        started.close()
        in_flight &= pending.keys()
        if not in_flight:
            idle_breaks += 1
            if idle_breaks >= MAX_WORKER_DEATHS:
                message = f"the process pool broke {idle_breaks} times without running this run"
                for run_id in list(pending):
                    del pending[run_id]
                    yield Outcome(run_id, None, message)
        for run_id in sorted(in_flight, key=list(pending).index):
            deaths[run_id] += 1
            if deaths[run_id] < MAX_WORKER_DEATHS:
                if run_id not in suspects:
                    suspects.append(run_id)
                continue
            pending.pop(run_id)
            if run_id in suspects:
                suspects.remove(run_id)
            yield Outcome(
                run_id,
                None,
                f"worker died {deaths[run_id]} times running this run (killed by a signal or "
                "the out-of-memory killer?)",
            )


def _dask(tasks: list[Task], workers: int, scheduler: str | None) -> Iterator[Outcome]:
    """Connect to Dask now (so a bad ``scheduler`` fails before anything is written)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SweepError(
            "the dask backend needs Dask: pip install 'dcsim[dask]' (or dask[distributed])"
        ) from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except Exception as exc:  # ValueError (address), OSError (timeout), garbage replies
            raise SweepError(
                f"--scheduler {scheduler}: cannot reach a Dask scheduler there "
                f"({type(exc).__name__}: {str(exc)[:200]}); expected e.g. tcp://host:8786"
            ) from None
        cluster = None
    else:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
    return _dask_outcomes(client, cluster, tasks)


def _dask_outcomes(client: Any, cluster: Any, tasks: list[Task]) -> Iterator[Outcome]:
    from dask.distributed import as_completed

    try:
        futures = {
            client.submit(execute_config, run_id, data, key=f"dcsim-{run_id}", pure=False): run_id
            for run_id, data in tasks
        }
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # KilledWorker (after Dask's retries), a lost connection
                yield Outcome(futures[future], None, f"worker lost: {exc!r}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


EXECUTORS: dict[str, Callable[[list[Task], int, str | None], Iterator[Outcome]]] = {
    "serial": _serial,
    "process": _process,
    "dask": _dask,
}
BACKENDS: tuple[str, ...] = tuple(EXECUTORS)
"""Names accepted by ``--backend``."""


class SweepError(Exception):
    """A sweep that cannot start (its folder exists or is not a folder, its backend is not
    available) or whose tables cannot be written."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep, raised after the finished runs and the tables were written."""

    def __init__(self, out: Path, n_done: int, n_ok: int, n_runs: int):
        self.out, self.n_done, self.n_ok, self.n_runs = out, n_done, n_ok, n_runs
        super().__init__(
            f"{n_done} of {n_runs} runs done ({n_ok} ok), their folders in {out / 'runs'}; "
            f"tables (the rest `not run`) in {out / 'summary.parquet'} and .csv"
        )


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
