"""The numbers of ``summary.json``, computed exactly from the segment record."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.recorder import cumulative_energy_mwh, durations_s, energy_mwh
from sim.units import S_PER_H

ENERGY_KEYS = (
    "load",
    "it",
    "cooling",
    "battery_aux",
    "grid",
    "turbines",
    "battery_discharge",
    "battery_charge",
    "unserved",
    "curtailed",
)
"""Keys of ``summary["energy_mwh"]``, each the exact integral of the ``<key>_mw`` column."""

RIDE_THROUGH_TOL_MWH = 1e-9
"""Unserved energy below this during an outage still counts as ridden through [MWh]."""


def energy_summary(segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
    """Energy by source and use [MWh], peaks [MW] and unserved/curtailed totals [MWh]."""
    energy = energy_mwh(segments, end_s)
    lasting = durations_s(segments, end_s) > 0.0
    return {
        "energy_mwh": {key: energy[key] for key in ENERGY_KEYS},
        "peak_mw": {
            key: float(segments.loc[lasting, f"{key}_mw"].max()) for key in ("load", "grid")
        },
        "unserved_mwh": energy["unserved"],
        "curtailed_mwh": energy["curtailed"],
    }


def outage_summary(
    segments: pd.DataFrame, outages_h: list[tuple[float, float]], end_s: float
) -> list[dict[str, Any]]:
    """Per scheduled outage: unserved energy while it lasted and whether it was ridden through.

    ``ride_through`` is true when no load went unserved during the outage; it is null for an
    outage that starts after the end of the run. An outage cut short by the end of the run is
    judged on its simulated part (``simulated_h``).
    """
    out = []
    for start_h, duration_h in outages_h:
        start_s = start_h * S_PER_H
        stop_s = min((start_h + duration_h) * S_PER_H, end_s)
        entry: dict[str, Any] = {"start_h": start_h, "duration_h": duration_h}
        if start_s >= end_s:
            entry.update(simulated_h=0.0, unserved_mwh=None, ride_through=None)
        else:
            cum = cumulative_energy_mwh(segments, "unserved_mw", np.array([start_s, stop_s]))
            unserved = float(cum[1] - cum[0])
            entry.update(
                simulated_h=(stop_s - start_s) / S_PER_H,
                unserved_mwh=unserved,
                ride_through=bool(unserved < RIDE_THROUGH_TOL_MWH),
            )
        out.append(entry)
    return out


def battery_summary(
    segments: pd.DataFrame, energy_nom_mwh: float, end_s: float
) -> dict[str, float]:
    """Final and lowest state of charge [pu] and equivalent full cycles.

    Equivalent full cycles = energy discharged at the bus / nominal energy (0 without a battery).
    """
    dt_s = durations_s(segments, end_s)
    discharged_mwh = float(segments["battery_discharge_mw"].to_numpy() @ dt_s) / S_PER_H
    soc = segments["battery_soc"]
    return {
        "soc_final": float(soc.iloc[-1]),
        "soc_lowest": float(soc.min()),
        "equivalent_full_cycles": discharged_mwh / energy_nom_mwh if energy_nom_mwh > 0 else 0.0,
    }
