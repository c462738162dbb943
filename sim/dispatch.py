"""The power bus and the dispatch policies.

The bus is the heart of the hybrid event engine. Whenever anything changes (a load step, a grid
outage, the battery reaching a bound) it

1. integrates every stored quantity exactly from the last event to now,
2. asks the policy for the battery's power and solves the balance (grid up to what is available,
   then unserved load),
3. schedules the next internal event (the battery reaching a bound) as a timeout, and
4. appends one row to the recorder.

It never steps a clock. To reschedule it does not interrupt anything: it starts a new timeout and
remembers its due time; a timeout that fires with another due time is stale and does nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import simpy

from sim.config import DispatchConfig
from sim.loads import ExogenousLoad
from sim.power.battery import Battery
from sim.power.grid import Grid
from sim.recorder import Recorder

UNSERVED_TOL_MW = 1e-9
"""Unserved power below this is treated as none when logging shortfall events [MW]."""

MAX_UPDATES_AT_ONE_TIME = 1_000_000
"""More bus updates than this without the clock moving means the engine is stuck: it raises."""


@dataclass(slots=True)
class BusState:
    """What a policy sees at an event; the bus fills one instance in place (no allocation).

    Attributes
    ----------
    t_s : float
        Now [s since the run's start].
    load_mw : float
        Total load on the bus [MW].
    grid_max_mw : float
        Grid import available now: 0 during an outage, the import limit or a
        demand-response cap otherwise [MW].
    discharge_max_mw, charge_max_mw : float
        What the battery can give and take now, both magnitudes [MW] (0 at its floor / full).
    price_usd_per_mwh : float
        Energy price now [USD/MWh] (kept current only for policies with ``needs_price``).
    """

    t_s: float = 0.0
    load_mw: float = 0.0
    grid_max_mw: float = 0.0
    discharge_max_mw: float = 0.0
    charge_max_mw: float = 0.0
    price_usd_per_mwh: float = 0.0


class DispatchPolicy:
    """How the battery is used. A policy is a small object the bus calls at every event.

    To add a policy, subclass this, implement :meth:`from_config` and :meth:`battery_mw`, and
    register it in :data:`POLICIES` under its ``dispatch.policy`` name; the bus does not change.
    A policy whose decisions depend on the price sets ``needs_price``: price changes then
    become engine events.
    """

    name: ClassVar[str]
    needs_price: ClassVar[bool] = False

    @classmethod
    def from_config(cls, dispatch: DispatchConfig, import_limit_mw: float) -> DispatchPolicy:
        """Build the policy from the ``dispatch:`` section."""
        raise NotImplementedError

    def battery_mw(self, s: BusState) -> float:
        """The battery's bus power [MW], positive to discharge, negative to charge, within
        ``[-s.charge_max_mw, s.discharge_max_mw]``."""
        raise NotImplementedError


def cover_shortfall_mw(s: BusState) -> float:
    """Discharge covering what the grid cannot supply: ``min(load − grid_max, d_max)``, or 0."""
    return min(s.load_mw - s.grid_max_mw, s.discharge_max_mw) if s.load_mw > s.grid_max_mw else 0.0


class PeakShave(DispatchPolicy):
    """Hold grid import at a target: discharge above it, charge below it.

    With cap ``c = min(target, grid_max)``: if ``load > c`` the battery discharges
    ``min(load − c, d_max)``; otherwise it charges ``min(c − load, c_max)``. During an outage
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

    def battery_mw(self, s: BusState) -> float:
        cap_mw = min(self.grid_target_mw, s.grid_max_mw)
        if s.load_mw > cap_mw:
            return min(s.load_mw - cap_mw, s.discharge_max_mw)
        return -min(cap_mw - s.load_mw, s.charge_max_mw)


class Backup(DispatchPolicy):
    """Use the battery only to ride through what the grid cannot supply; recharge otherwise.

    Discharge ``min(load − grid_max, d_max)`` when the load exceeds the available import
    (an outage, the import limit, a demand-response cap); otherwise charge
    ``min(grid_max − load, c_max)``. While the grid is up the bus keeps the battery above
    ``backup_reserve_soc``, so the reserve is there when an outage comes.
    """

    name = "backup"

    @classmethod
    def from_config(cls, dispatch: DispatchConfig, import_limit_mw: float) -> Backup:
        return cls()

    def battery_mw(self, s: BusState) -> float:
        if s.load_mw > s.grid_max_mw:
            return cover_shortfall_mw(s)
        return -min(s.grid_max_mw - s.load_mw, s.charge_max_mw)


class Arbitrage(DispatchPolicy):
    """Charge when energy is cheap, discharge when it is dear, from the price signal.

    At ``price <= charge_below`` charge ``min(grid_max − load, c_max)``; at
    ``price >= discharge_above`` discharge ``min(load, d_max)`` (no export); in between stay
    idle. A shortfall of the grid is covered first whatever the price.

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

    def battery_mw(self, s: BusState) -> float:
        if s.load_mw > s.grid_max_mw:
            return cover_shortfall_mw(s)
        if s.price_usd_per_mwh >= self.discharge_above_usd_per_mwh:
            return min(s.load_mw, s.discharge_max_mw)
        if s.price_usd_per_mwh <= self.charge_below_usd_per_mwh:
            return -min(s.grid_max_mw - s.load_mw, s.charge_max_mw)
        return 0.0


POLICIES: dict[str, type[DispatchPolicy]] = {
    policy.name: policy for policy in (PeakShave, Backup, Arbitrage)
}
"""Dispatch policies by their ``dispatch.policy`` name."""


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
    ):
        self.env = env
        self.load = load
        self.grid = grid
        self.battery = battery
        self.policy = policy
        self.recorder = recorder
        self.n_updates = 0
        self._t_last_s = env.now
        self._floor_mwh = battery.e_reserve_mwh  # the battery's floor since the last event
        self._due_s = math.inf  # due time of the one live battery-bound timeout
        self._updates_now = 0  # updates since the clock last moved
        self._active: set[str] = set()  # bus conditions under way (shortfall, ...)
        self._row: tuple[float, ...] = ()  # powers set at the last event (see SEGMENT_COLUMNS)
        self.state = BusState()

    def on_grid_change(self, kind: str, detail: str) -> None:
        """Called by the grid at an outage's start or end."""
        self.recorder.event(self.env.now, kind, "grid", detail)
        self.update()

    def grid_import_mw(self) -> float:
        """Grid import set at the last event [MW] (0 before the first)."""
        return self._row[2] if self._row else 0.0

    def on_price(self, price_usd_per_mwh: float) -> None:
        """Called when the energy price changes (for policies that need it)."""
        self.state.price_usd_per_mwh = price_usd_per_mwh
        self.update()

    def update(self) -> None:
        """Integrate to now, solve the balance, schedule the next bound, record a row."""
        battery, grid = self.battery, self.grid
        now = self._integrate_to_now()
        self.n_updates += 1
        self._updates_now += 1
        if self._updates_now > MAX_UPDATES_AT_ONE_TIME:
            raise RuntimeError(f"the engine is stuck at t = {now!r} s (a zero-time loop)")

        floor_mwh = battery.e_reserve_mwh if grid.up else battery.e_min_mwh
        self._floor_mwh = floor_mwh
        grid_max_mw = grid.available_mw
        aux_mw = battery.aux_load_mw
        load_mw = self.load.p_mw + aux_mw
        state = self.state
        state.t_s, state.load_mw, state.grid_max_mw = now, load_mw, grid_max_mw
        p_batt = self._set_battery(floor_mwh)
        due_s = now + battery.seconds_to_bound(floor_mwh)
        if due_s <= now:  # the bound is nearer than the clock resolves: it is reached now
            self._reach_bound(now)
            p_batt = self._set_battery(floor_mwh)
            due_s = now + battery.seconds_to_bound(floor_mwh)
        residual_mw = load_mw - p_batt
        capped_mw = shed_mw = 0.0
        if residual_mw <= 0.0:
            grid_mw, unserved_mw, curtailed_mw = 0.0, 0.0, -residual_mw
        elif residual_mw <= grid_max_mw:
            grid_mw, unserved_mw, curtailed_mw = residual_mw, 0.0, 0.0
        else:
            grid_mw, unserved_mw, curtailed_mw = grid_max_mw, residual_mw - grid_max_mw, 0.0
            if self.load.order:  # supply is short: ask the load side to give some up
                capped_mw, shed_mw = self.load.curtail(unserved_mw)
                unserved_mw -= capped_mw + shed_mw
        given_mw = capped_mw + shed_mw
        if (given_mw > UNSERVED_TOL_MW) != ("load_management" in self._active):
            self._toggle("load_management", now, given_mw)

        if due_s != self._due_s:
            self._due_s = due_s
            if due_s < math.inf:
                timer = self.env.timeout(due_s - now)
                timer.callbacks.append(lambda _ev, due_s=due_s: self._on_bound(due_s))

        it_mw = self.load.p_mw - capped_mw - shed_mw
        self._row = (it_mw, aux_mw, grid_mw, p_batt, unserved_mw, curtailed_mw, capped_mw, shed_mw)
        self.recorder.row((now, *self._row, battery.energy_mwh, 1.0 if grid.up else 0.0))
        if (unserved_mw > UNSERVED_TOL_MW) != ("shortfall" in self._active):
            self._toggle("shortfall", now, unserved_mw)

    def _toggle(self, what: str, now: float, mw: float) -> None:
        """A condition of the bus turns on or off: log ``<what>_start`` or ``<what>_end``."""
        if what in self._active:
            self._active.remove(what)
            self.recorder.event(now, f"{what}_end", "bus", f"{mw:.6g} MW")
        else:
            self._active.add(what)
            self.recorder.event(now, f"{what}_start", "bus", f"{mw:.6g} MW")

    def finish(self) -> None:
        """Integrate to the end of the run and record the final state."""
        now = self._integrate_to_now()
        up = 1.0 if self.grid.up else 0.0
        self.recorder.row((now, *self._row, self.battery.energy_mwh, up))

    def _integrate_to_now(self) -> float:
        """Advance every stored quantity exactly from the last event to now; return now [s]."""
        now = self.env.now
        if now > self._t_last_s:
            self.battery.advance(now - self._t_last_s, self._floor_mwh)
            self._t_last_s = now
            self._updates_now = 0
        return now

    def _set_battery(self, floor_mwh: float) -> float:
        """Ask the policy for the battery's power within its limits now, and set it [MW]."""
        battery, state = self.battery, self.state
        state.discharge_max_mw = battery.discharge_limit_mw(floor_mwh)
        state.charge_max_mw = battery.charge_limit_mw()
        p_mw = self.policy.battery_mw(state) + 0.0  # + 0.0 turns -0.0 into 0.0
        battery.p_mw = p_mw
        return p_mw

    def _reach_bound(self, now: float) -> None:
        """The battery reaches the bound its power heads for, now: put it there, log it."""
        battery = self.battery
        if battery.p_mw < 0.0:
            kind = "battery_full"
        elif self._floor_mwh == battery.e_min_mwh:
            kind = "battery_empty"
        else:
            kind = "battery_reserve_reached"
        battery.snap_to_bound(self._floor_mwh)
        self.recorder.event(now, kind, "battery", f"soc {battery.soc:.4f}")

    def _on_bound(self, due_s: float) -> None:
        if due_s != self._due_s:
            return  # stale: rescheduled since
        self._due_s = math.inf
        self._reach_bound(self._integrate_to_now())  # this event is the crossing
        self.update()
