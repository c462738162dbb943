"""The config reference (``docs/config.md``) and the editor schema (``dcsim schema``) are read
from the pydantic schema: the file must be what ``docs/config_reference.py`` writes today, and
every key of every section must be in it with its type, unit, default and range."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli import main
from sim.config import (
    ArbitrageDispatch,
    BackupDispatch,
    BatteryConfig,
    ChillersConfig,
    ClusterConfig,
    Config,
    CoolingConfig,
    GridConfig,
    HardwareConfig,
    JobConfig,
    LoadManagementConfig,
    OutageConfig,
    PeakShaveDispatch,
    PoolConfig,
    SmoothDispatch,
    TurbineConfig,
    VehicleFleetConfig,
    WeatherConfig,
)
from sim.config.reference import editor_schema, markdown_reference

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "config.md"


def test_docs_config_md_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == markdown_reference(), (
        "docs/config.md is stale: run `python docs/config_reference.py`"
    )


# Where each model's keys live in a config file (written by hand, not by the generator).
PREFIXES = [
    (Config, ""),
    (GridConfig, "grid."),
    (OutageConfig, "grid.outages[i]."),
    (BatteryConfig, "battery."),
    (TurbineConfig, "turbines[i]."),
    (ClusterConfig, "cluster."),
    (PoolConfig, "cluster.pools[i]."),
    (HardwareConfig, "cluster.hardware.NAME."),
    (JobConfig, "jobs[i]."),
    (PeakShaveDispatch, "dispatch."),
    (SmoothDispatch, "dispatch."),
    (BackupDispatch, "dispatch."),
    (ArbitrageDispatch, "dispatch."),
    (LoadManagementConfig, "dispatch.load_management."),
    (WeatherConfig, "weather."),
    (CoolingConfig, "cooling."),
    (ChillersConfig, "cooling.chillers."),
    (VehicleFleetConfig, "vehicle_fleet."),
]


@pytest.mark.parametrize(("model", "prefix"), PREFIXES, ids=lambda x: getattr(x, "__name__", x))
def test_every_key_is_in_the_reference(model, prefix):
    text = DOC.read_text(encoding="utf-8")
    missing = [n for n in model.model_fields if f"| `{prefix}{n}` |" not in text]
    assert missing == []


@pytest.mark.parametrize(
    "row",
    [
        # BatteryConfig.energy_mwh: Field(ge=0, le=1_000_000), no default, "[MWh]"
        "| `battery.energy_mwh` | number | MWh | required | [0, 1,000,000] |",
        # efficiency_charge: Field(0.968, gt=0, le=1)
        "| `battery.efficiency_charge` | number | pu | `0.968` | (0, 1] |",
        # OutageConfig.duration_h: gt=0, le=MAX_HOURS (876,000 h = 100 years)
        "| `grid.outages[i].duration_h` | number | h | required | (0, 876,000] |",
        # a key of one dispatch policy says so
        "| `dispatch.grid_target_mw` | number or null | MW | `null` | [0, 100,000] | (policy "
        "`peak_shave` only)",
        "| `dispatch.policy` | `peak_shave` \\| `smooth` \\| `backup` \\| `arbitrage` |",
        "| `dispatch.load_management.order` | list of `cap` \\| `pause` \\| `shed` | | "
        '`["cap", "shed"]` |',
    ],
)
def test_reference_rows_by_hand(row):
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert " ".join(row.split()) in text


def test_the_readme_links_the_reference_and_has_no_hand_table():
    readme = (ROOT / "README.md").read_text()
    assert "docs/config.md" in readme
    assert "| key | unit | default | meaning |" not in readme


# --- dcsim schema ------------------------------------------------------------------------------


def test_the_editor_schema_takes_extends_and_scenario_and_requires_keys_only_without_a_base():
    schema = editor_schema()
    assert set(Config.model_fields) | {"extends", "scenario"} == set(schema["properties"])
    assert schema["additionalProperties"] is False  # an unknown key is flagged, as dcsim does
    assert "required" not in schema
    assert schema["if"] == {"not": {"required": ["extends"]}}
    assert set(schema["then"]["required"]) == {"name", "duration_h"}
    assert "oneOf" not in json.dumps(schema)  # a partial section in a child file is fine


def test_dcsim_schema_writes_the_json_schema(tmp_path, capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == editor_schema()
    out = tmp_path / "dcsim.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == editor_schema()
