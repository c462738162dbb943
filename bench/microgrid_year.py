"""Benchmark: one simulated year of a grid + battery microgrid with 50,000 load changes.

Load: piecewise constant, 50,000 changes at uniformly random times over a year, each level
uniform in [0.5, 1.1] MW (seeded). Grid target 0.9 MW (peak_shave), battery 0.4 MWh / 0.25 MW,
95 % efficiency each way. Prints the engine's event count, the wall seconds of the simulation
alone (median of several runs) and simulated seconds per wall second.

    python bench/microgrid_year.py [--repeat 7]

Target (issue 2): simulation <= 0.5 s on one core of the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np

from sim.config import Config, config_from_dict
from sim.results import Result
from sim.runner import run

N_CHANGES = 50_000
YEAR_H = 8760.0


def write_trace(
    folder: Path,
    changes: int = N_CHANGES,
    seed: int = 2026,
    lo_mw: float = 0.5,
    hi_mw: float = 1.1,
    rng: np.random.Generator | None = None,
) -> Path:
    """A year-long load trace with ``changes`` random steps, levels uniform in
    [``lo_mw``, ``hi_mw``] (drawn from ``rng``, else from a generator seeded ``seed``)."""
    rng = np.random.default_rng(seed) if rng is None else rng
    times_h = np.sort(rng.uniform(0.0, YEAR_H, changes))
    times_h = np.concatenate(([0.0], times_h))
    loads_mw = rng.uniform(lo_mw, hi_mw, len(times_h))
    path = folder / "year_load.csv"
    with path.open("w") as fh:
        fh.write("time_h,load_mw\n")
        fh.writelines(
            f"{t!r},{p!r}\n" for t, p in zip(times_h.tolist(), loads_mw.tolist(), strict=True)
        )
    return path


def microgrid_config(folder: Path) -> dict:
    """The microgrid year's config, its load trace written to ``folder``."""
    return {
        "name": "microgrid_year",
        "duration_h": YEAR_H,
        "output": {"resolution_s": 3600},
        "load": {"trace_csv": str(write_trace(folder))},
        "battery": {
            "energy_mwh": 0.4,
            "power_mw": 0.25,
            "efficiency_charge": 0.95,
            "efficiency_discharge": 0.95,
            "soc_initial": 0.5,
        },
        "dispatch": {"policy": "peak_shave", "grid_target_mw": 0.9},
    }


def timed_runs(config: Config, repeat: int) -> tuple[Result, list[float], list[float]]:
    """Run ``config`` ``repeat`` times: the last result, and the wall seconds of each run's
    simulation alone and of the whole ``run()``."""
    sim_s, total_s = [], []
    for _ in range(repeat):
        result = None  # the previous run's freed first: the peak memory is one run's
        result = run(config)
        sim_s.append(result.summary["run"]["sim_wall_s"])
        total_s.append(result.summary["run"]["wall_s"])
    return result, sim_s, total_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = config_from_dict(microgrid_config(Path(tmp)))
        result, sim_s, total_s = timed_runs(config, args.repeat)
    s = result.summary
    sim_med = statistics.median(sim_s)
    print(f"events:                      {s['run']['events']}")
    print(f"segments recorded:           {s['run']['segments']}")
    print(
        f"simulation wall s (median):  {sim_med:.3f}  (min {min(sim_s):.3f}, max {max(sim_s):.3f},"
        f" n={len(sim_s)})"
    )
    print(
        f"whole run() wall s (median): {statistics.median(total_s):.3f}"
        "  (includes trace reading, recording to DataFrames, resampling, summary)"
    )
    print(f"simulated s per wall s:      {YEAR_H * 3600 / sim_med:,.0f}")
    print(f"grid peak MW:                {s['peak_mw']['grid']:.6f}")
    print(f"unserved MWh:                {s['unserved_mwh']:.6f}")
    print(f"battery equivalent cycles:   {s['battery']['equivalent_full_cycles']:.2f}")


if __name__ == "__main__":
    main()
