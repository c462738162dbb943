"""The turbine fleet on its own: a bare ``simpy.Environment`` and a stub in place of the bus.

No config is run (no ``run(config)``): the fleet is built from :class:`sim.config.TurbineConfig`
and driven as :class:`sim.dispatch.Bus` drives it, by :class:`StubBus` below, which asks the
fleet for a demand ``need_mw`` that it alone serves. Every expected number is computed here from
the config by the formula in the comment next to it: start delays, ramp rates and the
part-load heat-rate curve ``HR(P) = HR_full·(f0·P_nom/P + 1 − f0)`` [MMBtu/MWh] of a unit at
output ``P`` [MW].
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
import simpy

import sim.power.turbines
from sim.config import TurbineConfig, TurbineTripConfig
from sim.power.turbines import OFF, ONLINE, YEAR_S, TurbineFleet, TurbineGroup
from tests.stubs import StubRecorder

ROOT = Path(__file__).resolve().parents[1]
REL = 1e-12

P_NOM_MW = 16.5
P_MIN_PU = 0.3
START_S = 600.0
RAMP_UP_MW_PER_MIN = 5.0
RAMP_DOWN_MW_PER_MIN = 10.0
HR_FULL_MMBTU_PER_MWH = 10.75
F0_PU = 0.25  # no-load fuel [pu of full-load fuel]
MIN_RUN_S = 1800.0


def unit_config(**keys) -> TurbineConfig:
    """A group ``g`` of 4 units (16.5 MW, 10-min start, up 5 and down 10 MW/min)."""
    base = {
        "name": "g",
        "count": 4,
        "p_nom_mw": P_NOM_MW,
        "p_min_pu": P_MIN_PU,
        "start_s": START_S,
        "ramp_mw_per_min": RAMP_UP_MW_PER_MIN,
        "ramp_down_mw_per_min": RAMP_DOWN_MW_PER_MIN,
        "heat_rate_mmbtu_per_mwh": HR_FULL_MMBTU_PER_MWH,
        "no_load_fuel_pu": F0_PU,
        "min_run_s": MIN_RUN_S,
    }
    return TurbineConfig(**(base | keys))


def heat_rate_mmbtu_per_mwh(p_unit_mw: float) -> float:
    """The configured part-load heat-rate curve of one unit at ``p_unit_mw`` [MW]:
    ``HR(P) = HR_full·(f0·P_nom/P + 1 − f0)`` [MMBtu/MWh]."""
    return HR_FULL_MMBTU_PER_MWH * (F0_PU * P_NOM_MW / p_unit_mw + 1.0 - F0_PU)


class StubRng:
    """In place of a numpy Generator: every forced-trip draw is its mean (recorded)."""

    def __init__(self) -> None:
        self.scales: list[float] = []

    def exponential(self, scale: float) -> float:
        self.scales.append(scale)
        return scale


class StubBus:
    """The bus's part in driving the fleet, nothing else: a demand ``need_mw`` [MW] the fleet
    alone serves. Each update integrates the fleet to now, settles it, commits units for the
    need (if any), stops them when there is none, dispatches the need and schedules the fleet's
    next internal event (a stale one is ignored, as the bus does)."""

    def __init__(self, env: simpy.Environment, fleet: TurbineFleet) -> None:
        self.env, self.fleet = env, fleet
        self.need_mw = 0.0
        self.due_s = math.inf
        fleet.start(env, self)

    def integrate(self) -> float:
        return self.fleet.advance_to(self.env.now)

    def changed(self) -> None:  # (sim.contracts.Site)
        self.update()

    def grid_import_mw(self) -> float:
        return 0.0

    def update(self) -> None:
        now_s = self.integrate()
        fleet = self.fleet
        fleet.settle(now_s)
        if self.need_mw > 0.0:
            fleet.commit(now_s, self.need_mw, "stub: need")
        elif fleet.running:
            fleet.stop(now_s, "stub: no need")
        fleet.dispatch(now_s, self.need_mw)
        due_s = fleet.next_due_s(now_s)
        if due_s < math.inf and due_s != self.due_s:
            self.due_s = due_s
            timer = self.env.timeout(due_s - now_s)
            timer.callbacks.append(lambda _ev: self._on_due(due_s))

    def _on_due(self, due_s: float) -> None:
        if due_s == self.due_s:
            self.due_s = math.inf
            self.update()

    def need_at(self, time_s: float, need_mw: float) -> None:
        """Set the need to ``need_mw`` at ``time_s`` (a process of the environment)."""

        def change():
            yield self.env.timeout(time_s - self.env.now)
            self.need_mw = need_mw
            self.update()

        self.env.process(change())

    def at(self, time_s: float) -> TurbineGroup:
        """Run to ``time_s``, integrate the fleet to then and return its (one) group."""
        self.env.run(until=time_s)
        self.integrate()
        return self.fleet.groups[0]


def fleet_of(
    cfg: TurbineConfig, trips: list[TurbineTripConfig] | None = None, rng=None
) -> tuple[StubBus, StubRecorder]:
    recorder = StubRecorder()
    rng = np.random.default_rng(0) if rng is None else rng
    fleet = TurbineFleet.from_config([cfg], trips or [], recorder, rng)
    return StubBus(simpy.Environment(), fleet), recorder


def test_units_start_with_their_delay_ramp_at_the_rate_burn_the_curve_and_stop():
    bus, rec = fleet_of(unit_config())
    need_mw = 40.0
    bus.need_at(0.0, need_mw)
    bus.need_at(5000.0, 0.0)

    # Start: n = ceil(40 / 16.5) = 3 units at 0 s, online after the start delay (600 s).
    n = math.ceil(need_mw / P_NOM_MW)
    assert n == 3
    g = bus.at(START_S / 2)
    assert rec.times("turbine_start") == [0.0] * n
    assert (g.n_starting, g.n_online, g.p_mw) == (n, 0, 0.0)
    assert g.state.count(OFF) == 1
    # Starting units burn their no-load fuel: n·HR_full·f0·P_nom·Δt/3600 [MMBtu].
    no_load_mmbtu = n * HR_FULL_MMBTU_PER_MWH * F0_PU * P_NOM_MW * (START_S / 2) / 3600
    assert g.fuel_mmbtu == pytest.approx(no_load_mmbtu, rel=REL)

    # Ramp: the 3 units online at 600 s ramp together at n·5/60 = 0.25 MW/s toward 40 MW,
    # reached at 600 + 40/0.25 = 760 s; 100 s into the ramp the output is 0.25·100 = 25 MW.
    up_mw_per_s = n * RAMP_UP_MW_PER_MIN / 60
    ramp_end_s = START_S + need_mw / up_mw_per_s
    g = bus.at(START_S + 100.0)
    assert rec.times("turbine_online") == [START_S] * n
    assert g.p_mw == pytest.approx(up_mw_per_s * 100.0, rel=REL)
    assert g.ramp_mw_per_s == pytest.approx(up_mw_per_s, rel=REL)
    assert g.ramp_end_s == pytest.approx(ramp_end_s, rel=REL)
    g = bus.at(1000.0)
    assert g.p_mw == pytest.approx(need_mw, rel=REL)
    assert g.ramp_mw_per_s == 0.0
    # Output so far: the ramp's triangle 40·160/2 plus 40 MW from 760 to 1000 s [MW·s].
    ramp_mw_s = need_mw * (ramp_end_s - START_S) / 2
    assert g.energy_mw_s == pytest.approx(ramp_mw_s + need_mw * (1000.0 - ramp_end_s), rel=REL)

    # Fuel over an hour at 40 MW, from the heat-rate curve: each of the 3 units makes 40/3 MW
    # at HR(40/3) = 10.75·(0.25·16.5/(40/3) + 0.75) = 11.3883 MMBtu/MWh, so the hour burns
    # 3·(40/3)·HR(40/3)·1 h = 455.53 MMBtu.
    fuel_before_mmbtu = g.fuel_mmbtu
    g = bus.at(1000.0 + 3600.0)
    p_unit_mw = need_mw / n
    hour_mmbtu = n * p_unit_mw * heat_rate_mmbtu_per_mwh(p_unit_mw) * 1.0
    assert hour_mmbtu == pytest.approx(455.53125, rel=REL)
    assert g.fuel_mmbtu - fuel_before_mmbtu == pytest.approx(hour_mmbtu, rel=REL)

    # Stop at 5000 s (past the minimum run, 600 + 1800 s): the 3 units ramp down together at
    # 3·10/60 = 0.5 MW/s and go off at 0 MW, at 5000 + 40/0.5 = 5080 s.
    down_mw_per_s = n * RAMP_DOWN_MW_PER_MIN / 60
    off_s = 5000.0 + need_mw / down_mw_per_s
    g = bus.at(5040.0)
    assert rec.times("turbine_stop") == [5000.0]
    assert g.p_mw == pytest.approx(need_mw - down_mw_per_s * 40.0, rel=REL)
    g = bus.at(6000.0)
    assert rec.times("turbine_stopped") == [pytest.approx(off_s, rel=REL)]
    assert (g.n_starting, g.n_online, g.p_mw, bus.fleet.running) == (0, 0, 0.0, False)
    assert g.state == [OFF] * 4
    # Totals: 3 units burnt 0 → 5080 s; output 3200 + 40·(5000 − 760) + 40·80/2 MW·s; fuel
    # HR_full·(f0·P_nom·unit-s + (1 − f0)·MW·s)/3600 (the curve above, integrated).
    energy_mw_s = ramp_mw_s + need_mw * (5000.0 - ramp_end_s) + need_mw * (off_s - 5000.0) / 2
    unit_s = n * off_s
    fuel_mmbtu = (
        HR_FULL_MMBTU_PER_MWH * (F0_PU * P_NOM_MW * unit_s + (1 - F0_PU) * energy_mw_s) / 3600
    )
    report = g.report()
    assert report["starts"] == n
    assert report["run_hours"] == pytest.approx(unit_s / 3600, rel=REL)
    assert report["energy_mwh"] == pytest.approx(energy_mw_s / 3600, rel=REL)
    assert report["fuel_mmbtu"] == pytest.approx(fuel_mmbtu, rel=REL)
    # CO2 at the default 53.06 kg/MMBtu: fuel·53.06/1000 [t].
    assert report["co2_t"] == pytest.approx(fuel_mmbtu * 53.06 / 1000, rel=REL)


def test_a_stop_waits_for_the_minimum_run_time_holding_the_minimum_load():
    bus, rec = fleet_of(unit_config())
    bus.need_at(0.0, 40.0)
    bus.need_at(1000.0, 0.0)
    # At 1000 s the 3 units (online at 600 s) may not stop before 600 + 1800 = 2400 s: they
    # ramp down at 3·10/60 = 0.5 MW/s to their minimum load 3·0.3·16.5 = 14.85 MW, reached at
    # 1000 + (40 − 14.85)/0.5 = 1050.3 s, and hold it.
    floor_mw = 3 * P_MIN_PU * P_NOM_MW
    down_mw_per_s = 3 * RAMP_DOWN_MW_PER_MIN / 60
    g = bus.at(2000.0)
    assert rec.times("turbine_stop") == []
    assert bus.fleet.stop_blocked_until_s == START_S + MIN_RUN_S
    assert g.p_mw == pytest.approx(floor_mw, rel=REL)
    held_s = 1000.0 + (40.0 - floor_mw) / down_mw_per_s
    assert g.energy_mw_s == pytest.approx(
        3200.0
        + 40.0 * (1000.0 - 760.0)
        + (40.0 + floor_mw) / 2 * (held_s - 1000.0)
        + floor_mw * (2000.0 - held_s),
        rel=REL,
    )
    # At 2400 s they stop: 14.85 MW down at 0.5 MW/s, off at 2400 + 29.7 = 2429.7 s.
    bus.at(3000.0)
    assert rec.times("turbine_stop") == [START_S + MIN_RUN_S]
    off_s = START_S + MIN_RUN_S + floor_mw / down_mw_per_s
    assert rec.times("turbine_stopped") == [pytest.approx(off_s, rel=REL)]
    assert not bus.fleet.running


def test_a_scheduled_trip_takes_its_share_and_the_commitment_starts_a_spare_unit():
    trip = TurbineTripConfig(time_h=0.5, turbine="g", units=1)
    bus, rec = fleet_of(unit_config(trip_repair_h=24.0), [trip])
    bus.need_at(0.0, 40.0)
    # Units 0, 1, 2 carry 40 MW from 760 s. At 1800 s the last online (unit 2) trips and takes
    # its third: 40 − 40/3 = 80/3 MW remain. Rated online 2·16.5 = 33 < 40: unit 3 (the only
    # one ready; unit 2 is in repair for 24 h) starts at once. The two online ramp at
    # 2·5/60 MW/s to their rating 33 MW, reached at 1800 + (33 − 80/3)/(1/6) = 1838 s.
    g = bus.at(1800.0 + 30.0)
    assert rec.times("turbine_trip") == [1800.0]
    assert g.state[2] == OFF
    assert g.available_s[2] == 1800.0 + 24 * 3600
    assert g.trips == 1
    starts = [(t, d) for t, k, _, d in rec.events if k == "turbine_start"]
    assert [t for t, _ in starts] == [0.0, 0.0, 0.0, 1800.0]
    assert starts[-1][1].startswith("unit 3:")
    assert g.p_mw == pytest.approx(80 / 3 + 2 * RAMP_UP_MW_PER_MIN / 60 * 30.0, rel=REL)
    g = bus.at(2000.0)
    assert g.p_mw == pytest.approx(2 * P_NOM_MW, rel=REL)
    # Unit 3 is online at 1800 + 600 = 2400 s; the three ramp at 0.25 MW/s from 33 to 40 MW,
    # reached at 2400 + 7/0.25 = 2428 s.
    g = bus.at(2410.0)
    assert g.p_mw == pytest.approx(33.0 + 0.25 * 10.0, rel=REL)
    g = bus.at(2500.0)
    assert [g.state[u] for u in range(4)] == [ONLINE, ONLINE, OFF, ONLINE]
    assert g.p_mw == pytest.approx(40.0, rel=REL)


def test_a_forced_trip_comes_after_the_drawn_time_and_the_unit_waits_for_its_repair():
    rng = StubRng()
    cfg = unit_config(count=1, trip_rate_per_1000h=100.0, trip_repair_h=1.0, min_run_s=0.0)
    bus, rec = fleet_of(cfg, rng=rng)
    bus.need_at(0.0, 10.0)
    # 100 trips per 1000 h: a mean of 1000·3600/100 = 36,000 s online between trips; the stub
    # draws the mean, so the unit (online at 600 s) trips at 36,600 s and may start again
    # after its 1 h repair, at 40,200 s (online at 40,800 s).
    mean_s = 1000 * 3600 / 100.0
    trip_s = START_S + mean_s
    restart_s = trip_s + 3600.0
    g = bus.at(trip_s + 60.0)
    assert rng.scales == [mean_s]
    assert rec.times("turbine_trip") == [trip_s]
    assert rec.times("turbine_unavailable") == [trip_s]
    assert (g.n_online, g.p_mw) == (0, 0.0)
    bus.at(restart_s + START_S + 60.0)
    assert rec.times("turbine_start") == [0.0, restart_s]
    assert rec.times("turbine_online") == [START_S, restart_s + START_S]
    assert rng.scales == [mean_s, mean_s]


def test_a_unit_stops_at_its_permitted_hours_and_waits_for_the_next_year():
    bus, rec = fleet_of(unit_config(count=1, max_run_hours_per_year=1.0, min_run_s=0.0))
    bus.need_at(0.0, 10.0)
    # The unit burns from 0 s (its start counts): its 1 h is used at 3600 s; it stops then and
    # cannot start again before the next permit year (8760 h).
    g = bus.at(7200.0)
    assert rec.times("turbine_permit_stop") == [3600.0]
    assert rec.times("turbine_unavailable") == [3600.0]
    assert (g.n_online, g.p_mw, g.run_s) == (0, 0.0, 3600.0)
    assert bus.fleet.next_due_s(7200.0) == YEAR_S == 8760 * 3600.0
    bus.at(YEAR_S + 1.0)
    assert rec.times("turbine_start") == [0.0, YEAR_S]


def test_a_unit_stopped_while_starting_and_started_again_keeps_the_order_of_its_new_start():
    """Each unit's timer is released when it goes off: its next start's end is a timeout
    started then, so among events at that same time it comes where such a timeout comes."""
    bus, rec = fleet_of(unit_config(count=1, min_run_s=0.0))
    bus.need_at(0.0, 10.0)  # unit 0 starts at 0 s (its start would end at 600 s)
    bus.need_at(100.0, 0.0)  # stopped while starting: off at once
    bus.need_at(200.0, 10.0)  # started again: online at 200 + 600 = 800 s
    bus.at(300.0)
    # The need drops to 0 at 800 s too, from a timeout started at 300 s: after the unit's
    # (started at 200 s), so the unit comes online first and then stops (0 MW: off at once).
    # Had the start's end waited for the stale timeout of 600 s, it would come after the need
    # and the unit would be stopped while starting, never online.
    bus.need_at(800.0, 0.0)
    g = bus.at(1000.0)
    assert rec.times("turbine_start") == [0.0, 200.0]
    assert rec.times("turbine_online") == [200.0 + START_S]
    assert rec.times("turbine_stop") == rec.times("turbine_stopped") == [200.0 + START_S]
    assert (g.state, g.n_online, g.n_starting) == ([OFF], 0, 0)


def test_the_turbine_modules_are_short_and_the_facade_keeps_every_imported_name():
    """``from sim.power.turbines import X`` anywhere in sim/, tests/ and bench/ finds X, and no
    module of the turbines is over 450 lines."""
    for name in ("turbines", "turbine_group", "turbine_unit"):
        path = ROOT / "sim" / "power" / f"{name}.py"
        assert len(path.read_text().splitlines()) <= 450, path
    wanted: set[str] = set()
    for folder in ("sim", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module == "sim.power.turbines":
                    wanted.update(a.name for a in node.names)
    assert {"TurbineFleet", "TurbineGroup"} <= wanted
    assert [name for name in sorted(wanted) if not hasattr(sim.power.turbines, name)] == []
    assert all(hasattr(sim.power.turbines, name) for name in sim.power.turbines.__all__)
