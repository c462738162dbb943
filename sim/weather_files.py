"""Weather files: CSV traces and EnergyPlus weather (EPW/TMY) files, read and checked.

- **CSV**: ``time_h`` and the dry-bulb (``dry_bulb_c``, or pvlib/TMY's ``temp_air``) with one
  humidity column: the wet-bulb (``wet_bulb_c``), the dew point (``dew_point_c``, or
  ``temp_dew``) or the relative humidity (``rh_pu``, or TMY's ``relative_humidity`` in %);
  optionally the irradiance (``ghi``, ``dni``, ``dhi`` [W/m²]). Each row holds until the next;
  sea-level pressure is assumed for the psychrometrics.
- **EPW**: read by pvlib (``pvlib.iotools.read_epw``): dry-bulb, dew point, station pressure
  and irradiance for each hour of a typical year, in the file's local standard time.

Every reader refuses, with the data row, a value that is not finite or out of its range.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pandas as pd

import sim.psychro as psychro

CSV_MIN_C, CSV_MAX_C = -90.0, 60.0
"""Temperatures a weather trace may hold [°C]: the records are -89.2 °C (Vostok, 1983) and
56.7 °C (Death Valley, 1913)."""

WET_ABOVE_DRY_TOL_C = 0.05
"""A trace's wet-bulb or dew point may exceed its dry-bulb by this much (rounding of saturated
air) [°C]."""

MIN_PRESSURE_PA, MAX_PRESSURE_PA = 30_000.0, 110_000.0
"""Station pressures an EPW file may hold [Pa] (Everest's summit is ~33.7 kPa; the sea-level
record 108.4 kPa)."""

MAX_IRRADIANCE_W_PER_M2 = 1_600.0
"""Irradiance a file may hold [W/m²] (the solar constant is 1,361; 1,600 allows cloud-edge
enhancement)."""

CSV_DRY = ("dry_bulb_c", "temp_air")
CSV_HUMIDITY = ("wet_bulb_c", "dew_point_c", "temp_dew", "rh_pu", "relative_humidity")
IRRADIANCE = ("ghi", "dni", "dhi")
HOURS_PER_YEAR = 8760


@dataclasses.dataclass(frozen=True)
class WeatherTrace:
    """Weather as read: each value holds from ``times_h[k]`` [h] to the next.

    ``dew_point_c`` is ``None`` where the file gave the wet-bulb (it is derived only where a
    heat wave needs it); ``irradiance`` maps ``ghi``/``dni``/``dhi`` to [W/m²] when the file
    has them. For an EPW file ``times_h`` are hours from 1 January 00:00 of its local standard
    time (``utc_offset_h``).
    """

    times_h: np.ndarray
    dry_bulb_c: np.ndarray
    wet_bulb_c: np.ndarray
    dew_point_c: np.ndarray | None
    pressure_pa: float | np.ndarray = psychro.SEA_LEVEL_PA
    irradiance: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    utc_offset_h: float = 0.0


def _stat_key(path: Path) -> tuple[Path, int, int]:
    path = Path(path)
    if not path.is_file():  # (a folder, or a named pipe that would block the read)
        raise ValueError(
            ("not a regular file: " if path.exists() else "file not found: ") + str(path)
        )
    stat = path.stat()
    return path.resolve(), stat.st_mtime_ns, stat.st_size


def read_csv(path: Path) -> WeatherTrace:
    """A weather trace from a CSV file (the columns: the module docstring). Raises ValueError
    with the columns found when a needed column is missing, when the path is not a regular
    file, and with the data row (1 = the first after the header) when a value is not finite, a
    temperature lies outside -90–60 °C, a relative humidity outside 0–100 %, a wet-bulb or dew
    point above the dry-bulb or an irradiance outside 0–1,600 W/m². Read once per file version
    (validation and the run share it), as load traces are (:func:`sim.traces.read_trace`)."""
    return _read_csv(*_stat_key(path))


def read_epw(path: Path) -> WeatherTrace:
    """A typical year from an EPW file (pvlib reads it). Raises ValueError when pvlib cannot
    read it, when it does not hold each hour of a year exactly once (8,760 rows, or 8,784 with
    29 February), and with the data row when a temperature lies outside -90–60 °C (EPW's
    missing-value marker 99.9 among them), a dew point above the dry-bulb, a pressure outside
    30–110 kPa or an irradiance outside 0–1,600 W/m²."""
    return _read_epw(*_stat_key(path))


@functools.lru_cache(maxsize=8)
def _read_csv(path: Path, mtime_ns: int, size: int) -> WeatherTrace:
    table = pd.read_csv(path)
    columns = set(table.columns)
    dry_col = next((c for c in CSV_DRY if c in columns), None)
    if "time_h" not in columns or dry_col is None:
        raise ValueError(
            f"needs time_h and dry_bulb_c (or temp_air); found {', '.join(table.columns)}"
        )
    humidity = next((c for c in CSV_HUMIDITY if c in columns), None)
    if humidity is None:
        raise ValueError(
            "needs wet_bulb_c, dew_point_c (or temp_dew), rh_pu or relative_humidity; found "
            + ", ".join(table.columns)
        )
    names = ["time_h", dry_col, humidity, *(c for c in IRRADIANCE if c in columns)]
    try:
        values = {c: table[c].to_numpy(dtype=float) for c in names}
    except ValueError:
        raise ValueError("has non-numeric values") from None
    for name, column in values.items():
        _refuse_rows(name, column, ~np.isfinite(column), "is empty or not a finite number")
    times_h, dry, given = values["time_h"], values[dry_col], values[humidity]
    _check_temperatures(dry_col, dry)
    irradiance = {c: values[c] for c in IRRADIANCE if c in values}
    _check_irradiance(irradiance)
    if humidity in ("wet_bulb_c", "dew_point_c", "temp_dew"):
        _check_temperatures(humidity, given)
        _refuse_rows(
            humidity,
            given,
            given > dry + WET_ABOVE_DRY_TOL_C,
            f"is above {dry_col} (it cannot exceed the dry-bulb)",
        )
    if len(times_h) == 0 or times_h[0] > 0 or np.any(np.diff(times_h) <= 0):
        raise ValueError("time_h must start at or before 0 and increase")
    if humidity == "wet_bulb_c":
        return WeatherTrace(times_h, dry, given, None, irradiance=irradiance)
    if humidity in ("rh_pu", "relative_humidity"):
        scale = 1.0 if humidity == "rh_pu" else 100.0
        allowed = "0–1" if humidity == "rh_pu" else "0–100 %"
        _refuse_rows(humidity, given, (given < 0) | (given > scale), f"is outside {allowed}")
        dew = psychro.dew_point_c(dry, given / scale)
    else:
        dew = np.minimum(given, dry)
    return WeatherTrace(times_h, dry, psychro.wet_bulb_c(dry, dew), dew, irradiance=irradiance)


@functools.lru_cache(maxsize=4)
def _read_epw(path: Path, mtime_ns: int, size: int) -> WeatherTrace:
    import pvlib.iotools  # (imported here: pvlib costs ~0.5 s to import)

    try:
        data, meta = pvlib.iotools.read_epw(path)
    except Exception as exc:  # pvlib raises what pandas raises on a malformed file
        raise ValueError(f"is not a readable EPW file ({type(exc).__name__}: {exc})") from None
    months, days, hours = (data[c].to_numpy() for c in ("month", "day", "hour"))
    no_leap = (months != 2) | (days != 29)
    keys = hour_of_year(months[no_leap], days[no_leap], hours[no_leap] - 1)
    if len(data) not in (HOURS_PER_YEAR, HOURS_PER_YEAR + 24) or not np.array_equal(
        np.sort(keys), np.arange(HOURS_PER_YEAR)
    ):
        raise ValueError(
            f"must hold each hour of a year once (8,760 rows, or 8,784 with 29 February); "
            f"found {len(data):,} rows"
        )
    order = np.argsort(keys)
    rows = np.flatnonzero(no_leap)[order]  # the file's row of each hour of a no-leap year
    dry = data["temp_air"].to_numpy(dtype=float)
    dew = data["temp_dew"].to_numpy(dtype=float)
    pressure = data["atmospheric_pressure"].to_numpy(dtype=float)
    _check_temperatures("temp_air (dry-bulb)", dry)
    _check_temperatures("temp_dew (dew point)", dew)
    _refuse_rows(
        "temp_dew (dew point)", dew, dew > dry + WET_ABOVE_DRY_TOL_C, "is above the dry-bulb"
    )
    _refuse_rows(
        "atmospheric_pressure",
        pressure,
        ~np.isfinite(pressure) | (pressure < MIN_PRESSURE_PA) | (pressure > MAX_PRESSURE_PA),
        f"is outside {MIN_PRESSURE_PA:,.0f}–{MAX_PRESSURE_PA:,.0f} Pa",
    )
    irradiance = {c: data[c].to_numpy(dtype=float) for c in IRRADIANCE}
    _check_irradiance(irradiance)
    dry, dew, pressure = dry[rows], np.minimum(dew[rows], dry[rows]), pressure[rows]
    return WeatherTrace(
        np.arange(HOURS_PER_YEAR, dtype=float),
        dry,
        psychro.wet_bulb_c(dry, dew, pressure),
        dew,
        pressure,
        {c: values[rows] for c, values in irradiance.items()},
        utc_offset_h=float(meta["TZ"]),
    )


def hour_of_year(months: np.ndarray, days: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Hour of a no-leap year (0 = 1 January 00:00) of each (month, day, hour-beginning)."""
    first_day = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30])
    return (first_day[np.asarray(months) - 1] + np.asarray(days) - 1) * 24 + np.asarray(hours)


def _check_temperatures(name: str, values: np.ndarray) -> None:
    _refuse_rows(
        name,
        values,
        ~np.isfinite(values) | (values < CSV_MIN_C) | (values > CSV_MAX_C),
        f"is outside {CSV_MIN_C:g}–{CSV_MAX_C:g} °C",
    )


def _check_irradiance(irradiance: dict[str, np.ndarray]) -> None:
    for name, values in irradiance.items():
        _refuse_rows(
            name,
            values,
            ~np.isfinite(values) | (values < 0) | (values > MAX_IRRADIANCE_W_PER_M2),
            f"is outside 0–{MAX_IRRADIANCE_W_PER_M2:,.0f} W/m²",
        )


def _refuse_rows(column: str, values: np.ndarray, bad: np.ndarray, what: str) -> None:
    """Raise ValueError naming the first data row (1-based) where ``bad`` holds."""
    if bad.any():
        k = int(np.argmax(bad))
        count = int(bad.sum())
        more = f" (and {count - 1} more rows)" if count > 1 else ""
        raise ValueError(f"data row {k + 1}: {column} {values[k]:g} {what}{more}")
