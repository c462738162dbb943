"""The dispatch policies: how the battery is used, as the grid import each wants.

A policy is a small object the bus calls at every event (see :class:`DispatchPolicy`); it sees
the bus through :class:`sim.balance.BusState` and knows no component.
"""

from __future__ import annotations

import math
from typing import ClassVar

from sim.balance import BusState
from sim.config import ArbitrageDispatch, DispatchConfig, PeakShaveDispatch, SmoothDispatch


class DispatchPolicy:
    """How the battery is used. A policy is a small object the bus calls at every event.

    A policy names the grid import it wants, as a line: ``target(t) = g0 + r·t`` [MW, MW/s],
    and whether the battery may charge. The bus clamps the target to ``[0, grid_max]`` and
    sets the battery to the difference,

    .. math::

        p_{batt} = \\mathrm{clamp}(load - target,\\ -c_{max},\\ d_{max}) \\qquad [\\mathrm{MW}]

    with ``c_max = 0`` when charging is not allowed; the grid supplies the rest, up to what is
    available. To add a policy, subclass this, implement :meth:`from_config` and
    :meth:`grid_target`, and register it in :data:`POLICIES` under its ``dispatch.policy``
    name; the bus does not change. A policy whose decisions depend on the price sets
    ``needs_price``: price changes then become engine events.
    """

    name: ClassVar[str]
    needs_price: ClassVar[bool] = False

    @classmethod
    def from_config(cls, dispatch: DispatchConfig, import_limit_mw: float) -> DispatchPolicy:
        """Build the policy from the ``dispatch:`` section (the model of its own policy).

        Raises
        ------
        TypeError
            If ``dispatch`` is the section of another policy.
        """
        raise NotImplementedError

    @classmethod
    def _other_section(cls, dispatch: DispatchConfig) -> TypeError:
        return TypeError(f"policy {cls.name} built from the section of policy {dispatch.policy}")

    def grid_target(self, s: BusState) -> tuple[float, float, bool]:
        """``(target_mw, target_ramp_mw_per_s, may_charge)`` at the event described by ``s``."""
        raise NotImplementedError


class PeakShave(DispatchPolicy):
    """Hold grid import at a target: discharge above it, charge below it.

    Target ``c = min(grid_target_mw, grid_max)``: the battery discharges ``min(load − c,
    d_max)`` above it and charges ``min(c − load, c_max)`` below it. During an outage
    ``grid_max = 0``, so the battery carries the whole load while it can.

    Parameters
    ----------
    grid_target_mw : float
        Target grid import [MW]; ``inf`` to use the battery only when the grid cannot supply.
    """

    name = "peak_shave"

    def __init__(self, grid_target_mw: float):
        self.grid_target_mw = grid_target_mw

    @classmethod
    def from_config(cls, dispatch: DispatchConfig, import_limit_mw: float) -> PeakShave:
        if not isinstance(dispatch, PeakShaveDispatch):
            raise cls._other_section(dispatch)
        target = dispatch.grid_target_mw
        return cls(import_limit_mw if target is None else target)

    def grid_target(self, s: BusState) -> tuple[float, float, bool]:
        return min(self.grid_target_mw, s.grid_max_mw), 0.0, True


class Smooth(DispatchPolicy):
    """Let the grid import follow the load no faster than ``ramp_limit_mw_per_min``.

    The target starts at the import just before the event and moves toward the net load at the
    ramp limit ``ρ`` [MW/s]; once it has caught up it takes the load's value and follows its
    own ramp, clipped to ``±ρ``. Caught up means within ``tol_mw + ρ·tol_s``: the clock cannot
    place the crossing nearer, and what is left is rounding (not a step of the import, nor a
    trickle from the battery until the next event). The battery absorbs the difference. A
    step of the import that the grid itself forces (an outage, a cap) is not smoothed; after
    it the import ramps back at ``ρ``.

    Parameters
    ----------
    ramp_limit_mw_per_min : float
        Largest rate of change of the grid import [MW/min].
    """

    name = "smooth"

    def __init__(self, ramp_limit_mw_per_min: float):
        self.ramp_limit_mw_per_s = ramp_limit_mw_per_min / 60.0

    @classmethod
    def from_config(cls, dispatch: DispatchConfig, import_limit_mw: float) -> Smooth:
        if not isinstance(dispatch, SmoothDispatch):
            raise cls._other_section(dispatch)
        return cls(dispatch.ramp_limit_mw_per_min)

    def grid_target(self, s: BusState) -> tuple[float, float, bool]:
        limit = self.ramp_limit_mw_per_s
        gap_mw = s.load_mw - s.grid_mw
        if abs(gap_mw) <= s.tol_mw + limit * s.tol_s:
            return s.load_mw, min(max(s.load_ramp_mw_per_s, -limit), limit), True
        return s.grid_mw, math.copysign(limit, gap_mw), True


class Backup(DispatchPolicy):
    """Use the battery only to ride through what the grid cannot supply; recharge otherwise.

    Target ``grid_max``: discharge ``min(load − grid_max, d_max)`` when the load exceeds the
    available import (an outage, the import limit, a demand-response cap); otherwise charge
    ``min(grid_max − load, c_max)``. While the grid is up the bus keeps the battery above
    ``backup_reserve_soc``, so the reserve is there when an outage comes.
    """

    name = "backup"

    @classmethod
    def from_config(cls, dispatch: DispatchConfig, import_limit_mw: float) -> Backup:
        return cls()

    def grid_target(self, s: BusState) -> tuple[float, float, bool]:
        return s.grid_max_mw, 0.0, True


class Arbitrage(DispatchPolicy):
    """Charge when energy is cheap, discharge when it is dear, from the price signal.

    At ``price <= charge_below`` the target is ``grid_max`` (charge ``min(grid_max − load,
    c_max)``); at ``price >= discharge_above`` it is 0 (discharge ``min(load, d_max)``, no
    export); in between it is ``grid_max`` without charging, so the battery only covers a
    shortfall of the grid.

    Parameters
    ----------
    charge_below_usd_per_mwh, discharge_above_usd_per_mwh : float
        Price thresholds [USD/MWh], the first below the second.
    """

    name = "arbitrage"
    needs_price = True

    def __init__(self, charge_below_usd_per_mwh: float, discharge_above_usd_per_mwh: float):
        self.charge_below_usd_per_mwh = charge_below_usd_per_mwh
        self.discharge_above_usd_per_mwh = discharge_above_usd_per_mwh

    @classmethod
    def from_config(cls, dispatch: DispatchConfig, import_limit_mw: float) -> Arbitrage:
        if not isinstance(dispatch, ArbitrageDispatch):
            raise cls._other_section(dispatch)
        return cls(dispatch.charge_below_usd_per_mwh, dispatch.discharge_above_usd_per_mwh)

    def grid_target(self, s: BusState) -> tuple[float, float, bool]:
        if s.price_usd_per_mwh >= self.discharge_above_usd_per_mwh:
            return 0.0, 0.0, True
        return s.grid_max_mw, 0.0, s.price_usd_per_mwh <= self.charge_below_usd_per_mwh


POLICIES: dict[str, type[DispatchPolicy]] = {
    policy.name: policy for policy in (PeakShave, Smooth, Backup, Arbitrage)
}
"""Dispatch policies by their ``dispatch.policy`` name."""
