"""Causes of node failures: each failure's cause drawn when it happens.

A job's failures are one stream (superposition, see :mod:`sim.jobs`) at the total rate
``λ = rate_per_node_day``. Split by causes of shares ``p_c`` (``Σ p_c = 1``), each cause is a
stream of its own at rate ``p_c·λ``: marking each failure of a Poisson process with a cause
drawn independently with probabilities ``p_c`` gives exactly independent Poisson processes of
rates ``p_c·λ`` (the marking theorem), so drawing the cause at the failure is exact for
exponential lives. With Weibull lives the cause is taken to be independent of the node's age
(an assumption: the data give shares, not a hazard per cause).

A cause either takes its node to repair (``repair: true``; mean repair time its own
``repair_h`` or the cluster's) or only restarts the job (``repair: false``: a software bug, an
NCCL watchdog timeout; no node is lost, and with Weibull lives the failed node's life begins
again, as a repaired node's would). Causes given by rate are turned into shares
``p_c = r_c / Σ r``; the rates must sum to ``rate_per_node_day`` (checked by the config).

The draws come from their own stream, ``cluster.failure_causes``: a config without causes
draws nothing from it, so its results do not change.
"""

from __future__ import annotations

import bisect
import itertools

import numpy as np

from sim.config import FailuresConfig
from sim.rng import stream
from sim.units import S_PER_H


class FailureCauses:
    """The causes of a cluster's failures, their counts, and the draw of each one's cause.

    Parameters
    ----------
    failures : FailuresConfig
        The failures' config (its ``causes`` not None).
    repair_h : float
        The cluster's mean repair time [h] (for causes without their own).
    seed : int
        The run's seed (the stream ``cluster.failure_causes``).
    phases : tuple of str
        The job phases' names (the event details name the cause and the phase).
    """

    def __init__(
        self, failures: FailuresConfig, repair_h: float, seed: int, phases: tuple[str, ...]
    ):
        causes = failures.causes
        assert causes is not None
        items = causes
        weights = [
            c.share_pu if c.share_pu is not None else (c.rate_per_node_day or 0.0) for c in items
        ]
        total = sum(weights)
        self.names = [c.name for c in items]
        self.share_pu = [w / total if total > 0 else 0.0 for w in weights]
        # cumulative shares; the last set to 1 so that a draw u < 1 always finds a cause
        self.cum = list(itertools.accumulate(self.share_pu))
        self.cum[-1] = 1.0
        self.repair = [c.repair for c in items]
        self.repair_mean_s = [(c.repair_h or repair_h) * S_PER_H for c in items]
        self.counts = [0] * len(items)
        self.details = [
            [f"{c.name}{'' if c.repair else ' (restart only)'}, in {p}" for p in phases]
            for c in items
        ]
        self.rng: np.random.Generator = stream(seed, "cluster.failure_causes")

    def draw(self) -> int:
        """The cause of a failure now (its index), counted: ``u ~ U[0, 1)``, the first cause
        whose cumulative share exceeds ``u``."""
        i = bisect.bisect_right(self.cum, self.rng.random())
        i = min(i, len(self.cum) - 1)  # (shares of 0 at the end)
        self.counts[i] += 1
        return i

    def report(self) -> dict[str, int]:
        """Failures by cause over the run."""
        return dict(zip(self.names, self.counts, strict=True))
