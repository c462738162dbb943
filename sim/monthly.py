"""``summary["by_month"]``: one entry per calendar month of the run that a user reads without
pandas — energy by source and use, peaks, the billed demand, cost, PUE, WUE and water.

The months are the site's local calendar months (:func:`sim.signals.month_starts_s` and
:func:`sim.signals.month_labels`): the first and last may be partial (``duration_h`` says how
much of each the run covers). Every energy is exact (:func:`sim.recorder.cumulative_energy_mwh`
at the month bounds). ``grid_by_month`` and ``cooling.by_month`` keep their keys (the public
interface renames nothing without a deprecation path): ``by_month`` repeats the figures they
hold next to the month's energies, so one list answers "how does PUE vary over the year".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.recorder import cumulative_energy_mwh
from sim.units import S_PER_H
from sim.windows import window_maxes

MONTH_ENERGY_KEYS = (
    "load",
    "it",
    "cooling",
    "grid",
    "turbines",
    "battery_discharge",
    "battery_charge",
    "unserved",
    "curtailed",
)
"""Keys of ``by_month[i].energy_mwh``: each the exact integral of ``<key>_mw`` over the month."""


def by_month(
    segments: pd.DataFrame,
    month_starts_s: np.ndarray,
    labels: Sequence[str],
    end_s: float,
    grid_months: Sequence[dict[str, Any]],
    cooling_months: Sequence[dict[str, Any]] | None,
) -> list[dict[str, Any]]:
    """The run's numbers per local calendar month.

    Parameters
    ----------
    segments : pandas.DataFrame
        The exact record (see :meth:`sim.recorder.Recorder.segments`).
    month_starts_s : numpy.ndarray
        Starts of the run's months [s from the run's start], 0 first.
    labels : sequence of str
        ``YYYY-MM`` of each month.
    end_s : float
        End of the run [s].
    grid_months : sequence of dict
        ``grid_by_month`` (:func:`sim.summary.money_summary`): billed demand and grid cost.
    cooling_months : sequence of dict or None
        ``cooling.by_month`` (:func:`sim.summary.cooling_by_month`); None in a site without a
        cooling plant (then water and WUE are null: no water use is modelled).

    Returns
    -------
    list of dict
        Per month: ``month``; ``duration_h`` (the run's part of it) [h];
        ``energy_mwh.<key>`` for :data:`MONTH_ENERGY_KEYS` [MWh]; ``peak_mw.{load,grid}``, the
        largest instantaneous values [MW]; ``demand_peak_mw``, the billed peak (largest mean
        grid import over a demand interval) [MW]; ``cost_usd.{energy,demand,grid}``, grid
        energy cost ∫ grid·price dt, demand charge and their sum [USD] (turbine fuel is not
        split by month: the record holds no fuel rate, see the ``turbines`` section for the
        run's fuel); ``pue`` = E_load / E_it [-] (null without IT energy);
        ``wue_l_per_kwh`` [L/kWh of IT] and ``water_m3`` [m³] from ``cooling.by_month``.
    """
    bounds_s = np.append(np.asarray(month_starts_s, dtype=float), end_s)
    energies = {
        key: np.diff(cumulative_energy_mwh(segments, f"{key}_mw", bounds_s))
        for key in MONTH_ENERGY_KEYS
    }
    load_peaks_mw = window_maxes(segments, "load_mw", bounds_s, end_s)  # (one pass, issue 19)
    months: list[dict[str, Any]] = []
    for k, label in enumerate(labels):
        a, b = float(bounds_s[k]), float(bounds_s[k + 1])
        grid = grid_months[k]
        it_mwh = float(energies["it"][k])
        cooling = cooling_months[k] if cooling_months is not None else {}
        months.append(
            {
                "month": label,
                "duration_h": (b - a) / S_PER_H,
                "energy_mwh": {key: float(e[k]) for key, e in energies.items()},
                "peak_mw": {
                    "load": load_peaks_mw[k],
                    "grid": grid["peak_mw"],
                },
                "demand_peak_mw": grid["demand_peak_mw"],
                "cost_usd": {
                    "energy": grid["energy_usd"],
                    "demand": grid["demand_usd"],
                    "grid": grid["energy_usd"] + grid["demand_usd"],
                },
                "pue": float(energies["load"][k]) / it_mwh if it_mwh > 0 else None,
                "wue_l_per_kwh": cooling.get("wue_l_per_kwh"),
                "water_m3": cooling.get("water_m3"),
            }
        )
    return months


def event_log_summary(counts: dict[str, int]) -> dict[str, Any]:
    """``event_log``: the number of events in ``events.parquet`` (``total``) and per kind
    (``by_kind``, alphabetical). Every event is kept in the log; these counts say which kinds
    chatter (``battery_full`` over a year) before one reads it (``dcsim show RUN --events
    --kinds KIND``). Not ``run.events``: that counts the bus's updates."""
    return {
        "total": int(sum(counts.values())),
        "by_kind": {kind: int(counts[kind]) for kind in sorted(counts)},
    }
