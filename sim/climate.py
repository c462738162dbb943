"""Synthetic weather from a site's climate: monthly normals and a seeded day-to-day anomaly.

The built-in sites are in ``sim/data/weather.yaml``, each value with its source: the station,
its elevation and time zone, the monthly mean daily maximum and minimum dry-bulb and mean dew
point, the day-to-day spread of both, and the site's ASHRAE design values (the model is
checked against them, ``tests/test_climate.py``).

The model, hour by hour (``h`` the local hour, ``k`` the local day):

- dry-bulb ``T = (max + min)/2 + (max − min)/2 · cos(2π (h − 15)/24) + σ_T · a_k``, warmest at
  15:00 local time;
- dew point ``T_d = min(T, min(T_d,max, D + σ_d · (c · a_k + √(1 − c²) · b_k)) − A·cos(2π (h −
  15)/24))``: the day's value, with the month's mean afternoon dip ``A`` (so the relative
  humidity falls in the afternoon, as it does), never above the dry-bulb; the day's value
  never above the site's 0.4 % design dew point ``T_d,max`` (the air's moisture is bounded by its
  source — the Gulf of Mexico for the southern sites; without the bound a Gaussian tail in
  the months of large spread gives 29 °C dew points in an Austin March);
- ``a_k`` and ``b_k`` independent AR(1) series of unit variance across days,
  ``a_k = ρ·a_{k−1} + √(1 − ρ²)·ε_k``, ``ρ`` the site's day-to-day persistence;
- ``max``, ``min``, ``D``, ``σ_T``, ``σ_d`` interpolated between mid-month points; ``c`` the
  correlation of the dew point's anomaly with the temperature's (monthly: in summer a hot
  day is often a dry one).

The dew point has its own anomaly, only partly correlated with the temperature's and bounded
above: a hot spell in Memphis is not a hotter copy of a humid day. (Before issue 15 the whole
temperature offset went into the dew point too, so over 20 seeds the synthetic Memphis year's
0.4 % wet-bulb was 28.4 ± 1.0 °C against ASHRAE's 26.8 °C, with 168 h/yr above it; now
27.0 ± 0.3 °C and ~55 h.)
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

DATA_FILE = Path(__file__).parent / "data" / "weather.yaml"
MONTHLY = ("max_c", "min_c", "dew_c", "dew_diurnal_c", "temp_sd_c", "dew_sd_c", "dew_corr_pu")
"""The site's values given per month, January to December."""


@dataclass(frozen=True)
class Climate:
    """A site's climate: monthly values (12 each, January first) and its station.

    ``max_c``/``min_c`` mean daily maximum/minimum dry-bulb [°C]; ``dew_c`` mean dew point
    [°C]; ``dew_diurnal_c`` its afternoon dip (its mean day's amplitude, lowest at 15:00)
    [°C]; ``temp_sd_c`` the sd of the dry-bulb's day-to-day anomaly (the TMY3 value ×
    ``temp_sd_scale_pu``, calibrated by ``docs/climate/calibrate.py``) [°C]; ``dew_sd_c``
    that of the dew point [°C]; ``dew_corr_pu`` their correlation [-]; ``persistence_pu``
    the anomalies' lag-1 autocorrelation across days (the AR(1) ``ρ``) [-]; ``elevation_m``
    [m]; ``design`` the ASHRAE design values [°C] (``db_0_4_c``, ``mcwb_0_4_c``,
    ``wb_0_4_c``, ``mcdb_0_4_c``, ``dp_0_4_c``).
    """

    name: str
    station: str
    elevation_m: float
    timezone: str
    max_c: tuple[float, ...]
    min_c: tuple[float, ...]
    dew_c: tuple[float, ...]
    dew_diurnal_c: tuple[float, ...]
    temp_sd_c: tuple[float, ...]
    dew_sd_c: tuple[float, ...]
    dew_corr_pu: tuple[float, ...]
    temp_sd_scale_pu: float
    persistence_pu: float
    design: dict[str, float]


@functools.cache
def _data() -> dict[str, Any]:
    return yaml.safe_load(DATA_FILE.read_text())


def builtin_sites() -> list[str]:
    """Names of the sites with built-in climates."""
    return sorted(_data())


def site_climate(site: str) -> Climate:
    """The built-in climate of ``site`` (one of :func:`builtin_sites`)."""
    d = _data()[site]
    return Climate(
        name=site,
        station=d["station"],
        elevation_m=float(d["elevation_m"]),
        timezone=d["timezone"],
        **{key: tuple(float(v) for v in d[key]) for key in MONTHLY if key != "temp_sd_c"},
        temp_sd_c=tuple(float(v) * float(d["temp_sd_scale_pu"]) for v in d["temp_sd_c"]),
        persistence_pu=float(d["persistence_pu"]),
        temp_sd_scale_pu=float(d["temp_sd_scale_pu"]),
        design={k: float(v) for k, v in d["design"].items() if k.endswith("_c")},
    )


def synthetic(
    climate: Climate,
    start: dt.datetime,
    duration_h: float,
    rng: np.random.Generator,
    step_h: float = 1.0,
    temp_sd_c: float | None = None,
    dew_sd_c: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic weather: ``(times_h, dry_bulb_c, dew_point_c)`` [h, °C, °C], each value
    holding from its time to the next (the model: the module docstring). ``start`` is read in
    its own time zone (the local wall clock); ``temp_sd_c``/``dew_sd_c`` replace the site's
    monthly spreads when given."""
    times_h = np.arange(0.0, duration_h, step_h)
    local = pd.Timestamp(start) + pd.to_timedelta(times_h, unit="h")
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60.0
    day_of_year = local.day_of_year.to_numpy() - 1 + hour / 24.0
    mid_month = (np.arange(12) + 0.5) * 365.0 / 12.0  # mid-month days, wrapped around the year
    x = np.concatenate([mid_month - 365.0, mid_month, mid_month + 365.0])

    def monthly(name: str, given: float | None = None) -> np.ndarray:
        if given is not None:
            return np.full(len(times_h), given)
        return np.interp(day_of_year, x, np.tile(getattr(climate, name), 3))

    t_max, t_min = monthly("max_c"), monthly("min_c")
    cos = np.cos(2 * math.pi * (hour - 15) / 24)
    diurnal = (t_max + t_min) / 2 + (t_max - t_min) / 2 * cos
    dates = local.tz_localize(None).normalize()  # (the local calendar day, daylight saving too)
    day = (dates - dates[0]).days.to_numpy()
    n_days = int(day.max()) + 1 if len(day) else 0
    # (two draws per day in day order: a run's weather is the start of a longer run's)
    a, b = _ar1(rng.standard_normal((n_days, 2)).T, climate.persistence_pu)
    c = np.clip(monthly("dew_corr_pu"), -1.0, 1.0)
    dry = diurnal + monthly("temp_sd_c", temp_sd_c) * a[day]
    dew_anomaly = monthly("dew_sd_c", dew_sd_c) * (c * a[day] + np.sqrt(1 - c * c) * b[day])
    dew_max_c = climate.design["dp_0_4_c"]  # (the day's mean dew point stays below it)
    day_dew = np.minimum(monthly("dew_c") + dew_anomaly, dew_max_c)
    dew = np.minimum(day_dew - monthly("dew_diurnal_c") * cos, dry)
    return times_h, dry, dew


def _ar1(shocks: np.ndarray, rho: float) -> np.ndarray:
    """Unit-variance AR(1) series along the last axis from standard normal ``shocks``:
    ``a_0 = ε_0``, ``a_k = ρ·a_{k−1} + √(1 − ρ²)·ε_k``."""
    out = np.empty_like(shocks)
    scale = math.sqrt(1 - rho**2)
    if shocks.shape[-1]:
        out[..., 0] = shocks[..., 0]
    for k in range(1, shocks.shape[-1]):
        out[..., k] = rho * out[..., k - 1] + scale * shocks[..., k]
    return out
