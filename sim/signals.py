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


def tou_schedule(tariff: TariffConfig, start: dt.datetime, duration_h: float) -> Schedule:
    """The price of a time-of-use tariff over the run, hour by local hour.

    Local time is ``start``'s wall clock with its fixed UTC offset (no daylight-saving shifts).
    An hour is on peak when its local hour ``h`` has ``first <= h < end`` of its season's
    ``on_peak_hours`` (and, with ``weekdays_only``, it is Monday to Friday).
    """
    season_of = {m: s for s in tariff.seasons for m in s.months}
    t0 = pd.Timestamp(start)
    first_hour = t0.ceil("h")
    n = math.ceil(duration_h) + 2
    hours = pd.date_range(first_hour, periods=n, freq="h")
    starts = pd.DatetimeIndex([t0]).append(hours) if first_hour != t0 else hours
    times_s = (starts - t0).total_seconds().to_numpy()
    prices = np.empty(len(starts))
    for i, ts in enumerate(starts):
        season = season_of[ts.month]
        first, end = season.on_peak_hours
        on = first <= ts.hour < end and (ts.weekday() < 5 or not season.weekdays_only)
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


def month_starts_s(start: dt.datetime, end_s: float) -> np.ndarray:
    """Seconds from the run's start to each local calendar month start within the run, with 0
    first (the run's first, possibly partial, month)."""
    t0 = pd.Timestamp(start)
    end = t0 + pd.Timedelta(seconds=end_s)
    firsts = pd.date_range(t0.normalize().replace(day=1), end, freq="MS")
    offsets = (firsts - t0).total_seconds().to_numpy()
    return np.concatenate(([0.0], offsets[(offsets > 0) & (offsets < end_s)]))


def month_labels(start: dt.datetime, month_starts: np.ndarray) -> list[str]:
    """``YYYY-MM`` of each month start (local time)."""
    t0 = pd.Timestamp(start)
    return [(t0 + pd.Timedelta(seconds=float(s))).strftime("%Y-%m") for s in month_starts]


def month_lengths_s(start: dt.datetime, month_starts: np.ndarray) -> np.ndarray:
    """Length of the calendar month holding each month start [s]: its days × 86,400 (local
    time with ``start``'s fixed UTC offset, so every day is 86,400 s)."""
    t0 = pd.Timestamp(start)
    days = [(t0 + pd.Timedelta(seconds=float(s))).days_in_month for s in month_starts]
    return np.asarray(days, dtype=float) * 86_400.0
