"""Exact figures of the record over many consecutive windows at once (the calendar months of a
run): one pass over the record for all windows, not one per window.

Issue 19: the money summary used to scan (and sort) every segment once per month, so its cost
grew with the square of the run's length (an 8-year run: 96 passes over 460k segments). Each
function here gives, for every window, the same numbers as its one-window counterpart in
:mod:`sim.summary` (the same floating-point operations on the same values: the results are
bit-for-bit those of the per-window calls), in time linear in the record (plus a binary
search per window).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from sim.recorder import cumulative_energy_mwh, durations_s, ramp_of
from sim.signals import Schedule


def window_maxes(
    segments: pd.DataFrame, column: str, bounds_s: np.ndarray, end_s: float
) -> list[float]:
    """Largest value of ``column`` reached for a positive time within each window
    ``[bounds_s[k], bounds_s[k+1])`` (see :func:`sim.summary.window_max`) [the column's unit].

    A segment's line ``p + r·τ`` is largest at one of its ends clipped to the window; each
    window looks only at the segments that can reach into it, found by binary search on the
    start times: those starting before its end, from the last one starting before its start
    (a segment's end ``t + Δt`` rounds to at most one ulp above the next start, so no earlier
    segment can reach past the window's start).
    """
    t_all = segments["time_s"].to_numpy()
    end_all = t_all + durations_s(segments, end_s)
    p_all, r_all = segments[column].to_numpy(), ramp_of(segments, column)
    out = []
    for start_s, stop_s in pairwise(np.asarray(bounds_s, dtype=float).tolist()):
        lo = max(int(np.searchsorted(t_all, start_s, side="left")) - 1, 0)
        hi = int(np.searchsorted(t_all, stop_s, side="left"))
        t_s, seg_end_s = t_all[lo:hi], end_all[lo:hi]
        inside = (seg_end_s > start_s) & (seg_end_s > t_s)
        if not inside.any():
            out.append(0.0)
            continue
        p, r = p_all[lo:hi][inside], r_all[lo:hi][inside]
        a_s = np.maximum(t_s[inside], start_s) - t_s[inside]
        b_s = np.minimum(seg_end_s[inside], stop_s) - t_s[inside]
        out.append(float(np.maximum(p + r * a_s, p + r * b_s).max()))
    return out


def signal_integrals(
    segments: pd.DataFrame, column: str, schedule: Schedule, bounds_s: np.ndarray
) -> list[float]:
    """Exact ``∫ p(t)·s(t) dt`` over each window ``[bounds_s[k], bounds_s[k+1])`` (see
    :func:`sim.summary.signal_integral`) [MWh × the signal's unit].

    The breaks of all windows are sorted once: the window bounds and every change of the
    power or the signal strictly inside the run's span; a window's breaks are the slice of
    them between its bounds (the set the one-window function builds), its integral the sum
    of exact piece energies times the signal's value at each piece's start.
    """
    bounds_s = np.asarray(bounds_s, dtype=float)
    cuts = np.concatenate((segments["time_s"].to_numpy(), schedule.times_s))
    breaks = np.unique(
        np.concatenate((bounds_s, cuts[(cuts > bounds_s[0]) & (cuts < bounds_s[-1])]))
    )
    energy = np.diff(cumulative_energy_mwh(segments, column, breaks))
    values = schedule.at(breaks[:-1])
    ends = np.searchsorted(breaks, bounds_s, side="left").tolist()
    # (copies: each window's dot product runs on fresh arrays, as the one-window function's)
    return [float(energy[i:j].copy() @ values[i:j].copy()) for i, j in pairwise(ends)]
