"""Ambient weather for the cooling plant: dry-bulb and wet-bulb temperature over time.

Two sources, both piecewise constant at their own resolution (an hour by default), replayed as
events — never polled:

- **synthetic**, from a site's monthly normals (``sim/data/weather.yaml``; Memphis is built in):
  the daily mean max and min are interpolated between mid-month points; each hour's dry-bulb is
  ``T = (max + min)/2 + (max − min)/2 · cos(2π (hour − 15)/24) + d``, warmest at 15:00 local
  time, with a day-to-day offset ``d`` that is AR(1) across days,
  ``d_k = ρ·d_{k−1} + σ·√(1 − ρ²)·ε_k``, ``ρ = 0.7`` (assumed), drawn from the run's seed;
  the day's dew point is that of its mean temperature at the month's mean relative humidity
  (plus the day's offset) and holds through the day, so RH = e_s(Td)/e_s(T) falls in the
  afternoon (Memphis in July: 33 °C at ~52 % RH, wet-bulb ~25 °C, the ASHRAE mean coincident
  wet-bulb); wet-bulb from Stull (2011).
- **a CSV trace**: ``time_h`` and the dry-bulb (``dry_bulb_c``, or pvlib/TMY's ``temp_air``)
  with the wet-bulb (``wet_bulb_c``) or the relative humidity (``rh_pu``, or TMY's
  ``relative_humidity`` in %).

Heat waves add ``delta_c`` to the dry-bulb in their window at the same relative humidity (so the
wet-bulb rises too).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import simpy
import yaml

from sim.units import S_PER_H

AR1_RHO = 0.7
"""Day-to-day persistence of the synthetic weather's daily offset (an assumption)."""


def wet_bulb_c(dry_bulb_c: np.ndarray, rh_pu: np.ndarray) -> np.ndarray:
    """Wet-bulb temperature [°C] from dry-bulb [°C] and relative humidity [pu] at sea-level
    pressure, Stull (2011, J. Appl. Meteor. Climatol. 50, 2267):

    ``Tw = T·atan(0.151977·√(RH + 8.313659)) + atan(T + RH) − atan(RH − 1.676331)
    + 0.00391838·RH^1.5·atan(0.023101·RH) − 4.686035``, RH in %; within ±1 °C for RH 5–99 %
    and T −20–50 °C.
    """
    t = np.asarray(dry_bulb_c, dtype=float)
    rh = 100.0 * np.clip(np.asarray(rh_pu, dtype=float), 0.05, 0.99)
    return (
        t * np.arctan(0.151977 * np.sqrt(rh + 8.313659))
        + np.arctan(t + rh)
        - np.arctan(rh - 1.676331)
        + 0.00391838 * rh**1.5 * np.arctan(0.023101 * rh)
        - 4.686035
    )


def relative_humidity_pu(dry_bulb_c: np.ndarray, wet_bulb_c_: np.ndarray) -> np.ndarray:
    """The relative humidity [pu] at which :func:`wet_bulb_c` gives ``wet_bulb_c_``: the
    inverse of Stull's formula by bisection (it rises with humidity), clipped to 5–99 %."""
    lo = np.full(np.shape(dry_bulb_c), 0.05)
    hi = np.full(np.shape(dry_bulb_c), 0.99)
    for _ in range(40):
        mid = (lo + hi) / 2
        below = wet_bulb_c(dry_bulb_c, mid) < wet_bulb_c_
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def site_normals(site: str) -> dict[str, list[float]]:
    """Monthly normals of a built-in site: ``max_c``, ``min_c``, ``rh_pu`` (12 values each)."""
    text = (Path(__file__).parent / "data" / "weather.yaml").read_text()
    return yaml.safe_load(text)[site]


def builtin_sites() -> list[str]:
    """Names of the sites with built-in normals."""
    return sorted(yaml.safe_load((Path(__file__).parent / "data" / "weather.yaml").read_text()))


def synthetic(
    normals: dict[str, list[float]],
    start: dt.datetime,
    duration_h: float,
    rng: np.random.Generator,
    daily_sd_c: float,
    step_h: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hourly synthetic weather: ``(times_h, dry_bulb_c, rh_pu)``, each value holding from its
    time to the next (see the module docstring for the model)."""
    times_h = np.arange(0.0, duration_h, step_h)
    local = pd.Timestamp(start) + pd.to_timedelta(times_h, unit="h")  # local wall clock
    day_of_year = local.day_of_year.to_numpy() - 1 + local.hour.to_numpy() / 24.0
    mid_month = (np.arange(12) + 0.5) * 365.0 / 12.0  # mid-month days, wrapped around the year
    x = np.concatenate([mid_month - 365.0, mid_month, mid_month + 365.0])

    def daily(name: str) -> np.ndarray:
        return np.interp(day_of_year, x, np.tile(normals[name], 3))

    t_max, t_min = daily("max_c"), daily("min_c")
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60.0
    dry = (t_max + t_min) / 2 + (t_max - t_min) / 2 * np.cos(2 * math.pi * (hour - 15.0) / 24.0)
    day = np.floor((times_h + start.hour + start.minute / 60.0) / 24.0).astype(int)
    n_days = int(day.max()) + 1 if len(day) else 0
    offsets = np.zeros(n_days)
    shocks = rng.standard_normal(n_days)
    for k in range(n_days):
        prev = offsets[k - 1] if k else 0.0
        scale = daily_sd_c if k == 0 else daily_sd_c * math.sqrt(1 - AR1_RHO**2)
        offsets[k] = AR1_RHO * prev + scale * shocks[k]
    # Humidity: the day's dew point is that of the month's mean temperature at its mean RH, and
    # holds through the day (so RH falls in the afternoon, as it does): RH = e_s(Td)/e_s(T).
    t_mean = (t_max + t_min) / 2
    dew = dew_point_c(t_mean, daily("rh_pu")) + offsets[day]  # a warm day is a humid one too
    dry = dry + offsets[day]
    rh = np.clip(saturation_kpa(dew) / saturation_kpa(dry), 0.05, 0.99)
    return times_h, dry, rh


def saturation_kpa(t_c: np.ndarray) -> np.ndarray:
    """Saturation vapour pressure over water [kPa], Magnus (Alduchov & Eskridge 1996):
    ``0.61094·exp(17.625·T/(T + 243.04))``."""
    t = np.asarray(t_c, dtype=float)
    return 0.61094 * np.exp(17.625 * t / (t + 243.04))


def dew_point_c(t_c: np.ndarray, rh_pu: np.ndarray) -> np.ndarray:
    """Dew point [°C] of air at ``t_c`` [°C] and relative humidity ``rh_pu``: the inverse of
    :func:`saturation_kpa` at ``rh·e_s(T)``."""
    g = np.log(np.asarray(rh_pu, dtype=float)) + 17.625 * t_c / (t_c + 243.04)
    return 243.04 * g / (17.625 - g)


CSV_MIN_C, CSV_MAX_C = -90.0, 60.0
"""Temperatures a weather trace may hold [°C]: the records are -89.2 °C (Vostok, 1983) and
56.7 °C (Death Valley, 1913)."""

WET_ABOVE_DRY_TOL_C = 0.05
"""A trace's wet-bulb may exceed its dry-bulb by this much (rounding of saturated air) [°C]."""

CSV_DRY = ("dry_bulb_c", "temp_air")
CSV_WET = ("wet_bulb_c",)
CSV_RH = ("rh_pu", "relative_humidity")


def read_csv(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A weather trace: ``(times_h, dry_bulb_c, wet_bulb_c)``. Raises ValueError with the
    columns found when a needed column is missing, when the path is not a regular file, and
    with the data row (1 = the first after the header) when a value is not finite, a
    temperature lies outside -90–60 °C, a relative humidity outside 0–100 % or a wet-bulb above
    the dry-bulb. Read once per
    file version (validation and the run share it), as load traces are
    (:func:`sim.traces.read_trace`)."""
    path = Path(path)
    if not path.is_file():  # (a folder, or a named pipe that would block the read)
        raise ValueError(
            ("not a regular file: " if path.exists() else "file not found: ") + str(path)
        )
    stat = path.stat()
    return _read_csv(path.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _read_csv(path: Path, mtime_ns: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = pd.read_csv(path)
    columns = set(table.columns)
    dry_col = next((c for c in CSV_DRY if c in columns), None)
    if "time_h" not in columns or dry_col is None:
        raise ValueError(
            f"needs time_h and dry_bulb_c (or temp_air); found {', '.join(table.columns)}"
        )
    humidity = next((c for c in ("wet_bulb_c", *CSV_RH) if c in columns), None)
    if humidity is None:
        raise ValueError(
            f"needs wet_bulb_c, rh_pu or relative_humidity; found {', '.join(table.columns)}"
        )
    try:
        times_h, dry, given = (
            table[c].to_numpy(dtype=float) for c in ("time_h", dry_col, humidity)
        )
    except ValueError:
        raise ValueError("has non-numeric values") from None
    for name, values in (("time_h", times_h), (dry_col, dry), (humidity, given)):
        _refuse_rows(name, values, ~np.isfinite(values), "is empty or not a finite number")
    temperatures = [(dry_col, dry)] + ([("wet_bulb_c", given)] if humidity == "wet_bulb_c" else [])
    for name, values in temperatures:
        _refuse_rows(
            name,
            values,
            (values < CSV_MIN_C) | (values > CSV_MAX_C),
            f"is outside {CSV_MIN_C:g}–{CSV_MAX_C:g} °C",
        )
    if humidity == "wet_bulb_c":
        wet = given
        _refuse_rows(
            "wet_bulb_c",
            wet,
            wet > dry + WET_ABOVE_DRY_TOL_C,
            f"is above {dry_col} (a wet-bulb cannot exceed the dry-bulb)",
        )
    else:
        scale = 1.0 if humidity == "rh_pu" else 100.0
        allowed = "0–1" if humidity == "rh_pu" else "0–100 %"
        _refuse_rows(humidity, given, (given < 0) | (given > scale), f"is outside {allowed}")
        wet = wet_bulb_c(dry, given / scale)
    if len(times_h) == 0 or times_h[0] > 0 or np.any(np.diff(times_h) <= 0):
        raise ValueError("time_h must start at or before 0 and increase")
    return times_h, dry, wet


def _refuse_rows(column: str, values: np.ndarray, bad: np.ndarray, what: str) -> None:
    """Raise ValueError naming the first data row (1-based) where ``bad`` holds."""
    if bad.any():
        k = int(np.argmax(bad))
        count = int(bad.sum())
        more = f" (and {count - 1} more rows)" if count > 1 else ""
        raise ValueError(f"data row {k + 1}: {column} {values[k]:g} {what}{more}")


class Weather:
    """Ambient conditions now (``dry_bulb_c``, ``wet_bulb_c`` [°C]) and their replay.

    Parameters
    ----------
    times_h, dry_bulb_c, wet_bulb_c : numpy.ndarray
        Each value holds from its time [h] to the next.
    """

    def __init__(self, times_h: np.ndarray, dry_bulb_c: np.ndarray, wet_bulb_c: np.ndarray):
        self.times_s = np.asarray(times_h, dtype=float) * S_PER_H
        self.dry = np.asarray(dry_bulb_c, dtype=float)
        self.wet = np.asarray(wet_bulb_c, dtype=float)
        first = max(0, int(np.searchsorted(self.times_s, 0.0, side="right")) - 1)
        self._first = first
        self.dry_bulb_c = float(self.dry[first])
        self.wet_bulb_c = float(self.wet[first])
        self._watchers: list[Callable[[], None]] = []

    def start(self, env: simpy.Environment, on_change: Callable[[], None]) -> None:
        """Replay the changes (once, however many watch it); ``on_change()`` follows each
        one, after those of the watchers started before."""
        self._watchers.append(on_change)
        if len(self._watchers) == 1:
            env.process(self._replay(env))

    def _replay(self, env: simpy.Environment):
        for k in range(self._first + 1, len(self.times_s)):
            t_s = float(self.times_s[k])  # (a numpy time would spread into the clock)
            if t_s > env.now:
                yield env.timeout(t_s - env.now)
            dry, wet = float(self.dry[k]), float(self.wet[k])
            if dry != self.dry_bulb_c or wet != self.wet_bulb_c:
                self.dry_bulb_c, self.wet_bulb_c = dry, wet
                for on_change in self._watchers:
                    on_change()

    def mean_over(self, edges_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Time-weighted mean dry-bulb and wet-bulb [°C] over each bin ``[e_i, e_{i+1})``."""
        return _step_mean(self.times_s, self.dry, edges_s), _step_mean(
            self.times_s, self.wet, edges_s
        )


def _step_mean(times_s: np.ndarray, values: np.ndarray, edges_s: np.ndarray) -> np.ndarray:
    """Exact bin means of a step function (``values[k]`` from ``times_s[k]`` on)."""
    cum_at = np.concatenate([[0.0], np.cumsum(values[:-1] * np.diff(times_s))])  # at times_s

    def integral(x: np.ndarray) -> np.ndarray:
        k = np.clip(np.searchsorted(times_s, x, side="right") - 1, 0, len(times_s) - 1)
        return cum_at[k] + values[k] * (x - times_s[k])

    a = integral(edges_s)
    return np.diff(a) / np.diff(edges_s)
