"""Readers for exogenous time-series inputs (CSV traces).

A trace is piecewise constant: each row's value holds from its ``time_h`` until the next row's,
and the last row's value holds until the end of the run. Readers raise :class:`TraceError` with
the line number and the offending value, so configuration errors can name the problem exactly.
"""

from __future__ import annotations

import csv
import functools
import math
from pathlib import Path

import numpy as np

from sim.units import S_PER_H


class TraceError(ValueError):
    """A trace file that cannot be used: missing, malformed or out of range."""


def read_load_trace(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a load trace with columns ``time_h`` and ``load_mw``.

    A file is parsed once per process while it is unchanged (same size and modification
    time); the arrays returned are read-only.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row naming at least ``time_h`` [h] and ``load_mw`` [MW].
        Other columns are allowed and not read.

    Returns
    -------
    time_s : numpy.ndarray
        Start of each row's interval [s since the run's start]; strictly increasing from 0.
    load_mw : numpy.ndarray
        Load from that time on [MW], ``>= 0``.

    Raises
    ------
    TraceError
        If the file is missing, a column is missing, a value is not a finite number, the times do
        not start at 0 and increase strictly, or a load is negative.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None or not path.is_file():
        raise TraceError(f"file not found: {path}")
    return _read_load_trace(path.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _read_load_trace(path: Path, mtime_ns: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    times_h: list[float] = []
    loads_mw: list[float] = []
    try:
        with path.open(newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            missing = [col for col in ("time_h", "load_mw") if col not in header]
            if missing:
                raise TraceError(
                    f"{path}: missing column(s) {', '.join(missing)}; the header must name "
                    f"time_h and load_mw (found: {', '.join(header) or 'none'})"
                )
            i_time, i_load = header.index("time_h"), header.index("load_mw")
            for line_no, row in enumerate(reader, start=2):
                if not row or all(not cell.strip() for cell in row):
                    continue
                t_h = _number(row, i_time, "time_h", path, line_no)
                p_mw = _number(row, i_load, "load_mw", path, line_no)
                if times_h and t_h <= times_h[-1]:
                    raise TraceError(
                        f"{path}:{line_no}: time_h {t_h} must be greater than the previous "
                        f"row's {times_h[-1]} (times must increase strictly)"
                    )
                if p_mw < 0:
                    raise TraceError(f"{path}:{line_no}: load_mw {p_mw} must be >= 0")
                times_h.append(t_h)
                loads_mw.append(p_mw)
    except UnicodeDecodeError as exc:
        raise TraceError(f"{path}: not a text CSV file ({exc.reason})") from None
    except OSError as exc:
        raise TraceError(f"{path}: cannot read ({exc.strerror})") from None
    except csv.Error as exc:
        raise TraceError(f"{path}: malformed CSV ({exc})") from None
    if not times_h:
        raise TraceError(f"{path}: no data rows")
    if times_h[0] != 0.0:
        raise TraceError(f"{path}:2: the first row must be at time_h 0 (found {times_h[0]})")
    time_s, load_mw = np.asarray(times_h) * S_PER_H, np.asarray(loads_mw)
    time_s.setflags(write=False)
    load_mw.setflags(write=False)
    return time_s, load_mw


def _number(row: list[str], index: int, column: str, path: Path, line_no: int) -> float:
    """Parse one finite float cell, or raise a :class:`TraceError` naming it."""
    cell = row[index].strip() if index < len(row) else ""
    try:
        value = float(cell)
    except ValueError:
        raise TraceError(f"{path}:{line_no}: {column} {cell!r} is not a number") from None
    if not math.isfinite(value):
        raise TraceError(f"{path}:{line_no}: {column} {cell!r} is not a finite number")
    return value
