"""The README's performance table is the one ``bench/all.py --write`` made from
``bench/results.json``: its figures are generated, never pasted."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_all():
    spec = importlib.util.spec_from_file_location("bench_all", ROOT / "bench" / "all.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_shows_the_saved_results() -> None:
    module = bench_all()
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    readme = (ROOT / "README.md").read_text()
    start, end = readme.index(module.BEGIN), readme.index(module.END) + len(module.END)
    assert readme[start:end] == module.render(results)


def test_every_target_row_says_whether_it_is_met() -> None:
    rows = json.loads((ROOT / "bench" / "results.json").read_text())["rows"]
    names = {r["benchmark"] for r in rows}
    assert "`python bench/cluster_year.py`" in names
    assert "`dcsim run` of a tiny config" in names
    for r in rows:
        assert (r["met"] is None) == (r["target"] == "–"), r
