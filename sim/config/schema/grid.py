"""The ``grid:`` section: import limit, outages, demand response, prices, tariff, carbon."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.problems import Key, KeyProblems
from sim.config.schema.base import (
    MAX_HOURS,
    MAX_PRICE_USD_PER_MWH,
    MAX_SITE_MW,
    MIN_PRICE_USD_PER_MWH,
    StrictModel,
    check_trace,
)
from sim.config.schema.buildout import LimitStepConfig, step_problems


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


def _overlaps(windows: Sequence[OutageConfig], section: str) -> list[tuple[Key, Any, str]]:
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
    """One season of a time-of-use tariff, on the site's clock (``site.timezone``, with DST)."""

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
    import_limit_steps: list[LimitStepConfig] = Field(
        default_factory=list,
        max_length=1000,
        description=(
            "Build-out of the connection: the import limit [MW] from each at_h on (hours "
            "increasing; import_limit_mw is the limit before the first). Up to 1,000."
        ),
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
    demand_billing: Literal["month", "prorated"] = Field(
        "prorated",
        description=(
            "prorated: each calendar month's demand charge times the share of the month "
            "simulated [pu] (a 24-h run in a 31-day month pays 24/744 of it; a whole month "
            "pays it in full); month: every month the run touches pays its whole month's "
            "charge, as on a real bill."
        ),
    )
    # Lignite, the dirtiest fuel, emits ~1,100 kg/MWh.
    carbon_kg_per_mwh: float | None = Field(
        None, ge=0, le=5000, description="Constant [kg CO2/MWh], 0–5,000."
    )
    carbon_csv: Path | None = Field(None, description="CSV time_h, carbon_kg_per_mwh.")

    @field_validator("price_csv")
    @classmethod
    def _price_readable(cls, path: Path | None) -> Path | None:
        return check_trace(path, "price_usd_per_mwh", nonnegative=False)

    @field_validator("carbon_csv")
    @classmethod
    def _carbon_readable(cls, path: Path | None) -> Path | None:
        return check_trace(path, "carbon_kg_per_mwh", nonnegative=True)

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
        steps = self.import_limit_steps
        items += step_problems(("import_limit_steps",), [s.at_h for s in steps], [], False)
        if steps and self.import_limit_mw is None:
            items.append(
                (("import_limit_mw",), None, "give the limit before import_limit_steps' first")
            )
        if items:
            raise KeyProblems(items)
        return self
