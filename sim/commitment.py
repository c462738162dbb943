"""Commitment, a step of the bus: the registered sources and the turbines meet the shortfall.

The operator's rule (an assumption written down here): turbines start when the grid cannot
supply the load and the shortfall is expected to outlast the battery — at once in a grid outage
(its length is not known in advance) or when the import limit binds, and in a demand-response
window when the battery cannot carry the shortfall to the window's end. Enough units start to
cover the shortfall with their rating — the shortfall with the load's reserve, what the cluster
may draw at its next phase change — and the battery bridges their start delay and ramp.
Online, they produce what the net load draws (the governors follow the load: no generator on an
island puts out more than its load takes), plus the battery's recharge while the policy charges
it; the rest of their committed rating is spinning reserve, not output. With ``power_model:
iteration`` they follow the cluster's mean over an iteration, not its square wave (a turbine's
ramp, minutes from idle to full, cannot follow a 3-s step: an assumption), and the battery
buffers the swing. They stop (after their minimum run time) once the grid can carry the load
and the battery is recharged to ``dispatch.turbine_stop_soc`` or the policy no longer charges
it.

Registered sources (:mod:`sim.contracts`) come first: a must-take one (solar) gives its whole
output line, then each other covers what the grid cannot supply, up to its limit, in order;
the turbines are committed for what is left.
"""

from __future__ import annotations

import math

from sim.balance import Balance, GridTarget
from sim.bus_step import BusStep
from sim.units import S_PER_H

RECHARGE_BAND_PU = 0.01
"""Turbines start recharging the battery once it is this far below its stop level [pu of
nominal energy], and go on until it is there: without the band they would chase every
kilowatt-hour the battery gives while they follow the load."""


class TurbineCommitment(BusStep):
    """The bus's commitment step (a mixin of :class:`sim.dispatch.Bus`)."""

    e_stop_mwh: float
    _recharging: bool
    _reserve_out: bool  # the turbines carry the load's next step as output (no bridge)
    _keep_mw: float  # what the committed units must cover (see _carried_mw)
    _grid_target: GridTarget

    def _dispatch_sources(self, short_mw: float) -> float:
        """Set the registered sources to cover ``short_mw`` [MW] (what the grid cannot supply),
        in order, each up to its limit; return their output [MW]. A must-take source
        (``must_take`` true: solar) comes first and gives all it has, its line's value and
        ramp, whatever the grid could supply; their ramp is kept as ``_others_r`` [MW/s]."""
        given_mw = ramp_mw_per_s = 0.0
        rest = []
        for source in self.sources:
            if getattr(source, "must_take", False):
                p_mw = source.limit_mw()
                source.set_power(p_mw)
                given_mw += p_mw
                ramp_mw_per_s += source.ramp_mw_per_s  # type: ignore[attr-defined]
            else:
                rest.append(source)
        self._others_r = ramp_mw_per_s
        for source in rest:
            p_mw = min(source.limit_mw(), max(short_mw - given_mw, 0.0))
            source.set_power(p_mw)
            given_mw += p_mw
        return given_mw

    def _supply(
        self, now: float, demand_mw: float, shortfall_mw: float
    ) -> tuple[float, float, float]:
        """The commitment step: the registered sources cover what the grid cannot supply
        (their output kept as ``_others_mw``), then the turbines are committed for the rest of
        ``shortfall_mw`` [MW] — the demand over the grid's import with the load's reserve, what
        the cluster may draw at its next phase change: shed jobs back, running jobs computing
        (a restart or checkpoint ends with a step up the turbines cannot ramp to). Returns the
        sources' output [MW], the turbines' output [MW] and its ramp [MW/s]. (The bus calls it
        only with sources, running turbines or a shortfall.)"""
        grid_max_mw = self.state.grid_max_mw
        self._others_mw = 0.0
        if self.sources:
            self._others_mw = self._dispatch_sources(demand_mw - grid_max_mw)
            shortfall_mw -= self._others_mw
        self._shortfall_mw = shortfall_mw
        fleet = self.fleet
        if fleet is not None and (fleet.n_burning or shortfall_mw > self.tol_mw):
            fleet.settle(now)
            net_mw = demand_mw - grid_max_mw - self._others_mw  # what the grid cannot supply
            target_mw = net_mw + self._carried_mw(net_mw, shortfall_mw)
            self._commit(now, self._keep_mw, target_mw, self._floor_mwh)
            return self._others_mw, fleet.p_mw, fleet.ramp_mw_per_s
        return self._others_mw, 0.0, 0.0

    def _settle_turbines(
        self, now: float, solution: Balance, demand_mw: float
    ) -> tuple[Balance, float, float]:
        """After the balance, with turbines running: step them down if their output is spilled,
        stop them once the grid carries the load and the battery is recharged (balancing again
        after either). Returns the balance, the turbines' output [MW] and ramp [MW/s]."""
        fleet, tol = self.fleet, self.tol_mw
        assert fleet is not None
        turbines_mw, turbines_r = fleet.p_mw, fleet.ramp_mw_per_s
        # while the grid cannot carry the load, units it no longer needs go off (else the stop
        # rule below decides for all of them)
        if self._shortfall_mw > tol and fleet.release(now, self._keep_mw):
            turbines_mw, turbines_r = fleet.p_mw, fleet.ramp_mw_per_s
            net_mw = demand_mw - turbines_mw - self._others_mw
            solution = self._solve(now, net_mw, -turbines_r, self._floor_mwh)
        if (
            solution.rest_mw < -tol
            and turbines_mw > 0.0
            and fleet.step_down(now, -solution.rest_mw, self._reserve_out)
        ):
            turbines_mw, turbines_r = fleet.p_mw, fleet.ramp_mw_per_s
            net_mw = demand_mw - turbines_mw - self._others_mw
            solution = self._solve(now, net_mw, -turbines_r, self._floor_mwh)
        if (
            self._shortfall_mw <= tol
            and self._recharged(solution.battery_mw)
            and fleet.stop(now, "the grid carries the load, the battery is recharged")
        ):
            fleet.dispatch(now, 0.0)
            turbines_mw, turbines_r = fleet.p_mw, fleet.ramp_mw_per_s
            net_mw = demand_mw - turbines_mw - self._others_mw
            solution = self._solve(now, net_mw, -turbines_r, self._floor_mwh)
        return solution, turbines_mw, turbines_r

    def _carried_mw(self, net_mw: float, shortfall_mw: float) -> float:
        """What the turbines produce beyond the net load ``net_mw`` [MW]; sets what the
        committed units must cover (``_keep_mw``). Less the swing of an iterating cluster
        (they follow its mean; the battery buffers the swing). Plus, where the battery cannot
        bridge it (:meth:`_bridge_mw`), the load's next step up, carried as output (spilled
        until it comes): the running jobs' steps, and the stopped jobs that would come back
        on the committed units. The stopped jobs count only as far as the whole fleet could
        carry them back (:meth:`Cluster.returnable_mw`); units kept for the rest would idle at
        their minimum load."""
        fleet, cluster, tol = self.fleet, self.cluster, self.tol_mw
        assert fleet is not None
        steps_mw = shortfall_mw - net_mw  # the load's next step up [MW]
        carried_mw = back_mw = 0.0
        if cluster is not None:
            per_it = self._per_it
            stopped_mw = cluster.shed_mw * per_it
            steps_mw -= stopped_mw  # the running jobs' steps
            if cluster.iterate:
                swing_mw = cluster.swing_mw() * per_it
                carried_mw, steps_mw = -swing_mw, steps_mw + swing_mw
            if stopped_mw > tol:
                room_mw = fleet.rating_mw() - net_mw - carried_mw - steps_mw
                back_mw = cluster.returnable_mw(room_mw / per_it) * per_it
        base_mw = net_mw + carried_mw
        self._keep_mw = base_mw + steps_mw + back_mw
        if steps_mw <= tol and back_mw <= tol:
            self._reserve_out = False
            return carried_mw
        bridge_mw = self._bridge_mw(self._floor_mwh)
        out_mw = steps_mw if tol < steps_mw > bridge_mw else 0.0
        fits = base_mw + out_mw + back_mw <= fleet.committed_mw()
        if tol < back_mw > bridge_mw - out_mw and fits:
            out_mw += back_mw
        self._reserve_out = out_mw > 0.0
        return carried_mw + out_mw

    def _bridge_mw(self, floor_mwh: float, power: bool = True) -> float:
        """The largest step up of the load [MW] the battery can bridge while the online
        turbines ramp to it: the step ``x`` whose ramp triangle its deliverable energy covers,
        ``x²/(2·R) ≤ E`` (``R`` the online units' ramp [MW/s], ``E`` [MW·s]), and (with
        ``power``) at most what it can still give. A turbine takes a GPU step only at its
        ramp: a step beyond this the turbines carry as output (spilled until it comes; an
        assumption in place of a governor's block-load capability)."""
        fleet, battery = self.fleet, self.battery
        assert fleet is not None
        energy_mw_s = battery.deliverable_mwh(floor_mwh) * S_PER_H
        bridge_mw = math.sqrt(2.0 * fleet.ramp_up_mw_per_s() * max(energy_mw_s, 0.0))
        if power:
            bridge_mw = min(
                bridge_mw, battery.discharge_limit_mw(floor_mwh) - max(battery.p_mw, 0.0)
            )
        return max(bridge_mw, 0.0)

    def _headroom_mw(self, floor_mwh: float, output_mw: float) -> float:
        """How far the turbines' output may step up at once from ``output_mw`` [MW] for load
        management's take-back: their committed rating above it, at most the step the
        battery's energy bridges (:meth:`_bridge_mw`; not its power: a job comes back at its
        idle power for its restart, and the step to computing that follows is the reserve
        the turbines carry or the battery bridges)."""
        assert self.fleet is not None
        spare_mw = self.fleet.committed_mw() - output_mw
        return max(min(spare_mw, self._bridge_mw(floor_mwh, power=False)), 0.0)

    def _commit(self, now: float, shortfall_mw: float, net_mw: float, floor_mwh: float) -> None:
        """Start turbines for a sustained shortfall ``shortfall_mw`` [MW] (with the load's
        reserve); set their output to the net load ``net_mw`` the grid and the other sources
        cannot supply [MW], plus the battery's recharge."""
        battery, grid, fleet = self.battery, self.grid, self.fleet
        assert fleet is not None
        if shortfall_mw > self.tol_mw:
            if not grid.up:
                reason = f"grid outage, {shortfall_mw:.6g} MW short"
            else:
                window_s = grid.cap_end_s - now
                bridge_mw_s = battery.deliverable_mwh(floor_mwh) * S_PER_H
                outlasts = (
                    shortfall_mw > battery.discharge_limit_mw(floor_mwh)
                    or shortfall_mw * window_s > bridge_mw_s
                )
                cause = "demand response" if grid.cap_mw < math.inf else "import limit"
                reason = (
                    f"{cause}: {shortfall_mw:.6g} MW over {grid.available_mw:.6g} MW"
                    if outlasts
                    else ""
                )
            if reason:
                fleet.commit(now, shortfall_mw, reason)
        e_mwh = battery.stored_mwh
        if e_mwh >= self.e_stop_mwh - battery.tol_mwh:
            self._recharging = False
        elif e_mwh < self.e_stop_mwh - RECHARGE_BAND_PU * battery.energy_nom_mwh:
            self._recharging = True
        recharge_mw = 0.0
        if self._recharging and self._grid_target(self.state)[2]:
            recharge_mw = battery.charge_limit_mw()  # only if the policy lets it charge now
        fleet.dispatch(now, max(net_mw, 0.0) + recharge_mw)

    def _recharged(self, battery_mw: float) -> bool:
        """Whether the battery no longer needs the turbines: recharged to the stop level, or
        not being charged by the policy."""
        battery = self.battery
        return battery_mw >= 0.0 or battery.stored_mwh >= self.e_stop_mwh - battery.tol_mwh
