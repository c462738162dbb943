"""The ``dispatch:`` section: the battery's policy and load management.

One model per policy (:class:`PeakShaveDispatch`, :class:`SmoothDispatch`,
:class:`BackupDispatch`, :class:`ArbitrageDispatch`), each with the common keys of
:class:`DispatchBase` and only its own, combined in the union :data:`DispatchConfig`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from sim.config.problems import KeyProblems
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


PolicyName = Literal["peak_shave", "smooth", "backup", "arbitrage"]
"""The battery's policies: the tags of :data:`DispatchConfig`."""


class DispatchBase(StrictModel):
    """The keys of every policy; each policy's model (:data:`DispatchConfig`) adds its own."""

    policy: PolicyName = Field(
        description=(
            "peak_shave: hold grid import at grid_target_mw; smooth: limit the import's ramp to "
            "ramp_limit_mw_per_min; backup: battery only for what the grid cannot supply; "
            "arbitrage: charge when cheap, discharge when dear."
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

    @model_validator(mode="before")
    @classmethod
    def _null_is_not_set(cls, data: Any) -> Any:
        """Drop the policies' keys set to null, as if absent.

        Null meant "not set" before each policy had its own model, so a null key of another
        policy (``ramp_limit_mw_per_min: null`` under ``peak_shave``, as every config written
        by :func:`~sim.config.dump_config` used to carry) stays valid, and a null key that the
        policy requires is reported as missing. ``policy: null`` and unknown keys are kept, and
        refused.
        """
        if not isinstance(data, dict):
            return data
        known = {name for model in POLICY_MODELS for name in model.model_fields} - {"policy"}
        return {k: v for k, v in data.items() if not (v is None and k in known)}


class PeakShaveDispatch(DispatchBase):
    """``peak_shave``: hold the grid import at a target (see :class:`sim.policies.PeakShave`)."""

    policy: Literal["peak_shave"] = "peak_shave"
    grid_target_mw: float | None = Field(
        None,
        ge=0,
        le=MAX_SITE_MW,
        description="Import to hold [MW], 0–100,000; null: the import limit.",
    )


class SmoothDispatch(DispatchBase):
    """``smooth``: limit the grid import's ramp (see :class:`sim.policies.Smooth`)."""

    policy: Literal["smooth"]
    # 1,000,000 MW/min moves the largest site's import in a few seconds: no limit at all.
    ramp_limit_mw_per_min: float = Field(
        gt=0,
        le=1_000_000,
        description="Largest rate of change of the grid import [MW/min], up to 1,000,000.",
    )


class BackupDispatch(DispatchBase):
    """``backup``: the battery only covers what the grid cannot (see
    :class:`sim.policies.Backup`)."""

    policy: Literal["backup"]
    recharge_under_peak: bool = Field(
        True,
        description=(
            "true: recharge only under the calendar month's running peak grid import [MW] "
            "(so a recharge does not raise the month's billed demand); false: recharge at "
            "full power whenever the import allows."
        ),
    )


class ArbitrageDispatch(DispatchBase):
    """``arbitrage``: charge when energy is cheap, discharge when dear (see
    :class:`sim.policies.Arbitrage`)."""

    policy: Literal["arbitrage"]
    charge_below_usd_per_mwh: float = Field(
        ge=MIN_PRICE_USD_PER_MWH,
        le=MAX_PRICE_USD_PER_MWH,
        description="Charge at or below this price [USD/MWh], -10,000–100,000.",
    )
    discharge_above_usd_per_mwh: float = Field(
        ge=MIN_PRICE_USD_PER_MWH,
        le=MAX_PRICE_USD_PER_MWH,
        description="Discharge at or above this price [USD/MWh], -10,000–100,000.",
    )

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> ArbitrageDispatch:
        low, high = self.charge_below_usd_per_mwh, self.discharge_above_usd_per_mwh
        if not low < high:
            message = f"must be below discharge_above_usd_per_mwh ({high})"
            raise KeyProblems([(("charge_below_usd_per_mwh",), low, message)])
        return self


POLICY_MODELS: tuple[type[DispatchBase], ...] = (
    PeakShaveDispatch,
    SmoothDispatch,
    BackupDispatch,
    ArbitrageDispatch,
)
"""The model of each policy, in the order of :data:`DispatchConfig`."""


def _policy_of(data: Any) -> Any:
    """The tag of :data:`DispatchConfig`: the ``policy`` of a mapping (``peak_shave`` when
    absent) or of a model; None (no tag) for anything else."""
    if isinstance(data, dict):
        return data.get("policy", "peak_shave")
    return getattr(data, "policy", None)


DispatchConfig = Annotated[
    (
        Annotated[PeakShaveDispatch, Tag("peak_shave")]
        | Annotated[SmoothDispatch, Tag("smooth")]
        | Annotated[BackupDispatch, Tag("backup")]
        | Annotated[ArbitrageDispatch, Tag("arbitrage")]
    ),
    Discriminator(_policy_of),
]
"""The ``dispatch:`` section: one model per policy, chosen by the key ``policy`` (default
``peak_shave``). Each policy requires its own keys and refuses the others' (naming the policy
they belong to: :func:`sim.config.keys.problems_from`). The YAML stays flat::

    dispatch: {policy: smooth, ramp_limit_mw_per_min: 5}
"""
