"""Invariants with turbines and ramps in the mix (hypothesis).

The scenarios of :mod:`tests.test_properties`, plus up to two turbine groups (with permit limits,
forced and scheduled trips) and the ``smooth`` policy. Powers are now lines between events, so
every check is made at both ends of each segment: the power balance, grid, battery and turbine
limits, unserved and surplus never negative, the stored-energy bookkeeping with the exact
quadratic integrals, permit limits, and summary = integral of the timeseries. Half the cases
add a GPU cluster with failing jobs that load management may cap and shed.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.cluster_invariants import checked_cluster
from tests.test_properties import REL, SETTINGS, floats, in_outage, run_scenario, scenarios


@st.composite
def island_scenarios(draw):
    sc = draw(scenarios())
    groups = []
    for k in range(draw(st.integers(1, 2))):
        group = {
            "name": f"g{k}",
            "count": draw(st.integers(1, 6)),
            "p_nom_mw": draw(floats(1.0, 60.0)),
            "p_min_pu": draw(floats(0.0, 0.6)),
            "start_s": draw(st.sampled_from([0.0, 60.0, 600.0, 1800.0])),
            "ramp_mw_per_min": draw(floats(0.5, 50.0)),
            "min_run_s": draw(st.sampled_from([0.0, 900.0, 3600.0])),
            "no_load_fuel_pu": draw(floats(0.0, 0.5)),
            "trip_rate_per_1000h": draw(st.sampled_from([0.0, 0.0, 100.0])),
            "trip_repair_h": draw(floats(0.0, 10.0)),
        }
        if draw(st.booleans()):
            group["ramp_down_mw_per_min"] = draw(floats(0.5, 50.0))
        if draw(st.booleans()):
            group["max_starts_per_year"] = draw(st.integers(0, 4))
        if draw(st.booleans()):
            group["max_run_hours_per_year"] = draw(floats(0.0, 10.0))
        groups.append(group)
    sc["turbines"] = groups
    sc["turbine_trips"] = [
        {"time_h": draw(floats(0.0, 40.0)), "turbine": "g0", "units": draw(st.integers(1, 3))}
        for _ in range(draw(st.integers(0, 2)))
    ]
    if draw(st.booleans()):
        sc["dispatch"] = {
            **{k: v for k, v in sc["dispatch"].items() if k == "load_management"},
            "policy": "smooth",
            "ramp_limit_mw_per_min": draw(floats(0.1, 100.0)),
        }
        sc["grid"].pop("tariff", None)
    if draw(st.booleans()):
        sc["dispatch"]["turbine_stop_soc"] = draw(floats(0.0, 1.0))
    if draw(st.booleans()):  # a cluster with jobs on top of the load, and shedding
        nodes = draw(st.integers(1, 400))
        failures = {"rate_per_node_day": draw(floats(0.0, 5.0))}
        if draw(st.booleans()):
            failures.update(distribution="weibull", shape=draw(floats(0.3, 5.0)))
        sc["cluster"] = {
            "pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8 * nodes, "spare_gpus": 8}],
            "failures": failures,
            "repair_h": draw(floats(0.1, 10.0)),
        }
        sc["jobs"] = [
            {
                "name": f"j{k}",
                "pool": "p",
                "gpus": 8 * draw(st.integers(1, nodes)),
                "checkpoint_interval_s": draw(floats(60.0, 7200.0)),
                "checkpoint_write_s": draw(floats(0.0, 300.0)),
                "restart_s": draw(floats(0.0, 1200.0)),
                "priority": draw(st.integers(0, 2)),
                "submit_h": draw(st.sampled_from([0.0, 0.0, draw(floats(0.0, 30.0))])),
            }
            for k in range(draw(st.integers(1, 3)))
        ]
        order = draw(
            st.sampled_from(
                [
                    ["shed"],
                    ["cap"],
                    ["cap", "shed"],
                    ["shed", "cap"],
                    ["pause"],
                    ["cap", "pause", "shed"],
                ]
            )
        )
        sc["dispatch"]["load_management"] = {"order": order, "it_floor_pu": draw(floats(0.0, 1.0))}
        sc["load"] = {}
    if draw(st.booleans()):  # a cooling plant on the bus (synthetic Memphis weather)
        sc["cooling"] = {
            "type": draw(st.sampled_from(["liquid", "air"])),
            "chillers": {
                "count": draw(st.integers(0, 4)),
                "capacity_mw": draw(floats(1.0, 120.0)),
                "failure_rate_per_1000h": draw(st.sampled_from([0.0, 50.0])),
                "repair_h": draw(floats(0.5, 10.0)),
                "on_backup": draw(st.booleans()),
                "restart_s": draw(floats(0.0, 3600.0)),
            },
            "economizer": draw(st.booleans()),
        }
        sc["weather"] = {
            "heat_waves": [{"start_h": draw(floats(0.0, 20.0)), "duration_h": 5, "delta_c": 8}]
        }
    return sc


def line_ends(seg, column: str, dt_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values of a power column at the start and at the end of each segment."""
    p = seg[column].to_numpy()
    ramp = column.removesuffix("_mw") + "_ramp_mw_per_s"
    r = seg[ramp].to_numpy() if ramp in seg else np.zeros(len(seg))
    return p, p + r * dt_s


@SETTINGS
@given(island_scenarios())
def test_invariants_hold_with_turbines_and_ramps(sc):
    with checked_cluster():  # the cluster's bookkeeping, after every bus update
        result = run_scenario(sc)
    seg = result.segments
    bat = sc["battery"]
    end_s = sc["duration_h"] * 3600
    t_s = seg["time_s"].to_numpy()
    dt_s = np.diff(t_s, append=end_s)
    cols = ("load_mw", "grid_mw", "turbines_mw", "battery_mw", "unserved_mw", "curtailed_mw")
    ends = {c: line_ends(seg, c, dt_s) for c in cols}
    scale = max(
        1.0, seg["load_mw"].abs().max(), sum(g["count"] * g["p_nom_mw"] for g in sc["turbines"])
    )
    fleet_mw = sum(g["count"] * g["p_nom_mw"] for g in sc["turbines"])
    limit = sc["grid"]["import_limit_mw"]
    p_charge_max = bat.get("charge_power_mw", bat["power_mw"])
    up = seg["grid_up_pu"].to_numpy() == 1.0
    tol = REL * scale
    for side in (0, 1):
        v = {c: ends[c][side] for c in cols}
        # Balance: grid + turbines + battery + unserved = load + surplus, at both ends.
        supply = v["grid_mw"] + v["turbines_mw"] + v["battery_mw"] + v["unserved_mw"]
        assert np.all(np.abs(supply - v["load_mw"] - v["curtailed_mw"]) <= tol)
        assert np.all(v["unserved_mw"] >= -tol)
        assert np.all(v["curtailed_mw"] >= -tol)
        assert np.all(v["grid_mw"] >= -tol)
        if limit is not None:
            assert np.all(v["grid_mw"] <= limit + tol)
        assert np.all(np.abs(v["grid_mw"][~up]) <= tol)
        assert np.all(v["turbines_mw"] >= -tol)
        assert np.all(v["turbines_mw"] <= fleet_mw + tol)
        assert np.all(v["battery_mw"] <= bat["power_mw"] + tol)
        assert np.all(-v["battery_mw"] <= p_charge_max + tol)
    # Turbines never give more than the units online can.
    online = seg["turbines_online"].to_numpy()
    biggest = max(g["p_nom_mw"] for g in sc["turbines"])
    assert np.all(np.maximum(*ends["turbines_mw"]) <= online * biggest + tol)
    # The grid is down exactly inside the configured outages.
    assert not np.any(up[in_outage(t_s, sc["grid"]["outages"])])

    # SOC window, and stored energy moves by exactly ∫charge·η_c − ∫discharge/η_d.
    e_nom = bat["energy_mwh"]
    e = seg["battery_energy_mwh"].to_numpy()
    if e_nom > 0:
        soc = seg["battery_soc"].to_numpy()
        assert np.all(soc >= bat["soc_min"] - REL)
        assert np.all(soc <= bat["soc_max"] + REL)
    p, r = seg["battery_mw"].to_numpy(), seg["battery_ramp_mw_per_s"].to_numpy()
    through_mwh = (p + 0.5 * r * dt_s) * dt_s / 3600
    discharging = (p > 0) | ((p == 0) & (r > 0))
    de = np.where(
        discharging,
        -through_mwh / bat["efficiency_discharge"],
        -through_mwh * bat["efficiency_charge"],
    )
    assert np.allclose(np.diff(e), de[:-1], rtol=0, atol=REL * max(e_nom, 1.0) * 10)

    # Permit limits: starts per unit (counted from the events) and hours (from the report).
    ev = result.events
    groups = {g["name"]: g for g in sc["turbines"]}
    starts = Counter(
        (src, detail.split(":")[0])
        for src, detail in zip(
            ev.loc[ev["kind"] == "turbine_start", "source"],
            ev.loc[ev["kind"] == "turbine_start", "detail"],
            strict=True,
        )
    )
    for (name, _unit), n in starts.items():
        limit_starts = groups[name].get("max_starts_per_year")
        if limit_starts is not None:
            assert n <= limit_starts * (1 + int(sc["duration_h"] // 8760))
    for report in result.summary["turbines"]["groups"]:
        limit_h = groups[report["name"]].get("max_run_hours_per_year")
        if limit_h is not None:
            assert report["most_run_hours_in_a_year"] <= limit_h + 1e-6

    # Summary energies equal the integral of the regular timeseries.
    ts = result.timeseries
    width_h = np.diff(np.append(ts["time_h"].to_numpy(), sc["duration_h"]))
    for key in ("load", "grid", "turbines", "battery_discharge", "battery_charge", "unserved"):
        integral = float(ts[f"{key}_mw"].to_numpy() @ width_h)
        total = result.summary["energy_mwh"][key]
        assert abs(integral - total) <= REL * max(1.0, abs(total)) * 10
