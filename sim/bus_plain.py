"""The bus's update for the plainest site — an exogenous load, the grid and one battery — chosen
when the bus is built (issue 19: the microgrid year spent a quarter of its time in
:meth:`sim.dispatch.Bus.update` itself).

:meth:`PlainUpdate._update_plain` is :meth:`sim.dispatch.Bus.update` with the steps such a site
does not have left out (no cluster, cooling or electrical losses: the load is the exogenous
load; no sources or turbines to commit; no load management; no component with thresholds or
columns of its own) and the advance of the stored energy and the balance's loop inlined. Every
arithmetic operation left is the one ``update`` does, in the same order, so the results are the
same to the bit (``tests/test_regression.py`` runs such sites).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.balance import GridTarget, LineBound, balance
from sim.bus_step import BusStep

if TYPE_CHECKING:  # (for the type checker only)
    import simpy

    from sim.timer import Timer


class PlainUpdate(BusStep):
    """The bus's :meth:`_update_plain` (a mixin of :class:`sim.dispatch.Bus`)."""

    env: simpy.Environment
    n_updates: int
    _timer: Timer
    _grid_target: GridTarget
    _line_bound: LineBound
    _active: set[str]
    _t_last_s: float
    _grid_ramp_mw_per_s: float
    _still_until_s: float
    _still_s: float
    _binade_end_s: float
    _updates_still: int
    _bound_due_s: float

    def _watch_clock(self, now: float) -> None:
        raise NotImplementedError  # (the bus's)

    def _reach_bound(self, now: float) -> None:
        raise NotImplementedError  # (the bus's)

    def _toggle(self, what: str, now: float, mw: float) -> None:
        raise NotImplementedError  # (the bus's)

    def _update_plain(self) -> None:
        """Balance a site of a load, the grid and one battery now (see the module docstring)."""
        env = self.env  # integrate_to_now, inlined
        now = env._now
        battery = self.battery
        state = self.state
        if now > self._t_last_s:
            dt = now - self._t_last_s
            battery.advance(dt, self._floor_mwh)
            state.grid_mw += self._grid_ramp_mw_per_s * dt  # (NaN before the first row)
            self._t_last_s = now
        self.n_updates += 1
        if now < self._still_until_s or now >= self._binade_end_s:
            self._watch_clock(now)  # at (nearly) the last update's instant, or a new binade
        else:
            self._updates_still = 0
        self._still_until_s = now + self._still_s
        grid, tol = self.grid, self.tol_mw
        grid_max_mw, aux_mw = grid.available_mw, battery.aux_load_mw
        floor_mwh = battery.e_reserve_mwh if grid.up else battery.e_min_mwh
        it_mw = self.load.p_mw
        demand_mw = it_mw + 0.0 + aux_mw + 0.0  # (update's sum, with no cooling and no loss)
        self._floor_mwh = floor_mwh
        state.t_s, state.grid_max_mw = now, grid_max_mw
        if state.grid_mw != state.grid_mw:  # NaN: the first event; the import was steady
            state.grid_mw = min(demand_mw, grid_max_mw)
        # _solve, inlined (no turbines: the net load is the demand, its ramp -0.0)
        state.load_mw, state.load_ramp_mw_per_s = demand_mw - 0.0 - 0.0, -0.0
        for last in (False, True):
            state.discharge_max_mw = battery.discharge_limit_mw(floor_mwh)
            state.charge_max_mw = battery.charge_limit_mw()
            solution = balance(state, self._grid_target, self._line_bound, floor_mwh, True, last)
            b0, br, g0, gr, rest_mw, rest_r, next_s, bound_s = solution
            if br == 0.0:
                battery.p_mw, battery.ramp_mw_per_s = b0, 0.0
            else:
                battery.set_power(b0, br, floor_mwh)
            if now + bound_s > now:
                break
            self._reach_bound(now)  # the bound is nearer than the clock resolves
        self._bound_due_s = now + bound_s
        due_s = now + next_s
        timer = self._timer
        if due_s != timer.due_s:
            timer.at(due_s if due_s > now else math.nextafter(now, math.inf))
        # record: the rest is unserved (> 0) or spilled (< 0), a residue within tol dropped
        state.grid_mw, self._grid_ramp_mw_per_s = g0, gr
        unserved_mw = unserved_r = curtailed_mw = curtailed_r = 0.0
        if rest_mw > tol or (rest_mw >= -tol and rest_r > 0.0):
            unserved_mw, unserved_r = max(rest_mw, 0.0), rest_r
        elif rest_mw < -tol or rest_r < 0.0:
            curtailed_mw, curtailed_r = max(-rest_mw, 0.0), -rest_r
        row = (now, it_mw, aux_mw, g0, 0.0, b0, unserved_mw, curtailed_mw, 0.0, 0.0,
               battery.stored_mwh, 1.0 if grid.up else 0.0, 0.0, gr, 0.0, br, unserved_r,
               curtailed_r)  # (SEGMENT_COLUMNS)  # fmt: skip
        self.recorder.row(row)
        if (unserved_mw > tol) != ("shortfall" in self._active):
            self._toggle("shortfall", now, unserved_mw)
