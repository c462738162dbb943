"""Sweeps: expansion, ids, identical tables on every backend, resume, failures, bad specs."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.config import ConfigError
from sim.sweep import aggregate, load_sweep, run_sweep, t975
from tests.bad_configs import assert_problem, write

SITE = """\
    name: site
    seed: 5
    duration_h: 12
    output: {resolution_s: 900}
    load: {constant_mw: 10}
    grid:
      outages: [{start_h: 2, duration_h: 3}]
    battery: {energy_mwh: 20, power_mw: 15, efficiency_discharge: 1.0}
"""

SWEEP_2X2 = """\
    name: two_by_two
    base: base/site.yaml
    set: {duration_h: 10}
    product:
      battery.energy_mwh: [20, 40]
      grid.outages[0].duration_h: [1, 3]
    seeds: 2
"""


@pytest.fixture
def spec(tmp_path) -> Path:
    write(tmp_path / "base" / "site.yaml", SITE)
    return write(tmp_path / "sweep.yaml", SWEEP_2X2)


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    """The table without wall-clock columns (the only thing that may differ between runs)."""
    return table.drop(columns=[c for c in table.columns if "wall_s" in c])


def test_expansion_ids_seeds_and_overrides(spec):
    sweep = load_sweep(spec)
    ids = [p.run_id for p in sweep.plans]
    assert ids == [
        f"energy_mwh-{e}_duration_h-{d}_seed-{s}"
        for e in (20, 40)
        for d in (1, 3)
        for s in (5, 6)  # seeds count on from the base config's seed
    ]
    assert [p.run_id for p in load_sweep(spec).plans] == ids  # stable
    plan = sweep.plans[-1]
    assert plan.config.battery.energy_mwh == 40
    assert plan.config.grid.outages[0].duration_h == 3
    assert plan.config.duration_h == 10  # `set` applies to every run
    assert plan.config.seed == 6
    assert plan.config.name == plan.run_id


def test_zip_variants_and_samples_are_axes(tmp_path):
    write(tmp_path / "site.yaml", SITE)
    path = write(
        tmp_path / "s.yaml",
        """\
        name: axes
        base: site.yaml
        zip:
          - {battery.energy_mwh: [10, 20, 30], battery.power_mw: [5, 10, 15]}
        variants:
          - {grid.import_limit_mw: 50}
          - {grid.import_limit_mw: 80, dispatch.grid_target_mw: 60}
        samples: {n: 4, seed: 3, ranges: {battery.soc_initial: [0.5, 0.9]}}
        """,
    )
    sweep = load_sweep(path)
    assert len(sweep.plans) == 3 * 2 * 4
    pairs = {(p.config.battery.energy_mwh, p.config.battery.power_mw) for p in sweep.plans}
    assert pairs == {(10, 5), (20, 10), (30, 15)}  # zipped, not crossed
    socs = {p.config.battery.soc_initial for p in sweep.plans}
    assert len(socs) == 4
    assert all(0.5 <= s <= 0.9 for s in socs)
    assert {p.run_id for p in load_sweep(path).plans} == {p.run_id for p in sweep.plans}
    assert len({p.run_id for p in sweep.plans}) == len(sweep.plans)


def test_backends_give_identical_tables_and_results(spec, tmp_path):
    sweep = load_sweep(spec)
    tables = {
        backend: run_sweep(sweep, tmp_path / backend, backend=backend, workers=2)
        for backend in ("serial", "process", "dask")
    }
    assert (tables["serial"]["status"] == "ok").all()
    for backend in ("process", "dask"):
        pd.testing.assert_frame_equal(comparable(tables[backend]), comparable(tables["serial"]))
    on_disk = pd.read_parquet(tmp_path / "dask" / "summary.parquet")
    pd.testing.assert_frame_equal(comparable(on_disk), comparable(tables["serial"]))
    # The hand value: a 3 h outage at 10 MW needs 30 MWh: 20 MWh leaves 10 MWh unserved.
    row = tables["serial"].set_index("run_id").loc["energy_mwh-20_duration_h-3_seed-5"]
    assert row["energy_mwh.unserved"] == pytest.approx(10.0, rel=1e-12)
    assert not row["outage_ride_through[0]"]
    run_dir = tmp_path / "serial" / "runs" / "energy_mwh-20_duration_h-3_seed-5"
    assert sorted(p.name for p in run_dir.iterdir()) == [
        ".dcsim",
        "config.yaml",
        "events.parquet",
        "progress.parquet",
        "summary.json",
        "timeseries.parquet",
    ]


def test_aggregate_mean_and_interval_by_hand():
    table = pd.DataFrame(
        {
            "run_id": ["a1", "a2", "a3", "b1"],
            "variant_id": ["a", "a", "a", "b"],
            "status": ["ok", "ok", "ok", "ok"],
            "seed": [1, 2, 3, 1],
            "x": [10, 10, 10, 20],
            "error": "",
            "traceback": "",
            "kpi": [1.0, 2.0, 3.0, 7.0],
            "flag": [True, False, True, True],
        }
    )
    agg = aggregate(table, ["x"]).set_index("variant_id")
    half = 4.303 * 1.0 / math.sqrt(3)  # t(0.975, 2) · s / √n with s = 1
    assert agg.loc["a", "kpi.mean"] == pytest.approx(2.0)
    assert agg.loc["a", "kpi.ci95_low"] == pytest.approx(2.0 - half)
    assert agg.loc["a", "kpi.ci95_high"] == pytest.approx(2.0 + half)
    assert agg.loc["a", "flag.mean"] == pytest.approx(2 / 3)
    assert agg.loc["b", "kpi.mean"] == 7.0
    assert math.isnan(agg.loc["b", "kpi.ci95_low"])
    assert agg.loc["a", "n_ok"] == 3
    assert agg.loc["a", "x"] == 10


def test_t_quantiles():
    assert t975(1) == 12.706
    assert t975(10) == 2.228
    assert t975(35) == 2.021  # conservative: the next tabulated row
    assert t975(1000) == 1.96


def test_bad_variant_fails_alone(tmp_path, capsys):
    write(tmp_path / "site.yaml", SITE)
    path = write(
        tmp_path / "s.yaml",
        "name: bad\nbase: site.yaml\nproduct: {battery.energy_mwh: [30, -5]}\n",
    )
    code = main(["sweep", str(path), "--out", str(tmp_path / "out"), "--backend", "serial"])
    assert code == 1
    table = pd.read_parquet(tmp_path / "out" / "summary.parquet").set_index("run_id")
    assert table.loc["energy_mwh-30_seed-5", "status"] == "ok"
    assert table.loc["energy_mwh--5_seed-5", "status"] == "failed"
    assert "battery.energy_mwh" in table.loc["energy_mwh--5_seed-5", "error"]
    assert "greater than or equal to 0" in table.loc["energy_mwh--5_seed-5", "error"]
    assert "failed: energy_mwh--5_seed-5" in capsys.readouterr().err
    assert (tmp_path / "out" / "runs" / "energy_mwh-30_seed-5" / "summary.json").is_file()


def test_existing_folder_needs_resume_or_force(spec, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 0
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 2
    assert "--resume" in capsys.readouterr().err


def test_killed_sweep_resumes_only_the_missing_runs(tmp_path):
    """Kill a serial sweep with SIGKILL after a few runs; --resume runs only the rest."""
    trace = tmp_path / "load.csv"
    rows = "".join(f"{i * 0.05},{10 + (i % 7)}\n" for i in range(40_000))
    trace.write_text("time_h,load_mw\n" + rows)
    write(
        tmp_path / "site.yaml",
        f"""\
        name: slow
        duration_h: 2000
        output: {{resolution_s: 3600}}
        load: {{trace_csv: {trace}}}
        battery: {{energy_mwh: 5, power_mw: 3}}
        dispatch: {{grid_target_mw: 12}}
        """,
    )
    spec = write(
        tmp_path / "s.yaml",
        "name: slow\nbase: site.yaml\nproduct: {battery.energy_mwh: [1, 2, 3, 4, 5, 6, 7, 8]}\n",
    )
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs = out / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = list(runs.glob("[!.]*/summary.json")) if runs.exists() else []
        if len(done) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {p.parent.name: p.stat().st_mtime_ns for p in runs.glob("[!.]*/summary.json")}
    assert 2 <= len(before) < 8, "the sweep was not killed midway"

    assert main(["sweep", str(spec), "--out", str(out), "--resume", "--workers", "1"]) == 0
    after = {p.parent.name: p.stat().st_mtime_ns for p in runs.glob("[!.]*/summary.json")}
    assert len(after) == 8
    assert all(after[name] == mtime for name, mtime in before.items())  # not rerun
    assert not list(runs.glob(".*"))  # a write the kill cut short left nothing behind
    table = pd.read_parquet(out / "summary.parquet")
    assert (table["status"] == "ok").all()
    assert len(table) == 8
    assert not [p for p in runs.iterdir() if p.name.startswith(".")]  # no temp leftovers


def test_resume_reruns_a_run_whose_config_changed(spec, tmp_path):
    out = tmp_path / "out"
    run_sweep(load_sweep(spec), out, backend="serial")
    first = out / "runs" / "energy_mwh-20_duration_h-1_seed-5" / "summary.json"
    mtime = first.stat().st_mtime_ns
    spec.write_text(spec.read_text().replace("duration_h: 10", "duration_h: 11"))
    table = run_sweep(load_sweep(spec), out, backend="serial", resume=True)
    assert first.stat().st_mtime_ns != mtime
    assert (table["run.duration_h"] == 11).all()


def bad_spec_error(tmp_path: Path, text: str) -> ConfigError:
    write(tmp_path / "site.yaml", SITE)
    path = write(tmp_path / "s.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_sweep(path)
    return info.value


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("name: x\nbase: site.yaml\nprodcut: {}\n", "prodcut", "did you mean 'product'"),
        (
            "name: x\nbase: site.yaml\nproduct: {battery.enrgy_mwh: [1]}\n",
            "product.battery.enrgy_mwh",
            "did you mean 'energy_mwh'",
        ),
        (
            "name: x\nbase: site.yaml\nproduct: {battery.energy_mwh: []}\n",
            "product.battery.energy_mwh",
            "at least 1",
        ),
        (
            "name: x\nbase: site.yaml\n"
            "zip: [{battery.energy_mwh: [1, 2], battery.power_mw: [1]}]\n",
            "zip[0]",
            "equal lengths",
        ),
        (
            "name: x\nbase: site.yaml\nsamples: {n: 2, ranges: {battery.power_mw: [5, 1]}}\n",
            "samples.ranges.battery.power_mw",
            "low < high",
        ),
        ("name: x\nbase: site.yaml\nseeds: 0\n", "seeds", "greater than or equal to 1"),
        ("name: x\nbase: nothere.yaml\n", "(top level)", "file not found"),
        ("name: x y\nbase: site.yaml\n", "name", "should match pattern"),
    ],
)
def test_bad_specs_name_the_key(tmp_path, text, key, fragment):
    assert_problem(bad_spec_error(tmp_path, text), key, fragment)


def test_bad_spec_exits_2_from_the_command_line(tmp_path, capsys):
    write(tmp_path / "site.yaml", SITE)
    path = write(
        tmp_path / "s.yaml", "name: x\nbase: site.yaml\nproduct: {battery.enrgy_mwh: [1]}\n"
    )
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: product.battery.enrgy_mwh" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_missing_dask_is_a_clear_error(spec, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    code = main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--backend", "dask"])
    assert code == 2
    assert "pip install 'dcsim[dask]'" in capsys.readouterr().err


def test_sweep_run_equals_a_plain_run(spec, tmp_path):
    """A run inside a sweep gives the same numbers as `dcsim run` of its resolved config."""
    out = tmp_path / "out"
    run_sweep(load_sweep(spec), out, backend="serial")
    run_dir = out / "runs" / "energy_mwh-40_duration_h-3_seed-6"
    assert main(["run", str(run_dir / "config.yaml"), "--out", str(tmp_path / "plain")]) == 0
    a = pd.read_parquet(run_dir / "timeseries.parquet")
    b = pd.read_parquet(tmp_path / "plain" / "timeseries.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert os.path.getsize(run_dir / "config.yaml") > 0


def test_scheduler_address_runs_on_that_cluster(spec, tmp_path, capsys):
    """--scheduler sends the runs to an existing Dask scheduler (here one on loopback)."""
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        code = main(
            [
                "sweep",
                str(spec),
                "--out",
                str(tmp_path / "o"),
                "--scheduler",
                cluster.scheduler_address,
            ]
        )
    assert code == 0
    table = pd.read_parquet(tmp_path / "o" / "summary.parquet")
    assert len(table) == 8
    assert (table["status"] == "ok").all()


def test_interrupted_sweep_writes_its_table(spec, tmp_path, monkeypatch):
    """Ctrl-C after two runs: finished runs are kept and listed, the rest are `not run`."""
    import sim.sweep.execution

    real = sim.sweep.execution.execute_config
    calls = []

    def interrupted(run_id, data):
        calls.append(run_id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(run_id, data)

    monkeypatch.setattr(sim.sweep.execution, "execute_config", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(load_sweep(spec), tmp_path / "o", backend="serial")
    table = pd.read_parquet(tmp_path / "o" / "summary.parquet")
    assert table["status"].tolist() == ["ok", "ok"] + ["not run"] * 6
    assert len(list((tmp_path / "o" / "runs").iterdir())) == 2


def test_inline_base_paths_are_relative_to_the_spec(tmp_path, monkeypatch):
    write(tmp_path / "data" / "load.csv", "time_h,load_mw\n0,4\n1,6\n")
    path = write(
        tmp_path / "s.yaml",
        """\
        name: inline
        base:
          name: b
          duration_h: 2
          load: {trace_csv: data/load.csv}
        product: {grid.import_limit_mw: [5, 50]}
        """,
    )
    monkeypatch.chdir(tmp_path / "data")  # not where the spec is
    sweep = load_sweep(path)
    assert sweep.plans[0].config.load.trace_csv == (tmp_path / "data" / "load.csv").resolve()
    table = run_sweep(sweep, tmp_path / "o", backend="serial")
    unserved = table.set_index("grid.import_limit_mw")["energy_mwh.unserved"]
    assert unserved[5] == pytest.approx(1.0)  # 6 MW for 1 h against a 5 MW limit
    assert unserved[50] == 0.0


def test_run_failure_is_recorded_with_its_traceback(spec, tmp_path, monkeypatch):
    import sim.sweep.execution

    real = sim.sweep.execution.run

    def flaky(config):
        if config.battery.energy_mwh == 40:
            raise ZeroDivisionError("boom")
        return real(config)

    monkeypatch.setattr(sim.sweep.execution, "run", flaky)
    table = run_sweep(load_sweep(spec), tmp_path / "o", backend="serial").set_index("run_id")
    failed = table[table["status"] == "failed"]
    assert len(failed) == 4
    assert all(i.startswith("energy_mwh-40") for i in failed.index)
    assert (failed["error"] == "ZeroDivisionError: boom").all()
    assert failed["traceback"].str.contains("Traceback").all()
    assert (table.loc[table["status"] == "ok"].index.str.startswith("energy_mwh-20")).all()
    by_variant = pd.read_parquet(tmp_path / "o" / "summary_by_variant.parquet")
    assert by_variant.set_index("variant_id").loc["energy_mwh-40_duration_h-1", "n_ok"] == 0


def test_validate_checks_a_sweep_spec_and_every_run(tmp_path, capsys):
    write(tmp_path / "site.yaml", SITE)
    good = write(tmp_path / "good.yaml", "name: g\nbase: site.yaml\nproduct: {seed: [1, 2]}\n")
    bad = write(
        tmp_path / "bad.yaml",
        "name: b\nbase: site.yaml\n"
        "product: {battery.energy_mwh: [30, -5], battery.soc_min: [0, 2]}\n",
    )
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out == f"ok: {good}\n"
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4  # (-5 with soc 0), (30 with soc 2), (-5 with soc 2) x 2 problems
    assert f"error: {bad}: run energy_mwh--5_soc_min-0_seed-5: battery.energy_mwh: " in err[1]
    assert all("Traceback" not in line for line in err)


def test_show_on_a_sweep_prints_the_variant_table(spec, tmp_path, capsys):
    run_sweep(load_sweep(spec), tmp_path / "o", backend="serial")
    capsys.readouterr()
    assert main(["show", str(tmp_path / "o")]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[2].split()
    assert header[:4] == ["variant_id", "n_ok", "n_runs", "unserved_mwh"]
    rows = {line.split()[0]: line.split() for line in lines[3:7]}
    # 20 MWh against a 3 h × 10 MW outage leaves 10 MWh unserved (both seeds).
    assert rows["energy_mwh-20_duration_h-3"][1:4] == ["2", "2", "10"]
    assert rows["energy_mwh-40_duration_h-3"][3] == "0"
