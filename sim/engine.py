"""Piecewise-linear helpers of the hybrid event engine.

Between two events every power is a straight line ``p(t) = p0 + r·(t − t0)`` [MW, MW/s]: most
are constant (``r = 0``); a turbine ramp and a ramp-limited grid import are not. The bus keeps
each line inside its limits by scheduling the time it would cross one as an event. The helpers
here compute those times and the exact integrals, without stepping a clock.

At an event that *is* a crossing, rounding leaves a line within a hair of its limit. A
clamp therefore looks at where the line is heading: a value within ``tol`` of a limit and moving
past it is taken as already there. Without this, a crossing a few ulps away would be scheduled
again and again at (almost) the same time.
"""

from __future__ import annotations

import math


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
