"""Old and new side by side: every benchmark's simulation run alternately on two checkouts.

Each run is a fresh interpreter on one checkout's ``sim`` package, given the benchmark's
config from *this* checkout's ``bench/`` (so both simulate the same thing). Runs alternate
between the two checkouts (old, new, old, new, ...) so that the machine's drift hits both
alike; prints the median simulation wall time of each, their ratio, and the bus updates
(``run.events``) of each.

    python bench/ab.py OLD_CHECKOUT [NEW_CHECKOUT (default: this one)] [--repeat 5]
        [--only microgrid,island,iteration,cluster,cooling]

The issue-13 target: no benchmark slower than the old code by more than 5 %.
"""

from __future__ import annotations

import argparse
import json
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
    "cooling": "import cooling_year as m; data = m.cooled_config(folder)[1]",
}
"""How each benchmark builds its config (a dict) in a temporary ``folder``."""

RUN_ONE = """
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, {bench!r})
with tempfile.TemporaryDirectory() as tmp:
    folder = Path(tmp)
    {make}
    from sim.config import config_from_dict
    from sim.runner import run
    s = run(config_from_dict(data)).summary
print(json.dumps({{"sim_wall_s": s["run"]["sim_wall_s"], "events": s["run"]["events"]}}))
"""


def run_once(checkout: Path, bench: str) -> dict:
    """One run of ``bench`` on ``checkout``'s sim package: its simulation wall seconds and
    bus updates."""
    code = RUN_ONE.format(bench=str(HERE), make=CONFIGS[bench])
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=checkout,
        env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=HERE.parent)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default=",".join(CONFIGS))
    args = parser.parse_args()
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
