"""Benchmark: memory after many runs in one process (issue 19: flat within 10 %).

Runs the microgrid of ``microgrid_year.py`` (shortened to ``--hours``) ``--runs`` times in one
interpreter, dropping each result, and prints the resident memory after the first and the
last run and their ratio. A serial sweep does this; memory that grows run after run means a
run's objects outlive it (before issue 19 the ``Facility`` was kept alive by reference
cycles until the cyclic collector's next full pass).

    python bench/memory_runs.py [--runs 20] [--hours 8760]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from microgrid_year import YEAR_H, microgrid_config  # bench/ is on sys.path as a script

from sim.config import config_from_dict
from sim.runner import run


def rss_mb() -> float:
    """The process's resident memory now [MB] (Linux: /proc/self/statm, pages of 4 KiB)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)  # (at least 2)
    parser.add_argument("--hours", type=float, default=YEAR_H)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = microgrid_config(Path(tmp))
        data["duration_h"] = args.hours
        config = config_from_dict(data)
        after = []
        for _ in range(args.runs):
            run(config)
            after.append(rss_mb())
    print("RSS after each run [MB]: " + ", ".join(f"{m:.0f}" for m in after))
    print(
        f"after run 1: {after[0]:.0f} MB, run 2: {after[1]:.0f} MB, run {args.runs}:"
        f" {after[-1]:.0f} MB ({after[-1] / after[0]:.2f}× run 1, {after[-1] / after[1]:.2f}×"
        " run 2: the allocator keeps some of the first run's peak)"
    )


if __name__ == "__main__":
    main()
