"""The work estimate of a run at validation (rows, bus updates, memory against
``output.max_memory_gb``), checked against counts computed here and against a measured run;
and the costs that grew quadratically: turbine units and outages."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.summary
from sim.config import (
    BYTES_BASE,
    ConfigError,
    config_from_dict,
    estimate_work,
    load_config,
)
from sim.power.turbines import TurbineGroup
from sim.runner import run
from sim.summary import outage_summary

ROOT = Path(__file__).parents[1]
BASE = {"name": "t", "duration_h": 24, "load": {"constant_mw": 10}}
JOB = {"name": "j", "pool": "p", "gpus": 64, "checkpoint_interval_s": 290, "checkpoint_write_s": 10}
CLUSTER = {
    "cluster": {
        "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 64}],
        "failures": {"rate_per_node_day": 0.5},
    },
    "jobs": [JOB],
}


def refusal(data: dict):
    with pytest.raises(ConfigError) as info:
        config_from_dict(data)
    [problem] = info.value.problems
    return problem


def test_a_century_at_60_s_is_refused_naming_the_resolution_and_the_limit():
    problem = refusal({**BASE, "duration_h": 876_000, "output": {"resolution_s": 60}})
    assert problem.key == ("output", "resolution_s")
    assert problem.value == 60
    rows = 876_000 * 3600 / 60  # 5.26e7 rows
    assert f"timeseries rows: {rows:.3g}" in problem.message
    assert "over output.max_memory_gb (8 GB)" in problem.message
    # the same run at daily resolution, or with the limit raised, validates
    assert config_from_dict({**BASE, "duration_h": 876_000, "output": {"resolution_s": 86_400}})
    raised = {"resolution_s": 60, "max_memory_gb": 1000}
    assert config_from_dict({**BASE, "duration_h": 876_000, "output": raised})


def test_a_tiny_checkpoint_interval_is_refused_naming_the_job_key():
    job = {**JOB, "checkpoint_interval_s": 0.001, "checkpoint_write_s": 0}
    problem = refusal({**BASE, **CLUSTER, "duration_h": 2400, "jobs": [job]})
    assert problem.key == ("jobs", 0, "checkpoint_interval_s")
    updates = 2 * 2400 * 3600 / 0.001  # two per checkpoint cycle
    assert f"jobs[0] checkpoints: {updates:.3g}" in problem.message


def test_a_tiny_iteration_is_refused_naming_the_job_key():
    cluster = {**CLUSTER["cluster"], "power_model": "iteration"}
    data = {**BASE, **CLUSTER, "cluster": cluster, "duration_h": 2400}
    problem = refusal({**data, "jobs": [{**JOB, "iteration_s": 0.001}]})
    assert problem.key == ("jobs", 0, "iteration_s")
    assert config_from_dict({**data, "duration_h": 1})  # an hour of it is fine


def test_the_estimate_counts_rows_and_updates_as_computed_by_hand():
    data = {
        **BASE,
        **CLUSTER,
        "duration_h": 100,
        "output": {"resolution_s": 900},
        "grid": {
            "outages": [{"start_h": 1, "duration_h": 1}, {"start_h": 5, "duration_h": 1}],
            "random_outages": {"rate_per_year": 87.6, "mean_duration_h": 1},
            "demand_interval_min": 30,
        },
        "cooling": {"chillers": {"count": 4, "capacity_mw": 10, "failure_rate_per_1000h": 5}},
        "weather": {"step_h": 0.5},
    }
    e = estimate_work(config_from_dict(data))
    assert e.timeseries_rows == 100 * 3600 / 900
    assert e.demand_intervals == 100 * 2
    counts = {what: n for what, (n, _) in e.updates.items()}
    assert counts["jobs[0] checkpoints"] == pytest.approx(2 * 100 * 3600 / 300)
    assert counts["jobs[0] node failures"] == pytest.approx(3 * 0.5 * 8 * 100 / 24)  # 8 nodes
    assert counts["weather steps"] == 200
    assert counts["chiller failures"] == pytest.approx(2 * 4 * 5 * 100 / 1000)
    assert counts["scheduled outages"] == 4
    assert counts["random outages"] == pytest.approx(2 * 87.6 * 100 / 8760)


def test_every_shipped_config_validates_well_under_the_limit():
    for path in sorted((ROOT / "configs").glob("*/*.yaml")):
        if path.parent.name in ("scenarios", "sweeps"):
            continue  # overlays and sweep specs, not runs
        assert estimate_work(load_config(path)).memory_bytes < 1e9, path


@pytest.mark.parametrize(
    "overrides",
    [
        ["duration_h=48"],  # checkpoints and failures
        ["duration_h=48", "output.resolution_s=60"],  # plus a fine timeseries
        ["duration_h=6", "cluster.power_model=iteration"],  # the iteration model's square wave
    ],
)
def test_the_estimate_is_within_2x_of_a_measured_run(overrides):
    config = load_config(ROOT / "configs/examples/llama3_cluster.yaml", overrides)
    estimate = estimate_work(config)
    tracemalloc.start()
    try:
        result = run(config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    segments = result.summary["run"]["segments"]
    assert segments / 2 <= estimate.segments <= 2 * segments
    # (tracemalloc sees what the run allocates, not the interpreter's own memory)
    assert peak / 2 <= estimate.memory_bytes - BYTES_BASE <= 2 * peak


# --- quadratic costs ---------------------------------------------------------------------------


def test_starting_many_turbine_units_is_not_quadratic(monkeypatch):
    """1,000 units start in an outage: the readiness checks grow with the units, not with
    units × starts (once per unit per commit, not per unit per start)."""
    calls = {"n": 0}
    can_start = TurbineGroup.can_start

    def counted(self, u, now_s):
        calls["n"] += 1
        return can_start(self, u, now_s)

    monkeypatch.setattr(TurbineGroup, "can_start", counted)
    units = 1000
    config = config_from_dict(
        {
            "name": "t",
            "duration_h": 4,
            "load": {"constant_mw": 900},
            "grid": {"outages": [{"start_h": 1, "duration_h": 2}]},
            "battery": {"energy_mwh": 2000, "power_mw": 1000},
            "turbines": [
                {"name": "g", "count": units, "p_nom_mw": 1, "ramp_mw_per_min": 1, "start_s": 60}
            ],
        }
    )
    result = run(config)
    assert result.summary["turbines"]["starts"] == 900  # one per MW of the shortfall
    assert calls["n"] <= 5 * units


def test_the_outage_summary_is_one_pass_and_exact(monkeypatch):
    """Unserved energy of 2,000 outages from one cumulative sum, equal to the exact integral
    computed here segment by segment."""
    rng = np.random.default_rng(1)
    t_s = np.concatenate([[0.0], np.sort(rng.uniform(0, 1e6, 500))])
    p = rng.uniform(0, 5, t_s.size)
    r = rng.uniform(-1e-3, 1e-3, t_s.size)
    segments = pd.DataFrame({"time_s": t_s, "unserved_mw": p, "unserved_ramp_mw_per_s": r})
    end_s = 1.1e6
    starts_h = np.sort(rng.uniform(0, 320, 2000))
    outages = [
        (float(a), float(d)) for a, d in zip(starts_h, rng.uniform(0.01, 3, 2000), strict=True)
    ]
    passes = {"n": 0}
    cumulative = sim.summary.cumulative_energy_mwh

    def counted(*args, **kwargs):
        passes["n"] += 1
        return cumulative(*args, **kwargs)

    monkeypatch.setattr(sim.summary, "cumulative_energy_mwh", counted)
    out = outage_summary(segments, outages, end_s)
    assert passes["n"] == 1

    def energy_mwh(a_s: float, b_s: float) -> float:  # ∫ p + r·(t − t_k) over [a, b)
        edges = np.append(t_s, end_s)
        total = 0.0
        for k in range(t_s.size):
            lo, hi = max(a_s, edges[k]), min(b_s, edges[k + 1])
            if hi > lo:
                x0, x1 = lo - t_s[k], hi - t_s[k]
                total += p[k] * (x1 - x0) + r[k] * (x1**2 - x0**2) / 2
        return total / 3600

    for (start_h, duration_h), entry in list(zip(outages, out, strict=True))[::97]:
        a_s = start_h * 3600
        if a_s >= end_s:
            assert entry["unserved_mwh"] is None
            continue
        expected = energy_mwh(a_s, min((start_h + duration_h) * 3600, end_s))
        assert math.isclose(entry["unserved_mwh"], expected, rel_tol=1e-9, abs_tol=1e-9)


def test_trace_rows_within_the_run_count_as_updates(tmp_path):
    trace = tmp_path / "load.csv"
    trace.write_text("time_h,load_mw\n" + "".join(f"{k * 0.5},{k % 7}\n" for k in range(100)))
    config = config_from_dict({**BASE, "duration_h": 10, "load": {"trace_csv": str(trace)}})
    [(rows, key)] = estimate_work(config).updates.values()
    assert rows == 20  # rows at 0, 0.5, ..., 9.5 h
    assert key == ("load", "trace_csv")
