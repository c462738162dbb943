"""Build-out in phases (sim/buildout.py): pools, grid limit, turbine groups and batteries that
come online during the run. Every expected number is computed here by hand, in the comment
next to it, from the config's figures and the node powers of ``sim/data/hardware.yaml`` (read
here, not through the program's catalog)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.buildout import capacity_table
from sim.cli import main
from sim.config import ConfigError, config_from_dict
from sim.runner import run
from tests.cluster_invariants import checked_cluster

H100 = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "sim" / "data" / "hardware.yaml").read_text()
)["h100-sxm"]
G = H100["gpus_per_node"]  # 8
# 4600 + 8·(93 + 115) = 6264 W (facts §5, via hardware.yaml)
NODE_IDLE_W = H100["node_overhead_w"] + G * (H100["gpu_idle_w"] + H100["network_w_per_gpu"])
REL = 1e-9


def balance_closes(result) -> None:
    """Power balance in every segment: site load = grid + turbines + discharge − charge +
    unserved − curtailed, and the same for the run's energies [MWh]."""
    seg = result.segments
    supply = (
        seg["grid_mw"]
        + seg["turbines_mw"]
        + seg["battery_discharge_mw"]
        - seg["battery_charge_mw"]
        + seg["unserved_mw"]
        - seg["curtailed_mw"]
    )
    scale = max(1.0, seg["load_mw"].abs().max())
    assert np.all(np.abs(supply - seg["load_mw"]) <= 1e-9 * scale)
    e = result.summary["energy_mwh"]
    energy = e["grid"] + e["turbines"] + e["battery_discharge"] - e["battery_charge"]
    assert energy + e["unserved"] - e["curtailed"] == pytest.approx(e["load"], rel=1e-9)


def cluster_config(pool: dict, job_gpus: int, hours: float = 12.0, **extra) -> dict:
    return {
        "name": "buildout",
        "duration_h": hours,
        "cluster": {"pools": [{"name": "p", "hardware": "h100-sxm", **pool}], **extra},
        "jobs": [
            {
                "name": "j",
                "pool": "p",
                "gpus": job_gpus,
                "restart_s": 600.0,
                "checkpoint_interval_s": 1800.0,
                "checkpoint_write_s": 60.0,
                "work_h": 2.1,
            }
        ],
        "facility": {"electrical": "none"},
    }


def test_a_job_needing_the_second_step_waits_for_it_and_starts_then() -> None:
    """32 GPUs from the start, 64 from hour 5; the job needs 64. It starts at 5 h and finishes
    at 5 h + R + W + (⌈W/τ⌉ − 1)·δ = 18000 + 600 + 7560 + 4·60 = 26400 s = 7.3333 h. Before
    5 h the 4 built nodes idle: 4 × 6264 W = 25.056 kW; the 4 not built draw nothing."""
    cfg = cluster_config(
        {"gpus": 64, "steps": [{"at_h": 0, "gpus": 32}, {"at_h": 5, "gpus": 64}]}, 64
    )
    result = run(config_from_dict(cfg))
    ev = result.events
    start = ev[ev["kind"] == "job_start"]["time_h"].tolist()
    done = ev[ev["kind"] == "job_done"]["time_h"].tolist()
    assert start == [pytest.approx(5.0, rel=REL)]
    assert done == [pytest.approx((18000 + 600 + 7560 + 4 * 60) / 3600, rel=REL)]
    seg = result.segments
    before = seg[seg["time_h"] < 5.0]
    assert np.allclose(before["it_mw"], 4 * NODE_IDLE_W * 1e-6, rtol=REL)
    online = ev[ev["kind"] == "capacity_online"]
    assert online[["time_h", "source", "detail"]].values.tolist() == [[5.0, "p", "64 GPUs"]]
    # GPU-hours: 32 GPUs idle for 5 h, then 64 GPUs (busy or idle) for 7 h = 160 + 448 = 608
    hours = result.summary["cluster"]["gpu_hours"]
    assert sum(hours[k] for k in ("busy", "idle", "spare", "repair")) == pytest.approx(608.0)


def test_a_pool_online_later_with_spares_draws_nothing_before() -> None:
    """online_h 3: 64 GPUs + 8 spare (9 nodes) from hour 3; a 32-GPU job starts at 3 h. Before,
    the site's IT load is 0; the first segment after has 5 idle nodes + the job's 4."""
    cfg = cluster_config({"gpus": 64, "spare_gpus": 8, "online_h": 3}, 32, hours=6.0)
    result = run(config_from_dict(cfg))
    seg = result.segments
    assert np.all(seg[seg["time_h"] < 3.0]["it_mw"] == 0.0)
    ev = result.events
    assert ev[ev["kind"] == "job_start"]["time_h"].tolist() == [3.0]
    # IT energy before hour 3 is 0 and the GPU-hours count only 3 h of 72 GPUs: 216
    hours = result.summary["cluster"]["gpu_hours"]
    assert sum(hours[k] for k in ("busy", "idle", "spare", "repair")) == pytest.approx(216.0)


def test_online_from_the_start_changes_nothing() -> None:
    """online_h 0 and a single step at 0 give the same run as no build-out keys."""
    base = cluster_config({"gpus": 64}, 32)
    plain = run(config_from_dict(base)).summary
    for pool in ({"gpus": 64, "online_h": 0}, {"gpus": 64, "steps": [{"at_h": 0, "gpus": 64}]}):
        other = run(config_from_dict(cluster_config(pool, 32))).summary
        for key in ("energy_mwh", "jobs", "cluster", "peak_mw"):
            assert other[key] == plain[key]


def test_weibull_nodes_in_steps_keep_the_pool_consistent() -> None:
    """Failures (Weibull k = 0.7) on a pool built in three steps: the pool's counts and lives
    add up after every bus update (tests/cluster_invariants.py)."""
    cfg = cluster_config(
        {
            "gpus": 256,
            "spare_gpus": 16,
            "steps": [
                {"at_h": 1, "gpus": 64},
                {"at_h": 20, "gpus": 128},
                {"at_h": 50, "gpus": 256},
            ],
        },
        64,
        hours=200.0,
        failures={"rate_per_node_day": 0.5, "distribution": "weibull", "shape": 0.7},
        repair_h=4.0,
    )
    cfg["jobs"].append({**cfg["jobs"][0], "name": "big", "gpus": 256, "work_h": 20.0})
    with checked_cluster():
        result = run(config_from_dict(cfg))
    ev = result.events
    assert ev[ev["kind"] == "job_start"]["time_h"].min() >= 1.0
    big = ev[(ev["kind"] == "job_start") & (ev["source"] == "big")]["time_h"].tolist()
    assert big[0] >= 50.0


def test_a_grid_limit_step_moves_the_import_at_that_hour() -> None:
    """30 MW of load; import limit 10 MW, then 40 MW from hour 2 (4 h run, no storage): the
    grid gives 10 × 2 + 30 × 2 = 80 MWh, 20 × 2 = 40 MWh go unserved."""
    cfg = {
        "name": "grid_steps",
        "duration_h": 4.0,
        "load": {"constant_mw": 30.0},
        "grid": {"import_limit_mw": 10.0, "import_limit_steps": [{"at_h": 2, "limit_mw": 40}]},
    }
    result = run(config_from_dict(cfg))
    e = result.summary["energy_mwh"]
    assert e["grid"] == pytest.approx(80.0, rel=REL)
    assert e["unserved"] == pytest.approx(40.0, rel=REL)
    seg = result.segments
    assert seg[seg["time_h"] < 2]["grid_mw"].max() == pytest.approx(10.0, rel=REL)
    assert seg[seg["time_h"] >= 2]["grid_mw"].min() == pytest.approx(30.0, rel=REL)
    balance_closes(result)


def battery_config(storages: list[dict] | dict) -> dict:
    return {
        "name": "battery_steps",
        "duration_h": 4.0,
        "load": {"constant_mw": 30.0},
        "grid": {"import_limit_mw": 20.0},
        "battery": storages,
    }


BLOCK = {"energy_mwh": 50.0, "power_mw": 20.0, "efficiency_charge": 1.0,
         "efficiency_discharge": 1.0, "soc_initial": 1.0}  # fmt: skip


def test_a_battery_block_arriving_mid_run_covers_the_gap_from_its_hour() -> None:
    """30 MW of load on a 20 MW grid: 10 MW short. The block (50 MWh, 20 MW, η 1) arrives at
    hour 1 at its soc_initial 1: unserved 10 MWh in the first hour, then it gives 10 MW for
    3 h (30 MWh), ending at (50 − 30) / 50 = 0.4."""
    result = run(config_from_dict(battery_config({**BLOCK, "online_h": 1.0})))
    s = result.summary
    assert s["energy_mwh"]["unserved"] == pytest.approx(10.0, rel=REL)
    assert s["energy_mwh"]["battery_discharge"] == pytest.approx(30.0, rel=REL)
    assert s["battery"]["soc_final"] == pytest.approx(0.4, rel=REL)
    balance_closes(result)


def test_a_second_storage_in_a_plant_arrives_and_takes_over() -> None:
    """A plant: a (10 MWh, 20 MW, η 1) from the start, b (50 MWh) from hour 2. a covers the
    10 MW gap for 1 h, empty at hour 1; unserved 10 MWh from 1 to 2 h; b gives the last 20 MWh:
    it ends at 30 / 50 MWh."""
    a = {**BLOCK, "name": "a", "energy_mwh": 10.0}
    b = {**BLOCK, "name": "b", "online_h": 2.0}
    result = run(config_from_dict(battery_config([a, b])))
    s = result.summary
    assert s["energy_mwh"]["unserved"] == pytest.approx(10.0, rel=REL)
    assert s["energy_mwh"]["battery_discharge"] == pytest.approx(30.0, rel=REL)
    final = result.segments.iloc[-1]
    assert final["storage_b_energy_mwh"] == pytest.approx(30.0, rel=1e-6)
    balance_closes(result)


def test_a_turbine_group_starts_only_after_its_hour() -> None:
    """30 MW of load on a 10 MW grid, no storage; group "late" (2 × 16.5 MW) online from hour
    2: no unit starts before 2 h, and a unit is started at exactly 2 h."""
    cfg = {
        "name": "turbine_steps",
        "duration_h": 4.0,
        "load": {"constant_mw": 30.0},
        "grid": {"import_limit_mw": 10.0},
        "turbines": [
            {
                "name": "late",
                "count": 2,
                "p_nom_mw": 16.5,
                "start_s": 600,
                "ramp_mw_per_min": 2.5,
                "online_h": 2.0,
            }
        ],
    }
    result = run(config_from_dict(cfg))
    ev = result.events
    starts = ev[ev["kind"].str.startswith("turbine_start")]["time_h"]
    assert len(starts) > 0
    assert starts.min() == pytest.approx(2.0, rel=REL)
    seg = result.segments
    assert np.all(seg[seg["time_h"] < 2.0]["turbines_mw"] == 0.0)
    assert seg["turbines_mw"].max() > 0.0
    balance_closes(result)


def test_capacity_table_steps_by_hand() -> None:
    cfg = config_from_dict(
        {
            **battery_config({**BLOCK, "online_h": 3.0}),
            "grid": {"import_limit_mw": 8.0, "import_limit_steps": [{"at_h": 1, "limit_mw": 50}]},
            "turbines": [
                {
                    "name": "t",
                    "count": 2,
                    "p_nom_mw": 16.5,
                    "start_s": 600,
                    "ramp_mw_per_min": 2.5,
                    "online_h": 2.0,
                }
            ],
        }
    )
    table = capacity_table(cfg)
    assert table["time_h"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert table["grid_limit_mw"].tolist() == [8.0, 50.0, 50.0, 50.0]
    assert table["turbine_mw"].tolist() == [0.0, 0.0, 33.0, 33.0]
    assert table["battery_mw"].tolist() == [0.0, 0.0, 0.0, 20.0]


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        ({"online_h": -1}, "cluster.pools[0].online_h", "greater than or equal to 0"),
        ({"online_h": 12}, "cluster.pools[0].online_h", "must be below duration_h (12 h)"),
        (
            {"steps": [{"at_h": 2, "gpus": 32}, {"at_h": 1, "gpus": 64}]},
            "cluster.pools[0].steps[1].at_h",
            "must be after step 0's",
        ),
        (
            {"steps": [{"at_h": 1, "gpus": 64}, {"at_h": 2, "gpus": 32}]},
            "cluster.pools[0].steps[1].gpus",
            "must exceed step 0's",
        ),
        ({"steps": [{"at_h": 1, "gpus": 32}]}, "cluster.pools[0].steps[0].gpus", "must equal"),
        (
            {"online_h": 1, "steps": [{"at_h": 1, "gpus": 64}]},
            "cluster.pools[0].online_h",
            "not both",
        ),
    ],
)
def test_bad_pool_schedules_name_the_key(change: dict, where: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict(cluster_config({"gpus": 64, **change}, 32))
    assert f"{where}: " in str(caught.value)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("cfg", "where"),
    [
        (
            {"grid": {"import_limit_mw": 8, "import_limit_steps": [{"at_h": 5, "limit_mw": 50}]}},
            "grid.import_limit_steps[0].at_h",
        ),
        ({"grid": {"import_limit_steps": [{"at_h": 1, "limit_mw": 50}]}}, "grid.import_limit_mw"),
        ({"battery": {**BLOCK, "online_h": 4.0}}, "battery.online_h"),
        (
            {"battery": [{**BLOCK, "name": "a"}, {**BLOCK, "name": "b", "online_h": 9}]},
            "battery[1].online_h",
        ),
        (
            {
                "turbines": [
                    {
                        "name": "t",
                        "count": 1,
                        "p_nom_mw": 16.5,
                        "start_s": 600,
                        "ramp_mw_per_min": 2.5,
                        "online_h": 4,
                    }
                ]
            },
            "turbines[0].online_h",
        ),
    ],
)
def test_bad_schedules_elsewhere_name_the_key(cfg: dict, where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({**battery_config(BLOCK), **cfg})
    assert f"{where}: " in str(caught.value)


def test_negative_online_h_exits_2_naming_the_key(tmp_path, capsys) -> None:
    cfg = cluster_config({"gpus": 64, "online_h": -2.0}, 32)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "cluster.pools[0].online_h" in err
    assert "Traceback" not in err
