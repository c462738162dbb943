"""Piecewise-linear helpers of the hybrid event engine.

Between two events every power is a straight line ``p(t) = p0 + r·(t − t0)`` [MW, MW/s]: most
are constant (``r = 0``); a turbine ramp and a ramp-limited grid import are not. The bus keeps
each line inside its limits by scheduling the time it would cross one as an event. The helpers
here compute those times and the exact integrals, without stepping a clock.

At an event that *is* a crossing, rounding leaves a line within a hair of its limit. A
clamp therefore looks at where the line is heading: a value within ``tol`` of a limit and moving
past it is taken as already there. Without this, a crossing a few ulps away would be scheduled
again and again at (almost) the same time.

The hair has two parts. One is the rounding of powers, ``tol`` [MW]. The other is the rounding
of the clock: an event time is a float, so it lands within ``ulp(t)/2`` of the crossing it was
scheduled for, and a line of slope ``r`` is then up to ``|r|·ulp(t)/2`` [MW] off its level.
That grows with the clock (``ulp`` is 4.5e-13 s at hour 1, 6e-8 s at hour 80,000) while
``tol`` does not. For a line that goes on the same way it does no harm: a crossing nearer than
the clock resolves is scheduled at the next representable time (the bus makes sure time moves
on), and by then the line is past it, by at most ``|r|·ulp(t)``. It does harm to a slope that
depends on which side of a level the line is — a policy chasing a moving value (``smooth``
catching up with the load): it would overshoot, turn, and overshoot again at every ulp, for
ever. Such a decision counts a gap within ``tol + |r|·tol_s`` as closed, with ``tol_s``
(:func:`time_tol_s`) a few ulps of the clock: a crossing nearer than that is reached now.
"""

from __future__ import annotations

import math

TIME_TOL_ULPS = 4.0
"""The time tolerance of the engine in ulps of the clock (see :func:`time_tol_s`): an event
time is within half an ulp of the time it was computed for, twice that across a power of 2."""


def time_tol_s(now_s: float) -> float:
    """Time tolerance at clock time ``now_s`` [s]: a crossing nearer than this is reached now
    (by a decision that turns a slope around at it; see the module docstring).

    ``TIME_TOL_ULPS·ulp(now)``: 1.8e-12 s at hour 1, 2.4e-7 s at hour 80,000 (see the module
    docstring).
    """
    return TIME_TOL_ULPS * math.ulp(now_s)


def clamp_line(p0: float, r: float, lo: float, hi: float, tol: float) -> tuple[float, float]:
    """Clamp the line ``p0 + r·t`` to ``[lo, hi]`` just after ``t = 0``: ``(value, slope)``.

    A value within ``tol`` of a limit with a slope pointing past it is on that limit. A
    constant (``r = 0``) is clamped exactly: it crosses nothing, so there is no rounding of a
    crossing time to absorb.
    """
    if r == 0.0:
        return (hi if p0 > hi else lo if p0 < lo else p0), 0.0
    if p0 >= hi - tol and (p0 > hi + tol or r >= 0.0):
        return hi, 0.0
    if p0 <= lo + tol and (p0 < lo - tol or r <= 0.0):
        return lo, 0.0
    return p0, r


def crossing_s(p0: float, r: float, levels: tuple[float, ...], tol: float) -> float:
    """Time until the line ``p0 + r·t`` first reaches one of ``levels`` [s]; ``inf`` if never.

    ``t = (level − p0) / r`` for the levels ahead of the line; levels it is already past or
    within ``tol`` of are ignored (see :func:`clamp_line`).
    """
    if r == 0.0:
        return math.inf
    best = math.inf
    for level in levels:
        if abs(level - p0) > tol:
            t = (level - p0) / r
            if 0.0 < t < best:
                best = t
    return best


def line_integral(p0: float, r: float, dt: float) -> float:
    """``∫₀^dt (p0 + r·t) dt = p0·dt + r·dt²/2`` [MW·s]."""
    return (p0 + 0.5 * r * dt) * dt


def time_to_integral(p0: float, r: float, target: float) -> float:
    """Smallest ``t > 0`` with ``p0·t + r·t²/2 = target`` for ``target > 0`` [s]; ``inf`` if none.

    Roots of ``(r/2)·t² + p0·t − target = 0`` in the cancellation-free form
    ``t = 2·target / (p0 + √(p0² + 2·r·target))``. With ``r < 0`` the line may reach zero
    before the integral gets there: then there is no root (negative discriminant).
    """
    if target <= 0.0:
        return 0.0
    disc = p0 * p0 + 2.0 * r * target
    if disc < 0.0:
        return math.inf
    denom = p0 + math.sqrt(disc)
    return 2.0 * target / denom if denom > 0.0 else math.inf


def heading_of(p_mw: float, ramp_mw_per_s: float) -> int:
    """Which way a bus power line goes: +1 discharging, -1 charging, 0 idle; from ``p_mw``,
    or from the ramp when ``p_mw`` is 0."""
    if p_mw > 0.0 or (p_mw == 0.0 and ramp_mw_per_s > 0.0):
        return 1
    if p_mw < 0.0 or ramp_mw_per_s < 0.0:
        return -1
    return 0
