"""Weibull node failures, checked against renewal theory by independent sampling.

A job of ``n`` nodes with ample hot spares runs for ``T``: each of its node slots is a renewal
process in running time (a failed node is replaced by a spare that has not aged — spares do
not run — and repaired nodes come back as good as new). The expected number of failures is
``n·M(T)``, with ``M`` the renewal function of the Weibull life; it is estimated here by
summing Weibull lives drawn with numpy (not with the simulator's code), which also gives the
count's variance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config import ConfigError
from sim.runner import run
from tests.bad_configs import assert_problem

DAY_S = 86400.0


def renewal_count(shape: float, mean_s: float, t_s: float, samples: int = 200_000):
    """Mean and variance of the number of renewals by ``t_s`` of Weibull(shape) lives of mean
    ``mean_s``, by direct sampling of the lives' partial sums."""
    rng = np.random.default_rng(12345)
    scale_s = mean_s / math.gamma(1 + 1 / shape)
    clock = np.zeros(samples)
    count = np.zeros(samples)
    alive = np.ones(samples, dtype=bool)
    while alive.any():
        clock[alive] += scale_s * rng.weibull(shape, alive.sum())
        alive &= clock <= t_s
        count[alive] += 1
    return count.mean(), count.var()


def weibull_job(config_factory, shape, nodes, mean_life_days, duration_h, **extra):
    return run(
        config_factory(
            duration_h=duration_h,
            cluster={
                "pools": [
                    {"name": "p", "hardware": "h100-sxm", "gpus": 8 * nodes, "spare_gpus": 8 * 64}
                ],
                "failures": {
                    "rate_per_node_day": 1 / mean_life_days,
                    "distribution": "weibull",
                    "shape": shape,
                    "fleet_age": "new",  # (renewal from new nodes; stationary: test_fleet_age)
                },
                "repair_h": 1,
            },
            jobs=[{"name": "j", "pool": "p", "gpus": 8 * nodes, "restart_s": 60}],
            **extra,
        )
    )


@pytest.mark.parametrize("shape", [0.5, 1.0, 3.0])
def test_failures_follow_the_weibull_renewal_function(config_factory, shape):
    """400 new nodes, mean life 10 days, 8 days of running: infant mortality (k = 0.5) gives
    ~1.6× the exponential count, wear-out (k = 3) ~0.4×. The count is within 4 standard
    deviations of n·M(T)."""
    nodes, mean_days, days = 400, 10.0, 8.0
    mean, var = renewal_count(shape, mean_days * DAY_S, days * DAY_S)
    result = weibull_job(config_factory, shape, nodes, mean_days, days * 24)
    count = result.summary["jobs"]["j"]["interruptions"]
    assert abs(count - nodes * mean) <= 4 * math.sqrt(nodes * var)
    assert result.summary["jobs"]["j"]["waiting_for_nodes_h"] == 0.0  # spares were ample


def test_renewal_counts_tell_the_shapes_apart():
    """The check above can fail: the three shapes' expected counts are far apart."""
    counts = [renewal_count(k, 10 * DAY_S, 8 * DAY_S, 20_000)[0] for k in (0.5, 1.0, 3.0)]
    assert counts[0] > 1.4 * counts[1]
    assert counts[2] < 0.6 * counts[1]
    assert counts[1] == pytest.approx(0.8, rel=0.02)  # exponential: M(T) = T / mean


def test_nodes_do_not_age_while_their_job_is_shed(config_factory):
    """One node, shape 20 (lives within −25 %/+10 % of η, η = 10 h / Γ(1.05) ≈ 10.28 h),
    shed by a 20 h outage at 2 h (no battery): its first failure comes ~η of *running* after
    the start, i.e. 20 h later in wall time than without the outage."""
    eta_h = 10 / math.gamma(1 + 1 / 20)
    kw = {"duration_h": 40, "dispatch": {"load_management": {"order": ["shed"]}}}
    first = {}
    for outage in (False, True):
        grid = {"outages": [{"start_h": 2, "duration_h": 20}]} if outage else {}
        result = weibull_job(config_factory, 20.0, 1, 10 / 24, grid=grid, **kw)
        ev = result.events
        first[outage] = ev.loc[ev["kind"] == "node_failure", "time_h"].min()
    for outage, shift_h in ((False, 0.0), (True, 20.0)):
        assert shift_h + 0.75 * eta_h <= first[outage] <= shift_h + 1.1 * eta_h


@pytest.mark.parametrize(
    ("failures", "fragment"),
    [
        ({"rate_per_node_day": 0.01, "distribution": "weibull"}, "needs a shape"),
        ({"rate_per_node_day": 0.01, "shape": 0.7}, "distribution: weibull"),
        ({"rate_per_node_day": 0.01, "distribution": "weibull", "shape": 0.05}, "0.1"),
    ],
)
def test_failure_keys_are_checked(config_factory, failures, fragment):
    with pytest.raises(ConfigError) as info:
        config_factory(
            cluster={
                "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}],
                "failures": failures,
            }
        )
    assert_problem(info.value, "cluster.failures.shape", fragment)
