"""Config loading: ``extends:``, path resolution, ``--set`` overrides and each kind of bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim.config import (
    Config,
    dump_config,
    format_key,
    load_config,
    parse_key,
)
from tests.bad_configs import BAD_CASES, CONSTANT, only_problem, problems, write, write_case

VALID = """\
    name: base
    duration_h: 3
    load: {constant_mw: 10}
"""


# --------------------------------------------------------------------------------------------
# extends:
# --------------------------------------------------------------------------------------------


def test_extends_deep_merges_mappings_and_replaces_lists(tmp_path, monkeypatch):
    write(
        tmp_path / "base" / "parent.yaml",
        """\
        name: parent
        duration_h: 5
        load: {constant_mw: 10}
        grid:
          import_limit_mw: 80
          outages: [{start_h: 1, duration_h: 1}, {start_h: 3, duration_h: 1}]
        battery: {energy_mwh: 100, power_mw: 50, soc_min: 0.1}
        """,
    )
    child = write(
        tmp_path / "child.yaml",
        """\
        extends: base/parent.yaml
        name: child
        grid:
          outages: [{start_h: 2, duration_h: 0.5}]
        battery: {power_mw: 70}
        """,
    )
    empty_cwd = tmp_path / "elsewhere"
    empty_cwd.mkdir()
    monkeypatch.chdir(empty_cwd)  # the parent path must not be resolved against the cwd

    config = load_config(child)

    assert config.name == "child"
    assert config.duration_h == 5.0
    assert config.load.constant_mw == 10.0
    assert config.grid.import_limit_mw == 80.0  # sibling key of the child's grid kept
    assert [(o.start_h, o.duration_h) for o in config.grid.outages] == [(2.0, 0.5)]
    assert config.battery is not None
    assert config.battery.power_mw == 70.0  # child wins
    assert config.battery.energy_mwh == 100.0  # merged key by key
    assert config.battery.soc_min == 0.1


def test_extends_three_levels_nearest_file_wins(tmp_path):
    write(
        tmp_path / "a" / "b" / "grand.yaml",
        """\
        name: grand
        seed: 1
        duration_h: 1
        load: {constant_mw: 1}
        output: {resolution_s: 10}
        """,
    )
    write(
        tmp_path / "a" / "parent.yaml",
        """\
        extends: b/grand.yaml
        seed: 2
        duration_h: 2
        """,
    )
    child = write(tmp_path / "child.yaml", "extends: a/parent.yaml\nduration_h: 3\n")

    config = load_config(child)

    assert (config.name, config.seed, config.duration_h) == ("grand", 2, 3.0)
    assert config.output.resolution_s == 10.0
    assert config.load.constant_mw == 1.0


def test_problem_names_the_file_that_set_the_key(tmp_path):
    grand = write(
        tmp_path / "a" / "b" / "grand.yaml",
        """\
        name: grand
        duration_h: 1
        load: {constant_mw: 1}
        battery: {energy_mwh: -1, power_mw: 1}
        """,
    )
    write(tmp_path / "a" / "parent.yaml", "extends: b/grand.yaml\nseed: 2\n")
    child = write(tmp_path / "child.yaml", "extends: a/parent.yaml\nduration_h: -4\n")

    found = {format_key(p.key): p.file for p in problems(child)}

    assert found == {"battery.energy_mwh": str(grand), "duration_h": str(child)}


def test_cross_key_problem_names_the_file_that_set_the_section(tmp_path):
    parent = write(
        tmp_path / "base" / "parent.yaml",
        """\
        name: parent
        duration_h: 5
        load: {constant_mw: 1}
        grid:
          outages: [{start_h: 1, duration_h: 2}, {start_h: 2, duration_h: 1}]
        battery: {energy_mwh: 1, power_mw: 1, soc_min: 0.8, soc_max: 0.5}
        """,
    )
    child = write(tmp_path / "child.yaml", "extends: base/parent.yaml\nseed: 3\n")

    found = {format_key(p.key): p.file for p in problems(child)}

    assert found == {"battery.soc_min": str(parent), "grid.outages[1]": str(parent)}


# --------------------------------------------------------------------------------------------
# Paths in the config
# --------------------------------------------------------------------------------------------


def test_trace_csv_is_relative_to_the_file_that_sets_it(tmp_path, monkeypatch):
    trace = write(tmp_path / "base" / "load.csv", "time_h,load_mw\n0,5\n1,7\n")
    write(
        tmp_path / "base" / "parent.yaml",
        """\
        name: traced
        duration_h: 2
        load: {trace_csv: load.csv}
        """,
    )
    child = write(tmp_path / "child.yaml", "extends: base/parent.yaml\n")
    cwd = tmp_path / "cwd"
    write(cwd / "load.csv", "time_h,load_mw\n0,999\n")  # a decoy beside the cwd
    monkeypatch.chdir(cwd)

    config = load_config(child)

    assert config.load.trace_csv == trace.resolve()
    assert config.load.trace_csv.is_absolute()


def test_trace_csv_set_in_child_is_relative_to_child(tmp_path, monkeypatch):
    write(tmp_path / "base" / "load.csv", "time_h,load_mw\n0,5\n")
    write(
        tmp_path / "base" / "parent.yaml",
        """\
        name: traced
        duration_h: 2
        load: {trace_csv: load.csv}
        """,
    )
    mine = write(tmp_path / "mine.csv", "time_h,load_mw\n0,3\n")
    child = write(
        tmp_path / "child.yaml",
        """\
        extends: base/parent.yaml
        load: {trace_csv: mine.csv}
        """,
    )
    monkeypatch.chdir(tmp_path / "base")

    assert load_config(child).load.trace_csv == mine.resolve()


# --------------------------------------------------------------------------------------------
# --set overrides
# --------------------------------------------------------------------------------------------


@pytest.fixture
def with_outage(tmp_path) -> Path:
    return write(
        tmp_path / "cfg.yaml",
        """\
        name: base
        duration_h: 6
        load: {constant_mw: 10}
        grid:
          outages: [{start_h: 1, duration_h: 1}]
        battery: {energy_mwh: 100, power_mw: 50}
        """,
    )


def test_set_dotted_path_is_typed_by_schema_as_float(with_outage):
    config = load_config(with_outage, ["battery.energy_mwh=800"])
    assert config.battery is not None
    assert config.battery.energy_mwh == 800.0
    assert type(config.battery.energy_mwh) is float
    assert config.battery.power_mw == 50.0  # siblings untouched


def test_set_text_key_keeps_leading_zeros(with_outage):
    assert load_config(with_outage, ["name=007"]).name == "007"


def test_set_creates_missing_sections(tmp_path):
    path = write(tmp_path / "cfg.yaml", VALID)
    config = load_config(path, ["battery.energy_mwh=20", "battery.power_mw=5"])
    assert config.battery is not None
    assert (config.battery.energy_mwh, config.battery.power_mw) == (20.0, 5.0)


def test_set_later_override_wins(with_outage):
    assert load_config(with_outage, ["duration_h=2", "duration_h=4.5"]).duration_h == 4.5


def test_set_list_index_into_existing_element(with_outage):
    config = load_config(with_outage, ["grid.outages[0].duration_h=2.5"])
    assert [(o.start_h, o.duration_h) for o in config.grid.outages] == [(1.0, 2.5)]


def test_set_index_equal_to_length_appends(with_outage):
    config = load_config(
        with_outage, ["grid.outages[1].start_h=4", "grid.outages[1].duration_h=0.5"]
    )
    assert [(o.start_h, o.duration_h) for o in config.grid.outages] == [(1.0, 1.0), (4.0, 0.5)]


def test_set_appended_element_missing_a_key_is_reported(with_outage):
    problem = only_problem(with_outage, ["grid.outages[1].start_h=4"])
    assert format_key(problem.key) == "grid.outages[1].duration_h"
    assert problem.message == "required key is missing"


def test_set_created_element_missing_a_key_names_the_set(with_outage):
    problem = only_problem(with_outage, ["grid.outages[1].start_h=4"])
    assert problem.file == "--set grid.outages[1].start_h=4"


def test_set_index_out_of_range_is_a_problem(with_outage):
    problem = only_problem(with_outage, ["grid.outages[5].start_h=1"])
    assert format_key(problem.key) == "grid.outages[5]"
    assert problem.file == "--set grid.outages[5].start_h=1"
    assert "index out of range: the list has 1" in problem.message


def test_set_value_failing_validation_names_the_set(with_outage):
    problem = only_problem(with_outage, ["battery.energy_mwh=-5"])
    assert format_key(problem.key) == "battery.energy_mwh"
    assert problem.file == "--set battery.energy_mwh=-5"
    assert "greater than or equal to 0" in problem.message
    assert problem.value == -5


def test_set_unknown_key_names_the_set(with_outage):
    problem = only_problem(with_outage, ["battery.energy_mhw=5"])
    assert format_key(problem.key) == "battery.energy_mhw"
    assert problem.file == "--set battery.energy_mhw=5"
    assert "did you mean 'energy_mwh'" in problem.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("duration_h", "expected KEY=VALUE"),
        ("grid..outages=1", "not a key path"),
        ("grid.outages[x]=1", "not a key path"),
    ],
)
def test_set_malformed_is_a_problem(with_outage, text, message):
    problem = only_problem(with_outage, [text])
    assert problem.file == f"--set {text}"
    assert problem.key == ()
    assert message in problem.message


def test_set_through_a_scalar_is_a_problem(with_outage):
    problem = only_problem(with_outage, ["duration_h.x=1"])
    assert format_key(problem.key) == "duration_h"
    assert problem.message == "is not a mapping"


def test_set_every_bad_override_is_listed(with_outage):
    found = problems(with_outage, ["nokey", "grid.outages[9].start_h=1", "seed=-1"])
    assert sorted(p.file for p in found) == [
        "--set grid.outages[9].start_h=1",
        "--set nokey",
        "--set seed=-1",
    ]


def test_set_into_null_section_creates_it(tmp_path):
    path = write(tmp_path / "cfg.yaml", VALID + "    battery: null\n")
    config = load_config(path, ["battery.energy_mwh=20", "battery.power_mw=5"])
    assert config.battery is not None
    assert config.battery.energy_mwh == 20.0


# --------------------------------------------------------------------------------------------
# parse_key / format_key
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("name", ("name",)),
        ("battery.energy_mwh", ("battery", "energy_mwh")),
        ("grid.outages[0].start_h", ("grid", "outages", 0, "start_h")),
        ("grid.outages[12]", ("grid", "outages", 12)),
        ("a[1][2].b_c", ("a", 1, 2, "b_c")),
        ("_x.y2", ("_x", "y2")),
    ],
)
def test_parse_key_good(text, key):
    assert parse_key(text) == key
    assert format_key(key) == text


@pytest.mark.parametrize(
    "text",
    ["", ".name", "name.", "a..b", "a[x]", "a[-1]", "[0]", "a[0", "a b", "1abc", "a[0]b", "a.[0]"],
)
def test_parse_key_bad(text):
    with pytest.raises(ValueError, match="not a key path"):
        parse_key(text)


def test_format_key_of_top_level():
    assert format_key(()) == "(top level)"


# --------------------------------------------------------------------------------------------
# Bad input: one problem each, with its key path, its file and what is wrong
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", list(BAD_CASES))
def test_bad_input_problem(tmp_path, case_id):
    _, key, file, fragment = BAD_CASES[case_id]
    problem = only_problem(write_case(tmp_path, case_id))
    assert format_key(problem.key) == key
    assert problem.file == str(tmp_path / file)
    assert fragment in problem.message


def test_extends_cycle_message_shows_the_chain(tmp_path):
    problem = only_problem(write_case(tmp_path, "extends_cycle"))
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert problem.message == f"extends cycle: {a} -> {b} -> {a}"


def test_extends_itself_is_a_cycle(tmp_path):
    path = write(tmp_path / "self.yaml", "extends: self.yaml\nname: t\n")
    problem = only_problem(path)
    assert format_key(problem.key) == "extends"
    assert "cycle" in problem.message


def test_missing_config_file(tmp_path):
    problem = only_problem(tmp_path / "nothere.yaml")
    assert problem.file == str(tmp_path / "nothere.yaml")
    assert problem.key == ()
    assert problem.message == f"file not found: {tmp_path / 'nothere.yaml'}"


def test_empty_file_lists_each_required_key(tmp_path):
    path = write(tmp_path / "cfg.yaml", "")
    found = problems(path)
    assert {format_key(p.key) for p in found} == {"name", "duration_h"}
    assert all(p.message == "required key is missing" for p in found)


def test_a_config_without_load_or_cluster_is_refused(tmp_path):
    path = write(tmp_path / "cfg.yaml", "name: t\nduration_h: 1\n")
    problem = only_problem(path)
    assert format_key(problem.key) == "load"
    assert "give a load, a cluster, or both" in problem.message


def test_problem_str_has_file_key_message_and_value(tmp_path):
    path = write(tmp_path / "cfg.yaml", "name: t\nduration_h: abc\nload: {constant_mw: 10}\n")
    text = str(only_problem(path))
    assert text.startswith(f"{path}: duration_h: Input should be a valid number")
    assert text.endswith("(got 'abc')")


def test_every_problem_is_listed(tmp_path):
    path = write(
        tmp_path / "cfg.yaml",
        """\
        name: bad name
        duration_h: abc
        colour: blue
        load: {constant_mw: -3}
        grid:
          outages: [{start_h: 0, duration_h: 2}, {start_h: 1, duration_h: 2}]
        battery: {energy_mwh: -1, power_mw: 1, soc_min: 0.9, soc_max: 0.1}
        """,
    )
    found = problems(path)
    assert {format_key(p.key) for p in found} >= {
        "name",
        "duration_h",
        "colour",
        "load.constant_mw",
        "grid.outages[1]",
        "battery.energy_mwh",
    }
    assert len(found) >= 4
    assert all(p.file == str(path) for p in found)


def test_every_overlapping_outage_is_listed(tmp_path):
    path = write(
        tmp_path / "cfg.yaml",
        CONSTANT + "grid: {outages: [{start_h: 0, duration_h: 10}, {start_h: 2, duration_h: 1},"
        " {start_h: 5, duration_h: 1}]}\n",
    )
    assert {format_key(p.key) for p in problems(path)} == {"grid.outages[1]", "grid.outages[2]"}


# --------------------------------------------------------------------------------------------
# The resolved config
# --------------------------------------------------------------------------------------------


def test_dump_config_round_trips(tmp_path, monkeypatch):
    trace = write(tmp_path / "in" / "data" / "load.csv", "time_h,load_mw\n0,5\n2,8\n")
    source = write(
        tmp_path / "in" / "cfg.yaml",
        """\
        name: round_trip
        description: "a: tricky, string"
        seed: 7
        start: "2025-07-01T00:00:00-05:00"
        duration_h: 4
        load: {trace_csv: data/load.csv}
        grid:
          import_limit_mw: 90
          outages: [{start_h: 1, duration_h: 0.5}]
        battery: {energy_mwh: 100, power_mw: 40, soc_initial: 0.7}
        """,
    )
    original = load_config(source)
    text = dump_config(original)
    copy = write(tmp_path / "out" / "elsewhere" / "config.yaml", text)
    monkeypatch.chdir(tmp_path / "out")

    again = load_config(copy)

    assert isinstance(again, Config)
    assert again == original
    assert again.load.trace_csv == trace.resolve()
    assert f"trace_csv: {trace.resolve()}" in text
    assert again.start.utcoffset() == dt.timedelta(hours=-5)
    assert dump_config(again) == text


# --------------------------------------------------------------------------------------------
# --set with a mapping value merges it (issue 16 §5)
# --------------------------------------------------------------------------------------------


def test_set_a_mapping_merges_it_and_keeps_the_other_keys(tmp_path):
    """`--set 'dispatch={policy: backup}'` used to replace the whole section and silently drop
    `load_management`; the mapping is now merged key by key, as `extends:` merges."""
    path = write(
        tmp_path / "cfg.yaml",
        VALID
        + """\
    battery: {energy_mwh: 100, power_mw: 50}
    dispatch:
      policy: peak_shave
      load_management: {order: [cap, shed], it_floor_pu: 0.6}
""",
    )
    config = load_config(path, ["dispatch={policy: backup}"])
    assert config.dispatch.policy == "backup"
    assert config.dispatch.load_management is not None
    assert config.dispatch.load_management.it_floor_pu == 0.6
    # nested mappings merge too: the floor changes, the order stays
    config = load_config(path, ["dispatch={load_management: {it_floor_pu: 0.8}}"])
    assert config.dispatch.load_management is not None
    assert config.dispatch.load_management.it_floor_pu == 0.8
    assert list(config.dispatch.load_management.order) == ["cap", "shed"]
    # and a mapping set onto a mapping is the same as the dotted keys one by one
    battery = load_config(path, ["battery={energy_mwh: 400}"]).battery
    assert battery is not None
    assert (battery.energy_mwh, battery.power_mw) == (400.0, 50.0)


def test_set_a_mapping_with_a_null_unsets_that_key(tmp_path):
    """What the merge keeps, a null removes: switching to `backup` from a `peak_shave` with a
    `grid_target_mw` (a key backup refuses) works by setting the target to null."""
    path = write(
        tmp_path / "cfg.yaml",
        VALID
        + """\
    battery: {energy_mwh: 100, power_mw: 50}
    dispatch: {policy: peak_shave, grid_target_mw: 8}
""",
    )
    bad = problems(path, ["dispatch={policy: backup}"])
    assert any("grid_target_mw" in str(p) for p in bad)
    config = load_config(path, ["dispatch={policy: backup, grid_target_mw: null}"])
    assert config.dispatch.policy == "backup"


def test_set_a_list_still_replaces_it(with_outage):
    config = load_config(with_outage, ["grid.outages=[{start_h: 2, duration_h: 0.5}]"])
    assert [(o.start_h, o.duration_h) for o in config.grid.outages] == [(2.0, 0.5)]
