"""The component contract: a source registered from this file alone runs through an outage.

The toy is a 10 MW fuel cell with a constant price and (in one case) a tank of fuel. Nothing in
``sim/`` knows it: it is registered with :func:`sim.contracts.register_source`, and the bus
balances it, the recorder keeps its column and the summary holds its section.

The site, by hand: a constant 30 MW load on an unlimited grid, a 40 MWh / 40 MW battery (100 %
efficient, full), policy ``backup`` recharging at full power, a grid outage from hour 2 to hour
3, five hours in all. In the outage the fuel cell gives 10 MW and the battery the other 20 MW.
With an unlimited tank the battery gives 20 MWh and is recharged at 40 MW from hour 3 for
0.5 h: the grid imports 2·30 + 0.5·(30 + 40) + 1.5·30 = 140 MWh, the fuel cell 10 MWh at 80
USD/MWh = 800 USD. With a 5 MWh tank the fuel cell runs dry at hour 2.5 (its own threshold, an
event) and the battery carries all 30 MW for the last half hour: it gives 0.5·20 + 0.5·30 = 25
MWh, is recharged in 25/40 = 0.625 h, and the grid imports 60 + 0.625·70 + 1.375·30 = 145 MWh.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from sim.config import Config, config_from_dict
from sim.contracts import SOURCES, Source, register_source, unregister_source
from sim.recorder import segment_energy_mw_s
from sim.runner import run
from sim.units import S_PER_H

SITE = {
    "name": "fuel-cell",
    "duration_h": 5,
    "load": {"constant_mw": 30},
    "grid": {"outages": [{"start_h": 2, "duration_h": 1}]},
    "battery": {
        "energy_mwh": 40,
        "power_mw": 40,
        "efficiency_charge": 1.0,
        "efficiency_discharge": 1.0,
        "soc_initial": 1.0,
    },
    "dispatch": {"policy": "backup", "recharge_under_peak": False},  # recharge at full power
    "output": {"resolution_s": 1800},
}


class FuelCell:
    """A toy source: up to ``p_max_mw`` [MW] at a constant price, from a tank of fuel [MWh
    of output]."""

    name = "fuel_cell"
    columns = ("fuel_cell_mw",)

    def __init__(self, p_max_mw: float, price_usd_per_mwh: float, tank_mwh: float = math.inf):
        self.p_max_mw = p_max_mw
        self.price_usd_per_mwh = price_usd_per_mwh
        self.tank_mwh = tank_mwh
        self.p_mw = 0.0
        self.advanced_mwh = 0.0  # output integrated by advance() [MWh]

    def limit_mw(self) -> float:
        return self.p_max_mw if self.tank_mwh > 1e-9 else 0.0

    def set_power(self, p_mw: float) -> None:
        self.p_mw = p_mw

    def advance(self, dt_s: float) -> None:
        moved_mwh = self.p_mw * dt_s / S_PER_H
        self.advanced_mwh += moved_mwh
        left_mwh = self.tank_mwh - moved_mwh
        self.tank_mwh = 0.0 if left_mwh <= 1e-9 else left_mwh

    def next_threshold_s(self) -> float:
        return self.tank_mwh / self.p_mw * S_PER_H if self.p_mw > 0.0 else math.inf

    def values(self) -> tuple[float, ...]:
        return (self.p_mw,)

    def report(self, segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
        energy_mwh = float(segment_energy_mw_s(segments, "fuel_cell_mw", end_s).sum()) / S_PER_H
        return {"energy_mwh": energy_mwh, "cost_usd": energy_mwh * self.price_usd_per_mwh}


@pytest.fixture
def fuel_cells() -> Iterator[list[FuelCell]]:
    """The fuel cells built in a test (see :func:`register`); the registration is removed
    after it."""
    built: list[FuelCell] = []
    yield built
    unregister_source("fuel_cell")


def register(built: list[FuelCell], tank_mwh: float) -> None:
    def factory(config: Config) -> FuelCell:
        cell = FuelCell(10.0, 80.0, tank_mwh)
        built.append(cell)
        return cell

    register_source("fuel_cell", factory)


def test_the_toy_meets_the_source_contract():
    assert isinstance(FuelCell(10.0, 80.0), Source)


@pytest.mark.parametrize(
    ("tank_mwh", "fuel_cell_mwh", "battery_mwh", "grid_mwh", "recharge_h"),
    [(math.inf, 10.0, 20.0, 140.0, 0.5), (5.0, 5.0, 25.0, 145.0, 0.625)],
)
def test_a_registered_source_carries_an_outage(
    fuel_cells, tank_mwh, fuel_cell_mwh, battery_mwh, grid_mwh, recharge_h
):
    register(fuel_cells, tank_mwh)
    result = run(config_from_dict(SITE))
    s = result.summary
    (cell,) = fuel_cells
    # it balances: nothing unserved, nothing spilled, energy by source as computed by hand
    assert s["unserved_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert s["curtailed_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert s["energy_mwh"]["battery_discharge"] == pytest.approx(battery_mwh, rel=1e-12)
    assert s["energy_mwh"]["battery_charge"] == pytest.approx(battery_mwh, rel=1e-12)
    assert s["energy_mwh"]["grid"] == pytest.approx(grid_mwh, rel=1e-12)
    # its section of the summary, from its own report(); its own integral agrees
    assert s["fuel_cell"]["energy_mwh"] == pytest.approx(fuel_cell_mwh, rel=1e-12)
    assert s["fuel_cell"]["cost_usd"] == pytest.approx(80.0 * fuel_cell_mwh, rel=1e-12)
    assert cell.advanced_mwh == pytest.approx(fuel_cell_mwh, rel=1e-12)
    # its column in the record, and in the timeseries (half-hour bins)
    seg = result.segments
    at = seg.set_index("time_h")["fuel_cell_mw"]
    assert at[2.0] == 10.0
    assert seg.loc[seg["time_h"] < 2.0, "fuel_cell_mw"].eq(0.0).all()
    assert seg.loc[seg["time_h"] >= 3.0, "fuel_cell_mw"].eq(0.0).all()
    ts = result.timeseries.set_index("time_h")["fuel_cell_mw"]
    assert ts[2.0] == pytest.approx(10.0, rel=1e-12)
    assert ts[2.5] == pytest.approx(10.0 if tank_mwh == math.inf else 0.0, abs=1e-9)
    assert ts.drop([2.0, 2.5]).abs().max() == pytest.approx(0.0, abs=1e-12)
    # the battery is back to full after the recharge computed by hand
    full_h = seg.loc[seg["battery_mw"].lt(0.0), "time_h"]
    assert full_h.min() == pytest.approx(3.0, rel=1e-12)
    ends = seg.loc[seg["time_h"] > 3.0, ["time_h", "battery_mw"]]
    assert ends.loc[ends["battery_mw"].eq(0.0), "time_h"].min() == pytest.approx(
        3.0 + recharge_h, rel=1e-12
    )


def test_without_a_registration_nothing_changes(fuel_cells):
    """Unregistered, the same site rides the outage on the battery alone (30 MWh)."""
    assert "fuel_cell" not in SOURCES
    s = run(config_from_dict(SITE)).summary
    assert "fuel_cell" not in s
    assert s["energy_mwh"]["battery_discharge"] == pytest.approx(30.0, rel=1e-12)


def test_a_name_is_registered_once(fuel_cells):
    register(fuel_cells, math.inf)
    with pytest.raises(ValueError, match="registered already"):
        register(fuel_cells, math.inf)
