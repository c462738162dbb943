"""Benchmark: the money summary (``cost_usd``, ``grid_by_month``, demand charges) and
``by_month`` of 1-, 2-, 4- and 8-year microgrid runs (issue 19: linear in run length).

The microgrid of ``microgrid_year.py`` with its 50,000 random load changes per simulated year
(so the record grows in proportion to the run) at a constant price with a demand
charge. The run is simulated once per length; then :func:`sim.summary.money_summary` and
:func:`sim.monthly.by_month` are timed on its record (median of ``--repeat``). Linear in
segments: the time per segment stays about the same from 1 to 8 years (it grew ~2× per
doubling before issue 19: the record was scanned and sorted once per month).

    python bench/money_summary.py [--years 1,2,4,8] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from microgrid_year import N_CHANGES, YEAR_H, microgrid_config, write_trace  # bench/ on path

from sim.config import config_from_dict
from sim.facility import Facility
from sim.monthly import by_month
from sim.signals import month_labels, month_lengths_s, month_starts_s
from sim.summary import money_summary


def config(folder: Path, years: int) -> dict[str, Any]:
    """The microgrid of ``microgrid_year.py`` over ``years`` years (50,000 changes a year),
    at 70 USD/MWh with a 15 USD/kW-month demand charge."""
    data = microgrid_config(folder)
    trace = write_trace(folder, changes=N_CHANGES * years)
    times_h, loads = np.loadtxt(trace, delimiter=",", skiprows=1, unpack=True)
    with trace.open("w") as fh:  # stretch the year's trace over the run
        fh.write("time_h,load_mw\n")
        fh.writelines(
            f"{t * years!r},{p!r}\n" for t, p in zip(times_h.tolist(), loads.tolist(), strict=True)
        )
    data.update(name=f"money_{years}y", duration_h=YEAR_H * years)
    data["grid"] = {
        "price_usd_per_mwh": 70.0,
        "demand_charge_usd_per_kw_month": 15.0,
    }
    return data


def time_money(years: int, repeat: int) -> tuple[int, int, float]:
    """Segments, months and the median wall seconds of the money summary and ``by_month``."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = config_from_dict(config(Path(tmp), years))
        facility = Facility(cfg)
        facility.run()
    segments = facility.recorder.segments()
    end_s = facility.end_s
    months = month_starts_s(cfg.start, end_s)
    labels = month_labels(cfg.start, months)
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        money = money_summary(
            segments,
            end_s,
            facility.price,
            facility.carbon,
            months,
            labels,
            cfg.grid.demand_charge_usd_per_kw_month,
            cfg.grid.demand_interval_min * 60.0,
            {"fuel_usd": 0.0, "co2_t": 0.0},
            month_lengths_s(cfg.start, months),
            cfg.grid.demand_billing,
        )
        by_month(segments, months, labels, end_s, money["grid_by_month"], None)
        walls.append(time.perf_counter() - t0)
    return len(segments), len(labels), statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="1,2,4,8")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for years in (int(y) for y in args.years.split(",")):
        n, m, wall_s = time_money(years, args.repeat)
        print(
            f"{years} y: {n:,} segments, {m} months: money summary + by_month {wall_s:.3f} s"
            f" ({wall_s / n * 1e6:.2f} µs per segment)"
        )


if __name__ == "__main__":
    main()
