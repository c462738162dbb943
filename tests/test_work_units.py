"""Work, not just GPU-hours (issue 17 part 3): a job's size in EFLOP or H100-equivalent hours,
checked by hand against datasheet figures written here, not against the program's output.

Figures (each cited in sim/data/hardware.yaml): H100 SXM dense BF16 989.4 TFLOPS, FP8 1,978.9
(NVIDIA's datasheet prints 1,979 / 3,958 with 2:4 sparsity); HGX B200 (1,000 W) dense BF16
2,250, FP8 4,500 (9 PFLOPS FP8 with sparsity); TDPs 700 W and 1,000 W; node overheads
10.2 kW − 8 × 700 W (DGX H100) and 14.3 kW − 8 × 1,000 W (DGX B200) (facts.md §5); network
shares 115 and 150 W per GPU (the catalog's estimates). MFU 0.40: Llama 3's 38–43 % (§6a).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.cli import main
from sim.config import ConfigError
from sim.runner import run
from tests.bad_configs import assert_problem
from tests.conftest import make_config

H100_BF16_TFLOPS, H100_FP8_TFLOPS = 989.4, 1978.9
B200_BF16_TFLOPS, B200_FP8_TFLOPS = 2250.0, 4500.0
# A computing node at compute_fraction 1: overhead + 8 × (TDP + network share) [W]
H100_NODE_W = (10_200 - 8 * 700) + 8 * (700 + 115)  # 11,120 W
B200_NODE_W = (14_300 - 8 * 1000) + 8 * (1000 + 150)  # 15,500 W
MFU = 0.40
H_TO_S = 3600.0


def eflop_per_h(gpus: int, tflops: float, mfu: float = MFU) -> float:
    """gpus × TFLOPS × 1e12 FLOP/s × mfu × 3600 s / 1e18 [EFLOP per hour]."""
    return gpus * tflops * 1e12 * mfu * H_TO_S / 1e18


def one_job(tmp_path: Path, hardware: str, **size) -> dict:
    """One node (8 GPUs) computing at TDP without failures, restarts or checkpoint writes, so
    its wall time is its compute; returns the summary."""
    config = make_config(
        tmp_path,
        duration_h=48.0,
        facility={"electrical": "none"},
        cluster={"pools": [{"name": "p", "hardware": hardware, "gpus": 8}]},
        jobs=[
            {
                "name": "j",
                "pool": "p",
                "gpus": 8,
                "compute_fraction": 1.0,
                "restart_s": 0.0,
                "checkpoint_write_s": 0.0,
                **size,
            }
        ],
    )
    return run(config).summary


def test_the_same_eflop_on_h100_and_b200(tmp_path):
    work_eflop = 10.0 * eflop_per_h(8, H100_BF16_TFLOPS)  # 10 h on one H100 node: 113.98
    h100 = one_job(tmp_path, "h100-sxm", work_eflop=work_eflop)
    b200 = one_job(tmp_path, "b200", work_eflop=work_eflop)
    h100_h, b200_h = 10.0, 10.0 * H100_BF16_TFLOPS / B200_BF16_TFLOPS  # 4.397 h
    for summary, hours, node_w in ((h100, h100_h, H100_NODE_W), (b200, b200_h, B200_NODE_W)):
        job = summary["jobs"]["j"]
        assert job["finished_h"] == pytest.approx(hours, rel=1e-9)
        assert job["goodput_h"] == pytest.approx(hours, rel=1e-9)
        assert job["useful_eflop"] == pytest.approx(work_eflop, rel=1e-9)
        energy_mwh = node_w * hours / 1e6
        assert job["energy_mwh"] == pytest.approx(energy_mwh, rel=1e-9)
        assert job["energy_per_eflop_mwh"] == pytest.approx(energy_mwh / work_eflop, rel=1e-9)
        # H100 GPU-hours of the same work: 8 GPUs × 10 h on either
        assert job["useful_h100_gpu_h"] == pytest.approx(80.0, rel=1e-9)
        kwh_per_h100_gpu_h = energy_mwh * 1000 / 80.0
        assert job["energy_per_h100_gpu_h_kwh"] == pytest.approx(kwh_per_h100_gpu_h, rel=1e-9)
        work = summary["cluster"]["work"]
        assert work["useful_eflop"] == pytest.approx(work_eflop, rel=1e-9)
        assert summary["work"]["cost_per_eflop_usd"] == pytest.approx(
            summary["cost_usd"]["total"] / work_eflop, rel=1e-9
        )
        assert summary["work"]["facility_energy_per_eflop_mwh"] == pytest.approx(
            summary["energy_mwh"]["load"] / work_eflop, rel=1e-9
        )
    # By hand: the B200 uses 15,500 × 4.397 / (11,120 × 10) = 0.613 of the H100's energy
    ratio = b200["jobs"]["j"]["energy_per_eflop_mwh"] / h100["jobs"]["j"]["energy_per_eflop_mwh"]
    assert ratio == pytest.approx(B200_NODE_W * H100_BF16_TFLOPS / (H100_NODE_W * 2250), 1e-9)
    assert 0.61 < ratio < 0.62


def test_work_h100_h_on_an_h100_is_work_h(tmp_path):
    by_hours = one_job(tmp_path, "h100-sxm", work_h=5.0)["jobs"]["j"]
    by_h100 = one_job(tmp_path, "h100-sxm", work_h100_h=5.0)["jobs"]["j"]
    assert by_h100["finished_h"] == by_hours["finished_h"] == pytest.approx(5.0, rel=1e-12)
    assert by_h100["goodput_h"] == by_hours["goodput_h"]
    assert by_h100["useful_h100_gpu_h"] == pytest.approx(8 * 5.0, rel=1e-12)


def test_work_h100_h_at_fp8_on_a_b200(tmp_path):
    job = one_job(tmp_path, "b200", work_h100_h=5.0, precision="fp8", mfu_pu=0.3)["jobs"]["j"]
    assert job["finished_h"] == pytest.approx(5.0 * H100_FP8_TFLOPS / B200_FP8_TFLOPS, rel=1e-9)
    assert job["useful_eflop"] == pytest.approx(5.0 * eflop_per_h(8, H100_FP8_TFLOPS, 0.3), 1e-9)
    assert job["useful_h100_gpu_h"] == pytest.approx(40.0, rel=1e-9)


def test_a_job_sized_in_hours_reports_its_work(tmp_path):
    """work_h keeps its meaning (hours at its GPUs); its work follows from the default MFU."""
    job = one_job(tmp_path, "gb200", work_h=2.0)["jobs"]["j"]
    assert job["finished_h"] == pytest.approx(2.0, rel=1e-12)
    assert job["useful_eflop"] == pytest.approx(2.0 * eflop_per_h(8, 2500.0), rel=1e-9)
    assert job["useful_h100_gpu_h"] == pytest.approx(2.0 * 8 * 2500.0 / H100_BF16_TFLOPS, 1e-9)


def test_no_throughput_reports_null_work(tmp_path):
    """tesla-ai has no published figure: its jobs run by hours and report no work, and the
    site's cost per work is null (it cannot be split)."""
    summary = one_job(tmp_path, "tesla-ai", work_h=1.0)
    assert summary["jobs"]["j"]["useful_eflop"] is None
    assert summary["jobs"]["j"]["energy_per_eflop_mwh"] is None
    assert summary["work"]["cost_per_eflop_usd"] is None


def config_text(hardware: str, job: str) -> str:
    return f"""
name: bad
duration_h: 24
cluster:
  pools: [{{name: p, hardware: {hardware}, gpus: 8}}]
jobs:
  - {{name: j, pool: p, gpus: 8, {job}}}
"""


@pytest.mark.parametrize(
    ("hardware", "job", "key", "fragment"),
    [
        ("h100-sxm", "work_h: 5, work_eflop: 10", "jobs[0].work_eflop", "give one size"),
        ("h100-sxm", "work_eflop: 10, work_h100_h: 5", "jobs[0].work_h100_h", "not 2"),
        ("mi250x", "precision: fp8", "jobs[0].precision", "dense_fp8_tflops"),
        ("mi250x", "precision: fp8, work_eflop: 1", "jobs[0].work_eflop", "dense_fp8_tflops"),
        ("tesla-ai", "work_h100_h: 5", "jobs[0].work_h100_h", "dense_bf16_tflops"),
        ("h100-sxm", "work_eflop: 1.0e+12, mfu_pu: 0.01", "jobs[0].work_eflop", "at most"),
    ],
)
def test_bad_sizes_are_refused_with_exit_2_and_the_key(
    tmp_path, capsys, hardware, job, key, fragment
):
    path = tmp_path / "bad.yaml"
    path.write_text(config_text(hardware, job))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f": {key}: " in err, err
    assert fragment in err, err
    assert "Traceback" not in err


def test_the_errors_name_the_key_in_the_api(tmp_path):
    with pytest.raises(ConfigError) as error:
        make_config(
            tmp_path,
            cluster={"pools": [{"name": "p", "hardware": "mi250x", "gpus": 8}]},
            jobs=[{"name": "j", "pool": "p", "gpus": 8, "precision": "fp8"}],
        )
    assert_problem(error.value, "jobs[0].precision", "mi250x")


def test_conversion_constant():
    """1 TFLOPS for an hour is 3.6e15 FLOP = 3.6e-3 EFLOP."""
    from sim.throughput import EFLOP_PER_TFLOPS_H

    assert math.isclose(EFLOP_PER_TFLOPS_H, 3600 * 1e12 / 1e18)
