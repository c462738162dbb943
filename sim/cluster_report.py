"""The GPU cluster's end of run and summary: closing the jobs' accounts, the ``jobs`` and
``cluster`` sections, the progress traces. A mixin of :class:`sim.cluster.Cluster`, apart so
that the scheduler and the state machine stay in one short module."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.causes import FailureCauses
from sim.config import HardwareConfig
from sim.contracts import Section
from sim.domains import Domains
from sim.jobs import Job
from sim.throughput import job_work, run_work
from sim.units import S_PER_H


class ClusterReports:
    """The cluster's reports (a mixin of :class:`sim.cluster.Cluster`, which sets the state
    below)."""

    jobs: list[Job]
    h100: HardwareConfig
    causes: FailureCauses | None
    domains: Domains | None

    def _advance(self, now_s: float) -> None:
        raise NotImplementedError  # (the cluster's)

    def gpu_hours(self, end_s: float) -> dict[str, Any]:
        raise NotImplementedError  # (the cluster's)

    def finish(self, end_s: float) -> None:
        """Close the jobs' accounts and progress traces at the end of the run, ``end_s`` [s]
        (once: the reports and :meth:`progress` read them)."""
        for job in self.jobs:
            job.close(end_s)
        self._advance(end_s)

    def sections(self) -> list[Section]:
        """Its summary sections: ``jobs`` (:meth:`report_jobs`) and ``cluster``
        (:meth:`report`)."""
        return [Section("jobs", self.report_jobs), Section("cluster", self.report)]

    def report_jobs(self, segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
        """Each job's numbers over the run, by name (see :meth:`sim.jobs.Job.report`)."""
        return {
            job.name: {**job.report(end_s), **job_work(job, end_s, self.h100)} for job in self.jobs
        }

    def report(self, segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
        """GPU-hours by node state, for the cluster and each pool (see :meth:`gpu_hours`), the
        jobs' work (:func:`sim.throughput.run_work`; the site's per work: the runner's), and
        the failures by cause and by domain when they are configured."""
        jobs = list(self.report_jobs(segments, end_s).values())
        out: dict[str, Any] = {"gpu_hours": self.gpu_hours(end_s), "work": run_work(jobs)}
        if self.causes is not None:
            out["failures_by_cause"] = self.causes.report()
        if self.domains is not None:
            out["domain_failures"] = self.domains.report()
        return out

    def progress(self) -> pd.DataFrame:
        """Each job's useful compute against time, from its exact trace (closed by
        :meth:`finish`): ``time_h, job, progress_h``."""
        frames = [
            pd.DataFrame(
                {
                    "time_h": np.frombuffer(job.trace, dtype=float)[0::2] / S_PER_H,
                    "job": job.name,
                    "progress_h": np.frombuffer(job.trace, dtype=float)[1::2] / S_PER_H,
                }
            )
            for job in self.jobs
        ]
        if not frames:
            return no_progress()
        return pd.concat(frames, ignore_index=True)

    def throttle_traces(self) -> list[tuple[int, np.ndarray]]:
        """Each job's GPUs and progress trace (``time_s, progress_s`` pairs, flat), for the
        cooling's throttle cost (see :func:`sim.summary.throttle_cost`)."""
        return [(job.n_gpus, np.frombuffer(job.trace, dtype=float)) for job in self.jobs]


def no_progress() -> pd.DataFrame:
    """The progress frame of a site without jobs: no rows, the columns of
    :meth:`Cluster.progress`."""
    return pd.DataFrame({"time_h": [], "job": [], "progress_h": []}).astype({"job": str})
