"""A pool's repair crew (:class:`sim.repairs.RepairCrew`) alone: a :class:`sim.cluster.Pool`
and its crew on a bare ``simpy.Environment``, nodes sent to repair by a process standing in for
the cluster's failures."""

from __future__ import annotations

import numpy as np
import simpy

from sim.config import FailuresConfig, hardware_catalog
from sim.pools import Pool
from sim.repairs import RepairCrew

SEED = 11
MEAN_S = 3600.0  # mean repair time [s]
FAIL_AT_S = (0.0, 100.0, 100.0, 900.0, 2000.0, 40_000.0, 40_500.0)
"""When a node enters repair [s]: two at once, some while others are under repair, the last two
once the crew has been idle."""


class Draws:
    """In place of a numpy Generator: the repair times given, in order."""

    def __init__(self, *repair_s: float) -> None:
        self.left = list(repair_s)

    def exponential(self, scale: float) -> float:
        return self.left.pop(0)


def pool_of(gpus: int = 64, spare_gpus: int = 16) -> Pool:
    """A pool of H100 nodes (8 GPUs each) that do not fail on their own."""
    no_failures = FailuresConfig(rate_per_node_day=0.0)
    hardware = hardware_catalog()["h100-sxm"]
    return Pool("p", hardware, gpus, spare_gpus, no_failures, np.random.default_rng(0))


def send_to_repair(env: simpy.Environment, pool: Pool, crew: RepairCrew, at_s) -> None:
    """At each time of ``at_s`` [s] a node fails: a replacement is taken, the node is repaired."""

    def failures():
        for t_s in at_s:
            yield env.timeout(t_s - env.now)
            assert pool.take_replacement() is not None
            pool.in_repair += 1
            crew.take()

    env.process(failures())


def test_each_node_is_back_after_its_own_draw_repaired_in_parallel():
    env = simpy.Environment()
    pool = pool_of()
    idle_before = pool.idle_nodes
    back_s: list[float] = []
    under_repair: list[int] = []

    def repaired() -> None:
        under_repair.append(crew.under_repair)
        pool.give_back()
        back_s.append(env.now)

    crew = RepairCrew(env, MEAN_S, np.random.default_rng(SEED), repaired)
    send_to_repair(env, pool, crew, FAIL_AT_S)
    env.run()

    # Repair times: numpy's default_rng(SEED), one exponential draw of mean 3600 s per node,
    # in the order the nodes failed; each node is back at its failure time plus its own draw.
    rng = np.random.default_rng(SEED)
    ends_s = [t_s + float(rng.exponential(MEAN_S)) for t_s in FAIL_AT_S]
    assert back_s == sorted(ends_s)
    assert ends_s != sorted(ends_s)  # (a node that failed later was back sooner)
    assert max(under_repair) > 1  # (repaired in parallel)
    assert (pool.in_repair, crew.under_repair, pool.idle_nodes) == (0, 0, idle_before)


def test_a_repair_ends_in_the_place_of_a_timeout_started_when_its_node_failed():
    """Ends come in time order, a shorter repair begun later first; at one time, in the order
    of timeouts started when the nodes failed (here around a marker started in between)."""
    env = simpy.Environment()
    pool = pool_of()
    seen: list[tuple[float, str]] = []

    def repaired() -> None:
        pool.give_back()
        seen.append((env.now, "repaired"))

    # Nodes fail at 0 (1000 s of repair), 10 (100 s: back first), 10 (990 s: back at 1000 s
    # too), 500 (no time: back at once) and 3000 s (no time, the crew idle: back at once).
    draws = Draws(1000.0, 100.0, 990.0, 0.0, 0.0)
    crew = RepairCrew(env, MEAN_S, draws, repaired)
    send_to_repair(env, pool, crew, (0.0, 10.0, 10.0, 500.0, 3000.0))

    def marker():
        yield env.timeout(5.0)
        yield env.timeout(995.0)  # started at 5 s: at 1000 s, between the two repairs' ends
        seen.append((env.now, "marker"))

    env.process(marker())
    env.run()
    assert seen == [
        (110.0, "repaired"),
        (500.0, "repaired"),
        (1000.0, "repaired"),
        (1000.0, "marker"),
        (1000.0, "repaired"),
        (3000.0, "repaired"),
    ]
    assert (pool.in_repair, crew.under_repair) == (0, 0)
