"""The balance of the site bus at one event: a pure function and its named result.

Given the net load line the battery and the grid must supply (the load less the sources'
output), what the policy wants from the grid and what the battery can give and take now,
:func:`balance` returns the battery's and the grid's power lines, what is left (unserved or
spilled) and when one of the lines next reaches a limit. It changes nothing: the bus sets the
battery's power from the result (see :meth:`sim.dispatch.Bus.update`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from sim.engine import clamp_line, crossing_s, heading_of

NAN = float("nan")
_new = tuple.__new__  # builds a Balance without its keyword-checking __new__ (the hot path)


@dataclass(slots=True)
class BusState:
    """What a policy sees at an event; the bus fills one instance in place (no allocation).

    Attributes
    ----------
    t_s : float
        Now [s since the run's start].
    load_mw, load_ramp_mw_per_s : float
        Net load the battery and the grid must supply: the load on the bus less the other
        sources' output [MW], and its rate of change until the next event [MW/s] (a turbine
        ramp).
    grid_max_mw : float
        Grid import available now: 0 during an outage, the import limit or a
        demand-response cap otherwise [MW].
    grid_mw : float
        Grid import just before now [MW] (the import is continuous unless something steps).
    discharge_max_mw, charge_max_mw : float
        What the battery can give and take now, both magnitudes [MW] (0 at its floor / full).
    price_usd_per_mwh : float
        Energy price now [USD/MWh] (kept current only for policies with ``needs_price``).
    tol_mw : float
        Power tolerance of the bus [MW]: differences below it are rounding.
    tol_s : float
        Time tolerance now [s] (a few ulps of the clock, see :func:`sim.engine.time_tol_s`):
        a policy that turns its slope ``r`` around at a level counts a gap within
        ``tol_mw + |r|·tol_s`` as closed (the clock cannot place the crossing nearer).
    """

    t_s: float = 0.0
    load_mw: float = 0.0
    load_ramp_mw_per_s: float = 0.0
    grid_max_mw: float = 0.0
    grid_mw: float = 0.0
    discharge_max_mw: float = 0.0
    charge_max_mw: float = 0.0
    price_usd_per_mwh: float = 0.0
    tol_mw: float = 0.0
    tol_s: float = 0.0


NO_COOLING = (0.0, 0.0, 0.0)
"""(cooling, heat rejected, heat not removed) [MW] of a site without a cooling plant."""


GridTarget = Callable[[BusState], tuple[float, float, bool]]
"""A policy's ``grid_target``: ``(target_mw, target_ramp_mw_per_s, may_charge)`` at a state."""

LineBound = Callable[[float, float, int, float], float]
"""A storage's ``line_seconds_to_bound(p_mw, ramp_mw_per_s, heading, floor_mwh)`` [s]."""


class Balance(NamedTuple):
    """The balance at one event (a named tuple: cheap to build at every event).

    Attributes
    ----------
    battery_mw, battery_ramp_mw_per_s : float
        The battery's power line [MW, MW/s] (> 0 discharging).
    grid_mw, grid_ramp_mw_per_s : float
        The grid import's line [MW, MW/s]; NaN when ``bound_now``.
    rest_mw, rest_ramp_mw_per_s : float
        What is left [MW, MW/s]: > 0 unserved, < 0 supply nobody takes; NaN when ``bound_now``.
    next_s : float
        Time until one of the lines reaches a limit (a kink) or the battery a bound [s].
    bound_s : float
        Time until the battery's line drives it to its bound [s]; ``inf`` if never.
    """

    battery_mw: float
    battery_ramp_mw_per_s: float
    grid_mw: float
    grid_ramp_mw_per_s: float
    rest_mw: float
    rest_ramp_mw_per_s: float
    next_s: float
    bound_s: float

    def bound_now(self, now: float) -> bool:
        """Whether the battery's bound is nearer than the clock at ``now`` resolves."""
        return not now + self.bound_s > now


_make = Balance._make
"""Builds a :class:`Balance` from a tuple without the Python-level ``__new__`` (the hot path)."""


def balance(
    s: BusState,
    grid_target: GridTarget,
    line_bound_s: LineBound,
    floor_mwh: float,
    follow: bool = True,
    last: bool = True,
) -> Balance:
    """Balance the net load line ``s.load_mw + s.load_ramp_mw_per_s·t`` now (``s.t_s``).

    The policy's grid target is clamped to ``[0, grid_max]``, the battery takes the difference
    within ``[−c_max, d_max]`` (``c_max = 0`` if the policy does not let it charge), and the
    grid supplies the rest up to ``grid_max``:

    .. math::

        p_{batt} = \\mathrm{clamp}(load - target,\\ -c_{max},\\ d_{max}), \\qquad
        p_{grid} = \\mathrm{clamp}(load - p_{batt},\\ 0,\\ g_{max}) \\qquad [\\mathrm{MW}]

    Parameters
    ----------
    s : BusState
        The bus now; read, not written.
    grid_target : callable
        The policy's ``grid_target`` (see :class:`sim.dispatch.DispatchPolicy`).
    line_bound_s : callable
        The battery's ``line_seconds_to_bound`` (see
        :meth:`sim.power.battery.Battery.line_seconds_to_bound`).
    floor_mwh : float
        The battery's floor now [MWh].
    follow : bool
        With ``follow`` false the battery and the grid hold their powers and the rest takes
        the ramp (see :data:`sim.dispatch.LOAD_MANAGEMENT_INTERVAL_S`).
    last : bool
        Whether the caller will not try again: if not, a bound nearer than the clock resolves
        returns at once (the grid and rest NaN), for the caller to put the battery on it and
        balance again.

    Returns
    -------
    Balance
    """
    now, tol = s.t_s, s.tol_mw
    net_mw, net_r = s.load_mw, s.load_ramp_mw_per_s
    d_max = s.discharge_max_mw
    target_mw, target_r, may_charge = grid_target(s)
    c_max = s.charge_max_mw if may_charge else 0.0
    grid_max = s.grid_max_mw
    if net_r == 0.0 and target_r == 0.0:  # constant lines, the hot path: the clamps inlined
        tr = ur = br = 0.0
        t0 = target_mw if target_mw < grid_max else grid_max  # inlined, exact
        u0 = net_mw - (t0 if t0 > 0.0 else 0.0)
        b0 = d_max if u0 >= d_max else (-c_max if u0 <= -c_max else u0)
        bound_s = line_bound_s(b0, 0.0, 0, floor_mwh)
        if now + bound_s > now:
            y0 = net_mw - b0
            g0 = 0.0 if y0 <= 0.0 else (grid_max if y0 >= grid_max else y0)
            return _new(Balance, (b0, 0.0, g0, 0.0, y0 - g0, 0.0, bound_s, bound_s))
    else:
        t0, tr = clamp_line(target_mw, target_r, 0.0, grid_max, tol)
        u0, ur = net_mw - t0, net_r - tr
        b0, br = clamp_line(u0, ur if follow else 0.0, -c_max, d_max, tol)
        if br != 0.0 and -tol <= b0 <= tol:
            b0 = 0.0  # at a zero crossing: the ramp says which way it goes on
        bound_s = line_bound_s(b0, br, heading_of(b0, br) if br != 0.0 else 0, floor_mwh)
    if not last and not now + bound_s > now:
        return _make((b0, br, NAN, NAN, NAN, NAN, bound_s, bound_s))
    y0, yr = net_mw - b0, net_r - br
    g0, gr = clamp_line(y0, yr if follow else 0.0, 0.0, grid_max, tol)
    if not follow:
        cross_s = crossing_s(y0 - g0, yr, (0.0,), tol)
    else:
        cross_s = min(
            crossing_s(target_mw, target_r, (0.0, grid_max), tol),
            crossing_s(u0, ur, (-c_max, 0.0, d_max), tol),
            crossing_s(y0, yr, (0.0, grid_max), tol),
        )
    return _make((b0, br, g0, gr, y0 - g0, yr - gr, min(cross_s, bound_s), bound_s))
