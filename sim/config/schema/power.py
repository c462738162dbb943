"""The ``battery:``, ``turbines:`` and ``turbine_trips:`` sections: storage and generation."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from sim.config.problems import Key, KeyProblems
from sim.config.schema.base import (
    MAX_HOURS,
    MAX_SITE_MW,
    NAME_MAX_CHARS,
    NAME_PATTERN,
    StrictModel,
    name_field,
)
from sim.config.schema.buildout import online_h_field


class BatteryConfig(StrictModel):
    """A battery plant (Megapacks), aggregated into one equivalent unit.

    Energy and state of charge refer to the energy stored in the cells; ``power_mw`` and the
    efficiencies are at the plant's AC terminal on the site bus.
    """

    name: str | None = Field(
        None,
        pattern=NAME_PATTERN,
        max_length=NAME_MAX_CHARS,
        description=(
            "Names the storage (its columns storage_<name>_*, its summary section); required "
            "when battery: is a list."
        ),
    )
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
    online_h: float | None = online_h_field(
        "storage (its energy, power and auxiliary load; it arrives at soc_initial)"
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
    affine in its output (see :mod:`sim.power.turbine_unit`): at zero output it burns
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
    # Hot-day derate: industrial gas turbines lose ~0.5–0.8 % of output per °C of inlet air
    # above 15 °C ISO (facts §9, E): the midpoint. Heat rate: facts §9 gives a Titan 130's
    # CO2 570 → ~610 kg/MWh at 35 °C, +7 % over 20 °C (D).
    derate_pu_per_c: float = Field(
        0.0065,
        ge=0,
        le=0.05,
        description="Output lost per °C of inlet air above 15 °C ISO [pu of p_nom_mw /°C], 0–0.05.",
    )
    heat_rate_rise_pu_per_c: float = Field(
        0.0035,
        ge=0,
        le=0.05,
        description="Full-load heat-rate rise per °C of inlet air above 15 °C [pu/°C], 0–0.05.",
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
    online_h: float | None = online_h_field("group (all its units)")


class TurbineTripConfig(StrictModel):
    """A scheduled trip of running turbine units (a scenario event)."""

    time_h: float = Field(
        ge=0, le=MAX_HOURS, description="When, hours from the run's start [h], 0–876,000."
    )
    turbine: str = Field(description="Name of the turbine group.")
    units: int = Field(1, ge=1, le=1000, description="Running units that trip at once, 1–1,000.")
