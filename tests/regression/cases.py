"""The cases of the regression fixture: every config shipped in ``configs/`` (presets over
their 24 h, examples, each scenario overlaid on the Colossus 1 (2025) preset) and a 1M-GPU
cluster day."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from sim import load_config, run
from sim.config import Config
from sim.results import flatten_summary

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCENARIO_BASE = CONFIGS / "presets" / "colossus1_2025.yaml"

VOLATILE = {
    "run.sim_wall_s",
    "run.wall_s",
    "run.dcsim_version",
    "run.python_version",
    "run.config_sha256",  # (hashes absolute paths of traces: differs between checkouts)
}
"""Summary keys that differ between runs of one config on different machines or checkouts."""

FIRST_H = {"examples-colossus1_2025_year": 768.0}
"""Cases held for their first hours only: the year of monthly PUE takes ~20 s and a ~100k-row
event log; its first 32 days cover what it exercises (a month boundary of ``by_month``)."""


def cases() -> dict[str, Path]:
    """Case name -> the config file to load."""
    found = {
        f"{path.parent.name}-{path.stem}": path
        for folder in ("presets", "examples")
        for path in sorted((CONFIGS / folder).glob("*.yaml"))
    }
    found.update(
        {f"scenarios-{path.stem}": path for path in sorted((CONFIGS / "scenarios").glob("*.yaml"))}
    )
    found["cluster_day_1m"] = Path(__file__).resolve().parent / "cluster_day_1m.yaml"
    return found


def load_case(name: str) -> Config:
    """The config of a case; a scenario is overlaid on :data:`SCENARIO_BASE`."""
    path = cases()[name]
    if name.startswith("scenarios-"):
        with tempfile.TemporaryDirectory() as folder:
            wrapper = Path(folder) / f"{path.stem}.yaml"
            wrapper.write_text(
                f"extends: {json.dumps(str(SCENARIO_BASE))}\n"
                f"scenario: [{json.dumps(str(path))}]\n"
                f"name: {path.stem}\n"
            )
            return load_config(wrapper)
    config = load_config(path)
    if name in FIRST_H:
        config = config.model_copy(update={"duration_h": FIRST_H[name]})
    return config


def outcome(name: str) -> tuple[dict[str, Any], pd.DataFrame]:
    """The flattened summary (without :data:`VOLATILE` keys) and the events of a case's run."""
    result = run(load_case(name))
    summary = {k: v for k, v in flatten_summary(result.summary).items() if k not in VOLATILE}
    return summary, result.events


def fixture_paths(name: str) -> tuple[Path, Path]:
    return FIXTURES / f"{name}.summary.json", FIXTURES / f"{name}.events.parquet"
