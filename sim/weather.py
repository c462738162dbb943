"""Ambient weather for the cooling plant and the turbines' inlet air: dry-bulb and wet-bulb
temperature over time, and the irradiance where a file gives it.

Three sources, each piecewise constant at its own resolution, replayed as events — never
polled:

- **synthetic**, from a built-in site's climate (``weather.site``; Memphis by default; the
  model: :mod:`sim.climate`), drawn from the run's seed;
- **an EPW file** (``weather.epw``; EnergyPlus/TMY weather, read by pvlib,
  :func:`sim.weather_files.read_epw`): a typical year, each run hour taking the file's hour of
  the same month, day and local standard time, year after year (29 February repeats the 28th);
- **a CSV trace** (``weather.csv``, :func:`sim.weather_files.read_csv`), hours from the run's
  start.

The wet-bulb is computed from the dry-bulb and dew point by psychrolib (:mod:`sim.psychro`).
Heat waves add ``delta_c`` to the dry-bulb in their window and **hold the dew point** (the
moisture in the air does not change with its temperature), so the relative humidity falls and
the wet-bulb rises by less than the dry-bulb.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import simpy

import sim.psychro as psychro
from sim.climate import site_climate, synthetic
from sim.rng import stream
from sim.units import S_PER_H
from sim.weather_files import WeatherTrace, hour_of_year, read_csv, read_epw

if TYPE_CHECKING:
    from sim.config import WeatherConfig

DEFAULT_SITE = "memphis"
"""The weather of a site that names none (synthetic, from Memphis's climate)."""


def build_weather(cfg: WeatherConfig, start: dt.datetime, duration_h: float, seed: int) -> Weather:
    """The run's weather from its config: an EPW file, a CSV trace, or synthetic from a site's
    climate (drawn from the run's ``weather`` stream of ``seed``), with the heat waves added."""
    if cfg.epw is not None:
        trace = on_run_hours(read_epw(cfg.epw), start, duration_h)
    elif cfg.csv is not None:
        trace = read_csv(cfg.csv)
    else:
        trace = synthetic_trace(
            cfg.site or DEFAULT_SITE,
            start,
            duration_h,
            seed,
            cfg.step_h,
            cfg.daily_sd_c,
            cfg.dew_sd_c,
        )
    if cfg.heat_waves:
        trace = with_heat_waves(
            trace, [(w.start_h, w.duration_h, w.delta_c) for w in cfg.heat_waves], duration_h
        )
    return Weather(trace.times_h, trace.dry_bulb_c, trace.wet_bulb_c, trace.irradiance)


def synthetic_trace(
    site: str,
    start: dt.datetime,
    duration_h: float,
    seed: int,
    step_h: float,
    temp_sd_c: float | None,
    dew_sd_c: float | None,
) -> WeatherTrace:
    """Synthetic weather of a built-in site (:func:`sim.climate.synthetic`) with its wet-bulb
    at the site's standard pressure. A process keeps the last few built (psychrolib's wet-bulb
    costs ~45 µs a step, ~0.4 s for an hourly year), so the runs of a sweep that share their
    weather, start and seed build it once; its arrays are read-only."""
    # (aware datetimes compare equal at the same instant: the zone, which sets the local
    # hours, is part of the key)
    zone = repr(start.tzinfo)
    return _synthetic_trace(site, start, zone, duration_h, seed, step_h, temp_sd_c, dew_sd_c)


@functools.lru_cache(maxsize=8)
def _synthetic_trace(
    site: str,
    start: dt.datetime,
    _zone: str,
    duration_h: float,
    seed: int,
    step_h: float,
    temp_sd_c: float | None,
    dew_sd_c: float | None,
) -> WeatherTrace:
    climate = site_climate(site)
    times_h, dry, dew = synthetic(
        climate,
        start,
        duration_h,
        stream(seed, "weather"),
        step_h,
        temp_sd_c,
        dew_sd_c,
    )
    pressure = psychro.pressure_pa(climate.elevation_m)
    wet = psychro.wet_bulb_c(dry, dew, pressure)
    for shared in (times_h, dry, dew, wet):
        shared.flags.writeable = False  # (kept for the next run: read only)
    return WeatherTrace(times_h, dry, wet, dew, pressure)


def on_run_hours(year: WeatherTrace, start: dt.datetime, duration_h: float) -> WeatherTrace:
    """A typical year (hours from 1 January 00:00 of its local standard time) laid on the run:
    each hour of the run, in the file's zone, takes the file's hour of the same month, day and
    hour (29 February the 28th's), from the hour the run starts in."""
    local = pd.Timestamp(start).tz_convert(dt.timezone(dt.timedelta(hours=year.utc_offset_h)))
    first = local.floor("h")
    lead_h = (first - local).total_seconds() / S_PER_H  # (<= 0: the hour the run starts in)
    hours = pd.date_range(first, periods=int(np.ceil(duration_h - lead_h)), freq="h")
    days = np.where((hours.month == 2) & (hours.day == 29), 28, hours.day)
    k = hour_of_year(hours.month.to_numpy(), days, hours.hour.to_numpy())
    return WeatherTrace(
        lead_h + np.arange(len(k), dtype=float),
        year.dry_bulb_c[k],
        year.wet_bulb_c[k],
        None if year.dew_point_c is None else year.dew_point_c[k],
        np.broadcast_to(year.pressure_pa, year.times_h.shape)[k],
        {name: values[k] for name, values in year.irradiance.items()},
    )


def with_heat_waves(
    trace: WeatherTrace, waves: Sequence[tuple[float, float, float]], end_h: float
) -> WeatherTrace:
    """``trace`` with each heat wave ``(start_h, duration_h, delta_c)`` added: the steps split
    at the waves' edges, the dry-bulb raised by ``delta_c`` [°C] inside each window, the dew
    point held and the wet-bulb recomputed there (outside, the trace's own values)."""
    times_h = trace.times_h
    edges = [h for start_h, length_h, _ in waves for h in (start_h, start_h + length_h)]
    new_times = np.union1d(times_h, [e for e in edges if times_h[0] < e < end_h])
    k = np.searchsorted(times_h, new_times, side="right") - 1
    dry, wet = trace.dry_bulb_c[k], trace.wet_bulb_c[k]
    pressure = np.broadcast_to(trace.pressure_pa, trace.times_h.shape)[k]
    delta = np.zeros(len(new_times))
    for start_h, length_h, delta_c in waves:
        delta[(new_times >= start_h) & (new_times < start_h + length_h)] += delta_c
    hot = delta > 0
    if trace.dew_point_c is not None:
        dew = trace.dew_point_c[k]
    else:  # (a trace of wet-bulbs: the dew point of the hot steps only)
        dew = np.full(len(new_times), np.nan)
        dew[hot] = psychro.dew_point_from_wet_bulb_c(dry[hot], wet[hot], pressure[hot])
    dry = dry + delta
    wet = wet.copy()
    wet[hot] = psychro.wet_bulb_c(dry[hot], dew[hot], pressure[hot])
    return WeatherTrace(
        new_times,
        dry,
        wet,
        None if trace.dew_point_c is None else dew,
        pressure,
        {name: values[k] for name, values in trace.irradiance.items()},
    )


class Weather:
    """Ambient conditions now (``dry_bulb_c``, ``wet_bulb_c`` [°C]) and their replay.

    Parameters
    ----------
    times_h, dry_bulb_c, wet_bulb_c : numpy.ndarray
        Each value holds from its time [h] to the next.
    irradiance : dict of numpy.ndarray, optional
        ``ghi``, ``dni``, ``dhi`` [W/m²] on the same steps, where the source gives them.
    """

    def __init__(
        self,
        times_h: np.ndarray,
        dry_bulb_c: np.ndarray,
        wet_bulb_c: np.ndarray,
        irradiance: dict[str, np.ndarray] | None = None,
    ):
        self.times_s = np.asarray(times_h, dtype=float) * S_PER_H
        self.dry = np.asarray(dry_bulb_c, dtype=float)
        self.wet = np.asarray(wet_bulb_c, dtype=float)
        self.irradiance = dict(irradiance or {})
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
