"""Failure domains: a rack's power shelf or a leaf switch takes down all its nodes at once.

The tree: ``nodes_per_rack`` nodes in a rack, ``racks_per_leaf`` racks under a leaf switch.
Every pool of the cluster is cut into such domains: a pool of ``N`` nodes (jobs' and hot
spares) has ``⌈N / D⌉`` domains of a level of ``D`` nodes (``D = nodes_per_rack`` for racks,
``nodes_per_rack·racks_per_leaf`` for leaves). Each domain fails at its level's rate, whether
its nodes run or not (a switch or a power shelf fails whatever its load: an assumption, unlike
nodes, which fail only while they run), so a pool's domains of a level fail as a Poisson
process of rate ``⌈N / D⌉·r``; all the cluster's are one process of the summed rate, and each
failure's pool and level is drawn in proportion to its rate. The domain's nodes are then out
for the level's repair time, a fixed ``repair_h`` (an assumption: a swap of a switch or a power
shelf by a crew on site, whose spread the data do not give), and come back together.

Placement (nodes are counted, not placed): the jobs holding nodes of the pool (running or
waiting for a node), in config order, are packed contiguously from its first domain, each
spanning ``⌈n / D⌉`` domains; the rest of the pool is idle. The failed domain is drawn
uniformly, ``u ~ U{0, …, ⌈N / D⌉ − 1}``: a job is hit with probability
``⌈n / D⌉ / ⌈N / D⌉`` (if the jobs' spans add up to more than the pool's domains, the last ones
are hit less often than that: an approximation, as real placements are not contiguous
either). At most one job is hit, and it is interrupted once: it rolls back to its last
checkpoint, loses ``min(n, D)`` of its nodes (those it holds, if fewer) and restarts on spares
or free nodes, or waits for them. The domain's other nodes, ``D`` less the job's, are taken
from the pool's idle nodes (free first, then spares; as many as there are). The cost is one
draw and a pass over the pool's jobs per domain failure: nothing per node or per unit of time.

The draws come from their own stream, ``cluster.domains``: a config without domains draws
nothing from it and starts no process.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.config import DomainsConfig
from sim.jobs import PHASE_NAMES, RESTART, RUNNING, WAIT_NODE, Job
from sim.rng import stream
from sim.units import S_PER_H

if TYPE_CHECKING:
    import simpy

    from sim.cluster import Cluster
    from sim.pools import Pool

LEVELS = ("rack", "leaf")


class Domains:
    """The failure domains of a cluster's pools, their failures and repairs.

    Parameters
    ----------
    cfg : DomainsConfig
        The tree and its levels' rates [1/day] and repair times [h].
    pools : dict of Pool
        The cluster's pools, by name.
    seed : int
        The run's seed (the stream ``cluster.domains``).
    """

    def __init__(self, cfg: DomainsConfig, pools: dict[str, Pool], seed: int):
        sizes = (cfg.nodes_per_rack, cfg.nodes_per_rack * cfg.racks_per_leaf)
        rates = (cfg.rack_rate_per_day / 86400.0, cfg.leaf_rate_per_day / 86400.0)
        repairs = (cfg.rack_repair_h * S_PER_H, cfg.leaf_repair_h * S_PER_H)
        # (pool, level, nodes per domain D, domains in the pool, their rate [1/s], repair [s])
        self.kinds: list[tuple[Pool, int, int, int, float, float]] = []
        for pool in pools.values():
            for level in range(len(LEVELS)):
                count = math.ceil((pool.n_nodes + pool.spare_target) / sizes[level])
                if rates[level] > 0 and count > 0:
                    rate = count * rates[level]
                    self.kinds.append((pool, level, sizes[level], count, rate, repairs[level]))
        self.total_rate_per_s = sum(k[4] for k in self.kinds)
        self.cum_rate = np.cumsum([k[4] for k in self.kinds]).tolist()
        self.rng = stream(seed, "cluster.domains")
        self.failures = dict.fromkeys(LEVELS, 0)
        self.jobs_interrupted = 0
        self.node_s_out = 0.0  # nodes out × the repair time [node-s], counted at the failure
        self.nodes_out = 0  # nodes out now

    def start(self, env: simpy.Environment, cluster: Cluster) -> None:
        """Start the domains' failure process (none if no level fails)."""
        if self.total_rate_per_s > 0:
            env.process(self._run(env, cluster))

    def _run(self, env: simpy.Environment, cluster: Cluster) -> simpy.events.ProcessGenerator:
        """Domain failures as one Poisson process of the summed rate; each one's kind drawn in
        proportion to its rate."""
        rng = self.rng
        while True:
            yield env.timeout(rng.exponential(1.0 / self.total_rate_per_s))
            u = rng.random() * self.total_rate_per_s
            i = min(int(np.searchsorted(self.cum_rate, u, side="right")), len(self.kinds) - 1)
            self._fail(env, cluster, *self.kinds[i])

    def _fail(
        self,
        env: simpy.Environment,
        cluster: Cluster,
        pool: Pool,
        level: int,
        size: int,
        count: int,
        rate: float,
        repair_s: float,
    ) -> None:
        """Domain of ``size`` nodes of ``pool`` fails now (see the module docstring)."""
        now_s = env.now
        cluster._advance(now_s)  # node counts change: integrate them first
        u = int(self.rng.integers(count))
        hit: Job | None = None
        first = 0
        for job in cluster.jobs:  # contiguous packing, in config order
            if job.pool is pool and (job.state in RUNNING or job.state == WAIT_NODE):
                first += math.ceil(job.n_nodes / size)
                if u < first:
                    hit = job
                    break
        lost = 0 if hit is None else min(hit.n_nodes - hit.nodes_missing, size)
        idle = pool.take_idle(size - lost)  # the domain's idle nodes: out too
        cluster._idle_delta(pool, -idle)
        out = lost + idle
        pool.in_repair += out
        self.nodes_out += out
        self.failures[LEVELS[level]] += 1
        self.node_s_out += out * repair_s
        victim = "no job" if hit is None else hit.name
        detail = f"{LEVELS[level]} of {size} nodes down for {repair_s / S_PER_H:g} h; {victim}"
        cluster.recorder.event(now_s, "domain_failure", pool.name, detail)
        if hit is not None:
            self._hit(cluster, hit, lost, now_s)
        env.timeout(repair_s).callbacks.append(lambda _: self._back(env, cluster, pool, out))
        cluster.site.changed()

    def _hit(self, cluster: Cluster, job: Job, lost: int, now_s: float) -> None:
        """``job`` loses ``lost`` nodes now: interrupted once if running; restarts on spares or
        free nodes, or waits for the rest."""
        pool = job.pool
        job.drop_nodes(lost)
        if job.state == WAIT_NODE:  # already stopped: it waits for more nodes
            job.nodes_missing += lost
            cluster.p_w += job._set_power(now_s, job.phase_power_w())
            return
        self.jobs_interrupted += 1
        job.interruptions[PHASE_NAMES[job.state]] += 1
        job.roll_back(now_s)
        job.fail_s = now_s  # drawn again when the job restarts
        missing = lost
        while missing > 0 and (life := pool.take_replacement()) is not None:
            cluster._idle_delta(pool, -1)
            job.add_node(now_s, life)
            missing -= 1
        if missing == 0:
            cluster._enter(job, RESTART, now_s)
        else:
            job.nodes_missing = missing
            cluster._enter(job, WAIT_NODE, now_s)
            pool.waiting_for_node.append(job)
            cluster.recorder.event(now_s, "job_waiting_for_node", job.name, pool.name)

    def _back(self, env: simpy.Environment, cluster: Cluster, pool: Pool, n: int) -> None:
        """The domain's ``n`` nodes are back (as spares while the pool is short, else free)."""
        now_s = env.now
        cluster._advance(now_s)
        pool.give_back_many(n)
        self.nodes_out -= n
        cluster._idle_delta(pool, n)
        cluster._schedule_all(now_s)
        cluster.site.changed()

    def report(self) -> dict[str, float | int]:
        """Domain failures by level, jobs they interrupted, and the node-hours their nodes
        were out (counted at each failure, so a repair running past the end counts whole)."""
        return {
            **{f"{level}_failures": n for level, n in self.failures.items()},
            "jobs_interrupted": self.jobs_interrupted,
            "node_hours_out": self.node_s_out / S_PER_H,
        }
