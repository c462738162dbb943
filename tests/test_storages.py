"""Several storages on one bus (``battery:`` as a list): dispatched in order, each recorded and
reported on its own. Expected values are computed by hand in each test."""

from __future__ import annotations

import math

import pytest

from sim.config import ConfigError, config_from_dict
from sim.power.battery import Battery
from sim.power.storage_plant import StoragePlant
from sim.runner import run

LOAD_MW = 10.0
OUTAGE_H = (1.0, 3.0)  # start, duration


def outage_config(storages: list[dict], hours: float = 9.0) -> dict:
    return {
        "name": "two_storages",
        "duration_h": hours,
        "output": {"resolution_s": 360},
        "load": {"constant_mw": LOAD_MW},
        "grid": {
            "import_limit_mw": 20.0,
            "outages": [{"start_h": OUTAGE_H[0], "duration_h": OUTAGE_H[1]}],
        },
        "battery": storages,
        # recharge at full power (the import limit's headroom), not under the month's peak
        "dispatch": {"policy": "backup", "recharge_under_peak": False},
    }


A = {"name": "a", "energy_mwh": 10.0, "power_mw": 20.0, "efficiency_charge": 0.9,
     "efficiency_discharge": 0.9, "soc_min": 0.0}  # fmt: skip
B = {"name": "b", "energy_mwh": 25.0, "power_mw": 20.0, "efficiency_charge": 1.0,
     "efficiency_discharge": 1.0, "soc_min": 0.0}  # fmt: skip


def energy_at(segments, column: str, t_h: float) -> float:
    """A storage's energy at ``t_h`` [MWh]: its row's value moved along the row's line."""
    rows = segments[segments["time_h"] <= t_h + 1e-12]
    row = rows.iloc[-1]
    name = column.removesuffix("_energy_mwh")
    dt_s = (t_h - row["time_h"]) * 3600.0
    p, r = row[f"{name}_mw"], row[f"{name}_ramp_mw_per_s"]
    moved_mwh = (p * dt_s + 0.5 * r * dt_s**2) / 3600.0
    eta = A["efficiency_discharge"] if name.endswith("_a") else B["efficiency_discharge"]
    return row[column] - (moved_mwh / eta if moved_mwh > 0 else moved_mwh)


def test_an_outage_is_carried_by_a_to_its_floor_then_by_b() -> None:
    """10 MW for 3 h of outage from hour 1. A (10 MWh, η 0.9) gives 10 × 0.9 = 9 MWh at the
    bus: empty after 9 / 10 = 0.9 h, at hour 1.9. B (25 MWh, η 1) carries the rest, 30 − 9 = 21
    MWh, to hour 4: 4 MWh left. Then the grid (20 MW limit, 10 MW headroom) recharges in the
    reverse order: B's 21 MWh at 10 MW take 2.1 h (full at 6.1 h), then A's 10 MWh of cells
    take 10 / 0.9 MWh from the bus at 10 MW: 1.111 h (full at 7.2111 h)."""
    result = run(config_from_dict(outage_config([A, B])))
    s = result.summary
    seg = result.segments
    assert s["unserved_mwh"] == pytest.approx(0.0, abs=1e-9)
    events = result.events
    empty = events[events["kind"] == "battery_empty"]
    assert list(empty["source"]) == ["a"]
    assert empty["time_h"].iloc[0] == pytest.approx(1.9, rel=1e-9)
    full = events[events["kind"] == "battery_full"]
    assert list(full["source"]) == ["b", "a"]
    assert full["time_h"].iloc[0] == pytest.approx(6.1, rel=1e-9)
    assert full["time_h"].iloc[1] == pytest.approx(6.1 + 10.0 / 0.9 / 10.0, rel=1e-9)
    assert energy_at(seg, "storage_b_energy_mwh", 1.9) == pytest.approx(25.0, rel=1e-9)
    assert energy_at(seg, "storage_b_energy_mwh", 4.0) == pytest.approx(4.0, rel=1e-9)
    # each storage's summary: cycles = energy discharged at the bus / nominal energy
    a, b = s["storages"]["a"], s["storages"]["b"]
    assert a["equivalent_full_cycles"] == pytest.approx(9.0 / 10.0, rel=1e-9)
    assert b["equivalent_full_cycles"] == pytest.approx(21.0 / 25.0, rel=1e-9)
    assert a["soc_lowest"] == pytest.approx(0.0, abs=1e-9)
    assert b["soc_lowest"] == pytest.approx(4.0 / 25.0, rel=1e-9)
    assert a["soc_final"] == pytest.approx(1.0, rel=1e-9)
    assert b["soc_final"] == pytest.approx(1.0, rel=1e-9)
    # the plant as a whole is what one battery of both would be: 35 MWh nominal, 30 discharged
    assert s["battery"]["equivalent_full_cycles"] == pytest.approx(30.0 / 35.0, rel=1e-9)
    # the members' powers add up to the plant's at every segment
    members = seg["storage_a_mw"] + seg["storage_b_mw"]
    assert (members - seg["battery_mw"]).abs().max() < 1e-9


def test_one_storage_in_a_list_is_one_battery() -> None:
    """A list of one is the same run as the mapping (no columns or section of its own)."""
    one = run(config_from_dict(outage_config([B])))
    mapping = run(config_from_dict({**outage_config([B]), "battery": {**B}}))
    assert one.summary["battery"] == mapping.summary["battery"]
    assert "storages" not in one.summary


def test_discharge_fills_in_order_and_the_marginal_member_takes_the_ramp() -> None:
    """A (limit 4 MW) then B (limit 6 MW): 7 MW rising at 0.01 MW/s puts A at 4 MW and B at
    3 MW + the ramp; B reaches its 6 MW limit after (6 − 3) / 0.01 = 300 s: the split's end."""
    a = Battery(10.0, 4.0, 4.0, soc_initial=0.5)
    b = Battery(10.0, 6.0, 6.0, soc_initial=0.5)
    plant = StoragePlant([("a", a), ("b", b)])
    lines, split_s = plant.split(7.0, 0.01, 0.0)
    assert lines == [(4.0, 0.0), (3.0, 0.01)]
    assert split_s == pytest.approx(300.0)
    # charging goes the other way: B first; 8 MW falling at 0.01 MW/s: B full at 6, A has 2
    # and the ramp; A's share reaches 0 after 2 / 0.01 = 200 s, then B takes the ramp
    lines, split_s = plant.split(-8.0, 0.01, 0.0)
    assert lines == [(-2.0, 0.01), (-6.0, 0.0)]
    assert split_s == pytest.approx(200.0)


def test_the_reserve_is_kept_in_the_storages_dispatched_last() -> None:
    """Reserves 0.5 × 10 and 0 × 10: the plant's floor while the grid is up is 5 MWh. With 8
    MWh asked (5 + 3 kept for pausing, say) the last storage keeps what its top allows."""
    a = Battery(10.0, 4.0, 4.0, reserve_soc=0.5)
    b = Battery(10.0, 6.0, 6.0)
    plant = StoragePlant([("a", a), ("b", b)])
    assert plant.floors(5.0) == (5.0, 0.0)
    assert plant.floors(8.0) == (5.0, 3.0)
    assert plant.floors(0.0) == (0.0, 0.0)  # an outage: down to soc_min
    assert plant.floors(2.0) == (0.0, 2.0)
    assert plant.floors(17.0) == (7.0, 10.0)


def test_the_time_to_a_total_top_counts_every_member() -> None:
    """Charging 3 MW into A (η_c 0.8) and 2 MW into B (η_c 1): the cells gain 3 × 0.8 + 2 =
    4.4 MW; from 5 + 5 MWh to a top of 14 MWh takes 4 / 4.4 h."""
    a = Battery(10.0, 3.0, 3.0, efficiency_charge=0.8, soc_initial=0.5)
    b = Battery(10.0, 2.0, 2.0, soc_initial=0.5)
    plant = StoragePlant([("a", a), ("b", b)])
    t_s = plant.line_seconds_to_bound(-5.0, 0.0, -1, 0.0, 14.0)
    assert t_s == pytest.approx(4.0 / 4.4 * 3600.0, rel=1e-12)
    assert math.isinf(plant.line_seconds_to_bound(0.0, 0.0, 0, 0.0))


@pytest.mark.parametrize(
    ("battery", "where", "says"),
    [
        ([{**A, "name": None}, B], "battery[0].name", "required when battery: is a list"),
        ([A, {**B, "name": "a"}], "battery[1].name", "must differ from every other storage"),
        ([A, {**B, "energy_mwh": -1}], "battery[1].energy_mwh", "greater than or equal to 0"),
        ([A, {**B, "bogus": 1}], "battery[1].bogus", "unknown key"),
        ([], "battery", "at least 1 item"),
    ],
)
def test_bad_lists_name_the_storage(battery: list, where: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict(outage_config(battery))
    assert f"{where}: " in str(caught.value)
    assert says in str(caught.value)
