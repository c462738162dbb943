"""Synchronous data-parallel training jobs: checkpoints, failures, rollbacks and restarts.

A job runs on ``n`` nodes of one pool. It moves through phases — restart (loading, ``restart_s``),
compute (``checkpoint_interval_s`` of compute, or what is left of its work), checkpoint
(``checkpoint_write_s``), compute, … — as in Young's and Daly's models. A failure of any of its
nodes interrupts the whole job at once:

- during compute, the compute since the last checkpoint is lost (rolled back);
- during a checkpoint, that checkpoint is lost too (the compute before it is rolled back);
- during a restart, the restart begins again.

The failed node goes to repair; a hot spare (or a free node) replaces it at once, else the job
waits for one. Nodes age only while their job runs (restart, compute, checkpoint: the job's
*running clock*). With exponential failures the job's failures are a Poisson process of rate
``n·λ`` (superposition): one draw per running stretch, whatever the node count. With Weibull
failures each node has its own life in running time; the job keeps its nodes' deaths on its
running clock in a heap, and its next failure is the earliest: a failure costs ``O(log n)``.
Either way the cost grows with the number of failures, not with nodes × time.

Each job is a SimPy process (:meth:`sim.cluster.Cluster._life`): it waits for its single pending
wake-up — the end of its phase, of the part of an iteration it is in, or its next failure,
whichever is first (:meth:`Job.next_s`) — and acts on it: the phase changes, or the job fails.
What others decide (its start, a replacement node, a shed, a pause, a cap that moves its
phase's end) is done by the cluster at once, as the bus needs the new power at once; the
process learns of it by an interrupt when its wake-up moves earlier, and by waiting again when
it moves later (see :attr:`Job.wake`).
"""

from __future__ import annotations

import heapq
import math
import struct
from array import array
from typing import TYPE_CHECKING

import numpy as np

from sim.config import JobConfig
from sim.units import S_PER_H

if TYPE_CHECKING:
    import simpy

    from sim.pools import Pool

CAP_SPEED_EXPONENT = 0.3
"""Throughput under a power cap: ``speed = cap_pu ** 0.3``, with ``cap_pu`` the GPUs' capped
power over their uncapped power while computing. A cap to 70 % keeps ~90 % of the speed; an
assumption in the range reported for power-capped H100-class training (compute-bound kernels
slow less than power falls, as clocks and voltage drop together)."""

QUEUED, RESTART, COMPUTE, CHECKPOINT, WAIT_NODE, DONE, SHED = range(7)
PHASE_NAMES = (
    "queued",
    "restart",
    "compute",
    "checkpoint",
    "waiting for a node",
    "done",
    "shed",
)
RUNNING = (RESTART, COMPUTE, CHECKPOINT)

_PAIR = struct.Struct("2d").pack
_TWO_PAIRS = struct.Struct("4d").pack
"""Points of a progress trace as bytes of native doubles, as the trace's array holds them
(``array.frombytes`` of these is several times faster than ``array.extend`` of a tuple)."""


class Job:
    """One training job (see the module docstring); powers in W, times in s.

    Parameters
    ----------
    cfg : JobConfig
        The job's config.
    pool : Pool
        The pool it runs on.
    index : int
        Its place in the config (ties of priority go to the earlier job).
    """

    def __init__(self, cfg: JobConfig, pool: Pool, index: int, iterate: bool = False):
        self.cfg = cfg
        self.name = cfg.name
        self.pool = pool
        self.index = index
        hw = pool.hardware
        self.n_nodes = math.ceil(cfg.gpus / hw.gpus_per_node)
        self.n_gpus = self.n_nodes * hw.gpus_per_node
        self.tau_s = cfg.checkpoint_interval_s
        self.delta_s = cfg.checkpoint_write_s
        self.restart_s = cfg.restart_s
        self.work_s = math.inf if cfg.work_h is None else cfg.work_h * S_PER_H
        self.submit_s = cfg.submit_h * S_PER_H
        gpu_compute_w = cfg.compute_fraction * hw.gpu_tdp_w + (1 - cfg.compute_fraction) * (
            hw.gpu_idle_w
        )
        per_node_w = hw.node_overhead_w + hw.gpus_per_node * hw.network_w_per_gpu
        self.node_compute_w = per_node_w + hw.gpus_per_node * gpu_compute_w
        self.node_idle_w = pool.node_idle_w
        # power_model iteration: compute_fraction of each iteration at TDP, the rest at idle
        self.iterate = iterate
        self.node_peak_w = per_node_w + hw.gpus_per_node * hw.gpu_tdp_w
        self.compute_pu = cfg.compute_fraction  # of each iteration (its swing's weights)
        self.compute_sub_s = cfg.compute_fraction * cfg.iteration_s
        self.comm_sub_s = cfg.iteration_s - self.compute_sub_s
        self.in_comm = False  # in the communication part of an iteration
        self.final_stretch = False  # the compute under way finishes the job's work
        self.stretch_left_s = 0.0  # compute still to do in this stretch (at full speed) [s]
        self.cap_pu = 1.0  # GPU power cap while computing [pu of uncapped]
        self.speed = 1.0  # compute done per wall second [pu]: cap_pu ** CAP_SPEED_EXPONENT
        self.sub_end_s = math.inf  # end of the current part of the iteration
        self.node_full_w = self.node_peak_w if iterate else self.node_compute_w
        self.node_base_w = per_node_w  # a node without its GPUs [W]
        self.rate_per_s = self.n_nodes * pool.failure_rate_per_node_s
        self.weibull = pool.weibull
        self.deaths: list[float] = []  # Weibull: heap of its nodes' deaths on its running clock
        self.run_clock_s = 0.0  # Weibull: time the job has run (restart, compute, checkpoint) [s]
        self._run_since_s = 0.0  # when it last began running

        self.state = QUEUED
        self.phase_start_s = 0.0
        self.phase_end_s = math.inf
        self.fail_s = math.inf
        # Its process and wake-up (the cluster's; see Cluster._life)
        self.process: simpy.Process | None = None  # (started by the cluster)
        self.wake: simpy.Timeout | None = None  # the timeout it waits for (None: none)
        self.armed_s = math.inf  # when ``wake`` fires [s]
        self.due_s = math.inf  # when the job next acts [s] (``inf``: when told)
        self.parked = False  # its process waits for a wake-up it must be told is replaced
        self.power_w = 0.0  # drawn by the job's nodes now (the pool counts them as busy)
        self._t_power_s = 0.0  # since when ``power_w`` holds
        # Results
        self.committed_s = 0.0  # compute saved by completed checkpoints
        self.in_flight_s = 0.0  # compute since the last checkpoint (at the last phase change)
        self.lost_s = 0.0  # compute rolled back
        self.interruptions = {"compute": 0, "checkpoint": 0, "restart": 0}
        self.shed_count = 0  # times the job was shed by load management
        self.pausing = False  # writing a checkpoint before it stops (load management)
        self.paused_count = 0  # times it was paused (stopped after a checkpoint)
        self.checkpoints = 0
        self.start_s: float | None = None
        self.end_s: float | None = None
        self.wait_node_s = 0.0
        self.energy_j = 0.0
        # Progress trace: (time [s], useful compute [s]) at every change of its slope and on
        # both sides of every rollback; linear in between (exact).
        self.trace = array("d")
        self.nodes_missing = 0  # nodes it waits for (waiting for a node: 1, or a domain's)

    # ---- power -------------------------------------------------------------------------

    def _set_power(self, now_s: float, power_w: float) -> float:
        """Set the job's power from now; returns the change [W] for the cluster's total."""
        self.energy_j += self.power_w * (now_s - self._t_power_s)
        self._t_power_s = now_s
        delta = power_w - self.power_w
        self.power_w = power_w
        return delta

    def phase_power_w(self, cap_pu: float | None = None) -> float:
        """Power of the job's nodes in its phase [W]: computing nodes at their mean training
        power (GPU power × ``cap_pu``, default the job's cap), nodes restarting, checkpointing
        or waiting at idle (the failed one is off)."""
        if self.state == COMPUTE:
            cap = self.cap_pu if cap_pu is None else cap_pu
            if not self.iterate:
                gpu_w = self.node_compute_w - self.node_base_w
            elif self.in_comm:
                return self.n_nodes * self.node_idle_w
            else:
                gpu_w = self.node_peak_w - self.node_base_w
            return self.n_nodes * (self.node_base_w + cap * gpu_w)
        if self.state in (RESTART, CHECKPOINT):
            return self.n_nodes * self.node_idle_w
        if self.state == WAIT_NODE:
            return (self.n_nodes - self.nodes_missing) * self.node_idle_w
        return 0.0

    def swing_w(self) -> float:
        """How far the job's power is above its mean over an iteration now [W] (0 unless it
        computes under ``power_model: iteration``): ``p − (f·p_compute + (1 − f)·p_comm)``
        with ``f`` the compute fraction of an iteration (a cap or slow-down stretches both
        parts alike, so ``f`` holds)."""
        if not self.iterate or self.state != COMPUTE:
            return 0.0
        f = self.compute_pu
        compute_w = self.n_nodes * (
            self.node_base_w + self.cap_pu * (self.node_peak_w - self.node_base_w)
        )
        return self.power_w - (f * compute_w + (1.0 - f) * self.n_nodes * self.node_idle_w)

    # ---- node lives (Weibull failures) --------------------------------------------------

    def _clock_s(self, now_s: float) -> float:
        """The job's running clock now [s]: its nodes' ageing since they joined it."""
        if self.state in RUNNING:
            return self.run_clock_s + (now_s - self._run_since_s)
        return self.run_clock_s

    def assign(self, lives: list[float]) -> None:
        """The job starts on nodes with these lives left [s] (empty unless Weibull)."""
        clock_s = self.run_clock_s
        self.deaths = [clock_s + life for life in lives]
        heapq.heapify(self.deaths)

    def add_node(self, now_s: float, life_s: float) -> None:
        """A node with ``life_s`` left [s] replaces the failed one."""
        if self.weibull:
            heapq.heappush(self.deaths, self._clock_s(now_s) + life_s)

    def drop_failed_node(self) -> None:
        """The node that failed (the earliest death) leaves the job for repair."""
        if self.weibull:
            heapq.heappop(self.deaths)

    def drop_nodes(self, n: int) -> None:
        """``n`` of its nodes leave it at once (a failure domain); with Weibull lives, the
        heap's last entries (any ``n`` nodes: which does not matter, the job holds them all
        alike; the rest stays a heap)."""
        if self.weibull and n > 0:
            del self.deaths[len(self.deaths) - n :]

    def release_nodes(self) -> list[float]:
        """The job is done: its nodes' lives left [s] (empty unless Weibull)."""
        lives = [d - self.run_clock_s for d in self.deaths]
        self.deaths = []
        return lives

    def _draw_fail_s(self, now_s: float, rng: np.random.Generator) -> float:
        """Time of the job's next failure, from now with its nodes running [s]."""
        if self.weibull:
            return now_s + max(0.0, self.deaths[0] - self._clock_s(now_s))
        if self.rate_per_s > 0:
            return now_s + rng.exponential(1.0 / self.rate_per_s)
        return math.inf

    # ---- the state machine -------------------------------------------------------------

    def enter(self, now_s: float, state: int, rng: np.random.Generator) -> float:
        """Move to ``state`` now; set its end; returns the power change [W]."""
        was_running = self.state in RUNNING
        if self.pausing and state != CHECKPOINT:
            self.pausing = False
        if self.weibull:  # the running clock ages the nodes (exponential: memoryless)
            if was_running and state not in RUNNING:
                self.run_clock_s += now_s - self._run_since_s
            elif state in RUNNING and not was_running:
                self._run_since_s = now_s
        self.state = state
        self.phase_start_s = now_s
        if state == RESTART:
            if not was_running or self.fail_s <= now_s:
                self.fail_s = self._draw_fail_s(now_s, rng)
            self.phase_end_s = now_s + self.restart_s
            if self.start_s is None:
                self.start_s = now_s
        elif state == COMPUTE:
            left_s = max(0.0, self.work_s - self.committed_s)
            self.final_stretch = left_s <= self.tau_s  # the job is done when it ends
            self.stretch_left_s = min(self.tau_s, left_s)
            self.phase_end_s = now_s + self._wall_s(self.stretch_left_s)
            if self.iterate:
                self.in_comm = False
                self.sub_end_s = now_s + self._wall_s(self.compute_sub_s)
        elif state == CHECKPOINT:
            self.phase_end_s = now_s + self.delta_s
        else:  # QUEUED, WAIT_NODE, DONE, SHED: not running
            self.phase_end_s = self.fail_s = math.inf
            if state == DONE:
                self.end_s = now_s
        if state != COMPUTE:
            self.sub_end_s = math.inf
        self.trace.frombytes(_PAIR(now_s, self.committed_s + self.in_flight_s))  # (phase begins)
        power_w, old_w = self.phase_power_w(), self.power_w  # (_set_power, inlined: hot path)
        self.energy_j += old_w * (now_s - self._t_power_s)
        self._t_power_s = now_s
        self.power_w = power_w
        return power_w - old_w

    def toggle(self, now_s: float) -> float:
        """The next part of an iteration begins (compute ↔ communication); returns the power
        change [W]."""
        self.in_comm = not self.in_comm
        part_s = self.comm_sub_s if self.in_comm else self.compute_sub_s
        self.sub_end_s = now_s + self._wall_s(part_s)
        return self._set_power(now_s, self.phase_power_w())

    def bank_compute(self, now_s: float) -> None:
        """Count the compute done since the phase began as in flight, and begin the phase
        again from now (before the job's speed changes or its compute stops)."""
        if self.state == COMPUTE:
            done_s = (now_s - self.phase_start_s) * self.speed
            self.in_flight_s += done_s
            self.stretch_left_s = max(0.0, self.stretch_left_s - done_s)
            self.phase_start_s = now_s

    def set_cap(self, now_s: float, cap_pu: float) -> float:
        """Cap the GPUs' computing power to ``cap_pu`` from now (the job slows to
        ``cap_pu ** CAP_SPEED_EXPONENT``); returns the power change [W]."""
        self.bank_compute(now_s)
        old_speed = self.speed
        self.cap_pu = cap_pu
        self.speed = cap_pu**CAP_SPEED_EXPONENT
        if self.state != COMPUTE:
            return 0.0
        self.phase_end_s = now_s + self._wall_s(self.stretch_left_s)
        self.trace.extend((now_s, self.progress_s(now_s)))  # the slope changes
        if self.iterate:  # the part of the iteration under way stretches or shrinks too
            left_s = self.sub_end_s - now_s
            self.sub_end_s = now_s + self._wall_s(left_s * old_speed if left_s < math.inf else 0.0)
        return self._set_power(now_s, self.phase_power_w())

    def _wall_s(self, compute_s: float) -> float:
        """Wall time to do ``compute_s`` of compute at the job's speed [s] (``inf`` at 0)."""
        return compute_s / self.speed if self.speed > 0.0 else math.inf

    def end_stretch(self) -> None:
        """The compute stretch is done: its compute joins what is in flight."""
        self.in_flight_s += self.stretch_left_s
        self.stretch_left_s = 0.0

    def roll_back(self, now_s: float) -> float:
        """The job stops now: lose the compute since its last checkpoint; returns it [s]."""
        lost_s = self.in_flight_s
        if self.state == COMPUTE:
            lost_s += (now_s - self.phase_start_s) * self.speed
        self.lost_s += lost_s
        self.trace.frombytes(_TWO_PAIRS(now_s, self.committed_s + lost_s, now_s, self.committed_s))
        self.in_flight_s = 0.0
        return lost_s

    def next_s(self) -> float:
        """Time of the job's next event [s]: its phase's end, the end of the part of an
        iteration it is in, or its next failure."""
        return min(self.phase_end_s, self.fail_s, self.sub_end_s)

    def progress_s(self, now_s: float) -> float:
        """Useful compute so far [s]: checkpointed, plus what is computed since (kept, as it
        would be saved by the next checkpoint)."""
        if self.state == COMPUTE:
            return self.committed_s + self.in_flight_s + (now_s - self.phase_start_s) * self.speed
        return self.committed_s + self.in_flight_s

    def close(self, end_s: float) -> None:
        """Close the job's accounts at the end of the run, ``end_s`` [s] (once): its energy,
        the last point of its progress trace, and a wait for nodes still under way."""
        self._set_power(end_s, self.power_w)
        self.trace.extend((end_s, self.progress_s(end_s)))
        if self.state == WAIT_NODE:  # still waiting at the end of the run
            self.wait_node_s += end_s - self.phase_start_s
            self.phase_start_s = end_s

    def report(self, end_s: float) -> dict[str, float | int | None]:
        """The job's numbers over a run that ended at ``end_s`` [s] (units in the keys; call
        :meth:`close` first)."""
        useful_s = self.progress_s(end_s)
        wall_s = max(0.0, (self.end_s if self.end_s is not None else end_s) - self.submit_s)
        useful_gpu_h = useful_s * self.n_gpus / S_PER_H
        return {
            "gpus": self.n_gpus,
            "ettr": useful_s / wall_s if wall_s > 0 else 0.0,
            "goodput_h": useful_s / S_PER_H,
            "lost_h": self.lost_s / S_PER_H,
            "interruptions": sum(self.interruptions.values()),
            "interruptions_in_compute": self.interruptions["compute"],
            "interruptions_in_checkpoint": self.interruptions["checkpoint"],
            "interruptions_in_restart": self.interruptions["restart"],
            "shed": self.shed_count,
            "paused": self.paused_count,
            "checkpoints": self.checkpoints,
            "waiting_for_nodes_h": self.wait_node_s / S_PER_H,
            "started_h": None if self.start_s is None else self.start_s / S_PER_H,
            "finished_h": None if self.end_s is None else self.end_s / S_PER_H,
            "energy_mwh": self.energy_j / 3.6e9,
            "energy_per_useful_gpu_h_kwh": (
                self.energy_j / 3.6e6 / useful_gpu_h if useful_gpu_h > 0 else None
            ),
        }
