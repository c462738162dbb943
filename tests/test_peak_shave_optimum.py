"""peak_shave against an independent optimum: the lowest feasible grid peak from a small LP.

For an hourly load profile and a battery, the LP (scipy/HiGHS) chooses hourly charge c_t and
discharge d_t to minimise the peak G of grid import g_t = L_t + c_t − d_t, subject to
e_{t+1} = e_t + η_c·c_t·Δt − d_t/η_d·Δt, e_min ≤ e_t ≤ e_max, 0 ≤ c_t, d_t ≤ P, g_t ≥ 0.
The policy, given G* as its target, must hold the grid at or under G*; given a lower target,
it must fail to (no policy can beat the optimum).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import linprog

from sim.runner import run

LOAD_MW = [60, 55, 52, 50, 52, 58, 70, 85, 95, 100, 104, 108,
           110, 112, 111, 107, 103, 98, 92, 88, 80, 72, 66, 62]  # fmt: skip
# Starts nearly empty: reaching the optimum needs the night's recharge at full power.
BATTERY = {"energy_mwh": 80.0, "power_mw": 14.0, "eta_c": 0.95, "eta_d": 0.95,
           "soc_min": 0.1, "soc_max": 1.0, "soc_initial": 0.1}  # fmt: skip


def lowest_peak_mw(load_mw: list[float], b: dict) -> float:
    """The LP above; variables x = [c_0..c_{n-1}, d_0..d_{n-1}, G]."""
    n = len(load_mw)
    e0, e_min, e_max = (b["energy_mwh"] * b[k] for k in ("soc_initial", "soc_min", "soc_max"))
    cost = np.zeros(2 * n + 1)
    cost[-1] = 1.0
    rows, rhs = [], []
    for t in range(n):  # g_t <= G  and  g_t >= 0
        row = np.zeros(2 * n + 1)
        row[t], row[n + t], row[-1] = 1.0, -1.0, -1.0
        rows.append(row)
        rhs.append(-load_mw[t])
        row = np.zeros(2 * n + 1)
        row[t], row[n + t] = -1.0, 1.0
        rows.append(row)
        rhs.append(load_mw[t])
    for t in range(1, n + 1):  # e_min <= e_t <= e_max, e_t = e0 + sum(eta_c c - d/eta_d)
        row = np.zeros(2 * n + 1)
        row[:t] = b["eta_c"]
        row[n : n + t] = -1.0 / b["eta_d"]
        rows.append(row)
        rhs.append(e_max - e0)
        rows.append(-row)
        rhs.append(e0 - e_min)
    bounds = [(0.0, b["power_mw"])] * (2 * n) + [(0.0, None)]
    res = linprog(cost, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return float(res.x[-1])


def shave(config_factory, target_mw: float) -> float:
    b = BATTERY
    config = config_factory(
        trace=[(float(h), float(p)) for h, p in enumerate(LOAD_MW)],
        duration_h=len(LOAD_MW),
        battery={
            "energy_mwh": b["energy_mwh"],
            "power_mw": b["power_mw"],
            "efficiency_charge": b["eta_c"],
            "efficiency_discharge": b["eta_d"],
            "soc_min": b["soc_min"],
            "soc_max": b["soc_max"],
            "soc_initial": b["soc_initial"],
        },
        dispatch={"policy": "peak_shave", "grid_target_mw": target_mw},
    )
    return run(config).summary["peak_mw"]["grid"]


def test_lp_optimum_is_below_the_unshaved_peak():
    optimum = lowest_peak_mw(LOAD_MW, BATTERY)
    assert optimum < max(LOAD_MW) - 5  # the battery matters in this case
    assert optimum > max(LOAD_MW) - BATTERY["power_mw"]  # and is energy-limited, not power


def test_peak_shave_reaches_the_optimum(config_factory):
    optimum = lowest_peak_mw(LOAD_MW, BATTERY)
    assert shave(config_factory, optimum) == pytest.approx(optimum, rel=1e-6)


@pytest.mark.parametrize("below_pu", [0.995, 0.97, 0.9])
def test_peak_shave_cannot_beat_the_optimum(config_factory, below_pu):
    optimum = lowest_peak_mw(LOAD_MW, BATTERY)
    peak = shave(config_factory, optimum * below_pu)
    assert peak > optimum * below_pu
    assert peak >= optimum * (1 - 1e-6)
    assert math.isfinite(peak)
