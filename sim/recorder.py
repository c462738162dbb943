"""Columnar in-memory recording at events, exact energy integrals and resampling.

The engine appends one row per event time to a flat array of floats (no DataFrame, no I/O per
event; 8 bytes a value, against up to 32 for a float object in a tuple, and nothing for the
cyclic garbage collector to walk). Each row holds the power lines that apply from its time
until the next row's — a value and a ramp ``p(t) = p + r·(t − t_row)`` — and the stored energy
at its time. Energies are therefore exact
sums of ``p·dt + r·dt²/2``, and the regular timeseries is made by differencing the exact
cumulative energy at bin edges.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pandas as pd

from sim.units import H_PER_S, S_PER_H

SEGMENT_COLUMNS = (
    "time_s",
    "it_mw",
    "battery_aux_mw",
    "grid_mw",
    "turbines_mw",
    "battery_mw",
    "unserved_mw",
    "curtailed_mw",
    "it_capped_mw",
    "it_shed_mw",
    "battery_energy_mwh",
    "grid_up_pu",
    "turbines_online",
    "grid_ramp_mw_per_s",
    "turbines_ramp_mw_per_s",
    "battery_ramp_mw_per_s",
    "unserved_ramp_mw_per_s",
    "curtailed_ramp_mw_per_s",
)
"""Columns of a recorded row, in order. Powers hold from ``time_s`` to the next row's, moving at
their ``<name>_ramp_mw_per_s`` (0 for a column without one); ``grid_up_pu`` is 1 while the grid
is available and 0 during an outage; ``turbines_online`` counts units online."""

COOLING_COLUMNS = (
    "cooling_mw",
    "heat_rejected_mw",
    "heat_stored_mw",
    "coolant_c",
    "coolant_rate_c_per_s",
    "throttle_pu",
)
"""Columns a site with a cooling plant appends to its rows: the plant's power, the heat it
rejects to the ambient, the heat going into the water loop (< 0: coming out) [MW] (constant
over a segment); the loop's supply temperature at the row's time and its rate [°C, °C/s];
the GPUs' thermal throttle [pu]."""
COOLING_DEFAULTS = {"coolant_c": np.nan, "throttle_pu": 1.0}

ELECTRICAL_COLUMNS = ("electrical_loss_mw",)
"""The column a site with distribution losses (:mod:`sim.electrical`) appends to its rows,
after the cooling plant's: the transformers' and the UPS's loss [MW] (constant over a
segment; 0 in a site without)."""


def ramp_column(column: str) -> str:
    """Name of the ramp column of power column ``column`` (``grid_mw`` → ``grid_ramp_mw_per_s``)."""
    return column.removesuffix("_mw") + "_ramp_mw_per_s"


def ramp_of(segments: pd.DataFrame, column: str) -> np.ndarray:
    """Ramp of each segment's ``column`` [MW/s]; zeros for a column that never ramps."""
    name = ramp_column(column)
    if name in segments:
        return segments[name].to_numpy()
    return np.zeros(len(segments))


class Rows:
    """The recorded rows, read as tuples (a view of :class:`Recorder`'s flat array of floats:
    row ``i`` is its values ``i·width … (i + 1)·width − 1``)."""

    def __init__(self, flat: array, width: int) -> None:
        self._flat = flat
        self._width = width

    def __len__(self) -> int:
        return len(self._flat) // self._width if self._width else 0

    def __getitem__(self, i: int) -> tuple[float, ...]:
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("row index out of range")
        w = self._width
        return tuple(self._flat[i * w : (i + 1) * w])

    def __iter__(self) -> Iterator[tuple[float, ...]]:
        return (self[i] for i in range(len(self)))


class Recorder:
    """Collects rows and discrete events in memory.

    A row holds :data:`SEGMENT_COLUMNS` (the bus's own), then the columns the components
    declare (:meth:`declare`), in the order declared. It is handed over as a tuple (the
    cheapest thing to build per event) and stored flat, as C doubles, in one growing array
    (a 1M-GPU year records ~1.1M rows of 18 values: ~160 MB so, against ~350 MB as tuples of
    float objects, issue 19); :attr:`rows` reads them back as tuples, :meth:`named` one by
    column name. Discrete events are kept in order, and counted by kind as they are recorded
    (:meth:`count`, :meth:`event_counts`).

    Parameters
    ----------
    battery_energy_nom_mwh : float
        Nominal energy of the site's storage [MWh]: the ``battery_soc`` of :meth:`segments`
        is its stored energy over this (0 without a storage).
    """

    def __init__(self, battery_energy_nom_mwh: float = 0.0) -> None:
        self.battery_energy_nom_mwh = battery_energy_nom_mwh
        self._flat = array("d")  # the rows' values, one row after another
        self._width = 0  # values per row (set by the first row)
        self._last_t_s = math.nan  # time of the last row [s] (NaN: none yet)
        self._pack = struct.Struct("0d").pack  # a row's values to bytes (set by the first row)
        self.events: list[tuple[float, str, str, str]] = []
        self._counts: Counter[str] = Counter()  # events by kind, kept by event()
        self.columns: tuple[str, ...] = SEGMENT_COLUMNS
        self.extra_mean_columns: tuple[str, ...] = ()  # declared, averaged beyond MEAN_COLUMNS

    def declare(self, columns: tuple[str, ...], means: tuple[str, ...] = ()) -> None:
        """Add a component's columns to every row from now on (before the first row); the
        timeseries averages its powers (``_mw``) and ``means`` (other columns it gives as bin
        means, e.g. a count of cars) over each bin.

        Raises
        ------
        ValueError
            If rows were recorded already, or a column is declared twice.
        """
        if self._flat:
            raise ValueError(f"columns {columns} declared after the first row")
        twice = set(columns) & set(self.columns)
        if twice or len(set(columns)) < len(columns):
            raise ValueError(f"recorder columns declared twice: {sorted(twice) or columns}")
        self.columns += columns
        self.extra_mean_columns += tuple(
            c for c in columns if (c.endswith("_mw") or c in means) and c not in MEAN_COLUMNS
        )

    def named(self, values: tuple[float, ...]) -> dict[str, float]:
        """A row's values by column name."""
        return dict(zip(self.columns, values, strict=True))

    def column_index(self, column: str) -> int:
        """Position of ``column`` in a row."""
        return self.columns.index(column)

    @property
    def rows(self) -> Rows:
        """The rows recorded so far, each as a tuple of floats (``rows[-1]``: the last)."""
        return Rows(self._flat, self._width)

    def row(self, values: tuple[float, ...]) -> None:
        """Record the state from ``values[0]`` [s] on; a second row at the same time replaces it.

        Raises
        ------
        ValueError
            If the row has not as many values as the first one.
        """
        width = self._width
        if len(values) != width:
            if width:
                raise ValueError(f"a row of {len(values)} values after rows of {width}")
            self._width = width = len(values)
            self._pack = struct.Struct(f"{width}d").pack  # (native doubles, as the array's)
        flat = self._flat
        if values[0] == self._last_t_s:
            del flat[len(flat) - width :]
        self._last_t_s = values[0]
        # (packed to bytes first: ~5x faster than array.extend, which grows the array by
        # one item at a time from a tuple; the doubles are the same)
        flat.frombytes(self._pack(*values))

    def event(self, time_s: float, kind: str, source: str, detail: str = "") -> None:
        """Record a discrete event."""
        self.events.append((time_s, kind, source, detail))
        self._counts[kind] += 1

    def count(self, kind: str) -> int:
        """Events of ``kind`` recorded so far (0 for a kind never recorded)."""
        return self._counts[kind]

    def event_counts(self) -> Counter[str]:
        """Events recorded so far by kind (a copy), in the order each kind first occurred."""
        return Counter(self._counts)

    def segments(self, battery_energy_nom_mwh: float | None = None) -> pd.DataFrame:
        """The exact record: one row per segment (powers are lines in it), with derived columns.

        Adds ``time_h``, ``load_mw`` (= it + cooling + battery aux + electrical loss),
        ``cooling_mw`` and ``electrical_loss_mw`` (0 in a site without),
        ``battery_discharge_mw``, ``battery_charge_mw`` (magnitudes, with their ramps) and
        ``battery_soc`` [pu] = stored energy / ``battery_energy_nom_mwh`` (default: the
        recorder's own, :attr:`battery_energy_nom_mwh`).
        """
        columns = list(self.columns)
        # the frame's block is a view of the record's array, not a copy (issue 19: a copy was
        # a second ~157 MB at the 1M-GPU year's peak). While the frame lives, the array
        # cannot grow (BufferError): a record is framed when its run is over
        rows = np.frombuffer(self._flat, dtype=float).reshape(-1, len(columns))
        df = pd.DataFrame(rows, columns=columns, copy=False)
        df.insert(0, "time_h", df["time_s"] * H_PER_S)
        for column in (*COOLING_COLUMNS, *ELECTRICAL_COLUMNS):
            if column not in df:
                df[column] = COOLING_DEFAULTS.get(column, 0.0)
        df["load_mw"] = (
            df["it_mw"] + df["cooling_mw"] + df["battery_aux_mw"] + df["electrical_loss_mw"]
        )
        df["it_demand_mw"] = df["it_mw"] + df["it_capped_mw"] + df["it_shed_mw"]
        # A segment's battery line does not change sign; at 0 its ramp says which way it goes.
        p, r = df["battery_mw"].to_numpy(), df["battery_ramp_mw_per_s"].to_numpy()
        direction = np.where(p != 0.0, np.sign(p), np.sign(r))
        discharging, charging = direction > 0, direction < 0
        df["battery_discharge_mw"] = np.where(discharging, p, 0.0)
        df["battery_discharge_ramp_mw_per_s"] = np.where(discharging, r, 0.0)
        df["battery_charge_mw"] = np.where(charging, -p, 0.0)
        df["battery_charge_ramp_mw_per_s"] = np.where(charging, -r, 0.0)
        nom = (
            self.battery_energy_nom_mwh
            if battery_energy_nom_mwh is None
            else battery_energy_nom_mwh
        )
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
    "heat_rejected_mw",
    "heat_stored_mw",
    "battery_aux_mw",
    "electrical_loss_mw",
    "grid_mw",
    "turbines_mw",
    "battery_mw",
    "battery_discharge_mw",
    "battery_charge_mw",
    "unserved_mw",
    "curtailed_mw",
)
"""Power columns of a segment frame, each integrated exactly."""

MEAN_COLUMNS = (*POWER_COLUMNS, "grid_up_pu", "turbines_online", "throttle_pu")
"""Columns resampled as exact time-weighted means (``grid_up_pu``: the share of time up;
``turbines_online``: the mean number of units online)."""


def durations_s(segments: pd.DataFrame, end_s: float) -> np.ndarray:
    """Length of each segment [s]: to the next row's time, the last one to ``end_s``."""
    t_s = segments["time_s"].to_numpy()
    return np.diff(t_s, append=end_s)


def segment_energy_mw_s(segments: pd.DataFrame, column: str, end_s: float) -> np.ndarray:
    """Exact energy of ``column`` in each segment: ``p·Δt + r·Δt²/2`` [MW·s]."""
    dt_s = durations_s(segments, end_s)
    return (segments[column].to_numpy() + 0.5 * ramp_of(segments, column) * dt_s) * dt_s


def energy_mwh(segments: pd.DataFrame, end_s: float) -> dict[str, float]:
    """Exact energy of every power column over the run: ``Σ (p·Δt + r·Δt²/2) / 3600`` [MWh]."""
    return {
        col.removesuffix("_mw"): float(segment_energy_mw_s(segments, col, end_s).sum()) / S_PER_H
        for col in POWER_COLUMNS
    }


def cumulative_energy_mwh(segments: pd.DataFrame, column: str, at_s: np.ndarray) -> np.ndarray:
    """Exact energy of ``column`` from 0 to each time in ``at_s`` [MWh].

    Within a segment the cumulative energy is ``p·τ + r·τ²/2`` after its start, so evaluating
    that at ``at_s`` is exact. ``at_s`` must lie within the record (times beyond the last row
    use the last row's line).
    """
    t_s = segments["time_s"].to_numpy()
    p_mw = segments[column].to_numpy()
    r = ramp_of(segments, column)
    dt_s = np.diff(t_s)
    cum_mw_s = np.concatenate(([0.0], np.cumsum((p_mw[:-1] + 0.5 * r[:-1] * dt_s) * dt_s)))
    idx = np.clip(np.searchsorted(t_s, at_s, side="right") - 1, 0, len(t_s) - 1)
    tau = at_s - t_s[idx]
    return (cum_mw_s[idx] + (p_mw[idx] + 0.5 * r[idx] * tau) * tau) / S_PER_H


def battery_state_at(segments: pd.DataFrame, column: str, at_s: np.ndarray) -> np.ndarray:
    """A battery state column (``battery_energy_mwh``, ``battery_soc``) at each of ``at_s``.

    Within a segment the stored energy is affine in the energy through the battery's terminal
    (one efficiency applies, as the power does not change sign), so it is interpolated exactly
    between the segment's end values in proportion to ``∫ battery_mw dt``.
    """
    t_s = segments["time_s"].to_numpy()
    e_mwh = segments[column].to_numpy()
    idx = np.clip(np.searchsorted(t_s, at_s, side="right") - 1, 0, len(t_s) - 1)
    nxt = np.minimum(idx + 1, len(t_s) - 1)
    moved = cumulative_energy_mwh(segments, "battery_mw", at_s)
    at_row = cumulative_energy_mwh(segments, "battery_mw", t_s)
    total = at_row[nxt] - at_row[idx]
    share = np.divide(moved - at_row[idx], total, out=np.zeros_like(moved), where=total != 0.0)
    return e_mwh[idx] + (e_mwh[nxt] - e_mwh[idx]) * share


def bin_edges_s(resolution_s: float, end_s: float) -> np.ndarray:
    """Edges of the output bins [s]: every ``resolution_s`` from 0, and ``end_s`` last.

    A last bin shorter than 1e-9 of the resolution (a rounding sliver) is merged into the
    one before it.
    """
    edges_s = np.arange(0.0, end_s, resolution_s)
    if len(edges_s) > 1 and end_s - edges_s[-1] < 1e-9 * resolution_s:
        edges_s = edges_s[:-1]
    return np.append(edges_s, end_s)


def resample(
    segments: pd.DataFrame,
    resolution_s: float,
    end_s: float,
    extra_mean_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """A regular timeseries: time-weighted mean powers per bin, states at each bin's end.

    Bin ``k`` covers ``[k·res, min((k+1)·res, end))``; its ``time_h`` is the bin's start. The
    last bin is shorter when the run's length is not a multiple of the resolution.
    ``extra_mean_columns`` (the components' declared powers and means, see
    :attr:`Recorder.extra_mean_columns`) are averaged too.
    """
    edges_s = bin_edges_s(resolution_s, end_s)
    width_s = np.diff(edges_s)
    out = {"time_h": edges_s[:-1] * H_PER_S}
    for col in (*MEAN_COLUMNS, *extra_mean_columns):
        cum = cumulative_energy_mwh(segments, col, edges_s)
        out[col] = np.diff(cum) * S_PER_H / width_s
    out["battery_soc"] = battery_state_at(segments, "battery_soc", edges_s[1:])
    return pd.DataFrame(out)
