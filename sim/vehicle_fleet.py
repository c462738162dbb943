"""Cars that compute while parked (``vehicle_fleet:``): a site of its own kind, off the bus.

``N`` cars carry an in-car computer of board power ``P`` [W] and peak ``F`` [TFLOPS at FP8, the
work units of :mod:`sim.throughput`; ``sim/data/vehicle_hardware.yaml``]. In each local hour
``k`` of the site's zone (``site.timezone``, daylight saving included) the cars at work are

    A_k = round(N · o · e · s(h_k, weekend_k))

with ``o`` the owners' opt-in share, ``e`` the share of their parked cars that may compute and
``s`` the share parked at local hour ``h_k`` (weekday or weekend profile). The count is constant
within the hour. At each hour boundary cars leave: ``max(A_k − A_{k+1}, 0)`` because the
profile drops, and ``L ~ Binomial(min(A_k, A_{k+1}), q)`` more that are driven off and replaced
by others (``q`` = ``leave_per_h_pu``), drawn from the stream ``vehicle_fleet.leaves``. One
SimPy process moves the counts for the whole fleet (no process per car).

Work is divisible (batch inference or asynchronous training): a car that leaves loses what it
did since its last upload. With upload phases uniform over the interval ``I`` the expected loss
is ``I/2`` of its work per leave (taken as that expectation; a car is assumed to have computed
for at least one interval before it leaves). So, over a run,

    delivered car-hours  H = Σ A·Δt − (I/2)·leaves                           [car·h]
    work                 W = H · F · u · 3.6e-3                              [EFLOP]
    H100-equivalent      W / (F_H100 · u · 3.6e-3) = H · F / F_H100          [H100·h]
    energy at the homes  E = Σ A·Δt · P / η                                  [MWh]
    owners' cost         E · price;  revenue  H100·h · r;  owners' part  × owner_share

with ``u`` the MFU, ``η`` the home charger's efficiency; the energy counts the work lost too.

It registers with :func:`sim.contracts.register_source` (its recorder columns, its start and
its report come through that registry) but its limit is always 0 MW: its power is drawn at the
owners' homes, not from the site bus, and is recorded in its own column only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.config.schema.cluster import hardware_catalog
from sim.config.schema.vehicle_fleet import VehicleFleetConfig, hardware_of
from sim.contracts import Site, register_source
from sim.recorder import durations_s
from sim.rng import stream
from sim.throughput import EFLOP_PER_TFLOPS_H, H100
from sim.units import S_PER_H

if TYPE_CHECKING:
    import simpy

    from sim.config import Config

GRID_S = 900.0
"""Step of the UTC grid searched for local hour starts [s]: every zone's offset is a multiple
of 15 min, so each local hour starts on it."""


def local_hours(start: dt.datetime, end_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The local hours a run crosses: their start [s since ``start``; the first is 0], local
    hour of day (0–23) and whether a weekend day (Saturday, Sunday), on the wall clock of
    ``start``'s zone (aware; daylight saving included: a spring-forward day has 23 hours, a
    fall-back day 25, its repeated hour twice)."""
    t0 = pd.Timestamp(start)
    t0_utc = t0.tz_convert("UTC")
    grid = pd.date_range(
        t0_utc.floor("15min"), t0_utc + pd.Timedelta(seconds=end_s), freq=f"{int(GRID_S)}s"
    )
    local = grid.tz_convert(t0.tzinfo)
    keep = (local.minute == 0) & (grid > t0_utc) & (grid < t0_utc + pd.Timedelta(seconds=end_s))
    times_s = np.concatenate(([0.0], (grid[keep] - t0_utc).total_seconds().to_numpy()))
    hours = np.concatenate(([t0.hour], local[keep].hour.to_numpy()))
    weekend = np.concatenate(([t0.day_of_week >= 5], local[keep].day_of_week.to_numpy() >= 5))
    return times_s, hours.astype(int), weekend.astype(bool)


def targets(cfg: VehicleFleetConfig, hours: np.ndarray, weekend: np.ndarray) -> np.ndarray:
    """Cars at work in each local hour: ``round(N · o · e · s(h, weekend))`` [cars]."""
    weekday_pu, weekend_pu = (np.asarray(s) for s in cfg.shares())
    share = np.where(weekend, weekend_pu[hours], weekday_pu[hours])
    return np.rint(cfg.vehicles * cfg.opt_in_pu * cfg.eligible_pu * share).astype(np.int64)


class VehicleFleet:
    """The fleet: counts of cars at work, moved by one SimPy process at local hour starts.

    Attributes
    ----------
    cars : int
        Cars computing now.
    lost_car_s : float
        Work lost to leaves so far, ``(I/2)·leaves`` [car·s].
    """

    name: str = "vehicle_fleet"
    columns: tuple[str, ...] = (
        "vehicle_fleet_cars",
        "vehicle_fleet_h100_eq",
        "vehicle_fleet_home_mw",
        "vehicle_fleet_lost_car_h",
    )
    mean_columns: tuple[str, ...] = ("vehicle_fleet_cars", "vehicle_fleet_h100_eq")
    """Columns the timeseries gives as exact bin means (the home power, ``_mw``, is one too)."""

    def __init__(
        self, cfg: VehicleFleetConfig, start: dt.datetime, end_s: float, seed: int
    ) -> None:
        self.cfg = cfg
        hardware = hardware_of(cfg)
        self.power_w = float(hardware["power_w"])
        self.tflops = float(hardware["dense_fp8_tflops"])
        h100_tflops = hardware_catalog()[H100].dense_fp8_tflops
        assert h100_tflops is not None  # (the catalog's h100-sxm has it)
        self.h100_per_car = self.tflops / h100_tflops
        self.times_s, hours, weekend = local_hours(start, end_s)
        self.targets = targets(cfg, hours, weekend)
        self.rng = stream(seed, "vehicle_fleet.leaves")
        self.p_mw = 0.0  # (on the bus: never anything)
        self.cars = int(self.targets[0])
        self.leaves = 0
        self.lost_car_s = 0.0

    # --- the source contract: a limit of 0 MW, nothing to integrate -----------------------
    def limit_mw(self) -> float:
        """Nothing for the site bus [MW]: the fleet draws at the owners' homes."""
        return 0.0

    def set_power(self, p_mw: float) -> None:
        """The bus sets 0 (its limit); nothing to do."""

    def advance(self, dt_s: float) -> None:
        """Nothing integrates between events (the counts are constant within an hour)."""

    def next_threshold_s(self) -> float:
        """No threshold of its own: its changes are its process's events."""
        return math.inf

    def values(self) -> tuple[float, ...]:
        """Cars at work, their H100-equivalents, the power they draw at the homes
        ``A · P / η / 10⁶`` [MW], the work lost so far [car·h]."""
        cars = float(self.cars)
        home_mw = cars * self.power_w / self.cfg.charger_efficiency_pu / 1e6
        return (cars, cars * self.h100_per_car, home_mw, self.lost_car_s / S_PER_H)

    # --- the process ------------------------------------------------------------------------
    def start(self, env: simpy.Environment, site: Site) -> None:
        """Start the fleet's one process on ``env``; it tells ``site`` of each change."""
        env.process(self._run(env, site))

    def _run(self, env: simpy.Environment, site: Site) -> Generator[Any, Any, None]:
        q, half_s = self.cfg.leave_per_h_pu, 0.5 * self.cfg.upload_interval_s
        for t_s, new in zip(self.times_s[1:], self.targets[1:], strict=True):
            yield env.timeout(float(t_s) - env.now)
            stay = min(self.cars, int(new))
            driven_off = int(self.rng.binomial(stay, q)) if stay > 0 and q > 0.0 else 0
            leaves = driven_off + max(self.cars - int(new), 0)
            if leaves == 0 and int(new) == self.cars:
                continue
            self.leaves += leaves
            self.lost_car_s += leaves * half_s
            self.cars = int(new)
            site.changed()

    # --- the report -------------------------------------------------------------------------
    def report(self, segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
        """The ``vehicle_fleet`` section (see the module docstring for the formulas)."""
        cfg = self.cfg
        dt_s = durations_s(segments, end_s)
        cars = segments["vehicle_fleet_cars"].to_numpy()
        car_h = float((cars * dt_s).sum()) / S_PER_H
        lost_car_h = float(segments["vehicle_fleet_lost_car_h"].iloc[-1])
        done_car_h = car_h - lost_car_h
        eflop = done_car_h * self.tflops * cfg.mfu_pu * EFLOP_PER_TFLOPS_H
        h100_h = done_car_h * self.h100_per_car
        energy_mwh = car_h * self.power_w / cfg.charger_efficiency_pu / 1e6
        owner_cost_usd = energy_mwh * 1000.0 * cfg.price_usd_per_kwh
        revenue_usd = h100_h * cfg.revenue_usd_per_h100_h
        owner_revenue_usd = revenue_usd * cfg.owner_share_pu
        h100_eq = segments["vehicle_fleet_h100_eq"].to_numpy()
        return {
            "vehicles": cfg.vehicles,
            "hardware": cfg.hardware,
            "car_h": car_h,
            "lost_car_h": lost_car_h,
            "preemptions": self.leaves,
            "delivered_eflop": eflop,
            "delivered_h100_h": h100_h,
            "mean_h100_eq": h100_h / (end_s / S_PER_H) if end_s > 0 else 0.0,
            "peak_h100_eq": float(h100_eq.max()) if len(h100_eq) else 0.0,
            "energy_mwh": energy_mwh,
            "owner_cost_usd": owner_cost_usd,
            "revenue_usd": revenue_usd,
            "owner_revenue_usd": owner_revenue_usd,
            "operator_revenue_usd": revenue_usd - owner_revenue_usd,
            "owner_net_usd": owner_revenue_usd - owner_cost_usd,
        }


def build_vehicle_fleet(config: Config) -> VehicleFleet | None:
    """The run's vehicle fleet (None without ``vehicle_fleet:``)."""
    if config.vehicle_fleet is None:
        return None
    return VehicleFleet(
        config.vehicle_fleet, config.start, config.duration_h * S_PER_H, config.seed
    )


register_source("vehicle_fleet", build_vehicle_fleet)
