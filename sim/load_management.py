"""Load management, a step of the bus: when supply is short the load gives power up — the
exogenous load caps and sheds, the cluster turns idle nodes off, caps, pauses and sheds jobs in
``dispatch.load_management.order`` — and takes it back as supply returns. The battery keeps
energy for pausing (the pause floor) when pausing comes before shedding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.balance import Balance
from sim.bus_step import BusStep
from sim.units import S_PER_H

if TYPE_CHECKING:  # (the built-in components, for the type checker only)
    from sim.cluster import Cluster

LOAD_MANAGEMENT_INTERVAL_S = 1.0
"""Control interval of load management while a ramp moves the shortfall [s]. The load side
answers a request with a fixed give-up; while turbines ramp (the shortfall shrinks) it is asked
again every interval, and in between the battery and the grid hold their powers and the ramp
is spilled (``curtailed_mw``, at most ``ramp·interval²/2`` [MW·s] an interval) or, if the ramp
goes the other way, unserved. An assumption: power capping of a GPU fleet acts within about a
second."""


class LoadManagement(BusStep):
    """The bus's load-management step (a mixin of :class:`sim.dispatch.Bus`)."""

    _pause: bool

    def _floor(self, base_mwh: float, deficit_mw: float) -> float:
        """The battery's floor [MWh]: ``base_mwh``, plus — when load management may pause
        jobs and the grid cannot carry the load (``deficit_mw`` over what it can give) — the
        energy to carry the deficit less the turbines' output through the longest checkpoint
        write of the computing jobs: kept so that pausing can save their work (an
        assumption: the deficit is taken as constant over the write, which overstates it as
        the paused jobs drop to checkpoint power)."""
        if not self._pause:
            return base_mwh
        assert self.cluster is not None
        if self.fleet is not None:
            deficit_mw -= self.fleet.p_mw
        if deficit_mw <= 0.0:
            return base_mwh
        write_s = self.cluster.pause_write_s()
        return base_mwh + deficit_mw * write_s / S_PER_H / self.battery.efficiency_discharge

    def _manage_load(
        self,
        now: float,
        solution: Balance,
        load: tuple[float, tuple[float, float, float], float, float],
        turbines: tuple[float, float],
    ) -> tuple[Balance, float, float, tuple[float, float, float], float, float, float]:
        """Supply is short after the balance: ask the exogenous load, then the cluster, to give
        up what is left, in load management's order, and balance again. ``load`` is the IT
        power [MW], the cooling (power, heat rejected, heat not removed) [MW], facility MW per
        IT MW and the battery's base floor [MWh]; ``turbines`` their output [MW] and ramp
        [MW/s]. Returns the balance, what the exogenous load gave up, the IT power, the
        cooling, the electrical loss, and the capped and shed power [MW]."""
        it_mw, cool, per_it, base_mwh = load
        turbines_mw, turbines_r = turbines
        cluster, cooling, electrical = self.cluster, self.cooling, self.electrical
        # the IT power whose facility power covers the rest (the losses are convex in the IT:
        # their marginal would ask too little, so the exact inverse)
        if electrical is None:
            rest_it_mw = solution.rest_mw / per_it
        else:
            cool_per_it = cooling.marginal(it_mw) if cooling is not None else 1.0
            facility_mw = it_mw + cool[0] + electrical.loss_mw(it_mw, cool[0])
            rest_it_mw = it_mw - electrical.it_for_mw(
                facility_mw - solution.rest_mw, it_mw, cool[0], cool_per_it
            )
        capped_mw, shed_mw = self.load.curtail(rest_it_mw)
        given_mw = capped_mw + shed_mw
        cluster_mw = cluster_capped_mw = cluster_shed_mw = 0.0
        if cluster is not None:  # the cluster answers in the same order
            self._floor_mwh = self._give_up(cluster, now, rest_it_mw - given_mw, base_mwh)
            cluster_mw, cluster_shed_mw = cluster.p_mw, cluster.shed_mw
            cluster_capped_mw = cluster.capped_mw
        if given_mw > 0.0 or cluster is not None:
            it_mw = self.load.p_mw + cluster_mw - given_mw
            if cooling is not None:
                cool = cooling.power_mw(it_mw)
            loss_mw = electrical.loss_mw(it_mw, cool[0]) if electrical is not None else 0.0
            demand_mw = it_mw + cool[0] + self.battery.aux_load_mw + loss_mw
            net_mw = demand_mw - turbines_mw - self._others_mw
            solution = self._solve(now, net_mw, -turbines_r, self._floor_mwh, False)
        else:
            loss_mw = electrical.loss_mw(it_mw, cool[0]) if electrical is not None else 0.0
        capped_mw, shed_mw = capped_mw + cluster_capped_mw, shed_mw + cluster_shed_mw
        return solution, given_mw, it_mw, cool, loss_mw, capped_mw, shed_mw

    def _give_up(
        self, cluster: Cluster, now: float, request_mw: float, base_floor_mwh: float
    ) -> float:
        """Ask the cluster for ``request_mw`` [MW]: idle nodes go off, then load management's
        steps in order — ``cap`` slows the GPUs, ``pause`` has jobs checkpoint and stop
        (which frees the battery energy kept for that), ``shed`` stops jobs (they roll back
        to their checkpoints). Returns the battery's floor after it [MWh]."""
        battery = self.battery
        before_mw = cluster.p_mw
        floor_mwh = self._floor_mwh
        if request_mw <= self.tol_mw:
            return floor_mwh  # the rest of the load gave enough
        cluster.idle_off(now)
        for step in self.load.order:
            left_mw = request_mw - (before_mw - cluster.p_mw)
            if left_mw <= self.tol_mw:
                break
            if step == "cap":
                cluster.cap(now, left_mw, self.load.it_floor_pu)
            elif step == "pause":
                cluster.pause(now, left_mw)
                demand_mw = self.load.p_mw + cluster.p_mw + battery.aux_load_mw
                floor_mwh = self._floor(base_floor_mwh, demand_mw - self.grid.available_mw)
                # the battery may now carry what the kept energy was for
                request_mw -= battery.discharge_limit_mw(floor_mwh) - battery.discharge_limit_mw(
                    self._floor_mwh
                )
            else:
                cluster.shed(now, left_mw)
        return floor_mwh

    def _take_back(self, cluster: Cluster, now: float, grid_max_mw: float, aux_mw: float) -> None:
        """Take back what the cluster gave up, as far as grid import and the turbines carry
        it: their output and the step up it may take at once with the battery bridging the
        ramp, up to their committed rating (see :meth:`_headroom_mw`; they follow the load,
        so their output alone is no measure of what they could carry). Running jobs count
        at their (uncapped) computing power — a restart or checkpoint ends with that step
        up (see :meth:`Cluster.take_back`)."""
        fleet = self.fleet
        supply_mw = grid_max_mw - aux_mw
        if fleet is not None:
            headroom_mw = self._headroom_mw(self._floor_mwh, fleet.p_mw) if fleet.n_online else 0
            supply_mw += fleet.p_mw + headroom_mw
        for source in self.sources:
            supply_mw += source.p_mw
        it_mw = self.load.p_mw + cluster.p_mw
        per_it = self.cooling.marginal(it_mw) if self.cooling is not None else 1.0
        if self.electrical is not None:  # in IT terms: what the supply carries with losses
            supply_mw = self.electrical.it_for_mw(supply_mw, 0.0, 0.0, per_it)
        elif self.cooling is not None:  # in IT terms: the facility's per MW of IT
            supply_mw /= per_it
        cluster.take_back(now, supply_mw - self.load.p_mw - cluster.ceiling_mw)
