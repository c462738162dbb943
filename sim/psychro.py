"""Psychrometrics of moist air: the weather's wet-bulb, dew point and humidity.

Every value comes from **psychrolib** (Meyer & Thevenard 2019, JOSS 4(33), 1137), which
implements the formulas of the ASHRAE Handbook — Fundamentals (2017, ch. 1): the
Hyland–Wexler saturation pressure over water and ice and the psychrometric equation for the
wet-bulb, solved by bisection to 0.001 °C. psychrolib works on scalars (≈ 40 µs per
wet-bulb), so the functions here call it once per *distinct* input and spread the answers
back: a trace with values rounded to 0.1 °C costs a few thousand calls however long it is.

Temperatures in °C, pressures in Pa, relative humidity as a fraction ``[pu]``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import psychrolib

SEA_LEVEL_PA = 101_325.0
"""Standard atmospheric pressure at sea level [Pa]."""


def _each_distinct(f: Callable[..., float], *arrays: float | np.ndarray) -> np.ndarray:
    """``f`` applied to each distinct tuple of the broadcast ``arrays``, in their shape."""
    psychrolib.SetUnitSystem(psychrolib.SI)  # (a module-wide setting: set it every time)
    columns = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))
    shape = columns[0].shape
    rows = np.stack([c.ravel() for c in columns], axis=1)
    if rows.shape[0] == 0:
        return np.zeros(shape)
    distinct, inverse = np.unique(rows, axis=0, return_inverse=True)
    values = np.fromiter((f(*map(float, row)) for row in distinct), float, len(distinct))
    return values[inverse.ravel()].reshape(shape)


def wet_bulb_c(
    dry_bulb_c: np.ndarray, dew_point_c: np.ndarray, pressure_pa: float | np.ndarray = SEA_LEVEL_PA
) -> np.ndarray:
    """Thermodynamic wet-bulb temperature [°C] of air at ``dry_bulb_c`` [°C] with dew point
    ``dew_point_c`` [°C] at ``pressure_pa`` [Pa]: the ``T_wb`` at which
    ``W = ((2501 − 2.326·T_wb)·W_s(T_wb) − 1.006·(T − T_wb)) / (2501 + 1.86·T − 4.186·T_wb)``
    (ASHRAE Fundamentals 2017 ch. 1 eq. 33; ``W`` the humidity ratio at the dew point, eq. 20,
    ``W_s`` at saturation), psychrolib's ``GetTWetBulbFromTDewPoint``. A dew point above the
    dry-bulb is taken as saturated air (``T_wb = T``)."""
    dry = np.asarray(dry_bulb_c, dtype=float)
    dew = np.minimum(np.asarray(dew_point_c, dtype=float), dry)
    return _each_distinct(psychrolib.GetTWetBulbFromTDewPoint, dry, dew, pressure_pa)


def dew_point_c(dry_bulb_c: np.ndarray, rh_pu: np.ndarray) -> np.ndarray:
    """Dew point [°C] of air at ``dry_bulb_c`` [°C] and relative humidity ``rh_pu``: the
    ``T_d`` with ``p_ws(T_d) = RH · p_ws(T)`` (Hyland–Wexler ``p_ws``, ASHRAE eq. 5–6),
    psychrolib's ``GetTDewPointFromRelHum``. RH is clipped to 0.1–100 % (psychrolib refuses
    dry air)."""
    rh = np.clip(np.asarray(rh_pu, dtype=float), 1e-3, 1.0)
    return _each_distinct(psychrolib.GetTDewPointFromRelHum, dry_bulb_c, rh)


def dew_point_from_wet_bulb_c(
    dry_bulb_c: np.ndarray, wet_bulb_c_: np.ndarray, pressure_pa: float | np.ndarray = SEA_LEVEL_PA
) -> np.ndarray:
    """Dew point [°C] of air at ``dry_bulb_c`` with wet-bulb ``wet_bulb_c_`` [°C] at
    ``pressure_pa`` [Pa]: eq. 33 solved for ``W``, then the dew point of ``W`` (psychrolib's
    ``GetTDewPointFromTWetBulb``). A wet-bulb above the dry-bulb is taken as equal to it."""
    dry = np.asarray(dry_bulb_c, dtype=float)
    wet = np.minimum(np.asarray(wet_bulb_c_, dtype=float), dry)
    return _each_distinct(psychrolib.GetTDewPointFromTWetBulb, dry, wet, pressure_pa)


def relative_humidity_pu(dry_bulb_c: np.ndarray, dew_point_c_: np.ndarray) -> np.ndarray:
    """Relative humidity [pu] ``p_ws(T_d) / p_ws(T)`` (psychrolib's
    ``GetRelHumFromTDewPoint``); a dew point above the dry-bulb gives 1."""
    dry = np.asarray(dry_bulb_c, dtype=float)
    dew = np.minimum(np.asarray(dew_point_c_, dtype=float), dry)
    return _each_distinct(psychrolib.GetRelHumFromTDewPoint, dry, dew)


def pressure_pa(elevation_m: float) -> float:
    """Standard-atmosphere pressure [Pa] at ``elevation_m`` [m]:
    ``101325·(1 − 2.25577e-5·Z)^5.2559`` (ASHRAE eq. 3, psychrolib's
    ``GetStandardAtmPressure``)."""
    psychrolib.SetUnitSystem(psychrolib.SI)
    return float(psychrolib.GetStandardAtmPressure(elevation_m))
