"""The README's figure and its paragraph are generated (``docs/figures/make.py``): the
paragraph in the README must be the one today's run tells, number for number."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sim import load_config, run

ROOT = Path(__file__).resolve().parents[1]


def make_module():
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs/figures/make.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_tells_what_the_outage_run_does():
    make = make_module()
    config = load_config(make.CONFIG)
    result = run(config)
    paragraph = make.narrative(config, result)
    readme = (ROOT / "README.md").read_text()
    assert make.replace_block(readme, paragraph) == readme, (
        "the README's outage paragraph is stale: run `python docs/figures/make.py`"
    )
    # and it names the starts the run's own event record holds
    ev = result.events
    text = paragraph.replace("\n", " ")
    out_h = ev.loc[ev["kind"] == "outage_start", "time_h"].iloc[0]
    starts = ev[(ev["kind"] == "turbine_start") & (ev["time_h"] >= out_h)]
    assert f"{len(starts)} turbines start at {starts['time_h'].min():g} h" in text
    assert (ROOT / "docs/figures/colossus1_2025_outage.png").stat().st_size > 10_000
