"""The configuration schema, YAML loading with ``extends:``, and ``--set`` overrides.

The schema is a tree of pydantic models with ``extra="forbid"``: a key the schema does not know is
an error, never silently ignored. Loading collects *every* problem before it fails, and each
problem names the file it came from, the dotted key path, the bad value and what is allowed
(:class:`Problem`). Units are in the key names (see :mod:`sim.units`); times in a config are hours
from the run's ``start`` unless the key says otherwise.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import difflib
import math
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.traces import TraceError, read_trace

Key = tuple[str | int, ...]
"""A key path into the config tree: ``("grid", "outages", 0, "start_h")``."""

# Keys holding file paths: resolved relative to the file that sets them.
PATH_KEYS: tuple[Key, ...] = (
    ("load", "trace_csv"),
    ("grid", "price_csv"),
    ("grid", "carbon_csv"),
    ("weather", "csv"),
)


# --------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------


def format_key(key: Key) -> str:
    """Render a key path as the dotted form users type: ``grid.outages[0].start_h``."""
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


_MISSING = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config: where it is, what it is, and what is allowed."""

    file: str
    key: Key
    message: str
    value: Any = _MISSING

    def __str__(self) -> str:
        got = "" if self.value is _MISSING else f" (got {_short_repr(self.value)})"
        return f"{self.file}: {format_key(self.key)}: {self.message}{got}"


class ConfigError(Exception):
    """Raised when a config cannot be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class KeyProblems(ValueError):
    """Raised inside model validators to report problems at sub-keys of the model."""

    def __init__(self, items: list[tuple[Key, Any, str]]):
        self.items = items
        super().__init__("; ".join(f"{format_key(k)}: {m}" for k, _, m in items))


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


class StrictModel(BaseModel):
    """The base of every schema model: unknown keys refused, frozen, finite numbers only, and
    no boolean where a number belongs (pydantic would read ``true`` as 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None:
            bad = _bools_for_numbers(field.annotation, value, ())
            if bad:
                raise KeyProblems(
                    [(key, flag, "must be a number, not a boolean") for key, flag in bad]
                )
        return value


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _arms(annotation: Any) -> tuple[Any, ...]:
    """The members of a union (``X | None``), or the annotation alone."""
    annotation = _strip_annotated(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(_strip_annotated(a) for a in typing.get_args(annotation))
    return (annotation,)


def _bools_for_numbers(annotation: Any, value: Any, key: Key) -> list[tuple[Key, bool]]:
    """Where ``value`` holds a boolean that ``annotation`` types as a number (int or float,
    not bool or Any): (key path below the field, the boolean) for each."""
    arms = _arms(annotation)
    if isinstance(value, bool):
        numeric = any(a in (int, float) for a in arms)
        allowed = any(a is bool or a is Any for a in arms)
        return [(key, value)] if numeric and not allowed else []
    for arm in arms:
        origin = typing.get_origin(arm)
        args = typing.get_args(arm)
        if isinstance(value, list | tuple) and origin in (list, tuple, set, frozenset):
            if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                items = list(zip(args, value, strict=False))
            else:
                items = [(args[0] if args else Any, item) for item in value]
            return [
                found
                for i, (item_type, item) in enumerate(items)
                for found in _bools_for_numbers(item_type, item, (*key, i))
            ]
        if isinstance(value, dict) and origin is dict and len(args) == 2:
            return [
                found
                for name, item in value.items()
                for found in _bools_for_numbers(args[1], item, (*key, name))
            ]
    return []


NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
NAME_MAX_CHARS = 128


def name_field(description: str) -> Any:
    """A name that may become a file or folder name: one path component of letters, digits,
    ``.``, ``_`` and ``-``, starting with a letter or digit (so never ``.`` or ``..``), at most
    :data:`NAME_MAX_CHARS` characters."""
    return Field(
        pattern=NAME_PATTERN,
        max_length=NAME_MAX_CHARS,
        description=f"{description} [A-Za-z0-9._-], starting with a letter or digit, "
        f"at most {NAME_MAX_CHARS} characters.",
    )


# Ranges of the physical keys. Each is wide enough for any real study and refuses nonsense
# (2**64 MW, 1e308 h, -500 °C); the figures they rest on are in shared/reference/facts.md.
MAX_HOURS = 876_000.0
"""Longest run, and latest time in a run [h]: 100 years."""
MAX_SITE_MW = 100_000.0
"""Largest power of a site [MW]: 20 × a 5 GW campus (Colossus 2 plans ~2 GW, facts §2)."""
MAX_GPUS = 10_000_000
"""Most accelerators of a pool or a job: 10 × the 1M-GPU site of facts §2."""
MIN_PRICE_USD_PER_MWH = -10_000.0
MAX_PRICE_USD_PER_MWH = 100_000.0
"""Energy prices [USD/MWh]: ERCOT's offer cap is 5,000; Europe's intraday markets clear down
to -9,999 EUR/MWh (E: market rules, not in facts.md)."""
MAX_DELTA_C = 30.0
"""Largest temperature difference of the cooling keys (approaches, rises, heat waves) [°C]."""
MIN_AMBIENT_C, MAX_AMBIENT_C = -60.0, 60.0
"""Ambient temperatures [°C] (the records are -89 °C at Vostok and 57 °C in Death Valley)."""
MIN_START_YEAR, MAX_START_YEAR = 1900, 2200
"""Years ``start`` may lie in: well inside pandas' timestamp range (1677–2262), which a run
with ``duration_h`` up to :data:`MAX_HOURS` must not leave."""


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


def _check_trace(path: Path | None, column: str, nonnegative: bool) -> Path | None:
    if path is not None:
        try:
            read_trace(path, column, nonnegative)
        except TraceError as exc:
            raise ValueError(str(exc)) from None
    return path


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
        return _check_trace(path, "load_mw", nonnegative=True)

    @model_validator(mode="after")
    def _exactly_one(self) -> LoadConfig:
        if (self.constant_mw is None) == (self.trace_csv is None):
            raise ValueError("give exactly one of load.constant_mw or load.trace_csv")
        return self


class OutageConfig(StrictModel):
    """A scheduled grid outage."""

    start_h: float = Field(
        ge=0, le=MAX_HOURS, description="Start, hours from the run's start [h], 0–876,000."
    )
    duration_h: float = Field(gt=0, le=MAX_HOURS, description="Duration [h], up to 876,000.")

    @property
    def end_h(self) -> float:
        """End, hours from the run's start [h]."""
        return self.start_h + self.duration_h


class DemandResponseConfig(OutageConfig):
    """A demand-response window: grid import capped while it lasts, at ``limit_mw`` or at
    ``(1 − cut_pu)`` × the import at the window's start (a utility's "cut load by 10 %")."""

    limit_mw: float | None = Field(
        None, ge=0, le=MAX_SITE_MW, description="Largest import in the window [MW], 0–100,000."
    )
    cut_pu: float | None = Field(
        None, ge=0, le=1, description="Cut of the import at the window's start [pu]."
    )

    @model_validator(mode="after")
    def _one_cap(self) -> DemandResponseConfig:
        if (self.limit_mw is None) == (self.cut_pu is None):
            raise ValueError("give exactly one of limit_mw or cut_pu")
        return self


def _overlaps(windows: list[OutageConfig], section: str) -> list[tuple[Key, Any, str]]:
    """A problem for each window that starts before an earlier one (in start order) ends."""
    order = sorted(range(len(windows)), key=lambda i: windows[i].start_h)
    items: list[tuple[Key, Any, str]] = []
    longest: int | None = None  # the earlier window that ends last
    for cur in order:
        b = windows[cur]
        a = windows[longest] if longest is not None else None
        if a is not None and b.start_h < a.end_h:
            message = (
                f"overlaps grid.{section}[{longest}] ({a.start_h} h to {a.end_h} h); "
                "merge them into one"
            )
            items.append(((section, cur), b.model_dump(), message))
        if a is None or b.end_h > a.end_h:
            longest = cur
    return items


Hour = Annotated[int, Field(ge=0, le=24)]
Month = Annotated[int, Field(ge=1, le=12)]


class TouSeasonConfig(StrictModel):
    """One season of a time-of-use tariff, in the local time of ``start``."""

    months: list[Month] = Field(min_length=1, description="Months of the season, 1 to 12.")
    on_peak_hours: tuple[Hour, Hour] = Field(description="[first, end) local hours, 0 to 24.")
    on_peak_usd_per_mwh: float = Field(
        ge=MIN_PRICE_USD_PER_MWH,
        le=MAX_PRICE_USD_PER_MWH,
        description="Energy price on peak [USD/MWh], -10,000–100,000.",
    )
    off_peak_usd_per_mwh: float = Field(
        ge=MIN_PRICE_USD_PER_MWH,
        le=MAX_PRICE_USD_PER_MWH,
        description="Energy price off peak [USD/MWh], -10,000–100,000.",
    )
    weekdays_only: bool = Field(True, description="On peak only Monday to Friday.")

    @model_validator(mode="after")
    def _hours(self) -> TouSeasonConfig:
        first, end = self.on_peak_hours
        if not first < end:
            raise KeyProblems(
                [(("on_peak_hours",), [first, end], "must be [first, end) with first < end")]
            )
        return self


class TariffConfig(StrictModel):
    """A time-of-use energy tariff: on/off-peak prices by hour and season."""

    seasons: list[TouSeasonConfig] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def _every_month_once(self) -> TariffConfig:
        months = [m for season in self.seasons for m in season.months]
        missing = sorted(set(range(1, 13)) - set(months))
        twice = sorted({m for m in months if months.count(m) > 1})
        if missing or twice:
            what = "; ".join(
                part
                for part in (
                    f"missing {missing}" if missing else "",
                    f"given twice {twice}" if twice else "",
                )
                if part
            )
            raise KeyProblems([(("seasons",), months, f"every month 1-12 exactly once: {what}")])
        return self


class RandomOutagesConfig(StrictModel):
    """Random grid outages: up times and durations exponential (see sim.scenarios)."""

    # A weak grid sees a few outages a year; 1,000 (one every ~9 h) is far beyond any.
    rate_per_year: float = Field(
        gt=0, le=1000, description="Outages per year of grid-up time [1/yr], up to 1,000."
    )
    mean_duration_h: float = Field(
        gt=0, le=8760, description="Mean outage duration [h], up to 8,760."
    )


class GridConfig(StrictModel):
    """The utility connection and its signals: limits, outages, prices, carbon, demand response.

    Prices and carbon intensity are piecewise constant; costs and emissions are their exact
    integrals against grid import.
    """

    import_limit_mw: float | None = Field(
        None, ge=0, le=MAX_SITE_MW, description="Largest import [MW], 0–100,000; null: unlimited."
    )
    outages: list[OutageConfig] = Field(
        default_factory=list, max_length=10_000, description="Scheduled outages, up to 10,000."
    )
    demand_response: list[DemandResponseConfig] = Field(
        default_factory=list, max_length=10_000, description="Windows, up to 10,000."
    )
    random_outages: RandomOutagesConfig | None = Field(
        None, description="Drawn from the run's seed; may overlap scheduled outages."
    )
    price_usd_per_mwh: float | None = Field(
        None,
        ge=MIN_PRICE_USD_PER_MWH,
        le=MAX_PRICE_USD_PER_MWH,
        description="Constant energy price [USD/MWh], -10,000–100,000.",
    )
    price_csv: Path | None = Field(None, description="CSV time_h, price_usd_per_mwh.")
    tariff: TariffConfig | None = Field(None, description="Time-of-use tariff.")
    demand_charge_usd_per_kw_month: float = Field(
        0.0,
        ge=0,
        le=1000,
        description="Charge on each calendar month's peak demand [USD/kW-month], 0–1,000.",
    )
    # Utilities bill demand over 5, 15, 30 or 60 minutes.
    demand_interval_min: float = Field(
        15.0, ge=1, le=1440, description="Averaging interval of billed demand [min], 1–1,440."
    )
    # Lignite, the dirtiest fuel, emits ~1,100 kg/MWh.
    carbon_kg_per_mwh: float | None = Field(
        None, ge=0, le=5000, description="Constant [kg CO2/MWh], 0–5,000."
    )
    carbon_csv: Path | None = Field(None, description="CSV time_h, carbon_kg_per_mwh.")

    @field_validator("price_csv")
    @classmethod
    def _price_readable(cls, path: Path | None) -> Path | None:
        return _check_trace(path, "price_usd_per_mwh", nonnegative=False)

    @field_validator("carbon_csv")
    @classmethod
    def _carbon_readable(cls, path: Path | None) -> Path | None:
        return _check_trace(path, "carbon_kg_per_mwh", nonnegative=True)

    @model_validator(mode="after")
    def _consistent(self) -> GridConfig:
        items = _overlaps(self.outages, "outages") + _overlaps(
            self.demand_response, "demand_response"
        )
        prices = [
            k for k in ("price_usd_per_mwh", "price_csv", "tariff") if getattr(self, k) is not None
        ]
        if len(prices) > 1:
            items.append(
                (
                    (prices[1],),
                    str(getattr(self, prices[1])),
                    f"give only one of {', '.join(prices)}",
                )
            )
        if self.carbon_kg_per_mwh is not None and self.carbon_csv is not None:
            items.append(
                (
                    ("carbon_csv",),
                    str(self.carbon_csv),
                    "give only one of carbon_kg_per_mwh, carbon_csv",
                )
            )
        if items:
            raise KeyProblems(items)
        return self


class BatteryConfig(StrictModel):
    """A battery plant (Megapacks), aggregated into one equivalent unit.

    Energy and state of charge refer to the energy stored in the cells; ``power_mw`` and the
    efficiencies are at the plant's AC terminal on the site bus.
    """

    # ~600 Megapacks (2.3 GWh) at Colossus 2 are the largest fleet of facts §2; 1 TWh is 400×.
    energy_mwh: float = Field(
        ge=0, le=1_000_000, description="Nominal stored energy [MWh], 0–1,000,000."
    )
    power_mw: float = Field(
        ge=0,
        le=MAX_SITE_MW,
        description="Charge and discharge power limit at the bus [MW], 0–100,000.",
    )
    charge_power_mw: float | None = Field(
        None, ge=0, le=MAX_SITE_MW, description="Overrides power_mw [MW], 0–100,000."
    )
    discharge_power_mw: float | None = Field(
        None, ge=0, le=MAX_SITE_MW, description="Overrides power_mw [MW], 0–100,000."
    )
    efficiency_charge: float = Field(0.968, gt=0, le=1, description="Bus to cells [pu].")
    efficiency_discharge: float = Field(0.968, gt=0, le=1, description="Cells to bus [pu].")
    soc_min: float = Field(0.0, ge=0, le=1, description="Lowest state of charge [pu].")
    soc_max: float = Field(1.0, ge=0, le=1, description="Highest state of charge [pu].")
    soc_initial: float = Field(1.0, ge=0, le=1, description="State of charge at start [pu].")
    backup_reserve_soc: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Held back for outages while the grid is up [pu]; null means soc_min.",
    )
    aux_load_mw: float = Field(
        0.0, ge=0, le=MAX_SITE_MW, description="Auxiliary load drawn from the bus [MW], 0–100,000."
    )

    @model_validator(mode="after")
    def _window(self) -> BatteryConfig:
        items: list[tuple[Key, Any, str]] = []
        if self.soc_min >= self.soc_max:
            items.append(
                (("soc_min",), self.soc_min, f"must be below battery.soc_max ({self.soc_max})")
            )
        else:
            window = f"[soc_min, soc_max] = [{self.soc_min}, {self.soc_max}]"
            if not self.soc_min <= self.soc_initial <= self.soc_max:
                items.append((("soc_initial",), self.soc_initial, f"must lie within {window}"))
            reserve = self.backup_reserve_soc
            if reserve is not None and not self.soc_min <= reserve <= self.soc_max:
                items.append((("backup_reserve_soc",), reserve, f"must lie within {window}"))
        if items:
            raise KeyProblems(items)
        return self


class TurbineConfig(StrictModel):
    """A group of identical gas turbine units (e.g. 15 mobile Solar Titan 130 / SMT-130).

    Defaults are the Titan 130 figures of ``shared/reference/facts.md`` §9. Heat rates are
    HHV, because the CO2 and NOx factors are per MMBtu HHV. Fuel burnt by a running unit is
    affine in its output (see :mod:`sim.power.turbines`): at zero output it burns
    ``no_load_fuel_pu`` of its full-load fuel, which gives the part-load heat-rate penalty.
    """

    name: str = name_field("Names the group in events.")
    # A 1M-GPU site needs ~1.5 GW, ~100 units of 16.5 MW (Colossus 2 plans 41-90, facts §2).
    count: int = Field(ge=1, le=1000, description="Number of units, 1–1,000.")
    # The largest single-shaft gas turbines rate ~600 MW; a combined-cycle block ~1.3 GW.
    p_nom_mw: float = Field(
        gt=0, le=2000, description="Rated output of one unit [MW], up to 2,000."
    )
    p_min_pu: float = Field(
        0.3, ge=0, lt=1, description="Minimum stable load of a running unit [pu of p_nom_mw]."
    )
    # A cold combined-cycle start takes hours; a day is the bound.
    start_s: float = Field(
        600.0, ge=0, le=86_400, description="From start command to taking load [s], 0–86,400."
    )
    # LMS100: 50 MW/min (facts §9); 10,000 MW/min takes the largest unit up in 12 s.
    ramp_mw_per_min: float = Field(
        gt=0, le=10_000, description="Ramp-up rate of one unit [MW/min], up to 10,000."
    )
    ramp_down_mw_per_min: float | None = Field(
        None,
        gt=0,
        le=10_000,
        description="Ramp-down rate of one unit [MW/min], up to 10,000; null: ramp_mw_per_min.",
    )
    # Combined cycles reach ~6, old simple-cycle units ~15 MMBtu/MWh.
    heat_rate_mmbtu_per_mwh: float = Field(
        10.75, gt=0, le=50, description="Full-load heat rate, HHV [MMBtu/MWh], up to 50."
    )
    no_load_fuel_pu: float = Field(
        0.25, ge=0, lt=1, description="Fuel at zero output [pu of full-load fuel]."
    )
    # Henry Hub ~3.4 (facts §11); spot gas passed 1,000 USD/MMBtu at some hubs in Winter Storm
    # Uri (2021, E).
    fuel_usd_per_mmbtu: float = Field(
        3.5, ge=0, le=10_000, description="Fuel price [USD/MMBtu], 0–10,000."
    )
    # Coal emits ~95 kg CO2/MMBtu, natural gas 53; uncontrolled NOx is below 1 kg/MMBtu.
    co2_kg_per_mmbtu: float = Field(
        53.06, ge=0, le=200, description="CO2 per fuel burnt [kg/MMBtu], 0–200."
    )
    nox_kg_per_mmbtu: float = Field(
        0.045, ge=0, le=10, description="NOx per fuel burnt [kg/MMBtu], 0–10."
    )
    min_run_s: float = Field(
        1800.0, ge=0, le=604_800, description="Minimum run time once online [s], 0–604,800."
    )
    trip_rate_per_1000h: float = Field(
        0.0,
        ge=0,
        le=1000,
        description="Forced trips per 1000 running hours of one unit [1/kh], 0–1,000.",
    )
    trip_repair_h: float = Field(
        24.0,
        ge=0,
        le=8760,
        description="A tripped unit cannot start again for this long [h], 0–8,760.",
    )
    max_starts_per_year: int | None = Field(
        None,
        ge=0,
        le=100_000,
        description="Permit: starts of one unit per year of the run, 0–100,000; null: none.",
    )
    max_run_hours_per_year: float | None = Field(
        None,
        ge=0,
        le=8760,
        description="Permit: running hours of one unit per year of the run [h], 0–8,760.",
    )


class TurbineTripConfig(StrictModel):
    """A scheduled trip of running turbine units (a scenario event)."""

    time_h: float = Field(
        ge=0, le=MAX_HOURS, description="When, hours from the run's start [h], 0–876,000."
    )
    turbine: str = Field(description="Name of the turbine group.")
    units: int = Field(1, ge=1, le=1000, description="Running units that trip at once, 1–1,000.")


class HardwareConfig(StrictModel):
    """Power of one accelerator and of a node (see ``sim/data/hardware.yaml``)."""

    # The hungriest accelerators draw 1,400 W (MI355X, B300; facts §5): 10 kW leaves room.
    gpu_tdp_w: float = Field(
        gt=0, le=10_000, description="Board power limit of one accelerator [W], up to 10,000."
    )
    gpu_idle_w: float = Field(ge=0, le=10_000, description="One accelerator idle [W], 0–10,000.")
    # A GB200/GB300 NVL72 rack holds 72 accelerators (facts §5); a node may be a whole rack.
    gpus_per_node: int = Field(
        ge=1, le=1024, description="Accelerators per node (the failure unit), 1–1,024."
    )
    node_overhead_w: float = Field(
        ge=0, le=1_000_000, description="CPUs, NICs, fans of a node [W], 0–1,000,000."
    )
    network_w_per_gpu: float = Field(
        ge=0, le=10_000, description="Switches, optics, storage [W/GPU], 0–10,000."
    )

    @model_validator(mode="after")
    def _idle_below_tdp(self) -> HardwareConfig:
        if self.gpu_idle_w > self.gpu_tdp_w:
            raise KeyProblems(
                [
                    (
                        ("gpu_idle_w",),
                        self.gpu_idle_w,
                        f"must not exceed gpu_tdp_w ({self.gpu_tdp_w})",
                    )
                ]
            )
        return self


class PoolConfig(StrictModel):
    """Nodes of one hardware type."""

    name: str = name_field("Names the pool for jobs.")
    hardware: str = Field(
        description="A catalog entry (sim/data/hardware.yaml or cluster.hardware)."
    )
    gpus: int = Field(
        ge=1,
        le=MAX_GPUS,
        description="Accelerators for jobs (rounded up to whole nodes), 1–10,000,000.",
    )
    spare_gpus: int = Field(
        0,
        ge=0,
        le=MAX_GPUS,
        description="Hot spares on top of gpus: idle, swapped in at once on a failure; "
        "0–10,000,000.",
    )


class FailuresConfig(StrictModel):
    """Node failures while a node runs a job."""

    # Llama 3 saw 0.00379, Meta's RSC-1 0.0065 (facts §6); 1,000 a day (one a node every
    # 1.4 min) is far beyond any hardware, and stress tests use 24.
    rate_per_node_day: float = Field(
        ge=0,
        le=1000,
        description=(
            "Failures per node-day of running [1/day], 0–1,000 (weibull: 1 / the mean life); "
            "Llama 3: 0.00379."
        ),
    )
    distribution: Literal["exponential", "weibull"] = Field(
        "exponential",
        description=(
            "Life of a node in running time: exponential (memoryless), or weibull with shape "
            "(< 1: infant mortality, > 1: wear-out; a repaired node is as good as new)."
        ),
    )
    shape: float | None = Field(
        None, ge=0.1, le=20, description="weibull: the shape k [-], 0.1–20; 1 is exponential."
    )

    @model_validator(mode="after")
    def _shape_with_weibull(self) -> FailuresConfig:
        if self.distribution == "weibull" and self.shape is None:
            raise KeyProblems([(("shape",), None, "weibull needs a shape k > 0 (1: exponential)")])
        if self.distribution == "exponential" and self.shape is not None:
            raise KeyProblems(
                [(("shape",), self.shape, "shape is for distribution: weibull; remove it")]
            )
        return self


class ClusterConfig(StrictModel):
    """The GPU cluster: pools of nodes, their failures and repairs."""

    power_model: Literal["average", "iteration"] = Field(
        "average",
        description=(
            "average: a computing GPU draws compute_fraction·TDP + (1 − compute_fraction)·idle; "
            "iteration: each iteration is compute_fraction·iteration_s at TDP, then the rest at "
            "idle (the square wave the bus sees)."
        ),
    )
    pools: list[PoolConfig] = Field(min_length=1, max_length=1000)
    failures: FailuresConfig = Field(default_factory=lambda: FailuresConfig(rate_per_node_day=0.0))
    repair_h: float = Field(
        24.0, gt=0, le=8760, description="Mean repair time of a failed node [h], up to 8,760."
    )
    hardware: dict[str, HardwareConfig] = Field(
        default_factory=dict, description="Catalog entries added to (or replacing) the built-in."
    )


class JobConfig(StrictModel):
    """A synchronous data-parallel training job."""

    name: str = name_field("Names the job in the summary.")
    pool: str = Field(description="The pool it runs on.")
    gpus: int = Field(
        ge=1, le=MAX_GPUS, description="Accelerators (rounded up to whole nodes), 1–10,000,000."
    )
    # Training iterations last from ~0.1 s to a few minutes.
    iteration_s: float = Field(
        6.0,
        ge=0.001,
        le=86_400,
        description="Length of one training iteration [s], 0.001–86,400.",
    )
    compute_fraction: float = Field(
        0.7, gt=0, le=1, description="Share of an iteration in compute (near TDP) [pu]."
    )
    # (How many checkpoints a run makes is bounded by the work estimate, output.max_memory_gb.)
    checkpoint_interval_s: float = Field(
        1800.0,
        ge=0.001,
        le=MAX_HOURS * 3600,
        description="Compute time between checkpoints [s], from 0.001.",
    )
    checkpoint_write_s: float = Field(
        60.0, ge=0, le=86_400, description="Blocking checkpoint write [s], 0–86,400."
    )
    restart_s: float = Field(
        600.0, ge=0, le=86_400, description="From (re)start to computing [s], 0–86,400."
    )
    priority: int = Field(
        0,
        ge=-1_000_000,
        le=1_000_000,
        description="Larger runs first; ties in config order; ±1,000,000.",
    )
    work_h: float | None = Field(
        None,
        gt=0,
        le=MAX_HOURS,
        description="Compute to do [h], up to 876,000; null: run for the whole simulation.",
    )
    submit_h: float = Field(
        0.0,
        ge=0,
        le=MAX_HOURS,
        description="When the job is submitted [h from the start], 0–876,000; it queues then.",
    )


class LoadManagementConfig(StrictModel):
    """What the load gives up, in ``order``, before supply shortfall becomes unserved energy."""

    order: list[Literal["cap", "pause", "shed"]] = Field(
        default_factory=lambda: ["cap", "shed"],
        min_length=1,
        max_length=3,
        description=(
            "cap: cap IT power down to it_floor_pu; pause: jobs write a checkpoint, then stop "
            "(the battery keeps the energy for the write); shed: shed load.flexible_pu and "
            "stop jobs at once (they roll back to their last checkpoint)."
        ),
    )
    it_floor_pu: float = Field(
        0.7, ge=0, le=1, description="IT power may be capped down to this share of demand [pu]."
    )

    @model_validator(mode="after")
    def _once_each(self) -> LoadManagementConfig:
        if len(set(self.order)) != len(self.order):
            raise KeyProblems([(("order",), self.order, "name each step once")])
        return self


class DispatchConfig(StrictModel):
    """How the bus uses the battery (see :mod:`sim.dispatch` for each policy's rule)."""

    policy: Literal["peak_shave", "smooth", "backup", "arbitrage"] = Field(
        "peak_shave",
        description=(
            "peak_shave: hold grid import at grid_target_mw; smooth: limit the import's ramp to "
            "ramp_limit_mw_per_min; backup: battery only for what the grid cannot supply; "
            "arbitrage: charge when cheap, discharge when dear."
        ),
    )
    grid_target_mw: float | None = Field(
        None,
        ge=0,
        le=MAX_SITE_MW,
        description="peak_shave: import to hold [MW], 0–100,000; null: the import limit.",
    )
    charge_below_usd_per_mwh: float | None = Field(
        None,
        ge=MIN_PRICE_USD_PER_MWH,
        le=MAX_PRICE_USD_PER_MWH,
        description="arbitrage: charge at or below this price [USD/MWh], -10,000–100,000.",
    )
    discharge_above_usd_per_mwh: float | None = Field(
        None,
        ge=MIN_PRICE_USD_PER_MWH,
        le=MAX_PRICE_USD_PER_MWH,
        description="arbitrage: discharge at or above this price [USD/MWh], -10,000–100,000.",
    )
    # 1,000,000 MW/min moves the largest site's import in a few seconds: no limit at all.
    ramp_limit_mw_per_min: float | None = Field(
        None,
        gt=0,
        le=1_000_000,
        description=(
            "smooth: largest rate of change of the grid import [MW/min], up to 1,000,000."
        ),
    )
    load_management: LoadManagementConfig | None = Field(
        None, description="Cap and shed load before leaving it unserved; null: never."
    )
    turbine_stop_soc: float | None = Field(
        None,
        ge=0,
        le=1,
        description=(
            "Turbines stop once the grid is back and the battery is recharged to this state "
            "of charge [pu]; null: battery.soc_max."
        ),
    )

    @model_validator(mode="after")
    def _keys_of_the_policy(self) -> DispatchConfig:
        own = {
            "grid_target_mw": "peak_shave",
            "charge_below_usd_per_mwh": "arbitrage",
            "discharge_above_usd_per_mwh": "arbitrage",
            "ramp_limit_mw_per_min": "smooth",
        }
        items: list[tuple[Key, Any, str]] = [
            ((key,), getattr(self, key), f"applies only to policy {policy}, not {self.policy}")
            for key, policy in own.items()
            if getattr(self, key) is not None and policy != self.policy
        ]
        if self.policy == "smooth" and self.ramp_limit_mw_per_min is None:
            items.append((("ramp_limit_mw_per_min",), None, "required by policy smooth"))
        if self.policy == "arbitrage":
            low, high = self.charge_below_usd_per_mwh, self.discharge_above_usd_per_mwh
            for key, value in (
                ("charge_below_usd_per_mwh", low),
                ("discharge_above_usd_per_mwh", high),
            ):
                if value is None:
                    items.append(((key,), None, "required by policy arbitrage"))
            if low is not None and high is not None and not low < high:
                items.append(
                    (
                        ("charge_below_usd_per_mwh",),
                        low,
                        f"must be below discharge_above_usd_per_mwh ({high})",
                    )
                )
        if items:
            raise KeyProblems(items)
        return self


def hardware_catalog(cluster: ClusterConfig | None = None) -> dict[str, HardwareConfig]:
    """The built-in catalog (``sim/data/hardware.yaml``) with a config's own entries on top."""
    text = (Path(__file__).parent / "data" / "hardware.yaml").read_text()
    catalog = {name: HardwareConfig(**spec) for name, spec in yaml.safe_load(text).items()}
    if cluster is not None:
        catalog.update(cluster.hardware)
    return catalog


def _cluster_problems(
    cluster: ClusterConfig | None, jobs: list[JobConfig]
) -> list[tuple[Key, Any, str]]:
    """Cross-checks of ``cluster`` and ``jobs``: names, catalog entries, sizes."""
    items: list[tuple[Key, Any, str]] = []
    if cluster is None:
        if jobs:
            items.append((("jobs",), f"{len(jobs)} jobs", "need a cluster: section"))
        return items
    catalog = hardware_catalog(cluster)
    pools = {}
    for i, pool in enumerate(cluster.pools):
        if pool.name in pools:
            items.append(
                (("cluster", "pools", i, "name"), pool.name, "must differ from every other pool")
            )
        pools[pool.name] = pool
        if pool.hardware not in catalog:
            allowed = ", ".join(sorted(catalog))
            items.append(
                (("cluster", "pools", i, "hardware"), pool.hardware, f"must be one of: {allowed}")
            )
    names: set[str] = set()
    for i, job in enumerate(jobs):
        if job.name in names:
            items.append((("jobs", i, "name"), job.name, "must differ from every other job"))
        names.add(job.name)
        pool = pools.get(job.pool)
        if pool is None:
            allowed = ", ".join(repr(p) for p in pools)
            items.append((("jobs", i, "pool"), job.pool, f"must name a pool: {allowed}"))
        elif job.gpus > pool.gpus:
            items.append(
                (
                    ("jobs", i, "gpus"),
                    job.gpus,
                    f"must fit its pool {pool.name!r} ({pool.gpus} GPUs)",
                )
            )
    return items


def _default_start() -> dt.datetime:
    return dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


class HeatWaveConfig(StrictModel):
    """A heat wave: the dry-bulb raised by ``delta_c`` (same relative humidity) in a window."""

    start_h: float = Field(ge=0, le=MAX_HOURS, description="Start [h], 0–876,000.")
    duration_h: float = Field(gt=0, le=MAX_HOURS, description="Length [h], up to 876,000.")
    delta_c: float = Field(
        gt=0, le=MAX_DELTA_C, description="Added to the dry-bulb [°C], up to 30."
    )


class WeatherConfig(StrictModel):
    """Ambient weather for the cooling plant: synthetic from a site's normals, or a CSV."""

    site: str | None = Field(
        None, description="Synthetic weather from this site's monthly normals (default memphis)."
    )
    csv: Path | None = Field(
        None,
        description=(
            "A trace instead: time_h with dry_bulb_c (or temp_air) and wet_bulb_c, rh_pu or "
            "relative_humidity [%]; each row holds until the next."
        ),
    )
    daily_sd_c: float = Field(
        2.5, ge=0, le=15, description="Synthetic: sd of the day-to-day temperature offset [°C]."
    )
    step_h: float = Field(
        1.0, ge=1 / 60, le=24, description="Synthetic: resolution [h], 1/60 (a minute) to 24."
    )
    heat_waves: list[HeatWaveConfig] = Field(
        default_factory=list, max_length=10_000, description="Up to 10,000."
    )

    @model_validator(mode="after")
    def _source(self) -> WeatherConfig:
        from sim.weather import builtin_sites  # (the site list is the weather data file's)

        if self.site is not None and self.csv is not None:
            raise KeyProblems([(("site",), self.site, "give a site or a csv, not both")])
        synthetic_only = sorted({"step_h", "daily_sd_c"} & self.model_fields_set)
        if self.csv is not None and synthetic_only:
            raise KeyProblems(
                [
                    ((key,), getattr(self, key), "is for synthetic weather; a csv has its own")
                    for key in synthetic_only
                ]
            )
        if self.site is not None and self.site not in builtin_sites():
            raise KeyProblems(
                [(("site",), self.site, f"must be one of: {', '.join(builtin_sites())}")]
            )
        return self


class ChillersConfig(StrictModel):
    """Chillers: identical units; capacity and COP fall as the condenser side warms."""

    count: int = Field(
        ge=0,
        le=10_000,
        description="Units installed, redundant ones included (N+1: N+1), 0–10,000.",
    )
    # The largest centrifugal chillers remove ~10 MW (3,000 tons); 1,000 MW covers any plant.
    capacity_mw: float = Field(
        gt=0, le=1000, description="Heat one unit removes at its rating [MW], up to 1,000."
    )
    eta_ii: float = Field(
        0.55, gt=0, le=1, description="Second-law efficiency: COP = η·T_evap/(T_cond − T_evap)."
    )
    cop_max: float = Field(
        12.0, gt=0, le=100, description="Upper bound of the COP at small lifts [-], up to 100."
    )
    condenser_approach_c: float = Field(
        10.0,
        ge=0,
        le=MAX_DELTA_C,
        description="Condensing above the ambient (wet-bulb for towers) [°C], 0–30.",
    )
    rating_ambient_c: float = Field(
        25.5,
        ge=MIN_AMBIENT_C,
        le=MAX_AMBIENT_C,
        description="Ambient of the rated capacity (towers: wet-bulb) [°C], -60–60.",
    )
    derate_pu_per_c: float = Field(
        0.01, ge=0, le=0.2, description="Capacity lost per °C of ambient above the rating [pu]."
    )
    failure_rate_per_1000h: float = Field(
        0.0, ge=0, le=1000, description="Forced outages per unit [1/1000 h], 0–1,000."
    )
    repair_h: float = Field(
        48.0, gt=0, le=8760, description="Mean (exponential) repair time [h], up to 8,760."
    )
    on_backup: bool = Field(
        True,
        description=(
            "On the backed-up bus (battery, turbines carry them in an outage); false: they "
            "stop when the grid is lost and restart restart_s after it returns."
        ),
    )
    restart_s: float = Field(
        600.0, ge=0, le=86_400, description="From power back to cooling again, off backup [s]."
    )


class CoolingConfig(StrictModel):
    """The cooling plant: its power (chillers, pumps, fans, CDUs) goes on the bus."""

    type: Literal["liquid", "air"] = Field(
        "liquid", description="liquid: direct-to-chip with CDUs; air: air-cooled halls."
    )
    supply_c: float | None = Field(
        None,
        ge=4,
        le=45,
        description="Facility (chilled) water supply [°C]; default liquid 18, air 12.",
    )
    chillers: ChillersConfig
    heat_rejection: Literal["tower", "dry"] = Field(
        "tower", description="tower: evaporative (uses water); dry: dry coolers (no water)."
    )
    economizer: bool = Field(True, description="Free cooling when the ambient is cold enough.")
    economizer_approach_c: float = Field(
        4.0,
        ge=0,
        le=MAX_DELTA_C,
        description="Free cooling while ambient + this <= supply_c [°C], 0–30.",
    )
    aux_pu: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Pumps, fans, CDUs, air handling per IT power; default liquid 0.05, air 0.10.",
    )
    # Evaporation alone is ~1.5 L/kWh (facts §10); 20 allows any blowdown.
    water_l_per_kwh: float = Field(
        1.85,
        ge=0,
        le=20,
        description="Tower make-up water per kWh of heat rejected (facts §10: N=5), 0–20.",
    )
    loop_heat_capacity_mj_per_c: float = Field(
        4000.0,
        gt=0,
        le=10_000_000,
        description=(
            "Heat the facility water loop stores per °C [MJ/°C], up to 10,000,000; "
            "4,000 is ~1,000 m³ of water."
        ),
    )
    throttle_rise_c: float = Field(
        5.0,
        gt=0,
        le=MAX_DELTA_C,
        description="GPUs throttle when the loop is this far above supply_c [°C], up to 30.",
    )
    shutdown_rise_c: float = Field(
        10.0,
        gt=0,
        le=MAX_DELTA_C,
        description="Nodes shut down (jobs shed) this far above supply_c [°C], up to 30.",
    )

    @model_validator(mode="after")
    def _limits_in_order(self) -> CoolingConfig:
        if self.shutdown_rise_c <= self.throttle_rise_c:
            raise KeyProblems(
                [(("shutdown_rise_c",), self.shutdown_rise_c, "must exceed throttle_rise_c")]
            )
        return self


class Config(StrictModel):
    """A complete, validated run configuration."""

    name: str = name_field("Names the results folder.")
    description: str = ""
    seed: int = Field(0, ge=0, description="Root of every random stream of the run.")
    start: AwareDatetime = Field(
        default_factory=_default_start, description="Wall-clock time of t = 0, with its UTC offset."
    )
    duration_h: float = Field(
        gt=0, le=MAX_HOURS, description="Simulated time [h], up to 876,000 (100 years)."
    )
    output: OutputConfig = Field(default_factory=OutputConfig)
    load: LoadConfig | None = Field(
        None, description="Exogenous IT load, instead of or on top of the cluster."
    )
    grid: GridConfig = Field(default_factory=GridConfig)
    battery: BatteryConfig | None = None
    dispatch: DispatchConfig = Field(default_factory=DispatchConfig)
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
    weather: WeatherConfig | None = Field(None, description="Ambient weather (for cooling).")
    cooling: CoolingConfig | None = Field(None, description="The cooling plant (on the bus).")

    @field_validator("start")
    @classmethod
    def _start_year(cls, start: dt.datetime) -> dt.datetime:
        if not MIN_START_YEAR <= start.year <= MAX_START_YEAR:
            raise ValueError(
                f"must lie in the years {MIN_START_YEAR}–{MAX_START_YEAR} "
                "(the timeseries' timestamps span 1677–2262)"
            )
        return start

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
        if self.load is None and self.cluster is None:
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
        items += _cluster_problems(self.cluster, self.jobs)
        if self.weather is not None and self.cooling is None:
            items.append((("weather",), "given", "is used only by a cooling: section; add one"))
        if self.weather is not None and self.weather.csv is not None:
            try:
                from sim.weather import read_csv

                read_csv(self.weather.csv)
            except (OSError, ValueError) as exc:
                items.append((("weather", "csv"), str(self.weather.csv), str(exc)))
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
            work = _work_problem(self)
            if work is not None:
                items.append(work)
        if items:
            raise KeyProblems(items)
        return self


# --------------------------------------------------------------------------------------------
# Work estimate
# --------------------------------------------------------------------------------------------

BYTES_PER_SEGMENT = 1000
"""Memory one bus update takes by the time the results are assembled [B]: its recorder row (a
tuple of 18–24 floats, ~620 B), its row of the segment frame, the summary's arrays over it and
the jobs' progress points. Measured (tracemalloc peak ÷ segments): 750 B for
``configs/examples/llama3_cluster.yaml`` (30k segments, checkpoints and failures) and for its
iteration model over 72 h (82k segments); 1,000 B is rounded up for a cooled site's extra
columns and the events of failures."""

BYTES_PER_TIMESERIES_ROW = 400
"""Memory one row of the regular timeseries takes [B]: ~24 columns of 8 B, the resampling's
cumulative energies and the timestamps. Measured: 306 B (the llama3 example at 60 s, 78k rows)."""

BYTES_PER_DEMAND_INTERVAL = 48
"""Memory of one billed-demand interval in the cost summary [B]: its edge, energy and mean."""

BYTES_BASE = 150e6
"""The interpreter, numpy, pandas and pyarrow once imported [B] (the RSS of a tiny run)."""


@dataclass(frozen=True)
class WorkEstimate:
    """What a run will hold in memory, estimated from its config at validation.

    ``updates`` maps each source of bus updates (checkpoints, iterations, weather steps, node
    failures, outages, ...) to its count and the key that sets it; ``segments`` is their sum.
    """

    timeseries_rows: float
    updates: dict[str, tuple[float, Key]]
    demand_intervals: float

    @property
    def segments(self) -> float:
        """Bus updates over the run, each a recorded segment."""
        return 2.0 + sum(count for count, _ in self.updates.values())

    @property
    def memory_bytes(self) -> float:
        """Estimated peak memory of the run [B]."""
        return (
            BYTES_BASE
            + self.segments * BYTES_PER_SEGMENT
            + self.timeseries_rows * BYTES_PER_TIMESERIES_ROW
            + self.demand_intervals * BYTES_PER_DEMAND_INTERVAL
        )

    def parts(self) -> list[tuple[str, float, float, Key]]:
        """``(what, count, bytes, key)`` of each part, largest first."""
        rows = [
            (
                "timeseries rows",
                self.timeseries_rows,
                BYTES_PER_TIMESERIES_ROW,
                ("output", "resolution_s"),
            ),
            (
                "billed-demand intervals",
                self.demand_intervals,
                BYTES_PER_DEMAND_INTERVAL,
                ("grid", "demand_interval_min"),
            ),
        ]
        rows += [(what, n, BYTES_PER_SEGMENT, key) for what, (n, key) in self.updates.items()]
        parts = [(what, n, n * size, key) for what, n, size, key in rows if n > 0]
        return sorted(parts, key=lambda part: -part[2])


def estimate_work(config: Config) -> WorkEstimate:
    """Estimate the rows, segments and memory of a run from its config (see
    :class:`WorkEstimate`): the timeseries has ``duration / resolution_s`` rows; each job makes
    2 updates per checkpoint cycle (``checkpoint_interval_s + checkpoint_write_s``) while it
    may run, and with ``power_model: iteration`` 2 per iteration; node failures are expected
    at ``rate × nodes × days`` (3 updates each: failure, restart, compute); weather steps,
    scheduled and random outages, demand-response windows, chiller failures, the rows of a
    load or weather trace and, for arbitrage, the tariff's hours or the price trace's rows
    add one update per change."""
    duration_s = config.duration_h * 3600.0
    updates: dict[str, tuple[float, Key]] = {}

    def add(what: str, count: float, key: Key) -> None:
        if count > 0:
            updates[what] = (count, key)

    cluster = config.cluster
    if cluster is not None:
        catalog = hardware_catalog(cluster)
        pools = {p.name: p for p in cluster.pools}
        iterate = cluster.power_model == "iteration"
        for i, job in enumerate(config.jobs):
            pool = pools.get(job.pool)
            hardware = catalog.get(pool.hardware) if pool is not None else None
            per_node = hardware.gpus_per_node if hardware is not None else 8
            nodes = math.ceil(job.gpus / per_node)
            active_s = max(0.0, duration_s - job.submit_h * 3600.0)
            cycle_s = job.checkpoint_interval_s + job.checkpoint_write_s
            if job.work_h is not None:
                active_s = min(active_s, job.work_h * 3600.0 * cycle_s / job.checkpoint_interval_s)
            name = f"jobs[{i}]"
            add(
                f"{name} checkpoints",
                2.0 * active_s / cycle_s,
                ("jobs", i, "checkpoint_interval_s"),
            )
            if iterate:
                add(
                    f"{name} iterations",
                    2.0 * active_s / job.iteration_s,
                    ("jobs", i, "iteration_s"),
                )
            failures = cluster.failures.rate_per_node_day * nodes * active_s / 86_400.0
            add(
                f"{name} node failures",
                3.0 * failures,
                ("cluster", "failures", "rate_per_node_day"),
            )
    if config.load is not None and config.load.trace_csv is not None:
        rows = _trace_rows(config.load.trace_csv, "load_mw", duration_s, nonnegative=True)
        add("load trace rows", rows, ("load", "trace_csv"))
    if config.cooling is not None:
        weather = config.weather if config.weather is not None else WeatherConfig()
        if weather.csv is None:
            add("weather steps", config.duration_h / weather.step_h, ("weather", "step_h"))
        else:
            from sim.weather import read_csv  # (the weather module imports this one)

            try:
                times_h = read_csv(weather.csv)[0]
            except (OSError, ValueError):
                times_h = []
            add("weather rows", bisect.bisect_left(times_h, config.duration_h), ("weather", "csv"))
        chillers = config.cooling.chillers
        add(
            "chiller failures",
            2.0 * chillers.count * chillers.failure_rate_per_1000h * config.duration_h / 1000.0,
            ("cooling", "chillers", "failure_rate_per_1000h"),
        )
    grid = config.grid
    add("scheduled outages", 2.0 * len(grid.outages), ("grid", "outages"))
    add("demand-response windows", 2.0 * len(grid.demand_response), ("grid", "demand_response"))
    if grid.random_outages is not None:
        add(
            "random outages",
            2.0 * grid.random_outages.rate_per_year * config.duration_h / 8760.0,
            ("grid", "random_outages", "rate_per_year"),
        )
    if config.dispatch.policy == "arbitrage" and grid.tariff is not None:
        add("tariff hours", config.duration_h, ("grid", "tariff"))
    if config.dispatch.policy == "arbitrage" and grid.price_csv is not None:
        rows = _trace_rows(grid.price_csv, "price_usd_per_mwh", duration_s)
        add("price trace rows", rows, ("grid", "price_csv"))
    return WorkEstimate(
        timeseries_rows=duration_s / config.output.resolution_s,
        updates=updates,
        demand_intervals=duration_s / (grid.demand_interval_min * 60.0),
    )


def _trace_rows(path: Path, column: str, duration_s: float, nonnegative: bool = False) -> int:
    """Rows of a trace that start within the run (0 if it cannot be read: reported apart).
    ``nonnegative`` as validation reads it, so the file is parsed once."""
    try:
        time_s = read_trace(path, column, nonnegative)[0]
    except TraceError:
        return 0
    return bisect.bisect_left(time_s, duration_s)


def _work_problem(config: Config) -> tuple[Key, Any, str] | None:
    """A problem if the run's estimated memory exceeds ``output.max_memory_gb``."""
    estimate = estimate_work(config)
    limit_gb = config.output.max_memory_gb
    total_gb = estimate.memory_bytes / 1e9
    if total_gb <= limit_gb:
        return None
    parts = estimate.parts()
    what, _, _, key = parts[0]
    listed = "; ".join(f"{w}: {n:.3g} ({b / 1e9:.3g} GB)" for w, n, b, _ in parts[:4])
    value: Any = config
    for part in key:
        value = value[part] if isinstance(part, int) else getattr(value, part)
    if isinstance(value, BaseModel | list):
        value = _MISSING
    message = (
        f"the run would take about {total_gb:.3g} GB of memory, over output.max_memory_gb "
        f"({limit_gb:g} GB); most of it is the {what}. Estimate: {listed}. Make this part "
        "smaller (a coarser output.resolution_s, a shorter duration_h, longer intervals), or "
        "raise output.max_memory_gb on a machine with the memory"
    )
    return key, value, message


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Load, merge and validate a config file.

    Parameters
    ----------
    path : str or Path
        YAML config. ``extends:`` (a path relative to the file) names a base config that this
        file is deep-merged onto: mappings merge key by key, anything else is replaced.
    overrides : list of str
        ``KEY=VALUE`` strings applied after merging; ``KEY`` is a dotted path with list indexes
        (``grid.outages[0].duration_h``) and ``VALUE`` is typed by the schema.

    Raises
    ------
    ConfigError
        With every problem found (file, key path, value, what is allowed).
    """
    data, origins = load_tree(path)
    problems: list[Problem] = []
    for text in overrides:
        _apply_override(data, origins, text, problems)
    return validate_tree(data, origins, str(path), problems)


def load_tree(path: str | Path) -> tuple[dict[str, Any], dict[Key, str]]:
    """Read a config file and what it ``extends:`` into one merged mapping, unvalidated.

    Returns the mapping and, for each key path, the file that set it.

    Raises
    ------
    ConfigError
        If a file is missing, unreadable, not valid YAML, over the limits of :func:`read_yaml`,
        or an ``extends:`` chain is a cycle or longer than :data:`MAX_EXTENDS_CHAIN` files.
    """
    origins: dict[Key, str] = {}
    problems: list[Problem] = []
    try:
        data = _load_tree(Path(path), origins, problems, stack=())
    except RecursionError:  # (the limits of read_yaml and _load_tree should prevent it)
        problems.append(Problem(str(path), (), "nested too deeply to read"))
        data = None
    if data is None:
        raise ConfigError(problems)
    return data, origins


def validate_tree(
    data: dict[str, Any],
    origins: dict[Key, str],
    default_file: str,
    problems: list[Problem] | None = None,
) -> Config:
    """Validate a merged mapping; raise every problem (plus ``problems`` found before) at once."""
    problems = list(problems or [])
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, origins, default_file))
        raise ConfigError(problems) from None
    if problems:
        raise ConfigError(problems)
    return config


def config_from_dict(data: dict[str, Any], source: str = "<dict>") -> Config:
    """Validate a config given as a plain mapping (paths relative to the working directory)."""
    return validate_tree(data, {}, source)


MACHINE_KEYS: dict[str, Any] = {"output": {"max_memory_gb"}}
"""Keys that guard the machine and change no result: left out of a run's identity."""


def dump_config(config: Config, identity: bool = False) -> str:
    """The resolved config as YAML, loadable again by :func:`load_config`; with ``identity``,
    without the :data:`MACHINE_KEYS` (the text a run's content hash is taken of)."""
    data = config.model_dump(mode="json", exclude=MACHINE_KEYS if identity else None)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


MAX_YAML_BYTES = 2**20
"""Largest YAML file read [bytes]: a config is a few kB, long data goes in CSV files (and
PyYAML reads about 100k nodes in a few seconds)."""
MAX_YAML_NODES = 1_000_000
"""Largest YAML document, counted in nodes (scalars, lists, mappings) with aliases expanded."""
MAX_YAML_DEPTH = 64
"""Deepest nesting of a YAML document, with aliases expanded (the schema is < 10 deep)."""
MAX_EXTENDS_CHAIN = 32
"""Most files in one chain of ``extends:`` and ``scenario:`` files."""
MAX_INT_DIGITS = 4300
"""Most decimal digits of an integer in YAML (Python's own limit for reading one)."""

_INT_LIMIT = 10**MAX_INT_DIGITS

# YAML 1.2 floats that YAML 1.1 reads as strings: an exponent without a dot (1e3) or without a
# sign (1.5e3). Researchers write these for floats.
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


class YamlLimitError(yaml.YAMLError):
    """A YAML document refused for its size, depth or an integer's size (not for its syntax)."""

    def __init__(self, problem: str, mark: yaml.Mark | None):
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping (never silently dropped),
    reads ``1e3`` as a float (as YAML 1.2 does), and bounds what a document may cost.

    Composition counts each node's size and depth with aliases expanded (memoised by node, so
    a "billion laughs" costs no more to count than to compose) and refuses a document larger
    than :data:`MAX_YAML_NODES` or deeper than :data:`MAX_YAML_DEPTH`, and an alias inside the
    collection it names. An integer of more than :data:`MAX_INT_DIGITS` digits is refused, and
    a scalar its tag cannot read (``!!float abc``, ``2025-13-01``) is a YAML error, not a crash.
    """

    def __init__(self, stream: Any):
        super().__init__(stream)
        self._depth = 0  # nesting of the node being composed
        self._composed = 0  # nodes composed (aliases not expanded)
        self._cost: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, depth), expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise YamlLimitError(
                    f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark
                )
            node = super().compose_node(parent, index)
            if isinstance(event, yaml.AliasEvent):
                cost = self._cost.get(id(node))
                if cost is None:
                    raise YamlLimitError(
                        f"recursive alias: *{event.anchor} is inside the collection it names",
                        event.start_mark,
                    )
            else:
                self._composed += 1
                if self._composed > MAX_YAML_NODES:
                    raise YamlLimitError(
                        f"too large: more than {MAX_YAML_NODES:,} nodes", event.start_mark
                    )
                children: list[yaml.Node] = []
                if isinstance(node, yaml.SequenceNode):
                    children = node.value
                elif isinstance(node, yaml.MappingNode):
                    children = [child for pair in node.value for child in pair]
                costs = [self._cost[id(child)] for child in children]
                cost = (
                    1 + sum(size for size, _ in costs),
                    1 + max((depth for _, depth in costs), default=0),
                )
                self._cost[id(node)] = cost
            size, depth = cost
            if self._depth - 1 + depth > MAX_YAML_DEPTH:
                raise YamlLimitError(
                    f"nested deeper than {MAX_YAML_DEPTH} levels once its aliases are expanded",
                    event.start_mark,
                )
            if size > MAX_YAML_NODES:
                raise YamlLimitError(
                    f"too large once its aliases are expanded: {size:,} nodes, "
                    f"the limit is {MAX_YAML_NODES:,}",
                    event.start_mark,
                )
            return node
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError, IndexError, KeyError) as exc:
            value = _short_repr(node.value) if isinstance(node, yaml.ScalarNode) else node.id
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {value} as {node.tag}: {exc}", node.start_mark
            ) from None


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    text = node.value
    if sum(c.isdigit() for c in text) > MAX_INT_DIGITS:
        value = None
    else:
        value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    if value is None or abs(value) >= _INT_LIMIT:
        raise YamlLimitError(
            f"integer too large: {len(text):,} characters, the limit is {MAX_INT_DIGITS:,} digits",
            node.start_mark,
        )
    return value


def _construct_unique_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, typing.Hashable):
            if key in first_line:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first given on line {first_line[key] + 1})",
                    key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789.")
)


class _Dumper(yaml.SafeDumper):
    """A safe dumper that resolves plain scalars as :class:`_StrictLoader` reads them, so text
    that looks like ``1e3`` is written quoted and reads back as text."""


_Dumper.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789."))


def _load_yaml(text: str) -> Any:
    """Parse one YAML document with :class:`_StrictLoader`.

    Raises
    ------
    yaml.YAMLError
        If it is not valid YAML or is refused for its cost (:class:`YamlLimitError`); a
        RecursionError is reported as one too.
    """
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except RecursionError:
        raise YamlLimitError(
            f"nested too deeply to read (the limit is {MAX_YAML_DEPTH} levels)", None
        ) from None


def read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    """Read one YAML file whose top level is a mapping (empty file: ``{}``).

    Duplicate keys are refused, and so is a file larger than :data:`MAX_YAML_BYTES` or a
    document over the limits of :class:`_StrictLoader`. On failure, append a :class:`Problem`
    and return None.
    """
    file = str(path)
    if not path.is_file():
        what = "not a regular file" if path.exists() else "file not found"
        problems.append(Problem(file, (), f"{what}: {path}"))
        return None
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            problems.append(
                Problem(
                    file,
                    (),
                    f"file too large: {size:,} bytes, the limit is {MAX_YAML_BYTES:,} "
                    "(long data goes in a CSV file)",
                )
            )
            return None
        data = _load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        if not isinstance(exc, YamlLimitError):
            reason = f"not valid YAML: {reason}"
        problems.append(Problem(file + line, (), reason))
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problems.append(Problem(file, (), f"cannot read file: {exc}"))
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(file, (), "the top level must be a mapping of keys", data))
        return None
    return data


def _load_tree(
    path: Path,
    origins: dict[Key, str],
    problems: list[Problem],
    stack: tuple[Path, ...],
    via: str = "extends",
) -> dict[str, Any] | None:
    """Read one YAML file and, recursively, what it extends and the scenarios it lists;
    record where each key came from. ``via`` is the key that named this file."""
    file = str(path)
    where, key = (str(stack[-1]), (via,)) if stack else (file, ())
    try:
        resolved = path.resolve()
    except (OSError, ValueError) as exc:
        problems.append(Problem(where, key, f"not a usable path: {exc}", str(path)))
        return None
    if resolved in stack:
        chain = " -> ".join(str(p) for p in (*stack, resolved))
        problems.append(Problem(file, (via,), f"{via} cycle: {chain}"))
        return None
    if len(stack) >= MAX_EXTENDS_CHAIN:
        message = (
            f"the chain of extends: and scenario: files from {stack[0]} is longer than "
            f"{MAX_EXTENDS_CHAIN} files (it reaches {path}); the limit is {MAX_EXTENDS_CHAIN}"
        )
        problems.append(Problem(str(stack[0]), (via,), message))
        return None
    if not path.is_file():
        what = "not a regular file" if path.exists() else "file not found"
        problems.append(Problem(where, key, f"{what}: {path}"))
        return None
    data = read_yaml(path, problems)
    if data is None:
        return None
    resolve_path_keys(data, path.parent)
    base: dict[str, Any] = {}
    if "extends" in data:
        parent = data.pop("extends")
        if not isinstance(parent, str):
            problems.append(Problem(file, ("extends",), "must be a path to a YAML file", parent))
            return None
        loaded = _load_tree(path.parent / parent, origins, problems, (*stack, resolved))
        if loaded is None:
            return None
        base = loaded
    scenarios = data.pop("scenario", [])
    _record_origins(data, (), file, origins)
    merged = _deep_merge(base, data)
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    if not isinstance(scenarios, list) or not all(isinstance(s, str) for s in scenarios):
        problems.append(
            Problem(file, ("scenario",), "must be a path or a list of paths", scenarios)
        )
        return None
    for overlay_path in scenarios:
        overlay_origins: dict[Key, str] = {}
        overlay = _load_tree(
            path.parent / overlay_path, overlay_origins, problems, (*stack, resolved), "scenario"
        )
        if overlay is None:
            return None
        _merge_appending(merged, overlay, overlay_origins, origins, ())
    return merged


def _merge_appending(
    base: dict[str, Any],
    over: dict[str, Any],
    over_origins: dict[Key, str],
    origins: dict[Key, str],
    key: Key,
) -> None:
    """Merge a scenario overlay onto ``base`` in place: mappings key by key, lists appended
    (an overlay adds an outage rather than replacing the base's), anything else replaced.
    Origins follow the elements to their new places."""
    for name, value in over.items():
        here = (*key, name)
        old = base.get(name)
        if isinstance(value, dict) and isinstance(old, dict):
            _merge_appending(old, value, over_origins, origins, here)
            continue
        if isinstance(value, list) and isinstance(old, list):
            offset = len(old)
            old.extend(value)
            for sub_key, file in over_origins.items():
                if sub_key[: len(here)] == here and len(sub_key) > len(here):
                    shifted = (*here, sub_key[len(here)] + offset, *sub_key[len(here) + 1 :])
                    origins[shifted] = file
            continue
        base[name] = value
        for sub_key, file in over_origins.items():
            if sub_key[: len(here)] == here:
                origins[sub_key] = file


def resolve_path_keys(data: dict[str, Any], folder: Path) -> None:
    """Make every path-valued key (:data:`PATH_KEYS`) of a config mapping absolute, in place,
    relative to ``folder`` (the folder of the file that sets them)."""
    for key in PATH_KEYS:
        node: Any = data
        for part in key[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(key[-1]), str):
            with contextlib.suppress(OSError, ValueError):  # (a NUL byte): validation reports it
                node[key[-1]] = str((folder / node[key[-1]]).resolve())


def _record_origins(node: Any, key: Key, file: str, origins: dict[Key, str]) -> None:
    origins[key] = file
    if isinstance(node, dict):
        for name, child in node.items():
            _record_origins(child, (*key, name), file, origins)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            _record_origins(child, (*key, index), file, origins)


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` onto ``base``: mappings key by key, anything else replaced by ``over``."""
    out = dict(base)
    for name, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(name), dict):
            out[name] = _deep_merge(out[name], value)
        else:
            out[name] = value
    return out


_KEY_RE = re.compile(r"[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*")


def parse_key(text: str) -> Key:
    """Parse ``grid.outages[0].start_h`` into ``("grid", "outages", 0, "start_h")``."""
    if not _KEY_RE.fullmatch(text):
        raise ValueError(f"not a key path: {text!r} (expected e.g. grid.outages[0].duration_h)")
    return tuple(
        int(index) if index else name for name, index in re.findall(r"(\w+)|\[(\d+)\]", text)
    )


def _apply_override(
    data: dict[str, Any], origins: dict[Key, str], text: str, problems: list[Problem]
) -> None:
    """Apply one ``KEY=VALUE`` override in place; report a problem instead of raising."""
    source = f"--set {text}" if len(text) <= 80 else f"--set {text[:77]}..."
    raw_key, sep, raw_value = text.partition("=")
    try:
        if not sep:
            raise ValueError("expected KEY=VALUE")
        key = parse_key(raw_key.strip())
    except ValueError as exc:
        problems.append(Problem(source, (), str(exc)))
        return
    try:
        value = raw_value if _expects_text(key) else _yaml_scalar(raw_value)
    except ValueError as exc:
        problems.append(Problem(source, key, str(exc)))
        return
    set_key(data, key, value, source, origins, problems)


def set_key(
    data: dict[str, Any],
    key: Key,
    value: Any,
    source: str,
    origins: dict[Key, str],
    problems: list[Problem],
) -> None:
    """Set ``key`` to ``value`` in a config mapping, creating absent or null sections.

    ``source`` is recorded as the origin of what is set. An index may address an existing
    element or append one (index == length). On failure, append a :class:`Problem`.
    """
    node: Any = data
    for depth, part in enumerate(key):
        here = key[: depth + 1]
        last = depth == len(key) - 1
        # What goes at `here` if it is absent or null: the value, or an empty container.
        fresh: Any = value if last else ({} if isinstance(key[depth + 1], str) else [])
        if isinstance(part, str) and isinstance(node, dict):
            if last or node.get(part) is None:
                node[part] = fresh
                origins[here] = source
        elif isinstance(part, int) and isinstance(node, list):
            if part > len(node):
                message = f"index out of range: the list has {len(node)} element(s)"
                problems.append(Problem(source, here, message))
                return
            if part == len(node):
                node.append(fresh)
                origins[here] = source
            elif last or node[part] is None:
                node[part] = fresh
                origins[here] = source
        else:
            kind = "a list" if isinstance(part, int) else "a mapping"
            problems.append(Problem(source, key[:depth], f"is not {kind}", node))
            return
        node = node[part]
    _record_origins(value, key, source, origins)


def _yaml_scalar(text: str) -> Any:
    """A ``--set`` value read as YAML by the config files' loader (``1e3`` is a float), or
    the text itself if it is not valid YAML.

    Raises
    ------
    ValueError
        If the value is over the loader's limits (size, depth, an integer's digits).
    """
    try:
        return _load_yaml(text)
    except YamlLimitError as exc:
        raise ValueError(exc.problem) from None
    except yaml.YAMLError:
        return text


def _expects_text(key: Key) -> bool:
    """True when the schema types this key as text (so ``--set name=007`` stays a string)."""
    annotation = annotation_at(key)
    return annotation in (str, Path, AwareDatetime)


def _unwrap(annotation: Any) -> Any:
    """Strip ``Optional`` from an annotation: ``X | None`` -> ``X``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def annotation_at(key: Key, root: type[BaseModel] | None = None) -> Any:
    """The schema's annotation at a key path, or None where the schema has no such key."""
    annotation: Any = Config if root is None else root
    for part in key:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            if typing.get_origin(annotation) is not list:
                return None
            annotation = typing.get_args(annotation)[0]
        else:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return None
            field = annotation.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
    return _unwrap(annotation)


def problems_from(
    exc: ValidationError,
    origins: dict[Key, str],
    default_file: str,
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    """Translate pydantic's errors into problems naming file, key and what is allowed.

    ``model`` is the schema validated (default :class:`Config`), for suggesting known keys.
    """
    problems = []
    for error in exc.errors(include_url=False):
        key: Key = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, KeyProblems):
            for sub_key, value, message in cause.items:
                full = key + sub_key
                problems.append(Problem(_origin(full, origins, default_file), full, message, value))
            continue
        file = _origin(key, origins, default_file)
        kind = error["type"]
        if kind == "extra_forbidden":
            message = _unknown_key_message(key, model)
            problems.append(Problem(file, key, message, error["input"]))
        elif kind == "missing":
            problems.append(Problem(file, key, "required key is missing"))
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(Problem(file, key, message, error["input"]))
    return problems


def unknown_key_message(key: Key) -> str | None:
    """None if the schema knows ``key``, else why not (with the closest known key)."""
    for depth in range(1, len(key) + 1):
        if annotation_at(key[:depth]) is None:
            return f"{format_key(key[:depth])}: " + _unknown_key_message(key[:depth])
    return None


def _unknown_key_message(key: Key, root: type[BaseModel] | None = None) -> str:
    model = annotation_at(key[:-1], root)
    known = (
        list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []
    )
    close = difflib.get_close_matches(str(key[-1]), known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key; {hint}allowed here: {', '.join(known)}"


def _origin(key: Key, origins: dict[Key, str], default_file: str) -> str:
    """The file that set the deepest existing prefix of ``key``."""
    for depth in range(len(key), 0, -1):
        if key[:depth] in origins:
            return origins[key[:depth]]
    return default_file
