"""Failure domains (sim/domains.py): a leaf switch's failure by hand, and the placement's hit
probability within Monte-Carlo error."""

from __future__ import annotations

import math
from unittest import mock

import pytest

from sim import domains
from sim.config import ConfigError
from sim.runner import run
from tests.bad_configs import assert_problem

FAIL_S = 3600.0  # when the hand case's switch fails


def one_failure_at(t_s: float):
    """Replace the domains' Poisson process by one failure of the first kind at ``t_s``."""

    def _run(self, env, cluster):
        yield env.timeout(t_s)
        self._fail(env, cluster, *self.kinds[0])

    return mock.patch.object(domains.Domains, "_run", _run)


def leaf_config(config_factory, spare_gpus=0):
    """8 nodes (64 H100), all under one leaf switch (4 nodes per rack, 2 racks per leaf), one
    job on all of them: restart 600 s, compute 1,800 s between 60-s checkpoints; no node
    failures; the leaf is down 4 h when it fails."""
    return config_factory(
        duration_h=10,
        cluster={
            "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 64, "spare_gpus": spare_gpus}],
            "domains": {
                "nodes_per_rack": 4,
                "racks_per_leaf": 2,
                "leaf_rate_per_day": 1e-3,
                "leaf_repair_h": 4,
            },
        },
        jobs=[
            {
                "name": "j",
                "pool": "p",
                "gpus": 64,
                "restart_s": 600,
                "checkpoint_interval_s": 1800,
                "checkpoint_write_s": 60,
            }
        ],
    )


def test_a_switch_failure_by_hand(config_factory):
    """At t = 3,600 s the job is computing since its checkpoint ended at 600 + 1,800 + 60 =
    2,460 s: it loses 1,140 s of compute, is interrupted once, and its 8 nodes are out 4 h:
    8 × 4 = 32 node-hours (256 GPU-hours) in repair; it waits 4 h for them, then restarts
    (600 s) and runs to the end at 10 h. Useful compute by hand: 1,800 s before the failure;
    after it, 10 h − (3,600 + 14,400 + 600) s = 17,400 s of compute-and-checkpoint time:
    9 whole cycles of 1,860 s (16,200 s of compute) and 660 s into the next (compute kept)."""
    with one_failure_at(FAIL_S):
        result = run(leaf_config(config_factory))
    job = result.summary["jobs"]["j"]
    assert job["interruptions"] == 1
    assert job["interruptions_in_compute"] == 1
    assert job["lost_h"] == pytest.approx((FAIL_S - 2460) / 3600, rel=1e-12)
    assert job["waiting_for_nodes_h"] == pytest.approx(4.0, rel=1e-12)
    gpu_h = result.summary["cluster"]["gpu_hours"]
    assert gpu_h["repair"] == pytest.approx(8 * 4 * 8, rel=1e-12)
    dom = result.summary["cluster"]["domain_failures"]
    assert dom == {
        "rack_failures": 0,
        "leaf_failures": 1,
        "jobs_interrupted": 1,
        "node_hours_out": pytest.approx(32.0),
    }
    useful_s = 1800 + 9 * 1800 + 660
    assert job["goodput_h"] == pytest.approx(useful_s / 3600, rel=1e-9)
    kinds = result.events["kind"].tolist()
    assert kinds.count("domain_failure") == 1


def test_a_switch_failure_with_spares_restarts_at_once(config_factory):
    """With 8 spare nodes the pool has 16 nodes, 2 leaves of 8: the failed leaf (drawn) holds
    either the job's 8 nodes or the 8 idle spares. Either way 8 nodes are out for 4 h
    (32 node-hours, 256 GPU-hours); if the job is hit it restarts on the spares at once."""
    with one_failure_at(FAIL_S):
        result = run(leaf_config(config_factory, spare_gpus=64))
    job = result.summary["jobs"]["j"]
    dom = result.summary["cluster"]["domain_failures"]
    assert result.summary["cluster"]["gpu_hours"]["repair"] == pytest.approx(256.0, rel=1e-12)
    assert job["waiting_for_nodes_h"] == 0.0
    assert job["interruptions"] == dom["jobs_interrupted"]
    if dom["jobs_interrupted"]:
        assert job["lost_h"] == pytest.approx((FAIL_S - 2460) / 3600, rel=1e-12)


def test_a_job_is_hit_in_proportion_to_its_domains(config_factory):
    """A job of 8 nodes in a pool of 32 with racks of 8 nodes (4 racks) is hit by a rack
    failure with probability 1/4. Racks fail 2 a day each for 300 days (~2,400 failures, each
    out for a minute): the share that hits the job is within 4 binomial standard deviations."""
    cfg = config_factory(
        duration_h=300 * 24,
        output={"resolution_s": 3600},
        cluster={
            "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 64, "spare_gpus": 192}],
            "domains": {
                "nodes_per_rack": 8,
                "racks_per_leaf": 1,
                "rack_rate_per_day": 2.0,
                "rack_repair_h": 1 / 60,
            },
        },
        jobs=[{"name": "j", "pool": "p", "gpus": 64}],
    )
    result = run(cfg)
    dom = result.summary["cluster"]["domain_failures"]
    n = dom["rack_failures"]
    assert abs(n - 4 * 2 * 300) <= 4 * math.sqrt(4 * 2 * 300)  # Poisson count
    assert abs(dom["jobs_interrupted"] - n / 4) <= 4 * math.sqrt(n * 0.25 * 0.75) + 1
    assert result.summary["jobs"]["j"]["interruptions"] == dom["jobs_interrupted"]


def test_bad_domains_are_refused(config_factory):
    with pytest.raises(ConfigError) as info:
        config_factory(
            cluster={
                "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}],
                "domains": {"nodes_per_rack": 4, "racks_per_leaf": 2, "leaf_rate_per_day": -1},
            }
        )
    assert_problem(info.value, "cluster.domains.leaf_rate_per_day", "greater than or equal to 0")
