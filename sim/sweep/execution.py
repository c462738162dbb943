"""Execution: the backends that turn tasks (a run id and a resolved config) into outcomes.

``serial`` runs them here; ``process`` on a process pool whose workers exit with this process,
stop their run on SIGINT, and whose deaths are charged to the runs they had in flight only;
``dask`` on a Dask scheduler or a local cluster. Workers only compute: they return the results
in memory and never write.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sim._linux import libc
from sim.config import config_from_dict
from sim.results import Result
from sim.runner import run
from sim.sweep.errors import SweepError

Backend = Literal["serial", "process", "dask"]


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
