"""Weibull fleets at their stationary age fail at their configured rate from the start.

A job holds every node of its pool (no spares, no free nodes): a failed node's slot waits for
that node's repair (36 s) and takes it back as good as new, so each slot is a renewal process
in running time. Started at the stationary age (``fleet_age: stationary``), a renewal process
is stationary: its expected count over running time ``T`` is exactly ``n·T/μ``. Started new,
a fleet of shape k < 1 goes through infant mortality at once (the issue: 2.1× for k = 0.7 to
3.7× for k = 0.5 over a Llama 3-length run, ``T/μ = 54 × 0.00379 ≈ 0.2``, facts.md §6a).

The bound: the count's variance is ``cv²·n·T/μ`` asymptotically for a renewal process (cv the
lives' coefficient of variation, ``cv² = Γ(1 + 2/k)/Γ(1 + 1/k)² − 1``: 5 for k = 0.5, 1 for
k = 1, 0.27 for k = 2); the test allows 4 standard deviations of ``max(cv², 1)·n·T/μ`` (for
k > 1 the Poisson variance bounds it).
"""

from __future__ import annotations

import math

import pytest

from sim.runner import run

MEAN_LIFE_DAYS = 10.0


def fleet_run(config_factory, shape: float, nodes: int, days: float, fleet_age: str):
    return run(
        config_factory(
            duration_h=days * 24,
            cluster={
                "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8 * nodes}],
                "failures": {
                    "rate_per_node_day": 1 / MEAN_LIFE_DAYS,
                    "distribution": "weibull",
                    "shape": shape,
                    "fleet_age": fleet_age,
                },
                "repair_h": 0.01,
            },
            jobs=[{"name": "j", "pool": "p", "gpus": 8 * nodes, "restart_s": 60}],
        )
    )


def running_days(result, days: float) -> float:
    """The job's running time [days]: the run less its waits for repaired nodes."""
    return days - result.summary["jobs"]["j"]["waiting_for_nodes_h"] / 24


@pytest.mark.parametrize("shape", [0.5, 1.0, 2.0])
def test_a_stationary_fleet_fails_at_its_configured_rate(config_factory, shape):
    nodes, days = 500, 30.0
    result = fleet_run(config_factory, shape, nodes, days, "stationary")
    count = result.summary["jobs"]["j"]["interruptions"]
    expected = nodes * running_days(result, days) / MEAN_LIFE_DAYS  # ≈ 1,500
    cv2 = math.gamma(1 + 2 / shape) / math.gamma(1 + 1 / shape) ** 2 - 1
    assert abs(count - expected) <= 4 * math.sqrt(max(cv2, 1.0) * expected)


def test_a_new_fleet_shows_infant_mortality(config_factory):
    """k = 0.5, T/μ = 0.2 (a Llama 3-length run): new nodes fail ~3.7× as often as the rate
    says (more than 1.5×, with the Monte-Carlo bound below it), stationary ones at the rate."""
    nodes, days = 500, 2.0  # n·T/μ = 100 failures at the configured rate
    counts = {}
    for age in ("new", "stationary"):
        result = fleet_run(config_factory, 0.5, nodes, days, age)
        counts[age] = result.summary["jobs"]["j"]["interruptions"]
    expected = nodes * days / MEAN_LIFE_DAYS
    assert counts["new"] > 1.5 * expected + 4 * math.sqrt(5 * expected)
    assert abs(counts["stationary"] - expected) <= 4 * math.sqrt(5 * expected)


def test_the_stationary_life_left_has_the_equilibrium_law():
    """The draw ``η·G^(1/k)``, ``G ~ Gamma(1/k)``, against the equilibrium law computed here
    by numerical integration of ``S(t)/μ`` (not by the program's formula): its mean is
    ``E[L²]/(2μ) = η·Γ(1 + 2/k)/(2·Γ(1 + 1/k))``, and its CDF at the median of S."""
    import numpy as np

    from sim.config import FailuresConfig, HardwareConfig
    from sim.pools import Pool

    k, eta = 0.7, 86400.0  # η = 1 day [s]
    failures = FailuresConfig(
        rate_per_node_day=1.0 / math.gamma(1 + 1 / k),  # mean life η·Γ(1 + 1/k) [days]
        distribution="weibull",
        shape=k,
        fleet_age="stationary",
    )
    hw = HardwareConfig(
        gpu_tdp_w=700, gpu_idle_w=100, gpus_per_node=8, node_overhead_w=0, network_w_per_gpu=0
    )
    pool = Pool("p", hw, 8, 0, failures, np.random.default_rng(1), np.random.default_rng(2))
    n = 200_000
    lives = np.array(pool.draw_start_lives(n))
    mean_expected = eta * math.gamma(1 + 2 / k) / (2 * math.gamma(1 + 1 / k))
    assert abs(lives.mean() - mean_expected) <= 4 * lives.std() / math.sqrt(n)
    # F_e(t0) = ∫0^t0 S / μ by the trapezoid rule on a fine grid
    t0 = eta * math.log(2) ** (1 / k)
    grid = np.linspace(0.0, t0, 200_001)
    s = np.exp(-((grid / eta) ** k))
    f_e = float(np.sum((s[1:] + s[:-1]) / 2 * np.diff(grid))) / (eta * math.gamma(1 + 1 / k))
    p = float(np.mean(lives <= t0))
    assert abs(p - f_e) <= 4 * math.sqrt(f_e * (1 - f_e) / n)
