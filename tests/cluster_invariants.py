"""Invariants of the cluster's bookkeeping, checked after every bus update in property tests:
the incremental sums (power, reserve, shed, capped) against a recomputation from the jobs'
states, node counts per pool, Weibull lives and heaps, pending failures, and that load
management holds nothing back once no job is stopped and nothing is capped or off."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from sim import dispatch
from sim.cluster import Cluster
from sim.jobs import CHECKPOINT, RUNNING, SHED, WAIT_NODE, Job


def nodes_held(job: Job) -> int:
    if job.state in RUNNING or job.state == SHED:
        return job.n_nodes
    return job.n_nodes - job.nodes_missing if job.state == WAIT_NODE else 0


def check(c: Cluster, now: float) -> None:
    tol = 1e-6 * max(1.0, c.peak_mw * 1e6)
    stopped = [j for j in c.jobs if j.state == SHED]
    assert c.n_stopped == len(stopped)
    assert abs(c.shed_w - sum(j.n_nodes * j.node_full_w for j in stopped)) <= tol
    assert abs(c.reserve_w - sum(c._reserve_of(j) for j in c.jobs)) <= tol
    assert abs(c.capped_w - sum(c._capped_of(j) for j in c.jobs)) <= tol
    idle_w = c.idle_nodes_w() if c.idle_on else 0.0
    assert abs(c.p_w - sum(j.power_w for j in c.jobs) - idle_w) <= tol
    for pool in c.pools.values():
        held = sum(nodes_held(j) for j in c.jobs if j.pool is pool)
        assert pool.free + pool.spare + pool.in_repair + held == pool.n_nodes + pool.spare_target
        assert min(pool.free, pool.spare, pool.in_repair) >= 0
        if pool.weibull:
            assert len(pool.free_lives) == pool.free
            assert len(pool.spare_lives) == pool.spare
    for j in c.jobs:
        if j.weibull:
            assert len(j.deaths) == nodes_held(j)
        assert not j.pausing or j.state == CHECKPOINT
        if j.state in RUNNING:
            assert j.fail_s >= now - 1e-6
            assert j.next_s() >= now - 1e-9
            assert j.next_s() < math.inf or j.speed == 0.0
        if j.state == WAIT_NODE:
            assert j in j.pool.waiting_for_node


@contextmanager
def checked_cluster() -> Iterator[None]:
    """Check :func:`check` after every bus update while the block runs."""
    update = dispatch.Bus.update

    def checked(self: dispatch.Bus) -> None:
        update(self)
        if self.cluster is not None:
            check(self.cluster, self.env.now)

    with mock.patch.object(dispatch.Bus, "update", checked):
        yield
