"""The power bus: it balances the site at every event, in steps.

The bus is the heart of the hybrid event engine. Whenever anything changes (a load step, a grid
outage, a turbine coming online, the battery reaching a bound) it runs its steps
(:meth:`Bus.update`), each in its own module:

1. **advance** every stored quantity exactly from the last event to now;
2. **limits**: the grid's import now, the battery's floor, the load — with the coolant's hold
   on the cluster first (:mod:`sim.thermal_hold`) and what the cluster may take back
   (:mod:`sim.load_management`) — and the cooling plant's power on it;
3. **commit** the registered sources and the turbines for a sustained shortfall, or stop them
   (:mod:`sim.commitment`);
4. **balance** (:func:`sim.balance.balance`, a pure function): the policy's grid import
   (:mod:`sim.policies`), the battery, the grid up to what is available, and what is left;
5. **manage the load** if supply is still short (:mod:`sim.load_management`), then unserved;
6. **schedule** the next internal event (the battery reaching a bound, a ramp's end, a power
   line reaching a limit, a component's own threshold) as a timeout;
7. **record** one row (:class:`sim.recorder.Recorder`).

Between events every power is a line ``p0 + r·t`` (see :mod:`sim.engine`); most are constant.
The bus never steps a clock. To reschedule it does not interrupt anything: it starts a new
timeout and remembers its due time; a timeout that fires with another due time is stale and
does nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import simpy

from sim.balance import NO_COOLING, Balance, BusState, balance
from sim.bus_plain import PlainUpdate
from sim.commitment import RECHARGE_BAND_PU, TurbineCommitment
from sim.contracts import Source, Storage
from sim.engine import time_tol_s
from sim.load_management import LOAD_MANAGEMENT_INTERVAL_S, LoadManagement
from sim.policies import POLICIES, Arbitrage, Backup, DispatchPolicy, PeakShave, Smooth
from sim.recorder import COOLING_COLUMNS, ELECTRICAL_COLUMNS, Recorder, ramp_column
from sim.thermal_hold import ThermalHold
from sim.timer import Timer
from sim.units import S_PER_H

if TYPE_CHECKING:  # (the built-in components, for the type checker only)
    from sim.cluster import Cluster
    from sim.cooling import CoolingPlant
    from sim.electrical import ElectricalLosses
    from sim.loads import ExogenousLoad
    from sim.power.grid import Grid
    from sim.power.turbines import TurbineFleet

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


class EngineStuckError(RuntimeError):
    """The engine updates the bus again and again at (nearly) one instant; see
    :data:`MAX_UPDATES_AT_ONE_TIME`."""


LINE_COLUMNS = ("grid_mw", "turbines_mw", "battery_mw", "unserved_mw", "curtailed_mw")
"""Row columns that move along a ramp within a segment (see
:data:`sim.recorder.SEGMENT_COLUMNS`)."""

__all__ = [  # the policies and the balance's state are re-exported: they lived here
    "LOAD_MANAGEMENT_INTERVAL_S",
    "POLICIES",
    "RECHARGE_BAND_PU",
    "Arbitrage",
    "Backup",
    "Bus",
    "BusState",
    "DispatchPolicy",
    "EngineStuckError",
    "PeakShave",
    "Smooth",
]


class Bus(TurbineCommitment, LoadManagement, ThermalHold, PlainUpdate):
    """Balances the site bus at every event; see the module docstring for its steps.

    The battery is held above its backup reserve while the grid is up and may go down to
    ``soc_min`` during an outage.
    """

    def __init__(
        self,
        env: simpy.Environment,
        load: ExogenousLoad,
        grid: Grid,
        battery: Storage,
        policy: DispatchPolicy,
        recorder: Recorder,
        fleet: TurbineFleet | None = None,
        turbine_stop_soc: float | None = None,
        cluster: Cluster | None = None,
        cooling: CoolingPlant | None = None,
        sources: Sequence[Source] = (),
        electrical: ElectricalLosses | None = None,
    ):
        self.env = env
        self.load = load
        self.grid = grid
        self.battery = battery
        self.policy = policy
        self._grid_target = policy.grid_target  # (bound once: the hot path)
        self._line_bound = battery.line_seconds_to_bound
        self.recorder = recorder
        self.fleet = fleet
        self.cluster = cluster
        self.cooling = cooling
        self.electrical = electrical
        # its loss's coefficients, evaluated inline in _site_load (the hot path)
        self._losses = electrical.coefficients if electrical is not None else None
        self.sources = tuple(sources)  # registered extra sources, in dispatch order
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
            sum(source.limit_mw() for source in sources),
        )
        self.tol_mw = TOL_PU * scale_mw
        self._recharging = False  # turbines are recharging the battery (see RECHARGE_BAND_PU)
        self._reserve_out = False  # turbines carry the next step as output (see _supply)
        self._keep_mw = 0.0  # what the committed turbines must cover [MW] (see _supply)
        self._per_it = 1.0  # facility MW per IT MW at this update (see _site_load)
        self.n_updates = 0
        self._t_last_s = env.now
        self._floor_mwh = battery.e_reserve_mwh  # the battery's floor since the last event
        self._timer = Timer(env, self._on_due)  # the bus's next internal event
        self._bound_due_s = math.inf  # when the battery reaches its bound, if that is sooner
        self._updates_still = 0  # updates in a row at (nearly) one instant
        self._still_until_s = -math.inf  # an update before this is at the last one's instant
        self._still_s = 0.0  # ... how near it is then [s]
        self._binade_end_s = -math.inf  # the tolerances above hold for now below this [s]
        self._settling = False  # an update is due at the end of this instant
        self._others_mw = 0.0  # output of the registered sources since the last update [MW]
        self._others_r = 0.0  # ... its ramp (a must-take source's line, solar) [MW/s]
        self._shortfall_mw = 0.0  # what the turbines are committed for [MW]
        self._active: set[str] = set()  # bus conditions under way (shortfall, ...)
        self._grid_ramp_mw_per_s = 0.0  # the grid import's ramp since the last row [MW/s]
        if cooling is not None:
            recorder.declare(COOLING_COLUMNS)
        if electrical is not None:
            recorder.declare(ELECTRICAL_COLUMNS)
        # components with columns of their own: the sources, a plant of several storages, an
        # iterating cluster (its mean)
        self._recorded: tuple[Source | Storage | Cluster, ...] = (
            *self.sources,
            *(part for part in (battery, cluster) if part is not None and part.columns),
        )
        for part in self._recorded:
            recorder.declare(part.columns, getattr(part, "mean_columns", ()))
        self._one_battery = not battery.columns  # (not a plant of several storages)
        self.state = BusState(tol_mw=self.tol_mw, grid_mw=math.nan)
        # the steps of update() this site has
        self._load_steps = cluster is not None or cooling is not None or electrical is not None
        self._thresholds = fleet is not None or cooling is not None or bool(self._recorded)
        self._extra_columns = cooling is not None or electrical is not None or bool(self._recorded)
        plain = not (self._load_steps or self._thresholds or self._extra_columns or sources)
        self._plain = plain and self._one_battery and not load.order  # a load, grid, battery

    def grid_import_mw(self) -> float:
        """Grid import now [MW] (0 before the first event)."""
        self.integrate_to_now()
        return 0.0 if math.isnan(self.state.grid_mw) else self.state.grid_mw

    def on_price(self, price_usd_per_mwh: float) -> None:
        """Called when the energy price changes (for policies that need it)."""
        self.state.price_usd_per_mwh = price_usd_per_mwh
        self.changed()

    def changed(self) -> None:
        """Something on the bus changed now: balance it once every change of this instant is
        in — at once if no other event is due now, else in one event after those due now
        (same-time changes coalesce into one update)."""
        if self._settling:
            return
        env = self.env
        queue = env._queue  # (SimPy's own: peek() and now would cost a call each, per change)
        if not queue or queue[0][0] > env._now:
            self.update()
        else:
            self._settling = True
            env.timeout(0.0).callbacks.append(self._settle)

    def _settle(self, _event: simpy.Event) -> None:
        self._settling = False
        self.update()

    def update(self) -> None:
        """Balance the bus now, in its steps (see the module docstring)."""
        if self._plain:  # a load, the grid and one battery: fewer steps (see sim.bus_plain)
            return self._update_plain()
        now = self.integrate_to_now()
        self.n_updates += 1
        if now < self._still_until_s or now >= self._binade_end_s:
            self._watch_clock(now)  # at (nearly) the last update's instant, or a new binade
        else:
            self._updates_still = 0
        self._still_until_s = now + self._still_s
        # the limits: the import available, the floor, the load (and the cooling on it)
        battery, grid, fleet = self.battery, self.grid, self.fleet
        state, tol = self.state, self.tol_mw
        grid_max_mw, aux_mw = grid.available_mw, battery.aux_load_mw
        base_mwh = battery.e_reserve_mwh if grid.up else battery.e_min_mwh
        more_mw = capped_mw = shed_mw = loss_mw = 0.0
        it_mw, cool, per_it = self.load.p_mw, NO_COOLING, 1.0
        if self._load_steps:
            it_mw, more_mw, cool, loss_mw, per_it, capped_mw, shed_mw = self._site_load(
                now, grid_max_mw
            )
        demand_mw = it_mw + cool[0] + aux_mw + loss_mw
        floor_mwh = self._floor(base_mwh, demand_mw - grid_max_mw) if self._pause else base_mwh
        self._floor_mwh = floor_mwh
        state.t_s, state.grid_max_mw = now, grid_max_mw
        if state.grid_mw != state.grid_mw:  # NaN: the first event; the import was steady
            state.grid_mw = min(demand_mw, grid_max_mw)
        # commit the sources; balance; manage the load if supply is still short
        turbines_mw = turbines_r = others_mw = given_mw = 0.0
        short_mw = demand_mw + more_mw * per_it - grid_max_mw  # with the load's reserve
        if self.sources or (fleet is not None and (fleet.n_burning or short_mw > tol)):
            others_mw, turbines_mw, turbines_r = self._supply(now, demand_mw, short_mw)
        net_mw = demand_mw - turbines_mw - others_mw  # what the battery and the grid supply
        solution = self._solve(now, net_mw, -turbines_r, floor_mwh)
        if fleet is not None and fleet.n_burning:
            solution, turbines_mw, turbines_r = self._settle_turbines(now, solution, demand_mw)
        if solution.rest_mw > tol and self.load.order:
            solution, given_mw, it_mw, cool, loss_mw, capped_mw, shed_mw = self._manage_load(
                now, solution, (it_mw, cool, per_it, base_mwh), (turbines_mw, turbines_r)
            )
        if (capped_mw + shed_mw > tol) != ("load_management" in self._active):
            self._toggle("load_management", now, capped_mw + shed_mw)
        # schedule the next internal event
        b0, br, g0, gr, rest_mw, rest_r, next_s, _ = solution
        if given_mw > 0.0 and rest_r != 0.0:
            next_s = min(next_s, LOAD_MANAGEMENT_INTERVAL_S)
        due_s = self._parts_due(now, now + next_s) if self._thresholds else now + next_s
        if due_s != self._timer.due_s:
            self._timer.at(due_s if due_s > now else math.nextafter(now, math.inf))
        # record: the rest is unserved (> 0) or spilled (< 0), a residue within tol dropped
        state.grid_mw, self._grid_ramp_mw_per_s = g0, gr
        unserved_mw = unserved_r = curtailed_mw = curtailed_r = 0.0
        if rest_mw > tol or (rest_mw >= -tol and rest_r > 0.0):
            unserved_mw, unserved_r = max(rest_mw, 0.0), rest_r
        elif rest_mw < -tol or rest_r < 0.0:
            curtailed_mw, curtailed_r = max(-rest_mw, 0.0), -rest_r
        online = float(fleet.n_online) if fleet is not None else 0.0
        row = (now, it_mw, aux_mw, g0, turbines_mw, b0, unserved_mw, curtailed_mw, capped_mw,
               shed_mw, battery.stored_mwh, 1.0 if grid.up else 0.0, online, gr, turbines_r, br,
               unserved_r, curtailed_r)  # (SEGMENT_COLUMNS)  # fmt: skip
        extras = self._record_extras(now, cool, loss_mw) if self._extra_columns else ()
        self.recorder.row(row + extras)
        if (unserved_mw > tol) != ("shortfall" in self._active):
            self._toggle("shortfall", now, unserved_mw)

    def _watch_clock(self, now: float) -> None:
        """Count an update at (nearly) the last one's instant (too many in a row: the engine is
        stuck); in a new binade of the clock (``[2^(e−1), 2^e)``, where its ulp is constant),
        set the tolerances that follow its resolution: the policies' time tolerance
        (:func:`sim.engine.time_tol_s`) and the span of one instant (:data:`STILL_S`,
        :data:`STILL_ULPS`)."""
        self._updates_still = self._updates_still + 1 if now < self._still_until_s else 0
        if self._updates_still > MAX_UPDATES_AT_ONE_TIME:
            raise self._stuck(now)
        if now >= self._binade_end_s:
            self.state.tol_s = time_tol_s(now)
            self._still_s = max(STILL_S, STILL_ULPS * math.ulp(now))
            self._binade_end_s = math.ldexp(1.0, math.frexp(now)[1]) if now > 0.0 else 0.0

    def _site_load(
        self, now: float, grid_max_mw: float
    ) -> tuple[float, float, tuple[float, float, float], float, float, float, float]:
        """The load with a cluster, a cooling plant or distribution losses: the coolant's
        hold on the cluster first, what the cluster takes back, then its powers and the
        plant's and the losses on them: ``(IT, more the cluster may draw at its next phase
        change [MW], the plant's (power, heat rejected, heat not removed) [MW], the
        electrical loss [MW], facility MW per IT MW, capped, shed [MW])``."""
        cluster, cooling = self.cluster, self.cooling
        cluster_mw = capped_mw = shed_mw = more_mw = 0.0
        if cluster is not None:
            if cooling is not None:  # first: whether the coolant lets stopped jobs resume
                self._thermal(cooling, cluster, now)
            if cluster.may_take_back():
                self._take_back(cluster, now, grid_max_mw, self.battery.aux_load_mw)
            cluster_mw, shed_mw, capped_mw, more_mw = cluster.powers_mw()
        it_mw = self.load.p_mw + cluster_mw
        cool, per_it, loss_mw = NO_COOLING, 1.0, 0.0
        if cooling is not None:
            cool, per_it = cooling.power_mw(it_mw), cooling.marginal(it_mw)
        if self._losses is not None:  # ElectricalLosses.loss_mw and .marginal, inlined
            u0, u1, u2, t0, t2 = self._losses
            ups_mw = u0 + (u1 + u2 * it_mw) * it_mw
            through_mw = it_mw + ups_mw + cool[0]
            loss_mw = ups_mw + t0 + t2 * through_mw * through_mw
            d_ups = u1 + 2.0 * u2 * it_mw
            per_it += d_ups + 2.0 * t2 * through_mw * (per_it + d_ups)
        self._per_it = per_it
        return it_mw, more_mw, cool, loss_mw, per_it, capped_mw, shed_mw

    def _parts_due(self, now: float, due_s: float) -> float:
        """The nearest of ``due_s`` and the components' own next events [s]: the turbines',
        the battery reaching their stop level while they recharge it, the coolant loop
        reaching a limit, the thresholds of the components with columns of their own."""
        fleet, battery = self.fleet, self.battery
        if fleet is not None:
            due_s = min(due_s, fleet.next_due_s(now))
            if fleet.n_burning and battery.direction < 0 and battery.stored_mwh < self.e_stop_mwh:
                stop_s = battery.seconds_to_bound(self._floor_mwh, self.e_stop_mwh)
                due_s = min(due_s, now + stop_s)
        if self.cooling is not None:
            due_s = min(due_s, now + self.cooling.next_s())
        for part in self._recorded:
            due_s = min(due_s, now + part.next_threshold_s())
        return due_s

    def _record_extras(
        self, now: float, cool: tuple[float, float, float], loss_mw: float
    ) -> tuple[float, ...]:
        """The values of the columns beyond :data:`SEGMENT_COLUMNS`: the cooling plant's
        (:data:`COOLING_COLUMNS`; its deficit, heat not removed, logged as a condition), the
        electrical loss (:data:`ELECTRICAL_COLUMNS`) and the components' with columns of
        their own."""
        extras: tuple[float, ...] = ()
        cooling, cluster = self.cooling, self.cluster
        if cooling is not None:
            thermal = cluster.thermal_pu if cluster is not None else 1.0
            extras = (*cool, cooling.supply_c + cooling.excess_c, cooling.rate_c_per_s, thermal)
            if (cool[2] > self.tol_mw) != ("cooling_deficit" in self._active):
                self._toggle("cooling_deficit", now, max(cool[2], 0.0))
        if self._losses is not None:
            extras += (loss_mw,)
        if self._recorded:
            extras += tuple(value for part in self._recorded for value in part.values())
        return extras

    def _stuck(self, now: float) -> EngineStuckError:
        """The error for an engine stuck at ``now``, with the bus's last powers."""
        rows = self.recorder.rows
        row = self.recorder.named(rows[-1]) if rows else {}
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

    def _solve(
        self, now: float, net_mw: float, net_r: float, floor_mwh: float, follow: bool = True
    ) -> Balance:
        """Balance the net load line ``net_mw + net_r·t`` (load less the other sources) now
        (see :func:`sim.balance.balance`) and set the battery's power line from it. A battery
        bound nearer than the clock resolves is taken as reached now, and the balance done
        again (twice at most)."""
        battery, state = self.battery, self.state
        # (the net load less the must-take sources' ramp: every caller's net_mw is less their
        # output, _others_mw; 0 without one, so x − 0.0 leaves every other site's bits alone)
        state.load_mw, state.load_ramp_mw_per_s = net_mw, net_r - self._others_r
        for last in (False, True):
            state.discharge_max_mw = battery.discharge_limit_mw(floor_mwh)
            state.charge_max_mw = battery.charge_limit_mw()
            result = balance(state, self._grid_target, self._line_bound, floor_mwh, follow, last)
            b0, br, bound_s = result[0], result[1], result[7]  # (by index: the hot path)
            if br == 0.0 and self._one_battery:  # set_power of one battery (inlined)
                battery.p_mw, battery.ramp_mw_per_s = b0, 0.0
            else:
                battery.set_power(b0, br, floor_mwh)
            if now + bound_s > now:
                break
            self._reach_bound(now)  # the bound is nearer than the clock resolves
        self._bound_due_s = now + bound_s
        return result

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
        row = self.recorder.named(self.recorder.rows[-1])
        now = self.integrate_to_now()
        dt = now - row["time_s"]
        row["time_s"] = now
        for column in LINE_COLUMNS:
            row[column] += row[ramp_column(column)] * dt
        row["battery_energy_mwh"] = self.battery.stored_mwh
        row["grid_up_pu"] = 1.0 if self.grid.up else 0.0
        if self.cooling is not None:
            row["coolant_c"] = self.cooling.supply_c + self.cooling.excess_c
        for part in self._recorded:  # their values now
            row.update(zip(part.columns, part.values(), strict=True))
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
                self.fleet.advance_to(now)
            for source in self.sources:
                source.advance(dt)
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
        member = battery.snap_to_bound(self._floor_mwh)  # (of a plant: the storage's name)
        self.recorder.event(now, kind, member or "battery", f"soc {battery.soc:.4f}")

    def _on_due(self, due_s: float) -> None:
        now = self.integrate_to_now()
        if due_s == self._bound_due_s:
            self._reach_bound(now)  # this event is the battery's crossing
        self.changed()
