"""Facility assembly: build the components from a validated config and wire them to the bus."""

from __future__ import annotations

import math

import pandas as pd
import simpy
from tqdm import tqdm

import sim.solar  # (registers the solar plant: sim.contracts)
import sim.vehicle_fleet  # noqa: F401  (registers the vehicle fleet: sim.contracts)
from sim.buildout import Buildout
from sim.cluster import Cluster
from sim.cluster_report import no_progress
from sim.config import BatteryConfig, Config, ElectricalConfig, LoadConfig, WeatherConfig
from sim.contracts import Reports, Section, build_sources
from sim.cooling import CoolingPlant
from sim.dispatch import POLICIES, Bus
from sim.electrical import ElectricalLosses
from sim.loads import ExogenousLoad
from sim.power.battery import Battery
from sim.power.grid import Grid
from sim.power.storage_plant import StoragePlant
from sim.power.turbines import TurbineFleet
from sim.recorder import Recorder
from sim.rng import stream
from sim.scenarios import draw_outages
from sim.signals import carbon_schedule, month_labels, month_starts_s, price_schedule
from sim.summary import turbine_summary
from sim.traces import read_load_trace
from sim.units import S_PER_H
from sim.weather import Weather
from sim.weather import build_weather as weather_from_config

PROGRESS_STEPS = 200
"""Number of chunks the simulated time is run in when a progress bar is shown."""


def build_weather(config: Config) -> Weather:
    """The run's weather (:func:`sim.weather.build_weather`; Memphis's synthetic climate when
    the config names none), on the site's wall clock (the local hours)."""
    cfg = config.weather if config.weather is not None else WeatherConfig()
    local_start = config.start.astimezone(config.zone)
    return weather_from_config(cfg, local_start, config.duration_h, config.seed)


def build_load(cfg: LoadConfig | None) -> ExogenousLoad:
    """The exogenous IT load of a config (none: a constant 0)."""
    if cfg is None:
        return ExogenousLoad.constant(0.0)
    if cfg.trace_csv is not None:
        times_s, loads_mw = read_load_trace(cfg.trace_csv)
        return ExogenousLoad(times_s.tolist(), loads_mw.tolist())
    assert cfg.constant_mw is not None  # guaranteed by LoadConfig
    return ExogenousLoad.constant(cfg.constant_mw)


def build_electrical(
    config: Config, load: ExogenousLoad, cluster: Cluster | None
) -> ElectricalLosses | None:
    """The site's distribution losses (:mod:`sim.electrical`), rated for its full IT load
    (the cluster's at full training load and the exogenous load's largest value): as
    ``facility.electrical`` says, or by default on (the sourced defaults) for a site with a
    cluster or a cooling plant and off for an exogenous load alone, which is taken as the
    site's metered load. None when off, or when the site has no IT load to feed."""
    cfg = config.facility.electrical
    if cfg == "none" or (cfg is None and cluster is None and config.cooling is None):
        return None
    it_full_mw = max(load.loads_mw) + (cluster.peak_mw if cluster is not None else 0.0)
    if it_full_mw <= 0.0:
        return None
    return ElectricalLosses(
        cfg if isinstance(cfg, ElectricalConfig) else ElectricalConfig(), it_full_mw
    )


def build_storage(storages: list[BatteryConfig]) -> Battery | StoragePlant:
    """The storage of a config (:attr:`sim.config.Config.storages`): an empty battery (0 MWh,
    0 MW) when there is none, one battery, or a plant of several in order (see
    :mod:`sim.power.storage_plant`)."""
    if not storages:
        return Battery(0.0, 0.0, 0.0, soc_initial=0.0)
    if len(storages) > 1:
        return StoragePlant([(str(c.name), build_battery(c)) for c in storages])
    return build_battery(storages[0])


def build_battery(cfg: BatteryConfig) -> Battery:
    """One battery of the config."""
    return Battery(
        energy_nom_mwh=cfg.energy_mwh,
        p_charge_max_mw=cfg.power_mw if cfg.charge_power_mw is None else cfg.charge_power_mw,
        p_discharge_max_mw=cfg.power_mw
        if cfg.discharge_power_mw is None
        else cfg.discharge_power_mw,
        efficiency_charge=cfg.efficiency_charge,
        efficiency_discharge=cfg.efficiency_discharge,
        soc_min=cfg.soc_min,
        soc_max=cfg.soc_max,
        soc_initial=cfg.soc_initial,
        reserve_soc=cfg.backup_reserve_soc,
        aux_load_mw=cfg.aux_load_mw,
    )


class Facility:
    """One site: a SimPy environment with its load, grid, battery and bus, ready to run.

    Attributes
    ----------
    reporting : list of Reports
        The parts of the site with a summary section each (see
        :class:`sim.contracts.Reports`): the grid's outages and demand response, the
        turbines (with zero totals on a site without), the cluster's jobs and GPU-hours, the
        cooling, the registered sources, the storage.
    """

    def __init__(self, config: Config):
        self.config = config
        self.env = simpy.Environment()
        self.end_s = config.duration_h * S_PER_H
        limit = config.grid.import_limit_mw
        random_cfg = config.grid.random_outages
        self.random_outages: list[tuple[float, float]] = (
            draw_outages(
                stream(config.seed, "grid.random_outages"),
                random_cfg.rate_per_year,
                random_cfg.mean_duration_h,
                config.duration_h,
            )
            if random_cfg is not None
            else []
        )
        self.grid = Grid(
            math.inf if limit is None else limit,
            [(o.start_h, o.duration_h, "scheduled") for o in config.grid.outages]
            + [(start_h, duration_h, "random") for start_h, duration_h in self.random_outages],
            [(w.start_h, w.duration_h, w.limit_mw, w.cut_pu) for w in config.grid.demand_response],
        )
        self.load = build_load(config.load)
        management = config.dispatch.load_management
        if management is not None:
            flexible_pu = config.load.flexible_pu if config.load is not None else 0.0
            self.load.manage(management.order, management.it_floor_pu, flexible_pu)
        self.battery = build_storage(config.storages)
        self.recorder = Recorder(self.battery.energy_nom_mwh)
        self.cluster = (
            Cluster(config.cluster, config.jobs, config.seed, self.recorder)
            if config.cluster is not None
            else None
        )
        self.fleet = (
            TurbineFleet.from_config(
                config.turbines,
                config.turbine_trips,
                self.recorder,
                stream(config.seed, "turbines.trips"),
            )
            if config.turbines
            else None
        )
        months_s = month_starts_s(config.start, self.end_s)  # the run's calendar months
        # the weather: for the cooling plant and the turbines' inlet air
        self.weather = build_weather(config) if config.cooling or config.turbines else None
        self.cooling = (
            CoolingPlant(
                config.cooling,
                self.weather,
                stream(config.seed, "cooling.chillers"),
                self.recorder,
                self.cluster.throttle_traces if self.cluster is not None else list,
                (months_s.tolist(), month_labels(config.start, months_s)),
            )
            if config.cooling is not None and self.weather is not None
            else None
        )
        self.electrical = build_electrical(config, self.load, self.cluster)
        self.sources = build_sources(config)  # registered extra sources (sim.contracts)
        self.reporting: list[Reports] = [
            *self.grid.sections(),
            self.fleet if self.fleet is not None else Section("turbines", _no_turbines),
            *(self.cluster.sections() if self.cluster is not None else []),
            *([self.cooling] if self.cooling is not None else []),
            *self.sources,
            *(
                self.battery.sections()
                if isinstance(self.battery, StoragePlant)
                else [self.battery]
            ),
        ]
        self.bus = Bus(
            self.env,
            self.load,
            self.grid,
            self.battery,
            POLICIES[config.dispatch.policy].from_config(
                config.dispatch,
                self.grid.import_limit_mw,
                months_s.tolist(),
            ),
            self.recorder,
            self.fleet,
            config.dispatch.turbine_stop_soc,
            self.cluster,
            self.cooling,
            self.sources,
            self.electrical,
        )
        self.price = price_schedule(config.grid, config.start, config.duration_h)
        self.carbon = carbon_schedule(config.grid)
        if self.bus.policy.needs_price:
            self.bus.state.price_usd_per_mwh = float(self.price.values[0])
            self.price.replay(self.env, self.bus.on_price)
        # the parts not built at t = 0 are taken out, and come in as the run goes
        self.buildout = Buildout(
            config, self.grid, self.cluster, self.fleet, self.battery, self.recorder
        )
        self.buildout.start(self.env, self.bus)
        self.load.start(self.env, self.bus)
        if self.cluster is not None:
            self.cluster.start(self.env, self.bus)
        if self.cooling is not None:
            self.cooling.start(self.env, self.bus)
        for source in self.sources:  # registered sources with a process of their own
            start = getattr(source, "start", None)
            if start is not None:
                start(self.env, self.bus)
        observers = [self.cooling.on_grid] if self.cooling is not None else []
        self.grid.start(self.env, self.bus, self.recorder, observers)
        if self.fleet is not None:
            self.fleet.start(self.env, self.bus, self.weather)
        self.bus.update()

    def run(self, progress: bool = False) -> None:
        """Run to the end of the simulated time, with an optional progress bar on stderr.

        The bar appears only on a terminal, and only once the run has taken 2 s of wall time.
        """
        if not progress:
            self.env.run(until=self.end_s)
        else:
            total_h = self.config.duration_h
            with tqdm(
                total=total_h,
                unit="h",
                desc=f"{self.config.name} (simulated h)",
                delay=2.0,
                disable=None,
            ) as bar:
                for k in range(1, PROGRESS_STEPS + 1):
                    self.env.run(until=self.end_s * k / PROGRESS_STEPS)
                    bar.update(total_h * k / PROGRESS_STEPS - bar.n)
        self.bus.finish()
        if self.cluster is not None:
            self.cluster.finish(self.end_s)

    def close(self) -> None:
        """Break the run's reference cycles; the facility is unusable afterwards.

        The SimPy queue holds processes whose frames hold the parts, and the parts hold one
        another (the bus its components, the components the bus and the environment), so a
        finished facility used to wait for the cyclic collector's next full pass (8 runs in
        one process grew 177 → 383 MB, issue 19). Emptying the queue and every built-in
        part's attributes lets reference counting free the run as soon as its last reference
        goes. The config and the registered sources are left alone: the caller may hold them.
        :func:`sim.runner.run` calls this once the results are out.
        """
        self.env._queue.clear()
        theirs = [self.config, *self.sources]  # (the caller's: a source's factory may keep it)
        for part in [*vars(self).values(), *self.reporting]:
            mine = not any(part is x for x in theirs) and not isinstance(part, type)
            if mine and hasattr(part, "__dict__"):
                vars(part).clear()
        vars(self).clear()

    @property
    def n_updates(self) -> int:
        """Updates of the bus so far: the events of the run."""
        return self.bus.n_updates

    def progress(self) -> pd.DataFrame:
        """Each job's useful compute against time (after :meth:`run`): ``time_h, job,
        progress_h``; no rows without jobs."""
        return self.cluster.progress() if self.cluster is not None else no_progress()


def _no_turbines(segments: pd.DataFrame, end_s: float) -> dict[str, object]:
    """The ``turbines`` section of a site without turbines: zero totals, no groups."""
    return turbine_summary([])
