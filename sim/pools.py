"""Nodes of one hardware type, counted by state: a pool of the GPU cluster."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.config import FailuresConfig, HardwareConfig

if TYPE_CHECKING:
    from sim.jobs import Job

GPU_STATES = ("busy", "idle", "spare", "repair")


class Pool:
    """Nodes of one hardware type, counted by state (free, spare, busy, in repair).

    With Weibull failures a node ages while it runs a job, so each idle node's remaining life
    [s of running] is kept (``free_lives``, ``spare_lives``; a job keeps its nodes' own). The
    node taken is the last one listed — the most recently returned (an assumption: with
    shape ≠ 1 which node a scheduler picks matters; this one reuses aged nodes first). A
    repaired node returns as good as new: a fresh life ``η·E^(1/k)``, E ~ Exp(1) (the inverse
    of the cumulative hazard ``(t/η)^k``). With exponential failures lives are not kept.
    """

    def __init__(
        self,
        name: str,
        hardware: HardwareConfig,
        gpus: int,
        spare_gpus: int,
        failures: FailuresConfig,
        rng: np.random.Generator,
        age_rng: np.random.Generator | None = None,
    ):
        self.name = name
        self.hardware = hardware
        gpn = hardware.gpus_per_node
        self.n_nodes = math.ceil(gpus / gpn)
        self.spare_target = math.ceil(spare_gpus / gpn)
        self.free = self.n_nodes
        self.spare = self.spare_target
        self.in_repair = 0
        self.failure_rate_per_node_s = failures.rate_per_node_day / 86400.0
        self.node_idle_w = hardware.node_overhead_w + gpn * (
            hardware.gpu_idle_w + hardware.network_w_per_gpu
        )
        self.waiting_for_node: list[Job] = []  # jobs that lost a node and found no spare
        self.gpu_s = dict.fromkeys(GPU_STATES, 0.0)  # GPU-seconds by node state
        self.weibull = failures.distribution == "weibull" and self.failure_rate_per_node_s > 0
        self.rng = rng
        if self.weibull:
            assert failures.shape is not None
            self.shape = failures.shape
            # mean life 1/λ = η·Γ(1 + 1/k)
            self.scale_s = 1.0 / self.failure_rate_per_node_s / math.gamma(1.0 + 1.0 / self.shape)
        # weibull, fleet_age stationary: the lives at t = 0 from their own stream (see
        # draw_start_lives); new: from the lives' stream, as repaired nodes' are
        self.age_rng = age_rng if failures.fleet_age == "stationary" else None
        self.free_lives = self.draw_start_lives(self.free)
        self.spare_lives = self.draw_start_lives(self.spare)
        self.held_lives: list[float] = []  # lives of nodes not built yet (sim.buildout)

    def draw_lives(self, n: int) -> list[float]:
        """Lives of ``n`` new nodes [s of running]: ``η·E^(1/k)`` (empty unless Weibull)."""
        if not self.weibull:
            return []
        with np.errstate(over="ignore"):  # a life past the largest float never ends: inf
            return (self.scale_s * self.rng.exponential(size=n) ** (1.0 / self.shape)).tolist()

    def draw_start_lives(self, n: int) -> list[float]:
        """Lives left of ``n`` nodes of the fleet at t = 0 [s of running] (empty unless
        Weibull): new (:meth:`draw_lives`), or at their stationary age.

        Stationary: a node whose failures are a renewal process of lives ``L`` (Weibull,
        ``S(t) = exp(−(t/η)^k)``, mean ``μ = η·Γ(1 + 1/k)``), looked at a long time after it
        began, has a life left of the equilibrium (forward-recurrence) density
        ``f_e(t) = S(t)/μ``. With ``x = (s/η)^k``, ``ds = (η/k)·x^(1/k − 1)·dx``:
        ``F_e(t) = (1/μ)·∫₀ᵗ e^(−(s/η)^k) ds = (η/k)·Γ(1/k)·P(1/k, (t/η)^k)/μ
        = P(1/k, (t/η)^k)``, with ``P`` the regularized lower incomplete gamma function (as
        ``(η/k)·Γ(1/k) = η·Γ(1 + 1/k) = μ``). So ``(T/η)^k ~ Gamma(1/k, 1)``: a life left
        is ``T = η·G^(1/k)``, ``G ~ Gamma(1/k, 1)`` — exact, drawn from the pool's own stream
        ``cluster.node_ages.<pool>`` (configs with ``fleet_age: new`` draw nothing from it).
        A fleet so started fails at its configured rate ``1/μ`` from the start (for k = 1,
        ``G ~ Exp(1)``: the same law as a new node's life, as memorylessness says)."""
        if not self.weibull or self.age_rng is None:
            return self.draw_lives(n)
        with np.errstate(over="ignore"):
            g = self.age_rng.gamma(1.0 / self.shape, size=n)
            return (self.scale_s * g ** (1.0 / self.shape)).tolist()

    def take_idle(self, n: int) -> int:
        """Take up to ``n`` idle nodes out (free ones first, then spares; their lives are
        dropped); returns how many were taken."""
        from_free = min(n, self.free)
        from_spare = min(n - from_free, self.spare)
        self.free -= from_free
        self.spare -= from_spare
        if self.weibull:
            del self.free_lives[len(self.free_lives) - from_free :]
            del self.spare_lives[len(self.spare_lives) - from_spare :]
        return from_free + from_spare

    def give_back_many(self, n: int) -> None:
        """``n`` nodes return from a domain's repair (they were not renewed: with Weibull
        lives, each gets a life left at the fleet's start age, :meth:`draw_start_lives`): as
        spares while short of them, the rest free."""
        self.in_repair -= n
        to_spare = min(n, max(0, self.spare_target - self.spare))
        self.spare += to_spare
        self.free += n - to_spare
        if self.weibull:
            self.spare_lives.extend(self.draw_start_lives(to_spare))
            self.free_lives.extend(self.draw_start_lives(n - to_spare))

    @property
    def idle_nodes(self) -> int:
        """Healthy nodes running nothing: free ones and hot spares."""
        return self.free + self.spare

    def take_free(self, n: int) -> list[float]:
        """Take ``n`` free nodes for a job; returns their lives (empty unless Weibull)."""
        self.free -= n
        if not self.weibull:
            return []
        lives = self.free_lives[len(self.free_lives) - n :]
        del self.free_lives[len(self.free_lives) - n :]
        return lives

    def return_free(self, lives: list[float]) -> None:
        """A job's nodes return, free, with their lives left (empty unless Weibull)."""
        self.free_lives.extend(lives)

    def take_replacement(self) -> float | None:
        """Take a node to replace a failed one: a spare first, else a free node. Returns its
        life left [s] (``inf`` unless Weibull), or None if there is none."""
        if self.spare > 0:
            self.spare -= 1
            return self.spare_lives.pop() if self.weibull else math.inf
        if self.free > 0:
            self.free -= 1
            return self.free_lives.pop() if self.weibull else math.inf
        return None

    def give_back(self) -> None:
        """A repaired node returns, as good as new: as a spare if short of them, else free."""
        self.in_repair -= 1
        to_spare = self.spare < self.spare_target
        if to_spare:
            self.spare += 1
        else:
            self.free += 1
        if self.weibull:  # (else no lives are kept)
            (self.spare_lives if to_spare else self.free_lives).extend(self.draw_lives(1))

    # ---- build-out (sim.buildout) --------------------------------------------------------

    def arrive(self, nodes: int, spares: int) -> None:
        """``nodes`` free nodes and ``spares`` hot spares join the pool (negative: they are
        taken out before the run, to arrive later). A node taken out keeps the life drawn for
        it and gets it back when it arrives, as new (idle nodes do not age)."""
        self.n_nodes += nodes
        self.free += nodes
        self.spare_target += spares
        self.spare += spares
        if self.weibull:
            for n, lives in ((nodes, self.free_lives), (spares, self.spare_lives)):
                if n < 0:
                    self.held_lives.extend(lives[n:])
                    del lives[n:]
                elif n > 0:
                    lives.extend(self.held_lives[-n:])
                    del self.held_lives[-n:]
