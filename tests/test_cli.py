"""The ``dcsim`` command line: exit codes, messages on stderr, and the results folder."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import sim.cli
from sim._version import __version__
from sim.cli import main
from sim.config import load_config
from sim.runner import RunError
from tests.bad_configs import BAD_CASES, CONSTANT, write, write_case

RESULT_FILES = {
    ".dcsim",
    "config.yaml",
    "timeseries.parquet",
    "events.parquet",
    "summary.json",
    "progress.parquet",
}

SMALL = """\
    name: small
    duration_h: 4
    output: {resolution_s: 600}
    load: {constant_mw: 50}
    grid:
      import_limit_mw: 100
      outages: [{start_h: 1, duration_h: 1}]
    battery: {energy_mwh: 100, power_mw: 60}
"""


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Content and modification time of every file in a folder."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}


@pytest.fixture
def small(tmp_path) -> Path:
    return write(tmp_path / "small.yaml", SMALL)


# --------------------------------------------------------------------------------------------
# validate: bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", list(BAD_CASES))
def test_validate_bad_input_exits_2_naming_file_and_key(tmp_path, capsys, case_id):
    _, key, file, fragment = BAD_CASES[case_id]
    code = main(["validate", str(write_case(tmp_path, case_id))])

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert f"error: {tmp_path / file}: {key}: " in err
    assert fragment in err
    assert "Traceback" not in err


def test_validate_good_file_prints_ok(small, capsys):
    assert main(["validate", str(small)]) == 0
    out, err = capsys.readouterr()
    assert out == f"ok: {small}\n"
    assert err == ""


def test_validate_good_and_bad_files(tmp_path, small, capsys):
    bad = write(tmp_path / "bad.yaml", CONSTANT + "seed: -1\n")

    code = main(["validate", str(small), str(bad)])

    out, err = capsys.readouterr()
    assert code == 2
    assert out == f"ok: {small}\n"
    assert f"error: {bad}: seed: " in err
    assert str(small) not in err


def test_validate_lists_every_problem_one_per_line(tmp_path, capsys):
    bad = write(
        tmp_path / "bad.yaml",
        """\
        name: bad name
        duration_h: -1
        load: {constant_mw: 1}
        battery: {energy_mwh: -1, power_mw: 1}
        seed: x
        """,
    )
    assert main(["validate", str(bad)]) == 2
    lines = capsys.readouterr().err.splitlines()
    keys = sorted(line.split(": ")[2] for line in lines)
    assert keys == ["battery.energy_mwh", "duration_h", "name", "seed"]
    assert all(line.startswith(f"error: {bad}: ") for line in lines)


def test_validate_applies_set(small, capsys):
    code = main(["validate", str(small), "--set", "battery.energy_mwh=-1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: --set battery.energy_mwh=-1: battery.energy_mwh: " in err


# --------------------------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------------------------


def test_run_writes_the_results_folder(tmp_path, small, capsys):
    out = tmp_path / "r"

    code = main(["run", str(small), "--out", str(out)])

    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == RESULT_FILES
    assert stdout.splitlines()[-1] == f"results: {out}"
    assert stdout.startswith("small: 4 h simulated in ")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["name"] == "small"
    assert summary["run"]["duration_h"] == 4.0
    assert [o["start_h"] for o in summary["outages"]] == [1.0]
    assert summary["energy_mwh"]["load"] == pytest.approx(200.0)
    assert load_config(out / "config.yaml") == load_config(small)


def test_run_refuses_existing_folder_without_force(tmp_path, small, capsys):
    out = tmp_path / "r"
    assert main(["run", str(small), "--out", str(out)]) == 0
    before = snapshot(out)
    capsys.readouterr()

    code = main(["run", str(small), "--out", str(out), "--set", "duration_h=2"])

    stdout, err = capsys.readouterr()
    assert code == 2
    assert stdout == ""
    assert f"error: {out} exists; use --force" in err
    assert snapshot(out) == before


def test_run_refuses_existing_folder_before_simulating(tmp_path, small, capsys, monkeypatch):
    out = tmp_path / "r"
    out.mkdir()

    def must_not_run(config, progress=False):
        raise AssertionError("the simulation ran although the results folder exists")

    monkeypatch.setattr(sim.cli, "run", must_not_run)

    assert main(["run", str(small), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_run_force_overwrites(tmp_path, small, capsys):
    out = tmp_path / "r"
    assert main(["run", str(small), "--out", str(out)]) == 0

    code = main(["run", str(small), "--out", str(out), "--force", "--set", "duration_h=2"])

    assert code == 0, capsys.readouterr().err
    assert {p.name for p in out.iterdir()} == RESULT_FILES
    assert json.loads((out / "summary.json").read_text())["run"]["duration_h"] == 2.0
    assert load_config(out / "config.yaml").duration_h == 2.0


def test_run_leaves_no_hidden_temp_folders(tmp_path, small):
    parent = tmp_path / "results"
    out = parent / "r"
    assert main(["run", str(small), "--out", str(out)]) == 0
    assert main(["run", str(small), "--out", str(out), "--force"]) == 0
    assert main(["run", str(small), "--out", str(out)]) == 2
    assert [p.name for p in parent.iterdir()] == ["r"]


def test_run_default_out_is_results_slash_name(tmp_path, small, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(small)]) == 0
    assert {p.name for p in (tmp_path / "results" / "small").iterdir()} == RESULT_FILES


def test_run_bad_set_exits_2_and_writes_nothing(tmp_path, small, capsys):
    out = tmp_path / "r"

    code = main(["run", str(small), "--out", str(out), "--set", "battery.soc_min=2"])

    err = capsys.readouterr().err
    assert code == 2
    assert "error: --set battery.soc_min=2: battery.soc_min: " in err
    assert "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.yaml"]


def test_run_bad_config_exits_2_and_writes_nothing(tmp_path, capsys):
    bad = write(tmp_path / "bad.yaml", CONSTANT + "durration_h: 3\n")
    out = tmp_path / "r"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    assert "did you mean 'duration_h'" in capsys.readouterr().err
    assert not out.exists()


def test_run_failure_exits_1_and_writes_nothing(tmp_path, small, capsys, monkeypatch):
    def fail(config, progress=False):
        raise RunError(f"run {config.name!r} (seed 0) failed: boom")

    monkeypatch.setattr(sim.cli, "run", fail)
    out = tmp_path / "r"

    code = main(["run", str(small), "--out", str(out)])

    assert code == 1
    assert capsys.readouterr().err == "error: run 'small' (seed 0) failed: boom\n"
    assert not out.exists()


def test_run_interrupted_exits_130_and_writes_nothing(tmp_path, small, capsys, monkeypatch):
    def interrupt(config, progress=False):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.cli, "run", interrupt)
    out = tmp_path / "r"
    assert main(["run", str(small), "--out", str(out)]) == 130
    assert "nothing was written" in capsys.readouterr().err
    assert not out.exists()


def test_run_results_folder_has_normal_permissions(tmp_path, small):
    old = os.umask(0o022)
    try:
        assert main(["run", str(small), "--out", str(tmp_path / "r")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r").stat().st_mode) == 0o755


# --------------------------------------------------------------------------------------------
# show
# --------------------------------------------------------------------------------------------


@pytest.fixture
def results(tmp_path, small) -> Path:
    out = tmp_path / "r"
    assert main(["run", str(small), "--out", str(out)]) == 0
    return out


def test_show_prints_the_summary_with_units(results, capsys):
    capsys.readouterr()

    code = main(["show", str(results)])

    out, err = capsys.readouterr()
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == str(results)
    assert re.search(r"^energy_mwh\.unserved +0  MWh$", out, re.MULTILINE)
    assert re.search(r"^energy_mwh\.load +200  MWh$", out, re.MULTILINE)
    assert re.search(r"^peak_mw\.load +50  MW$", out, re.MULTILINE)
    assert re.search(r"^outages\[0\]\.start_h +1  h$", out, re.MULTILINE)
    assert re.search(r"^battery\.soc_final +[0-9.]+  pu$", out, re.MULTILINE)
    assert re.search(r"^run\.name +small$", out, re.MULTILINE)


def test_show_missing_folder_exits_2(tmp_path, capsys):
    code = main(["show", str(tmp_path / "nothere")])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == f"error: {tmp_path / 'nothere'} is not a dcsim results folder (not a folder)\n"


def test_show_incomplete_folder_names_missing_file(results, capsys):
    (results / "summary.json").unlink()
    capsys.readouterr()
    assert main(["show", str(results)]) == 2
    err = capsys.readouterr().err
    assert "missing summary.json" in err
    assert "Traceback" not in err


def test_show_corrupt_summary_exits_2(results, capsys):
    (results / "summary.json").write_text("{not json")
    assert main(["show", str(results)]) == 2
    assert "summary.json" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Arguments and entry points
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["run"],
        ["validate"],
        ["show"],
        ["run", "x.yaml", "--bogus"],
        ["run", "x.yaml", "--set"],
    ],
)
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage: dcsim" in capsys.readouterr().err


def test_version_in_process(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"dcsim {__version__}\n"


def test_entry_points_exist(small):
    version = subprocess.run(
        [sys.executable, "-m", "sim", "--version"], capture_output=True, text=True, check=False
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout == f"dcsim {__version__}\n"

    script = Path(sys.executable).parent / "dcsim"
    assert script.is_file(), "the dcsim console script is not installed beside the interpreter"
    validate = subprocess.run(
        [sys.executable, str(script), "validate", str(small)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout == f"ok: {small}\n"

    bad = subprocess.run(
        [sys.executable, str(script), "validate", str(small), "--set", "seed=-1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "error: --set seed=-1: seed: " in bad.stderr
    assert "Traceback" not in bad.stderr
