"""Gas turbine units in groups of identical units (e.g. mobile Solar Titan 130s).

A group's running units share its output equally, so a group is one power line
``p(t) = p0 + r·t`` [MW] that ramps toward a setpoint at ``n_online`` times the unit's ramp
rate; the end of a ramp is an event the bus schedules. Units are started and stopped one by one
by the commitment rule of the bus (see :mod:`sim.dispatch`), and may trip.

Fuel
----
A burning unit (starting or online) uses fuel at a rate affine in its output ``P`` [MW]:

.. math::

    \\dot F = HR \\cdot \\left(f_0 P_{nom} + (1 - f_0) P\\right) \\qquad [\\mathrm{MMBtu/h}]

with ``HR`` the full-load heat rate [MMBtu/MWh] and ``f0 = no_load_fuel_pu``. The heat rate at
part load is then ``HR·(f0/P_pu + 1 − f0)``: with ``f0 = 0.25``, 1.25 × the full-load value at
half load and 1.58 × at 30 % — the usual shape of a simple-cycle unit's curve (an assumption;
no Titan 130 part-load curve is published). A starting unit burns its no-load fuel during the
start delay. Because the rate is affine in ``P``, fuel over a ramp integrates exactly:
``F = HR·(f0·P_nom·n·Δt + (1 − f0)·∫P dt)``. CO2 and NOx are fuel × their factors.

Permits
-------
``max_starts_per_year`` and ``max_run_hours_per_year`` apply to each unit, per year of the run
(``[k·8760 h, (k+1)·8760 h)``). A unit that has used its starts is not started; a running unit
that reaches its hours is stopped at that moment (an event, ``turbine_permit_stop``).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from sim.config import TurbineConfig, TurbineTripConfig
from sim.engine import line_integral
from sim.recorder import Recorder
from sim.units import S_PER_H

OFF, STARTING, ONLINE = 0, 1, 2
"""Unit states."""

YEAR_S = 8760.0 * S_PER_H
"""Length of a permit year [s]."""

RUN_TOL_S = 1e-6
"""Running time this close to a unit's permitted hours counts as having reached them [s]."""


@dataclass(slots=True)
class UnitLog:
    """Per-unit counters of one permit year."""

    starts: int = 0
    run_s: float = 0.0


class TurbineGroup:
    """``count`` identical units and their shared output line (see the module docstring).

    Parameters
    ----------
    cfg : TurbineConfig
        The group's config (units as in its key names).
    """

    def __init__(self, cfg: TurbineConfig):
        self.name = cfg.name
        self.count = cfg.count
        self.p_nom_mw = cfg.p_nom_mw
        self.p_min_mw = cfg.p_min_pu * cfg.p_nom_mw
        self.start_s = cfg.start_s
        self.ramp_up_mw_per_s = cfg.ramp_mw_per_min / 60.0
        down = cfg.ramp_mw_per_min if cfg.ramp_down_mw_per_min is None else cfg.ramp_down_mw_per_min
        self.ramp_down_mw_per_s = down / 60.0
        self.min_run_s = cfg.min_run_s
        # Fuel [MMBtu/s]: no-load per burning unit, and per MW of output.
        self.fuel_no_load_mmbtu_per_s = (
            cfg.heat_rate_mmbtu_per_mwh * cfg.no_load_fuel_pu * cfg.p_nom_mw / S_PER_H
        )
        self.fuel_mmbtu_per_mw_s = cfg.heat_rate_mmbtu_per_mwh * (1 - cfg.no_load_fuel_pu) / S_PER_H
        self.fuel_usd_per_mmbtu = cfg.fuel_usd_per_mmbtu
        self.co2_kg_per_mmbtu = cfg.co2_kg_per_mmbtu
        self.nox_kg_per_mmbtu = cfg.nox_kg_per_mmbtu
        self.mean_s_to_trip = (
            1000.0 * S_PER_H / cfg.trip_rate_per_1000h if cfg.trip_rate_per_1000h > 0 else math.inf
        )
        self.repair_s = cfg.trip_repair_h * S_PER_H
        self.max_starts = cfg.max_starts_per_year
        self.max_run_s = (
            None if cfg.max_run_hours_per_year is None else cfg.max_run_hours_per_year * S_PER_H
        )

        self.state = [OFF] * cfg.count
        self.token = [0] * cfg.count  # bumped at every change: stale timeouts see another
        self.online_since_s = [0.0] * cfg.count
        self.available_s = [0.0] * cfg.count  # a tripped unit may start again from then
        self.years: list[list[UnitLog]] = [[UnitLog() for _ in range(cfg.count)]]
        # Running time of the permit year is kept as a clock shared by the burning units (each
        # burning unit runs as long as any other): a unit's run time this year is its log's
        # (up to its current stretch) plus the clock since its stretch began. So integrating
        # costs O(1), not O(units), and a heap of the burning units by run time gives the one
        # nearest its permitted hours in O(log units).
        self.clock_s = 0.0
        self.clock_at_s = [0.0] * cfg.count  # the clock when the unit's stretch began
        self.stretch = [0] * cfg.count  # bumped at each start: stale heap entries see another
        self._by_run: list[tuple[float, int, int]] = []  # (−(log − clock_at), unit, stretch)
        self.none_ready_until_s = -math.inf  # no off unit can start before then
        self.n_starting = 0
        self.n_online = 0
        self.stopping = False  # ramping down to 0, then every online unit goes off
        self.p_mw = 0.0
        self.ramp_mw_per_s = 0.0
        self.setpoint_mw = 0.0
        self.ramp_end_s = math.inf
        self.fuel_mmbtu = 0.0
        self.energy_mw_s = 0.0  # output over the run [MW·s]
        self.run_s = 0.0  # unit-seconds burning, over the run
        self.starts = 0
        self.trips = 0

    @property
    def burning(self) -> int:
        """Units using fuel (starting or online)."""
        return self.n_starting + self.n_online

    def integrate(self, t0_s: float, dt_s: float) -> None:
        """Advance output, fuel and running hours exactly from ``t0_s`` over ``dt_s`` [s].

        ``F += f_nl·n·dt + f_p·(p0·dt + r·dt²/2)``; at the ramp's end the output is put on
        the setpoint.
        """
        n = self.burning
        if n == 0:
            return
        energy_mw_s = line_integral(self.p_mw, self.ramp_mw_per_s, dt_s)
        self.energy_mw_s += energy_mw_s
        self.fuel_mmbtu += (
            self.fuel_no_load_mmbtu_per_s * n * dt_s + self.fuel_mmbtu_per_mw_s * energy_mw_s
        )
        self.run_s += n * dt_s
        self._add_run_time(t0_s, t0_s + dt_s)
        if self.ramp_mw_per_s != 0.0:
            if t0_s + dt_s >= self.ramp_end_s:
                self.p_mw, self.ramp_mw_per_s, self.ramp_end_s = self.setpoint_mw, 0.0, math.inf
            else:
                self.p_mw += self.ramp_mw_per_s * dt_s

    def _add_run_time(self, a_s: float, b_s: float) -> None:
        """Count ``[a_s, b_s)`` as running time of each burning unit, split by permit year."""
        while True:
            year_end_s = len(self.years) * YEAR_S
            stop_s = min(b_s, year_end_s)
            self.clock_s += stop_s - a_s
            if b_s < year_end_s:
                return
            self._new_year()
            a_s = year_end_s

    def _new_year(self) -> None:
        """Close the permit year: book the burning units' stretches, start fresh counters."""
        logs = self.years[-1]
        burning = [u for u, state in enumerate(self.state) if state != OFF]
        for u in burning:
            logs[u].run_s += self.clock_s - self.clock_at_s[u]
        self.years.append([UnitLog() for _ in range(self.count)])
        self.clock_s = 0.0
        for u in burning:
            self.clock_at_s[u] = 0.0
        self._by_run = [(0.0, u, self.stretch[u]) for u in burning]  # (sorted: a heap)

    def year_log(self, now_s: float) -> list[UnitLog]:
        """The per-unit counters of the permit year containing ``now_s`` (a burning unit's
        ``run_s`` there excludes its current stretch: see :meth:`unit_run_s`)."""
        while now_s >= len(self.years) * YEAR_S:
            self._new_year()
        return self.years[-1]

    def unit_run_s(self, u: int) -> float:
        """Running time of unit ``u`` in the current permit year [s]."""
        run_s = self.years[-1][u].run_s
        return run_s + (self.clock_s - self.clock_at_s[u]) if self.state[u] != OFF else run_s

    def begin_burning(self, u: int) -> None:
        """Unit ``u`` starts burning (call after it leaves OFF): its stretch begins now."""
        self.stretch[u] += 1
        self.clock_at_s[u] = self.clock_s
        key = self.years[-1][u].run_s - self.clock_s
        heapq.heappush(self._by_run, (-key, u, self.stretch[u]))

    def end_burning(self, u: int) -> None:
        """Unit ``u`` stops burning (call before it goes OFF): book its stretch."""
        self.years[-1][u].run_s += self.clock_s - self.clock_at_s[u]

    def most_run(self) -> int | None:
        """The burning unit with the most running time this year, or None."""
        heap = self._by_run
        while heap:
            _, u, stretch = heap[0]
            if self.state[u] != OFF and self.stretch[u] == stretch:
                return u
            heapq.heappop(heap)
        return None

    def at_run_limit(self) -> list[int]:
        """The burning units that have reached their permitted hours, in unit order."""
        if self.max_run_s is None:
            return []
        popped, done = [], []
        while (u := self.most_run()) is not None:
            if self.unit_run_s(u) < self.max_run_s - RUN_TOL_S:
                break
            popped.append(heapq.heappop(self._by_run))
            done.append(u)
        for entry in popped:  # (they stay in the heap until they actually go off)
            heapq.heappush(self._by_run, entry)
        return sorted(done)

    def can_start(self, u: int, now_s: float) -> bool:
        """Whether unit ``u`` is off, repaired and within its permit now."""
        if self.state[u] != OFF or self.available_s[u] > now_s:
            return False
        log = self.year_log(now_s)[u]
        if self.max_starts is not None and log.starts >= self.max_starts:
            return False
        return self.max_run_s is None or log.run_s < self.max_run_s - RUN_TOL_S  # (u is off)

    def next_wake_s(self, now_s: float) -> float:
        """The next time an off unit that cannot start now may start [s]; ``inf`` if none."""
        self.year_log(now_s)  # make the current permit year the last one
        wake_s = math.inf
        for u, state in enumerate(self.state):
            if state != OFF:
                continue
            if self.available_s[u] > now_s:
                wake_s = min(wake_s, self.available_s[u])
            elif not self.can_start(u, now_s):  # at a permit limit until the next year
                wake_s = min(wake_s, len(self.years) * YEAR_S)
        return wake_s

    def set_setpoint(self, now_s: float, setpoint_mw: float) -> None:
        """Ramp toward ``setpoint_mw`` [MW] from now; the ramp's end is ``ramp_end_s``."""
        self.setpoint_mw = setpoint_mw
        gap_mw = setpoint_mw - self.p_mw
        if gap_mw > 0.0 and self.n_online > 0:
            self.ramp_mw_per_s = self.n_online * self.ramp_up_mw_per_s
        elif gap_mw < 0.0 and self.n_online > 0:
            self.ramp_mw_per_s = -self.n_online * self.ramp_down_mw_per_s
        else:
            self.ramp_mw_per_s, self.ramp_end_s = 0.0, math.inf
            return
        self.ramp_end_s = now_s + gap_mw / self.ramp_mw_per_s

    def report(self) -> dict[str, float | int | str | None]:
        """The group's totals over the run and its permit use (plain numbers, units in keys).

        ``most_starts_in_a_year`` and ``most_run_hours_in_a_year`` are the largest of any unit
        in any permit year; ``permit_use_pu`` is the larger of the two as a share of its limit
        (null without limits).
        """
        most_starts = max(log.starts for year in self.years for log in year)
        last_year = max(self.unit_run_s(u) for u in range(self.count))
        most_run_h = (
            max([log.run_s for year in self.years[:-1] for log in year] + [last_year]) / S_PER_H
        )
        uses = []
        if self.max_starts is not None:
            uses.append(
                most_starts / self.max_starts if self.max_starts else float(most_starts > 0)
            )
        if self.max_run_s is not None:
            limit_h = self.max_run_s / S_PER_H
            uses.append(most_run_h / limit_h if limit_h else float(most_run_h > 0))
        return {
            "name": self.name,
            "units": self.count,
            "starts": self.starts,
            "trips": self.trips,
            "run_hours": self.run_s / S_PER_H,
            "energy_mwh": self.energy_mw_s / S_PER_H,
            "fuel_mmbtu": self.fuel_mmbtu,
            "fuel_usd": self.fuel_mmbtu * self.fuel_usd_per_mmbtu,
            "co2_t": self.fuel_mmbtu * self.co2_kg_per_mmbtu / 1000.0,
            "nox_t": self.fuel_mmbtu * self.nox_kg_per_mmbtu / 1000.0,
            "max_starts_per_year": self.max_starts,
            "most_starts_in_a_year": most_starts,
            "max_run_hours_per_year": None if self.max_run_s is None else self.max_run_s / S_PER_H,
            "most_run_hours_in_a_year": most_run_h,
            "permit_use_pu": max(uses) if uses else None,
        }

    def floor_mw(self) -> float:
        """Lowest output the group may be held at now [MW]: 0 when stopping, else n·P_min."""
        return 0.0 if self.stopping else self.n_online * self.p_min_mw


class TurbineFleet:
    """The turbine groups of a site: commitment, dispatch, trips and the permit limits.

    The bus drives it: it integrates the fleet with everything else, asks it to start units
    for a shortfall (:meth:`commit`) or to stop (:meth:`stop`), sets the output it wants
    (:meth:`dispatch`) and takes the fleet's next internal event (:meth:`next_due_s`).
    Starts completing and trips are the fleet's own timeouts; each one integrates the bus to
    now, changes the fleet and asks the bus to update.
    """

    def __init__(
        self,
        groups: list[TurbineGroup],
        trips: list[TurbineTripConfig],
        recorder: Recorder,
        rng: np.random.Generator,
    ):
        self.groups = groups
        self.trips = sorted(trips, key=lambda t: t.time_h)
        self.recorder = recorder
        self.rng = rng
        self.unavailable_logged = False  # "no unit can start" is logged once per shortfall
        self.stop_blocked_until_s = math.inf  # a stop waits for the minimum run time
        self.n_burning = 0  # units starting or online, over all groups
        self.wake_s = math.inf  # next time a unit may start again (repair done, new year)
        self.env: simpy.Environment | None = None
        self._integrate: Callable[[], float] = lambda: 0.0
        self._update: Callable[[], None] = lambda: None

    @classmethod
    def from_config(
        cls,
        turbines: list[TurbineConfig],
        trips: list[TurbineTripConfig],
        recorder: Recorder,
        rng: np.random.Generator,
    ) -> TurbineFleet:
        return cls([TurbineGroup(t) for t in turbines], trips, recorder, rng)

    def start(
        self, env: simpy.Environment, integrate: Callable[[], float], update: Callable[[], None]
    ) -> None:
        """Wire the fleet to the bus: ``integrate()`` brings every stored quantity to now
        (returning now), ``update()`` re-solves the bus."""
        self.env, self._integrate, self._update = env, integrate, update
        if self.trips:
            env.process(self._scheduled_trips(env))

    # ---- state seen by the bus ---------------------------------------------------------

    @property
    def p_mw(self) -> float:
        """Output now [MW]."""
        return sum(g.p_mw for g in self.groups)

    @property
    def ramp_mw_per_s(self) -> float:
        """Rate of change of the output until the next event [MW/s]."""
        return sum(g.ramp_mw_per_s for g in self.groups)

    @property
    def n_online(self) -> int:
        """Units online."""
        return sum(g.n_online for g in self.groups)

    @property
    def running(self) -> bool:
        """Whether any unit is starting or online."""
        return self.n_burning > 0

    def committed_mw(self) -> float:
        """Rated output of the units starting or online and not stopping [MW]."""
        return sum(g.burning * g.p_nom_mw for g in self.groups if not g.stopping)

    def integrate(self, t0_s: float, dt_s: float) -> None:
        """Advance every group exactly over ``dt_s`` [s] from ``t0_s``."""
        for g in self.groups:
            if g.burning:
                g.integrate(t0_s, dt_s)

    def next_due_s(self, now_s: float) -> float:
        """Time of the fleet's next internal event [s]: a ramp's end, the end of the minimum
        run time a stop waits for, a unit reaching its permitted hours, or a unit becoming
        able to start again (its repair done, a new permit year)."""
        if self.wake_s <= now_s:
            self.wake_s = self._next_wake_s(now_s)
        due_s = min(self.wake_s, self.stop_blocked_until_s)
        if due_s <= now_s:
            due_s = math.inf
        for g in self.groups:
            if not g.burning:
                continue
            due_s = min(due_s, g.ramp_end_s)
            if g.max_run_s is not None:
                g.year_log(now_s)
                u = g.most_run()
                if u is not None:
                    due_s = min(due_s, now_s + g.max_run_s - g.unit_run_s(u))
        return due_s

    def _next_wake_s(self, now_s: float) -> float:
        """The next time a unit that cannot start now may start [s]; ``inf`` if none waits."""
        return min((g.next_wake_s(now_s) for g in self.groups), default=math.inf)

    # ---- decisions of the bus ----------------------------------------------------------

    def settle(self, now_s: float) -> None:
        """Book-keeping after integration: finish ramps down to 0 and enforce run hours."""
        self.finish_stops(now_s)
        for g in self.groups:
            if g.max_run_s is not None and g.burning:
                g.year_log(now_s)
                for u in g.at_run_limit():
                    self._drop_unit(g, u, now_s)
                    self.recorder.event(
                        now_s,
                        "turbine_permit_stop",
                        g.name,
                        f"unit {u}: {g.max_run_s / S_PER_H:g} h of the year used",
                    )

    def commit(self, now_s: float, shortfall_mw: float, reason: str) -> None:
        """Start units until the committed rating covers ``shortfall_mw`` [MW].

        Groups are used in their config order; within a group, the unit with the fewest
        starts this year first. Groups ramping down to stop are kept instead.
        """
        self.stop_blocked_until_s = math.inf
        for g in self.groups:
            if g.stopping:
                g.stopping = False
                self.recorder.event(now_s, "turbine_stop_cancelled", g.name, reason)
        committed = self.committed_mw()
        for g in self.groups:
            if committed >= shortfall_mw or g.burning == g.count or now_s < g.none_ready_until_s:
                continue
            # The fewest starts this year first (ties: the lower unit); starting one changes
            # no other unit's readiness, so one sorted scan gives the order (n log n).
            logs = g.year_log(now_s)
            ready = sorted(
                (u for u in range(g.count) if g.can_start(u, now_s)),
                key=lambda k: logs[k].starts,
            )
            for u in ready:
                if committed >= shortfall_mw:
                    break
                self._start_unit(g, u, now_s, reason)
                committed += g.p_nom_mw
            if committed < shortfall_mw:  # every ready unit started: the rest wait until then
                g.none_ready_until_s = g.next_wake_s(now_s)
        if committed < shortfall_mw and not self.unavailable_logged:
            self.unavailable_logged = True
            self.recorder.event(
                now_s,
                "turbine_unavailable",
                "turbines",
                f"{shortfall_mw - committed:.6g} MW short: no unit can start "
                "(all running, tripped or at a permit limit)",
            )
        elif committed >= shortfall_mw:
            self.unavailable_logged = False

    def stop(self, now_s: float, reason: str) -> bool:
        """Stop every unit: starting ones at once, online ones by ramping down to 0.

        Waits (returns False) until every online unit has run its minimum run time; the time
        the wait ends is then one of :meth:`next_due_s`.
        """
        ready_s = max(
            (
                g.online_since_s[u] + g.min_run_s
                for g in self.groups
                for u, state in enumerate(g.state)
                if state == ONLINE
            ),
            default=-math.inf,
        )
        if ready_s > now_s:
            self.stop_blocked_until_s = ready_s
            return False
        self.stop_blocked_until_s = math.inf
        for g in self.groups:
            for u, state in enumerate(g.state):
                if state == STARTING:
                    self._unit_off(g, u)
            if g.n_online and not g.stopping:
                g.stopping = True
                self.recorder.event(now_s, "turbine_stop", g.name, reason)
        return True

    def dispatch(self, now_s: float, need_mw: float) -> None:
        """Set each group's setpoint: ``need_mw`` [MW] shared in proportion to the rating
        online, each share within ``[n·P_min, n·P_nom]``; 0 for a group that is stopping."""
        online_mw = sum(g.n_online * g.p_nom_mw for g in self.groups if not g.stopping)
        for g in self.groups:
            if g.stopping or g.n_online == 0:
                target = 0.0
            else:
                share = need_mw * g.n_online * g.p_nom_mw / online_mw
                target = min(max(share, g.floor_mw()), g.n_online * g.p_nom_mw)
            if target != g.setpoint_mw or (g.ramp_mw_per_s == 0.0 and target != g.p_mw):
                g.set_setpoint(now_s, target)
        self.finish_stops(now_s)

    def step_down(self, now_s: float, surplus_mw: float) -> float:
        """Lower the output at once by up to ``surplus_mw`` [MW]; returns what was given up.

        On an island a governor sheds load far faster than any planned ramp; this is how
        supply the bus cannot place is given up, by the groups above their setpoints, each in
        proportion to its excess (so they land on their setpoints together and the dispatch
        stays coherent). Output at the setpoints is kept (a reserve the bus asked for, or the
        units' minimum load); what nobody takes of it is spilled (``curtailed_mw``).
        """
        given = 0.0
        room = {g: g.p_mw - max(g.setpoint_mw, g.floor_mw()) for g in self.groups}
        total = sum(r for r in room.values() if r > 0.0)
        if total > 0.0:
            given = min(surplus_mw, total)
            for g, r in room.items():
                if r > 0.0:
                    g.p_mw -= r * given / total
                    g.set_setpoint(now_s, min(g.setpoint_mw, g.p_mw))
        self.finish_stops(now_s)
        return given

    def finish_stops(self, now_s: float) -> None:
        """Every group that is stopping and has reached 0 MW goes off now."""
        for g in self.groups:
            if g.stopping and g.p_mw <= 0.0:
                for u, state in enumerate(g.state):
                    if state == ONLINE:
                        self._unit_off(g, u)
                g.stopping = False
                g.p_mw = 0.0
                self.recorder.event(now_s, "turbine_stopped", g.name, "all units off")

    # ---- unit transitions --------------------------------------------------------------

    def _start_unit(self, g: TurbineGroup, u: int, now_s: float, reason: str) -> None:
        assert self.env is not None
        g.state[u] = STARTING
        g.token[u] += 1
        g.n_starting += 1
        self.n_burning += 1
        self.wake_s = -math.inf  # this start may use the unit's last permitted one
        g.starts += 1
        g.year_log(now_s)[u].starts += 1
        g.begin_burning(u)
        self.recorder.event(now_s, "turbine_start", g.name, f"unit {u}: {reason}")
        timer = self.env.timeout(g.start_s)
        token = g.token[u]
        timer.callbacks.append(lambda _ev: self._on_online(g, u, token))

    def _on_online(self, g: TurbineGroup, u: int, token: int) -> None:
        if g.token[u] != token:
            return  # cancelled since
        now_s = self._integrate()
        g.state[u] = ONLINE
        g.token[u] += 1
        g.n_starting -= 1
        g.n_online += 1
        g.online_since_s[u] = now_s
        self.recorder.event(now_s, "turbine_online", g.name, f"unit {u}")
        if g.mean_s_to_trip < math.inf:
            assert self.env is not None
            timer = self.env.timeout(float(self.rng.exponential(g.mean_s_to_trip)))
            token = g.token[u]
            timer.callbacks.append(lambda _ev: self._on_forced_trip(g, u, token))
        self._update()

    def _on_forced_trip(self, g: TurbineGroup, u: int, token: int) -> None:
        if g.token[u] != token:
            return  # the unit has stopped since
        now_s = self._integrate()
        self._trip(g, u, now_s, "forced")
        self._update()

    def _scheduled_trips(self, env: simpy.Environment) -> simpy.events.ProcessGenerator:
        by_name = {g.name: g for g in self.groups}
        for trip in self.trips:
            time_s = trip.time_h * S_PER_H
            if time_s > env.now:
                yield env.timeout(time_s - env.now)
            now_s = self._integrate()
            g = by_name[trip.turbine]
            online = [u for u, state in enumerate(g.state) if state == ONLINE]
            if not online:
                self.recorder.event(now_s, "turbine_trip_missed", g.name, "no unit online")
                continue
            for u in online[-trip.units :]:
                self._trip(g, u, now_s, "scheduled")
            self._update()

    def _trip(self, g: TurbineGroup, u: int, now_s: float, cause: str) -> None:
        """Unit ``u`` drops off at once and is unavailable for the repair time."""
        self._drop_unit(g, u, now_s)
        g.available_s[u] = now_s + g.repair_s
        g.trips += 1
        self.recorder.event(now_s, "turbine_trip", g.name, f"unit {u}: {cause}")

    def _drop_unit(self, g: TurbineGroup, u: int, now_s: float) -> None:
        """Unit ``u`` stops at once; an online unit takes its share of the output with it."""
        if g.state[u] == ONLINE:
            share = g.p_mw / g.n_online
            g.p_mw -= share
            g.setpoint_mw = min(g.setpoint_mw, g.p_mw)
            g.ramp_mw_per_s, g.ramp_end_s = 0.0, math.inf
        self._unit_off(g, u)

    def _unit_off(self, g: TurbineGroup, u: int) -> None:
        if g.state[u] != OFF:
            g.end_burning(u)
        g.none_ready_until_s = -math.inf  # it may start again
        if g.state[u] == ONLINE:
            g.n_online -= 1
            self.n_burning -= 1
        elif g.state[u] == STARTING:
            g.n_starting -= 1
            self.n_burning -= 1
        g.state[u] = OFF
        g.token[u] += 1
        self.wake_s = -math.inf  # recomputed when next asked: the unit may be in repair
        if g.n_online == 0:
            g.p_mw, g.ramp_mw_per_s, g.ramp_end_s, g.setpoint_mw = 0.0, 0.0, math.inf, 0.0
