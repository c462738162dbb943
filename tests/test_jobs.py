"""Training jobs on the cluster, validated against published models, not against our output.

Daly (2006): with exponential failures of mean M, checkpoint interval τ, write time δ and
restart R, the expected wall time per unit of solve time is M·e^{R/M}·(e^{(τ+δ)/M} − 1)/τ, so
ETTR = τ / (M·e^{R/M}·(e^{(τ+δ)/M} − 1)). Young (1974): the best τ is near √(2δM). Llama 3
(Meta 2024): 16,384 H100 for 54 days at 3.79 failures per 1,000 node-days, 419 interruptions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config import ConfigError
from sim.runner import run
from tests.bad_configs import assert_problem
from tests.conftest import make_config


@pytest.fixture
def config_factory(tmp_path):
    """The cluster's own hand checks: without distribution losses, which would add to the
    load they compute (the losses have tests/test_electrical.py)."""

    def factory(trace=(), **keys):
        keys.setdefault("facility", {"electrical": "none"})
        return make_config(tmp_path, trace, **keys)

    return factory


# An H100 node's overhead: the DGX H100's 10.2 kW maximum less 8 × 700 W (NVIDIA user guide,
# facts.md §5): 4,600 W.
H100_OVERHEAD_W = 10_200 - 8 * 700
H100_IDLE_NODE_W = H100_OVERHEAD_W + 8 * (93 + 115)  # overhead + 8 × (idle + network share)


def h100_compute_node_w(compute_fraction: float) -> float:
    """A computing H100 node: overhead + 8 × (network share + mean GPU power)."""
    return H100_OVERHEAD_W + 8 * 115 + 8 * (compute_fraction * 700 + (1 - compute_fraction) * 93)


def one_job(config_factory, duration_h, nodes, m_s, tau_s, delta_s, r_s, **job):
    """One job of ``nodes`` H100 nodes with ample hot spares; node failures exponential so
    that the job's mean time between failures is ``m_s``."""
    return run(
        config_factory(
            duration_h=duration_h,
            cluster={
                "pools": [
                    {"name": "p", "hardware": "h100-sxm", "gpus": 8 * nodes, "spare_gpus": 8 * 64}
                ],
                "failures": {"rate_per_node_day": 86400 / m_s / nodes},
                "repair_h": 1,
            },
            jobs=[
                {
                    "name": "j",
                    "pool": "p",
                    "gpus": 8 * nodes,
                    "checkpoint_interval_s": tau_s,
                    "checkpoint_write_s": delta_s,
                    "restart_s": r_s,
                    **job,
                }
            ],
        )
    )


def daly_ettr(m_s: float, tau_s: float, delta_s: float, r_s: float) -> float:
    return tau_s / (m_s * math.exp(r_s / m_s) * (math.exp((tau_s + delta_s) / m_s) - 1))


@pytest.mark.parametrize(
    ("m_s", "tau_s", "delta_s", "r_s"),
    [
        (3 * 3600, 1800, 60, 600),  # a typical large job: ETTR ≈ 0.84
        (24 * 3600, 3600, 300, 1200),  # a rare-failure job with slow checkpoints
        (2400, 1800, 60, 600),  # a bad one: M close to τ, ETTR ≈ 0.5
    ],
)
def test_ettr_agrees_with_daly(config_factory, m_s, tau_s, delta_s, r_s):
    """Over ~3,000 failures the simulated ETTR is within 2 % of Daly's expectation, and the
    number of interruptions is that of a Poisson process of mean M (within 10 %)."""
    duration_h = 3000 * m_s / 3600
    result = one_job(config_factory, duration_h, 100, m_s, tau_s, delta_s, r_s)
    job = result.summary["jobs"]["j"]
    expected = daly_ettr(m_s, tau_s, delta_s, r_s)
    assert job["ettr"] == pytest.approx(expected, rel=0.02)
    assert job["interruptions"] == pytest.approx(3000, rel=0.1)


def test_youngs_interval_is_near_the_best(config_factory):
    """δ = 60 s, M = 1 h, R = 0: Young's τ = √(2δM) = 657 s beats τ/2.5 and 2.5τ (Daly's
    model puts them ~6 % lower), in the simulation too."""
    m_s, delta_s = 3600.0, 60.0
    young_s = math.sqrt(2 * delta_s * m_s)
    ettr = {
        f: one_job(config_factory, 2000, 50, m_s, young_s * f, delta_s, 0.0).summary["jobs"]["j"][
            "ettr"
        ]
        for f in (0.4, 1.0, 2.5)
    }
    assert ettr[1.0] > ettr[0.4] + 0.02
    assert ettr[1.0] > ettr[2.5] + 0.02


def test_llama3_record(config_factory):
    """16,384 H100 (2,048 nodes) for 54 days at 3.79 failures per 1,000 node-days: expect
    2,048 × 0.00379 × 54 = 419 interruptions; the count must lie within the Poisson 99.9 %
    band 419 ± 3.29·√419. With 5-min checkpoints (10 s writes, async) and 5-min restarts,
    ETTR is above 90 %, as Meta reported."""
    result = run(
        config_factory(
            duration_h=54 * 24,
            cluster={
                "pools": [
                    {"name": "h100", "hardware": "h100-sxm", "gpus": 16384, "spare_gpus": 512}
                ],
                "failures": {"rate_per_node_day": 0.00379},
                "repair_h": 24,
            },
            jobs=[
                {
                    "name": "llama3",
                    "pool": "h100",
                    "gpus": 16384,
                    "checkpoint_interval_s": 300,
                    "checkpoint_write_s": 10,
                    "restart_s": 300,
                }
            ],
        )
    )
    job = result.summary["jobs"]["llama3"]
    expected = 2048 * 0.00379 * 54
    assert abs(job["interruptions"] - expected) <= 3.29 * math.sqrt(expected)
    assert job["ettr"] > 0.90
    assert job["waiting_for_nodes_h"] == 0.0  # 64 spare nodes, 24 h repairs: enough


def test_it_power_and_energy_by_hand(config_factory):
    """No failures; 2 job nodes and 1 spare node of H100, compute_fraction 0.7, τ = 1800 s,
    δ = 60 s, R = 600 s, 1 h: restart 0–600 s, compute 600–2400, checkpoint 2400–2460,
    compute 2460–3600. The job's nodes draw the compute power while computing and idle power
    otherwise; the spare idles throughout."""
    result = run(
        config_factory(
            duration_h=1,
            cluster={
                "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 16, "spare_gpus": 8}],
            },
            jobs=[
                {
                    "name": "j",
                    "pool": "p",
                    "gpus": 16,
                    "checkpoint_interval_s": 1800,
                    "checkpoint_write_s": 60,
                    "restart_s": 600,
                    "compute_fraction": 0.7,
                }
            ],
        )
    )
    compute_w, idle_w = h100_compute_node_w(0.7), H100_IDLE_NODE_W
    job_j = 2 * (idle_w * (600 + 60) + compute_w * (1800 + 1140))
    spare_j = idle_w * 3600
    assert result.summary["energy_mwh"]["it"] == pytest.approx((job_j + spare_j) / 3.6e9, rel=1e-12)
    job = result.summary["jobs"]["j"]
    assert job["energy_mwh"] == pytest.approx(job_j / 3.6e9, rel=1e-12)
    assert job["checkpoints"] == 1
    assert job["goodput_h"] == pytest.approx((1800 + 1140) / 3600, rel=1e-12)
    assert job["ettr"] == pytest.approx((1800 + 1140) / 3600, rel=1e-12)
    assert result.summary["peak_mw"]["load"] == pytest.approx((2 * compute_w + idle_w) / 1e6)
    gpu_h = result.summary["cluster"]["gpu_hours"]
    by_hand = {"busy": 16.0, "idle": 0.0, "spare": 8.0, "repair": 0.0}
    assert {k: gpu_h[k] for k in by_hand} == pytest.approx(by_hand)
    assert gpu_h["pools"]["p"] == pytest.approx(by_hand)


def test_jobs_with_work_finish_and_free_their_nodes_in_priority_order(config_factory):
    """Two 2-node jobs of 1 h of work on a 2-node pool, no failures; 'b' has the higher
    priority, so it runs first: restart 600 s, compute 1800, checkpoint 60, compute 1800,
    done at 4,260 s; then 'a' starts and is done at 8,520 s."""
    result = run(
        config_factory(
            duration_h=3,
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 16}]},
            jobs=[
                {"name": "a", "pool": "p", "gpus": 16, "work_h": 1},
                {"name": "b", "pool": "p", "gpus": 16, "work_h": 1, "priority": 1},
            ],
        )
    )
    jobs = result.summary["jobs"]
    assert jobs["b"]["finished_h"] == pytest.approx(4260 / 3600)
    assert jobs["a"]["started_h"] == pytest.approx(4260 / 3600)
    assert jobs["a"]["finished_h"] == pytest.approx(8520 / 3600)
    assert jobs["a"]["goodput_h"] == pytest.approx(1.0)
    # GPU-hours: 16 GPUs busy until 8,520 s, then idle to 3 h.
    gpu_h = result.summary["cluster"]["gpu_hours"]
    assert gpu_h["busy"] == pytest.approx(16 * 8520 / 3600)
    assert gpu_h["idle"] == pytest.approx(16 * (3 - 8520 / 3600))
    # ETTR counts the time queued: a did 1 h of work in its 8,520 s.
    assert jobs["a"]["ettr"] == pytest.approx(3600 / 8520)


def test_a_small_job_backfills_around_a_big_one(config_factory):
    """A 3-node pool. 'big' (2 nodes) starts first; 'huge' (3 nodes, same priority, next in
    order) does not fit beside it and waits; 'small' (1 node, lower priority) is not blocked
    behind 'huge': it takes the third node (backfill without reservation)."""
    result = run(
        config_factory(
            duration_h=1,
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 24}]},
            jobs=[
                {"name": "big", "pool": "p", "gpus": 16, "priority": 1, "work_h": 10},
                {"name": "huge", "pool": "p", "gpus": 24, "priority": 1, "work_h": 10},
                {"name": "small", "pool": "p", "gpus": 8, "work_h": 10},
            ],
        )
    )
    jobs = result.summary["jobs"]
    assert jobs["big"]["started_h"] == 0.0
    assert jobs["huge"]["started_h"] is None  # does not fit beside 'big'
    assert jobs["small"]["started_h"] == 0.0  # backfills the node 'huge' cannot use


@pytest.mark.parametrize(
    ("keys", "key", "fragment"),
    [
        (
            {"cluster": {"pools": [{"name": "p", "hardware": "h1000", "gpus": 8}]}},
            "cluster.pools[0].hardware",
            "gb200",
        ),
        (
            {
                "cluster": {"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}]},
                "jobs": [{"name": "j", "pool": "q", "gpus": 8}],
            },
            "jobs[0].pool",
            "'p'",
        ),
        (
            {
                "cluster": {"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}]},
                "jobs": [{"name": "j", "pool": "p", "gpus": 16}],
            },
            "jobs[0].gpus",
            "must fit its pool",
        ),
        ({"jobs": [{"name": "j", "pool": "p", "gpus": 8}]}, "jobs", "need a cluster"),
        (
            {
                "cluster": {
                    "pools": [{"name": "p", "hardware": "x", "gpus": 8}],
                    "hardware": {
                        "x": {
                            "gpu_tdp_w": 100,
                            "gpu_idle_w": 200,
                            "gpus_per_node": 8,
                            "node_overhead_w": 0,
                            "network_w_per_gpu": 0,
                        }
                    },
                }
            },
            "cluster.hardware.x.gpu_idle_w",
            "must not exceed gpu_tdp_w",
        ),
        (
            {
                "cluster": {
                    "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}],
                    "power_model": "hourly",
                }
            },
            "cluster.power_model",
            "'average' or 'iteration'",
        ),
    ],
)
def test_cluster_keys_are_checked(config_factory, keys, key, fragment):
    with pytest.raises(ConfigError) as info:
        config_factory(**keys)
    assert_problem(info.value, key, fragment)


def test_a_users_own_hardware_entry_is_used(config_factory):
    """A 1-node pool of a custom part: 4 × 100 W idle + 50 W overhead + 4 × 10 W network."""
    result = run(
        config_factory(
            duration_h=1,
            cluster={
                "pools": [{"name": "p", "hardware": "mine", "gpus": 4}],
                "hardware": {
                    "mine": {
                        "gpu_tdp_w": 300,
                        "gpu_idle_w": 100,
                        "gpus_per_node": 4,
                        "node_overhead_w": 50,
                        "network_w_per_gpu": 10,
                    }
                },
            },
        )
    )
    assert result.summary["energy_mwh"]["it"] == pytest.approx(490 / 1e6)


def test_an_outage_that_sheds_the_cluster_costs_the_work_since_each_checkpoint(config_factory):
    """Two jobs, no battery, load management may shed; a 1 h outage at 4,500 s.

    'a' (τ = 1800 s): restart 0–600, compute 600–2400, checkpoint –2460, compute –4260,
    checkpoint –4320, compute from 4320: shed at 4500, it loses 180 s. 'b' (τ = 3000 s):
    compute 600–3600, checkpoint –3660, compute from 3660: it loses 840 s. Both restart when
    the grid is back (8100 s): restart –8700, then compute. At 3 h, 'a' has 3600 s saved,
    1800 more saved at 10,500 s and 240 s in flight; 'b' 3000 s saved and 2100 s in flight.
    Nothing goes unserved: the shed jobs draw nothing."""
    result = run(
        config_factory(
            duration_h=3,
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 16}]},
            jobs=[
                {"name": "a", "pool": "p", "gpus": 8, "checkpoint_interval_s": 1800},
                {"name": "b", "pool": "p", "gpus": 8, "checkpoint_interval_s": 3000},
            ],
            grid={"outages": [{"start_h": 1.25, "duration_h": 1}]},
            dispatch={"load_management": {"order": ["shed"]}},
        )
    )
    a, b = result.summary["jobs"]["a"], result.summary["jobs"]["b"]
    assert a["lost_h"] == pytest.approx(180 / 3600, rel=1e-12)
    assert b["lost_h"] == pytest.approx(840 / 3600, rel=1e-12)
    assert (a["shed"], b["shed"]) == (1, 1)
    assert a["goodput_h"] == pytest.approx(5640 / 3600, rel=1e-12)
    assert b["goodput_h"] == pytest.approx(5100 / 3600, rel=1e-12)
    assert result.summary["unserved_mwh"] == 0.0
    # The shed demand is reported as it_shed: both jobs' computing power for the hour.
    node_w = h100_compute_node_w(0.7)
    assert result.summary["energy_mwh"]["it_shed"] == pytest.approx(2 * node_w * 3600 / 3.6e9)
    # The progress trace of 'a': linear in compute, flat otherwise, a drop at the shed.
    pa = result.progress[result.progress["job"] == "a"]
    t_s, p_s = pa["time_h"].to_numpy() * 3600, pa["progress_h"].to_numpy() * 3600
    for at_s, by_hand_s in [(300, 0), (1500, 900), (2430, 1800), (4400, 3680), (9000, 3900)]:
        assert np.interp(at_s, t_s, p_s) == pytest.approx(by_hand_s, rel=1e-12)
    at_shed = p_s[t_s == 4500]
    assert at_shed.max() == pytest.approx(3780)
    assert at_shed.min() == pytest.approx(3600)
    assert p_s[-1] == pytest.approx(5640)


def test_turbines_bring_shed_jobs_back_during_an_outage(config_factory):
    """A 1,024-node job (~8 MW) is shed at an outage (no battery); turbines start for the
    whole demand, including the shed job's, and once their output carries it (online after
    600 s, then a ramp) the job restarts, once, before the grid returns."""
    result = run(
        config_factory(
            duration_h=4,
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8192}]},
            jobs=[{"name": "a", "pool": "p", "gpus": 8192}],
            grid={"outages": [{"start_h": 1, "duration_h": 2}]},
            dispatch={"load_management": {"order": ["shed"]}},
            turbines=[{"name": "t", "count": 2, "p_nom_mw": 16.5, "ramp_mw_per_min": 5}],
        )
    )
    ev = result.events
    resumed = ev.loc[ev["kind"] == "job_resumed", "time_h"].tolist()
    assert len(resumed) == 1
    assert 1 + 600 / 3600 <= resumed[0] < 3


def iteration_case(config_factory, power_model, **keys):
    """2 H100 nodes, 6 s iterations, compute_fraction 0.7, τ = 1800 s (300 iterations),
    δ = 60 s, R = 600 s, 1 h, no failures."""
    return run(
        config_factory(
            duration_h=1,
            cluster={
                "power_model": power_model,
                "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 16}],
            },
            jobs=[
                {
                    "name": "j",
                    "pool": "p",
                    "gpus": 16,
                    "iteration_s": 6,
                    "compute_fraction": 0.7,
                    "checkpoint_interval_s": 1800,
                    "checkpoint_write_s": 60,
                    "restart_s": 600,
                }
            ],
            **keys,
        )
    )


def test_the_iteration_waveform_has_the_average_models_energy_and_its_swings(config_factory):
    """Compute runs 600–2400 s (300 iterations) and 2460–3600 s (190): whole iterations, so
    the square wave (4.2 s at TDP, 1.8 s at idle) has exactly the average model's energy. Its
    peak is 2 nodes at TDP; within 1 s the load swings by 2 × 8 × (700 − 93) W."""
    average = iteration_case(config_factory, "average").summary
    square = iteration_case(config_factory, "iteration").summary
    assert square["energy_mwh"]["it"] == pytest.approx(average["energy_mwh"]["it"], rel=1e-9)
    peak_node_w = H100_OVERHEAD_W + 8 * (115 + 700)
    assert square["peak_mw"]["load"] == pytest.approx(2 * peak_node_w / 1e6)
    swing_mw = 2 * 8 * (700 - 93) / 1e6
    assert square["swings_mw"]["load_1s"] == pytest.approx(swing_mw)
    assert square["swings_mw"]["load_60s"] == pytest.approx(swing_mw)
    # The average model steps only between restart/checkpoint (idle) and compute (mean).
    mean_step_mw = 2 * 8 * (0.7 * 700 + 0.3 * 93 - 93) / 1e6
    assert average["swings_mw"]["load_1s"] == pytest.approx(mean_step_mw)


def test_a_battery_smooths_the_grids_swings(config_factory):
    """The same square wave behind a battery on the smooth policy (1 MW/min): the load still
    swings by the full step within 1 s, the grid by at most 1/60 MW."""
    summary = iteration_case(
        config_factory,
        "iteration",
        battery={"energy_mwh": 1, "power_mw": 1, "soc_initial": 0.5},
        dispatch={"policy": "smooth", "ramp_limit_mw_per_min": 1.0},
    ).summary
    assert summary["swings_mw"]["load_1s"] == pytest.approx(2 * 8 * (700 - 93) / 1e6)
    assert summary["swings_mw"]["grid_1s"] <= 1.0 / 60 + 1e-9


def test_a_tiny_job_late_in_a_run_finishes(config_factory):
    """1.3 s of work after a 77,504 s restart: at t ≈ 77,505 s the clock's rounding is larger
    than the work's own tolerance; the job must still finish after one compute stretch."""
    for write_s in (10, 0):
        job = run(
            config_factory(
                duration_h=24,
                cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}]},
                jobs=[
                    {
                        "name": "j",
                        "pool": "p",
                        "gpus": 8,
                        "checkpoint_interval_s": 7.138,
                        "checkpoint_write_s": write_s,
                        "restart_s": 77504,
                        "work_h": 0.000365,
                    }
                ],
            )
        ).summary["jobs"]["j"]
        assert job["finished_h"] == pytest.approx((77504 + 0.000365 * 3600) / 3600)
        assert job["checkpoints"] == 0


def test_a_shed_job_is_not_resumed_into_a_reserve_it_would_need(config_factory):
    """The import carries one 100-node job computing plus one idle node's worth: job 'b' is
    shed once and stays shed — it is not restarted whenever 'a' dips into a checkpoint."""
    idle_node_mw = H100_IDLE_NODE_W / 1e6
    compute_mw = 100 * h100_compute_node_w(0.7) / 1e6
    result = run(
        config_factory(
            duration_h=6,
            grid={"import_limit_mw": compute_mw + 100 * idle_node_mw + 0.02},
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 1600}]},
            jobs=[
                {"name": "a", "pool": "p", "gpus": 800, "priority": 1},
                {"name": "b", "pool": "p", "gpus": 800},
            ],
            dispatch={"load_management": {"order": ["shed"]}},
        )
    )
    assert result.summary["jobs"]["b"]["shed"] == 1
    assert result.summary["jobs"]["a"]["shed"] == 0


def test_a_wait_for_a_node_still_under_way_at_the_end_is_counted(config_factory):
    """One 1-node job without spares; its node fails and the 1000 h repair outlasts the 10 h
    run: it waits from the failure to the end."""
    result = run(
        config_factory(
            duration_h=10,
            cluster={
                "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}],
                "failures": {"rate_per_node_day": 24},
                "repair_h": 1000,
            },
            jobs=[{"name": "j", "pool": "p", "gpus": 8}],
        )
    )
    ev = result.events
    failed_h = ev.loc[ev["kind"] == "node_failure", "time_h"].tolist()
    assert len(failed_h) == 1
    assert result.summary["jobs"]["j"]["waiting_for_nodes_h"] == pytest.approx(10 - failed_h[0])


def test_a_demand_response_cap_slows_the_job_by_the_throughput_model(config_factory):
    """100 computing H100 nodes (no restart, no checkpoint in the 3 h); a 1 h demand-response
    window from 1 h caps the import 0.1 MW below the 0.786 MW load; load management may cap
    GPU power. The GPUs give up exactly 0.1 MW: cap = 1 − 0.1 MW / G, G the GPUs' power,
    speed = cap^0.3, so the hour yields 3600·speed s of compute; nothing is unserved and the
    cap is lifted when the window ends."""
    gpu_mw = 100 * 8 * (0.7 * 700 + 0.3 * 93) / 1e6
    load_mw = 100 * h100_compute_node_w(0.7) / 1e6
    result = run(
        config_factory(
            duration_h=3,
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 800}]},
            jobs=[
                {
                    "name": "j",
                    "pool": "p",
                    "gpus": 800,
                    "restart_s": 0,
                    "checkpoint_interval_s": 1e6,
                }
            ],
            grid={"demand_response": [{"start_h": 1, "duration_h": 1, "limit_mw": load_mw - 0.1}]},
            dispatch={"load_management": {"order": ["cap"], "it_floor_pu": 0.5}},
        )
    )
    cap = 1 - 0.1 / gpu_mw
    s = result.summary
    assert s["unserved_mwh"] == 0.0
    assert s["energy_mwh"]["it_capped"] == pytest.approx(0.1, rel=1e-9)
    assert s["jobs"]["j"]["goodput_h"] == pytest.approx(2 + cap**0.3, rel=1e-9)
    assert s["peak_mw"]["grid"] == pytest.approx(load_mw)


def paused_by_an_outage(config_factory, order, battery_s, write_s=60.0):
    """One 2-node job (τ = 1800 s, δ = ``write_s``, R = 600 s) on a 2-node pool; a 2 h outage
    at 3,000 s; a lossless battery holding ``battery_s`` of the job's computing power."""
    p_c_mw = 2 * h100_compute_node_w(0.7) / 1e6
    job = {"name": "j", "pool": "p", "gpus": 16, "checkpoint_interval_s": 1800}
    return run(
        config_factory(
            duration_h=3,
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 16}]},
            jobs=[{**job, "checkpoint_write_s": write_s}],
            grid={"outages": [{"start_h": 3000 / 3600, "duration_h": 2}]},
            battery={
                "energy_mwh": p_c_mw * battery_s / 3600,
                "power_mw": 1,
                "efficiency_charge": 1,
                "efficiency_discharge": 1,
            },
            dispatch={"load_management": {"order": order}},
        )
    )


def test_pausing_keeps_the_work_when_the_battery_allows_the_write(config_factory):
    """Restart 0–600, compute –2400, checkpoint –2460, compute from 2460. The outage at 3000 s
    leaves the job on a battery of 1,000 s of its power. With ``pause`` the battery keeps
    60 s (the write) of it: at 3,940 s the job writes a checkpoint (1,480 s of compute kept),
    stops at 4,000 s and restarts when the grid is back (10,200 s): goodput 1,800 + 1,480 s,
    nothing lost. With ``shed`` the battery runs empty at 4,000 s and the job loses 1,540 s."""
    paused = paused_by_an_outage(config_factory, ["pause", "shed"], 1000)
    j = paused.summary["jobs"]["j"]
    assert (j["paused"], j["shed"], j["lost_h"]) == (1, 0, 0.0)
    assert j["goodput_h"] == pytest.approx(3280 / 3600, rel=1e-12)
    assert j["checkpoints"] == 2
    ev = paused.events
    assert ev.loc[ev["kind"] == "job_pausing", "time_h"].tolist() == pytest.approx([3940 / 3600])
    assert ev.loc[ev["kind"] == "job_paused", "time_h"].tolist() == pytest.approx([4000 / 3600])
    assert ev.loc[ev["kind"] == "job_resumed", "time_h"].tolist() == pytest.approx([10200 / 3600])
    assert paused.summary["unserved_mwh"] == 0.0

    shed = paused_by_an_outage(config_factory, ["shed"], 1000).summary["jobs"]["j"]
    assert (shed["paused"], shed["shed"]) == (0, 1)
    assert shed["lost_h"] == pytest.approx(1540 / 3600, rel=1e-12)
    assert shed["goodput_h"] == pytest.approx(1800 / 3600, rel=1e-12)


def test_a_pause_the_battery_cannot_carry_ends_in_a_shed(config_factory):
    """A battery of 30 s of computing power is below the 60 s write: the job starts its
    pausing checkpoint at once at the outage (3,000 s, 540 s of compute in flight), at idle
    power (8,928 W) the battery lasts 30·15,726.4 / 8,928 s; then the job is shed mid-write
    and loses those 540 s."""
    result = paused_by_an_outage(config_factory, ["pause", "shed"], 30)
    j = result.summary["jobs"]["j"]
    assert (j["paused"], j["shed"]) == (0, 1)
    assert j["lost_h"] == pytest.approx(540 / 3600, rel=1e-12)
    ev = result.events
    shed_s = ev.loc[ev["kind"] == "job_shed", "time_h"].iloc[0] * 3600
    p_c_w, p_i_w = 2 * h100_compute_node_w(0.7), 2 * H100_IDLE_NODE_W
    assert shed_s == pytest.approx(3000 + 30 * p_c_w / p_i_w, rel=1e-9)


def test_idle_nodes_go_off_first_and_no_job_starts_while_power_is_held_back(config_factory):
    """A 4-node pool; 'a' (2 nodes, 1.5 h of work) runs, 'b' (4 nodes) waits for it. A
    demand-response window (1–2 h) 1 kW under the load: turning the 2 idle nodes off covers it.
    'a' finishes at 1.5 h: the 4 nodes' idle power fits under the limit and they go back on,
    but 'b' computing does not: it starts when the window ends (2 h). IT energy: 1 h of a + 2
    idle nodes, 0.5 h of a, 0.5 h of 4 idle nodes, 0.5 h of b; given up: 2 idle nodes for
    0.5 h."""
    p_c, p_i = h100_compute_node_w(0.7), H100_IDLE_NODE_W
    job = {"pool": "p", "restart_s": 0, "checkpoint_interval_s": 1e6}
    result = run(
        config_factory(
            duration_h=2.5,
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 32}]},
            jobs=[
                {"name": "a", "gpus": 16, "work_h": 1.5, **job},
                {"name": "b", "gpus": 32, **job},
            ],
            grid={
                "demand_response": [
                    {"start_h": 1, "duration_h": 1, "limit_mw": (2 * p_c + 2 * p_i - 1e3) / 1e6}
                ]
            },
            dispatch={"load_management": {"order": ["cap"]}},
        )
    )
    s = result.summary
    assert s["jobs"]["a"]["finished_h"] == pytest.approx(1.5)
    assert s["jobs"]["b"]["started_h"] == pytest.approx(2.0)
    assert s["jobs"]["a"]["goodput_h"] == pytest.approx(1.5)  # never capped
    it_j = 3600 * (2 * p_c + 2 * p_i) + 1800 * (2 * p_c + 4 * p_i + 4 * p_c)
    assert s["energy_mwh"]["it"] == pytest.approx(it_j / 3.6e9, rel=1e-12)
    assert s["energy_mwh"]["it_shed"] == pytest.approx(1800 * 2 * p_i / 3.6e9, rel=1e-12)
    assert s["unserved_mwh"] == 0.0
    kinds = result.events["kind"].tolist()
    assert kinds.count("cluster_idle_off") == kinds.count("cluster_idle_on") == 1
    assert "cluster_capped" not in kinds


def test_jobs_queue_from_their_submission_first_in_first_out(config_factory):
    """Pool p (2 nodes): 'first' (1 h of work) is done at 4,260 s (restart 600, compute 1800,
    checkpoint 60, compute 1800). 'late' (listed first, submitted at 0.5 h) and 'early'
    (submitted at 0.25 h) wait for it; 'early' was submitted first, so it runs next: restart
    600 + 1800 of compute, done at 6,660 s; 'late' is done at 9,060 s. ETTR counts from the
    submission. Pool q (1 node) runs 'b' throughout. GPU-hours per pool by hand."""
    half = {"pool": "p", "gpus": 16, "work_h": 0.5}
    result = run(
        config_factory(
            duration_h=3,
            cluster={
                "pools": [
                    {"name": "p", "hardware": "h100-sxm", "gpus": 16},
                    {"name": "q", "hardware": "h100-sxm", "gpus": 8},
                ]
            },
            jobs=[
                {"name": "first", "pool": "p", "gpus": 16, "work_h": 1},
                {"name": "late", "submit_h": 0.5, **half},
                {"name": "early", "submit_h": 0.25, **half},
                {"name": "b", "pool": "q", "gpus": 8},
            ],
        )
    )
    jobs = result.summary["jobs"]
    assert jobs["early"]["started_h"] == pytest.approx(4260 / 3600)
    assert jobs["early"]["finished_h"] == pytest.approx(6660 / 3600)
    assert jobs["late"]["finished_h"] == pytest.approx(9060 / 3600)
    assert jobs["early"]["ettr"] == pytest.approx(1800 / (6660 - 900))
    assert jobs["late"]["ettr"] == pytest.approx(1800 / (9060 - 1800))
    pools = result.summary["cluster"]["gpu_hours"]["pools"]
    assert pools["p"]["busy"] == pytest.approx(16 * 9060 / 3600)
    assert pools["p"]["idle"] == pytest.approx(16 * (10800 - 9060) / 3600)
    assert pools["q"] == pytest.approx({"busy": 24.0, "idle": 0.0, "spare": 0.0, "repair": 0.0})
    assert result.summary["cluster"]["gpu_hours"]["busy"] == pytest.approx(16 * 9060 / 3600 + 24)


def test_a_job_submitted_later_starts_then(config_factory):
    """An idle pool: a job submitted at 1 h starts at 1 h."""
    result = run(
        config_factory(
            duration_h=2,
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}]},
            jobs=[{"name": "j", "pool": "p", "gpus": 8, "submit_h": 1}],
        )
    )
    assert result.summary["jobs"]["j"]["started_h"] == pytest.approx(1.0)
    assert result.summary["cluster"]["gpu_hours"]["idle"] == pytest.approx(8.0)


def lm_case(config_factory, jobs, pool_gpus, duration_h, **keys):
    """A cluster of one H100 pool with load management ``[shed]`` unless given."""
    keys.setdefault("dispatch", {"load_management": {"order": ["shed"]}})
    return run(
        config_factory(
            duration_h=duration_h,
            cluster={"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": pool_gpus}]},
            jobs=[{"pool": "p", **j} for j in jobs],
            **keys,
        )
    )


def test_after_an_outage_nothing_is_held_back(config_factory):
    """Review regression: after shedding and resuming two jobs the sum of shed power kept a
    rounding residue, and load management held on for the rest of the run — the idle node
    stayed off and a job submitted later never started."""
    result = lm_case(
        config_factory,
        [
            {"name": "big", "gpus": 24, "priority": 1},
            {"name": "small", "gpus": 8},
            {"name": "late", "gpus": 8, "submit_h": 3},
        ],
        40,
        6,
        grid={"outages": [{"start_h": 1, "duration_h": 1}]},
    )
    assert result.summary["jobs"]["late"]["started_h"] == pytest.approx(3.0)
    kinds = result.events["kind"].tolist()
    assert kinds.count("load_management_end") == 1
    assert kinds.count("cluster_idle_on") == 1


def test_idle_nodes_stay_on_when_the_rest_of_the_load_gives_enough(config_factory):
    """Review regression: a flexible exogenous load covers the shortfall, so the cluster is
    asked for nothing: its idle nodes stay on and a job submitted later starts then."""
    result = lm_case(
        config_factory,
        [{"name": "a", "gpus": 16}, {"name": "b", "gpus": 16, "submit_h": 0.5}],
        32,
        3,
        load={"constant_mw": 10, "flexible_pu": 0.5},
        grid={"import_limit_mw": 9.9},
    )
    assert result.summary["jobs"]["b"]["started_h"] == pytest.approx(0.5)
    assert "cluster_idle_off" not in result.events["kind"].tolist()


def test_a_job_submitted_in_an_outage_starts_when_the_turbine_can_carry_it(config_factory):
    """Review regression: a job queued for supply was not counted in the demand the turbines
    are committed and dispatched for, so it waited out the 10 h outage. The turbine is online
    600 s after the outage starts (plus its ramp): 'b' starts then, not at 11 h."""
    result = lm_case(
        config_factory,
        [{"name": "a", "gpus": 16}, {"name": "b", "gpus": 16, "submit_h": 1.1}],
        48,
        12,
        grid={"outages": [{"start_h": 1, "duration_h": 10}]},
        turbines=[{"name": "g", "count": 1, "p_nom_mw": 1, "p_min_pu": 0, "ramp_mw_per_min": 1}],
    )
    assert 1 + 600 / 3600 <= result.summary["jobs"]["b"]["started_h"] < 1.2


def test_a_stopped_job_that_cannot_resume_does_not_block_a_small_one(config_factory):
    """Review regression: 'big' is shed (it needs more than the 25 kW import limit); 'small',
    submitted at 2 h, fits under the limit and starts then."""
    result = lm_case(
        config_factory,
        [{"name": "big", "gpus": 32, "priority": 1}, {"name": "small", "gpus": 8, "submit_h": 2}],
        48,
        12,
        grid={"import_limit_mw": 0.025},
        battery={"energy_mwh": 0.01, "power_mw": 0.1},
    )
    assert result.summary["jobs"]["small"]["started_h"] == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("order", "write_s", "paused", "shed_at_s"),
    [
        (["pause", "shed"], 0.0, 1, None),  # a write of no length: paused at once, kept
        (["shed", "pause"], 60.0, 0, 4000.0),  # shed first: no energy kept, shed when empty
    ],
)
def test_pause_edge_cases(config_factory, order, write_s, paused, shed_at_s):
    """The outage case above (battery of 1,000 s of the job's power): with δ = 0 the job
    pauses when the battery is empty (4,000 s), saving its compute; with ``shed`` before
    ``pause`` the battery keeps nothing back and the job is shed when it is empty."""
    result = paused_by_an_outage(config_factory, order, 1000, write_s)
    j = result.summary["jobs"]["j"]
    assert j["paused"] == paused
    ev = result.events
    if shed_at_s is None:
        assert j["lost_h"] == 0.0
        paused_s = ev.loc[ev["kind"] == "job_paused", "time_h"].iloc[0] * 3600
        assert paused_s == pytest.approx(4000, rel=1e-9)
    else:
        assert ev.loc[ev["kind"] == "job_shed", "time_h"].iloc[0] * 3600 == pytest.approx(shed_at_s)
