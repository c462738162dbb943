"""The solar plant's AC output at the weather's steps, by pvlib (vectorised, once per run).

The chain, at each time ``t`` of the weather (see :func:`plant_ac_mw`):

1. the sun's position: :func:`pvlib.solarposition.get_solarposition` (NREL SPA, numpy);
2. the modules' orientation: fixed (``tilt_deg``, ``azimuth_deg``), or a horizontal
   single-axis tracker with backtracking, :func:`pvlib.tracking.singleaxis` (flat at night);
3. the plane-of-array irradiance ``G_poa`` [W/m²] from GHI, DNI and DHI by the **Hay-Davies**
   model, :func:`pvlib.irradiance.get_total_irradiance` (``model="haydavies"``, the
   extraterrestrial DNI from :func:`pvlib.irradiance.get_extra_radiation`), ground albedo
   :data:`ALBEDO_PU`; no incidence-angle (IAM) loss (an assumption: PVWatts applies one,
   ~2-3 % a year);
4. the cell temperature by the **SAPM** model, :func:`pvlib.temperature.sapm_cell`
   (open rack, glass/polymer modules), at a constant wind of :data:`WIND_M_PER_S` (the
   weather has no wind: an assumption);
5. DC power, PVWatts: ``P_dc = (G_poa / 1000) · P_dc0 · (1 + γ (T_cell − 25)) · (1 − losses)``
   [MW], :func:`pvlib.pvsystem.pvwatts_dc` times ``1 − losses_pu``;
6. AC power, the PVWatts inverter, :func:`pvlib.inverter.pvwatts` with its DC limit
   ``P_ac0 / η_nom`` (``η_nom`` :data:`ETA_INV_NOM`), so its output is clipped at
   ``p_ac_mw`` [MW].

For weather without irradiance (the synthetic weather), :func:`synthetic_irradiance` gives
the clear-sky GHI (:meth:`pvlib.location.Location.get_clearsky`, Ineichen with the Linke
turbidity of pvlib's climatology) times a daily clear-sky index drawn from a Beta
distribution (an assumption, see the README), split into DNI and DHI by Erbs
(:func:`pvlib.irradiance.erbs`).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pvlib

if TYPE_CHECKING:
    from sim.config import SolarConfig

ALBEDO_PU = 0.2
"""Ground reflectance [pu]: PVWatts v5's default (Dobos 2014, NREL/TP-6A20-62641)."""

WIND_M_PER_S = 1.0
"""Wind speed for the cell temperature [m/s]: assumed (the weather carries no wind)."""

ETA_INV_NOM = 0.96
"""Nominal inverter efficiency [pu]: PVWatts v5's default (Dobos 2014), pvlib's default."""

SAPM_MOUNT = "open_rack_glass_polymer"
"""The SAPM cell-temperature parameters used (pvlib's ``TEMPERATURE_MODEL_PARAMETERS``)."""


def day_of_year(times: pd.DatetimeIndex) -> np.ndarray:
    """Day of the year of each time, in UTC (what pvlib reads from a DatetimeIndex; given as
    numbers, pvlib's own read uses an attribute pandas deprecates)."""
    return np.asarray(times.tz_convert("UTC").day_of_year, dtype=float)


def solar_position(times_utc: pd.DatetimeIndex, latitude_deg: float, longitude_deg: float):
    """The sun's apparent zenith, zenith and azimuth [°] at ``times_utc`` (a DataFrame)."""
    return pvlib.solarposition.get_solarposition(times_utc, latitude_deg, longitude_deg)


def surface(
    cfg: SolarConfig, apparent_zenith: pd.Series, azimuth: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """The modules' tilt and azimuth [°] at each time: fixed, or a single-axis tracker's
    (horizontal at night, when pvlib gives none)."""
    n = len(apparent_zenith)
    if cfg.tracking == "fixed":
        tilt = 20.0 if cfg.tilt_deg is None else cfg.tilt_deg
        return np.full(n, tilt), np.full(n, cfg.azimuth_deg)
    track = pvlib.tracking.singleaxis(
        apparent_zenith,
        azimuth,
        axis_tilt=0.0,
        axis_azimuth=cfg.azimuth_deg,
        max_angle=cfg.max_angle_deg,
        backtrack=True,
        gcr=cfg.gcr_pu,
    )
    tilt = track["surface_tilt"].fillna(0.0).to_numpy(dtype=float)
    az = track["surface_azimuth"].fillna(cfg.azimuth_deg).to_numpy(dtype=float)
    return tilt, az


def plant_ac_mw(
    cfg: SolarConfig,
    latitude_deg: float,
    longitude_deg: float,
    times_utc: pd.DatetimeIndex,
    irradiance: dict[str, np.ndarray],
    temp_air_c: np.ndarray,
) -> np.ndarray:
    """The plant's AC output [MW] at ``times_utc`` (the steps of the module docstring).

    Parameters
    ----------
    cfg : SolarConfig
        The plant.
    latitude_deg, longitude_deg : float
        The site [°].
    times_utc : pandas.DatetimeIndex
        The times (aware).
    irradiance : dict of numpy.ndarray
        ``ghi``, ``dni``, ``dhi`` [W/m²] at those times.
    temp_air_c : numpy.ndarray
        Dry-bulb [°C] at those times.

    Returns
    -------
    numpy.ndarray
        ``P_ac`` [MW], in ``[0, p_ac_mw]``.
    """
    sun = solar_position(times_utc, latitude_deg, longitude_deg)
    tilt, az = surface(cfg, sun["apparent_zenith"], sun["azimuth"])
    poa = pvlib.irradiance.get_total_irradiance(
        tilt,
        az,
        sun["apparent_zenith"].to_numpy(),
        sun["azimuth"].to_numpy(),
        irradiance["dni"],
        irradiance["ghi"],
        irradiance["dhi"],
        dni_extra=pvlib.irradiance.get_extra_radiation(day_of_year(times_utc)),
        albedo=ALBEDO_PU,
        model="haydavies",
    )
    g_poa = np.clip(np.nan_to_num(np.asarray(poa["poa_global"], dtype=float)), 0.0, None)
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][SAPM_MOUNT]
    t_cell = pvlib.temperature.sapm_cell(g_poa, temp_air_c, WIND_M_PER_S, **params)
    p_dc = pvlib.pvsystem.pvwatts_dc(g_poa, t_cell, cfg.p_dc_mw, cfg.gamma_pdc_per_c)
    p_dc = np.asarray(p_dc, dtype=float) * (1.0 - cfg.losses_pu)
    p_ac = pvlib.inverter.pvwatts(p_dc, cfg.p_ac_mw / ETA_INV_NOM, ETA_INV_NOM)
    return np.clip(np.asarray(p_ac, dtype=float), 0.0, cfg.p_ac_mw)


def daily_clearsky_index(
    rng: np.random.Generator, n_days: int, mean_pu: float, sd_pu: float
) -> np.ndarray:
    """``n_days`` daily clear-sky indices [pu] from a Beta distribution of mean ``m`` and sd
    ``s``: ``a = m·ν``, ``b = (1 − m)·ν``, ``ν = m(1 − m)/s² − 1``; all ``m`` when ``s = 0``."""
    if sd_pu == 0.0 or mean_pu >= 1.0:
        return np.full(n_days, mean_pu)
    nu = mean_pu * (1.0 - mean_pu) / (sd_pu * sd_pu) - 1.0
    return rng.beta(mean_pu * nu, (1.0 - mean_pu) * nu, size=n_days)


def synthetic_irradiance(
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float,
    times_utc: pd.DatetimeIndex,
    local_days: np.ndarray,
    index_pu: np.ndarray,
) -> dict[str, np.ndarray]:
    """GHI, DNI, DHI [W/m²] at ``times_utc``: the Ineichen clear-sky GHI times the day's
    clear-sky index (``index_pu[local_days]``), split by Erbs."""
    site = pvlib.location.Location(latitude_deg, longitude_deg, altitude=altitude_m)
    sun = solar_position(times_utc, latitude_deg, longitude_deg)
    with warnings.catch_warnings():  # (pvlib 0.16's Linke lookup reads a deprecated
        warnings.filterwarnings("ignore", message="DatetimeIndex.dayofyear")  # pandas name)
        clear = site.get_clearsky(
            times_utc,
            model="ineichen",
            solar_position=sun,
            dni_extra=pvlib.irradiance.get_extra_radiation(day_of_year(times_utc)),
        )
    ghi = clear["ghi"].to_numpy(dtype=float) * index_pu[local_days]
    split = pvlib.irradiance.erbs(ghi, sun["zenith"].to_numpy(), day_of_year(times_utc))
    return {
        "ghi": ghi,
        "dni": np.nan_to_num(np.asarray(split["dni"], dtype=float)),
        "dhi": np.nan_to_num(np.asarray(split["dhi"], dtype=float)),
    }
