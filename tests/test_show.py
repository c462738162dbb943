"""``dcsim show``: declared units for every summary key, one number format, ``--only`` and the
event log's ``--events --kinds``."""

from __future__ import annotations

import json

import pytest

from sim.cli import EXIT_BAD_INPUT, EXIT_OK, main
from sim.show import declared_unit, format_number, unit_of
from tests.bad_configs import write
from tests.regression.cases import FIXTURES, VOLATILE

SITE = """\
    name: site
    duration_h: 4
    output: {resolution_s: 900}
    load: {constant_mw: 50}
    grid:
      outages: [{start_h: 1, duration_h: 1}]
    battery: {energy_mwh: 100, power_mw: 60}
"""


def test_every_key_of_every_shipped_configs_summary_has_a_declared_unit():
    """The regression fixture holds every shipped config's flattened summary (its volatile
    ``run.*`` keys left out: those are listed in :data:`VOLATILE`)."""
    keys = {key for path in FIXTURES.glob("*.summary.json") for key in json.loads(path.read_text())}
    assert len(keys) > 500
    undeclared = sorted(k for k in keys | set(VOLATILE) if declared_unit(k) is None)
    assert undeclared == []


@pytest.mark.parametrize(
    ("key", "unit"),
    [
        ("cooling.wue_l_per_kwh", "L/kWh"),  # (a suffix guess read "kWh")
        ("cluster.gpu_hours.busy", "GPU-h"),  # (a suffix guess read "h")
        ("cluster.gpu_hours.pools.h100.repair", "GPU-h"),
        ("by_month[11].water_m3", "m³"),
        ("cooling.coolant_max_c", "°C"),
        ("jobs.llama3-405b.ettr", ""),
        ("jobs.llama3-405b.goodput_h", "h"),
        ("outages[2].start_h", "h"),
        ("battery.soc_lowest", "pu"),
        ("event_log.by_kind.battery_full", ""),
        ("turbines.groups[0].max_run_hours_per_year", "unit-h/yr"),
    ],
)
def test_declared_units(key, unit):
    assert declared_unit(key) == unit


def test_an_undeclared_key_falls_back_to_its_suffix():
    assert declared_unit("fuel_cells.energy_mwh") is None
    assert unit_of("fuel_cells.energy_mwh") == "MWh"
    assert unit_of("fuel_cells.starts") == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (1.5, "1.5"),
        (203.36042620039615, "203.36"),
        (1234567.891, "1,234,568"),  # (digits before the point are all kept)
        (0.000123456789, "0.000123457"),
        (1e-15, "1.00000e-15"),
        (2.0e15, "2.00000e+15"),
        (-42.0, "-42"),
        (1_129, "1,129"),
    ],
)
def test_one_number_format(value, text):
    assert format_number(value) == text


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("show")
    out = tmp / "r"
    assert main(["run", str(write(tmp / "site.yaml", SITE)), "--out", str(out)]) == EXIT_OK
    return out


def test_only_filters_keys(folder, capsys):
    capsys.readouterr()
    assert main(["show", str(folder), "--only", "peak_mw.*"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()[2:]
    assert [line.split() for line in lines] == [
        ["peak_mw.load", "50", "MW"],
        ["peak_mw.grid", "110", "MW"],  # the battery recharging at its 60 MW over the 50-MW load
    ]
    assert main(["show", str(folder), "--only", "nothing_like_this"]) == EXIT_OK
    assert "no key matches nothing_like_this" in capsys.readouterr().out


def test_events_filtered_by_kind(folder, capsys):
    capsys.readouterr()
    assert main(["show", str(folder), "--events", "--kinds", "outage_start,outage_end"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[3] for line in lines[1:]] == ["outage_start", "outage_end"]
    assert [float(line.split()[0]) for line in lines[1:]] == [1.0, 2.0]
    # --kinds implies --events; a kind the run lacks is named on stderr
    assert main(["show", str(folder), "--kinds", "turbine_start"]) == EXIT_OK
    captured = capsys.readouterr()
    assert "no turbine_start events in this run" in captured.err
    assert captured.out.strip() == "(no events)"


def test_show_a_folder_that_is_not_a_run_exits_2(tmp_path, capsys):
    assert main(["show", str(tmp_path), "--events"]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err.startswith("error: ")


def test_run_options_on_a_sweep_folder_exit_2(tmp_path, capsys):
    (tmp_path / "summary_by_variant.parquet").write_bytes(b"")
    assert main(["show", str(tmp_path), "--only", "pue"]) == EXIT_BAD_INPUT
    assert "are for a run folder" in capsys.readouterr().err
