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
    """Read a load trace: ``time_h`` [h] and ``load_mw`` [MW, >= 0]; see :func:`read_trace`."""
    return read_trace(path, "load_mw", nonnegative=True)


def read_trace(
    path: str | Path, column: str, nonnegative: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Read a piecewise-constant trace with columns ``time_h`` and ``column``.

    A file is parsed once per process while it is unchanged (same size and modification
    time); the arrays returned are read-only.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row naming at least ``time_h`` [h] and ``column``.
        Other columns are allowed and not read.
    column : str
        The value column, its unit in its name (``load_mw``, ``price_usd_per_mwh``).
    nonnegative : bool
        Refuse negative values.

    Returns
    -------
    time_s : numpy.ndarray
        Start of each row's interval [s since the run's start]; strictly increasing from 0.
    values : numpy.ndarray
        The value from that time on, in the column's unit.

    Raises
    ------
    TraceError
        If the file is missing, a column is missing, a value is not a finite number, the times do
        not start at 0 and increase strictly, or a value is negative where it must not be.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except (OSError, ValueError):  # (ValueError: a NUL byte in the path)
        stat = None
    if stat is None:
        raise TraceError(f"file not found: {path}")
    if not path.is_file():  # (a folder, or a named pipe that would block the read)
        raise TraceError(f"not a regular file: {path}")
    return _read_trace(path.resolve(), column, nonnegative, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _read_trace(
    path: Path, column: str, nonnegative: bool, mtime_ns: int, size: int
) -> tuple[np.ndarray, np.ndarray]:
    times_h: list[float] = []
    values: list[float] = []
    try:
        with path.open(newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            missing = [col for col in ("time_h", column) if col not in header]
            if missing:
                raise TraceError(
                    f"{path}: missing column(s) {', '.join(missing)}; the header must name "
                    f"time_h and {column} (found: {', '.join(header) or 'none'})"
                )
            i_time, i_value = header.index("time_h"), header.index(column)
            for line_no, row in enumerate(reader, start=2):
                if not row or all(not cell.strip() for cell in row):
                    continue
                t_h = _number(row, i_time, "time_h", path, line_no)
                value = _number(row, i_value, column, path, line_no)
                if times_h and t_h <= times_h[-1]:
                    raise TraceError(
                        f"{path}:{line_no}: time_h {t_h} must be greater than the previous "
                        f"row's {times_h[-1]} (times must increase strictly)"
                    )
                if nonnegative and value < 0:
                    raise TraceError(f"{path}:{line_no}: {column} {value} must be >= 0")
                times_h.append(t_h)
                values.append(value)
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
    time_s, value_arr = np.asarray(times_h) * S_PER_H, np.asarray(values)
    time_s.setflags(write=False)
    value_arr.setflags(write=False)
    return time_s, value_arr


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
