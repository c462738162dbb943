"""The cooling plant on its own: a bare ``simpy.Environment``, a fixed weather and a stub in place
of the bus.

No config is run (no ``run(config)``, no ``Facility``): the plant is built from
:class:`sim.config.CoolingConfig` and driven as :class:`sim.dispatch.Bus` drives it, by
:class:`StubBus` below, which gives it an IT power, integrates the loop temperature to every
event, makes the loop reaching a limit an event and tells it when the grid is lost or back.
Every expected number is computed here from the plant's documented equations (the docstring of
:mod:`sim.cooling`), by the formula in the comment next to it:

- full free cooling while ``T_amb + economizer_approach ≤ T_s`` (wet-bulb for towers, dry-bulb
  for dry coolers): no compressor power; between that and the return temperature
  ``T_r = T_s + return_delta_c`` the economizer takes the share
  ``s = (T_r − T_amb − approach)/(T_r − T_s)`` of the heat, the chillers the rest;
- the chillers: ``COP = min(cop_max, η_II·T_evap/(T_cond − T_evap))`` with ``T_evap = T_s −
  2 °C`` and ``T_cond = T_amb + condenser_approach`` in kelvin; a unit removes up to
  ``capacity·(1 − derate·max(0, T_amb − rating))``. These tests give η_II directly (the
  deprecated key: the old default 0.55) and a linear part-load curve (``f(x) = x``), so the
  compressor power is ``(1 − s)·removed/COP`` (the rating and the part-load curve:
  ``test_chillers_rated.py``);
- ``cooling = removed/COP + aux_pu·IT``; heat rejected ``removed + compressor``;
- the loop stores what is not removed: ``ΔT = (IT − removed)·dt / C`` [°C, MW = MJ/s, MJ/°C],
  with the chillers flat out while the loop is warm (``ΔT > 0``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from sim.config import CoolingConfig
from sim.cooling import CoolingPlant
from sim.weather import Weather
from tests.stubs import ScriptedRng, StubRecorder, run_through

REL = 1e-12
K = 273.15  # 0 °C [K]
COUNT = 3
CAPACITY_MW = 10.0
ETA_II = 0.55  # given (the old default); the config's defaults otherwise, written out
COP_MAX = 12.0
CONDENSER_APPROACH_C = 10.0
RATING_C = 25.5  # (given: the default is AHRI's 25.56 °C wet-bulb)
DERATE_PU_PER_C = 0.01
C_MJ_PER_C = 4000.0
THROTTLE_C = 5.0
SHUTDOWN_C = 10.0
RESTART_S = 900.0


def config(**keys) -> CoolingConfig:
    """3 chillers of 10 MW, off backup (restart 900 s), η_II 0.55, a linear part-load curve,
    capacity rated at 25.5 °C; the documented defaults otherwise."""
    chillers = {"count": COUNT, "capacity_mw": CAPACITY_MW, "on_backup": False}
    chillers |= {"eta_ii": ETA_II, "part_load_curve": [0.0, 1.0, 0.0]}  # P = load/COP
    chillers |= {"rating_ambient_c": RATING_C}
    chillers |= {"restart_s": RESTART_S} | keys.pop("chillers", {})
    return CoolingConfig(chillers=chillers, **keys)


def cop(supply_c: float, ambient_c: float) -> float:
    """``min(cop_max, η_II·T_evap/(T_cond − T_evap))``, ``T_evap = T_s − 2``,
    ``T_cond = T_amb + 10`` [K]."""
    t_evap_k = supply_c - 2.0 + K
    t_cond_k = ambient_c + CONDENSER_APPROACH_C + K
    return min(COP_MAX, ETA_II * t_evap_k / (t_cond_k - t_evap_k))


def capacity_mw(ambient_c: float, units: int = COUNT) -> float:
    """``units·capacity·(1 − derate·max(0, T_amb − rating))`` [MW]."""
    return units * CAPACITY_MW * (1 - DERATE_PU_PER_C * max(0.0, ambient_c - RATING_C))


class StubBus:
    """The bus's part in driving the plant, nothing else: an IT power ``it_mw`` [MW] (set at
    given times), the loop integrated to every event, the time the loop reaches a limit made an
    event (logged in ``limits_s``; a stale one is ignored), and the grid lost or back at given
    times. ``power`` is the plant's answer at the last update:
    ``(cooling_mw, heat_rejected_mw, stored_mw)``."""

    def __init__(self, env: simpy.Environment, plant: CoolingPlant, it_mw: float) -> None:
        self.env, self.plant, self.it_mw = env, plant, it_mw
        self.t_last_s = env.now
        self.due_s = math.inf
        self.limits_s: list[float] = []
        self.updates_s: list[float] = []
        self.power = (math.nan, math.nan, math.nan)
        plant.start(env, self)
        self.update()  # (the bus's first update)

    def integrate(self) -> float:
        now_s = self.env.now
        if now_s > self.t_last_s:
            self.plant.advance(now_s - self.t_last_s)
            self.t_last_s = now_s
        return now_s

    def update(self) -> None:
        now_s = self.integrate()
        self.updates_s.append(now_s)
        self.power = self.plant.power_mw(self.it_mw)
        due_s = now_s + self.plant.next_s()
        self.due_s = due_s
        if due_s < math.inf:
            self.env.timeout(due_s - now_s).callbacks.append(lambda _ev: self._on_due(due_s))

    def changed(self) -> None:  # (sim.contracts.Site)
        self.update()

    def grid_import_mw(self) -> float:
        return 0.0

    def _on_due(self, due_s: float) -> None:
        if due_s == self.due_s:
            self.limits_s.append(self.env.now)
            self.update()

    def _at(self, time_s: float, action) -> None:
        def proc():
            yield self.env.timeout(time_s - self.env.now)
            action()

        self.env.process(proc())

    def it_at(self, time_s: float, it_mw: float) -> None:
        def change() -> None:
            self.integrate()
            self.it_mw = it_mw
            self.update()

        self._at(time_s, change)

    def grid_at(self, time_s: float, up: bool) -> None:
        def change() -> None:
            self.integrate()
            self.plant.on_grid(up)
            self.update()

        self._at(time_s, change)

    def at(self, time_s: float) -> CoolingPlant:
        run_through(self.env, time_s)
        self.integrate()
        return self.plant


def plant_of(
    cfg: CoolingConfig, dry_c: float, wet_c: float, it_mw: float, rng=None
) -> tuple[StubBus, StubRecorder]:
    recorder = StubRecorder()
    weather = Weather(np.array([0.0]), np.array([dry_c]), np.array([wet_c]))
    plant = CoolingPlant(cfg, weather, rng or ScriptedRng([]), recorder)
    return StubBus(simpy.Environment(), plant, it_mw), recorder


@pytest.mark.parametrize(
    ("keys", "dry_c", "wet_c", "it_mw"),
    [
        ({}, 30.0, 24.0, 20.0),  # towers (wet-bulb), liquid (18 °C, aux 5 %), below the rating
        ({}, 33.0, 28.0, 20.0),  # above the rating: derated to 3·10·(1 − 0.01·2.5) = 29.25 MW
        ({"economizer": False}, 16.0, 14.5, 20.0),  # small lift: the COP is held at cop_max
        ({"type": "air", "heat_rejection": "dry"}, 30.0, 20.0, 12.0),  # dry-bulb, 12 °C, aux 10 %
        ({"supply_c": 20.0, "aux_pu": 0.08}, 30.0, 24.0, 25.0),
    ],
)
def test_the_facility_power_at_a_constant_weather_is_it_plus_compressor_plus_aux(
    keys, dry_c, wet_c, it_mw
):
    bus, _ = plant_of(config(**keys), dry_c, wet_c, it_mw)
    air = keys.get("type") == "air"
    supply_c = keys.get("supply_c", 12.0 if air else 18.0)
    aux_pu = keys.get("aux_pu", 0.10 if air else 0.05)
    ambient_c = dry_c if keys.get("heat_rejection") == "dry" else wet_c
    assert ambient_c + 4.0 > supply_c  # not full free cooling (economizer approach 4 °C)
    # the economizer's share (T_r − T_amb − 4)/(T_r − T_s), T_r = T_s + 10 (liquid), + 5.56
    # (air): none but in the last case, (20 + 10 − 24 − 4)/10 = 0.2
    return_c = supply_c + (10.0 / 1.8 if air else 10.0)
    share = max(0.0, (return_c - ambient_c - 4.0) / (return_c - supply_c))
    share = share if keys.get("economizer", True) else 0.0
    assert share == (0.2 if "supply_c" in keys else 0.0)
    cop_ = cop(supply_c, ambient_c)
    removed_mw = min(it_mw, capacity_mw(ambient_c) / (1 - share))
    assert removed_mw == it_mw  # the plant carries it all
    compressor_mw = (1 - share) * removed_mw / cop_
    cooling_mw = compressor_mw + aux_pu * it_mw
    assert bus.power == pytest.approx((cooling_mw, removed_mw + compressor_mw, 0.0), rel=REL)
    # The facility: IT + cooling, e.g. 20·(1 + 1/8.835 + 0.05) = 23.26 MW in the first case.
    assert it_mw + bus.power[0] == pytest.approx(it_mw * (1 + (1 - share) / cop_ + aux_pu), rel=REL)
    plant = bus.plant
    assert plant.cop == pytest.approx(cop_, rel=REL)
    assert plant.capacity_mw == pytest.approx(capacity_mw(ambient_c) / (1 - share), rel=REL)
    # Facility MW per MW of IT below the capacity: 1 + (1 − s)/COP + aux.
    assert plant.marginal(it_mw) == pytest.approx(1 + (1 - share) / cop_ + aux_pu, rel=REL)
    # Nothing stored: the loop holds, no limit is ahead.
    assert (plant.rate_c_per_s, plant.next_s()) == (0.0, math.inf)
    assert plant.water_l_per_kwh == (0.0 if keys.get("heat_rejection") == "dry" else 1.85)


@pytest.mark.parametrize(
    ("keys", "dry_c", "wet_c", "free"),
    [
        ({}, 20.0, 13.0, True),  # towers: 13 °C wet-bulb + 4 °C approach = 17 ≤ 18 °C supply
        ({}, 20.0, 14.0, True),  # 14 + 4 = 18 ≤ 18: still free (the bound is in)
        ({}, 20.0, 14.5, False),  # 14.5 + 4 > 18: the chillers take 5 % (below)
        ({"economizer": False}, 20.0, 13.0, False),
        ({"heat_rejection": "dry"}, 14.0, 10.0, True),  # dry coolers: the dry-bulb, 14 + 4 ≤ 18
        ({"heat_rejection": "dry"}, 15.0, 10.0, False),
    ],
)
def test_free_cooling_below_the_economizer_point_draws_only_the_auxiliaries(
    keys, dry_c, wet_c, free
):
    bus, _ = plant_of(config(**keys), dry_c, wet_c, 20.0)
    if free:
        assert bus.power == pytest.approx((0.05 * 20.0, 20.0, 0.0), rel=REL)
        assert bus.plant.marginal(20.0) == pytest.approx(1.05, rel=REL)
    else:
        ambient_c = dry_c if keys.get("heat_rejection") == "dry" else wet_c
        cop_ = cop(18.0, ambient_c)
        # the economizer's share: (T_r − T_amb − 4)/(T_r − T_s), T_r = 18 + 10 °C (liquid)
        share = 0.0 if keys.get("economizer") is False else (28.0 - ambient_c - 4.0) / 10.0
        share = min(1.0, max(0.0, share))
        assert share == pytest.approx({14.5: 0.95, 10.0: 0.9, 13.0: 0.0}[wet_c], rel=REL)
        chillers_mw = (1 - share) * 20.0
        assert bus.power == pytest.approx(
            (chillers_mw / cop_ + 0.05 * 20.0, 20.0 + chillers_mw / cop_, 0.0), rel=REL
        )


def test_a_weather_change_is_an_event_of_the_plant():
    """Wet-bulb 24 °C for an hour, then 13 °C (free cooling), then 28 °C (derated)."""
    recorder = StubRecorder()
    weather = Weather(
        np.array([0.0, 1.0, 2.0]), np.array([30.0, 20.0, 33.0]), np.array([24.0, 13.0, 28.0])
    )
    plant = CoolingPlant(config(), weather, ScriptedRng([]), recorder)
    bus = StubBus(simpy.Environment(), plant, 20.0)
    bus.at(1800.0)
    assert bus.power[0] == pytest.approx(20.0 / cop(18.0, 24.0) + 1.0, rel=REL)
    bus.at(5400.0)
    assert bus.updates_s == [0.0, 3600.0]
    assert bus.power[0] == pytest.approx(1.0, rel=REL)
    bus.at(9000.0)
    assert bus.updates_s == [0.0, 3600.0, 7200.0]
    assert bus.power[0] == pytest.approx(20.0 / cop(18.0, 28.0) + 1.0, rel=REL)
    assert plant.capacity_mw == pytest.approx(29.25, rel=REL)


def test_heat_the_chillers_cannot_remove_warms_the_loop_by_q_dt_over_c():
    # Wet-bulb 28 °C: 3 chillers remove 29.25 MW; 35 MW of IT stores Q = 5.75 MW in the loop.
    it_mw = 35.0
    bus, _ = plant_of(config(), 33.0, 28.0, it_mw)
    q_mw = it_mw - capacity_mw(28.0)
    assert q_mw == pytest.approx(5.75, rel=REL)
    cop_ = cop(18.0, 28.0)
    assert bus.power == pytest.approx(
        (capacity_mw(28.0) / cop_ + 0.05 * it_mw, capacity_mw(28.0) * (1 + 1 / cop_), q_mw),
        rel=REL,
    )
    # ΔT = Q·dt/C: 5.75·600/4000 = 0.8625 °C after 600 s.
    plant = bus.at(600.0)
    assert plant.excess_c == pytest.approx(q_mw * 600.0 / C_MJ_PER_C, rel=REL)
    assert plant.excess_c == pytest.approx(0.8625, rel=REL)
    # The throttle rise (5 °C) is reached at 5·C/Q = 3478.3 s, the shutdown rise (10 °C) at
    # twice that; the loop is put on each and then held at the hard limit.
    throttle_s = THROTTLE_C * C_MJ_PER_C / q_mw
    shutdown_s = SHUTDOWN_C * C_MJ_PER_C / q_mw
    plant = bus.at(throttle_s + 1.0)
    assert bus.limits_s == [pytest.approx(throttle_s, rel=REL)]
    assert plant.excess_c == pytest.approx(THROTTLE_C + q_mw * 1.0 / C_MJ_PER_C, rel=REL)
    plant = bus.at(shutdown_s + 3600.0)
    assert bus.limits_s == [pytest.approx(throttle_s, rel=REL), pytest.approx(shutdown_s, rel=REL)]
    assert plant.excess_c == SHUTDOWN_C
    assert (plant.rate_c_per_s, plant.next_s()) == (0.0, math.inf)
    assert bus.power[2] == pytest.approx(q_mw, rel=REL)  # still not removed (reported)


def test_a_warm_loop_comes_back_with_the_chillers_flat_out():
    # 35 MW for 1200 s at 29.25 MW of capacity: ΔT = 5.75·1200/4000 = 1.725 °C. Then 20 MW:
    # the chillers still remove all they can (29.25 MW), the loop cools at 9.25/4000 °C/s and is
    # back at the supply temperature 1.725·4000/9.25 = 745.9 s later.
    bus, _ = plant_of(config(), 33.0, 28.0, 35.0)
    bus.it_at(1200.0, 20.0)
    plant = bus.at(1200.0)
    warm_c = (35.0 - capacity_mw(28.0)) * 1200.0 / C_MJ_PER_C
    assert plant.excess_c == pytest.approx(warm_c, rel=REL)
    cop_ = cop(18.0, 28.0)
    assert bus.power[0] == pytest.approx(capacity_mw(28.0) / cop_ + 0.05 * 20.0, rel=REL)
    assert bus.power[2] == pytest.approx(20.0 - capacity_mw(28.0), rel=REL)
    assert plant.marginal(20.0) == pytest.approx(1.05, rel=REL)  # flat out: 1 + aux
    back_s = 1200.0 + warm_c * C_MJ_PER_C / (capacity_mw(28.0) - 20.0)
    plant = bus.at(back_s + 60.0)
    assert bus.limits_s == [pytest.approx(back_s, rel=REL)]
    assert plant.excess_c == 0.0
    assert bus.power == pytest.approx((20.0 / cop_ + 1.0, 20.0 * (1 + 1 / cop_), 0.0), rel=REL)


def test_chillers_off_backup_stop_with_the_grid_and_restart_restart_s_after_it_returns():
    # Wet-bulb 24 °C: 30 MW of chillers; IT 20 MW. Grid lost at 1000 s, back at 1600 s.
    it_mw = 20.0
    bus, rec = plant_of(config(), 30.0, 24.0, it_mw)
    bus.grid_at(1000.0, False)
    bus.grid_at(1600.0, True)
    # Without chillers all the IT heat warms the loop, at 20/4000 °C/s: the throttle rise at
    # 1000 + 5·4000/20 = 2000 s; at 1600 s, 600 s in, 3 °C.
    plant = bus.at(1600.0)
    assert rec.times("chillers_off") == [1000.0]
    assert bus.power == pytest.approx((0.05 * it_mw, 0.0, it_mw), rel=REL)  # pumps only
    assert plant.excess_c == pytest.approx(it_mw * 600.0 / C_MJ_PER_C, rel=REL)
    # Back on at 1600 + 900 = 2500 s (not before), after 1500 s without: 20·1500/4000 = 7.5 °C.
    restart_s = 1600.0 + RESTART_S
    plant = bus.at(restart_s - 1.0)
    assert rec.times("chillers_on") == []
    plant = bus.at(restart_s)
    assert rec.times("chillers_on") == [restart_s]
    assert bus.updates_s[-1] == restart_s  # the plant asked the bus for an update then
    assert plant.excess_c == pytest.approx(it_mw * 1500.0 / C_MJ_PER_C, rel=REL)
    # The chillers run flat out (30 MW, at COP 0.55·289.15 K/(307.15 − 289.15) K = 8.835) and
    # the loop cools at (30 − 20)/4000 °C/s: down to the throttle rise after 2.5·400 = 1000 s,
    # to the supply temperature 5·400 = 2000 s after that.
    cop_ = cop(18.0, 24.0)
    assert cop_ == pytest.approx(0.55 * 289.15 / 18.0, rel=REL)
    assert bus.power == pytest.approx(
        (30.0 / cop_ + 0.05 * it_mw, 30.0 * (1 + 1 / cop_), it_mw - 30.0), rel=REL
    )
    bus.at(10_000.0)
    throttle_up_s = 1000.0 + THROTTLE_C * C_MJ_PER_C / it_mw
    down_s = restart_s + (7.5 - THROTTLE_C) * C_MJ_PER_C / (30.0 - it_mw)
    cool_s = down_s + THROTTLE_C * C_MJ_PER_C / (30.0 - it_mw)
    assert bus.limits_s == pytest.approx([throttle_up_s, down_s, cool_s], rel=REL)
    assert (throttle_up_s, down_s, cool_s) == (2000.0, 3500.0, 5500.0)
    assert bus.plant.excess_c == 0.0


def test_a_grid_lost_again_before_the_restart_puts_it_off():
    bus, rec = plant_of(config(), 30.0, 24.0, 5.0)
    bus.grid_at(1000.0, False)
    bus.grid_at(1600.0, True)  # would restart at 2500 s
    bus.grid_at(2000.0, False)
    bus.grid_at(3000.0, True)  # restarts at 3900 s
    bus.at(10_000.0)
    assert rec.times("chillers_off") == [1000.0]  # (already off at 2000 s)
    assert rec.times("chillers_on") == [3000.0 + RESTART_S]


def test_chillers_on_backup_ride_through_an_outage():
    bus, rec = plant_of(config(chillers={"on_backup": True}), 30.0, 24.0, 20.0)
    bus.grid_at(1000.0, False)
    bus.grid_at(1600.0, True)
    plant = bus.at(5000.0)
    assert rec.events == []
    assert plant.excess_c == 0.0
    assert bus.power[0] == pytest.approx(20.0 / cop(18.0, 24.0) + 1.0, rel=REL)


def test_a_chiller_fails_at_its_drawn_time_and_returns_after_its_drawn_repair():
    # 10 failures per 1000 h: a mean of 1000·3600/10 s up; repairs of a mean 48 h. The stub
    # draws 5000 s for chiller 0 (the others never fail) and a 2000 s repair.
    mean_up_s = 1000 * 3600 / 10.0
    rng = ScriptedRng([5000.0, 1e15, 1e15, 2000.0, 1e15])
    cfg = config(chillers={"failure_rate_per_1000h": 10.0})
    bus, rec = plant_of(cfg, 30.0, 24.0, 25.0, rng)
    bus.at(6000.0)
    assert rec.times("chiller_fail") == [5000.0]
    # Two left remove 20 of the 25 MW: 5 MW warm the loop, 5·1000/4000 = 1.25 °C by 6000 s.
    assert bus.plant.online == 2
    assert bus.power[2] == pytest.approx(5.0, rel=REL)
    assert bus.plant.excess_c == pytest.approx(5.0 * 1000.0 / C_MJ_PER_C, rel=REL)
    plant = bus.at(7000.0)
    assert rec.times("chiller_repaired") == [7000.0]
    assert plant.online == 3
    # At 7000 s: 2.5 °C warm; 30 MW flat out against 25: back at 7000 + 2.5·4000/5 = 9000 s.
    assert plant.excess_c == pytest.approx(5.0 * 2000.0 / C_MJ_PER_C, rel=REL)
    bus.at(9500.0)
    assert bus.limits_s == pytest.approx([9000.0], rel=REL)
    assert rng.scales == [mean_up_s] * 3 + [48 * 3600.0, mean_up_s]
