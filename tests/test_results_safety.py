"""Never lose a user's data: ``--force`` replaces only dcsim results folders, names are single
path components, leftovers of killed processes are cleaned, damaged folders are exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim.config
import sim.results
import sim.runner
from sim.cli import main
from sim.results import MARKER, ResultsExistError, clean_stale, folder_kind, read_result
from sim.runner import RunError, _check_finite, run
from tests.bad_configs import write

SMALL = """\
    name: small
    duration_h: 2
    output: {resolution_s: 600}
    load: {constant_mw: 10}
    grid: {price_usd_per_mwh: 50}
    """


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write(tmp_path / "small.yaml", SMALL)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


# -- 1. --force replaces only what dcsim wrote --------------------------------------------------


def test_force_refuses_a_folder_dcsim_did_not_write(tmp_path, small, capsys):
    thesis = tmp_path / "d" / "thesis"
    thesis.mkdir(parents=True)
    (thesis / "ch1.tex").write_text("x")
    before = snapshot(tmp_path / "d")

    code, err = run_cli(["run", str(small), "--out", str(tmp_path / "d"), "--force"], capsys)

    assert code == 2
    assert "not a dcsim run results folder" in err
    assert "nothing was touched" in err
    assert snapshot(tmp_path / "d") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "small.yaml"]


def test_force_refuses_a_file(tmp_path, small, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    code, err = run_cli(["run", str(small), "--out", str(target), "--force"], capsys)
    assert code == 2
    assert "is a file" in err
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("out", [".", "WORKDIR", ".."])
def test_force_refuses_the_working_directory_and_above(tmp_path, small, capsys, monkeypatch, out):
    work = tmp_path / "work"
    work.mkdir()
    (work / "mine.txt").write_text("x")
    monkeypatch.chdir(work)
    before = snapshot(tmp_path)

    target = str(work) if out == "WORKDIR" else out
    code, err = run_cli(["run", str(small), "--out", target, "--force"], capsys)

    assert code == 2
    assert "working directory" in err
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.yaml", "work"]


def test_force_refuses_a_symbolic_link(tmp_path, small, capsys):
    real = tmp_path / "real"
    assert main(["run", str(small), "--out", str(real)]) == 0
    link = tmp_path / "link"
    link.symlink_to(real)
    before = snapshot(real)

    code, err = run_cli(["run", str(small), "--out", str(link), "--force"], capsys)

    assert code == 2
    assert "symbolic link" in err
    assert link.is_symlink()
    assert snapshot(real) == before


def test_force_replaces_a_results_folder_and_an_empty_one(tmp_path, small, capsys):
    out = tmp_path / "r"
    assert main(["run", str(small), "--out", str(out)]) == 0
    assert json.loads((out / MARKER).read_text())["kind"] == "run"
    assert main(["run", str(small), "--out", str(out), "--force", "--set", "duration_h=1"]) == 0
    assert read_result(out).summary["run"]["duration_h"] == 1.0

    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", str(small), "--out", str(empty), "--force"]) == 0
    assert folder_kind(empty) == "run"


def test_force_replaces_a_results_folder_from_before_the_marker(tmp_path, small):
    out = tmp_path / "r"
    assert main(["run", str(small), "--out", str(out)]) == 0
    (out / MARKER).unlink()  # as written by dcsim 0.1 before the marker
    assert folder_kind(out) == "run"
    assert main(["run", str(small), "--out", str(out), "--force", "--set", "duration_h=1"]) == 0
    assert read_result(out).summary["run"]["duration_h"] == 1.0


def test_a_summary_alone_does_not_make_a_results_folder(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps({"run": {"dcsim_version": "0.1.0"}}))
    (folder / "thesis.tex").write_text("x")
    assert folder_kind(folder) is None
    with pytest.raises(ResultsExistError, match="dcsim did not write"):
        sim.results.check_replaceable(folder, "run", force=True)


def test_write_refuses_too_not_only_the_cli(tmp_path, small):
    result = run(small)
    target = tmp_path / "d"
    target.mkdir()
    (target / "data.csv").write_text("1")
    with pytest.raises(ResultsExistError):
        result.write(target, force=True)
    assert (target / "data.csv").read_text() == "1"


def test_overwrite_without_atomic_exchange_also_works(tmp_path, small, monkeypatch):
    """Where renameat2 is missing the old folder is renamed aside, then the new one in."""
    monkeypatch.setattr(sim.results, "_exchange", lambda a, b: False)
    out = tmp_path / "r"
    run(small).write(out)
    run(small).write(out, force=True)
    assert folder_kind(out) == "run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "small.yaml"]


# -- 2. names are single path components ----------------------------------------------------------


@pytest.mark.parametrize("name", [".", "..", "-x", ".hidden", "a/b", "x" * 129, ""])
def test_name_must_be_one_safe_path_component(tmp_path, small, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "other").mkdir()

    code, err = run_cli(["run", str(small), "--force", "--set", f"name={name}"], capsys)

    assert code == 2
    assert "name:" in err
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["other"]


def test_longest_allowed_name_runs(tmp_path, small, capsys):
    out = tmp_path / "r"
    assert main(["run", str(small), "--out", str(out), "--set", f"name={'a' * 128}"]) == 0


# -- 7. leftovers of killed processes --------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                           capture_output=True, text=True)  # fmt: skip
    return int(child.stdout)


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path, small):
    pid, host = dead_pid(), sim.results._HOST
    stale = tmp_path / f".r.{host}-{pid}.abc123.tmp"
    stale.mkdir()
    (stale / "timeseries.parquet").write_bytes(b"partial")
    live = tmp_path / f".r.{host}-{os.getpid()}.def456.tmp"  # ours, alive: kept
    live.mkdir()
    foreign = tmp_path / f".r.{host}-{pid}.ghi789.tmp"  # not only a run's files: kept
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("x")
    other_name = tmp_path / f".other.{host}-{pid}.jkl012.tmp"  # another target's: kept
    other_name.mkdir()
    elsewhere = tmp_path / f".r.0badc0de-{pid}.mno345.tmp"  # another machine's: kept
    elsewhere.mkdir()

    run(small).write(tmp_path / "r")

    assert not stale.exists()
    assert live.exists()
    assert foreign.exists()
    assert other_name.exists()


def test_an_overwrite_cut_between_its_renames_is_recovered(tmp_path, small):
    """A process killed after moving the old results aside and before moving the new ones in
    leaves ``.r.<pid>.X.old/r``: the next write into ``r`` puts them back, then replaces them."""
    out = tmp_path / "r"
    run(small).write(out)
    old = tmp_path / f".r.{sim.results._HOST}-{dead_pid()}.xyz.old"
    old.mkdir()
    os.replace(out, old / "r")

    assert clean_stale(tmp_path, "r") == [old]
    assert folder_kind(out) == "run"
    assert not old.exists()


# -- 5. damaged folders and non-finite summaries ---------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    ["summary_not_object", "summary_truncated", "timeseries_columns", "events_truncated"],
)
@pytest.mark.parametrize("command", ["show", "plot"])
def test_damaged_results_folder_is_exit_2(tmp_path, small, capsys, damage, command):
    out = tmp_path / "r"
    assert main(["run", str(small), "--out", str(out)]) == 0
    if damage == "summary_not_object":
        (out / "summary.json").write_text("[1, 2]")
    elif damage == "summary_truncated":
        (out / "summary.json").write_text((out / "summary.json").read_text()[:40])
    elif damage == "timeseries_columns":
        pd.DataFrame({"x": [1.0]}).to_parquet(out / "timeseries.parquet")
    else:
        (out / "events.parquet").write_bytes((out / "events.parquet").read_bytes()[:30])
    capsys.readouterr()

    code, err = run_cli([command, str(out)], capsys)

    assert code == 2
    assert err.startswith("error: ")
    assert "damaged" in err


def test_damaged_sweep_table_is_exit_2(tmp_path, capsys):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "summary.parquet").write_bytes(b"PAR1 not really")
    pd.DataFrame({"x": [1]}).to_parquet(folder / "summary_by_variant.parquet")
    for command in ("show", "plot"):
        code, err = run_cli([command, str(folder)], capsys)
        assert code == 2
        assert err.startswith("error: ")


def test_non_finite_summary_is_a_run_error_naming_the_key():
    with pytest.raises(ValueError, match=r"cost_usd\.total = inf"):
        _check_finite({"cost_usd": {"total": float("inf"), "fuel": 1.0}, "ok": None})
    _check_finite({"a": 1.0, "b": None, "c": [1.0, 2.0], "d": True})  # finite: no error


def test_a_run_whose_numbers_overflow_fails_with_its_name(tmp_path, monkeypatch):
    """A summary that overflows (forced here) is a RunError naming the run, not a crash at
    writing time."""
    config = write(tmp_path / "c.yaml", SMALL)
    real = sim.runner._summary

    def overflowing(*args):
        summary = real(*args)
        summary["cost_usd"]["total"] = float("inf")
        return summary

    monkeypatch.setattr(sim.runner, "_summary", overflowing)
    with pytest.raises(RunError, match=r"'small'.*cost_usd\.total = inf"):
        run(config)


# -- the same for sweep folders -----------------------------------------------------------------


SWEEP = """\
    name: sw
    base: small.yaml
    product: {load.constant_mw: [10, 20]}
    """


@pytest.mark.parametrize("flag", ["--force", "--resume"])
def test_sweep_refuses_a_folder_dcsim_did_not_write(tmp_path, small, capsys, flag):
    spec = write(tmp_path / "sweep.yaml", SWEEP)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "summary.csv").write_text("my own table\n")
    before = snapshot(folder)

    code, err = run_cli(["sweep", str(spec), "--out", str(folder), flag, "--workers", "1"], capsys)

    assert code == 2
    assert "not a dcsim sweep results folder" in err
    assert snapshot(folder) == before


def test_sweep_folder_is_marked_and_rerun_with_force(tmp_path, small, capsys):
    spec = write(tmp_path / "sweep.yaml", SWEEP)
    out = tmp_path / "s"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 0
    assert folder_kind(out) == "sweep"
    assert folder_kind(out / "runs" / "constant_mw-10_seed-0") == "run"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--force"]) == 0


@pytest.mark.parametrize("name", [".", "..", "x" * 129])
def test_sweep_name_is_one_safe_path_component(tmp_path, small, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    spec = write(tmp_path / "sweep.yaml", SWEEP.replace("name: sw", f"name: '{name}'"))
    code, err = run_cli(["sweep", str(spec), "--workers", "1", "--force"], capsys)
    assert code == 2
    assert "name" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.yaml", "sweep.yaml"]


# -- command lines whose paths the system refuses -------------------------------------------------


@pytest.mark.parametrize("command", ["run", "run-out", "validate", "show", "plot", "sweep"])
def test_a_path_too_long_for_the_system_is_exit_2(tmp_path, small, capsys, command):
    long = str(tmp_path / ("x" * 5000))
    args = {
        "run": ["run", long],
        "run-out": ["run", str(small), "--out", long],
        "validate": ["validate", long],
        "show": ["show", long],
        "plot": ["plot", long],
        "sweep": ["sweep", long],
    }[command]
    code, err = run_cli(args, capsys)
    assert code == 2
    assert err.startswith("error: ")


def test_a_device_is_not_a_sweep_spec(capsys):
    code, err = run_cli(["sweep", "/dev/zero"], capsys)
    assert code == 2
    assert "not a regular file" in err


# -- found by review -------------------------------------------------------------------------


def test_a_symbolic_link_loop_is_refused(tmp_path, small, capsys):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    spec = write(tmp_path / "sweep.yaml", SWEEP)
    for args in (
        ["run", str(small), "--out", str(loop), "--force"],
        ["sweep", str(spec), "--out", str(loop), "--resume", "--workers", "1"],
    ):
        code, err = run_cli(args, capsys)
        assert code == 2
        assert "symbolic link" in err


def test_force_keeps_a_marked_folder_holding_other_files(tmp_path, small, capsys):
    out = tmp_path / "r"
    assert main(["run", str(small), "--out", str(out)]) == 0
    (out / "notes.ipynb").write_text("{}")
    before = snapshot(out)

    code, err = run_cli(["run", str(small), "--out", str(out), "--force"], capsys)

    assert code == 2
    assert "holds files dcsim did not write (notes.ipynb)" in err
    assert snapshot(out) == before


def test_force_replaces_a_run_folder_with_its_plots(tmp_path, small):
    out = tmp_path / "r"
    assert main(["run", str(small), "--out", str(out), "--plots"]) == 0
    assert (out / "plots").is_dir()
    assert main(["run", str(small), "--out", str(out), "--force"]) == 0
    assert not (out / "plots").exists()


def test_text_that_looks_like_a_float_survives_the_resolved_config(tmp_path, capsys):
    text = SMALL.replace("name: small", "name: '1e3'\n    description: '2.5e-4'")
    config = write(tmp_path / "c.yaml", text)
    out = tmp_path / "r"
    assert main(["run", str(config), "--out", str(out)]) == 0
    again = sim.config.load_config(out / "config.yaml")
    assert again.name == "1e3"
    assert again.description == "2.5e-4"


def test_the_memory_limit_is_not_part_of_a_runs_identity(tmp_path):
    """Raising ``output.max_memory_gb`` changes no result, so ``--resume`` must not rerun."""
    config = write(tmp_path / "c.yaml", SMALL)
    a = sim.config.load_config(config)
    b = sim.config.load_config(config, ["output.max_memory_gb=64"])
    c = sim.config.load_config(config, ["duration_h=3"])
    assert sim.runner.config_sha256(a) == sim.runner.config_sha256(b)
    assert sim.runner.config_sha256(a) != sim.runner.config_sha256(c)


def test_an_interrupted_swap_is_put_back_before_the_existence_check(tmp_path, small):
    """Without --force, a write finds the results an interrupted overwrite set aside, puts
    them back, and then refuses to replace them."""
    out = tmp_path / "r"
    run(small).write(out)
    before = snapshot(out)
    old = tmp_path / f".r.{sim.results._HOST}-{dead_pid()}.xyz.old"
    old.mkdir()
    os.replace(out, old / "r")

    with pytest.raises(ResultsExistError):
        run(small).write(out)
    assert snapshot(out) == before
