"""The turbine fleet of a site: commitment, starts, stops, trips and permit stops.

The fleet holds groups of identical units (e.g. mobile Solar Titan 130s;
:mod:`sim.power.turbine_group`), each one power line ``p(t) = p0 + r·t`` [MW] that ramps toward
a setpoint; the end of a ramp is an event the bus schedules. Units are started, released and
stopped by the bus's commitment rule (:mod:`sim.commitment`), share the output by
:mod:`sim.power.turbine_dispatch`, derate in the heat and may trip. Fuel curve and emissions:
:mod:`sim.power.turbine_unit`; permit limits: :mod:`sim.power.turbine_group`.

The group, its unit states and its permit year (:mod:`sim.power.turbine_group`) are exported
from here too, where they were defined before the split; the rest of ``sim`` imports the
turbines from this module.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.config import TurbineConfig, TurbineTripConfig
from sim.contracts import NO_SITE, Site
from sim.power.turbine_dispatch import dispatch, give_up
from sim.power.turbine_group import (
    OFF,
    ONLINE,
    RUN_TOL_S,
    STARTING,
    YEAR_S,
    TurbineGroup,
    UnitLog,
)
from sim.recorder import Recorder
from sim.summary import turbine_summary
from sim.timer import Timer
from sim.units import S_PER_H

RELEASE_MARGIN_PU = 0.1
"""A unit goes off only if the rest of the committed rating covers what the load needs with
this much to spare [pu]: so a load at a unit's boundary does not start and stop it in turn."""

if TYPE_CHECKING:
    import pandas as pd

    from sim.weather import Weather

__all__ = [
    "OFF",
    "ONLINE",
    "RUN_TOL_S",
    "STARTING",
    "YEAR_S",
    "TurbineFleet",
    "TurbineGroup",
    "UnitLog",
]


class TurbineFleet:
    """The turbine groups of a site: commitment, dispatch, trips and the permit limits.

    The bus drives it: it integrates the fleet with everything else, asks it to start units
    for a shortfall (:meth:`commit`) or to stop (:meth:`stop`), sets the output it wants
    (:meth:`dispatch`) and takes the fleet's next internal event (:meth:`next_due_s`).
    Starts completing and forced trips are the fleet's own events: each unit has one
    :class:`~sim.timer.Timer`, set when it starts (to its start's end) and when it comes
    online (to its forced trip), cancelled when it goes off; at each, the fleet brings its
    own fuel and hours to now (:meth:`advance_to`), changes and tells its site.
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
        self.n_online = 0  # units online, over all groups
        self.tol_mw = 1e-9 * sum(g.count * g.p_nom_mw for g in groups)  # (rounding) [MW]
        self.wake_s = math.inf  # next time a unit may start again (repair done, new year)
        self.env: simpy.Environment | None = None
        self.site: Site = NO_SITE
        self._t_s = 0.0  # the time its fuel and running hours are integrated to [s]
        self.weather: Weather | None = None  # the inlet air (None: ISO conditions)

    @classmethod
    def from_config(
        cls,
        turbines: list[TurbineConfig],
        trips: list[TurbineTripConfig],
        recorder: Recorder,
        rng: np.random.Generator,
    ) -> TurbineFleet:
        return cls([TurbineGroup(t) for t in turbines], trips, recorder, rng)

    def start(self, env: simpy.Environment, site: Site, weather: Weather | None = None) -> None:
        """Start the fleet on the site (which learns of every change; the fleet brings its own
        fuel and running hours to now before one, :meth:`advance_to`). Gives each unit its
        timer. With ``weather``, the units' rating and heat rate follow its dry-bulb (see
        :meth:`TurbineGroup.set_ambient`); without, they hold at ISO conditions."""
        self.env, self.site, self._t_s = env, site, env.now
        if weather is not None:
            self.weather = weather
            for g in self.groups:
                g.set_ambient(env.now, weather.dry_bulb_c)
            weather.start(env, self._on_weather)
        for g in self.groups:
            g.timers = [
                Timer(env, functools.partial(self._on_unit_due, g, u)) for u in range(g.count)
            ]
        if self.trips:
            env.process(self._scheduled_trips(env))

    # ---- state seen by the bus ---------------------------------------------------------

    # (the three sums below are loops: a generator costs ~1 µs per call, and the bus reads
    # them at every event)
    @property
    def p_mw(self) -> float:
        """Output now [MW]."""
        total = 0.0
        for g in self.groups:
            total += g.p_mw
        return total

    @property
    def ramp_mw_per_s(self) -> float:
        """Rate of change of the output until the next event [MW/s]."""
        total = 0.0
        for g in self.groups:
            total += g.ramp_mw_per_s
        return total

    @property
    def running(self) -> bool:
        """Whether any unit is starting or online."""
        return self.n_burning > 0

    def rating_mw(self) -> float:
        """Rating of every unit now (derated in the heat) [MW]: what the fleet could carry."""
        return sum(g.count * g.p_nom_mw for g in self.groups)

    def committed_mw(self) -> float:
        """Rated output of the units starting or online and not stopping [MW]."""
        return sum(g.burning * g.p_nom_mw for g in self.groups if not g.stopping)

    def ramp_up_mw_per_s(self) -> float:
        """How fast the online units (not stopping) can raise their output [MW/s]."""
        return sum(g.n_online * g.ramp_up_mw_per_s for g in self.groups if not g.stopping)

    def advance_to(self, now_s: float) -> float:
        """Advance every burning group exactly from the fleet's last time to ``now_s`` [s]
        (output, fuel, running hours); return ``now_s``."""
        t0_s = self._t_s
        if now_s > t0_s:
            if self.n_burning:
                dt_s = now_s - t0_s
                for g in self.groups:
                    if g.burning:
                        g.integrate(t0_s, dt_s)
            self._t_s = now_s
        return now_s

    def _advance(self) -> float:
        """Bring the fleet to now before a change of its own (:meth:`advance_to`); return now."""
        assert self.env is not None
        return self.advance_to(self.env.now)

    def next_due_s(self, now_s: float) -> float:
        """Time of the fleet's next internal event [s]: a ramp's end, the end of the minimum
        run time a stop waits for, a unit reaching its permitted hours, or a unit becoming
        able to start again (its repair done, a new permit year)."""
        if self.wake_s <= now_s:
            self.wake_s = self._next_wake_s(now_s)
        due_s = min(self.wake_s, self.stop_blocked_until_s)
        if due_s <= now_s:
            due_s = math.inf
        if not self.n_burning:
            return due_s
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

    def release(self, now_s: float, keep_mw: float) -> bool:
        """Units the load no longer needs go off: while the committed rating less one unit
        still covers ``keep_mw`` [MW] (at least the output the fleet is dispatched to) with
        :data:`RELEASE_MARGIN_PU` to spare, a unit goes off — a starting one at once, an online
        one past its minimum run time whose group's output fits on its other units (they
        take its share at once: an assumption) — from the most expensive group first.
        Returns whether any went off; a unit held by its minimum run time sets a wake-up."""
        keep_mw = (1.0 + RELEASE_MARGIN_PU) * max(keep_mw, sum(g.setpoint_mw for g in self.groups))
        committed_mw = self.committed_mw()
        released = False
        live = [g for g in self.groups if g.burning and not g.stopping]
        for g in sorted(live, key=lambda g: -g.fuel_mmbtu_per_mw_s * g.fuel_usd_per_mmbtu):
            for u in sorted(range(g.count), key=lambda k: (g.state[k] != STARTING, k)):
                if committed_mw - g.p_nom_mw < keep_mw:
                    return released
                if g.state[u] == OFF or (
                    g.state[u] == ONLINE and g.p_mw > (g.n_online - 1) * g.p_nom_mw
                ):
                    continue
                if g.state[u] == ONLINE and g.online_since_s[u] + g.min_run_s > now_s:
                    ready_s = g.online_since_s[u] + g.min_run_s
                    self.stop_blocked_until_s = min(self.stop_blocked_until_s, ready_s)
                    continue
                self._unit_off(g, u)
                committed_mw -= g.p_nom_mw
                released = True
                self.recorder.event(now_s, "turbine_released", g.name, f"unit {u}: not needed")
                g.set_setpoint(now_s, min(g.setpoint_mw, g.n_online * g.p_nom_mw))
        return released

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
        """Set each group's setpoint for ``need_mw`` [MW] (see
        :func:`~sim.power.turbine_dispatch.dispatch`)."""
        dispatch(now_s, self.groups, need_mw, self.tol_mw)
        self.finish_stops(now_s)

    def step_down(self, now_s: float, surplus_mw: float, keep_setpoints: bool = False) -> float:
        """Lower the output at once by up to ``surplus_mw`` [MW] (governor action, see
        :func:`~sim.power.turbine_dispatch.give_up`); returns what was given up."""
        given_mw = give_up(now_s, self.groups, surplus_mw, keep_setpoints)
        self.finish_stops(now_s)
        return given_mw

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
        g.state[u] = STARTING
        g.n_starting += 1
        self.n_burning += 1
        self.wake_s = -math.inf  # this start may use the unit's last permitted one
        g.starts += 1
        g.year_log(now_s)[u].starts += 1
        g.begin_burning(u)
        self.recorder.event(now_s, "turbine_start", g.name, f"unit {u}: {reason}")
        g.timers[u].after(g.start_s)  # (cancelled when it last went off: a new timeout now)

    def _on_unit_due(self, g: TurbineGroup, u: int, _due_s: float) -> None:
        """Unit ``u``'s timer: a starting unit comes online, an online one trips (a unit
        going off cancels its timer, so an off unit's never fires)."""
        if g.state[u] == STARTING:
            self._on_online(g, u)
        else:
            self._on_forced_trip(g, u)

    def _on_online(self, g: TurbineGroup, u: int) -> None:
        now_s = self._advance()
        g.state[u] = ONLINE
        g.n_starting -= 1
        g.n_online += 1
        self.n_online += 1
        g.online_since_s[u] = now_s
        self.recorder.event(now_s, "turbine_online", g.name, f"unit {u}")
        if g.mean_s_to_trip < math.inf:
            g.timers[u].after(float(self.rng.exponential(g.mean_s_to_trip)))
        self.site.changed()

    def _on_weather(self) -> None:
        """The inlet air changes: each group's rating and fuel curve (integrated to now
        first); the site learns of it only while units burn (else nothing it sees changes)."""
        now_s = self._advance()
        assert self.weather is not None
        for g in self.groups:
            g.set_ambient(now_s, self.weather.dry_bulb_c)
        if self.n_burning:
            self.site.changed()

    def _on_forced_trip(self, g: TurbineGroup, u: int) -> None:
        now_s = self._advance()
        self._trip(g, u, now_s, "forced")
        self.site.changed()

    def _scheduled_trips(self, env: simpy.Environment) -> simpy.events.ProcessGenerator:
        by_name = {g.name: g for g in self.groups}
        for trip in self.trips:
            time_s = trip.time_h * S_PER_H
            if time_s > env.now:
                yield env.timeout(time_s - env.now)
            now_s = self._advance()
            g = by_name[trip.turbine]
            online = [u for u, state in enumerate(g.state) if state == ONLINE]
            if not online:
                self.recorder.event(now_s, "turbine_trip_missed", g.name, "no unit online")
                continue
            for u in online[-trip.units :]:
                self._trip(g, u, now_s, "scheduled")
            self.site.changed()

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
            self.n_online -= 1
            self.n_burning -= 1
        elif g.state[u] == STARTING:
            g.n_starting -= 1
            self.n_burning -= 1
        g.state[u] = OFF
        g.timers[u].cancel()  # no start to end, no trip; its next start: a new timeout
        self.wake_s = -math.inf  # recomputed when next asked: the unit may be in repair
        if g.n_online == 0:
            g.p_mw, g.ramp_mw_per_s, g.ramp_end_s, g.setpoint_mw = 0.0, 0.0, math.inf, 0.0

    # ---- summary -------------------------------------------------------------------------

    name = "turbines"
    """Its summary section (see :meth:`report`)."""

    def report(self, segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
        """The ``turbines`` section: the fleet's totals and each group's report (see
        :func:`sim.summary.turbine_summary`), from the groups' own accounts over the run."""
        return turbine_summary([g.report() for g in self.groups])
