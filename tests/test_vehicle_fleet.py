"""The vehicle fleet (``vehicle_fleet:``, :mod:`sim.vehicle_fleet`): a day by hand, leaves by
formula, the profile in local time across daylight saving, bad input refused.

By hand, the issue's day: N = 1,000,000 HW3 cars, a constant 30 % at work (constant_pu 0.3,
every owner opted in and every parked car eligible), 24 h. Without leaves the fleet computes
0.3·N·24 = 7.2 M car-hours. HW3 is 144 TOPS INT8 and 72 W (facts §12), counted as 144 TFLOPS
FP8; an H100 SXM is 1,978.9 TFLOPS dense FP8 (NVIDIA datasheet, 3,958 with sparsity / 2). At an
MFU u the work is car-h · 144 · u · 3.6e-3 EFLOP, its H100-equivalent car-h · 144 / 1,978.9
H100-hours; the energy at the homes car-h · 72 W / η; the owners' cost that × the price.

With leaves: at each of the 23 hour starts inside the day Binomial(0.3·N, q) cars leave, each
losing half an upload interval I of work: E[lost car-h] = 23 · 0.3·N · q · I/2 / 3600, with a
standard deviation of √(23 · 0.3·N · q(1−q)) · I/2 / 3600 (the test allows 5 of them).
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from pathlib import Path
from typing import Any

import pytest

from sim.cli import main
from sim.config import ConfigError, config_from_dict
from sim.runner import run

N = 1_000_000
HW3_TFLOPS, HW3_W = 144.0, 72.0  # facts §12 (INT8 TOPS counted as FP8 TFLOPS)
H100_FP8_TFLOPS = 1978.9  # NVIDIA H100 SXM datasheet: 3,958 TFLOPS FP8 with sparsity / 2
EFLOP_PER_TFLOPS_H = 1e12 * 3600 / 1e18


def fleet_config(duration_h: float = 24.0, **fleet: Any) -> dict[str, Any]:
    keys = {
        "vehicles": N,
        "hardware": "hw3",
        "constant_pu": 0.3,
        "opt_in_pu": 1.0,
        "eligible_pu": 1.0,
        "leave_per_h_pu": 0.0,
        **fleet,
    }
    return {
        "name": "fleet",
        "duration_h": duration_h,
        "vehicle_fleet": keys,
        "output": {"resolution_s": 3600},
    }


def test_a_constant_day_without_leaves_by_hand():
    section = run(config_from_dict(fleet_config(mfu_pu=0.3))).summary["vehicle_fleet"]
    car_h = 0.3 * N * 24.0
    assert section["car_h"] == pytest.approx(car_h, rel=1e-12)
    assert section["lost_car_h"] == 0.0
    assert section["preemptions"] == 0
    assert section["delivered_eflop"] == pytest.approx(
        car_h * HW3_TFLOPS * 0.3 * EFLOP_PER_TFLOPS_H, rel=1e-12
    )
    h100_h = car_h * HW3_TFLOPS / H100_FP8_TFLOPS
    assert section["delivered_h100_h"] == pytest.approx(h100_h, rel=1e-12)
    assert section["mean_h100_eq"] == pytest.approx(0.3 * N * HW3_TFLOPS / H100_FP8_TFLOPS)
    # energy at the homes and the owners' money (defaults: η 0.9, 0.16 USD/kWh, 2 USD per
    # H100-hour, half to the owners)
    energy_mwh = car_h * HW3_W / 0.9 / 1e6
    assert section["energy_mwh"] == pytest.approx(energy_mwh, rel=1e-12)
    assert section["owner_cost_usd"] == pytest.approx(energy_mwh * 1000 * 0.16, rel=1e-12)
    assert section["revenue_usd"] == pytest.approx(2.0 * h100_h, rel=1e-12)
    assert section["owner_net_usd"] == pytest.approx(h100_h - energy_mwh * 160, rel=1e-12)


def test_the_fleet_is_not_on_the_bus():
    """A fleet-only config: no load, no grid draw; the home power is in its own column."""
    result = run(config_from_dict(fleet_config()))
    assert result.summary["energy_mwh"]["grid"] == 0.0
    ts = result.timeseries
    assert ts["vehicle_fleet_cars"].tolist() == [0.3 * N] * 24
    assert ts["vehicle_fleet_home_mw"].to_numpy() == pytest.approx(0.3 * N * HW3_W / 0.9 / 1e6)
    assert ts["vehicle_fleet_h100_eq"].to_numpy() == pytest.approx(
        0.3 * N * HW3_TFLOPS / H100_FP8_TFLOPS
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_leaves_lose_half_an_upload_interval_each(seed):
    q, interval_s = 0.05, 600.0
    cfg = fleet_config(leave_per_h_pu=q, upload_interval_s=interval_s)
    section = run(config_from_dict({**cfg, "seed": seed})).summary["vehicle_fleet"]
    mean_leaves = 23 * 0.3 * N * q
    sd_leaves = math.sqrt(23 * 0.3 * N * q * (1 - q))
    assert abs(section["preemptions"] - mean_leaves) < 5 * sd_leaves
    half_h = interval_s / 2 / 3600
    assert section["lost_car_h"] == pytest.approx(section["preemptions"] * half_h, rel=1e-12)
    lost_mean, lost_sd = mean_leaves * half_h, sd_leaves * half_h
    assert abs(section["lost_car_h"] - lost_mean) < 5 * lost_sd
    assert section["delivered_h100_h"] == pytest.approx(
        (0.3 * N * 24 - section["lost_car_h"]) * HW3_TFLOPS / H100_FP8_TFLOPS, rel=1e-12
    )
    # the energy counts the lost work too: all 0.3·N·24 car-hours drew power
    assert section["energy_mwh"] == pytest.approx(0.3 * N * 24 * HW3_W / 0.9 / 1e6)


def test_a_drop_of_the_profile_preempts_the_cars_that_leave(tmp_path):
    """Shares 0.5 before local noon, 0.2 after, no churn: 0.3·N cars leave at noon."""
    csv = tmp_path / "p.csv"
    rows = [f"{h},{0.5 if h < 12 else 0.2},{0.5 if h < 12 else 0.2}" for h in range(24)]
    csv.write_text("hour,weekday_pu,weekend_pu\n" + "\n".join(rows) + "\n")
    cfg = fleet_config(constant_pu=None, profile_csv=str(csv), upload_interval_s=1800)
    cfg["vehicle_fleet"].pop("constant_pu")
    section = run(config_from_dict(cfg)).summary["vehicle_fleet"]
    assert section["preemptions"] == round(0.3 * N)
    assert section["lost_car_h"] == pytest.approx(0.3 * N * 0.25, rel=1e-12)
    assert section["car_h"] == pytest.approx(N * (0.5 * 12 + 0.2 * 12), rel=1e-12)


def local_profile_config(tmp_path: Path, start: str, duration_h: float) -> dict[str, Any]:
    """Shares (h + 1)/100 by local hour h, weekends 0.5 on top: the count names the hour."""
    csv = tmp_path / "p.csv"
    rows = [f"{h},{(h + 1) / 100},{(h + 1) / 100 + 0.5}" for h in range(24)]
    csv.write_text("# by local hour\nhour,weekday_pu,weekend_pu\n" + "\n".join(rows) + "\n")
    cfg = fleet_config(duration_h, profile_csv=str(csv), vehicles=10_000)
    cfg["vehicle_fleet"].pop("constant_pu")
    return {**cfg, "site": {"timezone": "America/Chicago"}, "start": start}


def expected_cars(start: dt.datetime, t_s: float) -> float:
    local = (start + dt.timedelta(seconds=t_s)).astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    share = (local.hour + 1) / 100 + (0.5 if local.weekday() >= 5 else 0.0)
    return round(10_000 * share)


@pytest.mark.parametrize(
    ("start", "hours"),
    [
        ("2025-03-08T20:00:00", 9),  # spring forward on Sunday 9 March: 02:00 is skipped
        ("2025-11-01T20:00:00", 10),  # fall back on Sunday 2 November: 01:00 comes twice
    ],
)
def test_the_profile_is_read_in_local_time_across_daylight_saving(tmp_path, start, hours):
    config = config_from_dict(local_profile_config(tmp_path, start, hours))
    result = run(config)
    seg = result.segments
    t0 = config.start.astimezone(dt.UTC)
    end_s = hours * 3600.0
    for t_s, cars in zip(seg["time_s"], seg["vehicle_fleet_cars"], strict=True):
        if t_s == end_s:
            continue  # (the final state, recorded at the end: the last hour's count)
        assert cars == expected_cars(t0, t_s), t_s
    # one count per UTC hour (Chicago's offset is whole hours): hand-listed local hours
    counts = result.timeseries["vehicle_fleet_cars"].tolist()
    assert counts == [expected_cars(t0, 3600.0 * k) for k in range(hours)]
    local_hours = [(t0 + dt.timedelta(hours=k)).astimezone(config.zone).hour for k in range(hours)]
    if start.startswith("2025-03"):
        assert local_hours == [20, 21, 22, 23, 0, 1, 3, 4, 5]  # no 2 o'clock
    else:
        assert local_hours == [20, 21, 22, 23, 0, 1, 1, 2, 3, 4]  # 1 o'clock twice


def test_a_saturday_reads_the_weekend_column(tmp_path):
    """1 March 2025 is a Saturday: the weekend share (h + 1)/100 + 0.5 applies."""
    config = config_from_dict(local_profile_config(tmp_path, "2025-03-01T10:00:00", 1))
    section_ts = run(config).timeseries["vehicle_fleet_cars"].tolist()
    assert section_ts == [round(10_000 * (11 / 100 + 0.5))]


def test_a_fleet_only_config_is_valid_and_an_empty_one_is_not():
    config_from_dict(fleet_config())
    with pytest.raises(ConfigError, match="give a load, a cluster, or both"):
        config_from_dict({"name": "empty", "duration_h": 1})


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("opt_in_pu", 1.5, "vehicle_fleet.opt_in_pu"),
        ("hardware", "hw9", "hw3, hw4"),
        ("vehicles", 0, "vehicle_fleet.vehicles"),
        ("upload_interval_s", -1, "vehicle_fleet.upload_interval_s"),
        ("fleet_size", 5, "vehicle_fleet.fleet_size"),
    ],
)
def test_bad_input_exits_2_naming_the_key(tmp_path, capsys, key, value, words):
    import yaml

    cfg = fleet_config()
    cfg["vehicle_fleet"][key] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err


def test_a_bad_profile_is_refused(tmp_path, capsys):
    import yaml

    csv = tmp_path / "p.csv"
    csv.write_text("hour,weekday_pu,weekend_pu\n0,0.5,1.5\n")
    cfg = fleet_config(profile_csv=str(csv))
    cfg["vehicle_fleet"].pop("constant_pu")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "vehicle_fleet.profile_csv" in err
    assert "0-23" in err


def test_the_sweep_crosses_fleet_size_opt_in_and_hardware():
    """configs/sweeps/tesla_fleet.yaml: 2 sizes × 3 opt-ins × 3 computers on the preset; its
    H100-equivalents scale as N · o · F (every other key equal): 100 M ai_1kw cars at 30 % give
    20 × 3 × 2,827 / 144 times the 5 M HW3 cars at 10 %."""
    from sim.sweep import load_sweep

    root = Path(__file__).resolve().parents[1]
    sweep = load_sweep(root / "configs" / "sweeps" / "tesla_fleet.yaml")
    assert len(sweep.plans) == 18
    fleets = {
        (c.vehicle_fleet.vehicles, c.vehicle_fleet.opt_in_pu, c.vehicle_fleet.hardware): c
        for c in (plan.config for plan in sweep.plans)
        if c is not None and c.vehicle_fleet is not None
    }
    assert len(fleets) == 18
    small = run(fleets[(5_000_000, 0.1, "hw3")].model_copy(update={"duration_h": 24.0}))
    large = run(fleets[(100_000_000, 0.3, "ai_1kw")].model_copy(update={"duration_h": 24.0}))
    ratio = 20 * 3 * 2827 / 144
    a = small.timeseries["vehicle_fleet_h100_eq"].to_numpy()
    b = large.timeseries["vehicle_fleet_h100_eq"].to_numpy()
    assert b == pytest.approx(a * ratio, rel=1e-5)  # (counts rounded to whole cars)
