"""A group of identical gas turbine units: their states, shared output line and permit book.

A group's running units share its output equally, so a group is one power line
``p(t) = p0 + r·t`` [MW] that ramps toward a setpoint at ``n_online`` times the unit's ramp
rate; the end of a ramp is an event the bus schedules. The fuel it burns over that line is
exact (see :mod:`sim.power.turbine_unit`). Which units start, stop and trip is decided by the
fleet (:mod:`sim.power.turbines`).

Permits
-------
``max_starts_per_year`` and ``max_run_hours_per_year`` apply to each unit, per year of the run
(``[k·8760 h, (k+1)·8760 h)``). A unit that has used its starts is not started; a running unit
that reaches its hours is stopped at that moment (an event, ``turbine_permit_stop``).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from sim.config import TurbineConfig
from sim.engine import line_integral
from sim.power.turbine_unit import (
    emissions_t,
    fuel_mmbtu_per_mw_s,
    fuel_usd,
    mean_s_to_trip,
    no_load_fuel_mmbtu_per_s,
    ramp_rate_mw_per_s,
)
from sim.timer import Timer
from sim.units import S_PER_H

OFF, STARTING, ONLINE = 0, 1, 2
"""Unit states."""

YEAR_S = 8760.0 * S_PER_H
"""Length of a permit year [s]."""

ISO_C = 15.0
"""Inlet-air temperature of a gas turbine's ISO rating [°C] (ISO 2314)."""

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
        self.p_rated_mw = cfg.p_nom_mw  # at ISO conditions (15 °C)
        self.p_nom_mw = cfg.p_nom_mw  # available now: derated above 15 °C (set_ambient)
        self.p_lowest_mw = cfg.p_nom_mw  # the lowest available rating over the run
        self.p_min_mw = cfg.p_min_pu * cfg.p_nom_mw
        self.heat_rate_mmbtu_per_mwh = cfg.heat_rate_mmbtu_per_mwh
        self.no_load_fuel_pu = cfg.no_load_fuel_pu
        self.derate_pu_per_c = cfg.derate_pu_per_c
        self.heat_rate_rise_pu_per_c = cfg.heat_rate_rise_pu_per_c
        self.start_s = cfg.start_s
        self.ramp_up_mw_per_s = ramp_rate_mw_per_s(cfg.ramp_mw_per_min)
        down = cfg.ramp_mw_per_min if cfg.ramp_down_mw_per_min is None else cfg.ramp_down_mw_per_min
        self.ramp_down_mw_per_s = ramp_rate_mw_per_s(down)
        self.min_run_s = cfg.min_run_s
        # Fuel [MMBtu/s]: no-load per burning unit, and per MW of output.
        self.fuel_no_load_mmbtu_per_s = no_load_fuel_mmbtu_per_s(
            cfg.heat_rate_mmbtu_per_mwh, cfg.no_load_fuel_pu, cfg.p_nom_mw
        )
        self.fuel_mmbtu_per_mw_s = fuel_mmbtu_per_mw_s(
            cfg.heat_rate_mmbtu_per_mwh, cfg.no_load_fuel_pu
        )
        self.fuel_usd_per_mmbtu = cfg.fuel_usd_per_mmbtu
        self.co2_kg_per_mmbtu = cfg.co2_kg_per_mmbtu
        self.nox_kg_per_mmbtu = cfg.nox_kg_per_mmbtu
        self.mean_s_to_trip = mean_s_to_trip(cfg.trip_rate_per_1000h)
        self.repair_s = cfg.trip_repair_h * S_PER_H
        self.max_starts = cfg.max_starts_per_year
        self.max_run_s = (
            None if cfg.max_run_hours_per_year is None else cfg.max_run_hours_per_year * S_PER_H
        )

        self.state = [OFF] * cfg.count
        self.timers: list[Timer] = []  # each unit's next event (set by the fleet's start)
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

        ``F += f_nl·n·dt + f_p·(p0·dt + r·dt²/2)`` [MMBtu] with ``n`` the burning units and
        ``f_nl``, ``f_p`` the unit's fuel coefficients
        (:func:`~sim.power.turbine_unit.no_load_fuel_mmbtu_per_s`,
        :func:`~sim.power.turbine_unit.fuel_mmbtu_per_mw_s`; inlined: the hot path); at the
        ramp's end the output is put on the setpoint.
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

    def set_line(self, now_s: float, setpoint_mw: float, rate_mw_per_s: float) -> None:
        """Move toward ``setpoint_mw`` [MW] from now at ``rate_mw_per_s`` [MW/s, > 0] (at most
        the group's own rate: the caller's to check); the move's end is ``ramp_end_s``."""
        self.setpoint_mw = setpoint_mw
        gap_mw = setpoint_mw - self.p_mw
        if gap_mw == 0.0 or rate_mw_per_s <= 0.0:
            self.ramp_mw_per_s, self.ramp_end_s = 0.0, math.inf
            return
        self.ramp_mw_per_s = math.copysign(rate_mw_per_s, gap_mw)
        self.ramp_end_s = now_s + gap_mw / self.ramp_mw_per_s

    def set_ambient(self, now_s: float, dry_bulb_c: float) -> None:
        r"""The inlet air is ``dry_bulb_c`` [°C] from now (integrate to now first): the unit's
        available rating and its fuel curve at that temperature,

        .. math::

            P(T) = P_{ISO}\,(1 - k\,\Delta T), \qquad HR(T) = HR_{ISO}\,(1 + h\,\Delta T),
            \qquad \Delta T = \max(T - 15\,°C,\ 0)

        with ``k`` = ``derate_pu_per_c``, ``h`` = ``heat_rate_rise_pu_per_c``; the fuel curve
        keeps its shape (no-load fuel ``f0·HR(T)·P(T)``, incremental ``(1 − f0)·HR(T)``). Below
        15 °C the rating holds (an assumption: the package is generator-limited at its ISO
        rating). Output above the new rating drops to it at once."""
        dt_c = max(dry_bulb_c - ISO_C, 0.0)
        self.p_nom_mw = self.p_rated_mw * max(1.0 - self.derate_pu_per_c * dt_c, 0.0)
        self.p_lowest_mw = min(self.p_lowest_mw, self.p_nom_mw)
        heat_rate = self.heat_rate_mmbtu_per_mwh * (1.0 + self.heat_rate_rise_pu_per_c * dt_c)
        self.fuel_no_load_mmbtu_per_s = no_load_fuel_mmbtu_per_s(
            heat_rate, self.no_load_fuel_pu, self.p_nom_mw
        )
        self.fuel_mmbtu_per_mw_s = fuel_mmbtu_per_mw_s(heat_rate, self.no_load_fuel_pu)
        cap_mw = self.n_online * self.p_nom_mw
        if self.p_mw > cap_mw or self.setpoint_mw > cap_mw:
            self.p_mw = min(self.p_mw, cap_mw)
            self.set_setpoint(now_s, min(self.setpoint_mw, cap_mw))

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
            "rating_lowest_mw": self.p_lowest_mw,
            "fuel_mmbtu": self.fuel_mmbtu,
            "fuel_usd": fuel_usd(self.fuel_mmbtu, self.fuel_usd_per_mmbtu),
            "co2_t": emissions_t(self.fuel_mmbtu, self.co2_kg_per_mmbtu),
            "nox_t": emissions_t(self.fuel_mmbtu, self.nox_kg_per_mmbtu),
            "max_starts_per_year": self.max_starts,
            "most_starts_in_a_year": most_starts,
            "max_run_hours_per_year": None if self.max_run_s is None else self.max_run_s / S_PER_H,
            "most_run_hours_in_a_year": most_run_h,
            "permit_use_pu": max(uses) if uses else None,
        }

    def floor_mw(self) -> float:
        """Lowest output the group may be held at now [MW]: 0 when stopping, else n·P_min."""
        return 0.0 if self.stopping else self.n_online * self.p_min_mw

    # ---- build-out (sim.buildout) --------------------------------------------------------

    def set_online(self, now_s: float, online: bool) -> None:
        """The group's units exist from now on (``online``), or not yet: a unit not built is
        never available to start (the way a tripped unit waits for its repair)."""
        self.available_s = [now_s if online else math.inf] * self.count
        self.none_ready_until_s = -math.inf
