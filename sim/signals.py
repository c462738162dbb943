"""Grid signals: energy price and carbon intensity as piecewise-constant schedules.

A schedule holds ``values[i]`` from ``times_s[i]`` until ``times_s[i+1]`` (the last value to the
end of the run). Prices and carbon intensity do not steer the ``peak_shave`` bus, so they are
not engine events: costs and emissions are exact integrals of grid import against them,
computed from the run's segment record.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from sim.config import GridConfig, TariffConfig
from sim.traces import read_trace


@dataclass(frozen=True)
class Schedule:
    """A piecewise-constant signal over the run.

    Attributes
    ----------
    times_s : numpy.ndarray
        Change times [s since the run's start], strictly increasing, the first 0.
    values : numpy.ndarray
        Value from each change time on, in the signal's unit.
    """

    times_s: np.ndarray
    values: np.ndarray

    @classmethod
    def constant(cls, value: float) -> Schedule:
        """A signal that never changes."""
        return cls(np.array([0.0]), np.array([float(value)]))

    def at(self, t_s: np.ndarray) -> np.ndarray:
        """The value at each time in ``t_s`` [s] (right-continuous)."""
        idx = np.searchsorted(self.times_s, t_s, side="right") - 1
        return self.values[np.clip(idx, 0, len(self.values) - 1)]

    def replay(self, env: simpy.Environment, on_change: Callable[[float], None]) -> None:
        """Start a process calling ``on_change(value)`` at each change after the first."""
        if len(self.times_s) > 1:
            env.process(self._replay(env, on_change))

    def _replay(
        self, env: simpy.Environment, on_change: Callable[[float], None]
    ) -> simpy.events.ProcessGenerator:
        for t_s, value in zip(self.times_s[1:].tolist(), self.values[1:].tolist(), strict=True):
            yield env.timeout(t_s - env.now)
            on_change(value)

    def mean_over(self, edges_s: np.ndarray) -> np.ndarray:
        """Exact time-weighted mean in each interval ``[edges[k], edges[k+1])``."""
        breaks = np.union1d(
            edges_s, self.times_s[(self.times_s > edges_s[0]) & (self.times_s < edges_s[-1])]
        )
        cum = np.concatenate(([0.0], np.cumsum(self.at(breaks[:-1]) * np.diff(breaks))))
        at_edges = np.interp(edges_s, breaks, cum)
        return np.diff(at_edges) / np.diff(edges_s)


def local_hour_starts(start: dt.datetime, duration_h: float) -> pd.DatetimeIndex:
    """``start``, then each start of a local hour up to ``duration_h`` [h] and 2 h beyond.

    The hours are on the wall clock of ``start``'s zone (the site's, see
    :attr:`sim.config.Config.zone`) and follow it through daylight saving: a spring-forward day
    has 23 of them, a fall-back day 25 (two hours 01:00). Consecutive ones are 3,600 s apart,
    which assumes the zone's offset only ever changes by whole hours (true of every zone in use
    but Lord Howe Island's 30-minute daylight saving).
    """
    t0 = pd.Timestamp(start)
    past = pd.Timedelta(
        minutes=t0.minute, seconds=t0.second, microseconds=t0.microsecond, nanoseconds=t0.nanosecond
    )  # (since the local hour began; computed on the wall clock, so right in any zone)
    first_hour = t0 + (pd.Timedelta(hours=1) - past) if past > pd.Timedelta(0) else t0
    hours = pd.date_range(first_hour, periods=math.ceil(duration_h) + 2, freq="h")
    return pd.DatetimeIndex([t0]).append(hours) if first_hour != t0 else hours


def tou_schedule(tariff: TariffConfig, start: dt.datetime, duration_h: float) -> Schedule:
    """The price of a time-of-use tariff over the run, hour by local hour.

    ``start`` is aware, in the site's zone: an hour is on peak when its local hour ``h`` (the
    site's wall clock, daylight saving included, :func:`local_hour_starts`) has
    ``first <= h < end`` of its season's ``on_peak_hours`` — the season of its local month —
    and, with ``weekdays_only``, its local day is Monday to Friday.
    """
    season_of = {m: s for s in tariff.seasons for m in s.months}
    starts = local_hour_starts(start, duration_h)
    times_s = (starts - starts[0]).total_seconds().to_numpy()
    local_hour = starts.hour.to_numpy()
    weekday = starts.day_of_week.to_numpy() < 5
    prices = np.empty(len(starts))
    for i, month in enumerate(starts.month.tolist()):
        season = season_of[month]
        first, end = season.on_peak_hours
        on = first <= local_hour[i] < end and (weekday[i] or not season.weekdays_only)
        prices[i] = season.on_peak_usd_per_mwh if on else season.off_peak_usd_per_mwh
    keep = np.concatenate(([True], prices[1:] != prices[:-1]))
    return Schedule(times_s[keep], prices[keep])


def price_schedule(grid: GridConfig, start: dt.datetime, duration_h: float) -> Schedule:
    """Energy price [USD/MWh]: constant, a CSV trace or a tariff; 0 when none is given."""
    if grid.price_csv is not None:
        return Schedule(*read_trace(grid.price_csv, "price_usd_per_mwh"))
    if grid.tariff is not None:
        return tou_schedule(grid.tariff, start, duration_h)
    return Schedule.constant(grid.price_usd_per_mwh or 0.0)


def carbon_schedule(grid: GridConfig) -> Schedule:
    """Grid carbon intensity [kg CO2/MWh]: constant or a CSV trace; 0 when none is given."""
    if grid.carbon_csv is not None:
        return Schedule(*read_trace(grid.carbon_csv, "carbon_kg_per_mwh", nonnegative=True))
    return Schedule.constant(grid.carbon_kg_per_mwh or 0.0)


def _local_month_first(year: int, month: int, zone: dt.tzinfo | None) -> pd.Timestamp:
    """The first instant of a local calendar month [UTC]: local midnight of its first day
    (python's ``fold=0``: the first of two midnights, or the end of a gap that swallows one)."""
    return pd.Timestamp(dt.datetime(year, month, 1, tzinfo=zone).astimezone(dt.timezone.utc))


def _month_bounds(start: dt.datetime, end_s: float) -> tuple[pd.Timestamp, list[pd.Timestamp]]:
    """``start`` [UTC], and the first instants [UTC] of the local months from the one after
    ``start``'s to the first at or after the run's end."""
    t0 = pd.Timestamp(start.astimezone(dt.timezone.utc))
    end = t0 + pd.Timedelta(seconds=end_s)
    firsts: list[pd.Timestamp] = []
    year, month = start.year, start.month  # (start's local month)
    while not firsts or firsts[-1] < end:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        firsts.append(_local_month_first(year, month, start.tzinfo))
    return t0, firsts


def month_starts_s(start: dt.datetime, end_s: float) -> np.ndarray:
    """Seconds from the run's start to each local calendar month start within the run, with 0
    first (the run's first, possibly partial, month).

    ``start`` is aware, in the site's zone: a month starts at local midnight of its first day,
    daylight saving included (so a month is not always a whole number of 86,400-s days).
    """
    t0, firsts = _month_bounds(start, end_s)
    offsets = np.array([(f - t0).total_seconds() for f in firsts])
    return np.concatenate(([0.0], offsets[(offsets > 0) & (offsets < end_s)]))


def month_labels(start: dt.datetime, month_starts: np.ndarray) -> list[str]:
    """``YYYY-MM`` of each month start (the site's local time, ``start``'s zone)."""
    t0 = pd.Timestamp(start)
    return [(t0 + pd.Timedelta(seconds=float(s))).strftime("%Y-%m") for s in month_starts]


def month_lengths_s(start: dt.datetime, month_starts: np.ndarray) -> np.ndarray:
    """Length of the local calendar month holding each month start [s]: from its local first
    midnight to the next month's, on the site's clock with daylight saving (a Chicago March is
    31 × 86,400 − 3,600 s, a November 30 × 86,400 + 3,600 s)."""
    t0 = pd.Timestamp(start)
    lengths = []
    for s in month_starts:
        at = t0 + pd.Timedelta(seconds=float(s))
        year, month = at.year, at.month
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        first = _local_month_first(year, month, start.tzinfo)
        after = _local_month_first(next_year, next_month, start.tzinfo)
        lengths.append((after - first).total_seconds())
    return np.asarray(lengths, dtype=float)
