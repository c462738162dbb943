"""The GPU cluster: pools of nodes, failures and repairs, hot spares, and the job scheduler.

Nodes are counted, not modelled one by one: a pool knows how many of its nodes are free, hot
spares, running jobs or in repair. That is all a job's fate depends on when failures are
exponential (see :mod:`sim.jobs`), and it keeps a 1M-GPU cluster as cheap to set up as a small
one. With Weibull failures each node's remaining life is kept too (one float per node). The
cluster's IT power is piecewise constant: it changes only when a job changes phase or a node
changes state, and each change is handed to the bus.

Each job is a SimPy process (:meth:`Cluster._life`): it waits for its next wake-up (phase end,
part end or failure) and makes the change; the scheduler, the repair crews and load management
change a job at once and interrupt its process when they move its wake-up earlier. Nodes stay
aggregated in pools: a process per GPU (or per node) would cost memory and buy nothing
statistically, since a job's failures are one stream (see :mod:`sim.jobs`) and the pool's nodes
are interchangeable but for their Weibull lives, which are kept as numbers.

Assumptions (stated here and in the README): only nodes running a job fail (free and spare
nodes are idle and are taken not to, nor to age); a failed node is off while repaired, for an
exponential time of mean ``repair_h`` (in parallel with the pool's other failed nodes, by its
repair crew: :mod:`sim.repairs`), then returns as good as new, as a hot spare if the pool is
short of them, else free. Scheduler: submitted jobs in order of priority (larger first), then
submission (FIFO), then config order; a job starts when its pool has enough free nodes; a job
that does not fit does not block smaller ones behind it (backfill without reservation).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import simpy

from sim.causes import FailureCauses
from sim.cluster_load import ClusterLoadManagement
from sim.cluster_report import ClusterReports
from sim.config import ClusterConfig, JobConfig, hardware_catalog
from sim.contracts import NO_SITE, Site
from sim.domains import Domains
from sim.jobs import (
    CHECKPOINT,
    COMPUTE,
    DONE,
    PHASE_NAMES,
    QUEUED,
    RESTART,
    RUNNING,
    WAIT_NODE,
    Job,
)
from sim.pools import GPU_STATES, Pool
from sim.recorder import Recorder
from sim.repairs import RepairCrew
from sim.rng import stream
from sim.throughput import H100, useful_h
from sim.units import S_PER_H

FAILURE_DETAILS = tuple(f"in {phase}" for phase in PHASE_NAMES)
"""The detail of a ``node_failure`` event by the phase it hit: one string each, shared by the
events (a 1M-GPU year logs ~280k failures)."""


class Cluster(ClusterLoadManagement, ClusterReports):
    """Pools, jobs and the scheduler; the live IT load of the site.

    ``p_mw`` is the cluster's IT power now [MW]; its site (the bus) learns of every change of
    it (``site.changed()``). ``peak_mw`` bounds it (every node at its computing power).
    """

    def __init__(self, cfg: ClusterConfig, jobs: list[JobConfig], seed: int, recorder: Recorder):
        catalog = hardware_catalog(cfg)
        self.rng_failures = stream(seed, "cluster.failures")
        self.rng_repairs = stream(seed, "cluster.repairs")
        self.pools = {
            p.name: Pool(
                p.name,
                catalog[p.hardware],
                p.gpus,
                p.spare_gpus,
                cfg.failures,
                stream(seed, f"cluster.node_lives.{p.name}"),  # a pool's own: adding one
                stream(seed, f"cluster.node_ages.{p.name}"),  # does not change the others'
            )
            for p in cfg.pools
        }
        iterate = cfg.power_model == "iteration"
        self.iterate = iterate  # the jobs' power a square wave over each iteration
        # its column: the IT power's mean over an iteration (what the turbines follow)
        self.columns: tuple[str, ...] = ("it_mean_mw",) if iterate else ()
        self.jobs = [Job(j, self.pools[j.pool], i, iterate) for i, j in enumerate(jobs)]
        self.h100 = hardware_catalog()[H100]  # what H100-equivalent work refers to
        for job in self.jobs:  # a size given as work: its hours of compute (sim/throughput.py)
            if job.cfg.work_h is None and (
                hours := useful_h(job.cfg, job.pool.hardware, self.h100)
            ):
                job.work_s = hours * S_PER_H
        self.order = sorted(self.jobs, key=lambda j: (-j.cfg.priority, j.submit_s, j.index))
        self._queued = list(self.order)  # the jobs not started yet, in order (the scheduler's)
        self.repair_mean_s = cfg.repair_h * S_PER_H
        self.crews: dict[str, RepairCrew] = {}  # each pool's repair crew (set by start)
        self.recorder = recorder
        self.env: simpy.Environment | None = None
        self.site: Site = NO_SITE
        self.p_w = self.idle_nodes_w()
        self.peak_mw = 1e-6 * sum(
            (p.n_nodes + p.spare_target)
            * max(
                p.node_idle_w,
                max((j.node_full_w for j in self.jobs if j.pool is p), default=0.0),
            )
            for p in self.pools.values()
        )
        self.shed_w = 0.0  # computing power of the jobs shed by load management [W]
        self.n_stopped = 0  # jobs load management has stopped (shed or paused)
        self.held_w = 0.0  # computing power of queued jobs waiting for supply [W]
        self.reserve_w = 0.0  # running jobs' computing power above what they draw now [W]
        self.idle_on = True  # idle nodes powered (load management turns them off first)
        self.starts_held = False  # queued jobs that fit their pool wait for supply
        self.cap_pu = 1.0  # the GPU power cap load management has set [pu]
        self.thermal_pu = 1.0  # the cooling's GPU throttle [pu]; GPUs run at the lower cap
        self.hot = False  # the coolant is too warm to resume stopped jobs (set by the bus)
        self.capped_w = 0.0  # what the cap takes off the computing jobs now [W]
        self._t_s = 0.0  # last time the pools' GPU-seconds by state were advanced
        self.causes = (  # failures by cause (sim.causes), and failure domains (sim.domains)
            None
            if cfg.failures.causes is None
            else FailureCauses(cfg.failures, cfg.repair_h, seed, PHASE_NAMES)
        )
        self.domains = None if cfg.domains is None else Domains(cfg.domains, self.pools, seed)

    @property
    def p_mw(self) -> float:
        """IT power of the cluster now [MW]."""
        return self.p_w * 1e-6

    def swing_mw(self) -> float:
        """How far the cluster's power is above its mean over an iteration now [MW] (0 unless
        ``power_model: iteration``; see :meth:`sim.jobs.Job.swing_w`)."""
        total_w = 0.0
        if self.iterate:
            for job in self.jobs:  # (a loop, not a generator: read at every bus update)
                if job.state == COMPUTE:
                    total_w += job.swing_w()
        return total_w * 1e-6

    def values(self) -> tuple[float, ...]:
        """Values of :attr:`columns` now: the cluster's IT power less its swing [MW]."""
        return (self.p_w * 1e-6 - self.swing_mw(),) if self.iterate else ()

    def next_threshold_s(self) -> float:
        """Time to its next threshold of a column [s]: none (its changes are events)."""
        return math.inf

    def start(self, env: simpy.Environment, site: Site) -> None:
        """Start each job's process (:meth:`_life`) and place the first jobs at t = 0; the site
        learns of every power change."""
        self.env, self.site = env, site
        mean_s, rng = self.repair_mean_s, self.rng_repairs
        self.crews = {
            name: RepairCrew(env, mean_s, rng, functools.partial(self._on_repaired, pool))
            for name, pool in self.pools.items()
        }
        if self.domains is not None:
            self.domains.start(env, self)
        for job in self.jobs:
            later = job.submit_s > env.now
            submitted = env.timeout(job.submit_s - env.now) if later else None
            job.process = env.process(self._life(job, submitted))
        self._schedule_all(env.now)  # the bus's first update follows

    # ---- accounting ---------------------------------------------------------------------

    def _advance(self, now_s: float) -> None:
        """Integrate GPU-seconds by node state up to now (states are constant in between)."""
        dt = now_s - self._t_s
        if dt > 0.0:
            for p in self.pools.values():
                gpn_dt = p.hardware.gpus_per_node * dt
                busy = p.n_nodes + p.spare_target - p.free - p.spare - p.in_repair
                acc = p.gpu_s
                acc["busy"] += busy * gpn_dt
                acc["idle"] += p.free * gpn_dt
                acc["spare"] += p.spare * gpn_dt
                acc["repair"] += p.in_repair * gpn_dt
            self._t_s = now_s

    def gpu_hours(self, end_s: float) -> dict[str, Any]:
        """GPU-hours by node state over the run — busy (held by a job), idle, spare, repair —
        for the cluster and under ``pools`` for each pool."""
        self._advance(end_s)
        pools = {
            name: {k: v / S_PER_H for k, v in p.gpu_s.items()} for name, p in self.pools.items()
        }
        total = {k: sum(p[k] for p in pools.values()) for k in GPU_STATES}
        return {**total, "pools": pools}

    # ---- transitions ---------------------------------------------------------------------

    def _enter(self, job: Job, state: int, now_s: float) -> None:
        """The job enters ``state`` now: the running sums, the power and its wake-up follow.

        :meth:`_forget`, :meth:`sim.jobs.Job.enter`, :meth:`_count` and :meth:`_schedule`, the
        first two and the last inlined (the hot path of a 1M-GPU year: a call per phase)."""
        if job.state in RUNNING:  # (_forget)
            self.reserve_w -= job.n_nodes * job.node_full_w - job.power_w
            if job.cap_pu != 1.0 and job.state == COMPUTE:
                self.capped_w -= job.phase_power_w(1.0) - job.power_w
        self.p_w += job.enter(now_s, state, self.rng_failures)
        if state in RUNNING:  # (_count)
            self.reserve_w += job.n_nodes * job.node_full_w - job.power_w
            if job.cap_pu != 1.0 and state == COMPUTE:
                self.capped_w += job.phase_power_w(1.0) - job.power_w
        due_s = job.next_s()  # (_schedule)
        job.due_s = due_s
        if due_s < job.armed_s:
            self._rearm(job, due_s)

    @staticmethod
    def _reserve_of(job: Job) -> float:
        """How far a running job is below its computing power [W] (0 if not running)."""
        return job.n_nodes * job.node_full_w - job.power_w if job.state in RUNNING else 0.0

    @staticmethod
    def _capped_of(job: Job) -> float:
        """What the cap takes off a computing job now [W]."""
        if job.state != COMPUTE or job.cap_pu == 1.0:
            return 0.0
        return job.phase_power_w(1.0) - job.power_w

    def _forget(self, job: Job) -> None:
        """Take the job out of the running sums, before it changes (a job not running, or
        not capped, counts 0 in a sum: nothing is taken off)."""
        if job.state in RUNNING:
            self.reserve_w -= self._reserve_of(job)
            if job.cap_pu != 1.0 and job.state == COMPUTE:
                self.capped_w -= self._capped_of(job)

    def _count(self, job: Job) -> None:
        """Put the job back into the running sums, after it changed (see :meth:`_forget`)."""
        if job.state in RUNNING:
            self.reserve_w += self._reserve_of(job)
            if job.cap_pu != 1.0 and job.state == COMPUTE:
                self.capped_w += self._capped_of(job)

    def _idle_delta(self, pool: Pool, nodes: int) -> None:
        """``nodes`` (±) join the pool's idle nodes: their idle power joins the total (unless
        load management has turned idle nodes off)."""
        if self.idle_on:
            self.p_w += nodes * pool.node_idle_w

    def _schedule_all(self, now_s: float, room_mw: float | None = None) -> None:
        """Give returned nodes to jobs waiting for one, then start submitted queued jobs that
        fit their pool. While load management holds power back (:attr:`holding_back`) a job
        starts only when :meth:`take_back` finds supply for it: ``room_mw`` [MW] is then what
        grid and turbines can carry beyond the rest of the site."""
        self._advance(now_s)  # node counts may change: integrate them first
        for pool in self.pools.values():
            while pool.waiting_for_node and (life := pool.take_replacement()) is not None:
                self._idle_delta(pool, -1)
                job = pool.waiting_for_node[0]
                job.add_node(now_s, life)
                job.nodes_missing -= 1
                if job.nodes_missing > 0:  # (a domain's nodes: it waits for more)
                    self.p_w += job._set_power(now_s, job.phase_power_w())
                    continue
                pool.waiting_for_node.pop(0)
                job.wait_node_s += now_s - job.phase_start_s
                self._enter(job, RESTART, now_s)
        self.starts_held, self.held_w = False, 0.0
        queued = self._queued
        if not queued:
            return  # every job has started (none goes back to the queue)
        if room_mw is None and self.holding_back:
            room_mw = -math.inf  # none starts now; take_back will look for supply
        started = False
        for job in queued:
            if job.state == QUEUED and job.pool.free >= job.n_nodes and job.submit_s <= now_s:
                need_w = job.n_nodes * (job.node_full_w - (job.node_idle_w if self.idle_on else 0))
                if room_mw is not None:
                    if need_w * 1e-6 > room_mw:
                        self.starts_held = True  # (a smaller job behind it may still fit)
                        self.held_w += need_w
                        continue
                    room_mw -= need_w * 1e-6
                job.assign(job.pool.take_free(job.n_nodes))
                self._idle_delta(job.pool, -job.n_nodes)
                self._enter(job, RESTART, now_s)
                self.recorder.event(now_s, "job_start", job.name, f"{job.n_gpus} GPUs")
                started = True
        if started:
            self._queued = [job for job in queued if job.state == QUEUED]

    def _schedule(self, job: Job) -> None:
        """Move the job's wake-up to its next event (phase end, part end or failure).

        Earlier than the timeout its process waits for: a new timeout now, and the process,
        if it waits for the old one, is interrupted to wait for the new one instead (the old
        one fires with no one waiting). Later: nothing now; the process wakes at the old
        time and waits again, for the rest (:meth:`_life`). ``inf``: it acts when told.
        These are the rules of :class:`sim.timer.Timer`, so each timeout starts where the job's
        timer started it. The interrupt (like a process's start and end) is an event now that
        changes nothing; the bus, which balances after the events due now
        (:meth:`sim.dispatch.Bus.changed`), may then balance one event later in the same
        instant, on the same state.
        """
        due_s = job.next_s()
        job.due_s = due_s
        if due_s < job.armed_s:
            self._rearm(job, due_s)

    def _rearm(self, job: Job, due_s: float) -> None:
        """Start the job's wake-up at ``due_s`` [s], earlier than the one started (see
        :meth:`_schedule`)."""
        env = self.env
        assert env is not None
        job.wake, job.armed_s = env.timeout(due_s - env.now), due_s
        if job.parked:  # (not its own process, which waits for ``job.wake`` next)
            job.parked = False  # (one interrupt is enough: it then waits for the newest)
            assert job.process is not None
            job.process.interrupt("its wake-up moved earlier")

    def _life(self, job: Job, submitted: simpy.Event | None) -> simpy.events.ProcessGenerator:
        """The job's process: queued → restart → compute ⇄ checkpoint → done.

        It waits for its submission (``submitted``; then it runs the scheduler), then for
        each of its wake-ups (:attr:`Job.wake`) and acts on it: a failure (drawn on the job's
        running clock, :meth:`Job.next_s`) sends a node to repair and the job back to its
        restart (or to wait for a node); the next part of an iteration begins; a restart
        ends in compute; a compute stretch in a checkpoint, or in the job's end; a checkpoint
        in compute, or in a pause. Its start, a replacement node, a shed, a pause and a cap
        are the cluster's and the bus's, done at once (the bus needs the new power now): an
        interrupt tells the process when they move its wake-up earlier; moved later, the
        process finds, when it wakes, that its time has not come, and waits for the rest (a
        wake-up moved later starts no timeout until then). With no wake-up (queued, waiting
        for a node, stopped), it waits for an interrupt. It ends when the job is done.
        """
        env = self.env
        assert env is not None
        if submitted is not None:
            yield submitted
            self._schedule_all(env.now)
            self.site.changed()
        idle = env.event()  # never triggered: what it waits on with no wake-up (interrupted)
        inf = math.inf
        while True:
            wake = job.wake
            job.parked = True
            try:
                yield idle if wake is None else wake
            except simpy.Interrupt:
                continue  # its wake-up moved earlier (a new timeout): wait for that one
            job.parked = False
            armed_s, due_s = job.armed_s, job.due_s
            job.wake, job.armed_s = None, inf
            if due_s != armed_s:  # moved later (or to inf) since the timeout was started
                if due_s < inf:
                    job.wake, job.armed_s = env.timeout(due_s - env.now), due_s
                continue
            job.due_s = inf
            now_s = env.now
            if job.fail_s <= job.phase_end_s and job.fail_s <= job.sub_end_s:
                self._fail(job, now_s)
            elif job.sub_end_s < job.phase_end_s:  # the next part of an iteration
                self._forget(job)
                self.p_w += job.toggle(now_s)
                self._count(job)
                self._schedule(job)
            elif job.state == RESTART:
                self._enter(job, COMPUTE, now_s)
            elif job.state == COMPUTE:
                job.end_stretch()
                if job.final_stretch:  # (not a comparison of sums: rounding could miss it)
                    job.committed_s += job.in_flight_s
                    job.in_flight_s = 0.0
                    self._finish(job, now_s)
                    return
                self._enter(job, CHECKPOINT, now_s)
            elif job.state == CHECKPOINT:
                job.committed_s += job.in_flight_s
                job.in_flight_s = 0.0
                job.checkpoints += 1
                if job.pausing:
                    job.paused_count += 1
                    self._stop(job, now_s)
                    self.recorder.event(
                        now_s, "job_paused", job.name, "checkpoint written; nodes off"
                    )
                else:
                    self._enter(job, COMPUTE, now_s)
            self.site.changed()

    def _fail(self, job: Job, now_s: float) -> None:
        """A node of ``job`` fails now: roll back, send the node to repair, replace it."""
        self._advance(now_s)  # node counts change: integrate them first
        state = job.state
        phase = PHASE_NAMES[state]
        job.interruptions[phase] += 1
        job.roll_back(now_s)
        job.fail_s = now_s  # drawn again when the job restarts
        pool = job.pool
        detail, mean_s = FAILURE_DETAILS[state], None
        if self.causes is not None:  # (sim.causes)
            cause = self.causes.draw()
            detail = self.causes.details[cause][state]
            if not self.causes.repair[cause]:  # a restart only: no node lost
                self.recorder.event(now_s, "node_failure", job.name, detail)
                job.drop_failed_node()
                job.add_node(now_s, pool.draw_lives(1)[0] if pool.weibull else math.inf)
                self._enter(job, RESTART, now_s)
                return
            mean_s = self.causes.repair_mean_s[cause]
        pool.in_repair += 1
        self.crews[pool.name].take(mean_s)
        self.recorder.event(now_s, "node_failure", job.name, detail)
        job.drop_failed_node()
        life = pool.take_replacement()
        if life is not None:
            self._idle_delta(pool, -1)
            job.add_node(now_s, life)
            self._enter(job, RESTART, now_s)
        else:
            job.nodes_missing = 1
            self._enter(job, WAIT_NODE, now_s)
            pool.waiting_for_node.append(job)
            self.recorder.event(now_s, "job_waiting_for_node", job.name, pool.name)

    def _on_repaired(self, pool: Pool) -> None:
        """A node of ``pool`` is back from repair (its crew calls this)."""
        assert self.env is not None
        now_s = self.env.now
        self._advance(now_s)
        pool.give_back()
        self._idle_delta(pool, 1)
        self._schedule_all(now_s)
        self.site.changed()

    def _finish(self, job: Job, now_s: float) -> None:
        self._advance(now_s)  # node counts change: integrate them first
        self._enter(job, DONE, now_s)
        job.pool.free += job.n_nodes
        job.pool.return_free(job.release_nodes())
        self._idle_delta(job.pool, job.n_nodes)
        self.recorder.event(now_s, "job_done", job.name, f"{job.committed_s / S_PER_H:g} h of work")
        self._schedule_all(now_s)
        self.site.changed()

    def add_nodes(self, pool: Pool, nodes: int, spares: int) -> None:
        """Nodes of ``pool`` are built (:mod:`sim.buildout`): ``nodes`` free ones and
        ``spares`` hot spares arrive now, idle, and the scheduler starts the jobs that fit;
        negative before the start: taken out, to arrive later (they draw nothing meanwhile)."""
        now_s = self.env.now if self.env is not None else 0.0
        self._advance(now_s)
        pool.arrive(nodes, spares)
        self._idle_delta(pool, nodes + spares)
        if self.env is not None:
            self._schedule_all(now_s)
            self.site.changed()
