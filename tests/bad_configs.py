"""Bad configs shared by the config and CLI tests: the files to write and the problem expected."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.config import ConfigError, Problem, format_key, load_config


def write(path: Path, text: str | bytes) -> Path:
    """Write ``text`` (dedented) or raw ``bytes`` to ``path``, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text))
    return path


CONSTANT = "name: t\nduration_h: 3\nload: {constant_mw: 10}\n"


def traced(csv: str | bytes) -> dict[str, str | bytes]:
    return {
        "cfg.yaml": "name: t\nduration_h: 3\nload: {trace_csv: data/load.csv}\n",
        "data/load.csv": csv,
    }


# id: (files to write, key path, file the problem names, fragment of the message)
BAD_CASES: dict[str, tuple[dict[str, str | bytes], str, str, str]] = {
    "unknown_key": (
        {"cfg.yaml": CONSTANT + "battery: {energy_mwh: 1, power_mw: 1, efficency_charge: 0.9}\n"},
        "battery.efficency_charge",
        "cfg.yaml",
        "unknown key; did you mean 'efficiency_charge'?",
    ),
    "unknown_top_level_key": (
        {"cfg.yaml": CONSTANT + "durration_h: 3\n"},
        "durration_h",
        "cfg.yaml",
        "did you mean 'duration_h'?",
    ),
    "wrong_type": (
        {"cfg.yaml": "name: t\nduration_h: abc\nload: {constant_mw: 10}\n"},
        "duration_h",
        "cfg.yaml",
        "Input should be a valid number",
    ),
    "negative_energy": (
        {"cfg.yaml": CONSTANT + "battery: {energy_mwh: -1, power_mw: 1}\n"},
        "battery.energy_mwh",
        "cfg.yaml",
        "greater than or equal to 0",
    ),
    "soc_min_above_soc_max": (
        {
            "cfg.yaml": CONSTANT
            + "battery: {energy_mwh: 1, power_mw: 1, soc_min: 0.8, soc_max: 0.5}\n"
        },
        "battery.soc_min",
        "cfg.yaml",
        "must be below battery.soc_max (0.5)",
    ),
    "soc_initial_outside_window": (
        {
            "cfg.yaml": CONSTANT
            + "battery: {energy_mwh: 1, power_mw: 1, soc_min: 0.2, soc_max: 0.8, soc_initial: 0.9}"
            "\n"
        },
        "battery.soc_initial",
        "cfg.yaml",
        "must lie within [soc_min, soc_max] = [0.2, 0.8]",
    ),
    "overlapping_outages": (
        {
            "cfg.yaml": CONSTANT
            + "grid: {outages: [{start_h: 1, duration_h: 2}, {start_h: 2, duration_h: 1}]}\n"
        },
        "grid.outages[1]",
        "cfg.yaml",
        "overlaps grid.outages[0] (1.0 h to 3.0 h)",
    ),
    "missing_trace": (
        {"cfg.yaml": "name: t\nduration_h: 3\nload: {trace_csv: nope.csv}\n"},
        "load.trace_csv",
        "cfg.yaml",
        "file not found",
    ),
    "csv_non_numeric_load": (
        traced("time_h,load_mw\n0,1\n1,abc\n"),
        "load.trace_csv",
        "cfg.yaml",
        "load.csv:3: load_mw 'abc' is not a number",
    ),
    "csv_decreasing_time": (
        traced("time_h,load_mw\n0,1\n2,1\n1,1\n"),
        "load.trace_csv",
        "cfg.yaml",
        "load.csv:4: time_h 1.0 must be greater than the previous row's 2.0",
    ),
    "csv_missing_column": (
        traced("time_h,power_mw\n0,1\n"),
        "load.trace_csv",
        "cfg.yaml",
        "missing column(s) load_mw",
    ),
    "csv_first_row_not_at_zero": (
        traced("time_h,load_mw\n1,1\n2,1\n"),
        "load.trace_csv",
        "cfg.yaml",
        "load.csv:2: the first row must be at time_h 0 (found 1.0)",
    ),
    "csv_negative_load": (
        traced("time_h,load_mw\n0,1\n1,-2\n"),
        "load.trace_csv",
        "cfg.yaml",
        "load.csv:3: load_mw -2.0 must be >= 0",
    ),
    "csv_infinite_load": (
        traced("time_h,load_mw\n0,inf\n"),
        "load.trace_csv",
        "cfg.yaml",
        "load.csv:2: load_mw 'inf' is not a finite number",
    ),
    "csv_empty_file": (
        traced(""),
        "load.trace_csv",
        "cfg.yaml",
        "missing column(s) time_h, load_mw",
    ),
    "csv_header_only": (
        traced("time_h,load_mw\n"),
        "load.trace_csv",
        "cfg.yaml",
        "load.csv: no data rows",
    ),
    "csv_binary_file": (
        traced(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x00\x01"),
        "load.trace_csv",
        "cfg.yaml",
        "load.csv: not a text CSV file",
    ),
    "extends_cycle": (
        {"a.yaml": "extends: b.yaml\nname: t\n", "b.yaml": "extends: a.yaml\nduration_h: 1\n"},
        "extends",
        "a.yaml",
        "extends cycle: ",
    ),
    "extends_missing_file": (
        {"cfg.yaml": "extends: base/nothere.yaml\nname: t\n"},
        "extends",
        "cfg.yaml",
        "file not found",
    ),
    "extends_not_a_string": (
        {"cfg.yaml": "extends: [a.yaml]\nname: t\n"},
        "extends",
        "cfg.yaml",
        "must be a path to a YAML file",
    ),
    "invalid_yaml": (
        {"cfg.yaml": "name: t\nduration_h: 3\n  bad: indent\n"},
        "(top level)",
        "cfg.yaml:3",
        "not valid YAML: mapping values are not allowed here",
    ),
    "duplicate_key": (
        {"cfg.yaml": "name: t\nduration_h: 3\nload: {constant_mw: 1}\nduration_h: 4\n"},
        "(top level)",
        "cfg.yaml:4",
        "duplicate key 'duration_h' (first given on line 2)",
    ),
    "top_level_not_mapping": (
        {"cfg.yaml": "- name\n- duration_h\n"},
        "(top level)",
        "cfg.yaml",
        "the top level must be a mapping of keys",
    ),
    "both_constant_and_trace": (
        {
            "cfg.yaml": "name: t\nduration_h: 3\nload: {constant_mw: 1, trace_csv: load.csv}\n",
            "load.csv": "time_h,load_mw\n0,1\n",
        },
        "load",
        "cfg.yaml",
        "give exactly one of load.constant_mw or load.trace_csv",
    ),
    "neither_constant_nor_trace": (
        {"cfg.yaml": "name: t\nduration_h: 3\nload: {}\n"},
        "load",
        "cfg.yaml",
        "give exactly one of load.constant_mw or load.trace_csv",
    ),
    "name_with_space": (
        {"cfg.yaml": "name: my run\nduration_h: 3\nload: {constant_mw: 1}\n"},
        "name",
        "cfg.yaml",
        "String should match pattern",
    ),
    "naive_start": (
        {"cfg.yaml": CONSTANT + "start: '2025-01-01T00:00:00'\n"},
        "start",
        "cfg.yaml",
        "has no UTC offset: write one (2025-07-01T00:00:00-05:00), or give site.timezone",
    ),
    "unknown_timezone": (
        {"cfg.yaml": CONSTANT + "site: {timezone: America/Chicgo}\n"},
        "site.timezone",
        "cfg.yaml",
        "unknown time zone 'America/Chicgo' (did you mean America/Chicago",
    ),
    "start_offset_not_the_zones": (
        {
            "cfg.yaml": CONSTANT
            + "site: {timezone: America/Chicago}\nstart: '2025-01-01T00:00:00-05:00'\n"
        },
        "start",
        "cfg.yaml",
        "has the UTC offset -05:00, but site.timezone America/Chicago is at -06:00 then",
    ),
}
ENTRY = {"extends_cycle": "a.yaml"}


def problems(path: Path, overrides: list[str] | tuple[str, ...] = ()) -> list[Problem]:
    """The problems of a config that must fail to load."""
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides)
    assert info.value.problems, "a ConfigError must list at least one problem"
    return info.value.problems


def only_problem(path: Path, overrides: list[str] | tuple[str, ...] = ()) -> Problem:
    found = problems(path, overrides)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def write_case(tmp_path: Path, case_id: str) -> Path:
    """Write the files of a bad case; return the config to load."""
    files = BAD_CASES[case_id][0]
    for name, text in files.items():
        write(tmp_path / name, text)
    return tmp_path / ENTRY.get(case_id, "cfg.yaml")


def assert_problem(error: ConfigError, key: str, fragment: str) -> None:
    """Assert that ``error`` lists a problem at dotted ``key`` whose message has ``fragment``."""
    problems = [(format_key(p.key), p.message) for p in error.problems]
    assert any(k == key and fragment in m for k, m in problems), problems
