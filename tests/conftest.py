"""Shared helpers: build configs in memory, with load traces written to a temporary folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from sim.config import Config, config_from_dict


def write_trace(path: Path, rows: Sequence[tuple[float, float]]) -> Path:
    """Write a ``time_h,load_mw`` CSV."""
    path.write_text("time_h,load_mw\n" + "".join(f"{t!r},{p!r}\n" for t, p in rows))
    return path


def make_config(
    folder: Path | None = None, trace: Sequence[tuple[float, float]] = (), **keys: Any
) -> Config:
    """A validated config from keyword sections; ``trace`` rows become ``load.trace_csv``."""
    data: dict[str, Any] = {"name": "test", "duration_h": 24.0}
    data.update(keys)
    if trace:
        assert folder is not None
        load = {**data.get("load", {}), "trace_csv": str(write_trace(folder / "load.csv", trace))}
        data["load"] = load
    return config_from_dict(data)


@pytest.fixture
def config_factory(tmp_path: Path):
    """``config_factory(trace=[...], battery={...}, ...)`` -> Config."""

    def factory(trace: Sequence[tuple[float, float]] = (), **keys: Any) -> Config:
        return make_config(tmp_path, trace, **keys)

    return factory
