"""The battery on its own: a bare ``simpy.Environment`` and a stub in place of the bus.

No config is run (no ``run(config)``, no ``Facility``): the battery is built directly and driven as
:class:`sim.dispatch.Bus` drives it, by :class:`StubBus` below, which sets power lines
``p(t) = p0 + r·t`` [MW], integrates the battery to each event and makes its reaching a bound an
event. Every expected number is computed here by the formula in the comment next to it:

- discharging, ``ΔE = −(p0·dt + r·dt²/2) / η_d / 3600`` [MWh];
- charging (``p < 0``), ``ΔE = −(p0·dt + r·dt²/2) · η_c / 3600`` [MWh];
- the time to a bound is the positive root of ``(r/2)·t² + p0·t − room = 0``, with ``room`` the
  energy to the bound at the bus [MW·s] (``(E − E_floor)·η_d·3600`` discharging,
  ``(E_top − E)/η_c·3600`` charging): ``t = room / p0`` for ``r = 0``, else
  ``t = (−p0 + √(p0² + 2·r·room)) / r`` (the textbook root, not the program's
  cancellation-free form).
"""

from __future__ import annotations

import math

import pytest
import simpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.power.battery import Battery
from tests.stubs import StubRecorder, run_through

REL = 1e-12
E_NOM_MWH = 100.0
P_CHARGE_MAX_MW = 40.0
P_DISCHARGE_MAX_MW = 50.0
ETA_C = 0.92
ETA_D = 0.95
SOC_MIN = 0.1
SOC_MAX = 0.9
SOC_RESERVE = 0.3
E_MIN_MWH = SOC_MIN * E_NOM_MWH  # 10 MWh
E_MAX_MWH = SOC_MAX * E_NOM_MWH  # 90 MWh
E_RESERVE_MWH = SOC_RESERVE * E_NOM_MWH  # 30 MWh
EPS_MWH = 1e-9 * E_NOM_MWH  # the battery's rounding tolerance at a bound (its docstring)


def battery(soc_initial: float = 0.6) -> Battery:
    """100 MWh, 40 MW charge, 50 MW discharge, η_c 0.92, η_d 0.95, window 10–90 %, reserve 30 %."""
    return Battery(
        energy_nom_mwh=E_NOM_MWH,
        p_charge_max_mw=P_CHARGE_MAX_MW,
        p_discharge_max_mw=P_DISCHARGE_MAX_MW,
        efficiency_charge=ETA_C,
        efficiency_discharge=ETA_D,
        soc_min=SOC_MIN,
        soc_max=SOC_MAX,
        soc_initial=soc_initial,
        reserve_soc=SOC_RESERVE,
    )


def moved_mw_s(p0_mw: float, r_mw_per_s: float, dt_s: float) -> float:
    """``∫₀^dt (p0 + r·t) dt = p0·dt + r·dt²/2`` [MW·s]."""
    return p0_mw * dt_s + r_mw_per_s * dt_s * dt_s / 2


def delta_mwh(p0_mw: float, r_mw_per_s: float, dt_s: float) -> float:
    """Change of the stored energy along a line that keeps its sign [MWh]: ``−∫p dt / η_d``
    discharging, ``−∫p dt · η_c`` charging, over 3600 s/h."""
    integral = moved_mw_s(p0_mw, r_mw_per_s, dt_s)
    discharging = p0_mw > 0 or (p0_mw == 0 and r_mw_per_s > 0)
    return -(integral / ETA_D if discharging else integral * ETA_C) / 3600


def root_s(p0_mw: float, r_mw_per_s: float, room_mw_s: float) -> float:
    """Positive root of ``(r/2)·t² + p0·t − room = 0`` [s] (``inf`` if none): the textbook
    formula."""
    if r_mw_per_s == 0.0:
        return room_mw_s / p0_mw if p0_mw > 0 else math.inf
    disc = p0_mw**2 + 2 * r_mw_per_s * room_mw_s
    if disc < 0:
        return math.inf
    return (-p0_mw + math.sqrt(disc)) / r_mw_per_s


class StubBus:
    """The bus's part in driving the battery, nothing else: power lines set at given times, the
    battery integrated to every event (with the floor ``floor_mwh``), and the time its line
    reaches the bound it heads for an event — where, as the bus does, the energy is put on the
    bound, a ``battery_empty``/``battery_full`` event is logged and the power goes to 0 (the
    limit there is 0). A stale bound event (the line changed since) is ignored."""

    def __init__(self, env: simpy.Environment, bat: Battery, floor_mwh: float) -> None:
        self.env, self.battery, self.floor_mwh = env, bat, floor_mwh
        self.recorder = StubRecorder()
        self.t_last_s = env.now
        self.bound_due_s = math.inf

    def integrate(self) -> float:
        now_s = self.env.now
        if now_s > self.t_last_s:
            self.battery.advance(now_s - self.t_last_s, self.floor_mwh)
            self.t_last_s = now_s
        return now_s

    def line_at(self, time_s: float, p_mw: float, ramp_mw_per_s: float = 0.0) -> None:
        """From ``time_s`` on, the battery's power is ``p_mw + ramp·(t − time_s)``."""

        def change():
            yield self.env.timeout(time_s - self.env.now)
            self.integrate()
            self.battery.set_power(p_mw, ramp_mw_per_s)
            self._schedule_bound()

        self.env.process(change())

    def _schedule_bound(self) -> None:
        due_s = self.env.now + self.battery.seconds_to_bound(self.floor_mwh)
        self.bound_due_s = due_s
        if due_s < math.inf:
            self.env.timeout(due_s - self.env.now).callbacks.append(
                lambda _ev: self._on_bound(due_s)
            )

    def _on_bound(self, due_s: float) -> None:
        if due_s != self.bound_due_s:
            return  # stale: the line changed since
        now_s = self.integrate()
        kind = "battery_full" if self.battery.direction < 0 else "battery_empty"
        self.battery.snap_to_bound(self.floor_mwh)
        self.recorder.event(now_s, kind, "battery", "")
        self.battery.set_power(0.0)
        self.bound_due_s = math.inf

    def at(self, time_s: float) -> Battery:
        """Run to ``time_s``, integrate the battery to then and return it."""
        run_through(self.env, time_s)
        self.integrate()
        return self.battery


def test_discharging_at_a_constant_power_then_on_a_ramp_moves_the_line_integral_over_eta_d():
    bus = StubBus(simpy.Environment(), battery(soc_initial=0.6), E_MIN_MWH)
    e0_mwh = 0.6 * E_NOM_MWH
    bus.line_at(0.0, 20.0)
    bus.line_at(1800.0, 20.0, 0.01)
    bus.line_at(2800.0, 0.0)
    # 20 MW for 1800 s: ΔE = −20·1800 / 0.95 / 3600 = −10.526 MWh.
    b = bus.at(1800.0)
    e1_mwh = e0_mwh - 20.0 * 1800.0 / ETA_D / 3600
    assert b.stored_mwh == pytest.approx(e1_mwh, rel=REL)
    # Then 20 MW rising at 0.01 MW/s for 1000 s (to 30 MW):
    # ΔE = −(20·1000 + 0.01·1000²/2) / 0.95 / 3600 = −25000 / 0.95 / 3600 = −7.310 MWh.
    b = bus.at(2300.0)
    assert b.p_mw == pytest.approx(20.0 + 0.01 * 500.0, rel=REL)  # the power moves along its line
    assert b.stored_mwh == pytest.approx(
        e1_mwh - (20.0 * 500.0 + 0.01 * 500.0**2 / 2) / ETA_D / 3600, rel=REL
    )
    b = bus.at(2800.0)
    e2_mwh = e1_mwh - (20.0 * 1000.0 + 0.01 * 1000.0**2 / 2) / ETA_D / 3600
    assert e2_mwh == pytest.approx(60.0 - 36000 / 3420 - 25000 / 3420, rel=REL)
    assert b.stored_mwh == pytest.approx(e2_mwh, rel=REL)
    # Idle afterwards: nothing moves.
    b = bus.at(5000.0)
    assert b.stored_mwh == pytest.approx(e2_mwh, rel=REL)
    assert bus.recorder.events == []


def test_charging_stores_the_line_integral_times_eta_c():
    bus = StubBus(simpy.Environment(), battery(soc_initial=0.3), E_MIN_MWH)
    e0_mwh = 0.3 * E_NOM_MWH
    bus.line_at(0.0, -30.0)
    bus.line_at(3600.0, -10.0, -0.005)
    bus.line_at(5600.0, 0.0)
    # −30 MW for an hour: ΔE = 30·3600·0.92/3600 = +27.6 MWh.
    b = bus.at(3600.0)
    e1_mwh = e0_mwh + 30.0 * 3600.0 * ETA_C / 3600
    assert e1_mwh == pytest.approx(57.6, rel=REL)
    assert b.stored_mwh == pytest.approx(e1_mwh, rel=REL)
    # −10 MW falling at 0.005 MW/s for 2000 s (to −20 MW):
    # ΔE = (10·2000 + 0.005·2000²/2)·0.92/3600 = 30000·0.92/3600 = +7.667 MWh.
    b = bus.at(4600.0)
    assert b.p_mw == pytest.approx(-10.0 - 0.005 * 1000.0, rel=REL)  # along its line
    b = bus.at(5600.0)
    assert b.stored_mwh == pytest.approx(e1_mwh + 30000.0 * ETA_C / 3600, rel=REL)


@pytest.mark.parametrize(
    ("soc", "p0_mw", "r_mw_per_s"),
    [
        (0.6, 25.0, 0.0),  # constant discharge
        (0.6, 10.0, 0.004),  # discharge on a rising ramp
        (0.6, 45.0, -0.002),  # discharge on a falling ramp that reaches the floor first
        (0.4, -30.0, 0.0),  # constant charge
        (0.4, -5.0, -0.003),  # charge growing
        (0.4, -38.0, 0.001),  # charge shrinking, reaches the top first
        (0.6, 0.0, 0.01),  # from 0 up: discharging (the heading is the ramp's)
        (0.4, 0.0, -0.01),  # from 0 down: charging
    ],
)
def test_the_time_to_the_floor_or_the_top_is_the_root_of_the_energy_quadratic(
    soc, p0_mw, r_mw_per_s
):
    b = battery(soc_initial=soc)
    e_mwh = soc * E_NOM_MWH
    discharging = p0_mw > 0 or (p0_mw == 0 and r_mw_per_s > 0)
    heading = 1 if discharging else -1
    for floor_mwh, top_mwh in ((E_MIN_MWH, None), (E_RESERVE_MWH, 80.0)):
        if discharging:  # room at the bus: (E − E_floor)·η_d·3600 [MW·s]
            expected_s = root_s(p0_mw, r_mw_per_s, (e_mwh - floor_mwh) * ETA_D * 3600)
        else:  # charging: (E_top − E)/η_c·3600 [MW·s], the line taken as a positive charge
            top = E_MAX_MWH if top_mwh is None else top_mwh
            expected_s = root_s(-p0_mw, -r_mw_per_s, (top - e_mwh) / ETA_C * 3600)
        assert 0.0 < expected_s < math.inf
        # line_seconds_to_bound tries a line without setting it ...
        t_s = b.line_seconds_to_bound(p0_mw, r_mw_per_s, heading, floor_mwh, top_mwh)
        assert t_s == pytest.approx(expected_s, rel=1e-10)
        assert (b.stored_mwh, b.p_mw, b.ramp_mw_per_s) == (e_mwh, 0.0, 0.0)
        # ... seconds_to_bound gives the same for the line set.
        b.set_power(p0_mw, r_mw_per_s)
        assert b.seconds_to_bound(floor_mwh, top_mwh) == pytest.approx(expected_s, rel=1e-10)
        # Advanced that long, the energy is on the bound (put on it: the floor, the window's
        # top; a lower top given is only a target, reached to rounding), and the power at the
        # end of the line.
        b.advance(expected_s, floor_mwh)
        if discharging or top_mwh is None:
            assert b.stored_mwh == (floor_mwh if discharging else E_MAX_MWH)
        else:
            assert b.stored_mwh == pytest.approx(top_mwh, rel=REL)
        assert b.p_mw == pytest.approx(p0_mw + r_mw_per_s * expected_s, rel=1e-10, abs=1e-12)
        b = battery(soc_initial=soc)


def test_a_line_that_turns_back_before_the_bound_never_reaches_it():
    b = battery(soc_initial=0.6)
    # 10 MW falling at 0.001 MW/s reaches 0 after 10,000 s having moved 10·10⁴/2 = 50,000 MW·s,
    # less than the 50 MWh·0.95·3600 = 171,000 MW·s to the floor: p0² + 2·r·room < 0, no root.
    room_mw_s = (0.6 * E_NOM_MWH - E_MIN_MWH) * ETA_D * 3600
    assert 10.0**2 + 2 * -0.001 * room_mw_s < 0
    assert b.line_seconds_to_bound(10.0, -0.001, 1, E_MIN_MWH) == math.inf
    assert b.line_seconds_to_bound(-10.0, 0.001, -1, E_MIN_MWH) == math.inf
    assert b.line_seconds_to_bound(0.0, 0.0, 0, E_MIN_MWH) == math.inf


def test_on_the_environment_the_bound_is_an_event_at_the_closed_form_time_and_the_energy_is_on_it():
    bus = StubBus(simpy.Environment(), battery(soc_initial=0.6), E_MIN_MWH)
    bus.line_at(0.0, 36.0)
    # 60 → 10 MWh at 36 MW: t = (60 − 10)·0.95·3600/36 = 4750 s.
    empty_s = (60.0 - E_MIN_MWH) * ETA_D * 3600 / 36.0
    assert empty_s == pytest.approx(4750.0, rel=REL)
    b = bus.at(empty_s + 100.0)
    assert bus.recorder.times("battery_empty") == [pytest.approx(empty_s, rel=REL)]
    assert b.stored_mwh == E_MIN_MWH  # put on it, not near it
    assert b.discharge_limit_mw(E_MIN_MWH) == 0.0
    assert b.charge_limit_mw() == P_CHARGE_MAX_MW
    # Then charge from 10 MWh on a ramp −8 MW − 0.004 MW/s·t to the top 90 MWh:
    # (0.004/2)·t² + 8·t = (90 − 10)/0.92·3600.
    start_s = 6000.0
    bus.line_at(start_s, -8.0, -0.004)
    full_s = start_s + root_s(8.0, 0.004, (E_MAX_MWH - E_MIN_MWH) / ETA_C * 3600)
    b = bus.at(full_s + 100.0)
    assert bus.recorder.times("battery_full") == [pytest.approx(full_s, rel=REL)]
    assert b.stored_mwh == E_MAX_MWH
    assert b.charge_limit_mw() == 0.0
    assert b.discharge_limit_mw(E_MIN_MWH) == P_DISCHARGE_MAX_MW
    assert bus.recorder.kinds() == ["battery_empty", "battery_full"]


def test_a_line_changed_before_the_bound_leaves_no_bound_event():
    bus = StubBus(simpy.Environment(), battery(soc_initial=0.6), E_MIN_MWH)
    bus.line_at(0.0, 36.0)  # would reach the floor at 4750 s
    bus.line_at(3000.0, 12.0)  # 60 − 36·3000/0.95/3600 = 28.42 MWh left, at 12 MW
    e_mwh = 60.0 - 36.0 * 3000.0 / ETA_D / 3600
    empty_s = 3000.0 + (e_mwh - E_MIN_MWH) * ETA_D * 3600 / 12.0
    bus.at(empty_s - 1.0)
    assert bus.recorder.events == []
    bus.at(empty_s + 1.0)
    assert bus.recorder.times("battery_empty") == [pytest.approx(empty_s, rel=REL)]


def test_the_limits_are_the_ratings_inside_the_window_and_zero_at_its_bounds():
    b = battery(soc_initial=0.5)
    assert b.discharge_limit_mw(E_MIN_MWH) == P_DISCHARGE_MAX_MW
    assert b.charge_limit_mw() == P_CHARGE_MAX_MW
    # At the floor, and within the tolerance 1e-9·E_nom of it: nothing more to discharge.
    for e_mwh in (E_MIN_MWH, E_MIN_MWH + 0.5 * EPS_MWH):
        b.stored_mwh = e_mwh
        assert b.discharge_limit_mw(E_MIN_MWH) == 0.0
        assert b.charge_limit_mw() == P_CHARGE_MAX_MW
    b.stored_mwh = E_MIN_MWH + 2 * EPS_MWH
    assert b.discharge_limit_mw(E_MIN_MWH) == P_DISCHARGE_MAX_MW
    # The floor is the caller's: the reserve stops a discharge the window's bottom would allow.
    b.stored_mwh = E_RESERVE_MWH
    assert b.discharge_limit_mw(E_RESERVE_MWH) == 0.0
    assert b.discharge_limit_mw(E_MIN_MWH) == P_DISCHARGE_MAX_MW
    # At the top, and within the tolerance of it: nothing more to charge.
    for e_mwh in (E_MAX_MWH, E_MAX_MWH - 0.5 * EPS_MWH):
        b.stored_mwh = e_mwh
        assert b.charge_limit_mw() == 0.0
        assert b.discharge_limit_mw(E_MIN_MWH) == P_DISCHARGE_MAX_MW
    b.stored_mwh = E_MAX_MWH - 2 * EPS_MWH
    assert b.charge_limit_mw() == P_CHARGE_MAX_MW


def test_the_energy_snaps_onto_the_bound_it_heads_for_and_no_other():
    # Discharging past the floor: 20 MW for 3 h from 30 MWh would be 30 − 60/0.95 < 10; on it.
    b = battery(soc_initial=0.3)
    b.set_power(20.0)
    b.advance(3 * 3600.0, E_MIN_MWH)
    assert b.stored_mwh == E_MIN_MWH
    # Ending within the tolerance above the floor: on it; twice the tolerance above: not.
    for above_mwh, snapped in ((0.5 * EPS_MWH, True), (2 * EPS_MWH, False)):
        b = battery(soc_initial=0.3)
        b.set_power(20.0)
        # dt such that 30 − 20·dt/0.95/3600 = 10 + above: dt = (20 − above)·0.95·3600/20.
        dt_s = (0.3 * E_NOM_MWH - E_MIN_MWH - above_mwh) * ETA_D * 3600 / 20.0
        b.advance(dt_s, E_MIN_MWH)
        if snapped:
            assert b.stored_mwh == E_MIN_MWH
        else:
            assert b.stored_mwh == pytest.approx(E_MIN_MWH + above_mwh, abs=1e-3 * EPS_MWH)
            assert b.stored_mwh > E_MIN_MWH
    # Charging past the top: on it.
    b = battery(soc_initial=0.8)
    b.set_power(-40.0)
    b.advance(3600.0, E_MIN_MWH)  # 80 + 40·0.92 > 90
    assert b.stored_mwh == E_MAX_MWH
    # A discharge ending near the top, or a charge ending near the floor, is not snapped.
    b = battery(soc_initial=0.9)
    b.set_power(1.0)
    b.advance(0.5 * EPS_MWH * ETA_D * 3600, E_MIN_MWH)  # moves 0.5·eps below the top
    assert b.stored_mwh < E_MAX_MWH
    b = battery(soc_initial=0.1)
    b.set_power(-1.0)
    b.advance(0.5 * EPS_MWH / ETA_C * 3600, E_MIN_MWH)  # moves 0.5·eps above the floor
    assert b.stored_mwh > E_MIN_MWH


@pytest.mark.parametrize(
    ("p_mw", "r_mw_per_s", "expected_mwh"),
    [
        (5.0, 0.0, E_RESERVE_MWH),  # discharging: the floor given
        (0.0, 0.1, E_RESERVE_MWH),  # from 0, discharging by its ramp
        (-5.0, 0.0, E_MAX_MWH),  # charging: the top of the window
        (0.0, -0.1, E_MAX_MWH),
        (0.0, 0.0, 55.0),  # idle: stays
    ],
)
def test_snap_to_bound_puts_the_energy_on_the_bound_of_its_direction(
    p_mw, r_mw_per_s, expected_mwh
):
    b = battery(soc_initial=0.55)
    b.set_power(p_mw, r_mw_per_s)
    b.snap_to_bound(E_RESERVE_MWH)
    assert b.stored_mwh == pytest.approx(expected_mwh, rel=REL)


# ---- a property over random lines ----------------------------------------------------------


@st.composite
def segment(draw):
    """``(direction, a0, a1, dt_s)``: a line from ``a0`` to ``a1`` of the power limit in its
    direction (so it keeps its sign and stays within the limit), over ``dt_s``; half of them
    constant (``a1 = a0``)."""
    unit = st.floats(0.0, 1.0, allow_subnormal=False)
    a0 = draw(unit)
    a1 = a0 if draw(st.booleans()) else draw(unit)
    direction = draw(st.sampled_from([1, -1, 0]))
    return direction, a0, a1, draw(st.floats(1.0, 20_000.0, allow_subnormal=False))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    soc_initial=st.floats(SOC_MIN, SOC_MAX), segments=st.lists(segment(), min_size=1, max_size=30)
)
def test_random_lines_keep_the_energy_in_the_window_and_move_the_integral_over_eta(
    soc_initial, segments
):
    """Each line is within the limits the battery gives now (as the bus keeps it), and ends at
    the drawn length or at the bound, whichever is first (the bus makes the bound an event and
    puts the energy on it). Then the energy stays in [soc_min, soc_max]·E_nom, and each segment
    moves exactly ``∫p dt / η_d`` out or ``∫|p| dt · η_c`` in (to 1e-9 of the larger of it and
    E_nom: the tolerance at a bound is 1e-9·E_nom)."""
    b = battery(soc_initial=soc_initial)
    e0_mwh = b.stored_mwh
    out_mwh = in_mwh = 0.0
    for direction, a0, a1, dt_s in segments:
        limit_mw = (
            b.discharge_limit_mw(E_MIN_MWH) if direction > 0 else b.charge_limit_mw()
        ) * direction
        p0_mw, p1_mw = a0 * limit_mw, a1 * limit_mw
        r_mw_per_s = (p1_mw - p0_mw) / dt_s
        b.set_power(p0_mw, r_mw_per_s)
        bound_s = b.seconds_to_bound(E_MIN_MWH)
        reaches = bound_s <= dt_s
        dt_s = min(dt_s, bound_s)
        before_mwh = b.stored_mwh
        b.advance(dt_s, E_MIN_MWH)
        if reaches:
            b.snap_to_bound(E_MIN_MWH)  # the bound's event
            assert b.stored_mwh == (E_MIN_MWH if b.direction > 0 else E_MAX_MWH)
        assert E_MIN_MWH <= b.stored_mwh <= E_MAX_MWH
        expected_mwh = delta_mwh(p0_mw, r_mw_per_s, dt_s) if direction else 0.0
        assert abs(b.stored_mwh - before_mwh - expected_mwh) <= 1e-9 * max(
            abs(expected_mwh), E_NOM_MWH
        )
        if expected_mwh < 0:
            out_mwh -= expected_mwh
        else:
            in_mwh += expected_mwh
    # Over the whole sequence: E_end − E_0 = (∫|p_charge| dt)·η_c − (∫p_discharge dt)/η_d.
    assert abs(b.stored_mwh - (e0_mwh + in_mwh - out_mwh)) <= 1e-9 * max(
        in_mwh + out_mwh, E_NOM_MWH
    )
