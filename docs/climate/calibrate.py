"""Calibrate each built-in site's ``temp_sd_scale_pu`` so that the synthetic year's 0.4 %
dry-bulb, averaged over 100 seeds, equals the site's ASHRAE design value.

Why: the spreads in ``sim/data/weather.yaml`` come from a TMY3 year, whose months are picked
as *typical* ones, so its hot spells are milder than the 30-year record the design values
summarise (Chicago's July TMY3 month gives a synthetic 0.4 % dry-bulb 1.5 °C under ASHRAE's).
One factor per site scales the dry-bulb's spread in every month. The wet-bulb is not
calibrated: tests/test_climate.py checks it against ASHRAE's 0.4 % evaporation wet-bulb.

    python docs/climate/calibrate.py          # prints the factor of each site
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from sim.climate import builtin_sites, site_climate, synthetic
from sim.rng import stream

SEEDS = 100
START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def design_db_c(site: str, scale: float, seeds: int = SEEDS) -> float:
    """Mean over ``seeds`` synthetic years of the 0.4 % dry-bulb [°C] with the spreads
    ``temp_sd_c × scale`` (the TMY3 spreads, unscaled)."""
    climate = site_climate(site)
    spreads = tuple(v * scale / climate.temp_sd_scale_pu for v in climate.temp_sd_c)
    climate = dataclasses.replace(climate, temp_sd_c=spreads, temp_sd_scale_pu=1.0)
    values = []
    for seed in range(seeds):
        _, dry, _ = synthetic(climate, START, 8760.0, stream(seed, "weather"))
        values.append(np.quantile(dry, 0.996))
    return float(np.mean(values))


def calibrate(site: str) -> float:
    """The factor (to 0.01) that brings :func:`design_db_c` to the ASHRAE value."""
    target = site_climate(site).design["db_0_4_c"]
    lo, hi = 0.5, 3.0
    while hi - lo > 0.005:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if design_db_c(site, mid) < target else (lo, mid)
    return round((lo + hi) / 2, 2)


if __name__ == "__main__":
    for name in builtin_sites():
        print(f"{name}: temp_sd_scale_pu: {calibrate(name)}")
