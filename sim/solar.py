"""The solar plant on the bus: a must-take source whose output is a line between weather steps.

The plant's AC output is computed once when the run is built, at the weather's steps, by
pvlib (:mod:`sim.solar_model`); between two steps it is the straight line through their
values, so its energy over a step is exactly the trapezoid ``(P_k + P_{k+1})/2 · Δt`` and
each step is one event (:meth:`SolarPlant.next_threshold_s`). After the last step of a weather
file the last value holds; the synthetic weather gets a last point at the run's end.

On the bus (:mod:`sim.commitment`) a **must-take** source (``must_take = True``) gives its
whole output line, ``limit_mw()`` now moving at ``ramp_mw_per_s``, whatever the grid could
supply: it serves the load before the grid (zero marginal cost). The balance
(:func:`sim.balance.balance`) then sees the net load ``load − solar`` with its ramp: a surplus
charges the battery as far as the policy lets it and the rest is spilled, recorded as
``curtailed_mw``. There is no export (``grid.export_limit_mw`` is not a key: export is not
modelled yet).

The plant is registered as a source (:func:`sim.contracts.register_source`), built for a
config with ``solar:``. It records ``<name>_mw`` and ``<name>_ramp_mw_per_s`` and reports the
``<name>`` summary section (:meth:`SolarPlant.report`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.contracts import NO_SITE, Site, register_source
from sim.recorder import durations_s, ramp_of
from sim.rng import stream
from sim.solar_model import (
    daily_clearsky_index,
    day_of_year,
    plant_ac_mw,
    synthetic_irradiance,
)
from sim.units import S_PER_H

if TYPE_CHECKING:
    import simpy

    from sim.config import Config

SNAP_S = 1e-6
"""A weather step nearer than this to now is taken as reached [s] (clock rounding)."""


class SolarPlant:
    """A must-take source along the piecewise-linear line through ``(times_s[k], p_mw[k])``.

    Parameters
    ----------
    name : str
        Its summary section and the stem of its columns.
    times_s : sequence of float
        The knots [s since the run's start], increasing; the first at or before 0.
    p_mw : sequence of float
        AC output at the knots [MW] (>= 0).
    p_dc_mw, p_ac_mw : float
        DC and AC ratings [MW] (for the specific yield and the capacity factor).
    """

    must_take = True

    def __init__(
        self,
        name: str,
        times_s: list[float],
        p_mw: list[float],
        p_dc_mw: float,
        p_ac_mw: float,
    ) -> None:
        if len(times_s) != len(p_mw) or not times_s:
            raise ValueError("solar: times_s and p_mw must be as long, and not empty")
        self.name = name
        self.columns: tuple[str, ...] = (f"{name}_mw", f"{name}_ramp_mw_per_s")
        self.times_s = [float(t) for t in times_s]
        self.knots_mw = [float(p) for p in p_mw]
        self.p_dc_mw, self.p_ac_mw = p_dc_mw, p_ac_mw
        self.env: simpy.Environment | None = None
        self.site: Site = NO_SITE
        self._k = 0  # the segment: times_s[k] <= now < times_s[k + 1]
        self.p_mw = 0.0
        self.ramp_mw_per_s = 0.0
        self._line(0.0)

    def start(self, env: simpy.Environment, site: Site) -> None:
        """Start on the bus: the plant reads the clock (it needs no process of its own)."""
        self.env, self.site = env, site
        self._line(env.now)

    def _now(self) -> float:
        return self.env.now if self.env is not None else 0.0

    def _line(self, now: float) -> None:
        """Set :attr:`p_mw` and :attr:`ramp_mw_per_s` to the line at ``now`` [s]."""
        times, n = self.times_s, len(self.times_s)
        k = self._k
        while k + 1 < n and now >= times[k + 1] - SNAP_S:
            k += 1
        self._k = k
        if k + 1 < n and now >= times[k] - SNAP_S:
            p0, p1 = self.knots_mw[k], self.knots_mw[k + 1]
            r = (p1 - p0) / (times[k + 1] - times[k])
            self.p_mw = max(p0 + r * (now - times[k]), 0.0) if now != times[k] else p0
            self.ramp_mw_per_s = r
        else:  # before the first knot or after the last: hold
            self.p_mw = self.knots_mw[k if now >= times[k] - SNAP_S else 0]
            self.ramp_mw_per_s = 0.0

    # the Source contract
    def limit_mw(self) -> float:
        """The output available now [MW]: the line's value (all of it goes on the bus)."""
        self._line(self._now())
        return self.p_mw

    def set_power(self, p_mw: float) -> None:
        """The bus takes ``p_mw`` [MW] (a must-take source: all of :meth:`limit_mw`)."""
        self.p_mw = p_mw

    def advance(self, dt_s: float) -> None:
        """Move the output along its line by ``dt_s`` [s] (the energy is the record's)."""
        self.p_mw += self.ramp_mw_per_s * dt_s

    def next_threshold_s(self) -> float:
        """Time to the next weather step [s]; ``inf`` after the last."""
        now = self._now()
        k = self._k
        if k + 1 >= len(self.times_s):
            return math.inf
        return max(self.times_s[k + 1] - now, 0.0)

    def values(self) -> tuple[float, ...]:
        """``(<name>_mw, <name>_ramp_mw_per_s)`` for the segment that starts now."""
        return self.p_mw, self.ramp_mw_per_s

    def report(self, segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
        """The plant's section: ``energy_mwh`` (its AC output, ``∫ P dt``), ``curtailed_mwh``
        (the part of it spilled: ``∫ min(P, curtailed) dt``, exact for two lines), the
        ``delivered_mwh`` rest, ``peak_mw``, ``capacity_factor_pu`` = energy / (``p_ac_mw`` ×
        run hours) and ``specific_yield_kwh_per_kwp`` = energy / ``p_dc_mw``."""
        column = self.columns[0]
        dt_s = durations_s(segments, end_s)
        p, r = segments[column].to_numpy(), ramp_of(segments, column)
        c, rc = segments["curtailed_mw"].to_numpy(), ramp_of(segments, "curtailed_mw")
        energy_mwh = float(np.sum((p + 0.5 * r * dt_s) * dt_s)) / S_PER_H
        curtailed_mwh = float(np.sum(min_of_lines_mw_s(p, r, c, rc, dt_s))) / S_PER_H
        peak_mw = float(np.max(np.maximum(p, p + r * dt_s))) if len(p) else 0.0
        hours = end_s / S_PER_H
        return {
            "energy_mwh": energy_mwh,
            "delivered_mwh": energy_mwh - curtailed_mwh,
            "curtailed_mwh": curtailed_mwh,
            "peak_mw": peak_mw,
            "capacity_factor_pu": energy_mwh / (self.p_ac_mw * hours) if hours > 0 else 0.0,
            "specific_yield_kwh_per_kwp": energy_mwh / self.p_dc_mw,
        }


def min_of_lines_mw_s(
    a: np.ndarray, ra: np.ndarray, b: np.ndarray, rb: np.ndarray, dt_s: np.ndarray
) -> np.ndarray:
    """``∫₀^Δt min(a + ra·t, b + rb·t) dt`` per segment [MW·s], exact: split where the lines
    cross (``t* = (b − a)/(ra − rb)`` inside the segment)."""

    def integral(p: np.ndarray, r: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        return p * (t1 - t0) + 0.5 * r * (t1 * t1 - t0 * t0)

    zero = np.zeros_like(dt_s)
    dr = ra - rb
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(dr != 0.0, (b - a) / dr, -1.0)
    inside = (cross > 0.0) & (cross < dt_s)
    t_c = np.where(inside, cross, dt_s)
    a_first = (a < b) | ((a == b) & (ra <= rb))  # a is the lower line at the start
    low1 = np.where(a_first, integral(a, ra, zero, t_c), integral(b, rb, zero, t_c))
    low2 = np.where(a_first, integral(b, rb, t_c, dt_s), integral(a, ra, t_c, dt_s))
    return low1 + np.where(inside, low2, 0.0)


def build_solar(config: Config) -> SolarPlant | None:
    """The plant of a config with ``solar:`` (None without): its AC output at the weather's
    steps (:func:`plant_ac_mw`) as knots, from the weather's irradiance, or the clear-sky
    model with a daily clear-sky index drawn from the run's ``solar.clearsky_index``
    stream for a weather without (the synthetic weather, a point added at the run's end)."""
    cfg = config.solar
    if cfg is None:
        return None
    from sim.climate import site_climate  # (the synthetic weather's site: its elevation)
    from sim.config import WeatherConfig
    from sim.weather import DEFAULT_SITE, build_weather

    lat, lon = config.site.latitude_deg, config.site.longitude_deg
    assert lat is not None  # (the schema requires both with solar:)
    assert lon is not None
    wcfg = config.weather if config.weather is not None else WeatherConfig()
    local_start = config.start.astimezone(config.zone)
    weather = build_weather(wcfg, local_start, config.duration_h, config.seed)
    end_s = config.duration_h * S_PER_H
    times_s = weather.times_s[weather.times_s < end_s]
    dry_c = weather.dry[: len(times_s)]
    synthetic = "ghi" not in weather.irradiance
    if synthetic:
        times_s = np.append(times_s, end_s)
        dry_c = np.append(dry_c, dry_c[-1])
    start_utc = pd.Timestamp(config.start).tz_convert("UTC")
    times_utc = pd.DatetimeIndex(start_utc + pd.to_timedelta(times_s, unit="s"))
    if synthetic:
        local = times_utc.tz_convert(config.zone)
        days = (local.normalize() - local[0].normalize()).days.to_numpy()
        index = daily_clearsky_index(
            stream(config.seed, "solar.clearsky_index"),
            int(days.max()) + 1,
            cfg.clearsky_index_mean_pu,
            cfg.clearsky_index_sd_pu,
        )
        altitude_m = site_climate(wcfg.site or DEFAULT_SITE).elevation_m
        irradiance = synthetic_irradiance(lat, lon, altitude_m, times_utc, days, index)
    else:
        n = len(times_s)
        irradiance = {key: np.asarray(v[:n], dtype=float) for key, v in weather.irradiance.items()}
        if "dni" not in irradiance or "dhi" not in irradiance:
            import pvlib

            sun = pvlib.solarposition.get_solarposition(times_utc, lat, lon)
            split = pvlib.irradiance.erbs(
                irradiance["ghi"], sun["zenith"].to_numpy(), day_of_year(times_utc)
            )
            irradiance["dni"] = np.nan_to_num(np.asarray(split["dni"], dtype=float))
            irradiance["dhi"] = np.nan_to_num(np.asarray(split["dhi"], dtype=float))
    p_mw = plant_ac_mw(cfg, lat, lon, times_utc, irradiance, np.asarray(dry_c, dtype=float))
    if times_s[-1] < end_s:  # (a weather file's last step) its value holds to the end
        times_s, p_mw = np.append(times_s, end_s), np.append(p_mw, p_mw[-1])
    return SolarPlant("solar", times_s.tolist(), p_mw.tolist(), cfg.p_dc_mw, cfg.p_ac_mw)


register_source("solar", build_solar)
