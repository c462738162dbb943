"""The power bus and the dispatch policies.

The bus is the heart of the hybrid event engine. Whenever anything changes (a load step, a grid
outage, a turbine coming online, the battery reaching a bound) it

1. integrates every stored quantity exactly from the last event to now,
2. commits turbines for a sustained shortfall (or stops them), asks the policy for the grid
   import it wants, and solves the balance: battery, grid up to what is available, load
   management, then unserved load,
3. schedules the next internal event (the battery reaching a bound, a ramp's end, a power
   line reaching a limit) as a timeout, and
4. appends one row to the recorder.

Between events every power is a line ``p0 + r·t`` (see :mod:`sim.engine`); most are constant.
The bus never steps a clock. To reschedule it does not interrupt anything: it starts a new
timeout and remembers its due time; a timeout that fires with another due time is stale and
does nothing.

Commitment (the operator's rule, an assumption written down here): turbines start when the grid
cannot supply the load and the shortfall is expected to outlast the battery — at once in a grid
outage (its length is not known in advance) or when the import limit binds, and in a
demand-response window when the battery cannot carry the shortfall to the window's end. Enough
units start to cover the shortfall with their rating; the battery bridges their start delay and
ramp. Online, they cover the shortfall and recharge the battery with what is left of their
rating. They stop (after their minimum run time) once the grid can carry the load and the
battery is recharged to ``dispatch.turbine_stop_soc`` or the policy no longer charges it.
"""

from __future__ import annotations

import math
from typing import ClassVar

import simpy

from sim.balance import Balance, BusState, balance
from sim.cluster import Cluster
from sim.config import DispatchConfig
from sim.cooling import LIMIT_TOL_C, CoolingPlant
from sim.engine import TIME_TOL_ULPS
from sim.loads import ExogenousLoad
from sim.power.battery import Battery
from sim.power.grid import Grid
from sim.power.turbines import TurbineFleet
from sim.recorder import COOLING_COLUMNS, Recorder, ramp_column
from sim.units import S_PER_H

MAX_UPDATES_AT_ONE_TIME = 100_000
"""More bus updates than this in a row, each less than :data:`STILL_S` (or
:data:`STILL_ULPS` ulps of the clock) after the one before, means the engine is stuck: it
raises :class:`EngineStuckError`. Counting only updates at one identical time would not do: a
loop that moves the clock by an ulp at each turn never repeats a time (and records a row at
each one; rows at one time replace each other)."""

STILL_S = 1e-6
"""Updates nearer than this to the one before count as at one instant [s] (see
:data:`MAX_UPDATES_AT_ONE_TIME`)."""

STILL_ULPS = 1024.0
"""... or nearer than this many ulps of the clock (more than 1 µs from about hour 1,200 on,
6e-5 s at hour 80,000)."""

TOL_PU = 1e-10
"""Power tolerance of the bus as a share of its largest power (see :mod:`sim.engine`)."""

LOAD_MANAGEMENT_INTERVAL_S = 1.0
"""Control interval of load management while a ramp moves the shortfall [s]. The load side
answers a request with a fixed give-up; while turbines ramp (the shortfall shrinks) it is asked
again every interval, and in between the battery and the grid hold their powers and the ramp
is spilled (``curtailed_mw``, at most ``ramp·interval²/2`` [MW·s] an interval) or, if the ramp
goes the other way, unserved. An assumption: power capping of a GPU fleet acts within about a
second."""

RECHARGE_BAND_PU = 0.01
"""Turbines start recharging the battery once it is this far below its stop level [pu of
nominal energy], and go on until it is there: without the band they would chase every
kilowatt-hour the battery gives while they follow the load."""


class EngineStuckError(RuntimeError):
    """The engine updates the bus again and again at (nearly) one instant; see
    :data:`MAX_UPDATES_AT_ONE_TIME`."""


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
        """Build the policy from the ``dispatch:`` section."""
        raise NotImplementedError

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
        assert dispatch.ramp_limit_mw_per_min is not None  # checked by DispatchConfig
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
        assert dispatch.charge_below_usd_per_mwh is not None  # checked by DispatchConfig
        assert dispatch.discharge_above_usd_per_mwh is not None
        return cls(dispatch.charge_below_usd_per_mwh, dispatch.discharge_above_usd_per_mwh)

    def grid_target(self, s: BusState) -> tuple[float, float, bool]:
        if s.price_usd_per_mwh >= self.discharge_above_usd_per_mwh:
            return 0.0, 0.0, True
        return s.grid_max_mw, 0.0, s.price_usd_per_mwh <= self.charge_below_usd_per_mwh


POLICIES: dict[str, type[DispatchPolicy]] = {
    policy.name: policy for policy in (PeakShave, Smooth, Backup, Arbitrage)
}
"""Dispatch policies by their ``dispatch.policy`` name."""


LINE_COLUMNS = ("grid_mw", "turbines_mw", "battery_mw", "unserved_mw", "curtailed_mw")
"""Row columns that move along a ramp within a segment (see
:data:`sim.recorder.SEGMENT_COLUMNS`)."""

NO_COOLING = (0.0, 0.0, 0.0)
"""(cooling, heat rejected, heat not removed) [MW] of a site without a cooling plant."""


class Bus:
    """Balances the site bus at every event; see the module docstring for the four steps.

    The battery is held above its backup reserve while the grid is up and may go down to
    ``soc_min`` during an outage.
    """

    def __init__(
        self,
        env: simpy.Environment,
        load: ExogenousLoad,
        grid: Grid,
        battery: Battery,
        policy: DispatchPolicy,
        recorder: Recorder,
        fleet: TurbineFleet | None = None,
        turbine_stop_soc: float | None = None,
        cluster: Cluster | None = None,
        cooling: CoolingPlant | None = None,
    ):
        self.env = env
        self.load = load
        self.grid = grid
        self.battery = battery
        self.policy = policy
        self.recorder = recorder
        self.fleet = fleet
        self.cluster = cluster
        self.cooling = cooling
        order = load.order
        # the battery keeps energy for pausing only if pausing comes before shedding
        self._pause = (
            cluster is not None
            and "pause" in order
            and ("shed" not in order or order.index("pause") < order.index("shed"))
        )
        self.e_stop_mwh = (
            battery.e_max_mwh
            if turbine_stop_soc is None
            else min(turbine_stop_soc * battery.energy_nom_mwh, battery.e_max_mwh)
        )
        scale_mw = max(
            1.0,
            max(load.loads_mw) + battery.aux_load_mw + (cluster.peak_mw if cluster else 0.0),
            battery.p_charge_max_mw,
            battery.p_discharge_max_mw,
            grid.import_limit_mw if grid.import_limit_mw < math.inf else 0.0,
            sum(g.count * g.p_nom_mw for g in fleet.groups) if fleet else 0.0,
        )
        self.tol_mw = TOL_PU * scale_mw
        self._recharging = False  # turbines are recharging the battery (see RECHARGE_BAND_PU)
        self.n_updates = 0
        self._t_last_s = env.now
        self._floor_mwh = battery.e_reserve_mwh  # the battery's floor since the last event
        self._due_s = math.inf  # due time of the one live internal-event timeout
        self._bound_due_s = math.inf  # when the battery reaches its bound, if that is sooner
        self._updates_still = 0  # updates in a row at (nearly) one instant
        self._t_update_s = -math.inf  # time of the last update [s]
        self._active: set[str] = set()  # bus conditions under way (shortfall, ...)
        self._row: tuple[float, ...] = ()  # the last row recorded (see Recorder.columns)
        self._grid_ramp_mw_per_s = 0.0  # the grid import's ramp since the last row [MW/s]
        if cooling is not None:
            recorder.declare(COOLING_COLUMNS)
        self.state = BusState(tol_mw=self.tol_mw, grid_mw=math.nan)

    def on_grid_change(self, kind: str, detail: str) -> None:
        """Called by the grid at an outage's start or end."""
        self.recorder.event(self.env.now, kind, "grid", detail)
        if self.cooling is not None:
            self.integrate_to_now()  # (the plant's state changes now)
            self.cooling.on_grid(self.grid.up)
        self.update()

    def grid_import_mw(self) -> float:
        """Grid import now [MW] (0 before the first event)."""
        self.integrate_to_now()
        return 0.0 if math.isnan(self.state.grid_mw) else self.state.grid_mw

    def on_price(self, price_usd_per_mwh: float) -> None:
        """Called when the energy price changes (for policies that need it)."""
        self.state.price_usd_per_mwh = price_usd_per_mwh
        self.update()

    def update(self) -> None:
        """Integrate to now, solve the balance, schedule the next event, record a row."""
        battery, grid, fleet, state = self.battery, self.grid, self.fleet, self.state
        tol = self.tol_mw
        now = self.integrate_to_now()
        self.n_updates += 1
        ulp_s = math.ulp(now)
        if now - self._t_update_s < STILL_S or now - self._t_update_s < STILL_ULPS * ulp_s:
            self._updates_still += 1
            if self._updates_still > MAX_UPDATES_AT_ONE_TIME:
                raise self._stuck(now)
        else:
            self._updates_still = 0
        self._t_update_s = now
        state.tol_s = TIME_TOL_ULPS * ulp_s  # time_tol_s(now), inlined

        base_floor_mwh = battery.e_reserve_mwh if grid.up else battery.e_min_mwh
        grid_max_mw = grid.available_mw
        aux_mw = battery.aux_load_mw
        cluster, cooling = self.cluster, self.cooling
        cluster_mw = cluster_shed_mw = cluster_capped_mw = cluster_more_mw = 0.0
        if cluster is not None:
            if cooling is not None:  # first: whether the coolant lets stopped jobs resume
                self._thermal(cooling, cluster, now)
            if (
                cluster.cap_pu < 1.0
                or cluster.n_stopped
                or not cluster.idle_on
                or cluster.starts_held
            ):
                # power held back or jobs waiting for supply (inlined: the hot path)
                self._take_back(cluster, now, grid_max_mw, aux_mw)
            # the cluster's powers (its properties, inlined: the hot path) [MW]
            off_w = 0.0 if cluster.idle_on else cluster.idle_nodes_w()
            cluster_mw = cluster.p_w * 1e-6
            cluster_shed_mw = (cluster.shed_w + off_w) * 1e-6
            cluster_capped_mw = cluster.capped_w * 1e-6
            # what it may draw at its next phase change beyond now: ceiling_mw − p_mw
            cluster_more_mw = (cluster.reserve_w + cluster.shed_w + off_w + cluster.held_w) * 1e-6
        it_mw = self.load.p_mw + cluster_mw
        if cooling is not None:
            cool = cooling.power_mw(it_mw)
            per_it = cooling.marginal(it_mw)  # facility MW per MW of IT
        else:
            cool, per_it = NO_COOLING, 1.0
        demand_mw = it_mw + cool[0] + aux_mw
        floor_mwh = (
            self._floor(base_floor_mwh, demand_mw - grid_max_mw) if self._pause else base_floor_mwh
        )
        self._floor_mwh = floor_mwh
        state.t_s, state.grid_max_mw = now, grid_max_mw
        if state.grid_mw != state.grid_mw:  # NaN: the first event; the import was steady
            state.grid_mw = min(demand_mw, grid_max_mw)
        # Turbines are committed for what the cluster may draw: shed jobs back, running jobs
        # computing (a restart or checkpoint ends with a step up the turbines cannot ramp to).
        reserve_mw = cluster_more_mw * per_it
        shortfall_mw = demand_mw + reserve_mw - grid_max_mw
        if fleet is not None and (fleet.running or shortfall_mw > tol):
            fleet.settle(now)
            self._commit(now, shortfall_mw, floor_mwh)
            turbines_mw, turbines_r = fleet.p_mw, fleet.ramp_mw_per_s
        else:
            turbines_mw = turbines_r = 0.0
        given_mw = capped_mw = shed_mw = 0.0
        solution = self._solve(now, demand_mw - turbines_mw, -turbines_r, floor_mwh)
        rest_mw = solution.rest_mw
        if fleet is not None and fleet.running:
            if rest_mw < -tol and turbines_mw > 0.0 and fleet.step_down(now, -rest_mw):
                turbines_mw, turbines_r = fleet.p_mw, fleet.ramp_mw_per_s
                solution = self._solve(now, demand_mw - turbines_mw, -turbines_r, floor_mwh)
            if (
                shortfall_mw <= tol
                and self._recharged(solution.battery_mw)
                and fleet.stop(now, "the grid carries the load, the battery is recharged")
            ):
                fleet.dispatch(now, 0.0)
                turbines_mw, turbines_r = fleet.p_mw, fleet.ramp_mw_per_s
                solution = self._solve(now, demand_mw - turbines_mw, -turbines_r, floor_mwh)
        rest_mw = solution.rest_mw
        if rest_mw > tol and self.load.order:  # short: ask the load to give some up
            rest_it_mw = rest_mw / per_it  # the IT power whose facility power covers it
            capped_mw, shed_mw = self.load.curtail(rest_it_mw)
            given_mw = capped_mw + shed_mw
            if cluster is not None:  # the cluster answers in the same order
                floor_mwh = self._give_up(cluster, now, rest_it_mw - given_mw, base_floor_mwh)
                self._floor_mwh = floor_mwh
                cluster_mw, cluster_shed_mw = cluster.p_mw, cluster.shed_mw
                cluster_capped_mw = cluster.capped_mw
            if given_mw > 0.0 or cluster is not None:
                it_mw = self.load.p_mw + cluster_mw - given_mw
                if cooling is not None:
                    cool = cooling.power_mw(it_mw)
                demand_mw = it_mw + cool[0] + aux_mw
                solution = self._solve(now, demand_mw - turbines_mw, -turbines_r, floor_mwh, False)
        managed_mw = given_mw + cluster_shed_mw + cluster_capped_mw
        if (managed_mw > tol) != ("load_management" in self._active):
            self._toggle("load_management", now, managed_mw)

        b0, br, g0, gr, rest_mw, rest_r, next_s, _ = solution
        if given_mw > 0.0 and rest_r != 0.0:
            next_s = min(next_s, LOAD_MANAGEMENT_INTERVAL_S)
        due_s = now + next_s
        if fleet is not None:
            due_s = min(due_s, fleet.next_due_s(now))
            if fleet.running and battery.direction < 0 and battery.energy_mwh < self.e_stop_mwh:
                # the battery reaching the turbines' stop level is an event too
                due_s = min(due_s, now + battery.seconds_to_bound(floor_mwh, self.e_stop_mwh))
        if cooling is not None:
            due_s = min(due_s, now + cooling.next_s())  # the loop reaching a limit
        if due_s <= now:  # nearer than the clock resolves: make sure time moves on
            due_s = math.nextafter(now, math.inf)
        if due_s != self._due_s:
            self._due_s = due_s
            if due_s < math.inf:
                timer = self.env.timeout(due_s - now)
                timer.callbacks.append(lambda _ev, due_s=due_s: self._on_due(due_s))

        state.grid_mw, self._grid_ramp_mw_per_s = g0, gr
        # What is left is unserved (> 0) or supply nobody takes (< 0); at a kink its value
        # may be a rounding residue of the other sign, within tol: it is dropped.
        unserved_mw = unserved_r = curtailed_mw = curtailed_r = 0.0
        if rest_mw > tol or (rest_mw >= -tol and rest_r > 0.0):
            unserved_mw, unserved_r = max(rest_mw, 0.0), rest_r
        elif rest_mw < -tol or rest_r < 0.0:
            curtailed_mw, curtailed_r = max(-rest_mw, 0.0), -rest_r
        row = (
            now,
            self.load.p_mw + cluster_mw - given_mw,
            aux_mw,
            g0,
            turbines_mw,
            b0,
            unserved_mw,
            curtailed_mw,
            capped_mw + cluster_capped_mw,
            shed_mw + cluster_shed_mw,
            battery.energy_mwh,
            1.0 if grid.up else 0.0,
            float(fleet.n_online) if fleet is not None else 0.0,
            gr,
            turbines_r,
            br,
            unserved_r,
            curtailed_r,
        )
        if cooling is not None:
            thermal = (
                cooling.supply_c + cooling.excess_c,
                cooling.rate_c_per_s,
                cluster.thermal_pu if cluster is not None else 1.0,
            )
            self._row = row + cool + thermal
        else:
            self._row = row
        self.recorder.row(self._row)
        if cooling is not None and (cool[2] > tol) != ("cooling_deficit" in self._active):
            self._toggle("cooling_deficit", now, max(cool[2], 0.0))
        if (unserved_mw > tol) != ("shortfall" in self._active):
            self._toggle("shortfall", now, unserved_mw)

    def _stuck(self, now: float) -> EngineStuckError:
        """The error for an engine stuck at ``now``, with the bus's last powers."""
        row = self.recorder.named(self._row) if self._row else {}
        lines = (
            ", ".join(
                f"{name} {row[f'{name}_mw']:.6g} MW at {row[ramp_column(f'{name}_mw')]:.6g} MW/s"
                for name in ("grid", "turbines", "battery")
            )
            if row
            else "no row yet"
        )
        return EngineStuckError(
            f"the engine is stuck at t = {now!r} s (hour {now / S_PER_H:.6g}): "
            f"{self._updates_still:,} bus updates in a row, each less than "
            f"{max(STILL_S, STILL_ULPS * math.ulp(now)):.3g} s after the one before "
            f"(last: {lines}). Likely a power line too steep for the clock to resolve at "
            "this time: lower dispatch.ramp_limit_mw_per_min or turbines[].ramp_mw_per_min, "
            "or shorten duration_h; if neither applies, this is a bug of dcsim: please report "
            "it with the config"
        )

    def _thermal(self, cooling: CoolingPlant, cluster: Cluster, now: float) -> None:
        """The coolant's hold on the cluster: at the throttle rise the GPUs throttle so that
        the IT heat equals what the chillers remove; below it the throttle is lifted; at the
        shutdown rise, with heat still building, the nodes shut down (jobs shed, rolled
        back), and stopped jobs stay off while the loop is above the throttle rise."""
        x, limit = cooling.excess_c, cooling.throttle_c
        # at the throttle rise: hot unless the loop was falling through it (its last rate)
        hot = x > limit + LIMIT_TOL_C or (x >= limit - LIMIT_TOL_C and cooling.rate_c_per_s >= 0)
        cluster.hot = hot
        if hot:
            cluster.throttle(now, max(0.0, cooling.capacity_mw - self.load.p_mw))
        elif cluster.thermal_pu < 1.0:
            cluster.throttle(now, math.inf)
        if cooling.excess_c >= cooling.shutdown_c - LIMIT_TOL_C:
            it_mw = self.load.p_mw + cluster.p_mw
            if it_mw > cooling.capacity_mw + self.tol_mw and cluster.p_mw > 0.0:
                self.recorder.event(now, "cooling_shutdown", "cooling", "coolant at its limit")
                cluster.idle_off(now)
                cluster.shed(now, math.inf)

    def _solve(
        self, now: float, net_mw: float, net_r: float, floor_mwh: float, follow: bool = True
    ) -> Balance:
        """Balance the net load line ``net_mw + net_r·t`` (load less turbines) now (see
        :func:`sim.balance.balance`) and set the battery's power line from it. A battery bound
        nearer than the clock resolves is taken as reached now, and the balance done again."""
        battery, state = self.battery, self.state
        state.load_mw, state.load_ramp_mw_per_s = net_mw, net_r
        for last in (False, True):
            state.discharge_max_mw = battery.discharge_limit_mw(floor_mwh)
            state.charge_max_mw = battery.charge_limit_mw()
            bound = battery.line_seconds_to_bound
            result = balance(state, self.policy.grid_target, bound, floor_mwh, follow, last)
            if result.battery_ramp_mw_per_s == 0.0:  # set_power, for a constant (the hot path)
                battery.p_mw, battery.ramp_mw_per_s = result.battery_mw, 0.0
            else:
                battery.set_power(result.battery_mw, result.battery_ramp_mw_per_s)
            if now + result.bound_s > now:
                break
            self._reach_bound(now)  # the bound is nearer than the clock resolves
        self._bound_due_s = now + result.bound_s
        return result

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
        """Take back what the cluster gave up, as far as grid import and turbine output carry
        it (see :meth:`Cluster.take_back`). Running jobs count at their (uncapped) computing
        power — a restart or checkpoint ends with that step up."""
        fleet = self.fleet
        supply_mw = grid_max_mw + (fleet.p_mw if fleet is not None else 0.0) - aux_mw
        if self.cooling is not None:  # in IT terms: the facility's per MW of IT
            supply_mw /= self.cooling.marginal(self.load.p_mw + cluster.p_mw)
        cluster.take_back(now, supply_mw - self.load.p_mw - cluster.ceiling_mw)

    def _commit(self, now: float, shortfall_mw: float, floor_mwh: float) -> None:
        """Start turbines for a sustained shortfall; set the output the bus wants from them."""
        battery, grid, fleet = self.battery, self.grid, self.fleet
        assert fleet is not None
        if shortfall_mw > self.tol_mw:
            if not grid.up:
                reason = f"grid outage, {shortfall_mw:.6g} MW short"
            else:
                window_s = grid.cap_end_s - now
                bridge_mw_s = (
                    (battery.energy_mwh - floor_mwh) * battery.efficiency_discharge * S_PER_H
                )
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
        e_mwh = battery.energy_mwh
        if e_mwh >= self.e_stop_mwh - battery._eps_mwh:
            self._recharging = False
        elif e_mwh < self.e_stop_mwh - RECHARGE_BAND_PU * battery.energy_nom_mwh:
            self._recharging = True
        recharge_mw = 0.0
        if self._recharging and self.policy.grid_target(self.state)[2]:
            recharge_mw = battery.charge_limit_mw()  # only if the policy lets it charge now
        fleet.dispatch(now, max(shortfall_mw, 0.0) + recharge_mw)

    def _recharged(self, battery_mw: float) -> bool:
        """Whether the battery no longer needs the turbines: recharged to the stop level, or
        not being charged by the policy."""
        battery = self.battery
        return battery_mw >= 0.0 or battery.energy_mwh >= self.e_stop_mwh - battery._eps_mwh

    def _toggle(self, what: str, now: float, mw: float) -> None:
        """A condition of the bus turns on or off: log ``<what>_start`` or ``<what>_end``."""
        if what in self._active:
            self._active.remove(what)
            self.recorder.event(now, f"{what}_end", "bus", f"{mw:.6g} MW")
        else:
            self._active.add(what)
            self.recorder.event(now, f"{what}_start", "bus", f"{mw:.6g} MW")

    def finish(self) -> None:
        """Integrate to the end of the run and record the final state (a row of no length):
        the last row's lines moved to now, the stored quantities now."""
        row = self.recorder.named(self._row)
        now = self.integrate_to_now()
        dt = now - row["time_s"]
        row["time_s"] = now
        for column in LINE_COLUMNS:
            row[column] += row[ramp_column(column)] * dt
        row["battery_energy_mwh"] = self.battery.energy_mwh
        row["grid_up_pu"] = 1.0 if self.grid.up else 0.0
        if self.cooling is not None:
            row["coolant_c"] = self.cooling.supply_c + self.cooling.excess_c
        self.recorder.row(tuple(row.values()))

    def integrate_to_now(self) -> float:
        """Advance every stored quantity exactly from the last event to now; return now [s]."""
        now = self.env.now
        if now > self._t_last_s:
            dt = now - self._t_last_s
            self.battery.advance(dt, self._floor_mwh)
            if self.cooling is not None:
                self.cooling.advance(dt)
            if self.fleet is not None:
                self.fleet.integrate(self._t_last_s, dt)
            self.state.grid_mw += self._grid_ramp_mw_per_s * dt  # (NaN before the first row)
            self._t_last_s = now
        return now

    def _reach_bound(self, now: float) -> None:
        """The battery reaches the bound its power heads for, now: put it there, log it."""
        battery = self.battery
        if battery.direction < 0:
            kind = "battery_full"
        elif self._floor_mwh == battery.e_min_mwh:
            kind = "battery_empty"
        else:
            kind = "battery_reserve_reached"
        battery.snap_to_bound(self._floor_mwh)
        self.recorder.event(now, kind, "battery", f"soc {battery.soc:.4f}")

    def _on_due(self, due_s: float) -> None:
        if due_s != self._due_s:
            return  # stale: rescheduled since
        self._due_s = math.inf
        now = self.integrate_to_now()
        if due_s == self._bound_due_s:
            self._reach_bound(now)  # this event is the battery's crossing
        self.update()
