"""Benchmark: a 16-run sweep, serial vs a 2-worker process pool.

Each run is the microgrid year of ``bench/microgrid_year.py`` with a longer load trace
(``--changes``, default 250,000 random steps: about 2 s of simulation). The sweep varies the
battery's energy over 16 values. Prints the wall time of ``run_sweep`` (execution, writing the
16 results folders and the tables) per backend, median of ``--repeat`` runs, and the speed-up.

    python bench/sweep_scaling.py [--repeat 3] [--changes 250000]

Target (issue 6): >= 1.7x speed-up with 2 workers on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from microgrid_year import write_trace  # bench/ is on sys.path when run as a script

from sim.sweep import load_sweep, run_sweep


def write_inputs(folder: Path, changes: int) -> Path:
    """The microgrid year's base config with a ``changes``-step trace, and a 16-run spec."""
    trace = write_trace(folder, changes)
    (folder / "base.yaml").write_text(
        "name: year\nduration_h: 8760\noutput: {resolution_s: 3600}\n"
        f"load: {{trace_csv: {trace.name}}}\n"
        "battery: {energy_mwh: 0.4, power_mw: 0.25, efficiency_charge: 0.95,"
        " efficiency_discharge: 0.95, soc_initial: 0.5}\n"
        "dispatch: {policy: peak_shave, grid_target_mw: 0.9}\n"
    )
    energies = [round(0.1 + 0.05 * i, 2) for i in range(16)]
    spec = folder / "sweep.yaml"
    spec.write_text(
        f"name: scaling\nbase: base.yaml\nproduct: {{battery.energy_mwh: {energies}}}\n"
    )
    return spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--changes", type=int, default=250_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sweep = load_sweep(write_inputs(folder, args.changes))
        times: dict[str, list[float]] = {"serial": [], "process": []}
        per_run: list[float] = []
        for k in range(args.repeat):
            for backend in times:
                start = time.perf_counter()
                table = run_sweep(sweep, folder / f"out-{backend}-{k}", backend=backend, workers=2)
                times[backend].append(time.perf_counter() - start)
                assert (table["status"] == "ok").all()
                if backend == "serial":
                    per_run.extend(table["wall_s"].tolist())
    serial, pool = (statistics.median(times[b]) for b in ("serial", "process"))
    print(f"runs: {len(sweep.plans)}, load changes per run: {args.changes:,}")
    print(f"one run, wall s (median):          {statistics.median(per_run):.2f}")
    print(f"serial sweep, wall s (median of {args.repeat}): {serial:.2f}  {times['serial']}")
    print(f"2 workers,    wall s (median of {args.repeat}): {pool:.2f}  {times['process']}")
    print(f"speed-up: {serial / pool:.2f}x")


if __name__ == "__main__":
    main()
