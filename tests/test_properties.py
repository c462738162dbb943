"""Invariants over random loads, batteries, outages and targets (hypothesis).

Checked at every recorded event (segment row), independently of how the bus computed it:
the power balance, the SOC window, grid limits, battery power limits, the stored-energy
bookkeeping, that peak shaving only misses its target when the battery cannot do more, and that
the summary's energies equal the integral of the regular timeseries.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.runner import run
from tests.conftest import make_config

REL = 1e-9
TARIFF = {
    "seasons": [
        {
            "months": list(range(1, 13)),
            "on_peak_hours": [14, 20],
            "on_peak_usd_per_mwh": 100,
            "off_peak_usd_per_mwh": 40,
            "weekdays_only": False,
        }
    ]
}


def floats(lo: float, hi: float):
    """Physical magnitudes: no subnormal numbers (1e-320 MW is not a power anyone configures)."""
    return st.floats(lo, hi, allow_subnormal=False)


@st.composite
def scenarios(draw):
    n = draw(st.integers(1, 25))
    steps_h = draw(st.lists(floats(0.01, 3.0), min_size=n - 1, max_size=n - 1))
    times_h = np.concatenate(([0.0], np.cumsum(steps_h))).tolist()
    loads = draw(st.lists(floats(0.0, 200.0), min_size=n, max_size=n))
    duration_h = draw(floats(0.5, 40.0))
    soc_min = draw(floats(0.0, 0.5))
    soc_max = draw(floats(soc_min + 0.05, 1.0))
    soc_initial = draw(floats(soc_min, soc_max))
    reserve = draw(st.one_of(st.none(), floats(soc_min, soc_max)))
    battery = {
        "energy_mwh": draw(floats(0.0, 500.0)),
        "power_mw": draw(floats(0.0, 150.0)),
        "efficiency_charge": draw(floats(0.5, 1.0)),
        "efficiency_discharge": draw(floats(0.5, 1.0)),
        "soc_min": soc_min,
        "soc_max": soc_max,
        "soc_initial": soc_initial,
        "backup_reserve_soc": reserve,
        "aux_load_mw": draw(st.sampled_from([0.0, 0.5, 3.0])),
    }
    if draw(st.booleans()):
        battery["charge_power_mw"] = draw(floats(0.0, 150.0))
    outages = []
    t = draw(floats(0.0, 5.0))
    for _ in range(draw(st.integers(0, 3))):
        d = draw(floats(0.05, 8.0))
        outages.append({"start_h": t, "duration_h": d})
        t += d + draw(floats(0.01, 6.0))
    windows = []
    t = draw(floats(0.0, 5.0))
    for _ in range(draw(st.integers(0, 2))):
        d = draw(floats(0.05, 8.0))
        windows.append({"start_h": t, "duration_h": d, "limit_mw": draw(floats(0.0, 200.0))})
        t += d + draw(floats(0.01, 6.0))
    grid = {
        "outages": outages,
        "demand_response": windows,
        "import_limit_mw": draw(st.one_of(st.none(), floats(0.0, 250.0))),
    }
    policy = draw(st.sampled_from(["peak_shave", "backup", "arbitrage"]))
    dispatch: dict = {"policy": policy}
    if policy == "peak_shave":
        dispatch["grid_target_mw"] = draw(st.one_of(st.none(), floats(0.0, 250.0)))
    elif policy == "arbitrage":
        dispatch.update(charge_below_usd_per_mwh=50, discharge_above_usd_per_mwh=90)
        grid["tariff"] = TARIFF
    load: dict = {}
    if draw(st.booleans()):
        order = draw(st.sampled_from([["cap"], ["shed"], ["cap", "shed"], ["shed", "cap"]]))
        dispatch["load_management"] = {"order": order, "it_floor_pu": draw(floats(0.0, 1.0))}
        if "shed" in order:
            load["flexible_pu"] = draw(floats(0.0, 1.0))
    resolution_s = draw(st.sampled_from([60.0, 900.0, 3600.0, 7000.0]))
    return {
        "trace": list(zip(times_h, loads, strict=True)),
        "duration_h": duration_h,
        "battery": battery,
        "grid": grid,
        "dispatch": dispatch,
        "load": load,
        "output": {"resolution_s": resolution_s},
    }


def in_outage(time_s: np.ndarray, outages: list[dict], slack_s: float = 1e-6) -> np.ndarray:
    """Rows inside an outage, with ``slack_s`` for the rounding of event times [s]."""
    mask = np.zeros(len(time_s), dtype=bool)
    for o in outages:
        start_s, end_s = o["start_h"] * 3600, (o["start_h"] + o["duration_h"]) * 3600
        mask |= (time_s >= start_s + slack_s) & (time_s < end_s - slack_s)
    return mask


def run_scenario(sc: dict):
    """Run a drawn scenario (its ``trace`` becomes the load trace; ``sc`` loses it)."""
    with tempfile.TemporaryDirectory() as tmp:
        trace = sc.pop("trace")
        return run(make_config(Path(tmp), trace, **sc))


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Hypothesis settings of the invariant tests."""


@SETTINGS
@given(scenarios())
def test_invariants_hold_at_every_event(sc):
    trace_peak_mw = max(p for _, p in sc["trace"])
    result = run_scenario(sc)
    seg = result.segments
    bat = sc["battery"]
    e_nom = bat["energy_mwh"]
    # the bus's own scale: its largest power, the whole load trace's included (a shortfall
    # below 1e-10 of it is rounding to the bus, even if the peak comes after the run's end)
    scale = max(1.0, seg["load_mw"].abs().max(), trace_peak_mw, bat["power_mw"])

    # Power balance at every event: load = grid + discharge - charge + unserved (no curtailment).
    balance = (
        seg["grid_mw"] + seg["battery_discharge_mw"] - seg["battery_charge_mw"] + seg["unserved_mw"]
    )
    assert np.all(np.abs(balance - seg["load_mw"]) <= REL * scale)
    assert np.all(seg["curtailed_mw"] == 0.0)
    assert np.all(seg["unserved_mw"] >= 0.0)

    # Load management gives up no more than it may: demand = served + capped + shed.
    demand = seg["it_demand_mw"].to_numpy()
    capped, shed = seg["it_capped_mw"].to_numpy(), seg["it_shed_mw"].to_numpy()
    assert np.allclose(demand, seg["it_mw"] + capped + shed, rtol=REL, atol=REL)
    lm = sc["dispatch"].get("load_management")
    floor_pu = lm["it_floor_pu"] if lm and "cap" in lm["order"] else 1.0
    assert np.all(capped >= 0)
    assert np.all(capped <= (1 - floor_pu) * demand * (1 + REL) + REL)
    assert np.all(shed >= 0)
    assert np.all(shed <= sc["load"].get("flexible_pu", 0.0) * demand * (1 + REL) + REL)

    # SOC stays within its window.
    if e_nom > 0:
        soc = seg["battery_soc"].to_numpy()
        assert np.all(soc >= bat["soc_min"] - REL)
        assert np.all(soc <= bat["soc_max"] + REL)

    # Grid within [0, limit], and zero during outages.
    grid = seg["grid_mw"].to_numpy()
    limit = sc["grid"]["import_limit_mw"]
    assert np.all(grid >= 0.0)
    if limit is not None:
        assert np.all(grid <= limit * (1 + REL))
    up = seg["grid_up_pu"].to_numpy() == 1.0
    assert np.all(grid[~up] == 0.0)
    # ... and the grid is down exactly inside the configured outages.
    inside = in_outage(seg["time_s"].to_numpy(), sc["grid"]["outages"])
    outside = ~in_outage(seg["time_s"].to_numpy(), sc["grid"]["outages"], slack_s=-1e-6)
    assert not np.any(up[inside])
    assert np.all(up[outside & (seg["time_s"].to_numpy() < sc["duration_h"] * 3600)])

    # Battery power within its limits.
    p_charge_max = bat.get("charge_power_mw", bat["power_mw"])
    assert np.all(seg["battery_discharge_mw"] <= bat["power_mw"] * (1 + REL))
    assert np.all(seg["battery_charge_mw"] <= p_charge_max * (1 + REL))

    # Stored energy moves by exactly charge·η_c − discharge/η_d between events.
    e = seg["battery_energy_mwh"].to_numpy()
    dt_h = np.diff(seg["time_s"].to_numpy()) / 3600
    de = (
        seg["battery_charge_mw"].to_numpy()[:-1] * bat["efficiency_charge"]
        - seg["battery_discharge_mw"].to_numpy()[:-1] / bat["efficiency_discharge"]
    ) * dt_h
    assert np.allclose(np.diff(e), de, rtol=0, atol=REL * max(e_nom, 1.0))

    # Inside a demand-response window, import stays under its cap.
    t_s = seg["time_s"].to_numpy()
    target = sc["dispatch"].get("grid_target_mw")
    cap = np.full(len(seg), min(x for x in (target, limit, np.inf) if x is not None))
    settled = np.ones(len(seg), dtype=bool)  # rows not within rounding of a window's edge
    for w in sc["grid"]["demand_response"]:
        inside = in_outage(t_s, [w])
        assert np.all(grid[inside] <= w["limit_mw"] * (1 + REL) + REL)
        cap[inside] = np.minimum(cap[inside], w["limit_mw"])
        for edge_h in (w["start_h"], w["start_h"] + w["duration_h"]):
            settled &= np.abs(t_s - edge_h * 3600) > 1e-6

    # Peak shaving misses its target (or a cap) only when the battery can do no more.
    up &= settled & (sc["dispatch"]["policy"] == "peak_shave")
    floor = (
        bat["backup_reserve_soc"] if bat["backup_reserve_soc"] is not None else bat["soc_min"]
    ) * e_nom
    tol = REL * max(e_nom, 1.0) * 10
    above = up & (grid > cap * (1 + REL) + REL)  # cap is per row
    at_power = seg["battery_discharge_mw"].to_numpy() >= bat["power_mw"] * (1 - REL)
    at_floor = e <= floor + tol
    assert np.all((at_power | at_floor)[above])
    below = (
        up
        & np.isfinite(cap)
        & (grid < cap * (1 - REL) - REL)
        & (seg["unserved_mw"].to_numpy() == 0)
    )
    at_charge_power = seg["battery_charge_mw"].to_numpy() >= p_charge_max * (1 - REL)
    full = e >= bat["soc_max"] * e_nom - tol
    assert np.all((at_charge_power | full)[below])

    # Summary energies equal the integral of the regular timeseries.
    ts = result.timeseries
    width_h = np.diff(np.append(ts["time_h"].to_numpy(), sc["duration_h"]))
    for key in ("load", "grid", "battery_discharge", "battery_charge", "unserved"):
        integral = float(ts[f"{key}_mw"].to_numpy() @ width_h)
        total = result.summary["energy_mwh"][key]
        assert abs(integral - total) <= REL * max(1.0, abs(total))
