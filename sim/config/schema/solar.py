"""The solar plant (``solar:``): its DC and AC ratings, orientation or tracking, losses and
temperature coefficient, and the synthetic weather's clear-sky index.

The model is :mod:`sim.solar_model` (pvlib); the source on the bus :mod:`sim.solar`. The
cross-checks with the rest of the config (the site's latitude and longitude, a weather file's
irradiance) are :func:`solar_problems`.

Defaults and their sources:

- ``losses_pu`` 0.14: PVWatts v5's default system losses, 14.08 % (soiling 2 %, shading 3 %,
  snow 0, mismatch 2 %, wiring 2 %, connections 0.5 %, light-induced degradation 1.5 %,
  nameplate 1 %, age 0, availability 3 %, compounded): A. P. Dobos, "PVWatts Version 5
  Manual", NREL/TP-6A20-62641, 2014 (its default losses; E: recalled, not in facts.md).
- ``gamma_pdc_per_c`` −0.0037/°C: the "Standard" (crystalline silicon) module of NREL's
  PVWatts calculator since version 6, −0.37 %/°C (E: recalled, not in facts.md; v5's manual
  had −0.47 %/°C); within pvlib's stated typical range, −0.002 to −0.005/°C
  (``pvlib.pvsystem.pvwatts_dc`` documentation).
- ``tilt_deg`` 20, ``azimuth_deg`` 180 and ``gcr_pu`` 0.4: the PVWatts calculator's defaults (E,
  recalled); ``max_angle_deg`` 60: a typical single-axis tracker's rotation limit (±60°,
  an assumption: NEXTracker and Array Technologies list ±50° to ±60°).
- ``clearsky_index_mean_pu`` 0.74 and ``clearsky_index_sd_pu`` 0.2: assumptions (E), see
  the README's Modelling assumptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from sim.config.problems import Key, KeyProblems
from sim.config.schema.base import MAX_SITE_MW, StrictModel

if TYPE_CHECKING:
    from sim.config.schema.root import Config


class SolarConfig(StrictModel):
    """A solar (PV) plant on the site bus: must-take, zero marginal cost (see :mod:`sim.solar`)."""

    p_dc_mw: float = Field(
        gt=0, le=MAX_SITE_MW, description="DC rating of the array at STC [MW], above 0 to 100,000."
    )
    p_ac_mw: float = Field(
        gt=0,
        le=MAX_SITE_MW,
        description=(
            "AC rating of the inverters [MW], above 0 and at most p_dc_mw (a DC/AC ratio of "
            "1.1–1.4 is usual); the AC output is clipped there."
        ),
    )
    tracking: Literal["fixed", "single_axis"] = Field(
        "fixed",
        description=(
            "fixed (tilt_deg, azimuth_deg) or single_axis: a horizontal tracker on an axis "
            "at azimuth_deg, with backtracking (pvlib.tracking.singleaxis)."
        ),
    )
    tilt_deg: float | None = Field(
        None,
        ge=0,
        le=90,
        description="Fixed: the modules' tilt from horizontal [°], 0–90; default 20 (PVWatts).",
    )
    azimuth_deg: float = Field(
        180.0,
        ge=0,
        lt=360,
        description=(
            "Fixed: the modules' azimuth; single_axis: the axis's [° east of north], 0 to "
            "below 360; default 180 (south-facing; a north-south tracker axis)."
        ),
    )
    max_angle_deg: float = Field(
        60.0, gt=0, le=90, description="single_axis: largest rotation [°], above 0 to 90."
    )
    gcr_pu: float = Field(
        0.4,
        gt=0,
        lt=1,
        description="single_axis: ground coverage ratio (backtracking) [pu], above 0 to below 1.",
    )
    losses_pu: float = Field(
        0.14,
        ge=0,
        lt=1,
        description=(
            "DC system losses (soiling, wiring, mismatch, availability...) [pu], 0 to below 1; "
            "default 0.14, PVWatts v5's 14.08 %."
        ),
    )
    gamma_pdc_per_c: float = Field(
        -0.0037,
        ge=-0.02,
        le=0,
        description=(
            "Temperature coefficient of DC power [1/°C], −0.02 to 0; default −0.0037 "
            "(crystalline silicon, the PVWatts module)."
        ),
    )
    clearsky_index_mean_pu: float = Field(
        0.74,
        gt=0,
        le=1,
        description=(
            "Synthetic weather only: mean of the daily clear-sky index (GHI / clear-sky GHI) "
            "[pu], above 0 to 1; default 0.74 (an assumption, see the README)."
        ),
    )
    clearsky_index_sd_pu: float = Field(
        0.2,
        ge=0,
        lt=0.5,
        description=(
            "Synthetic weather only: sd of the daily clear-sky index [pu], 0 to below 0.5 and "
            "below √(mean·(1 − mean)) (a Beta distribution); 0: every day at the mean."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> SolarConfig:
        items: list[tuple[Key, Any, str]] = []
        if self.p_ac_mw > self.p_dc_mw:
            items.append(
                (
                    ("p_ac_mw",),
                    self.p_ac_mw,
                    f"must be at most p_dc_mw ({self.p_dc_mw:g} MW): an inverter larger than "
                    "its array never limits it (DC/AC ratios are 1.1–1.4 in practice)",
                )
            )
        if self.tracking == "single_axis" and self.tilt_deg is not None:
            items.append(
                (
                    ("tilt_deg",),
                    self.tilt_deg,
                    "is for tracking: fixed; a single_axis tracker's tilt follows the sun",
                )
            )
        mean, sd = self.clearsky_index_mean_pu, self.clearsky_index_sd_pu
        if sd > 0 and sd * sd >= mean * (1 - mean):
            items.append(
                (
                    ("clearsky_index_sd_pu",),
                    sd,
                    f"must be below √(mean·(1 − mean)) = {(mean * (1 - mean)) ** 0.5:.4g} for "
                    f"clearsky_index_mean_pu {mean:g} (a Beta distribution); 0 for every day "
                    "at the mean",
                )
            )
        if items:
            raise KeyProblems(items)
        return self


def solar_problems(config: Config) -> list[tuple[Key, Any, str]]:
    """With ``solar:`` the site's latitude and longitude are required, and a weather file
    must give the irradiance (``ghi`` at least: DNI and DHI are split from it by Erbs when
    missing)."""
    if config.solar is None:
        return []
    items: list[tuple[Key, Any, str]] = []
    for key in ("latitude_deg", "longitude_deg"):
        if getattr(config.site, key) is None:
            items.append((("site", key), None, "required with solar: (where the sun is)"))
    weather = config.weather
    if weather is not None and weather.csv is not None:
        from sim.weather_files import read_csv

        try:
            trace = read_csv(weather.csv)
        except (OSError, ValueError):
            return items  # (reported under weather.csv)
        if "ghi" not in trace.irradiance:
            items.append(
                (
                    ("weather", "csv"),
                    str(weather.csv),
                    "has no ghi column [W/m²]: solar: needs the irradiance (ghi, and dni and "
                    "dhi or they are split from it), or use the synthetic weather",
                )
            )
    return items
