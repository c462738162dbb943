"""The README's performance table: runs the benchmarks of ``bench/`` and prints one markdown
row per target (issue 19), to paste into the README's *Performance* section.

Each benchmark runs as its own script in a fresh interpreter (so one's memory does not weigh
on the next); the figures are read from its output. ``dcsim run`` of a tiny config (1 h,
1 MW constant load, no figures) is timed here as a whole process, median of ``--repeat``.
The whole set takes ~10 minutes on the 2-core reference machine when it is calm (the 1M-GPU
year most of it); ``--only`` picks some.

    python bench/all.py [--only microgrid,island,iteration,cluster,cooling,sweep,money,tiny,memory]
        [--repeat 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
TINY_YAML = "name: tiny\nduration_h: 1\nload: {constant_mw: 1.0}\n"


def script(name: str, *args: str) -> str:
    """The output of ``bench/<name>`` run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, str(HERE / name), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def grab(pattern: str, text: str) -> str:
    """The first group of ``pattern`` in ``text`` (the benchmark's printed figure)."""
    found = re.search(pattern, text)
    if found is None:
        raise ValueError(f"{pattern!r} not in the benchmark's output:\n{text}")
    return found.group(1)


def microgrid(repeat: int) -> str:
    out = script("microgrid_year.py", "--repeat", str(repeat))
    sim, whole = (
        grab(r"simulation wall s \(median\):\s+([\d.]+)", out),
        grab(r"whole run\(\) wall s \(median\):\s+([\d.]+)", out),
    )
    return f"| microgrid year, simulation | **{sim} s** (whole `run()` {whole} s) | ≤ 0.12 s |"


def island(repeat: int) -> str:
    out = script("power_island_year.py", "--repeat", str(repeat))
    sim = grab(r"simulation wall s \(median\):\s+([\d.]+)", out)
    return f"| power-island year, simulation | **{sim} s** | ≤ 0.4 s |"


def iteration(repeat: int) -> str:
    out = script("iteration_day.py", "--repeat", str(repeat))
    sim = grab(r"simulation wall s \(median\):\s+([\d.]+)", out)
    return f"| 100k-GPU iteration day, simulation | **{sim} s** | ≤ 3 s |"


def cluster(repeat: int) -> str:
    out = script("cluster_year.py", "--repeat", str(max(1, min(repeat, 2))))
    sim = float(grab(r"simulation wall s \(median\):\s+([\d.]+)", out))
    whole = float(grab(r"whole run\(\) wall s \(median\):\s+([\d.]+)", out))
    peak = grab(r"peak memory \(RSS\):\s+([\d,]+) MB", out)
    return (
        f"| 1M-GPU year, simulation / peak memory | **{sim:.1f} s / {peak} MB** | ≤ 5 s /"
        f" ≤ 500 MiB |\n| 1M-GPU year, whole `run()` | **{whole:.1f} s = {whole / sim:.2f}×**"
        " its simulation | ≤ 1.3× |"
    )


def cooling(repeat: int) -> str:
    out = script("cooling_year.py", "--repeat", str(max(1, min(repeat, 3))))
    ratio = grab(r"ratio with / without:\s+([\d.]+)", out)
    return f"| cooling plant's cost (cooled / uncooled power-island year) | **{ratio}×** | ≤ 1.5× |"


def sweep(repeat: int) -> str:
    out = script("sweep_scaling.py")
    speedup = grab(r"speed-up: ([\d.]+)x", out)
    return f"| sweep of 16 runs on 2 workers | **{speedup}× speed-up** | ≥ 1.7× |"


def money(repeat: int) -> str:
    out = script("money_summary.py", "--repeat", str(repeat))
    walls = re.findall(r"(\d) y: .*by_month ([\d.]+) s", out)
    figures = "/".join(wall for _, wall in walls)
    years = "/".join(y for y, _ in walls)
    return (
        f"| money summary + `by_month`, {years}-year microgrid | **{figures} s** (linear in"
        " segments) | linear in segments |"
    )


def tiny(repeat: int) -> str:
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "tiny.yaml"
        config.write_text(TINY_YAML)
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "sim",
                    "run",
                    str(config),
                    *("--out", f"{tmp}/out", "--force", "-q"),
                ],
                check=True,
            )
            walls.append(time.perf_counter() - start)
    return (
        f"| `dcsim run` of a tiny config (1 h) | **{statistics.median(walls):.2f} s** | ≤ 0.5 s |"
    )


def memory(repeat: int) -> str:
    out = script("memory_runs.py", "--runs", "20")
    first, second, last = (
        grab(pattern, out)
        for pattern in (r"run 1: (\d+) MB", r"run 2: (\d+) MB", r"run 20: (\d+) MB")
    )
    return (
        f"| memory after 20 microgrid-year runs in one process | **{first} → {second} → {last}"
        f" MB** (after runs 1, 2, 20) | flat (within 10 %) |"
    )


BENCHMARKS: dict[str, Callable[[int], str]] = {
    "microgrid": microgrid,
    "island": island,
    "iteration": iteration,
    "cluster": cluster,
    "cooling": cooling,
    "sweep": sweep,
    "money": money,
    "tiny": tiny,
    "memory": memory,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| benchmark | measured (medians) | target |\n|---|---|---|")
    for name in args.only.split(","):
        print(BENCHMARKS[name](args.repeat), flush=True)


if __name__ == "__main__":
    main()
