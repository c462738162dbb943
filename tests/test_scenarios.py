"""Random grid outages: the renewal process's statistics, seeding, and exact application."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.rng import stream
from sim.runner import run
from sim.scenarios import draw_outages


def test_draws_follow_the_renewal_process():
    """Up times exponential with mean 8760/rate, durations exponential with mean d:
    E[count over T] = T / (8760/rate + d)."""
    rate, mean_h, horizon_h = 10.0, 5.0, 1_000_000.0
    outages = draw_outages(np.random.default_rng(7), rate, mean_h, horizon_h)
    n = len(outages)
    expected = horizon_h / (8760 / rate + mean_h)
    assert abs(n - expected) < 5 * math.sqrt(expected)
    durations = np.array([d for _, d in outages])
    assert abs(durations.mean() - mean_h) < 5 * mean_h / math.sqrt(n)
    starts = np.array([s for s, _ in outages])
    ups = starts[1:] - (starts[:-1] + durations[:-1])
    assert np.all(ups > 0)  # ordered, never overlapping
    assert abs(ups.mean() - 876.0) < 5 * 876.0 / math.sqrt(n)
    assert starts.max() < horizon_h


def test_streams_are_named_and_seeded():
    a = stream(1, "grid.random_outages").random(3)
    assert np.array_equal(a, stream(1, "grid.random_outages").random(3))
    assert not np.array_equal(a, stream(2, "grid.random_outages").random(3))
    assert not np.array_equal(a, stream(1, "cluster.failures").random(3))


def random_config(config_factory, seed: int, **grid):
    return config_factory(
        seed=seed,
        duration_h=8760,
        load={"constant_mw": 10},
        output={"resolution_s": 3600},
        grid={"random_outages": {"rate_per_year": 12, "mean_duration_h": 3}, **grid},
    )


def test_random_outages_are_applied_exactly(config_factory):
    """Without a battery, unserved energy = load × the drawn outage time within the year,
    where the draw is repeated here from the run's named stream."""
    drawn = draw_outages(stream(4, "grid.random_outages"), 12, 3, 8760)
    assert len(drawn) > 3
    down_h = sum(min(s + d, 8760) - s for s, d in drawn)
    s = run(random_config(config_factory, 4)).summary
    assert s["unserved_mwh"] == pytest.approx(10 * down_h, rel=1e-12)
    assert [o["start_h"] for o in s["random_outages"]] == [o[0] for o in drawn]
    assert not any(o["ride_through"] for o in s["random_outages"])


def test_seed_changes_the_outages_and_only_the_seed(config_factory):
    a = run(random_config(config_factory, 4)).summary
    again = run(random_config(config_factory, 4)).summary
    b = run(random_config(config_factory, 5)).summary
    assert a["random_outages"] == again["random_outages"]
    assert a["random_outages"] != b["random_outages"]


def test_random_outage_overlapping_a_scheduled_one(config_factory):
    """The grid is down while any outage lasts: unserved = load × length of the union."""
    drawn = draw_outages(stream(4, "grid.random_outages"), 12, 3, 8760)
    s0, d0 = drawn[0]
    scheduled = {"start_h": s0 + d0 / 2, "duration_h": 10.0}  # overlaps the first's second half
    intervals = sorted(
        [(s, s + d) for s, d in drawn] + [(scheduled["start_h"], scheduled["start_h"] + 10.0)]
    )
    union_h, cur_start, cur_end = 0.0, *intervals[0]
    for a, b in intervals[1:]:
        if a <= cur_end:
            cur_end = max(cur_end, b)
        else:
            union_h += min(cur_end, 8760) - cur_start
            cur_start, cur_end = a, b
    union_h += min(cur_end, 8760) - cur_start
    s = run(random_config(config_factory, 4, outages=[scheduled])).summary
    assert s["unserved_mwh"] == pytest.approx(10 * union_h, rel=1e-12)
