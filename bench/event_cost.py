"""Benchmark: the cost of one engine event against a bare SimPy timeout (issue 19).

A *bare SimPy timeout* is one turn of a process that does nothing but wait: ``yield
env.timeout(dt)``, repeated :data:`N_BARE` times (SimPy's own floor per event: a Timeout built
and pushed, popped, a generator resumed). An *engine event* is one bus update of a benchmark
year: its simulation wall time over ``run.events`` (everything the update causes — the load's
timeout, the balance, the bus's own wake-ups, the recorded row — is in the figure). The two are
timed alternately in one process, so that the machine's drift hits both alike; medians.

    python bench/event_cost.py [--repeat 5] [--only microgrid,island] [--bare]

With ``--bare`` only the bare timeout is timed (the machine's speed, for ``bench/all.py``).

Target (issue 19): an engine event of the microgrid year costs at most 3× a bare timeout.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import simpy
from microgrid_year import microgrid_config  # bench/ is on sys.path
from power_island_year import config as island_config

from sim.config import config_from_dict
from sim.runner import run

N_BARE = 200_000
"""Timeouts of the bare SimPy loop."""

TARGET_RATIO = 3.0
"""Issue 19's bound on an engine event of the microgrid year [bare timeouts]."""


def bare_timeout_us(n: int = N_BARE) -> float:
    """Wall time of one bare SimPy timeout [µs]: a process that yields ``n`` timeouts of 1 s."""
    env = simpy.Environment()

    def wait() -> simpy.events.ProcessGenerator:
        timeout = env.timeout
        for _ in range(n):
            yield timeout(1.0)

    env.process(wait())
    t0 = time.perf_counter()
    env.run()
    return (time.perf_counter() - t0) / n * 1e6


def engine_event_us(data: dict) -> tuple[float, int]:
    """Wall time of one engine event of the run of ``data`` [µs], and its events."""
    s = run(config_from_dict(data)).summary["run"]
    return s["sim_wall_s"] / s["events"] * 1e6, s["events"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="microgrid,island")
    parser.add_argument("--bare", action="store_true", help="time the bare timeout only")
    args = parser.parse_args()
    if args.bare:
        bare = statistics.median(bare_timeout_us() for _ in range(args.repeat))
        print(f"bare timeout µs (median):    {bare:.3f}")
        return
    makers = {"microgrid": microgrid_config, "island": island_config}
    print(f"{'benchmark':<10} {'events':>9} {'event µs':>9} {'bare µs':>8} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            data = makers[name](Path(tmp))
            bare, event = [], []
            for _ in range(args.repeat):
                bare.append(bare_timeout_us())
                us, events = engine_event_us(data)
                event.append(us)
            b, e = statistics.median(bare), statistics.median(event)
            print(f"{name:<10} {events:9,} {e:9.2f} {b:8.2f} {e / b:6.2f}", flush=True)
    print(f"target: microgrid ratio <= {TARGET_RATIO}")


if __name__ == "__main__":
    main()
