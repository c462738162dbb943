"""The ``dispatch:`` section: the battery's policy and load management."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from sim.config.problems import Key, KeyProblems
from sim.config.schema.base import (
    MAX_PRICE_USD_PER_MWH,
    MAX_SITE_MW,
    MIN_PRICE_USD_PER_MWH,
    StrictModel,
)

LoadStep = Literal["cap", "pause", "shed"]
"""A step of load management, in :attr:`LoadManagementConfig.order`."""


def _cap_then_shed() -> list[LoadStep]:
    return ["cap", "shed"]


class LoadManagementConfig(StrictModel):
    """What the load gives up, in ``order``, before supply shortfall becomes unserved energy."""

    order: list[LoadStep] = Field(
        default_factory=_cap_then_shed,
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
