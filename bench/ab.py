"""Old and new side by side: every benchmark's simulation run alternately on two checkouts.

Each run is a fresh interpreter on one checkout's ``sim`` package, given the benchmark's
config from *this* checkout's ``bench/`` (so both simulate the same thing). Runs alternate
between the two checkouts (old, new, old, new, ...) so that the machine's drift hits both
alike; prints the median simulation wall time of each, their ratio, and the bus updates
(``run.events``) of each.

    python bench/ab.py OLD_CHECKOUT [NEW_CHECKOUT (default: this one)] [--repeat 5]
        [--only microgrid,island,iteration,cluster,cluster_domains,cooling] [--instructions]

With ``--instructions`` each benchmark runs once per checkout under valgrind's callgrind
(needs ``valgrind``), shortened to :data:`INSTRUCTION_HOURS`, and the instructions of the
simulation are printed instead of times: the run's count less that of a 0.001-h run (imports
and config), with a fixed hash seed and single-threaded BLAS. Counts do not depend on the
machine's load (wall times here vary by 30 % within a session), so they are the fair A/B on a
busy machine; a Python call or bytecode costs about the same in either checkout.

The issue-13 target: no benchmark slower than the old code by more than 5 %.
(``cluster_domains`` needs a checkout with issue 17's keys on both sides; against an older
one, compare its instructions with the old checkout's ``cluster``: :func:`instructions`.)
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CONFIGS = {
    "microgrid": "import microgrid_year as m; data = m.microgrid_config(folder)",
    "island": "import power_island_year as m; data = m.config(folder)",
    "iteration": "import iteration_day as m; data = m.config()",
    "cluster": "import cluster_year as m; data = m.config()",
    "cluster_domains": "import cluster_year as m; data = m.config(domains=True)",
    "cooling": "import cooling_year as m; data = m.cooled_config(folder)[1]",
}
"""How each benchmark builds its config (a dict) in a temporary ``folder``."""

INSTRUCTION_HOURS = {
    "microgrid": 3000,
    "island": 1500,
    "iteration": 8,
    "cluster": 20,
    "cluster_domains": 20,
    "cooling": 600,
}
"""Simulated hours of each benchmark under ``--instructions`` (callgrind runs ~50× slower)."""

RUN_ONE = """
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, {bench!r})
with tempfile.TemporaryDirectory() as tmp:
    folder = Path(tmp)
    {make}
    if {hours!r} is not None:
        data["duration_h"] = {hours!r}
    from sim.config import config_from_dict
    from sim.runner import run
    s = run(config_from_dict(data)).summary
print(json.dumps({{"sim_wall_s": s["run"]["sim_wall_s"], "events": s["run"]["events"]}}))
"""


def run_once(checkout: Path, bench: str, hours: float | None = None, prefix=()) -> dict:
    """One run of ``bench`` (for ``hours`` if given) on ``checkout``'s sim package: its
    simulation wall seconds and bus updates, and under callgrind (``prefix``) the instructions
    it executed."""
    code = RUN_ONE.format(bench=str(HERE), make=CONFIGS[bench], hours=hours)
    out = subprocess.run(
        [*prefix, sys.executable, "-c", code],
        cwd=checkout,
        env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin", **SINGLE_THREAD},
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    collected = re.search(r"Collected : (\d+)", out.stderr)
    if collected:
        got["instructions"] = int(collected.group(1))
    return got


SINGLE_THREAD = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
CALLGRIND = ("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null")


def instructions(checkout: Path, bench: str) -> tuple[int, int]:
    """The instructions of ``bench``'s simulation on ``checkout`` (a run of
    :data:`INSTRUCTION_HOURS` less a 0.001-h run) and its bus updates."""
    run_once(checkout, bench, 0.001)  # compiles the modules: both runs below load .pyc
    full = run_once(checkout, bench, INSTRUCTION_HOURS[bench], CALLGRIND)
    base = run_once(checkout, bench, 0.001, CALLGRIND)
    return full["instructions"] - base["instructions"], full["events"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=HERE.parent)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default=",".join(c for c in CONFIGS if c != "cluster_domains"))
    parser.add_argument("--instructions", action="store_true")
    args = parser.parse_args()
    if args.instructions:
        print(f"{'benchmark':<10} {'hours':>6} {'old Minstr':>11} {'new Minstr':>11} "
              f"{'new/old':>8} {'updates old':>12} {'updates new':>12}")  # fmt: skip
        for bench in args.only.split(","):
            (old, old_events), (new, new_events) = (
                instructions(checkout.resolve(), bench) for checkout in (args.old, args.new)
            )
            print(
                f"{bench:<10} {INSTRUCTION_HOURS[bench]:>6} {old / 1e6:11.1f} {new / 1e6:11.1f} "
                f"{new / old:8.3f} {old_events:12,} {new_events:12,}",
                flush=True,
            )
        return
    print(f"{'benchmark':<10} {'old s':>8} {'new s':>8} {'new/old':>8} {'updates old':>12} "
          f"{'updates new':>12}")  # fmt: skip
    for bench in args.only.split(","):
        times: dict[str, list[float]] = {"old": [], "new": []}
        events = {}
        for _ in range(args.repeat):
            for which, checkout in (("old", args.old), ("new", args.new)):
                got = run_once(checkout.resolve(), bench)
                times[which].append(got["sim_wall_s"])
                events[which] = got["events"]
        old, new = statistics.median(times["old"]), statistics.median(times["new"])
        print(
            f"{bench:<10} {old:8.3f} {new:8.3f} {new / old:8.3f} {events['old']:12,} "
            f"{events['new']:12,}",
            flush=True,
        )


if __name__ == "__main__":
    main()
