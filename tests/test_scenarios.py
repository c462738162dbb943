"""Random grid outages: the renewal process's statistics, seeding, and exact application."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.config import ConfigError, format_key, load_config
from sim.rng import stream
from sim.runner import run
from sim.scenarios import draw_outages
from tests.bad_configs import assert_problem, write


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


SCENARIOS = Path(__file__).resolve().parents[1] / "configs" / "scenarios"
EXAMPLE = Path(__file__).resolve().parents[1] / "configs" / "examples" / "outage_day.yaml"


SITE = """\
name: site
duration_h: 48
load: {constant_mw: 150}
grid: {import_limit_mw: 200, outages: [{start_h: 30, duration_h: 2}]}
battery: {energy_mwh: 800, power_mw: 200}
dispatch: {policy: backup}
turbines: [{name: smt130, count: 15, p_nom_mw: 16.5, ramp_mw_per_min: 5}]
"""


def with_scenarios(tmp_path: Path, *names: str, base: str = SITE) -> Path:
    listed = ", ".join(str(SCENARIOS / n) for n in names)
    return write(tmp_path / "c.yaml", f"{base}scenario: [{listed}]\n")


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_every_scenario_overlays_the_example_and_runs(tmp_path, name):
    s = run(load_config(with_scenarios(tmp_path, name))).summary
    assert s["energy_mwh"]["it"] > 0
    first_line = (SCENARIOS / name).read_text().splitlines()[0]
    assert first_line.startswith("# ")  # each scenario says what it represents


def test_scenario_lists_append_to_the_base(tmp_path):
    config = load_config(with_scenarios(tmp_path, "grid_outage_4h.yaml"))
    assert [(o.start_h, o.duration_h) for o in config.grid.outages] == [(30, 2), (12, 4)]


def test_overlapping_scenario_outage_is_reported_against_the_scenario(tmp_path):
    """The example's own outage (10-14 h) and the scenario's (12-16 h) overlap."""
    base = f"extends: {EXAMPLE}\n"
    with pytest.raises(ConfigError) as info:
        load_config(with_scenarios(tmp_path, "grid_outage_4h.yaml", base=base))
    problem = next(p for p in info.value.problems if format_key(p.key) == "grid.outages[1]")
    assert problem.file == str(SCENARIOS / "grid_outage_4h.yaml")


def test_tva_elliott_cuts_ten_percent_of_import(tmp_path):
    """No battery, no load management: each window leaves 10 % of the import unserved."""
    path = write(
        tmp_path / "c.yaml",
        f"name: t\nduration_h: 48\nload: {{constant_mw: 100}}\n"
        f"scenario: {SCENARIOS / 'tva_winter_elliott.yaml'}\n",
    )
    s = run(load_config(path)).summary
    assert [w["limit_mw"] for w in s["demand_response"]] == [pytest.approx(90.0)] * 3
    assert s["unserved_mwh"] == pytest.approx(10 * (5 + 6 + 5), rel=1e-12)
    assert s["grid_by_month"][0]["month"] == "2022-12"


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("scenario: 5\n", "scenario", "must be a path or a list of paths"),
        ("scenario: [nothere.yaml]\n", "scenario", "file not found"),
    ],
)
def test_bad_scenario_key(tmp_path, text, key, fragment):
    path = write(tmp_path / "c.yaml", "name: t\nduration_h: 2\nload: {constant_mw: 1}\n" + text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert_problem(info.value, key, fragment)
