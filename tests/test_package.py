"""Presets, scenarios and examples ship in the package (issue 16 §3): the wheel carries the
repository's ``configs/`` as ``sim/_configs`` (one source of truth), ``preset:NAME`` works
from any folder, ``dcsim init`` starts a commented config of one's own."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sim.cli import main
from sim.config import ConfigError, load_config
from sim.config.names import configs_root, shipped
from sim.presets import starting_config

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_list_covers_sim_and_configs():
    """pyproject lists the packages (setuptools cannot combine `find` with the mapped
    configs/): every package of sim/ and every folder of configs/ must be in the list."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(project["packages"])
    code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    data = {f"sim._configs.{p.name}" for p in (ROOT / "configs").iterdir() if p.is_dir()}
    assert code | data | {"sim._configs"} == listed
    assert project["package-dir"] == {"sim._configs": "configs"}


def test_names_resolve_to_the_repositorys_files_in_a_checkout():
    assert configs_root() == ROOT / "configs"
    assert shipped("preset") == sorted(p.stem for p in (ROOT / "configs/presets").glob("*.yaml"))
    by_name = load_config("preset:colossus1_2025")
    assert by_name == load_config(ROOT / "configs/presets/colossus1_2025.yaml")


def test_extends_and_scenario_take_names(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "extends: preset:eagle\nscenario: [scenario:grid_outage_4h]\nname: mine\nduration_h: 2\n"
    )
    config = load_config(path)
    assert config.name == "mine"
    assert config.duration_h == 2
    # grid_outage_4h.yaml: one 4-hour outage at noon
    assert [(o.start_h, o.duration_h) for o in config.grid.outages] == [(12.0, 4.0)]
    assert config.cluster == load_config("preset:eagle").cluster


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("extends: preset:colosus2\nname: x\n", "did you mean preset:colossus2?"),
        ("extends: preset:x\nscenario: [scenario:nope]\n", "no shipped preset named 'x'"),
        ("extends: preset:eagle\nscenario: [scenario:nope]\n", "no shipped scenario named 'nope'"),
    ],
)
def test_an_unknown_name_is_a_problem_naming_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert any(message in str(p) and str(path) in str(p) for p in info.value.problems)


def test_a_sweep_spec_and_its_base_by_name(capsys):
    assert main(["validate", "sweep:battery_outage"]) == 0
    assert capsys.readouterr().out == "ok: sweep:battery_outage\n"


# --- dcsim init ----------------------------------------------------------------------------------


def test_init_copies_the_text_with_its_comments_and_renames(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "mine", "--from", "preset:colossus1_2025"]) == 0
    text = (tmp_path / "mine.yaml").read_text()
    source = (ROOT / "configs/presets/colossus1_2025.yaml").read_text()
    comments = [line for line in source.splitlines() if line.lstrip().startswith("#")]
    assert all(line in text for line in comments)  # every comment kept
    assert "\nname: mine\n" in text
    assert "name: colossus1_2025" not in text
    mine = load_config(tmp_path / "mine.yaml")
    assert mine.model_copy(update={"name": "colossus1_2025"}) == load_config(
        "preset:colossus1_2025"
    )


def test_init_refuses_to_overwrite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("keep me\n")
    assert main(["init", "mine"]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert (tmp_path / "mine.yaml").read_text() == "keep me\n"


def test_init_makes_relative_paths_absolute(tmp_path):
    """outage_day's `trace_csv: day_load.csv` is relative to its own folder: the copy names
    the file absolutely, and loads from another folder with the same trace."""
    text = starting_config("example:outage_day", "od")
    path = tmp_path / "od.yaml"
    path.write_text(text)
    assert f"trace_csv: {(ROOT / 'configs/examples/day_load.csv')}" in text
    original = load_config("example:outage_day")
    assert load_config(path) == original.model_copy(update={"name": "od"})


def test_init_refuses_a_bad_name(tmp_path, capsys):
    assert main(["init", "bad name", "--out", str(tmp_path / "x.yaml")]) == 2
    assert "name" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()


# --- -v / -q ------------------------------------------------------------------------------------


SMALL = "name: small\nduration_h: 1\noutput: {resolution_s: 600}\nload: {constant_mw: 5}\n"


@pytest.mark.parametrize(
    ("flags", "summary", "debug"),
    [([], True, False), (["-q"], False, False), (["-v"], True, True)],
)
def test_verbosity(tmp_path, capsys, flags, summary, debug):
    """The result line is INFO (-q silences it); -v adds where a named config came from."""
    (tmp_path / "c.yaml").write_text(
        "extends: preset:eagle\n"
        + SMALL.replace("name: small\n", "name: small\ncluster: null\njobs: []\n")
    )
    code = main(["run", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "r"), *flags])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert ("small: 1 h simulated in" in out) == summary
    assert ("preset:eagle: " in out) == debug
    # before the command too
    code = main([*flags, "run", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "r2")])
    assert ("small: 1 h simulated in" in capsys.readouterr().out) == summary


# --- the wheel ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)]
    # this venv's setuptools if it can build wheels, else pip's isolated build (needs the index)
    done = subprocess.run([*cmd, "--no-build-isolation"], capture_output=True, text=True)
    if done.returncode != 0:
        done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {done.stderr[-500:]}")
    return next(out.glob("dcsim-*.whl"))


def test_the_wheel_carries_exactly_the_repositorys_configs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped_files = {
        n.removeprefix("sim/_configs/") for n in names if n.startswith("sim/_configs/")
    }
    repository = {
        str(p.relative_to(ROOT / "configs"))
        for p in (ROOT / "configs").rglob("*")
        if p.is_file() and p.suffix in (".yaml", ".csv")
    }
    assert shipped_files == repository
    assert "sim/data/hardware.yaml" in names


def test_a_preset_runs_from_an_installed_wheel_outside_the_repository(wheel, tmp_path):
    """The wheel installed alone (--no-deps --target; the dependencies are this venv's), run
    from a folder outside the repository: `dcsim run preset:colossus1_2025` finds the preset in
    the package, `dcsim presets` lists them from it."""
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}

    def dcsim(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "sim", *args]
        return subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)

    where = subprocess.run(
        [sys.executable, "-c", "import sim.config.names as n; print(n.configs_root())"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert Path(where) == target / "sim" / "_configs"
    done = dcsim("run", "preset:colossus1_2025", "--set", "duration_h=1")
    assert done.returncode == 0, done.stderr
    assert "colossus1_2025: 1 h simulated in" in done.stdout
    assert (work / "results" / "colossus1_2025" / "summary.json").is_file()
    listed = dcsim("presets")
    assert listed.returncode == 0, listed.stderr
    assert all(f"{name}: " in listed.stdout for name in shipped("preset"))
    made = dcsim("init", "mine", "--from", "example:colossus1_2025_outage")
    assert made.returncode == 0, made.stderr
    assert dcsim("validate", "mine.yaml").returncode == 0
