"""Injected events drawn from the config: random grid outages."""

from __future__ import annotations

import numpy as np

from sim.units import S_PER_H

H_PER_YEAR = 8760.0


def draw_outages(
    rng: np.random.Generator, rate_per_year: float, mean_duration_h: float, horizon_h: float
) -> list[tuple[float, float]]:
    """Random outages over ``[0, horizon_h)``: an alternating renewal process.

    The grid stays up for an exponential time with mean ``8760 / rate_per_year`` [h] (so the
    rate is per year of grid-up time), then is down for an exponential time with mean
    ``mean_duration_h`` [h], and so on. The expected count over a horizon ``T`` is therefore
    ``T / (8760 / rate + mean_duration_h)``.

    Returns
    -------
    list of (start_h, duration_h)
        In time order, non-overlapping; the last may run past the horizon.
    """
    outages: list[tuple[float, float]] = []
    t_h = 0.0
    mean_up_h = H_PER_YEAR / rate_per_year
    while True:
        t_h += rng.exponential(mean_up_h)
        if t_h >= horizon_h:
            return outages
        duration_h = float(rng.exponential(mean_duration_h))
        if duration_h * S_PER_H < 1.0:  # shorter than a second: not an outage worth an event
            duration_h = 1.0 / S_PER_H
        outages.append((float(t_h), duration_h))
        t_h += duration_h
