"""The ``weather:`` and ``cooling:`` sections: the ambient and the cooling plant."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.problems import KeyProblems
from sim.config.schema.base import (
    MAX_AMBIENT_C,
    MAX_DELTA_C,
    MAX_HOURS,
    MIN_AMBIENT_C,
    StrictModel,
)
from sim.units import KW_PER_TON


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


PartLoadCoefficient = Annotated[float, Field(ge=-10, le=10)]
"""A coefficient of the part-load curve [-]."""
RATING_KEYS = ("rated_kw_per_ton", "rated_cop", "eta_ii")
"""The ways to give a chiller's efficiency: one at most (none: the default rating)."""


def part_load_problem(curve: tuple[float, float, float]) -> str:
    """What is wrong with a part-load curve ``(a, b, c)`` (empty if nothing): the power
    ``a + b·x + c·x²`` must not be negative at no load (``a ≥ 0``), must rise with the load on
    0–1 (``b ≥ 0`` and ``b + 2c ≥ 0``) and be near 1 at full load (``a + b + c`` in 0.9–1.1,
    then scaled to 1)."""
    a, b, c = curve
    if a < 0:
        return "a (the power at no load) must be >= 0"
    if b < 0 or b + 2 * c < 0:
        return "the power must rise with the load on 0–1: b >= 0 and b + 2c >= 0"
    if not 0.9 <= a + b + c <= 1.1:
        return f"a + b + c (the power at full load) is {a + b + c:.4g}; it must lie in 0.9–1.1"
    return ""


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
    # ASHRAE 90.1-2019 Table 6.8.1-3, Path A, as tabulated in NREL openstudio-standards
    # (data/ashrae_90_1_2019.chillers.json): water-cooled centrifugal >= 600 tons 0.560 kW/ton
    # full load, 0.500 IPLV; air-cooled >= 150 tons 1.188 kW/ton (EER 10.1), 0.857 IPLV.
    rated_kw_per_ton: float | None = Field(
        None,
        ge=0.2,
        le=3.0,
        description=(
            "Electric input per ton of cooling at the AHRI 550/590 rating [kW/ton], 0.2–3 "
            "(towers: 44 °F leaving chilled water, 85 °F entering condenser water; dry: 95 °F "
            "entering air); default 0.560 towers, 1.188 dry (ASHRAE 90.1-2019 Path A minima)."
        ),
    )
    rated_cop: float | None = Field(
        None,
        ge=1.0,
        le=20.0,
        description="The rating as a COP instead [-], 1–20 (kW/ton = 3.517/COP).",
    )
    eta_ii: float | None = Field(
        None,
        gt=0,
        le=1,
        description=(
            "Deprecated (use rated_kw_per_ton): the second-law efficiency given directly, "
            "COP = η·T_evap/(T_cond − T_evap), 0–1; without it η is calibrated to the rating."
        ),
    )
    part_load_curve: tuple[PartLoadCoefficient, PartLoadCoefficient, PartLoadCoefficient] | None = (
        Field(
            None,
            description=(
                "(a, b, c) of the power at part load, EIR-fPLR = a + b·PLR + c·PLR² (DOE-2 / "
                "EnergyPlus Chiller:Electric:EIR; scaled to 1 at full load, a + b + c within "
                "0.9–1.1), each -10–10; default towers (0.222149, 0.503156, 0.256905), dry "
                "(0.141, 0.655, 0.203): the ASHRAE 90.1 Path A curves (openstudio-standards)."
            ),
        )
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
    rating_ambient_c: float | None = Field(
        None,
        ge=MIN_AMBIENT_C,
        le=MAX_AMBIENT_C,
        description=(
            "Ambient of the rated capacity [°C], -60–60; default the AHRI 550/590 point: "
            "towers a 78 °F (25.56 °C) wet-bulb (85 °F condenser water − 7 °F approach), "
            "dry 95 °F (35 °C) air."
        ),
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

    @model_validator(mode="after")
    def _one_rating(self) -> ChillersConfig:
        given = [key for key in RATING_KEYS if getattr(self, key) is not None]
        if len(given) > 1:
            message = f"give one of {', '.join(RATING_KEYS)}, not {len(given)}"
            raise KeyProblems([((key,), getattr(self, key), message) for key in given])
        cop = self.rated_cop
        if self.rated_kw_per_ton is not None:
            cop = KW_PER_TON / self.rated_kw_per_ton
        if cop is not None and cop > self.cop_max:
            key = given[0]
            message = f"is a rated COP of {cop:.3g}, above cop_max {self.cop_max:g}"
            raise KeyProblems([((key,), getattr(self, key), message)])
        if self.part_load_curve is not None:
            problem = part_load_problem(self.part_load_curve)
            if problem:
                raise KeyProblems([(("part_load_curve",), list(self.part_load_curve), problem)])
        return self


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
    economizer: bool = Field(
        True,
        description=(
            "A waterside economizer in series: it pre-cools the return water toward the "
            "ambient + economizer_approach_c; the chillers remove the rest."
        ),
    )
    economizer_approach_c: float = Field(
        4.0,
        ge=0,
        le=MAX_DELTA_C,
        description=(
            "Economizer water leaves at the ambient + this [°C], 0–30; full free cooling "
            "while that is <= supply_c."
        ),
    )
    return_delta_c: float | None = Field(
        None,
        gt=0,
        le=MAX_DELTA_C,
        description=(
            "Facility water return above supply_c [°C], up to 30; default liquid 10 "
            "(assumed), air 5.56 (AHRI 550/590: 54 -> 44 °F)."
        ),
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
        from sim.chillers import chiller_model  # (the rating's physics is the model's)

        eta_ii = chiller_model(self.chillers, self.heat_rejection).eta_ii
        if eta_ii > 1.0:
            key = next((k for k in RATING_KEYS if getattr(self.chillers, k) is not None), None)
            raise KeyProblems(
                [
                    (
                        ("chillers", key or "condenser_approach_c"),
                        getattr(self.chillers, key or "condenser_approach_c"),
                        f"makes the chillers beat Carnot at the rating (η_II {eta_ii:.3g} > 1; "
                        "condensing approach_c above the ambient)",
                    )
                ]
            )
        return self
