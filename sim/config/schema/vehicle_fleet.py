"""``vehicle_fleet:``: cars whose in-car computers work while parked (see :mod:`sim.vehicle_fleet`).

Not the turbines' ``fleet`` (:mod:`sim.power.turbines`): a site of its own kind, drawing its power
at the owners' homes. The figures behind the defaults are in ``sim/data/vehicle_hardware.yaml``,
``sim/data/vehicle_parked_nhts.csv`` and README, "Tesla fleet".
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, field_validator, model_validator

from sim.config.schema.base import StrictModel

MAX_VEHICLES = 1_000_000_000
"""Most cars of a fleet: 10 × the 100 M of Musk's scenario (facts §12)."""


@functools.cache
def vehicle_hardware() -> dict[str, dict[str, float]]:
    """The in-car computers of ``sim/data/vehicle_hardware.yaml``: name -> ``power_w`` [W] and
    ``dense_fp8_tflops`` [TFLOPS]."""
    text = (resources.files("sim") / "data" / "vehicle_hardware.yaml").read_text()
    return {
        str(k): {kk: float(vv) for kk, vv in v.items()} for k, v in yaml.safe_load(text).items()
    }


def read_profile(path: Path | str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A parked-share profile CSV (columns ``hour, weekday_pu, weekend_pu``; ``#`` comments):
    the 24 weekday and 24 weekend shares [pu], by local hour 0–23.

    Raises
    ------
    ValueError
        Naming the file and what is wrong (not 24 hours 0–23 in order, a share outside 0–1).
    """
    import pandas as pd

    try:
        frame = pd.read_csv(path, comment="#")
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    need = ["hour", "weekday_pu", "weekend_pu"]
    if list(frame.columns) != need:
        raise ValueError(f"{path}: columns must be {', '.join(need)}, not {list(frame.columns)}")
    if frame["hour"].tolist() != list(range(24)):
        raise ValueError(f"{path}: needs one row for each hour 0-23 in order")
    shares = frame[["weekday_pu", "weekend_pu"]].to_numpy(dtype=float)
    if not ((shares >= 0.0) & (shares <= 1.0)).all():
        raise ValueError(f"{path}: the shares must lie in 0-1")
    return tuple(shares[:, 0].tolist()), tuple(shares[:, 1].tolist())


class VehicleFleetConfig(StrictModel):
    """A fleet of cars computing while parked: ``vehicles`` of one in-car computer, the share
    parked by local hour (a profile) × ``eligible_pu`` × ``opt_in_pu`` of them at work."""

    vehicles: int = Field(ge=1, le=MAX_VEHICLES, description="Cars in the fleet, 1–1,000,000,000.")
    hardware: str = Field(
        "hw3",
        description="In-car computer: a name of sim/data/vehicle_hardware.yaml (hw3, hw4, ai_1kw).",
    )
    opt_in_pu: float = Field(
        0.1, ge=0, le=1, description="Share of owners who let their car compute [pu], 0–1."
    )
    eligible_pu: float = Field(
        0.5,
        ge=0,
        le=1,
        description=(
            "Share of the parked cars of those owners that may compute (plugged in, or above "
            "the state of charge the owner keeps) [pu], 0–1."
        ),
    )
    profile_csv: Path | None = Field(
        None,
        description=(
            "Share of cars parked by local hour (columns hour, weekday_pu, weekend_pu); "
            "default the built-in NHTS-shaped profile."
        ),
    )
    constant_pu: float | None = Field(
        None,
        ge=0,
        le=1,
        description="A constant share parked instead of a profile [pu], 0–1.",
    )
    leave_per_h_pu: float = Field(
        0.05,
        ge=0,
        le=1,
        description=(
            "Share of the computing cars that leave (are driven off) each hour and are "
            "replaced by others [pu per h], 0–1; drops of the profile add their own leaves."
        ),
    )
    upload_interval_s: float = Field(
        600.0,
        gt=0,
        le=86_400,
        description=(
            "Time between a car's uploads of its work [s], up to 86,400; a car that leaves "
            "loses the work since its last upload (half an interval on average)."
        ),
    )
    mfu_pu: float = Field(
        0.3, gt=0, le=1, description="Share of the computer's peak the work reaches [pu], 0–1."
    )
    charger_efficiency_pu: float = Field(
        0.9,
        gt=0,
        le=1,
        description="Wall-to-car efficiency of the home charger [pu], above 0 up to 1.",
    )
    price_usd_per_kwh: float = Field(
        0.16,
        ge=0,
        le=10,
        description="Residential electricity price the owners pay [USD/kWh], 0–10.",
    )
    revenue_usd_per_h100_h: float = Field(
        2.0,
        ge=0,
        le=1000,
        description="What the work sells for per H100-equivalent hour [USD], 0–1,000.",
    )
    owner_share_pu: float = Field(
        0.5, ge=0, le=1, description="Owners' share of the revenue [pu], 0–1."
    )

    @field_validator("hardware")
    @classmethod
    def _known_hardware(cls, name: str) -> str:
        known = vehicle_hardware()
        if name not in known:
            raise ValueError(f"must be one of {', '.join(sorted(known))}")
        return name

    @field_validator("profile_csv")
    @classmethod
    def _profile_readable(cls, path: Path | None) -> Path | None:
        if path is not None:
            read_profile(path)
        return path

    @model_validator(mode="after")
    def _one_profile(self) -> VehicleFleetConfig:
        if self.profile_csv is not None and self.constant_pu is not None:
            raise ValueError(
                "give at most one of vehicle_fleet.profile_csv or vehicle_fleet.constant_pu"
            )
        return self

    def shares(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The parked shares by local hour [pu]: (weekday, weekend), 24 each."""
        if self.constant_pu is not None:
            return (self.constant_pu,) * 24, (self.constant_pu,) * 24
        if self.profile_csv is not None:
            return read_profile(self.profile_csv)
        return read_profile(str(resources.files("sim") / "data" / "vehicle_parked_nhts.csv"))


def hardware_of(cfg: VehicleFleetConfig) -> dict[str, Any]:
    """The fleet's in-car computer: ``power_w`` [W], ``dense_fp8_tflops`` [TFLOPS]."""
    return vehicle_hardware()[cfg.hardware]
