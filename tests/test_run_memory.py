"""A finished run frees its facility and its record by reference counting (issue 19): no
cycle keeps them, so serial runs in one process do not pile up memory until the cyclic
collector's next pass."""

from __future__ import annotations

import gc
import weakref

import sim.runner
from sim.config import config_from_dict
from sim.facility import Facility


def test_run_leaves_no_facility_behind(monkeypatch):
    made: list[weakref.ref] = []

    class Tracked(Facility):
        def __init__(self, config):
            super().__init__(config)
            made.append(weakref.ref(self))
            made.append(weakref.ref(self.recorder))

    monkeypatch.setattr(sim.runner, "Facility", Tracked)
    config = config_from_dict(
        {
            "name": "tiny",
            "duration_h": 2,
            "load": {"constant_mw": 1.0},
            "battery": {"energy_mwh": 1.0, "power_mw": 0.5},
            "grid": {"outages": [{"start_h": 0.5, "duration_h": 0.5}]},
        }
    )
    gc.disable()  # only reference counting may free it
    try:
        result = sim.runner.run(config)
        assert result.summary["energy_mwh"]["load"] > 0.0
        # (the SimPy environment itself may wait in a small cycle, a suspended process and
        # the event it waits on, for the collector: the record is the memory that counts)
        assert len(made) == 2
        assert [ref() for ref in made] == [None, None]
    finally:
        gc.enable()
