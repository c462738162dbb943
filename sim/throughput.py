"""Work, not just GPU-hours: a job's size and output in floating-point operations.

Each hardware entry may give its dense (no 2:4 sparsity) tensor-core peak per accelerator at
BF16 and FP8 (``dense_bf16_tflops``, ``dense_fp8_tflops``; sources in ``sim/data/hardware.yaml``),
and each job its precision and model FLOPs utilisation (``precision``, ``mfu_pu``). A job of
``n`` GPUs then does useful work at the rate

    r = n · F · 10¹² · u · 3600 / 10¹⁸   [EFLOP per hour of useful compute]

with ``F`` the peak at the job's precision [TFLOPS] and ``u`` its MFU [pu]; ``n`` is the job's
GPUs rounded up to whole nodes (what it holds and computes on). A size given as work is turned
into hours of useful compute once, when the cluster is built, so the engine counts hours as
before (and a job sized by ``work_h`` runs exactly as it did):

    work_eflop W:   h = W / r
    work_h100_h H:  h = H · F_H100 / F      (the hours an H100 job of the same GPUs, precision
                                             and MFU would need; its GPU count cancels)

Reports: useful work E = r · goodput_h [EFLOP]; H100-equivalent GPU-hours
E / (F_H100 · 10¹² · u · 3600 / 10¹⁸) [GPU-h] — what H100s at the job's precision and MFU
would need for the same work; energy per unit of work from the job's IT energy (its nodes'
draw: GPUs, node overhead and network share; no cooling). Assumed: a FLOP is a FLOP whatever
the precision, and the MFU a job reaches is the same on every hardware type (so the
H100-equivalent of an H100 job is its GPU-hours). The site's money and facility energy are
reported per unit of work for the run only (the summary's ``work``), not split over jobs: demand
charges, cooling and idle nodes have no fair share by job.

This module imports no config at run time (the schema's cross-checks call it).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sim.units import S_PER_H

if TYPE_CHECKING:
    from sim.config.schema.cluster import HardwareConfig, JobConfig
    from sim.jobs import Job

H100 = "h100-sxm"
"""The built-in catalog entry that H100-equivalent hours refer to (its own throughput, even if
a config replaces the entry under ``cluster.hardware``)."""

EFLOP_PER_TFLOPS_H = 1e12 * S_PER_H / 1e18
"""EFLOP done in one hour at 1 TFLOPS [EFLOP/(TFLOPS·h)] = 3.6e-3."""

SIZE_KEYS = ("work_h", "work_eflop", "work_h100_h")
"""The keys that give a job's size; at most one of them (none: it runs to the end)."""


def peak_tflops(hardware: HardwareConfig, precision: str) -> float | None:
    """Dense tensor peak of one accelerator at ``precision`` (``bf16`` or ``fp8``) [TFLOPS];
    None if the catalog entry does not give it."""
    return hardware.dense_fp8_tflops if precision == "fp8" else hardware.dense_bf16_tflops


def job_gpus(gpus: int, hardware: HardwareConfig) -> int:
    """A job's GPUs rounded up to whole nodes: ``⌈gpus / gpus_per_node⌉ · gpus_per_node``."""
    return math.ceil(gpus / hardware.gpus_per_node) * hardware.gpus_per_node


def eflop_per_h(n_gpus: int, tflops: float, mfu_pu: float) -> float:
    """Useful work of ``n_gpus`` at a peak of ``tflops`` [TFLOPS] and MFU ``mfu_pu`` [pu] per
    hour of useful compute: ``n · F · u · 3.6e-3`` [EFLOP/h]."""
    return n_gpus * tflops * mfu_pu * EFLOP_PER_TFLOPS_H


def useful_h(job: JobConfig, hardware: HardwareConfig, h100: HardwareConfig) -> float | None:
    """A job's size in hours of useful compute at its GPUs [h]: ``work_h`` as given; else
    ``work_eflop / r`` or ``work_h100_h · F_H100 / F`` (see the module docstring); None if it
    has no size (it runs to the end) or its hardware lacks the throughput (a config error,
    reported by :func:`sim.config.schema.cluster.cluster_problems`)."""
    if job.work_h is not None:
        return job.work_h
    tflops = peak_tflops(hardware, job.precision)
    if tflops is None:
        return None
    if job.work_eflop is not None:
        return job.work_eflop / eflop_per_h(job_gpus(job.gpus, hardware), tflops, job.mfu_pu)
    if job.work_h100_h is not None:
        h100_tflops = peak_tflops(h100, job.precision)
        return None if h100_tflops is None else job.work_h100_h * h100_tflops / tflops
    return None


def _ratio(numerator: float, denominator: float | None) -> float | None:
    return numerator / denominator if denominator else None


def job_work(job: Job, end_s: float, h100: HardwareConfig) -> dict[str, float | None]:
    """A job's work over a run that ended at ``end_s`` [s] (after :meth:`sim.jobs.Job.close`):

    - ``useful_eflop`` = r · goodput_h [EFLOP];
    - ``useful_h100_gpu_h`` = useful_eflop / (F_H100 · u · 3.6e-3) [H100 GPU-h];
    - ``energy_per_eflop_mwh`` = job IT energy / useful_eflop [MWh/EFLOP];
    - ``energy_per_h100_gpu_h_kwh`` = job IT energy [kWh] / useful_h100_gpu_h [kWh per
      H100 GPU-h, = MWh per 1,000 H100 GPU-h].

    All None where the hardware lacks the throughput at the job's precision (ratios: where the
    job did no work)."""
    cfg, hardware = job.cfg, job.pool.hardware
    tflops = peak_tflops(hardware, cfg.precision)
    h100_tflops = peak_tflops(h100, cfg.precision)
    energy_mwh = job.energy_j / 3.6e9
    eflop = h100_gpu_h = None
    if tflops is not None:
        eflop = eflop_per_h(job.n_gpus, tflops, cfg.mfu_pu) * job.progress_s(end_s) / S_PER_H
        if h100_tflops is not None:
            h100_gpu_h = eflop / eflop_per_h(1, h100_tflops, cfg.mfu_pu)
    return {
        "useful_eflop": eflop,
        "useful_h100_gpu_h": h100_gpu_h,
        "energy_per_eflop_mwh": _ratio(energy_mwh, eflop),
        "energy_per_h100_gpu_h_kwh": _ratio(energy_mwh * 1000.0, h100_gpu_h),
    }


def run_work(jobs: list[dict[str, Any]]) -> dict[str, float | None]:
    """The run's work from its jobs' (:func:`job_work` merged into each job's report):
    ``useful_eflop`` and ``useful_h100_gpu_h`` summed, ``energy_per_eflop_mwh`` and
    ``energy_per_h100_gpu_h_kwh`` from the jobs' IT energy summed over the jobs whose work
    is known; the site's figures are added by :func:`site_work`."""
    known = [j for j in jobs if j["useful_eflop"] is not None]
    eflop = sum(j["useful_eflop"] for j in known) if known else None
    h100 = [j for j in known if j["useful_h100_gpu_h"] is not None]
    h100_gpu_h = sum(j["useful_h100_gpu_h"] for j in h100) if h100 else None
    return {
        "useful_eflop": eflop,
        "useful_h100_gpu_h": h100_gpu_h,
        "energy_per_eflop_mwh": _ratio(sum(j["energy_mwh"] for j in known), eflop),
        "energy_per_h100_gpu_h_kwh": _ratio(
            1000.0 * sum(j["energy_mwh"] for j in h100), h100_gpu_h
        ),
    }


def site_work(
    work: dict[str, Any], jobs: list[dict[str, Any]], load_mwh: float, cost_usd: float
) -> dict[str, float | None]:
    """The site's figures per unit of the run's work (``work`` from :func:`run_work` of
    ``jobs``), the summary's own ``work`` section: ``facility_energy_per_eflop_mwh`` =
    facility energy (``energy_mwh.load``: IT, idle nodes, cooling, losses) / useful_eflop
    [MWh/EFLOP], ``cost_per_eflop_usd`` = ``cost_usd.total`` / useful_eflop [USD/EFLOP] and
    ``cost_per_h100_gpu_h_usd`` = ``cost_usd.total`` / useful_h100_gpu_h [USD per H100 GPU-h];
    None where a job's work is unknown (the site's energy and money cannot be split) or there
    was none."""
    known = all(j["useful_eflop"] is not None and j["useful_h100_gpu_h"] is not None for j in jobs)
    eflop = work["useful_eflop"] if known else None
    h100_gpu_h = work["useful_h100_gpu_h"] if known else None
    return {
        "facility_energy_per_eflop_mwh": _ratio(load_mwh, eflop),
        "cost_per_eflop_usd": _ratio(cost_usd, eflop),
        "cost_per_h100_gpu_h_usd": _ratio(cost_usd, h100_gpu_h),
    }
