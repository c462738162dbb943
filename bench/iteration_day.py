"""Benchmark: one simulated day of a 100k-GPU job at power_model iteration (issue 4).

100,000 H100 (12,500 nodes) in one job with 6 s iterations (70 % compute), checkpoints every
10 minutes (20 s writes), 5-minute restarts, Llama 3's failure rate and 512 hot spares: the bus
sees a ~60 MW square wave every 6 s, about 29,000 steps a day. The site: 150 MW grid with a
2-hour outage at noon, 15 x 16.5 MW turbines, 800 MWh / 250 MW battery, smooth policy
(10 MW/min). Prints events, wall seconds (median of several runs) and the swings.

    python bench/iteration_day.py [--repeat 5]

Target (issue 4): simulation <= 3 s on one core of the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import statistics

from microgrid_year import timed_runs  # bench/ is on sys.path when run as a script

from sim.config import config_from_dict


def config() -> dict:
    return {
        "name": "iteration_day",
        "duration_h": 24,
        "output": {"resolution_s": 60},
        "grid": {"import_limit_mw": 150, "outages": [{"start_h": 12, "duration_h": 2}]},
        "battery": {"energy_mwh": 800, "power_mw": 250, "soc_initial": 0.9},
        "turbines": [{"name": "smt130", "count": 15, "p_nom_mw": 16.5, "ramp_mw_per_min": 5.0}],
        "dispatch": {"policy": "smooth", "ramp_limit_mw_per_min": 10.0},
        "cluster": {
            "power_model": "iteration",
            "pools": [
                {"name": "h100", "hardware": "h100-sxm", "gpus": 100_000, "spare_gpus": 4096}
            ],
            "failures": {"rate_per_node_day": 0.00379},
            "repair_h": 24,
        },
        "jobs": [
            {
                "name": "pretrain",
                "pool": "h100",
                "gpus": 100_000,
                "iteration_s": 6.0,
                "compute_fraction": 0.7,
                "checkpoint_interval_s": 600,
                "checkpoint_write_s": 20,
                "restart_s": 300,
            }
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result, sim_s, total_s = timed_runs(config_from_dict(config()), args.repeat)
    s = result.summary
    sim_med = statistics.median(sim_s)
    job = s["jobs"]["pretrain"]
    print(f"events:                      {s['run']['events']:,}")
    print(
        f"simulation wall s (median):  {sim_med:.3f}  (min {min(sim_s):.3f},"
        f" max {max(sim_s):.3f}, n={len(sim_s)})"
    )
    print(f"events per wall s:           {s['run']['events'] / sim_med:,.0f}")
    print(f"whole run() wall s (median): {statistics.median(total_s):.3f}")
    sw = s["swings_mw"]
    print(
        f"swings within 1 s: load {sw['load_1s']:.1f} MW, grid {sw['grid_1s']:.2f} MW;"
        f" within 60 s: load {sw['load_60s']:.1f} MW, grid {sw['grid_60s']:.1f} MW"
    )
    print(
        f"job: ETTR {job['ettr']:.3f}, {job['interruptions']} interruptions, shed {job['shed']};"
        f" unserved {s['unserved_mwh']:.2f} MWh; turbine starts {s['turbines']['starts']}"
    )


if __name__ == "__main__":
    main()
