"""Columnar in-memory recording at events, exact energy integrals and resampling.

The engine appends one row per event time to a plain list (no DataFrame, no I/O per event). Each
row holds the powers that apply from its time until the next row's, and the stored energy at its
time. Because powers are piecewise constant, energies are exact sums of ``p·dt``, and the regular
timeseries is made by differencing the exact cumulative energy at bin edges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.units import H_PER_S, S_PER_H

SEGMENT_COLUMNS = (
    "time_s",
    "it_mw",
    "battery_aux_mw",
    "grid_mw",
    "battery_mw",
    "unserved_mw",
    "curtailed_mw",
    "it_capped_mw",
    "it_shed_mw",
    "battery_energy_mwh",
    "grid_up_pu",
)
"""Columns of a recorded row, in order. Powers hold from ``time_s`` to the next row's;
``grid_up_pu`` is 1 while the grid is available and 0 during an outage."""


class Recorder:
    """Collects rows (see :data:`SEGMENT_COLUMNS`) and discrete events in memory."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, ...]] = []
        self.events: list[tuple[float, str, str, str]] = []

    def row(self, values: tuple[float, ...]) -> None:
        """Record the state from ``values[0]`` [s] on; a second row at the same time replaces it."""
        rows = self.rows
        if rows and rows[-1][0] == values[0]:
            rows[-1] = values
        else:
            rows.append(values)

    def event(self, time_s: float, kind: str, source: str, detail: str = "") -> None:
        """Record a discrete event."""
        self.events.append((time_s, kind, source, detail))

    def segments(self, battery_energy_nom_mwh: float) -> pd.DataFrame:
        """The exact record: one row per constant-power segment, with derived columns.

        Adds ``time_h``, ``load_mw`` (= it + cooling + battery aux), ``cooling_mw``,
        ``turbines_mw``, ``battery_discharge_mw``, ``battery_charge_mw`` (magnitudes) and
        ``battery_soc`` [pu].
        """
        data = np.asarray(self.rows, dtype=float).reshape(-1, len(SEGMENT_COLUMNS))
        df = pd.DataFrame(data, columns=list(SEGMENT_COLUMNS))
        df.insert(0, "time_h", df["time_s"] * H_PER_S)
        df["cooling_mw"] = 0.0
        df["turbines_mw"] = 0.0
        df["load_mw"] = df["it_mw"] + df["cooling_mw"] + df["battery_aux_mw"]
        df["it_demand_mw"] = df["it_mw"] + df["it_capped_mw"] + df["it_shed_mw"]
        df["battery_discharge_mw"] = df["battery_mw"].clip(lower=0.0)
        df["battery_charge_mw"] = (-df["battery_mw"]).clip(lower=0.0)
        nom = battery_energy_nom_mwh
        df["battery_soc"] = df["battery_energy_mwh"] / nom if nom > 0 else 0.0
        return df

    def events_frame(self) -> pd.DataFrame:
        """Discrete events as a DataFrame: ``time_h, kind, source, detail``."""
        df = pd.DataFrame(self.events, columns=["time_s", "kind", "source", "detail"])
        df.insert(0, "time_h", df.pop("time_s").astype(float) * H_PER_S)
        return df.astype({"kind": str, "source": str, "detail": str})


POWER_COLUMNS = (
    "load_mw",
    "it_demand_mw",
    "it_mw",
    "it_capped_mw",
    "it_shed_mw",
    "cooling_mw",
    "battery_aux_mw",
    "grid_mw",
    "turbines_mw",
    "battery_mw",
    "battery_discharge_mw",
    "battery_charge_mw",
    "unserved_mw",
    "curtailed_mw",
)
"""Power columns of a segment frame, each integrated exactly."""

MEAN_COLUMNS = (*POWER_COLUMNS, "grid_up_pu")
"""Columns resampled as exact time-weighted means (``grid_up_pu``: the share of time up)."""


def durations_s(segments: pd.DataFrame, end_s: float) -> np.ndarray:
    """Length of each segment [s]: to the next row's time, the last one to ``end_s``."""
    t_s = segments["time_s"].to_numpy()
    return np.diff(t_s, append=end_s)


def energy_mwh(segments: pd.DataFrame, end_s: float) -> dict[str, float]:
    """Exact energy of every power column over the run: ``E = Σ p_i·Δt_i / 3600`` [MWh]."""
    dt_s = durations_s(segments, end_s)
    return {
        col.removesuffix("_mw"): float(segments[col].to_numpy() @ dt_s) / S_PER_H
        for col in POWER_COLUMNS
    }


def cumulative_energy_mwh(segments: pd.DataFrame, column: str, at_s: np.ndarray) -> np.ndarray:
    """Exact energy of ``column`` from 0 to each time in ``at_s`` [MWh].

    Cumulative energy is piecewise linear between rows, so linear interpolation of its values at
    the row times is exact. ``at_s`` must lie within the record (times beyond the last row use
    the last row's power).
    """
    t_s = segments["time_s"].to_numpy()
    p_mw = segments[column].to_numpy()
    cum_mw_s = np.concatenate(([0.0], np.cumsum(p_mw[:-1] * np.diff(t_s))))
    idx = np.clip(np.searchsorted(t_s, at_s, side="right") - 1, 0, len(t_s) - 1)
    return (cum_mw_s[idx] + p_mw[idx] * (at_s - t_s[idx])) / S_PER_H


def bin_edges_s(resolution_s: float, end_s: float) -> np.ndarray:
    """Edges of the output bins [s]: every ``resolution_s`` from 0, and ``end_s`` last.

    A last bin shorter than 1e-9 of the resolution (a rounding sliver) is merged into the
    one before it.
    """
    edges_s = np.arange(0.0, end_s, resolution_s)
    if len(edges_s) > 1 and end_s - edges_s[-1] < 1e-9 * resolution_s:
        edges_s = edges_s[:-1]
    return np.append(edges_s, end_s)


def resample(segments: pd.DataFrame, resolution_s: float, end_s: float) -> pd.DataFrame:
    """A regular timeseries: time-weighted mean powers per bin, states at each bin's end.

    Bin ``k`` covers ``[k·res, min((k+1)·res, end))``; its ``time_h`` is the bin's start. The
    last bin is shorter when the run's length is not a multiple of the resolution.
    """
    edges_s = bin_edges_s(resolution_s, end_s)
    width_s = np.diff(edges_s)
    out = {"time_h": edges_s[:-1] * H_PER_S}
    for col in MEAN_COLUMNS:
        cum = cumulative_energy_mwh(segments, col, edges_s)
        out[col] = np.diff(cum) * S_PER_H / width_s
    t_s = segments["time_s"].to_numpy()
    out["battery_soc"] = np.interp(edges_s[1:], t_s, segments["battery_soc"].to_numpy())
    out["turbines_online"] = np.zeros(len(width_s), dtype=np.int64)
    return pd.DataFrame(out)
