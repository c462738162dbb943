"""The bus's plain update (sim.bus_plain): chosen for a site of a load, the grid and one
battery only, and giving that site the very segments the general update gives it."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.config import config_from_dict
from sim.dispatch import Bus
from sim.facility import Facility
from sim.runner import run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from microgrid_year import write_trace


def microgrid(folder: Path, **more) -> dict:
    """A 30-day microgrid (the microgrid year's kind, 4,000 load changes over a year drawn
    from its generator), with a grid outage: the battery goes down to its minimum."""
    return {
        "name": "plain",
        "duration_h": 720.0,
        "load": {"trace_csv": str(write_trace(folder, changes=4_000))},
        "battery": {"energy_mwh": 0.4, "power_mw": 0.25, "soc_initial": 0.5},
        "grid": {"outages": [{"start_h": 100.0, "duration_h": 1.5}]},
        "dispatch": {"policy": "peak_shave", "grid_target_mw": 0.9},
    } | more


def test_chosen_only_for_a_load_the_grid_and_one_battery(tmp_path) -> None:
    assert Facility(config_from_dict(microgrid(tmp_path))).bus._plain
    managed = microgrid(tmp_path, dispatch={"policy": "peak_shave", "grid_target_mw": 0.9,
                        "load_management": {"order": ["cap"], "it_floor_pu": 0.8}})  # fmt: skip
    assert not Facility(config_from_dict(managed)).bus._plain


def test_same_segments_as_the_general_update(tmp_path, monkeypatch) -> None:
    config = config_from_dict(microgrid(tmp_path))
    fast = run(config)
    init = Bus.__init__

    def general(bus: Bus, *args, **kwargs) -> None:  # the general update everywhere
        init(bus, *args, **kwargs)
        bus._plain = False

    monkeypatch.setattr(Bus, "__init__", general)
    monkeypatch.setattr(Bus, "_update_plain", None)  # (were it called, it would fail)
    general = run(config)
    assert fast.summary["run"]["events"] == general.summary["run"]["events"] > 4_000 * 30 / 365
    assert fast.segments is not None
    assert general.segments is not None
    pd.testing.assert_frame_equal(fast.segments, general.segments, check_exact=True)
    assert fast.events.equals(general.events)
    assert (fast.events["kind"] == "battery_empty").any()  # the outage's floor was reached


if __name__ == "__main__":
    pytest.main([__file__])
