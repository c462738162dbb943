"""The ``cluster:`` and ``jobs:`` sections, the hardware catalog, and their cross-checks."""

from __future__ import annotations

from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import Field, model_validator

from sim.config.problems import Key, KeyProblems
from sim.config.schema.base import (
    MAX_GPUS,
    MAX_HOURS,
    StrictModel,
    name_field,
)
from sim.config.schema.buildout import GpuStepConfig, online_h_field, step_problems
from sim.config.schema.failures import DomainsConfig, FailuresConfig
from sim.throughput import H100, peak_tflops, useful_h


class HardwareConfig(StrictModel):
    """Power of one accelerator and of a node (see ``sim/data/hardware.yaml``)."""

    # The hungriest accelerators draw 1,400 W (MI355X, B300; facts §5): 10 kW leaves room.
    gpu_tdp_w: float = Field(
        gt=0, le=10_000, description="Board power limit of one accelerator [W], up to 10,000."
    )
    gpu_idle_w: float = Field(ge=0, le=10_000, description="One accelerator idle [W], 0–10,000.")
    # A GB200/GB300 NVL72 rack holds 72 accelerators (facts §5); a node may be a whole rack.
    gpus_per_node: int = Field(
        ge=1, le=1024, description="Accelerators per node (the failure unit), 1–1,024."
    )
    node_overhead_w: float = Field(
        ge=0, le=1_000_000, description="CPUs, NICs, fans of a node [W], 0–1,000,000."
    )
    network_w_per_gpu: float = Field(
        ge=0, le=10_000, description="Switches, optics, storage [W/GPU], 0–10,000."
    )
    # Dense tensor peaks (no 2:4 sparsity): an H100 SXM 989.4 BF16, a GB300's B300 2,500
    # (sources in sim/data/hardware.yaml); 1,000,000 TFLOPS leaves room.
    dense_bf16_tflops: float | None = Field(
        None,
        gt=0,
        le=1_000_000,
        description="Dense (no sparsity) BF16 tensor peak of one accelerator [TFLOPS], up to "
        "1,000,000; null: unknown (its jobs report no work).",
    )
    dense_fp8_tflops: float | None = Field(
        None,
        gt=0,
        le=1_000_000,
        description="Dense (no sparsity) FP8 tensor peak of one accelerator [TFLOPS], up to "
        "1,000,000; null: none or unknown (no fp8 jobs on it).",
    )

    @model_validator(mode="after")
    def _idle_below_tdp(self) -> HardwareConfig:
        if self.gpu_idle_w > self.gpu_tdp_w:
            raise KeyProblems(
                [
                    (
                        ("gpu_idle_w",),
                        self.gpu_idle_w,
                        f"must not exceed gpu_tdp_w ({self.gpu_tdp_w})",
                    )
                ]
            )
        return self


class PoolConfig(StrictModel):
    """Nodes of one hardware type."""

    name: str = name_field("Names the pool for jobs.")
    hardware: str = Field(
        description="A catalog entry (sim/data/hardware.yaml or cluster.hardware)."
    )
    gpus: int = Field(
        ge=1,
        le=MAX_GPUS,
        description="Accelerators for jobs (rounded up to whole nodes), 1–10,000,000.",
    )
    spare_gpus: int = Field(
        0,
        ge=0,
        le=MAX_GPUS,
        description="Hot spares on top of gpus: idle, swapped in at once on a failure; "
        "0–10,000,000.",
    )
    online_h: float | None = online_h_field("pool (all its GPUs and spares)")
    steps: list[GpuStepConfig] = Field(
        default_factory=list,
        max_length=1000,
        description=(
            "Build-out in steps instead of online_h: the GPUs online from each at_h on, both "
            "increasing; the last step's gpus must equal gpus; the spares arrive with the "
            "first step. Up to 1,000."
        ),
    )

    @model_validator(mode="after")
    def _steps(self) -> PoolConfig:
        items = step_problems(
            ("steps",), [s.at_h for s in self.steps], [s.gpus for s in self.steps], True
        )
        if self.steps and self.online_h is not None:
            items.append((("online_h",), self.online_h, "give online_h or steps, not both"))
        if self.steps and not items and self.steps[-1].gpus != self.gpus:
            items.append(
                (
                    ("steps", len(self.steps) - 1, "gpus"),
                    self.steps[-1].gpus,
                    f"must equal the pool's gpus ({self.gpus}): the last step completes it",
                )
            )
        if items:
            raise KeyProblems(items)
        return self


class ClusterConfig(StrictModel):
    """The GPU cluster: pools of nodes, their failures and repairs."""

    power_model: Literal["average", "iteration"] = Field(
        "average",
        description=(
            "average: a computing GPU draws compute_fraction·TDP + (1 − compute_fraction)·idle; "
            "iteration: each iteration is compute_fraction·iteration_s at TDP, then the rest at "
            "idle (the square wave the bus sees)."
        ),
    )
    pools: list[PoolConfig] = Field(min_length=1, max_length=1000)
    failures: FailuresConfig = Field(default_factory=lambda: FailuresConfig(rate_per_node_day=0.0))
    repair_h: float = Field(
        24.0, gt=0, le=8760, description="Mean repair time of a failed node [h], up to 8,760."
    )
    hardware: dict[str, HardwareConfig] = Field(
        default_factory=dict, description="Catalog entries added to (or replacing) the built-in."
    )
    domains: DomainsConfig | None = Field(
        None, description="Failure domains (racks, leaf switches); null: none."
    )


class JobConfig(StrictModel):
    """A synchronous data-parallel training job."""

    name: str = name_field("Names the job in the summary.")
    pool: str = Field(description="The pool it runs on.")
    gpus: int = Field(
        ge=1, le=MAX_GPUS, description="Accelerators (rounded up to whole nodes), 1–10,000,000."
    )
    # Training iterations last from ~0.1 s to a few minutes.
    iteration_s: float = Field(
        6.0,
        ge=0.001,
        le=86_400,
        description="Length of one training iteration [s], 0.001–86,400.",
    )
    compute_fraction: float = Field(
        0.7, gt=0, le=1, description="Share of an iteration in compute (near TDP) [pu]."
    )
    # (How many checkpoints a run makes is bounded by the work estimate, output.max_memory_gb.)
    checkpoint_interval_s: float = Field(
        1800.0,
        ge=0.001,
        le=MAX_HOURS * 3600,
        description="Compute time between checkpoints [s], from 0.001.",
    )
    checkpoint_write_s: float = Field(
        60.0, ge=0, le=86_400, description="Blocking checkpoint write [s], 0–86,400."
    )
    restart_s: float = Field(
        600.0, ge=0, le=86_400, description="From (re)start to computing [s], 0–86,400."
    )
    priority: int = Field(
        0,
        ge=-1_000_000,
        le=1_000_000,
        description="Larger runs first; ties in config order; ±1,000,000.",
    )
    work_h: float | None = Field(
        None,
        gt=0,
        le=MAX_HOURS,
        description="Compute to do [h], up to 876,000; null: run for the whole simulation.",
    )
    submit_h: float = Field(
        0.0,
        ge=0,
        le=MAX_HOURS,
        description="When the job is submitted [h from the start], 0–876,000; it queues then.",
    )
    precision: Literal["bf16", "fp8"] = Field(
        "bf16",
        description="Number format of its tensor math: bf16 or fp8; picks the hardware's "
        "dense_bf16_tflops or dense_fp8_tflops for its work (sim/throughput.py).",
    )
    # Llama 3 405B reached 38–43 % MFU in BF16 on 16k H100 (facts §6a): 0.40 is its middle.
    mfu_pu: float = Field(
        0.40,
        gt=0,
        le=1,
        description="Model FLOPs utilisation [pu] of the dense peak at its precision, (0, 1]; "
        "0.40 from Llama 3's 38–43 % (BF16, H100).",
    )
    # Llama 3 405B's pre-training was 3.8e25 FLOP = 3.8e7 EFLOP; 1e12 EFLOP leaves room.
    work_eflop: float | None = Field(
        None,
        gt=0,
        le=1e12,
        description="Useful training compute to do, in total [EFLOP = 1e18 FLOP], up to 1e12; "
        "instead of work_h (h = work / (GPUs × TFLOPS × mfu_pu × 3.6e-3)).",
    )
    work_h100_h: float | None = Field(
        None,
        gt=0,
        le=MAX_HOURS,
        description="Compute to do as H100-equivalent hours [h], up to 876,000: the hours its "
        "GPUs would need as H100 SXMs at the same precision and mfu_pu; instead of work_h.",
    )

    @model_validator(mode="after")
    def _one_size(self) -> JobConfig:
        given = [k for k in ("work_h", "work_eflop", "work_h100_h") if getattr(self, k) is not None]
        if len(given) > 1:
            raise KeyProblems(
                [
                    (
                        (key,),
                        getattr(self, key),
                        f"give one size of work_h, work_eflop, work_h100_h, not {len(given)} "
                        f"(also given: {', '.join(k for k in given if k != key)})",
                    )
                    for key in given[1:]
                ]
            )
        return self


def hardware_catalog(cluster: ClusterConfig | None = None) -> dict[str, HardwareConfig]:
    """The built-in catalog (``sim/data/hardware.yaml``) with a config's own entries on top."""
    text = (resources.files("sim") / "data" / "hardware.yaml").read_text()
    catalog = {name: HardwareConfig(**spec) for name, spec in yaml.safe_load(text).items()}
    if cluster is not None:
        catalog.update(cluster.hardware)
    return catalog


def cluster_problems(
    cluster: ClusterConfig | None, jobs: list[JobConfig]
) -> list[tuple[Key, Any, str]]:
    """Cross-checks of ``cluster`` and ``jobs``: names, catalog entries, sizes."""
    items: list[tuple[Key, Any, str]] = []
    if cluster is None:
        if jobs:
            items.append((("jobs",), f"{len(jobs)} jobs", "need a cluster: section"))
        return items
    catalog = hardware_catalog(cluster)
    pools: dict[str, PoolConfig] = {}
    for i, pool in enumerate(cluster.pools):
        if pool.name in pools:
            items.append(
                (("cluster", "pools", i, "name"), pool.name, "must differ from every other pool")
            )
        pools[pool.name] = pool
        if pool.hardware not in catalog:
            allowed = ", ".join(sorted(catalog))
            items.append(
                (("cluster", "pools", i, "hardware"), pool.hardware, f"must be one of: {allowed}")
            )
    names: set[str] = set()
    for i, job in enumerate(jobs):
        if job.name in names:
            items.append((("jobs", i, "name"), job.name, "must differ from every other job"))
        names.add(job.name)
        job_pool = pools.get(job.pool)
        if job_pool is None:
            allowed = ", ".join(repr(p) for p in pools)
            items.append((("jobs", i, "pool"), job.pool, f"must name a pool: {allowed}"))
        elif job.gpus > job_pool.gpus:
            items.append(
                (
                    ("jobs", i, "gpus"),
                    job.gpus,
                    f"must fit its pool {job_pool.name!r} ({job_pool.gpus} GPUs)",
                )
            )
        if job_pool is not None and job_pool.hardware in catalog:
            items += _work_problems(i, job, job_pool.hardware, catalog[job_pool.hardware])
    return items


def _work_problems(
    i: int, job: JobConfig, name: str, hardware: HardwareConfig
) -> list[tuple[Key, Any, str]]:
    """A job that names its precision or gives its size as work needs its hardware's dense
    peak at that precision (and ``work_h100_h`` the H100's); its size in hours must be in
    range (see :func:`sim.throughput.useful_h`)."""
    size = next((k for k in ("work_eflop", "work_h100_h") if getattr(job, k) is not None), None)
    named = "precision" in job.model_fields_set
    key = f"dense_{job.precision}_tflops"
    if peak_tflops(hardware, job.precision) is None and (size is not None or named):
        where, value = ("precision", job.precision) if size is None else (size, getattr(job, size))
        message = (
            f"needs {key} of hardware {name!r}, which gives none: give "
            f"cluster.hardware.{name}.{key}"
            + (", or precision: bf16" if job.precision == "fp8" else "")
        )
        return [(("jobs", i, where), value, message)]
    if size is None:
        return []
    hours = useful_h(job, hardware, hardware_catalog()[H100])
    if hours is not None and hours <= MAX_HOURS:
        return []
    problem = "the H100 gives no " + key if hours is None else f"is {hours:,.0f} h of compute"
    return [
        (
            ("jobs", i, size),
            getattr(job, size),
            f"{problem} on {name!r} ({job.precision}, mfu_pu {job.mfu_pu:g}); at most "
            f"{MAX_HOURS:,} h",
        )
    ]
