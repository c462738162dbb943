"""Hostile and careless config input: every one is a :class:`ConfigError` naming the file (the
CLI's exit 2), never a traceback, in bounded time and memory.

Alias bombs, deep nesting, long ``extends:`` chains, huge integers, malformed scalars, files
that are not files, booleans where numbers belong, and a seeded fuzz of mutated example configs.
"""

from __future__ import annotations

import os
import random
import shutil
import stat
from pathlib import Path

import pytest

from sim.cli import main
from sim.config import (
    MAX_EXTENDS_CHAIN,
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    Config,
    ConfigError,
    load_config,
    read_yaml,
)
from sim.sweep import load_sweep
from tests.bad_configs import CONSTANT, only_problem, problems, write

EXAMPLES = Path(__file__).resolve().parent.parent / "configs" / "examples"


def bomb(levels: int, width: int = 10) -> str:
    """A "billion laughs" document: ``width ** levels`` leaves once its aliases are expanded."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for k in range(1, levels):
        lines.append(f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def expanded_list_nodes(levels: int, width: int = 10) -> int:
    """Nodes of the last list of :func:`bomb` expanded, counted independently: the list itself
    and, per element, a leaf (level 0) or an expanded list of the level below."""
    size = 0
    for k in range(levels):
        size = 1 + width * (size if k else 1)
    return size


# --------------------------------------------------------------------------------------------
# Aliases: a node budget
# --------------------------------------------------------------------------------------------


def test_billion_laughs_is_refused_naming_the_file(tmp_path):
    path = write(tmp_path / "bomb.yaml", bomb(9))  # ~10^9 leaves in under 500 bytes
    assert path.stat().st_size < 600
    problem = only_problem(path)
    assert problem.file.startswith(str(path))
    assert "too large once its aliases are expanded" in problem.message
    assert f"{MAX_YAML_NODES:,}" in problem.message


def test_a_bomb_just_over_the_budget_is_refused_with_its_size(tmp_path):
    levels = 6  # 10^6 leaves in the last list: the first collection over the budget
    size = expanded_list_nodes(levels)
    assert MAX_YAML_NODES < size < 2 * MAX_YAML_NODES
    assert expanded_list_nodes(levels - 1) < MAX_YAML_NODES
    problem = only_problem(write(tmp_path / "bomb.yaml", bomb(levels)))
    assert f"{size:,} nodes" in problem.message


def test_aliases_within_the_budget_still_load(tmp_path):
    path = write(
        tmp_path / "cfg.yaml",
        CONSTANT + "outage: &o {start_h: 1, duration_h: 1}\ngrid: {outages: [*o]}\n",
    )
    with pytest.raises(ConfigError) as info:  # 'outage' is not a key: validation ran
        load_config(path)
    assert [p.key for p in info.value.problems] == [("outage",)]
    path.write_text(CONSTANT + "grid: {outages: [&o {start_h: 1, duration_h: 1}]}\n")
    assert load_config(path).grid.outages[0].duration_h == 1.0


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = write(tmp_path / "cfg.yaml", CONSTANT + "#" * MAX_YAML_BYTES + "\n")
    problem = only_problem(path)
    assert problem.file == str(path)
    assert problem.message.startswith(f"file too large: {path.stat().st_size:,} bytes")
    path.write_text(CONSTANT + "#" * (MAX_YAML_BYTES - len(CONSTANT) - 1) + "\n")
    assert path.stat().st_size == MAX_YAML_BYTES
    assert load_config(path).name == "t"


def test_a_recursive_alias_is_refused(tmp_path):
    problem = only_problem(write(tmp_path / "cfg.yaml", CONSTANT + "x: &a [1, *a]\n"))
    assert "recursive alias" in problem.message
    assert problem.file == f"{tmp_path / 'cfg.yaml'}:4"


def test_a_bomb_in_a_set_value_is_a_problem(tmp_path):
    path = write(tmp_path / "cfg.yaml", CONSTANT)
    config = load_config(path, ["grid.outages=[&o {start_h: 1, duration_h: 2}]"])
    assert config.grid.outages[0].duration_h == 2.0  # a small one is read
    problem = only_problem(path, ["description=x", f"grid.outages={bomb_flow(8)}"])
    assert problem.file.startswith("--set grid.outages=")
    assert "too large once its aliases are expanded" in problem.message


def bomb_flow(levels: int) -> str:
    """:func:`bomb` as one flow sequence (a ``--set`` value)."""
    parts = ["&l0 [" + ", ".join(["lol"] * 10) + "]"]
    for k in range(1, levels):
        parts.append(f"&l{k} [" + ", ".join([f"*l{k - 1}"] * 10) + "]")
    return "[" + ", ".join(parts) + "]"


# --------------------------------------------------------------------------------------------
# Nesting and extends: chains
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "".join(f"{' ' * k}k{k}:\n" for k in range(1_000)) + " " * 1_000 + "v: 1\n",
        "x: " + "{a: " * 3_000 + "1" + "}" * 3_000 + "\n",
    ],
    ids=["sequences", "block_mappings", "flow_mappings"],
)
def test_deep_nesting_is_refused(tmp_path, text):
    path = write(tmp_path / "deep.yaml", text)
    problem = only_problem(path)
    assert problem.file.startswith(str(path))
    assert f"nested deeper than {MAX_YAML_DEPTH} levels" in problem.message


def test_nesting_at_the_limit_is_read(tmp_path):
    depth = MAX_YAML_DEPTH - 1  # the top mapping is one level
    path = write(tmp_path / "cfg.yaml", "x: " + "[" * depth + "]" * depth + "\n")
    data = read_yaml(path, [])
    levels = 1
    node = data
    while True:
        node = node["x"] if isinstance(node, dict) else node
        if not node:
            break
        node, levels = node[0], levels + 1
    assert levels == depth


def test_aliases_nesting_deeper_once_expanded_are_refused(tmp_path):
    # Each level is 2 deep when written, but the chain is 200 deep once expanded.
    lines = ["a0: &a0 [1]"] + [f"a{k}: &a{k} [*a{k - 1}]" for k in range(1, 200)]
    problem = only_problem(write(tmp_path / "cfg.yaml", "\n".join(lines) + "\n"))
    assert f"nested deeper than {MAX_YAML_DEPTH} levels" in problem.message


def extends_chain(tmp_path: Path, n_files: int) -> Path:
    """``f0.yaml`` extends ``f1.yaml`` ... ``f{n-1}.yaml``, which is a valid config."""
    write(tmp_path / f"f{n_files - 1}.yaml", CONSTANT)
    for k in range(n_files - 1):
        write(tmp_path / f"f{k}.yaml", f"extends: f{k + 1}.yaml\nseed: {k}\n")
    return tmp_path / "f0.yaml"


def test_an_extends_chain_of_1200_files_is_refused(tmp_path):
    start = extends_chain(tmp_path, 1_200)
    problem = only_problem(start)
    assert problem.file == str(start)
    assert str(start) in problem.message
    assert f"the limit is {MAX_EXTENDS_CHAIN}" in problem.message


def test_an_extends_chain_at_the_limit_loads(tmp_path):
    assert load_config(extends_chain(tmp_path, MAX_EXTENDS_CHAIN)).seed == 0
    with pytest.raises(ConfigError):
        load_config(extends_chain(tmp_path / "longer", MAX_EXTENDS_CHAIN + 1))


def test_a_scenario_chain_counts_towards_the_limit(tmp_path):
    write(tmp_path / "s0.yaml", "seed: 1\n")
    for k in range(1, 40):
        write(tmp_path / f"s{k}.yaml", f"scenario: s{k - 1}.yaml\n")
    path = write(tmp_path / "cfg.yaml", CONSTANT + "scenario: s39.yaml\n")
    assert f"the limit is {MAX_EXTENDS_CHAIN}" in only_problem(path).message


# --------------------------------------------------------------------------------------------
# Scalars
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "literal",
    ["9" * 5_000, "-" + "9" * 5_000, "0x" + "f" * 5_000, "0b" + "1" * 20_000],
    ids=["decimal", "negative", "hex", "binary"],
)
def test_an_integer_over_4300_digits_is_a_problem(tmp_path, literal):
    path = write(tmp_path / "cfg.yaml", CONSTANT + f"seed: {literal}\n")
    problem = only_problem(path)
    assert problem.file == f"{path}:4"
    assert "integer too large" in problem.message
    assert len(str(problem)) < 400


def test_an_integer_over_4300_digits_in_set_is_a_problem(tmp_path):
    path = write(tmp_path / "cfg.yaml", CONSTANT)
    problem = only_problem(path, ["seed=" + "9" * 5_000])
    assert problem.file.startswith("--set seed=999")
    assert problem.key == ("seed",)
    assert "integer too large" in problem.message
    assert len(str(problem)) < 400


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("1e3", 1000.0),
        ("1E6", 1e6),
        ("-2.5e-4", -2.5e-4),
        ("+3e+2", 300.0),
        ("1.5e3", 1500.0),
        (".5e1", 5.0),
        ("1_000e-3", 1.0),
    ],
)
def test_exponent_floats_are_floats(tmp_path, literal, value):
    data = read_yaml(write(tmp_path / "x.yaml", f"x: {literal}\n"), [])
    assert type(data["x"]) is float
    assert data["x"] == value


@pytest.mark.parametrize("literal", ["1e", "e3", "1e3x", "1.2.3e4", "0x1e3", "'1e3'"])
def test_exponent_lookalikes_are_not_floats(tmp_path, literal):
    data = read_yaml(write(tmp_path / "x.yaml", f"x: {literal}\n"), [])
    assert not isinstance(data["x"], float)


def test_a_sweep_axis_of_exponent_floats_is_numeric(tmp_path):
    write(tmp_path / "base.yaml", CONSTANT)
    spec = write(
        tmp_path / "sweep.yaml",
        "name: s\nbase: base.yaml\nproduct: {load.constant_mw: [400, 1e3, 2.5E1]}\n",
    )
    values = [plan.params["load.constant_mw"] for plan in load_sweep(spec).plans]
    assert values == [400, 1000.0, 25.0]
    assert [type(v) for v in values] == [int, float, float]


def test_set_exponent_float_for_a_number_key(tmp_path):
    path = write(tmp_path / "cfg.yaml", CONSTANT)
    assert load_config(path, ["duration_h=1e3"]).duration_h == 1000.0
    assert load_config(path, ["name=1e3"]).name == "1e3"  # text keys stay text


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("duration_h: true", ("duration_h",)),
        ("seed: false", ("seed",)),
        ("output: {resolution_s: true}", ("output", "resolution_s")),
        ("battery: {energy_mwh: 10, power_mw: yes}", ("battery", "power_mw")),
        ("grid: {outages: [{start_h: true, duration_h: 1}]}", ("grid", "outages", 0, "start_h")),
    ],
)
def test_a_boolean_for_a_number_is_refused(tmp_path, line, key):
    path = write(tmp_path / "cfg.yaml", CONSTANT.replace("duration_h: 3\n", "") + line + "\n")
    if key != ("duration_h",):
        path.write_text(path.read_text() + "duration_h: 3\n")
    problem = only_problem(path)
    assert problem.key == key
    assert problem.message == "must be a number, not a boolean"
    assert isinstance(problem.value, bool)


def test_a_boolean_inside_a_list_of_numbers_is_refused_at_its_index(tmp_path):
    seasons = (
        "grid:\n  tariff:\n    seasons:\n"
        "      - {months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, true], on_peak_hours: [8, true],\n"
        "         on_peak_usd_per_mwh: 90, off_peak_usd_per_mwh: 40}\n"
    )
    found = problems(write(tmp_path / "cfg.yaml", CONSTANT + seasons))
    keys = {p.key for p in found if p.message == "must be a number, not a boolean"}
    base = ("grid", "tariff", "seasons", 0)
    assert keys == {(*base, "months", 11), (*base, "on_peak_hours", 1)}


def test_a_boolean_for_a_number_in_set_and_in_a_sweep_spec(tmp_path):
    path = write(tmp_path / "cfg.yaml", CONSTANT)
    problem = only_problem(path, ["duration_h=true"])
    assert (problem.key, problem.message) == (("duration_h",), "must be a number, not a boolean")
    spec = write(tmp_path / "sweep.yaml", "name: s\nbase: cfg.yaml\nseeds: true\n")
    with pytest.raises(ConfigError) as info:
        load_sweep(spec)
    assert [(p.key, p.message) for p in info.value.problems] == [
        (("seeds",), "must be a number, not a boolean")
    ]


def test_booleans_and_integral_floats_where_they_belong(tmp_path):
    path = write(tmp_path / "cfg.yaml", CONSTANT + "seed: 2.0\n")
    assert load_config(path).seed == 2  # an int key takes an integral float (lax, as before)
    tou = (
        "grid:\n  tariff:\n    seasons:\n"
        "      - {months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], on_peak_hours: [8, 20],\n"
        "         on_peak_usd_per_mwh: 90, off_peak_usd_per_mwh: 40, weekdays_only: false}\n"
    )
    config = load_config(write(tmp_path / "tou.yaml", CONSTANT + tou))
    assert config.grid.tariff.seasons[0].weekdays_only is False  # a bool key takes a bool


@pytest.mark.parametrize(
    ("line", "overrides"),
    [
        ("duration_h: .inf", []),
        ("duration_h: .nan", []),
        ("duration_h: 'inf'", []),
        ("duration_h: nan", []),
        ("duration_h: 1e400", []),
        ("duration_h: 3", ["duration_h=inf"]),
        ("duration_h: 3", ["duration_h=.inf"]),
        ("duration_h: 3", ["duration_h=-1e999"]),
    ],
)
def test_non_finite_numbers_are_refused(tmp_path, line, overrides):
    path = write(tmp_path / "cfg.yaml", "name: t\nload: {constant_mw: 10}\n" + line + "\n")
    problem = only_problem(path, overrides)
    assert problem.key == ("duration_h",)
    assert "finite" in problem.message


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("start: 2025-13-01", "month must be in 1..12"),
        ("start: 2025-02-30 10:00:00", "day is out of range"),
        ("seed: !!int abc", "cannot read"),
        ("x: !!float abc", "cannot read"),
        ("x: !!float", "cannot read"),
        ("x: !!int ''", "cannot read"),
        ("x: !!python/object:os.system {}", "could not determine a constructor"),
        ("x: !!binary 'not base64!'", "base64"),
        ("x: [a, b]\nx: 1", "duplicate key 'x'"),
        ("x: *nothing", "undefined alias"),
        ("x:\t1\n\ty: 2", "not valid YAML"),
        ("x: '1", "not valid YAML"),
    ],
)
def test_malformed_yaml_is_a_problem_with_its_line(tmp_path, line, fragment):
    path = write(tmp_path / "cfg.yaml", CONSTANT + line + "\n")
    found = problems(path)
    assert any(fragment in p.message and p.file.startswith(str(path)) for p in found), [
        str(p) for p in found
    ]


# --------------------------------------------------------------------------------------------
# Files that are not config files
# --------------------------------------------------------------------------------------------


def test_a_folder_is_not_a_config(tmp_path):
    (tmp_path / "cfg.yaml").mkdir()
    problem = only_problem(tmp_path / "cfg.yaml")
    assert problem.message == f"not a regular file: {tmp_path / 'cfg.yaml'}"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "cfg.yaml")
    assert "not a regular file" in only_problem(tmp_path / "cfg.yaml").message
    os.mkfifo(tmp_path / "weather.csv")
    cooled = "weather: {csv: weather.csv}\ncooling: {chillers: {count: 3, capacity_mw: 60}}\n"
    path = write(tmp_path / "w.yaml", CONSTANT + cooled)
    found = problems(path)
    assert any(p.key == ("weather", "csv") and "not a regular file" in p.message for p in found)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_a_problem(tmp_path):
    path = write(tmp_path / "cfg.yaml", CONSTANT)
    path.chmod(0)
    try:
        assert "cannot read file" in only_problem(path).message
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.parametrize(
    "data",
    [b"name: t\xff\xfe\n", b"\x00\x01\x02", b"name: \xe9t\xe9\n", "x: \u0007\n".encode()],
    ids=["invalid_utf8", "nul_bytes", "latin1", "control_char"],
)
def test_bytes_that_are_not_yaml_text(tmp_path, data):
    path = write(tmp_path / "cfg.yaml", data)
    assert only_problem(path).file.startswith(str(path))


def test_a_null_byte_in_a_path_is_a_problem(tmp_path):
    path = write(tmp_path / "cfg.yaml", 'extends: "a\\0b.yaml"\n')
    assert problems(path)
    path = write(tmp_path / "cfg2.yaml", 'name: t\nduration_h: 3\nload: {trace_csv: "a\\0b"}\n')
    assert any(p.key == ("load", "trace_csv") for p in problems(path))


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------


def test_validate_refuses_a_bomb_with_exit_2_and_one_line(tmp_path, capsys):
    path = write(tmp_path / "bomb.yaml", bomb(9))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {path}")
    assert "too large once its aliases are expanded" in err


# --------------------------------------------------------------------------------------------
# Fuzz: mutated example configs load or fail with a ConfigError, never another exception
# --------------------------------------------------------------------------------------------

NASTY = [
    "\t",
    "\x00",
    "\xff",
    "&a",
    "*a",
    "!!python/object:os.system",
    "!!float",
    "<<: *a",
    "9" * 5_000,
    "1e999",
    "-.inf",
    ".nan",
    "true",
    "~",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "? ",
    "'",
    '"',
    "#",
    "|",
    ">",
    "%YAML 1.1\n---\n",
    "---\n",
    "...\n",
    "\n  ",
    "@",
    "`",
    "2025-02-30",
    "0x",
    "0b2",
    "1:2:3",
    "extends: .\n",
    "scenario: [/]\n",
    "\ufeff",
    "\u2028",
]


def mutations(text: str, rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        kind = rng.randrange(4)
        at = rng.randrange(len(text) + 1)
        if kind == 0:
            mutated = text[:at]  # truncated
        elif kind == 1:
            mutated = text[:at] + rng.choice(NASTY) + text[at:]
        elif kind == 2:
            end = min(len(text), at + rng.randrange(1, 40))
            mutated = text[:at] + text[end:]  # a piece cut out
        else:
            mutated = text[:at] + chr(rng.randrange(1, 0x3000)) + text[at + 1 :]
        out.append(mutated)
    return out


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_fuzzed_example_configs_fail_only_with_config_errors(tmp_path, example):
    configs = tmp_path / "configs"
    shutil.copytree(EXAMPLES.parent, configs)  # what the examples extend and read
    text = (EXAMPLES / example).read_text()
    rng = random.Random(f"fuzz-{example}")
    for k, mutated in enumerate(mutations(text, rng, 40)):
        path = configs / "examples" / f"m{k}.yaml"
        path.write_bytes(mutated.encode("utf-8", "surrogateescape"))
        try:
            config = load_config(path)
        except ConfigError as exc:
            found = exc.problems
        else:
            assert isinstance(config, Config)
            continue
        assert found
        assert all(str(p) for p in found)
