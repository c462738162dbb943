"""The ``weather:`` and ``cooling:`` sections: the ambient and the cooling plant."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from sim.config.problems import KeyProblems
from sim.config.schema.base import (
    MAX_AMBIENT_C,
    MAX_DELTA_C,
    MAX_HOURS,
    MIN_AMBIENT_C,
    StrictModel,
)


class HeatWaveConfig(StrictModel):
    """A heat wave: the dry-bulb raised by ``delta_c`` in a window, the dew point held."""

    start_h: float = Field(ge=0, le=MAX_HOURS, description="Start [h], 0–876,000.")
    duration_h: float = Field(gt=0, le=MAX_HOURS, description="Length [h], up to 876,000.")
    delta_c: float = Field(
        gt=0,
        le=MAX_DELTA_C,
        description="Added to the dry-bulb, the dew point held [°C], up to 30.",
    )


class WeatherConfig(StrictModel):
    """Ambient weather: synthetic from a built-in site's climate, an EPW file or a CSV trace."""

    site: str | None = Field(
        None, description="Synthetic weather from this site's climate (default memphis)."
    )
    epw: Path | None = Field(
        None,
        description=(
            "An EnergyPlus weather (EPW/TMY) file instead: its typical year, hour by hour, "
            "by month, day and local standard time."
        ),
    )
    csv: Path | None = Field(
        None,
        description=(
            "A trace instead: time_h with dry_bulb_c (or temp_air) and wet_bulb_c, "
            "dew_point_c (or temp_dew), rh_pu or relative_humidity [%]; optional ghi, dni, dhi "
            "[W/m²]; each row holds until the next."
        ),
    )
    daily_sd_c: float | None = Field(
        None,
        ge=0,
        le=15,
        description=(
            "Synthetic: sd of the dry-bulb's day-to-day anomaly [°C], 0–15; default the site's "
            "monthly values."
        ),
    )
    dew_sd_c: float | None = Field(
        None,
        ge=0,
        le=15,
        description=(
            "Synthetic: sd of the dew point's day-to-day anomaly [°C], 0–15; default the site's "
            "monthly values."
        ),
    )
    step_h: float = Field(
        1.0, ge=1 / 60, le=24, description="Synthetic: resolution [h], 1/60 (a minute) to 24."
    )
    heat_waves: list[HeatWaveConfig] = Field(
        default_factory=list, max_length=10_000, description="Up to 10,000."
    )

    @model_validator(mode="after")
    def _source(self) -> WeatherConfig:
        from sim.climate import builtin_sites  # (the site list is the climate data file's)

        given = [key for key in ("site", "epw", "csv") if getattr(self, key) is not None]
        if len(given) > 1:
            raise KeyProblems(
                [((key,), str(getattr(self, key)), "give one of site, epw, csv") for key in given]
            )
        synthetic_only = sorted({"step_h", "daily_sd_c", "dew_sd_c"} & self.model_fields_set)
        if given and given[0] != "site" and synthetic_only:
            raise KeyProblems(
                [
                    (
                        (key,),
                        getattr(self, key),
                        f"is for synthetic weather; a {given[0]} has its own",
                    )
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
