"""Derive a site's climate for ``sim/data/weather.yaml`` from a TMY3 EPW file.

Prints, per month: the mean daily maximum and minimum dry-bulb, the mean dew point and its
afternoon dip (the amplitude of its mean day, lowest at 15:00), the sd of
the daily-mean dry-bulb's and dew point's anomalies (each day's mean less its month's mean),
their correlation per month, and the year's 0.4 % dry-bulb and wet-bulb (to compare with
the ASHRAE design values of the file's second line). Run:

    python docs/climate/derive.py FILE.epw [...]

The files used for the built-in sites are named in ``sim/data/weather.yaml`` (NREL TMY3 files,
in public repositories; not shipped: ~1.6 MB each).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from sim.weather_files import read_epw


def derive(path: str) -> dict[str, object]:
    """The climate of one EPW file (see the module docstring)."""
    year = read_epw(path)
    hours = pd.date_range("2001-01-01", periods=len(year.times_h), freq="h")  # a no-leap year
    frame = pd.DataFrame(
        {"dry": year.dry_bulb_c, "dew": year.dew_point_c, "wet": year.wet_bulb_c}, index=hours
    )
    daily = frame.resample("D").agg({"dry": ["max", "min", "mean"], "dew": "mean"})
    daily.columns = ["max", "min", "mean", "dew"]
    month = daily.index.month
    anomaly = daily[["mean", "dew"]] - daily[["mean", "dew"]].groupby(month).transform("mean")
    by_month = daily.groupby(month)
    return {
        "max_c": by_month["max"].mean().round(1).tolist(),
        "min_c": by_month["min"].mean().round(1).tolist(),
        "dew_c": frame["dew"].groupby(frame.index.month).mean().round(1).tolist(),
        "dew_diurnal_c": _afternoon_dip(frame["dew"]),
        "temp_sd_c": anomaly["mean"].groupby(month).std().round(1).tolist(),
        "dew_sd_c": anomaly["dew"].groupby(month).std().round(1).tolist(),
        "dew_corr_pu": [
            round(float(a["mean"].corr(a["dew"])), 2) for _, a in anomaly.groupby(month)
        ],
        "lag1_corr_pu": round(float(anomaly["mean"].autocorr(1)), 2),
        "db_0_4_c": round(float(np.quantile(frame["dry"], 0.996)), 1),
        "wb_0_4_c": round(float(np.quantile(frame["wet"], 0.996)), 1),
    }


def _afternoon_dip(dew: pd.Series) -> list[float]:
    """Per month, the amplitude ``A`` [°C] of the dew point's mean day fitted as
    ``mean − A·cos(2π (h − 15)/24)`` (least squares: ``A = −(2/24)·Σ_h (T_d,h − mean)·cos``):
    how far the afternoon's mixing lowers it at 15:00."""
    profile = dew.groupby([dew.index.month, dew.index.hour]).mean().unstack()
    cos = np.cos(2 * np.pi * (np.arange(24) - 15) / 24)
    dip = -(2 / 24) * ((profile.sub(profile.mean(axis=1), axis=0)) * cos).sum(axis=1)
    return dip.round(1).tolist()


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"# {name}")
        for key, value in derive(name).items():
            print(f"  {key}: {value}")
