"""Benchmark: the power-island year with a cooling plant and hourly weather (issue 5).

The year of ``power_island_year.py`` (300 MW grid, 15 turbines, 800 MWh battery, outages,
demand-response windows, 100,000 load changes) run without and with a liquid-cooling plant
on synthetic hourly Memphis weather (8,760 weather events): 6 × 60 MW chillers with forced
outages (50 per 1000 h, 24 h repairs), towers, free cooling. In the cooled run the IT trace
is scaled by 1/1.14 so that IT + cooling + distribution losses (PUE ≈ 1.14 since issue 14)
stays in the uncooled site's 180–280 MW envelope: the
same dispatch regime (else the cooled site sits above the grid target all year and runs its
turbines and battery far more, and the ratio measures a busier grid, not the cooling). Runs
alternate between the two configs; prints each one's median simulation wall time and the
ratio.

    python bench/cooling_year.py [--repeat 5]

Target (issue 5): with cooling within 1.5× of the time without.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import pandas as pd
from power_island_year import config  # bench/ is on sys.path when run as a script

from sim.config import config_from_dict
from sim.runner import run

IT_SCALE = 1.14  # IT + cooling + losses of the cooled site ≈ the uncooled site's load

COOLING = {
    "type": "liquid",
    "chillers": {
        "count": 6,
        "capacity_mw": 60,
        "failure_rate_per_1000h": 50,
        "repair_h": 24,
    },
}


def cooled_config(folder: Path) -> tuple[dict, dict]:
    """The power-island year without and with the cooling plant (the IT trace scaled by
    1 / IT_SCALE, written to ``folder``)."""
    base = config(folder)
    trace = pd.read_csv(base["load"]["trace_csv"])
    trace["load_mw"] /= IT_SCALE
    scaled = folder / "it_scaled.csv"
    trace.to_csv(scaled, index=False)
    cooled = {**base, "name": "cooling_year", "cooling": COOLING}
    cooled["load"] = {"trace_csv": str(scaled)}
    return base, cooled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, cooled = cooled_config(Path(tmp))
        configs = {"without": config_from_dict(base), "with": config_from_dict(cooled)}
        times: dict[str, list[float]] = {"without": [], "with": []}
        results = {}
        for _ in range(args.repeat):
            for name, cfg in configs.items():
                results[name] = run(cfg)
                times[name].append(results[name].summary["run"]["sim_wall_s"])
    med = {name: statistics.median(t) for name, t in times.items()}
    for name in ("without", "with"):
        s = results[name].summary
        print(
            f"{name:>7} cooling: events {s['run']['events']:,}, simulation wall s (median) "
            f"{med[name]:.3f} (min {min(times[name]):.3f}, max {max(times[name]):.3f})"
        )
    for name in ("without", "with"):
        t = results[name].summary["turbines"]
        print(f"{name:>7} cooling: turbine starts {t['starts']}, unit-h {t['run_hours']:.0f}")
    c = results["with"].summary["cooling"]
    print(f"ratio with / without:        {med['with'] / med['without']:.2f}")
    print(
        f"PUE {c['pue']:.3f}, WUE {c['wue_l_per_kwh']:.2f} L/kWh, water {c['water_m3']:,.0f} m³, "
        f"free cooling {c['free_cooling_h']:,.0f} h, chiller failures {c['chiller_failures']}, "
        f"throttled {c['throttled_h']:.1f} h"
    )


if __name__ == "__main__":
    main()
