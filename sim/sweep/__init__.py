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

The package's modules, each importing only those before it:

- :mod:`~sim.sweep.errors`: :class:`SweepError`, :class:`SweepInterrupted`.
- :mod:`~sim.sweep.ids`: run ids from parameters, the text of a parameter's value.
- :mod:`~sim.sweep.spec`: :class:`SweepSpec`, the typing of its axes, :func:`load_sweep` (its
  expansion into runs, each a :class:`RunPlan`).
- :mod:`~sim.sweep.execution`: the backends (:data:`EXECUTORS`): serial, the process pool
  (worker deaths, SIGINT, the parent watchdog) and Dask; :func:`execute_config`, what a worker
  runs.
- :mod:`~sim.sweep.table`: the per-run and per-variant tables (:func:`aggregate`) and their
  writing.
- :mod:`~sim.sweep.running`: :func:`run_sweep`.

Every name other modules use is imported from here (``from sim.sweep import run_sweep``). A test
that replaces a name patches the module that uses it (``sim.sweep.execution.execute_config``):
setting it here would not reach that module (``tests/test_code_shape.py`` checks).
"""

# ``name as name``: re-exported, though private or not the package's, for the tests that take
# it from sim.sweep (as they did when it was one module).
from sim.results import read_result as read_result
from sim.sweep.errors import SweepError, SweepInterrupted
from sim.sweep.execution import (
    BACKENDS,
    EXECUTORS,
    MAX_WORKER_DEATHS,
    SCHEDULER_TIMEOUT_S,
    Backend,
    Outcome,
    Task,
    execute_config,
)
from sim.sweep.ids import ID_MAX_CHARS
from sim.sweep.ids import _fmt_value as _fmt_value
from sim.sweep.running import run_sweep
from sim.sweep.spec import (
    RunPlan,
    SamplesSpec,
    Sweep,
    SweepSpec,
    Values,
    expand_variants,
    is_sweep_spec,
    load_sweep,
)
from sim.sweep.table import _write_table as _write_table
from sim.sweep.table import aggregate, sweep_table, t975

__all__ = [
    "BACKENDS",
    "EXECUTORS",
    "ID_MAX_CHARS",
    "MAX_WORKER_DEATHS",
    "SCHEDULER_TIMEOUT_S",
    "Backend",
    "Outcome",
    "RunPlan",
    "SamplesSpec",
    "Sweep",
    "SweepError",
    "SweepInterrupted",
    "SweepSpec",
    "Task",
    "Values",
    "aggregate",
    "execute_config",
    "expand_variants",
    "is_sweep_spec",
    "load_sweep",
    "run_sweep",
    "sweep_table",
    "t975",
]
