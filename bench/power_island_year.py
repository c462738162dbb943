"""Benchmark: a year of a Colossus-1-sized power island (issue 3).

300 MW grid connection, 15 Solar Titan 130 turbines (16.5 MW, 10 min start, 5 MW/min, permit
22 starts and 110 h a year per unit, forced trips at 1 per 1000 running hours), an 800 MWh /
250 MW battery, peak shaving at 270 MW with load management (IT capped to 80 %). Load: 100,000
random steps in [180, 280] MW over the year (seeded). Ten grid outages (exponential durations,
mean 2 h) and twenty 2 h demand-response windows capping import at 200 MW, at seeded random
times. Prints the engine's events, the simulation's wall seconds (median of several runs) and
events per second.

    python bench/power_island_year.py [--repeat 5]

Target (issue 3): simulation <= 2 s on one core of the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
from microgrid_year import YEAR_H, timed_runs, write_trace  # bench/ is on sys.path

from sim.config import config_from_dict

N_CHANGES = 100_000


def windows(rng: np.random.Generator, n: int, durations_h: np.ndarray) -> list[dict]:
    """``n`` non-overlapping windows at random starts, in time order."""
    slot_h = YEAR_H / n
    starts_h = np.arange(n) * slot_h + rng.uniform(0.0, slot_h - durations_h.max() - 1.0, n)
    return [
        {"start_h": float(s), "duration_h": float(d)}
        for s, d in zip(starts_h, durations_h, strict=True)
    ]


def config(folder: Path, seed: int = 2026) -> dict:
    rng = np.random.default_rng(seed)
    trace = write_trace(folder, N_CHANGES, lo_mw=180.0, hi_mw=280.0, rng=rng)
    outages = windows(rng, 10, np.minimum(rng.exponential(2.0, 10), 24.0))
    dr = [w | {"limit_mw": 200.0} for w in windows(rng, 20, np.full(20, 2.0))]
    # DR windows sit in their own half of each slot, away from the outages.
    for w in dr:
        w["start_h"] = w["start_h"] / 2 + YEAR_H / 2
    return {
        "name": "power_island_year",
        "duration_h": YEAR_H,
        "output": {"resolution_s": 3600},
        "load": {"trace_csv": str(trace)},
        "grid": {"import_limit_mw": 300, "outages": outages, "demand_response": dr},
        "battery": {"energy_mwh": 800, "power_mw": 250, "soc_initial": 0.8},
        "turbines": [
            {
                "name": "smt130",
                "count": 15,
                "p_nom_mw": 16.5,
                "ramp_mw_per_min": 5.0,
                "start_s": 600,
                "trip_rate_per_1000h": 1.0,
                "max_starts_per_year": 22,
                "max_run_hours_per_year": 110,
            }
        ],
        "dispatch": {
            "policy": "peak_shave",
            "grid_target_mw": 270,
            "load_management": {"order": ["cap"], "it_floor_pu": 0.8},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = config_from_dict(config(Path(tmp)))
        result, sim_s, total_s = timed_runs(cfg, args.repeat)
    s = result.summary
    sim_med = statistics.median(sim_s)
    t = s["turbines"]
    print(f"events:                      {s['run']['events']:,}")
    print(f"segments recorded:           {s['run']['segments']:,}")
    print(
        f"simulation wall s (median):  {sim_med:.3f}  (min {min(sim_s):.3f}, max {max(sim_s):.3f},"
        f" n={len(sim_s)})"
    )
    print(f"events per wall s:           {s['run']['events'] / sim_med:,.0f}")
    print(f"whole run() wall s (median): {statistics.median(total_s):.3f}")
    print(f"unserved MWh:                {s['unserved_mwh']:.3f}")
    print(f"outages ridden through:      {sum(map(bool, s['outage_ride_through']))} of 10")
    print(
        f"turbines: {t['starts']} starts, {t['run_hours']:.1f} unit-h, {t['trips']} trips,"
        f" {t['fuel_mmbtu']:,.0f} MMBtu, permit use {t['permit_use_pu']:.2f}"
    )


if __name__ == "__main__":
    main()
