"""The cluster on its own: one job on one pool, a bare ``simpy.Environment`` and a stub in place of
the bus.

No config is run (no ``run(config)``, no ``Facility``): the cluster is built from
:class:`sim.config.ClusterConfig` and :class:`sim.config.JobConfig` and started with
:class:`StubBus`'s ``on_change``, which records the clock and the cluster's IT power at every
change. Failures and repairs are drawn from :class:`tests.stubs.ScriptedRng` put in place of the
cluster's two streams. Every expected number is computed here, by the formula in the comment
next to it, from the job's times and the node powers read from ``sim/data/hardware.yaml``
(not through the program's catalog):

- phases: restart ``R``, then stretches of ``τ`` of compute (the last one what is left of the
  work ``W``) separated by checkpoint writes of ``δ``; no write after the last stretch, so a
  job started at ``t0`` with ``W`` left finishes at ``t0 + R + W + (⌈W/τ⌉ − 1)·δ``;
- node powers: idle ``overhead + g·(gpu_idle + network)``, computing
  ``overhead + g·network + g·(f·tdp + (1 − f)·gpu_idle)`` [W] (``g`` GPUs a node, ``f`` the
  compute fraction); a job's nodes are at idle while restarting or writing, the failed node is
  off while repaired, every other node (free or hot spare) idles;
- a failure rolls back the compute since the last checkpoint written: in compute, the time
  computed in the stretch; in a write, that stretch too; in a restart, nothing.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import simpy
import yaml

from sim.cluster import Cluster
from sim.config import ClusterConfig, JobConfig
from tests.stubs import ScriptedRng, StubRecorder, run_through

REL = 1e-12
HARDWARE = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "sim" / "data" / "hardware.yaml").read_text()
)["h100-sxm"]
G = HARDWARE["gpus_per_node"]  # 8
POOL_GPUS, SPARE_GPUS, JOB_GPUS = 64, 8, 32
POOL_NODES, SPARE_NODES, JOB_NODES = POOL_GPUS // G, SPARE_GPUS // G, JOB_GPUS // G  # 8, 1, 4
R_S, TAU_S, DELTA_S = 600.0, 1800.0, 60.0  # restart, checkpoint interval, write [s]
WORK_S = 2.1 * 3600  # 7560 s: four stretches of 1800 s and one of 360 s
F = 0.7  # the compute fraction (the default, written out)
REPAIR_H = 24.0
FAILURES_PER_NODE_DAY = 1.0

# 4600 + 8·(93 + 115) = 6264 W (4600 = the DGX H100's 10.2 kW maximum − 8 × 700 W, facts §5)
NODE_IDLE_W = HARDWARE["node_overhead_w"] + G * (
    HARDWARE["gpu_idle_w"] + HARDWARE["network_w_per_gpu"]
)
# 4600 + 8·115 + 8·(0.7·700 + 0.3·93) = 9663.2 W
NODE_COMPUTE_W = (
    HARDWARE["node_overhead_w"]
    + G * HARDWARE["network_w_per_gpu"]
    + G * (F * HARDWARE["gpu_tdp_w"] + (1 - F) * HARDWARE["gpu_idle_w"])
)
ALL_NODES = POOL_NODES + SPARE_NODES  # 9
IDLE_MW = ALL_NODES * NODE_IDLE_W * 1e-6  # every node idle (restart, writes, done)
COMPUTE_MW = (JOB_NODES * NODE_COMPUTE_W + (ALL_NODES - JOB_NODES) * NODE_IDLE_W) * 1e-6
POWER_OF = {"compute": COMPUTE_MW, "checkpoint": IDLE_MW, "done": IDLE_MW}  # after a phase begins


def the_job(name: str = "j", priority: int = 0) -> JobConfig:
    """The job of these tests: JOB_GPUS GPUs, restart R_S, checkpoints every TAU_S of
    compute written in DELTA_S, WORK_S of work."""
    return JobConfig(
        name=name,
        pool="p",
        gpus=JOB_GPUS,
        restart_s=R_S,
        checkpoint_interval_s=TAU_S,
        checkpoint_write_s=DELTA_S,
        work_h=WORK_S / 3600,
        priority=priority,
    )


class StubBus:
    """The site the cluster sees (sim.contracts.Site): ``changed()``, here recording
    ``(clock, IT MW)``."""

    def __init__(self, env: simpy.Environment, cluster: Cluster) -> None:
        self.env, self.cluster = env, cluster
        self.changes: list[tuple[float, float]] = []
        cluster.start(env, self)
        self.p0_mw = cluster.p_mw  # (the bus's first update follows the start)

    def changed(self) -> None:
        self.changes.append((self.env.now, self.cluster.p_mw))

    def grid_import_mw(self) -> float:
        return 0.0

    def at(self, time_s: float) -> Cluster:
        run_through(self.env, time_s)
        return self.cluster


def cluster_of(
    rate_per_node_day: float = 0.0, failure_draws=(), repair_draws=()
) -> tuple[StubBus, StubRecorder, ScriptedRng, ScriptedRng]:
    cfg = ClusterConfig(
        pools=[{"name": "p", "hardware": "h100-sxm", "gpus": POOL_GPUS, "spare_gpus": SPARE_GPUS}],
        failures={"rate_per_node_day": rate_per_node_day},
        repair_h=REPAIR_H,
    )
    job = the_job()
    recorder = StubRecorder()
    cluster = Cluster(cfg, [job], seed=0, recorder=recorder)
    failures, repairs = ScriptedRng(failure_draws), ScriptedRng(repair_draws)
    cluster.rng_failures, cluster.rng_repairs = failures, repairs
    return StubBus(simpy.Environment(), cluster), recorder, failures, repairs


def phase_changes(t0_s: float, left_s: float) -> list[tuple[float, str]]:
    """``(time, phase entered)`` after a (re)start at ``t0_s`` with ``left_s`` of compute left:
    compute after ``R``; a write after each full stretch ``τ`` while more than ``τ`` is left,
    compute after it; done when the last stretch ends."""
    t_s = t0_s + R_S
    changes = [(t_s, "compute")]
    while left_s > TAU_S:
        t_s += TAU_S
        changes.append((t_s, "checkpoint"))
        t_s += DELTA_S
        changes.append((t_s, "compute"))
        left_s -= TAU_S
    changes.append((t_s + left_s, "done"))
    return changes


def finish_s(t0_s: float, left_s: float) -> float:
    """``t0 + R + W + (⌈W/τ⌉ − 1)·δ`` [s]."""
    return t0_s + R_S + left_s + (math.ceil(left_s / TAU_S) - 1) * DELTA_S


def test_one_job_restarts_computes_writes_and_finishes_at_the_formulas_times_and_powers():
    assert math.isclose(NODE_IDLE_W, 6264.0, rel_tol=REL)  # (the numbers in the comments)
    assert math.isclose(NODE_COMPUTE_W, 9663.2, rel_tol=REL)
    assert (POOL_NODES, SPARE_NODES, JOB_NODES) == (8, 1, 4)
    bus, rec, _, _ = cluster_of()
    # At 0 s the job takes 4 of the 8 free nodes and restarts (its nodes at idle): all 9 idle.
    assert bus.p0_mw == pytest.approx(IDLE_MW, rel=REL)
    assert rec.events == [(0.0, "job_start", "j", "32 GPUs")]
    cluster = bus.at(20_000.0)
    expected = phase_changes(0.0, WORK_S)
    # 600 compute, 2400 write, 2460 compute, 4260, 4320, 6120, 6180, 7980, 8040, done 8400 s.
    assert [t for t, _ in expected] == [
        600.0, 2400.0, 2460.0, 4260.0, 4320.0, 6120.0, 6180.0, 7980.0, 8040.0, 8400.0,
    ]  # fmt: skip
    end_s = finish_s(0.0, WORK_S)
    assert end_s == 600.0 + 7560.0 + 4 * 60.0 == 8400.0
    assert bus.changes == [
        (pytest.approx(t, rel=REL), pytest.approx(POWER_OF[phase], rel=REL))
        for t, phase in expected
    ]
    assert rec.events[1:] == [(pytest.approx(end_s, rel=REL), "job_done", "j", "2.1 h of work")]
    report = cluster.jobs[0].report(20_000.0)
    assert report["started_h"] == 0.0
    assert report["finished_h"] == pytest.approx(end_s / 3600, rel=REL)
    assert report["checkpoints"] == 4
    assert report["goodput_h"] == pytest.approx(2.1, rel=REL)
    assert report["ettr"] == pytest.approx(WORK_S / end_s, rel=REL)
    assert (report["lost_h"], report["interruptions"]) == (0.0, 0)
    # The job's energy: its 4 nodes idle through the restart and the 4 writes, computing
    # through the 7560 s of work [J → MWh: / 3.6e9].
    job_j = JOB_NODES * (NODE_IDLE_W * (R_S + 4 * DELTA_S) + NODE_COMPUTE_W * WORK_S)
    assert report["energy_mwh"] == pytest.approx(job_j / 3.6e9, rel=REL)
    # GPU-hours by node state to 20,000 s: the job's 32 GPUs busy to 8400 s; the 4 other nodes
    # idle throughout and the job's after it; the spare's 8 GPUs spare throughout.
    hours = cluster.gpu_hours(20_000.0)
    assert hours["busy"] == pytest.approx(32 * end_s / 3600, rel=REL)
    assert hours["idle"] == pytest.approx((32 * 20_000.0 + 32 * (20_000.0 - end_s)) / 3600, rel=REL)
    assert hours["spare"] == pytest.approx(8 * 20_000.0 / 3600, rel=REL)
    assert hours["repair"] == 0.0


@pytest.mark.parametrize(
    ("fail_s", "phase", "lost_s", "committed_s"),
    [
        (300.0, "restart", 0.0, 0.0),  # in the restart (0–600 s): nothing to lose
        (3000.0, "compute", 3000.0 - 2460.0, TAU_S),  # 540 s into the second stretch
        (2430.0, "checkpoint", TAU_S, 0.0),  # writing the first checkpoint (2400–2460 s)
    ],
)
def test_a_failure_at_a_drawn_time_rolls_back_to_the_last_checkpoint(
    fail_s, phase, lost_s, committed_s
):
    """The failure stream draws ``fail_s`` when the job starts, then never again; the repair
    takes 1000 s. The spare replaces the failed node at once and the job restarts."""
    repair_s = 1000.0
    bus, rec, failures, repairs = cluster_of(
        FAILURES_PER_NODE_DAY, failure_draws=[fail_s, 1e15], repair_draws=[repair_s]
    )
    cluster = bus.at(fail_s)
    pool = cluster.pools["p"]
    assert rec.times("node_failure") == [fail_s]
    assert rec.events[1][3] == f"in {phase}"
    assert (pool.in_repair, pool.spare, pool.free) == (1, 0, POOL_NODES - JOB_NODES)
    # Restarting: the job's 4 nodes (the spare among them) and the 4 free idle; the failed one
    # is off: 8·6264 W.
    assert cluster.p_mw == pytest.approx(8 * NODE_IDLE_W * 1e-6, rel=REL)
    job = cluster.jobs[0]
    assert job.lost_s == pytest.approx(lost_s, rel=REL)
    assert job.committed_s == committed_s
    # Repaired at fail + 1000 s, the node returns as the pool's spare (it is short of one).
    cluster = bus.at(fail_s + repair_s)
    assert (pool.in_repair, pool.spare) == (0, 1)
    assert bus.changes[-1][0] == fail_s + repair_s
    # Then the job goes on from its last checkpoint: restart at the failure, W − committed left.
    cluster = bus.at(30_000.0)
    left_s = WORK_S - committed_s
    end_s = finish_s(fail_s, left_s)
    assert rec.times("job_done") == [pytest.approx(end_s, rel=REL)]
    # e.g. in compute: 3000 + 600 + 5760 + (⌈5760/1800⌉ − 1)·60 = 9540 s.
    assert end_s == {300.0: 8700.0, 3000.0: 9540.0, 2430.0: 10830.0}[fail_s]
    # Every change of the IT power: the phases before the failure at full power; at the failure
    # the restart (8 nodes idle); the phases after it without the node in repair until it
    # returns, at fail + 1000 s, in each case while the job computes.
    repaired_s = fail_s + repair_s
    off_mw = NODE_IDLE_W * 1e-6
    expected = [(t, POWER_OF[ph]) for t, ph in phase_changes(0.0, WORK_S) if t < fail_s]
    expected.append((fail_s, IDLE_MW - off_mw))
    expected += [
        (t, POWER_OF[ph] - (off_mw if t < repaired_s else 0.0))
        for t, ph in phase_changes(fail_s, left_s)
    ]
    expected.append((repaired_s, COMPUTE_MW))
    expected.sort()
    assert bus.changes == [
        (pytest.approx(t, rel=REL), pytest.approx(p_mw, rel=REL)) for t, p_mw in expected
    ]
    report = job.report(30_000.0)
    assert report["lost_h"] == pytest.approx(lost_s / 3600, rel=REL)
    assert report["goodput_h"] == pytest.approx(2.1, rel=REL)
    assert report[f"interruptions_in_{phase}"] == report["interruptions"] == 1
    assert (
        report["checkpoints"] == committed_s / TAU_S + math.ceil((WORK_S - committed_s) / TAU_S) - 1
    )
    # The draws: the job's failure rate 4 nodes · 1/86,400 s (mean 21,600 s), drawn at its
    # start and at its restart; the repair's mean 24 h.
    assert failures.scales == [86_400.0 / (JOB_NODES * FAILURES_PER_NODE_DAY)] * 2
    assert repairs.scales == [REPAIR_H * 3600]


def test_without_a_spare_the_job_waits_for_the_repaired_node():
    """No hot spare and no free node: the job waits (its 3 good nodes idle) until the repair,
    then restarts with the repaired node."""
    cfg = ClusterConfig(
        pools=[{"name": "p", "hardware": "h100-sxm", "gpus": JOB_GPUS}],
        failures={"rate_per_node_day": FAILURES_PER_NODE_DAY},
    )
    job = the_job()
    recorder = StubRecorder()
    cluster = Cluster(cfg, [job], seed=0, recorder=recorder)
    cluster.rng_failures = ScriptedRng([3000.0, 1e15])
    cluster.rng_repairs = ScriptedRng([5000.0])
    bus = StubBus(simpy.Environment(), cluster)
    bus.at(3000.0)
    assert recorder.times("job_waiting_for_node") == [3000.0]
    assert cluster.p_mw == pytest.approx(3 * NODE_IDLE_W * 1e-6, rel=REL)
    bus.at(30_000.0)
    # Waiting 3000–8000 s, then as after a restart at 8000 s with 7560 − 1800 s left.
    end_s = finish_s(8000.0, WORK_S - TAU_S)
    assert recorder.times("job_done") == [pytest.approx(end_s, rel=REL)]
    report = cluster.jobs[0].report(30_000.0)
    assert report["waiting_for_nodes_h"] == pytest.approx(5000.0 / 3600, rel=REL)
    assert report["lost_h"] == pytest.approx(540.0 / 3600, rel=REL)


def at_time(env: simpy.Environment, time_s: float, action) -> None:
    """Call ``action()`` at ``time_s`` [s] (as load management would, from outside the job)."""
    env.timeout(time_s - env.now).callbacks.append(lambda _event: action())


def test_the_jobs_process_ends_with_the_job_and_a_queued_one_is_woken_to_start():
    """Two jobs of 4 nodes each on 8 nodes with the first's 4 taken by a third: the second
    waits in the queue (its process idle, no wake-up) and is woken (an interrupt) when the
    first is done, at 8400 s; each job's process ends with the job."""
    cfg = ClusterConfig(
        pools=[{"name": "p", "hardware": "h100-sxm", "gpus": 2 * JOB_GPUS}],
        failures={"rate_per_node_day": 0.0},
    )
    jobs = [
        the_job(name, priority) for name, priority in (("first", 1), ("second", 0), ("third", 1))
    ]
    recorder = StubRecorder()
    cluster = Cluster(cfg, jobs, seed=0, recorder=recorder)
    bus = StubBus(simpy.Environment(), cluster)
    first, second, third = cluster.jobs
    bus.at(1.0)
    assert (first.wake is not None, second.wake, third.wake is not None) == (True, None, True)
    assert all(job.process is not None and job.process.is_alive for job in cluster.jobs)
    bus.at(30_000.0)
    end_s = finish_s(0.0, WORK_S)  # 8400 s
    assert recorder.times("job_start") == [0.0, 0.0, pytest.approx(end_s, rel=REL)]
    assert recorder.times("job_done") == [
        pytest.approx(t, rel=REL) for t in (end_s, end_s, finish_s(end_s, WORK_S))
    ]
    assert not any(job.process is not None and job.process.is_alive for job in cluster.jobs)


def test_a_cap_moves_the_phase_end_later_and_then_earlier():
    """A cap to 0.5 at 1000 s, 400 s into the first stretch (600–2400 s), slows the job to
    ``s = 0.5^0.3``: the 1400 s of compute left end at ``1000 + 1400 / s`` (later: no new
    timeout; the process wakes at 2400 s and waits again, for the rest). Lifted at 2500 s,
    what is left, ``1400 − 1500·s``, ends at ``2500 + 1400 − 1500·s``, earlier than the
    capped end: a new timeout, and an interrupt has the process wait for it."""
    bus, _, _, _ = cluster_of()
    cluster = bus.cluster
    job = cluster.jobs[0]
    assert job.process is not None
    interrupts: list[float] = []
    interrupt = job.process.interrupt
    job.process.interrupt = lambda cause=None: (interrupts.append(bus.env.now), interrupt(cause))
    speed = 0.5**0.3
    capped_end_s = 1000.0 + 1400.0 / speed
    at_time(bus.env, 1000.0, lambda: cluster.set_cap(1000.0, 0.5))
    bus.at(1200.0)
    assert job.due_s == pytest.approx(capped_end_s, rel=REL)
    assert job.armed_s == 2400.0  # the uncapped end: the timeout waited for
    bus.at(2450.0)
    assert job.armed_s == job.due_s == pytest.approx(capped_end_s, rel=REL)  # waits again
    at_time(bus.env, 2500.0, lambda: cluster.set_cap(2500.0, 1.0))
    bus.at(2550.0)
    write_s = 2500.0 + 1400.0 - 1500.0 * speed
    assert write_s < capped_end_s
    assert job.armed_s == job.due_s == pytest.approx(write_s, rel=REL)
    assert interrupts == [2500.0]
    bus.at(30_000.0)
    checkpoints = [t for t, p_mw in bus.changes if p_mw == pytest.approx(IDLE_MW, rel=REL)]
    assert checkpoints[0] == pytest.approx(write_s, rel=REL)
    assert job.committed_s == pytest.approx(WORK_S, rel=REL)
    assert job.end_s == pytest.approx(write_s + DELTA_S + (WORK_S - TAU_S) + 3 * DELTA_S, rel=REL)
    assert interrupts == [2500.0]  # (its own phase changes interrupt nothing)


def test_a_shed_job_stops_waking_and_a_resumed_one_restarts():
    """Shed at 3000 s, 540 s into its second stretch: it loses those 540 s, its nodes go off,
    and its process waits (the wake-up at the stretch's end, 4260 s, finds it stopped). Taken
    back at 5000 s, it restarts there with ``W − τ`` left."""
    bus, rec, _, _ = cluster_of()
    cluster = bus.cluster
    at_time(bus.env, 3000.0, lambda: cluster.shed(3000.0, 1e-9))
    cluster = bus.at(4500.0)
    job = cluster.jobs[0]
    assert rec.times("job_shed") == [3000.0]
    assert job.lost_s == pytest.approx(540.0, rel=REL)
    assert [t for t, _ in bus.changes if t > 3000.0] == []  # nothing at 4260 s
    assert (job.wake, job.due_s, job.parked) == (None, math.inf, True)
    at_time(bus.env, 5000.0, lambda: cluster.take_back(5000.0, 1e3))
    bus.at(30_000.0)
    assert rec.times("job_resumed") == [5000.0]
    assert rec.times("job_done") == [pytest.approx(finish_s(5000.0, WORK_S - TAU_S), rel=REL)]
