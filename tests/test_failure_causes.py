"""Failures by cause (sim/causes.py): shares realised within Monte-Carlo error, restart-only
causes that lose no node, per-cause repair times, and bad input refused with its key path."""

from __future__ import annotations

import math

import pytest
import yaml

from sim.cli import main
from sim.config import ConfigError
from sim.runner import run
from tests.bad_configs import assert_problem

# Llama 3's Table 5 (facts.md §6a), by count: 419 unexpected interruptions
LLAMA3_COUNTS = {"faulty-gpu": 148, "gpu-hbm3": 72, "software-bug": 54, "nccl-watchdog-timeout": 7}
LLAMA3_TOTAL = 419


def causes_run(config_factory, causes, nodes=64, days=30.0, rate=0.05, repair_h=24.0, spares=64):
    return run(
        config_factory(
            duration_h=days * 24,
            cluster={
                "pools": [
                    {
                        "name": "p",
                        "hardware": "h100-sxm",
                        "gpus": 8 * nodes,
                        "spare_gpus": 8 * spares,
                    }
                ],
                "failures": {"rate_per_node_day": rate, "causes": causes},
                "repair_h": repair_h,
            },
            jobs=[{"name": "j", "pool": "p", "gpus": 8 * nodes, "restart_s": 60}],
        )
    )


def test_the_realised_shares_match_the_llama3_catalog(config_factory):
    """2,048 nodes at 0.05 failures per node-day for 40 days: ~4,000 failures. Each cause's
    count is binomial(N, p) given the total N, p = its count in Table 5 over 419: within
    4 standard deviations (+1 for the integer)."""
    result = causes_run(config_factory, "llama3", nodes=2048, days=40.0, spares=2048)
    by_cause = result.summary["cluster"]["failures_by_cause"]
    total = sum(by_cause.values())
    assert total == result.summary["jobs"]["j"]["interruptions"]
    assert total > 3000
    assert len(by_cause) == 18  # the table's 18 causes
    for name, count in LLAMA3_COUNTS.items():
        p = count / LLAMA3_TOTAL
        assert abs(by_cause[name] - total * p) <= 4 * math.sqrt(total * p * (1 - p)) + 1, name
    # the printed 30.1 % for faulty GPUs would be 5 sigma off: the counts are used
    assert by_cause["faulty-gpu"] / total > 0.33


def test_a_custom_list_by_rate_splits_the_total(config_factory):
    """Two causes given by rate, 0.03 + 0.02 = 0.05 per node-day: shares 0.6 and 0.4."""
    causes = [
        {"name": "a", "rate_per_node_day": 0.03},
        {"name": "b", "rate_per_node_day": 0.02, "repair": False},
    ]
    result = causes_run(config_factory, causes, nodes=256, days=40.0, spares=256)
    by_cause = result.summary["cluster"]["failures_by_cause"]
    total = by_cause["a"] + by_cause["b"]
    assert abs(by_cause["a"] - 0.6 * total) <= 4 * math.sqrt(total * 0.24) + 1


def test_restart_only_causes_lose_no_node(config_factory):
    """Every failure a software bug: the job restarts on its own nodes; no node is ever in
    repair (0 GPU-hours in repair, by hand) and the job never waits, even with no spares.
    The event log names the cause."""
    causes = [{"name": "bug", "share_pu": 1.0, "repair": False}]
    result = causes_run(config_factory, causes, nodes=64, days=20.0, spares=0)
    job = result.summary["jobs"]["j"]
    assert job["interruptions"] > 20  # 64 × 20 × 0.05 = 64 expected
    assert result.summary["cluster"]["failures_by_cause"] == {"bug": job["interruptions"]}
    assert result.summary["cluster"]["gpu_hours"]["repair"] == 0.0
    assert job["waiting_for_nodes_h"] == 0.0
    details = result.events.loc[result.events["kind"] == "node_failure", "detail"]
    assert details.str.startswith("bug (restart only), in ").all()


def test_a_cause_has_its_own_repair_time(config_factory):
    """Every failure takes its node for a mean 0.5 h (the cause's repair_h, not the cluster's
    24 h): the GPU-hours in repair are ~count × 0.5 h × 8 GPUs, within 4 standard deviations
    of the sum of exponential repair times (sd = mean·√count), less those cut by the end."""
    causes = [{"name": "gpu", "share_pu": 1.0, "repair_h": 0.5}]
    result = causes_run(config_factory, causes, nodes=64, days=20.0, spares=64)
    count = result.summary["jobs"]["j"]["interruptions"]
    repair_gpu_h = result.summary["cluster"]["gpu_hours"]["repair"]
    expected = count * 0.5 * 8
    assert count > 20
    assert abs(repair_gpu_h - expected) <= 4 * 0.5 * 8 * math.sqrt(count) + 0.5 * 8 * 10


def test_without_causes_the_summary_has_no_causes(config_factory):
    result = causes_run(config_factory, None, nodes=8, days=2.0)
    assert "failures_by_cause" not in result.summary["cluster"]


@pytest.mark.parametrize(
    ("causes", "key", "fragment"),
    [
        ("llama4", "cluster.failures.causes", "built-in catalog (llama3)"),
        (
            [{"name": "a", "share_pu": 0.5}, {"name": "b", "share_pu": 0.4}],
            "cluster.failures.causes",
            "must sum to 1",
        ),
        (
            [{"name": "a", "rate_per_node_day": -1}],
            "cluster.failures.causes[0].rate_per_node_day",
            "greater than or equal to 0",
        ),
        (
            [{"name": "a", "rate_per_node_day": 0.2}],
            "cluster.failures.causes",
            "must sum to failures.rate_per_node_day",
        ),
        (
            [{"name": "a", "share_pu": 0.5, "rate_per_node_day": 0.05}],
            "cluster.failures.causes[0].share_pu",
            "exactly one of",
        ),
        ([], "cluster.failures.causes", "at least one cause"),
    ],
)
def test_bad_causes_are_refused(config_factory, causes, key, fragment):
    with pytest.raises(ConfigError) as info:
        config_factory(
            cluster={
                "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}],
                "failures": {"rate_per_node_day": 0.1, "causes": causes},
            }
        )
    assert_problem(info.value, key, fragment)


def test_the_cli_refuses_a_bad_catalog_with_exit_2(tmp_path, capsys):
    cfg = {
        "name": "t",
        "duration_h": 1,
        "cluster": {
            "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}],
            "failures": {"rate_per_node_day": 0.1, "causes": "llama4"},
        },
    }
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "cluster.failures.causes" in err
    assert "Traceback" not in err
