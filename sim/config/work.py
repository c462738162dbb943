"""What a run will cost, estimated from its config: :func:`estimate_work` and the memory check.

The check (:func:`work_problem`) is the last validation of :class:`~sim.config.Config`; it reads
only the section models, so the root model is imported here for typing alone.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from sim.config.problems import MISSING, Key
from sim.config.schema.cluster import hardware_catalog
from sim.config.schema.cooling import WeatherConfig
from sim.throughput import H100, useful_h
from sim.traces import TraceError, read_trace

if TYPE_CHECKING:
    from sim.config.schema.root import Config


BYTES_PER_SEGMENT = 500
"""Memory one bus update takes by the time the results are assembled [B]: its recorder row (18–24
floats in one flat array, ~150–190 B; the segment frame's recorded columns are a view of it),
the frame's ~15 derived columns (~120 B), the summary's arrays over it and the jobs' progress
points. Measured (tracemalloc peak ÷ segments) after issue 19: 352 B for
``configs/examples/llama3_cluster.yaml``'s iteration model over 72 h (82k segments), 440–610 B
for its 6- and 48-h runs (1k–7k segments, where the fixed costs weigh more); 500 B rounded.
(1,000 B before issue 19, when rows were tuples and the frame a copy.)"""

BYTES_PER_TIMESERIES_ROW = 400
"""Memory one row of the regular timeseries takes [B]: ~24 columns of 8 B, the resampling's
cumulative energies and the timestamps. Measured: 306 B (the llama3 example at 60 s, 78k rows)."""

BYTES_PER_DEMAND_INTERVAL = 48
"""Memory of one billed-demand interval in the cost summary [B]: its edge, energy and mean."""

BYTES_BASE = 150e6
"""The interpreter, numpy, pandas and pyarrow once imported [B] (the RSS of a tiny run)."""


@dataclass(frozen=True)
class WorkEstimate:
    """What a run will hold in memory, estimated from its config at validation.

    ``updates`` maps each source of bus updates (checkpoints, iterations, weather steps, node
    failures, outages, ...) to its count and the key that sets it; ``segments`` is their sum.
    """

    timeseries_rows: float
    updates: dict[str, tuple[float, Key]]
    demand_intervals: float

    @property
    def segments(self) -> float:
        """Bus updates over the run, each a recorded segment."""
        return 2.0 + sum(count for count, _ in self.updates.values())

    @property
    def memory_bytes(self) -> float:
        """Estimated peak memory of the run [B]."""
        return (
            BYTES_BASE
            + self.segments * BYTES_PER_SEGMENT
            + self.timeseries_rows * BYTES_PER_TIMESERIES_ROW
            + self.demand_intervals * BYTES_PER_DEMAND_INTERVAL
        )

    def parts(self) -> list[tuple[str, float, float, Key]]:
        """``(what, count, bytes, key)`` of each part, largest first."""
        rows: list[tuple[str, float, float, Key]] = [
            (
                "timeseries rows",
                self.timeseries_rows,
                BYTES_PER_TIMESERIES_ROW,
                ("output", "resolution_s"),
            ),
            (
                "billed-demand intervals",
                self.demand_intervals,
                BYTES_PER_DEMAND_INTERVAL,
                ("grid", "demand_interval_min"),
            ),
        ]
        rows += [(what, n, BYTES_PER_SEGMENT, key) for what, (n, key) in self.updates.items()]
        parts = [(what, n, n * size, key) for what, n, size, key in rows if n > 0]
        return sorted(parts, key=lambda part: -part[2])


def estimate_work(config: Config) -> WorkEstimate:
    """Estimate the rows, segments and memory of a run from its config (see
    :class:`WorkEstimate`): the timeseries has ``duration / resolution_s`` rows; each job makes
    2 updates per checkpoint cycle (``checkpoint_interval_s + checkpoint_write_s``) while it
    may run, and with ``power_model: iteration`` 2 per iteration; node failures are expected
    at ``rate × nodes × days`` (3 updates each: failure, restart, compute); weather steps,
    scheduled and random outages, demand-response windows, chiller failures, the rows of a
    load or weather trace and, for arbitrage, the tariff's hours or the price trace's rows
    add one update per change."""
    duration_s = config.duration_h * 3600.0
    updates: dict[str, tuple[float, Key]] = {}

    def add(what: str, count: float, key: Key) -> None:
        if count > 0:
            updates[what] = (count, key)

    cluster = config.cluster
    if cluster is not None:
        catalog = hardware_catalog(cluster)
        pools = {p.name: p for p in cluster.pools}
        iterate = cluster.power_model == "iteration"
        for i, job in enumerate(config.jobs):
            pool = pools.get(job.pool)
            hardware = catalog.get(pool.hardware) if pool is not None else None
            per_node = hardware.gpus_per_node if hardware is not None else 8
            nodes = math.ceil(job.gpus / per_node)
            active_s = max(0.0, duration_s - job.submit_h * 3600.0)
            cycle_s = job.checkpoint_interval_s + job.checkpoint_write_s
            work_h = job.work_h
            if work_h is None and hardware is not None:  # a size as work (sim/throughput.py)
                work_h = useful_h(job, hardware, hardware_catalog()[H100])
            if work_h is not None:
                active_s = min(active_s, work_h * 3600.0 * cycle_s / job.checkpoint_interval_s)
            name = f"jobs[{i}]"
            add(
                f"{name} checkpoints",
                2.0 * active_s / cycle_s,
                ("jobs", i, "checkpoint_interval_s"),
            )
            if iterate:
                add(
                    f"{name} iterations",
                    2.0 * active_s / job.iteration_s,
                    ("jobs", i, "iteration_s"),
                )
            failures = cluster.failures.rate_per_node_day * nodes * active_s / 86_400.0
            add(
                f"{name} node failures",
                3.0 * failures,
                ("cluster", "failures", "rate_per_node_day"),
            )
    if config.load is not None and config.load.trace_csv is not None:
        rows = _trace_rows(config.load.trace_csv, "load_mw", duration_s, nonnegative=True)
        add("load trace rows", rows, ("load", "trace_csv"))
    if config.cooling is not None:
        weather = config.weather if config.weather is not None else WeatherConfig()
        if weather.csv is not None:
            from sim.weather_files import read_csv  # (it imports this module)

            try:
                rows = bisect.bisect_left(read_csv(weather.csv).times_h, config.duration_h)
            except (OSError, ValueError):
                rows = 0
            add("weather rows", rows, ("weather", "csv"))
        else:  # synthetic, or an EPW file's hours
            step_h = 1.0 if weather.epw is not None else weather.step_h
            add("weather steps", config.duration_h / step_h, ("weather", "step_h"))
        chillers = config.cooling.chillers
        add(
            "chiller failures",
            2.0 * chillers.count * chillers.failure_rate_per_1000h * config.duration_h / 1000.0,
            ("cooling", "chillers", "failure_rate_per_1000h"),
        )
    grid = config.grid
    add("scheduled outages", 2.0 * len(grid.outages), ("grid", "outages"))
    add("demand-response windows", 2.0 * len(grid.demand_response), ("grid", "demand_response"))
    if grid.random_outages is not None:
        add(
            "random outages",
            2.0 * grid.random_outages.rate_per_year * config.duration_h / 8760.0,
            ("grid", "random_outages", "rate_per_year"),
        )
    if config.dispatch.policy == "arbitrage" and grid.tariff is not None:
        add("tariff hours", config.duration_h, ("grid", "tariff"))
    if config.dispatch.policy == "arbitrage" and grid.price_csv is not None:
        rows = _trace_rows(grid.price_csv, "price_usd_per_mwh", duration_s)
        add("price trace rows", rows, ("grid", "price_csv"))
    return WorkEstimate(
        timeseries_rows=duration_s / config.output.resolution_s,
        updates=updates,
        demand_intervals=duration_s / (grid.demand_interval_min * 60.0),
    )


def _trace_rows(path: Path, column: str, duration_s: float, nonnegative: bool = False) -> int:
    """Rows of a trace that start within the run (0 if it cannot be read: reported apart).
    ``nonnegative`` as validation reads it, so the file is parsed once."""
    try:
        time_s = read_trace(path, column, nonnegative)[0]
    except TraceError:
        return 0
    return bisect.bisect_left(time_s, duration_s)


def work_problem(config: Config) -> tuple[Key, Any, str] | None:
    """A problem if the run's estimated memory exceeds ``output.max_memory_gb``."""
    estimate = estimate_work(config)
    limit_gb = config.output.max_memory_gb
    total_gb = estimate.memory_bytes / 1e9
    if total_gb <= limit_gb:
        return None
    parts = estimate.parts()
    what, _, _, key = parts[0]
    listed = "; ".join(f"{w}: {n:.3g} ({b / 1e9:.3g} GB)" for w, n, b, _ in parts[:4])
    value: Any = config
    for part in key:
        value = value[part] if isinstance(part, int) else getattr(value, part)
    if isinstance(value, BaseModel | list):
        value = MISSING
    message = (
        f"the run would take about {total_gb:.3g} GB of memory, over output.max_memory_gb "
        f"({limit_gb:g} GB); most of it is the {what}. Estimate: {listed}. Make this part "
        "smaller (a coarser output.resolution_s, a shorter duration_h, longer intervals), or "
        "raise output.max_memory_gb on a machine with the memory"
    )
    return key, value, message
