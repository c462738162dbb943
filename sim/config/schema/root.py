"""The root of the schema, :class:`Config`: every section and the checks across them.

Its last check is the memory estimate (:func:`sim.config.work.work_problem`), which reads the
section models; so :mod:`sim.config.work` comes before this module in the import order.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from sim.config.problems import Key, KeyProblems
from sim.config.schema.base import (
    MAX_HOURS,
    MAX_SITE_MW,
    MAX_START_YEAR,
    MIN_START_YEAR,
    StrictModel,
    check_trace,
    name_field,
)
from sim.config.schema.buildout import buildout_problems
from sim.config.schema.cluster import ClusterConfig, JobConfig, cluster_problems
from sim.config.schema.cooling import CoolingConfig, WeatherConfig
from sim.config.schema.dispatch import DispatchConfig, PeakShaveDispatch
from sim.config.schema.facility import FacilityConfig
from sim.config.schema.grid import GridConfig
from sim.config.schema.power import BatteryConfig, TurbineConfig, TurbineTripConfig
from sim.config.schema.site import SiteConfig, site_start
from sim.config.schema.solar import SolarConfig, solar_problems
from sim.config.schema.vehicle_fleet import VehicleFleetConfig
from sim.config.work import work_problem


class OutputConfig(StrictModel):
    """What a run writes."""

    resolution_s: float = Field(
        60.0,
        ge=1,
        le=31_536_000,
        description=(
            "Step of the regular timeseries [s], 1–31,536,000 (a year); below a second the "
            "event record itself is the finer view."
        ),
    )
    max_memory_gb: float = Field(
        8.0,
        gt=0,
        le=100_000,
        description=(
            "Largest memory a run's estimated record may take [GB]; a config estimated above "
            "it is refused at validation (raise it on a bigger machine)."
        ),
    )


class LoadConfig(StrictModel):
    """An exogenous IT load: a constant, or a piecewise-constant CSV trace."""

    constant_mw: float | None = Field(
        None, ge=0, le=MAX_SITE_MW, description="Constant IT load [MW], 0–100,000."
    )
    flexible_pu: float = Field(
        0.0, ge=0, le=1, description="Share of the IT load that may be shed when supply is short."
    )
    trace_csv: Path | None = Field(
        None,
        description="CSV with columns time_h [h], load_mw [MW]; each row holds until the next.",
    )

    @field_validator("trace_csv")
    @classmethod
    def _trace_readable(cls, path: Path | None) -> Path | None:
        return check_trace(path, "load_mw", nonnegative=True)

    @model_validator(mode="after")
    def _exactly_one(self) -> LoadConfig:
        if (self.constant_mw is None) == (self.trace_csv is None):
            raise ValueError("give exactly one of load.constant_mw or load.trace_csv")
        return self


def _default_start(data: dict[str, Any]) -> dt.datetime:
    """Local midnight of 2025-01-01 in the site's zone (UTC without ``site.timezone``)."""
    site = data.get("site")
    return site_start(None, site.timezone if isinstance(site, SiteConfig) else None)


MAX_STORAGES = 16
"""Most storages in a ``battery:`` list."""


def _storage_shape(value: Any) -> str:
    return "list" if isinstance(value, list) else "mapping"


StorageField = Annotated[
    Annotated[BatteryConfig, Tag("mapping")]
    | Annotated[list[BatteryConfig], Field(min_length=1, max_length=MAX_STORAGES), Tag("list")],
    Discriminator(_storage_shape),
]
"""``battery:``: one storage (a mapping) or several (a list), told apart by their shape."""


class Config(StrictModel):
    """A complete, validated run configuration."""

    name: str = name_field("Names the results folder.")
    description: str = ""
    seed: int = Field(0, ge=0, description="Root of every random stream of the run.")
    site: SiteConfig = Field(
        default_factory=SiteConfig, description="Where the site is: its time zone."
    )
    start: dt.datetime = Field(
        default_factory=_default_start,
        description=(
            "Wall-clock time of t = 0, years 1900–2200: with a UTC offset (which must be "
            "site.timezone's then), or without one to read it in site.timezone; default local "
            "midnight of 2025-01-01. Held as an aware datetime in the site's zone."
        ),
    )
    duration_h: float = Field(
        gt=0, le=MAX_HOURS, description="Simulated time [h], up to 876,000 (100 years)."
    )
    output: OutputConfig = Field(default_factory=OutputConfig)
    load: LoadConfig | None = Field(
        None, description="Exogenous IT load, instead of or on top of the cluster."
    )
    grid: GridConfig = Field(default_factory=GridConfig)
    battery: StorageField | None = Field(
        None,
        description=(
            "A battery plant, or a list of storages (each with a name) dispatched in order: "
            "the first discharges first, the last recharges first; up to "
            f"{MAX_STORAGES}."
        ),
    )
    dispatch: DispatchConfig = Field(default_factory=PeakShaveDispatch)
    turbines: list[TurbineConfig] = Field(
        default_factory=list,
        max_length=100,
        description="Gas turbine groups, committed in this order; up to 100.",
    )
    turbine_trips: list[TurbineTripConfig] = Field(
        default_factory=list,
        max_length=10_000,
        description="Scheduled trips of running turbine units, up to 10,000.",
    )
    cluster: ClusterConfig | None = Field(None, description="The GPU cluster (the live load).")
    jobs: list[JobConfig] = Field(
        default_factory=list, max_length=10_000, description="Training jobs, up to 10,000."
    )
    weather: WeatherConfig | None = Field(
        None, description="Ambient weather (for cooling and the turbines' inlet air)."
    )
    cooling: CoolingConfig | None = Field(None, description="The cooling plant (on the bus).")
    solar: SolarConfig | None = Field(
        None, description="A solar plant on the bus (must-take; needs site latitude/longitude)."
    )
    facility: FacilityConfig = Field(
        default_factory=FacilityConfig,
        description="The site's electrical chain: transformer and UPS losses.",
    )
    vehicle_fleet: VehicleFleetConfig | None = Field(
        None, description="Cars computing while parked (off the site bus; README, Tesla fleet)."
    )

    @field_validator("start")
    @classmethod
    def _start_in_the_site_zone(cls, start: dt.datetime, info: ValidationInfo) -> dt.datetime:
        if not MIN_START_YEAR <= start.year <= MAX_START_YEAR:
            raise ValueError(
                f"must lie in the years {MIN_START_YEAR}–{MAX_START_YEAR} "
                "(the timeseries' timestamps span 1677–2262)"
            )
        site = info.data.get("site")
        if not isinstance(site, SiteConfig):
            return start  # (site: is invalid and reported; the zone is unknown)
        return site_start(start, site.timezone)

    @property
    def zone(self) -> dt.tzinfo:
        """The site's time zone: ``site.timezone``'s, or ``start``'s fixed UTC offset."""
        zone = self.start.tzinfo
        assert zone is not None  # (the validator makes start aware)
        return zone

    @property
    def storages(self) -> list[BatteryConfig]:
        """The storages of ``battery:`` as a list, in dispatch order (empty without one)."""
        if self.battery is None:
            return []
        return self.battery if isinstance(self.battery, list) else [self.battery]

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        items: list[tuple[Key, Any, str]] = []
        management = self.dispatch.load_management
        end = self.start + dt.timedelta(hours=self.duration_h)
        if end.year > MAX_START_YEAR + 60:  # (pandas' timestamps end in April 2262)
            items.append(
                (
                    ("duration_h",),
                    self.duration_h,
                    f"must end by the year {MAX_START_YEAR + 60}: the run starts at "
                    f"{self.start.isoformat()} and would end in {end.year}",
                )
            )
        if self.load is None and self.cluster is None and self.vehicle_fleet is None:
            items.append((("load",), None, "give a load, a cluster, or both"))
        if (
            self.load is not None
            and self.load.flexible_pu > 0
            and (management is None or "shed" not in management.order)
        ):
            items.append(
                (
                    ("load", "flexible_pu"),
                    self.load.flexible_pu,
                    "has no effect unless dispatch.load_management.order includes 'shed'",
                )
            )
        if isinstance(self.battery, list):
            named = [b.name for b in self.battery]
            for i, name in enumerate(named):
                if name is None:
                    items.append((("battery", i, "name"), None, "required when battery: is a list"))
                elif name in named[:i]:
                    items.append(
                        (("battery", i, "name"), name, "must differ from every other storage")
                    )
        names = [t.name for t in self.turbines]
        for i, name in enumerate(names):
            if name in names[:i]:
                items.append((("turbines", i, "name"), name, "must differ from every other group"))
        for i, trip in enumerate(self.turbine_trips):
            if trip.turbine not in names:
                allowed = ", ".join(repr(n) for n in names) or "none: no turbines are configured"
                items.append(
                    (("turbine_trips", i, "turbine"), trip.turbine, f"must name a group: {allowed}")
                )
        items += cluster_problems(self.cluster, self.jobs)
        items += buildout_problems(self)
        items += solar_problems(self)
        uses_weather = self.cooling is not None or self.turbines or self.solar is not None
        if self.weather is not None and not uses_weather:
            items.append(
                (
                    ("weather",),
                    "given",
                    "is used only by a cooling: section or turbines (or solar:); add one",
                )
            )
        if self.weather is not None:
            from sim.weather_files import read_csv, read_epw

            for key, read in (("csv", read_csv), ("epw", read_epw)):
                path = getattr(self.weather, key)
                try:
                    if path is not None:
                        read(path)
                except (OSError, ValueError) as exc:
                    items.append((("weather", key), str(path), str(exc)))
        if management is not None and "pause" in management.order and not self.jobs:
            items.append(
                (
                    ("dispatch", "load_management", "order"),
                    management.order,
                    "'pause' pauses training jobs: add jobs, or remove it",
                )
            )
        if self.dispatch.turbine_stop_soc is not None and not self.turbines:
            items.append(
                (
                    ("dispatch", "turbine_stop_soc"),
                    self.dispatch.turbine_stop_soc,
                    "has no effect without turbines",
                )
            )
        if not items:
            work = work_problem(self)
            if work is not None:
                items.append(work)
        if items:
            raise KeyProblems(items)
        return self
