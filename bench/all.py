"""The README's performance table: runs the benchmarks of ``bench/`` and writes the table.

Each benchmark runs as its own script in a fresh interpreter (so one's memory does not weigh
on the next); the figures are read from its output. Two are timed here as whole processes:
``dcsim run`` of a tiny config (1 h, 1 MW constant load) and of the 1M-GPU year. The machine's
speed is measured too — a bare SimPy timeout, issue 19's yardstick (0.62 µs when the issue
was filed) — since wall times on the shared 2-core reference machine vary by 2× from day to
day. The whole set takes ~15 minutes there.

    python bench/all.py [--only microgrid,island,...] [--repeat 5] [--write]

With ``--write`` the rows go to ``bench/results.json`` and the README's table between the
markers :data:`BEGIN` and :data:`END` is rewritten from it (``tests/test_bench_table.py``
checks that the README shows that file's figures); without, the table is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
RESULTS = HERE / "results.json"
BEGIN = "<!-- bench/all.py: begin (generated; do not edit) -->"
END = "<!-- bench/all.py: end -->"
TINY_YAML = "name: tiny\nduration_h: 1\nload: {constant_mw: 1.0}\n"
ISSUE_BARE_US = 0.62
"""A bare SimPy timeout when issue 19 was filed, on a calm day of the reference machine [µs]."""

Row = dict[str, Any]
"""One row of the table: ``benchmark``, ``workload``, ``measured``, ``target`` (markdown
text) and ``met`` (bool; ``None`` for the machine's row)."""


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


def row(benchmark: str, workload: str, measured: str, target: str, met: bool | None) -> Row:
    return {
        "benchmark": benchmark,
        "workload": workload,
        "measured": measured,
        "target": target,
        "met": met,
    }


def bare_us(repeat: int) -> float:
    """A bare SimPy timeout now [µs], median of ``repeat`` (bench/event_cost.py's loop)."""
    out = script("event_cost.py", "--bare", "--repeat", str(repeat))
    return float(grab(r"bare timeout µs \(median\):\s+([\d.]+)", out))


def machine(repeat: int) -> list[Row]:
    us = bare_us(repeat)
    return [
        row(
            "`python bench/event_cost.py --bare`",
            "the machine's speed: one bare SimPy timeout (a process yielding 200,000 timeouts)",
            f"**{us:.2f} µs** = {us / ISSUE_BARE_US:.1f}× the {ISSUE_BARE_US} µs of the day"
            " issue 19 was filed: divide the wall times below by this factor to compare",
            "–",
            None,
        )
    ]


def microgrid(repeat: int) -> list[Row]:
    out = script("microgrid_year.py", "--repeat", str(repeat))
    sim = float(grab(r"simulation wall s \(median\):\s+([\d.]+)", out))
    whole = float(grab(r"whole run\(\) wall s \(median\):\s+([\d.]+)", out))
    events = grab(r"events:\s+([\d,]+)", out)
    return [
        row(
            "`python bench/microgrid_year.py`",
            "a year of a grid + battery microgrid: 50,000 random load changes (0.5–1.1 MW), grid"
            f" target 0.9 MW, battery 0.4 MWh / 0.25 MW; {events} engine events",
            f"**{sim:.3f} s** of simulation (whole `run()` {whole:.3f} s)",
            "≤ 0.12 s",
            sim <= 0.12,
        )
    ]


def island(repeat: int) -> list[Row]:
    out = script("power_island_year.py", "--repeat", str(repeat))
    sim = float(grab(r"simulation wall s \(median\):\s+([\d.]+)", out))
    events = grab(r"events:\s+([\d,]+)", out)
    return [
        row(
            "`python bench/power_island_year.py`",
            "a year of a Colossus-1-sized island: 300 MW grid, 15 × 16.5 MW turbines, 800 MWh /"
            " 250 MW battery, 10 outages, 20 demand-response windows, 100,000 load changes,"
            f" load management; {events} engine events",
            f"**{sim:.3f} s** of simulation",
            "≤ 0.4 s",
            sim <= 0.4,
        )
    ]


def iteration(repeat: int) -> list[Row]:
    out = script("iteration_day.py", "--repeat", str(repeat))
    sim = float(grab(r"simulation wall s \(median\):\s+([\d.]+)", out))
    return [
        row(
            "`python bench/iteration_day.py`",
            "a day of a 100k-H100 job at `power_model: iteration` (6 s iterations), 150 MW grid"
            " with a 2 h outage, 15 turbines, 800 MWh battery",
            f"**{sim:.3f} s** of simulation",
            "≤ 3 s",
            sim <= 3.0,
        )
    ]


def event_cost(repeat: int) -> list[Row]:
    out = script("event_cost.py", "--repeat", str(repeat))
    rows = []
    for name, target in (("microgrid", 3.0), ("island", None)):
        ratio = float(grab(rf"{name}\s+[\d,]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)", out))
        rows.append(
            row(
                f"`python bench/event_cost.py` ({name})",
                f"one engine event of the {name} year (a bus update and all it causes) against"
                " a bare SimPy timeout, timed alternately in one process",
                f"**{ratio:.2f}×**",
                f"≤ {target:g}×" if target else "–",
                ratio <= target if target else None,
            )
        )
    return rows


def cluster(repeat: int) -> list[Row]:
    """The 1M-GPU year: simulation and peak memory (one run per process, in
    ``bench/cluster_year.py``), its cost per engine event, and the whole ``dcsim run``."""
    runs = [script("cluster_year.py", "--repeat", "1") for _ in range(max(1, min(repeat, 3)))]
    bare = bare_us(repeat)
    sims = [float(grab(r"simulation wall s \(median\):\s+([\d.]+)", out)) for out in runs]
    peaks = [int(grab(r"peak memory \(RSS\):\s+([\d,]+) MB", out).replace(",", "")) for out in runs]
    events = int(grab(r"events:\s+([\d,]+)", runs[0]).replace(",", ""))
    sim, peak = statistics.median(sims), statistics.median(peaks)
    per_event = sim / events * 1e6 / bare
    whole, cli_sim = whole_cli_run()
    workload = (
        "a 1M-GPU GB200 cluster for a year: one 800k-GPU job (2-min MTBF, 2-min checkpoints) and"
        f" 100 queued 2,048-GPU jobs; {events:,} engine events"
    )
    return [
        row(
            "`python bench/cluster_year.py`",
            workload,
            f"**{sim:.1f} s** of simulation, peak memory **{peak:,} MB** (median of {len(runs)},"
            " one run per process)",
            "≤ 5 s, ≤ 500 MiB",
            sim <= 5.0 and peak <= 500 * 1.048576,
        ),
        row(
            "1M-GPU year: an engine event",
            "its simulation time per engine event against a bare SimPy timeout measured just after",
            f"**{per_event:.1f}×**",
            "≤ 6×",
            per_event <= 6.0,
        ),
        row(
            "1M-GPU year: whole `dcsim run`",
            "the same year from the command line: config, simulation, summary, results folder"
            " (parquet), no figures",
            f"**{whole:.1f} s = {whole / cli_sim:.2f}×** its simulation ({cli_sim:.1f} s)",
            "≤ 1.3×",
            whole / cli_sim <= 1.3,
        ),
    ]


def whole_cli_run() -> tuple[float, float]:
    """Wall time of ``dcsim run`` of the 1M-GPU year as a process, and its simulation [s]."""
    sys.path.insert(0, str(HERE))
    from cluster_year import config

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cluster_year.yaml"
        path.write_text(yaml.safe_dump(config()))
        start = time.perf_counter()
        dcsim("run", str(path), "--out", f"{tmp}/out", "-q")
        whole = time.perf_counter() - start
        summary = json.loads((Path(tmp) / "out" / "summary.json").read_text())
    return whole, summary["run"]["sim_wall_s"]


def dcsim(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "sim", *args], check=True)


def cooling(repeat: int) -> list[Row]:
    out = script("cooling_year.py", "--repeat", str(max(1, min(repeat, 3))))
    ratio = float(grab(r"ratio with / without:\s+([\d.]+)", out))
    return [
        row(
            "`python bench/cooling_year.py`",
            "the power-island year with a liquid-cooling plant on hourly synthetic Memphis"
            " weather (6 × 60 MW chillers, towers, free cooling) against the same year without",
            f"**{ratio:.2f}×** the simulation time without",
            "≤ 1.5×",
            ratio <= 1.5,
        )
    ]


def sweep(repeat: int) -> list[Row]:
    out = script("sweep_scaling.py")
    speedup = float(grab(r"speed-up: ([\d.]+)x", out))
    return [
        row(
            "`python bench/sweep_scaling.py`",
            "16 runs of a power-island year with 250,000 load changes, serial and on 2 workers",
            f"**{speedup:.2f}× speed-up**",
            "≥ 1.7×",
            speedup >= 1.7,
        )
    ]


def money(repeat: int) -> list[Row]:
    out = script("money_summary.py", "--repeat", str(repeat))
    found = re.findall(r"(\d) y: .*by_month ([\d.]+) s \(([\d.]+) µs per segment\)", out)
    walls = "/".join(wall for _, wall, _ in found)
    per = [float(us) for _, _, us in found]
    return [
        row(
            "`python bench/money_summary.py`",
            "the money summary and `by_month` of 1-, 2-, 4- and 8-year microgrid runs",
            f"**{walls} s**: {min(per):.2f}–{max(per):.2f} µs per segment",
            "linear in segments (per segment within 2× from 1 to 8 years)",
            max(per) <= 2 * min(per),
        )
    ]


def tiny(repeat: int) -> list[Row]:
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "tiny.yaml"
        config.write_text(TINY_YAML)
        for _ in range(repeat):
            start = time.perf_counter()
            dcsim("run", str(config), "--out", f"{tmp}/out", "--force", "-q")
            walls.append(time.perf_counter() - start)
    wall = statistics.median(walls)
    return [
        row(
            "`dcsim run` of a tiny config",
            "1 h of a constant 1 MW load: the command's fixed cost (imports, config, results)",
            f"**{wall:.2f} s**",
            "≤ 0.5 s",
            wall <= 0.5,
        )
    ]


def memory(repeat: int) -> list[Row]:
    out = script("memory_runs.py", "--runs", "20")
    first, second, last = (
        int(grab(pattern, out))
        for pattern in (r"run 1: (\d+) MB", r"run 2: (\d+) MB", r"run 20: (\d+) MB")
    )
    return [
        row(
            "`python bench/memory_runs.py`",
            "resident memory after 20 microgrid-year runs in one process",
            f"**{first} → {second} → {last} MB** (after runs 1, 2, 20)",
            "flat (within 10 %)",
            last <= 1.1 * first,
        )
    ]


BENCHMARKS: dict[str, Callable[[int], list[Row]]] = {
    "machine": machine,
    "microgrid": microgrid,
    "island": island,
    "iteration": iteration,
    "events": event_cost,
    "cluster": cluster,
    "cooling": cooling,
    "sweep": sweep,
    "money": money,
    "tiny": tiny,
    "memory": memory,
}


def render(results: dict[str, Any]) -> str:
    """The README's table (with its markers) from ``results`` (``bench/results.json``)."""
    lines = [
        BEGIN,
        f"Measured {results['date']} at commit {results['commit']} on the 2-core reference"
        f" machine by `python bench/all.py --write` (medians of {results['repeat']}).",
        "",
        "| benchmark | workload | measured | target | met |",
        "|---|---|---|---|---|",
    ]
    marks = {True: "yes", False: "**no**", None: "–"}
    for r in results["rows"]:
        cells = (r["benchmark"], r["workload"], r["measured"], r["target"], marks[r["met"]])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join([*lines, END])


def write(results: dict[str, Any]) -> None:
    """Save ``results`` to :data:`RESULTS` and put its table in the README."""
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    text = README.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    README.write_text(text[:start] + render(results) + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="save and update the README")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "commit": commit or "unknown",
        "repeat": args.repeat,
        "rows": [],
    }
    for name in args.only.split(","):
        rows = BENCHMARKS[name](args.repeat)
        results["rows"] += rows
        for r in rows:
            print(f"{r['benchmark']}: {r['measured']} (target {r['target']})", flush=True)
    if args.write:
        write(results)
    else:
        print(render(results))


if __name__ == "__main__":
    main()
