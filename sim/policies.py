"""The dispatch policies: how the battery is used, as the grid import each wants.

A policy is a small object the bus calls at every event (see :class:`DispatchPolicy`); it sees
the bus through :class:`sim.balance.BusState` and knows no component.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

from sim.balance import BusState
from sim.config import (
    ArbitrageDispatch,
    BackupDispatch,
    DispatchConfig,
    PeakShaveDispatch,
    SmoothDispatch,
)


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
    def from_config(
        cls,
        dispatch: DispatchConfig,
        import_limit_mw: float,
        month_starts_s: Sequence[float] = (0.0,),
    ) -> DispatchPolicy:
        """Build the policy from the ``dispatch:`` section (the model of its own policy).

        ``month_starts_s`` are the starts of the run's calendar months [s from the run's
        start], 0 first (see :func:`sim.signals.month_starts_s`), for a policy that keeps
        track of the month's billed demand.

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
    def from_config(
        cls,
        dispatch: DispatchConfig,
        import_limit_mw: float,
        month_starts_s: Sequence[float] = (0.0,),
    ) -> PeakShave:
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
    def from_config(
        cls,
        dispatch: DispatchConfig,
        import_limit_mw: float,
        month_starts_s: Sequence[float] = (0.0,),
    ) -> Smooth:
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

    The battery discharges ``min(load − grid_max, d_max)`` when the load exceeds the available
    import (an outage, the import limit, a demand-response cap). While the grid is up the bus
    keeps the battery above ``backup_reserve_soc``, so the reserve is there when an outage
    comes. How it recharges:

    - ``under_peak`` false: at full power, target ``grid_max`` (charge ``min(grid_max − load,
      c_max)``). A recharge after an outage or a demand-response window then draws the load
      plus the charge power and sets the month's billed demand.
    - ``under_peak`` true: under the month's running peak ``P``, the largest grid import seen
      so far in this calendar month. The target is ``min(P, grid_max)`` while the net load is
      below ``P`` (charge ``min(P − load, c_max)``), and the net load itself, so the battery
      neither charges nor discharges, once it reaches ``P`` (the import then rises with the
      load, and ``P`` with it). Holding the import at or below ``P`` at every instant keeps
      every demand interval's mean at or below ``P``, so a recharge never raises the month's
      billed demand above the largest import the site drew that month without it. ``P`` is
      an instantaneous peak: it may be above the billed (interval-mean) peak, by a short
      spike, and a recharge may then raise the billed peak up to it, never above.

    ``P`` is the largest import just before each bus event of the month (the import
    :attr:`~sim.balance.BusState.grid_mw`, the end of each segment): the policy sees nothing
    else, and it keeps the hot path to a comparison. A segment of falling import that starts
    with a step up (a load step while turbines ramp) is seen at its end only, so ``P`` may
    lag the true peak: the recharge is then held lower than it could be, never higher.

    ``P`` starts again at the first bus event of each calendar month, from the import just
    before it: the import flowing since the month's start (assumption: what the site draws as
    the month begins is the least the month will bill, so a recharge under way goes on at
    that level). Where the import ramps across the month's start it is the ramp's end: the
    largest import since the start if it rises, less if it falls (the recharge then held
    lower, never higher). With a flat load there is no headroom under ``P``: the battery
    recharges only when the load drops below the month's peak, and it may stay below
    ``soc_max`` — the price of not raising the bill, shown in ``battery.soc_final``.

    Parameters
    ----------
    under_peak : bool
        Recharge under the month's running peak import (true) or at full power (false).
    month_starts_s : sequence of float
        The run's calendar month starts [s from the run's start], 0 first.
    """

    name = "backup"

    def __init__(self, under_peak: bool = False, month_starts_s: Sequence[float] = (0.0,)):
        self.under_peak = under_peak
        self.month_starts_s = tuple(month_starts_s)
        self.peak_mw = -math.inf  # P: the month's running peak import [MW]
        self._month = -1  # index of the month P belongs to
        self._next_month_s = -math.inf  # the start of the next month [s]: P starts again

    @classmethod
    def from_config(
        cls,
        dispatch: DispatchConfig,
        import_limit_mw: float,
        month_starts_s: Sequence[float] = (0.0,),
    ) -> Backup:
        if not isinstance(dispatch, BackupDispatch):
            raise cls._other_section(dispatch)
        return cls(dispatch.recharge_under_peak, month_starts_s)

    def grid_target(self, s: BusState) -> tuple[float, float, bool]:
        if not self.under_peak:
            return s.grid_max_mw, 0.0, True
        grid_mw = s.grid_mw
        if s.t_s >= self._next_month_s:  # a new month (or the first event): P starts again
            self._new_month(s.t_s, grid_mw)
        elif grid_mw > self.peak_mw:
            self.peak_mw = grid_mw
        peak_mw, load_mw, load_r = self.peak_mw, s.load_mw, s.load_ramp_mw_per_s
        if load_mw < peak_mw - s.tol_mw - abs(load_r) * s.tol_s:
            return peak_mw, 0.0, True  # headroom: charge in it (the bus clamps to grid_max)
        return load_mw, load_r, True  # at or above P: no charge; the import follows the load

    def _new_month(self, t_s: float, grid_mw: float) -> None:
        """Start ``P`` again from the import ``grid_mw`` [MW], in the month holding ``t_s``."""
        starts = self.month_starts_s
        k = max(self._month, 0)
        while k + 1 < len(starts) and starts[k + 1] <= t_s:
            k += 1
        self._month = k
        self._next_month_s = starts[k + 1] if k + 1 < len(starts) else math.inf
        self.peak_mw = grid_mw


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
    def from_config(
        cls,
        dispatch: DispatchConfig,
        import_limit_mw: float,
        month_starts_s: Sequence[float] = (0.0,),
    ) -> Arbitrage:
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
