"""Sweeps isolate failures: lost workers, a killed parent, odd axis values, damaged folders."""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

import sim.runner
import sim.sweep
import sim.sweep.execution
from sim.cli import main
from sim.config import ConfigError
from sim.sweep import _fmt_value, _write_table, load_sweep, run_sweep
from tests.bad_configs import assert_problem, write
from tests.test_sweep import SITE, SWEEP_2X2

IDS_2X2 = [
    f"energy_mwh-{e}_duration_h-{d}_seed-{s}" for e in (20, 40) for d in (1, 3) for s in (5, 6)
]


@pytest.fixture
def spec(tmp_path) -> Path:
    write(tmp_path / "base" / "site.yaml", SITE)
    return write(tmp_path / "sweep.yaml", SWEEP_2X2)


def spec_with(tmp_path: Path, text: str) -> Path:
    write(tmp_path / "site.yaml", SITE)
    return write(tmp_path / "s.yaml", "name: x\nbase: site.yaml\n" + text)


# --------------------------------------------------------------------------------------------
# Lost workers
# --------------------------------------------------------------------------------------------


def killing(monkeypatch, victim: str, marker: Path | None):
    """Make the pool worker running ``victim`` kill itself (once if ``marker``, else always).

    The pool forks, so the patched function is the one its workers run.
    """
    real = sim.sweep.execution.execute_config

    def execute(run_id, data):
        if run_id == victim and (marker is None or not marker.exists()):
            if marker is not None:
                marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return real(run_id, data)

    monkeypatch.setattr(sim.sweep.execution, "execute_config", execute)


def test_a_killed_worker_loses_no_run(spec, tmp_path, monkeypatch):
    killing(monkeypatch, IDS_2X2[2], tmp_path / "killed-once")
    table = run_sweep(load_sweep(spec), tmp_path / "o", backend="process", workers=2)
    assert (tmp_path / "killed-once").exists()  # a worker did die
    assert table["run_id"].tolist() == IDS_2X2
    assert (table["status"] == "ok").all(), table[["run_id", "status", "error"]]
    assert len(list((tmp_path / "o" / "runs").glob("*/summary.json"))) == 8


def test_a_run_that_always_kills_its_worker_fails_alone(spec, tmp_path, monkeypatch):
    killing(monkeypatch, IDS_2X2[1], None)
    table = run_sweep(load_sweep(spec), tmp_path / "o", backend="process", workers=2)
    table = table.set_index("run_id")
    assert table.loc[IDS_2X2[1], "status"] == "failed"
    assert table.loc[IDS_2X2[1], "error"].startswith(
        f"worker died {sim.sweep.MAX_WORKER_DEATHS} times running this run"
    )
    assert (table.drop(index=IDS_2X2[1])["status"] == "ok").all()


def descendants_when_running(proc: subprocess.Popen, n: int, timeout_s: float) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            break
        if len(children) >= n:
            return [c.pid for c in children]
        time.sleep(0.05)
    raise AssertionError(f"the sweep did not start {n} workers")


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_workers_exit_when_the_sweep_is_killed(tmp_path, sig):
    write(
        tmp_path / "site.yaml",
        """\
        name: slow
        duration_h: 50000
        output: {resolution_s: 3600}
        grid: {outages: [{start_h: 2, duration_h: 3}]}
        battery: {energy_mwh: 5, power_mw: 3}
        cluster: {pools: [{name: p, hardware: h100-sxm, gpus: 64}]}
        jobs: [{name: j, pool: p, gpus: 64, checkpoint_interval_s: 60, checkpoint_write_s: 5}]
        """,  # (a minute's checkpoints for 50,000 h: ~6 M events, far longer than the test)
    )
    spec = write(
        tmp_path / "s.yaml", "name: slow\nbase: site.yaml\nproduct: {seed: [1, 2, 3, 4]}\n"
    )
    cmd = [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(tmp_path / "o")]
    proc = subprocess.Popen([*cmd, "--workers", "2"], stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        workers = descendants_when_running(proc, 2, timeout_s=60)
        proc.send_signal(sig)
        err = proc.communicate(timeout=60)[1]
        if sig == signal.SIGINT:  # Ctrl-C: stops the runs, writes the tables, says so
            assert proc.returncode == 130
            assert "of 4 runs done" in err
            assert "--resume" in err
            assert "Traceback" not in err
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if alive(pid)], "workers outlived the sweep"
    finally:
        for pid in workers:  # this test's own processes, if the assertion failed
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------------------------
# Axis values, tables, summaries that cannot be written
# --------------------------------------------------------------------------------------------


def test_axis_values_are_typed_by_the_schema(tmp_path):
    # "1e3" is text in YAML 1.1 (PyYAML) whatever the loader does with a bare 1e3.
    path = spec_with(tmp_path, 'product: {battery.energy_mwh: [20, "1e3"]}\n')
    sweep = load_sweep(path)
    assert [p.run_id for p in sweep.plans] == ["energy_mwh-20_seed-5", "energy_mwh-1000_seed-5"]
    table = run_sweep(sweep, tmp_path / "o", backend="serial")
    assert (table["status"] == "ok").all()
    on_disk = pd.read_parquet(tmp_path / "o" / "summary.parquet")
    assert on_disk["battery.energy_mwh"].tolist() == [20.0, 1000.0]
    assert pd.api.types.is_float_dtype(on_disk["battery.energy_mwh"])


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("product: {battery.energy_mwh: [400, true]}\n", "product.battery.energy_mwh[1]", "not a"),
        ("product: {battery.energy_mwh: [400, abc]}\n", "product.battery.energy_mwh[1]", "number"),
        ("zip: [{battery.power_mw: [1, yes]}]\n", "zip[0].battery.power_mw[1]", "boolean"),
        ("variants: [{duration_h: false}]\n", "variants[0].duration_h", "boolean"),
        ("set: {battery.power_mw: true}\n", "set.battery.power_mw", "boolean"),
        ("zip: [{}]\n", "zip[0]", "at least one key"),
    ],
)
def test_an_axis_value_of_the_wrong_type_is_a_spec_problem(tmp_path, text, key, fragment):
    with pytest.raises(ConfigError) as info:
        load_sweep(spec_with(tmp_path, text))
    assert_problem(info.value, key, fragment)


def test_a_wrong_axis_type_exits_2_before_anything_runs(tmp_path, capsys):
    path = spec_with(tmp_path, "product: {battery.energy_mwh: [400, true]}\n")
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: product.battery.energy_mwh[1]: " in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_column_parquet_cannot_hold_is_written_as_text(tmp_path):
    table = pd.DataFrame({"run_id": ["a", "b", "c"], "x": [400, "1e3", None], "y": [1.0, 2, 3]})
    _write_table(table, tmp_path / "summary")
    back = pd.read_parquet(tmp_path / "summary.parquet")
    assert back["x"].iloc[:2].tolist() == ["400", "1e3"]
    assert pd.isna(back["x"].iloc[2])
    assert back["y"].tolist() == [1.0, 2.0, 3.0]
    csv = pd.read_csv(tmp_path / "summary.csv")
    assert csv["run_id"].tolist() == ["a", "b", "c"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_summary_with_an_infinite_number_fails_alone(spec, tmp_path, monkeypatch):
    real = sim.runner._summary

    def overflowing(config, facility, segments):
        summary = real(config, facility, segments)
        if config.battery.energy_mwh == 40 and config.seed == 5:
            summary["cost_usd"]["total"] = math.inf
        return summary

    monkeypatch.setattr(sim.runner, "_summary", overflowing)
    table = run_sweep(load_sweep(spec), tmp_path / "o", backend="serial").set_index("run_id")
    bad = ["energy_mwh-40_duration_h-1_seed-5", "energy_mwh-40_duration_h-3_seed-5"]
    assert (table.loc[bad, "status"] == "failed").all()
    assert table.loc[bad, "error"].str.contains("not finite: cost_usd.total = inf").all()
    assert (table.drop(index=bad)["status"] == "ok").all()  # the others went on
    runs = tmp_path / "o" / "runs"
    assert sorted(p.name for p in runs.iterdir()) == sorted(set(IDS_2X2) - set(bad))


def test_ctrl_c_says_what_was_written(spec, tmp_path, monkeypatch, capsys):
    real = sim.sweep.execution.execute_config
    calls = []

    def interrupted(run_id, data):
        calls.append(run_id)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(run_id, data)

    monkeypatch.setattr(sim.sweep.execution, "execute_config", interrupted)
    out = tmp_path / "o"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 130
    err = capsys.readouterr().err
    assert "nothing was written" not in err
    assert "3 of 8 runs done (3 ok)" in err
    assert str(out / "summary.parquet") in err
    assert f"dcsim sweep {spec} --out {out} --resume" in err
    assert len(pd.read_csv(out / "summary.csv")) == 8
    monkeypatch.setattr(sim.sweep.execution, "execute_config", real)
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--resume"]) == 0


# --------------------------------------------------------------------------------------------
# Run ids
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2e6, "2e6"),
        (1.5e7, "1.5e7"),
        (-3e12, "-3e12"),
        (2_000_000, "2000000"),
        (999_999.0, "999999"),  # below 1e6: as before
        (0.5, "0.5"),
        (1e-5, "1e-05"),
        (400.0, "400"),
    ],
)
def test_value_in_a_run_id(value, text):
    assert _fmt_value(value) == text


def test_large_values_give_readable_ids(tmp_path):
    path = spec_with(tmp_path, "product: {battery.energy_mwh: [2.0e+6, 0.000002]}\n")
    ids = [p.run_id for p in load_sweep(path).plans]
    assert ids == ["energy_mwh-2e6_seed-5", "energy_mwh-2e-06_seed-5"]


# --------------------------------------------------------------------------------------------
# Size of a sweep
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("seeds: 1000000000\n", "1,000,000,000 runs"),
        (  # 11 axes of 10 values: 10^11 runs, from a spec of a few hundred bytes
            "zip: [" + ", ".join(["{battery.energy_mwh: [0,1,2,3,4,5,6,7,8,9]}"] * 11) + "]\n",
            "100,000,000,000 runs",
        ),
    ],
)
def test_a_sweep_too_large_is_refused_before_expansion(tmp_path, text, numbers):
    with pytest.raises(ConfigError) as info:
        load_sweep(spec_with(tmp_path, text))
    assert_problem(info.value, "max_runs", numbers)
    assert_problem(info.value, "max_runs", "more than max_runs = 10,000")


def test_max_runs_is_the_limit(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_sweep(spec_with(tmp_path, "seeds: 3\nmax_runs: 2\n"))
    assert_problem(info.value, "max_runs", "3 runs (3 seeds)")
    assert len(load_sweep(spec_with(tmp_path, "seeds: 3\nmax_runs: 3\n")).plans) == 3


# --------------------------------------------------------------------------------------------
# Bad scheduler, damaged folders
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("address", ["garbage", "foo://x:1", "refused"])
def test_bad_scheduler_exits_2(spec, tmp_path, monkeypatch, capsys, address):
    monkeypatch.setattr(sim.sweep.execution, "SCHEDULER_TIMEOUT_S", 1.0)
    address = f"tcp://127.0.0.1:{free_port()}" if address == "refused" else address
    out = tmp_path / "o"
    assert main(["sweep", str(spec), "--out", str(out), "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert f"error: --scheduler {address}: cannot reach a Dask scheduler" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_resume_redoes_damaged_runs(spec, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 0
    runs = out / "runs"
    (out / "summary.parquet").write_bytes(b"PAR1 truncated")
    (runs / IDS_2X2[0] / "summary.json").write_text('{"run": {"config_sha')
    (runs / IDS_2X2[1] / "summary.json").write_text("[]")
    (runs / IDS_2X2[2] / "summary.json").write_text('{"run": 3}')
    intact = {p.parent.name: p.stat().st_mtime_ns for p in runs.glob("*/summary.json")}
    for run_id in IDS_2X2[:3]:
        del intact[run_id]
    capsys.readouterr()
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--resume"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    table = pd.read_parquet(out / "summary.parquet")
    assert (table["status"] == "ok").all()
    for run_id in IDS_2X2[:3]:
        assert sim.sweep.read_result(runs / run_id).summary["run"]["name"] == run_id
    assert {name: (runs / name / "summary.json").stat().st_mtime_ns for name in intact} == intact


@pytest.mark.parametrize("where", ["runs", "out"])
def test_resume_where_a_folder_is_a_file_exits_2(spec, tmp_path, capsys, where):
    out = tmp_path / "o"
    target = out / "runs" if where == "runs" else out
    write(target, "not a folder\n")
    assert main(["sweep", str(spec), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    what = "a file" if where == "out" else "a folder that dcsim did not write"
    assert f"error: {out} exists and is {what}, not a dcsim sweep results folder" in err
    assert "Traceback" not in err
    assert target.read_text() == "not a folder\n"


def test_a_swept_seed_is_the_runs_seed(tmp_path):
    sweep = load_sweep(spec_with(tmp_path, "product: {seed: [1, 7]}\nseeds: 2\n"))
    assert [p.config.seed for p in sweep.plans] == [1, 2, 7, 8]
    assert [p.run_id for p in sweep.plans] == [
        "seed-1_seed-1",
        "seed-1_seed-2",
        "seed-7_seed-7",
        "seed-7_seed-8",
    ]
