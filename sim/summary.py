"""The numbers of ``summary.json``, computed exactly from the segment record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.recorder import (
    cumulative_energy_mwh,
    durations_s,
    energy_mwh,
    ramp_of,
)
from sim.signals import Schedule
from sim.units import S_PER_H
from sim.windows import signal_integrals, window_maxes

ENERGY_KEYS = (
    "load",
    "it_demand",
    "it",
    "it_capped",
    "it_shed",
    "cooling",
    "battery_aux",
    "electrical_loss",
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
    return {
        "energy_mwh": {key: energy[key] for key in ENERGY_KEYS},
        "peak_mw": {
            key: window_max(segments, f"{key}_mw", 0.0, end_s, end_s) for key in ("load", "grid")
        },
        "unserved_mwh": energy["unserved"],
        "curtailed_mwh": energy["curtailed"],
    }


SWING_WINDOWS_S = {"1s": 1.0, "60s": 60.0}
"""Windows of the swing metrics (``swings_mw.<column>_<window>``)."""


def largest_swing_mw(segments: pd.DataFrame, column: str, window_s: float) -> float:
    """Largest change of ``column`` within any window of ``window_s`` [MW]: ``max(p) − min(p)``
    over the values held at some time in ``[t − window_s, t]``, over all ``t``.

    Exact for piecewise-constant powers (the window also sees the value held at its start);
    a ramping segment counts with its value at the segment's start.
    """
    t_s = segments["time_s"].to_numpy()
    p = segments[column].to_numpy()
    rolling = pd.Series(p, index=pd.to_timedelta(t_s, unit="s")).rolling(
        pd.Timedelta(seconds=window_s), closed="right"
    )
    hi, lo = rolling.max().to_numpy(), rolling.min().to_numpy()
    held = p[np.clip(np.searchsorted(t_s, t_s - window_s, side="right") - 1, 0, None)]
    return float(np.max(np.maximum(hi, held) - np.minimum(lo, held)))


def swing_summary(segments: pd.DataFrame) -> dict[str, float]:
    """``{load,grid}_{1s,60s}``: the largest swings of the facility load and of the grid
    import [MW] — the second shows what the battery smooths away."""
    return {
        f"{col}_{name}": largest_swing_mw(segments, f"{col}_mw", w)
        for col in ("load", "grid")
        for name, w in SWING_WINDOWS_S.items()
    }


def outage_summary(
    segments: pd.DataFrame, outages_h: list[tuple[float, float]], end_s: float
) -> list[dict[str, Any]]:
    """Per scheduled outage: unserved energy while it lasted and whether it was ridden through.

    ``ride_through`` is true when no load went unserved during the outage; it is null for an
    outage that starts after the end of the run. An outage cut short by the end of the run is
    judged on its simulated part (``simulated_h``).
    """
    starts_s = np.array([start_h * S_PER_H for start_h, _ in outages_h], dtype=float)
    stops_s = np.array([min((a + d) * S_PER_H, end_s) for a, d in outages_h], dtype=float)
    inside = starts_s < end_s
    # One pass: the exact cumulative energy at every outage's ends at once (n log n), not a
    # running sum over all segments per outage.
    cum = cumulative_energy_mwh(
        segments, "unserved_mw", np.concatenate([starts_s[inside], stops_s[inside]])
    )
    unserved_mwh = iter((cum[inside.sum() :] - cum[: inside.sum()]).tolist())
    out = []
    for (start_h, duration_h), start_s, stop_s, simulated in zip(
        outages_h, starts_s, stops_s, inside, strict=True
    ):
        entry: dict[str, Any] = {"start_h": start_h, "duration_h": duration_h}
        if not simulated:
            entry.update(simulated_h=0.0, unserved_mwh=None, ride_through=None)
        else:
            unserved = next(unserved_mwh)
            entry.update(
                simulated_h=float(stop_s - start_s) / S_PER_H,
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
    discharged_mwh = energy_mwh(segments, end_s)["battery_discharge"]
    soc = segments["battery_soc"]
    out = {
        "soc_final": float(soc.iloc[-1]),
        "soc_lowest": float(soc.min()),
        "equivalent_full_cycles": discharged_mwh / energy_nom_mwh if energy_nom_mwh > 0 else 0.0,
    }
    if "it_mean_mw" in segments:  # power_model: iteration
        out.update(iteration_swing_summary(segments, energy_nom_mwh, end_s))
    return out


def iteration_swing_summary(
    segments: pd.DataFrame, energy_nom_mwh: float, end_s: float
) -> dict[str, float]:
    """What the iteration's square wave asks of the battery while turbines are online (they
    follow the IT load's mean over an iteration, not its swing, see :mod:`sim.commitment`):
    ``swing_buffered_mwh`` = ∫ max(it − it_mean, 0) dt over the segments with turbine output
    [MWh] (the IT power and its mean are steps, constant within a segment), and
    ``swing_cycles`` = that / nominal energy (equivalent full cycles)."""
    duration_h = durations_s(segments, end_s) / S_PER_H
    above_mw = (segments["it_mw"] - segments["it_mean_mw"]).clip(lower=0.0).to_numpy()
    online = segments["turbines_mw"].to_numpy() > 0.0
    buffered_mwh = float((above_mw * duration_h)[online].sum())
    return {
        "swing_buffered_mwh": buffered_mwh,
        "swing_cycles": buffered_mwh / energy_nom_mwh if energy_nom_mwh > 0 else 0.0,
    }


def window_energy_mwh(segments: pd.DataFrame, column: str, start_s: float, stop_s: float) -> float:
    """Exact energy of ``column`` over ``[start_s, stop_s)`` [MWh]."""
    cum = cumulative_energy_mwh(segments, column, np.array([start_s, stop_s]))
    return float(cum[1] - cum[0])


def window_max(
    segments: pd.DataFrame, column: str, start_s: float, stop_s: float, end_s: float
) -> float:
    """Largest value of ``column`` reached for a positive time within ``[start_s, stop_s)``.

    A segment's line is largest at one of its ends, clipped to the window.
    """
    t_s = segments["time_s"].to_numpy()
    seg_end_s = t_s + durations_s(segments, end_s)
    inside = (t_s < stop_s) & (seg_end_s > start_s) & (seg_end_s > t_s)
    if not inside.any():
        return 0.0
    p, r = segments[column].to_numpy()[inside], ramp_of(segments, column)[inside]
    a_s = np.maximum(t_s[inside], start_s) - t_s[inside]
    b_s = np.minimum(seg_end_s[inside], stop_s) - t_s[inside]
    return float(np.maximum(p + r * a_s, p + r * b_s).max())


def signal_integral(
    segments: pd.DataFrame, column: str, schedule: Schedule, start_s: float, stop_s: float
) -> float:
    """Exact ``∫ p(t)·s(t) dt`` over ``[start_s, stop_s)`` [MWh × the signal's unit].

    The signal ``s`` is piecewise constant and the power ``p`` piecewise linear, so the
    integral is a sum of exact segment energies over the union of their change times.
    """
    t_s = segments["time_s"].to_numpy()
    cuts = np.concatenate((t_s, schedule.times_s))
    breaks = np.unique(
        np.concatenate(([start_s, stop_s], cuts[(cuts > start_s) & (cuts < stop_s)]))
    )
    energy = np.diff(cumulative_energy_mwh(segments, column, breaks))
    return float(energy @ schedule.at(breaks[:-1]))


TURBINE_TOTALS = (
    "starts",
    "trips",
    "run_hours",
    "energy_mwh",
    "fuel_mmbtu",
    "fuel_usd",
    "co2_t",
    "nox_t",
)
"""Keys of ``summary["turbines"]`` summed over the groups."""


def turbine_summary(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """Fleet totals (starts, trips, unit running hours, energy [MWh], fuel [MMBtu], fuel cost
    [USD], CO2 and NOx [t]), the largest permit use [pu] and the per-group reports."""
    totals: dict[str, Any] = {
        key: sum((g[key] for g in groups), 0 if key in ("starts", "trips") else 0.0)
        for key in TURBINE_TOTALS
    }
    uses = [g["permit_use_pu"] for g in groups if g["permit_use_pu"] is not None]
    totals["permit_use_pu"] = max(uses) if uses else None
    totals["groups"] = groups
    return totals


def demand_billed_pu(
    month_bounds_s: np.ndarray, month_lengths_s: np.ndarray, billing: str
) -> np.ndarray:
    """Share of each calendar month's demand charge billed [pu].

    ``month``: 1 for every month the run touches. ``prorated``: the share of the month
    simulated, ``(b − a) / L`` for the run's part ``[a, b)`` of a month of length ``L`` [s];
    1 for a whole month, so the two agree on whole months.
    """
    if billing == "month":
        return np.ones(len(month_lengths_s))
    if billing == "prorated":
        return np.diff(month_bounds_s) / month_lengths_s
    raise ValueError(f"unknown demand billing {billing!r}: month or prorated")


def money_summary(
    segments: pd.DataFrame,
    end_s: float,
    price: Schedule,
    carbon: Schedule,
    month_starts_s: np.ndarray,
    month_labels: list[str],
    demand_charge_usd_per_kw_month: float,
    demand_interval_s: float,
    turbines: dict[str, Any],
    month_lengths_s: np.ndarray | None = None,
    demand_billing: str = "month",
) -> dict[str, Any]:
    """Cost (grid energy, demand charges, turbine fuel), CO2 (grid, turbines), the monthly
    grid figures and the demand charge's totals.

    Energy cost = ∫ grid·price dt [USD]; grid CO2 = ∫ grid·carbon dt / 1000 [t]; fuel cost and
    turbine CO2 come from ``turbines`` (see :func:`turbine_summary`). Billed demand of a
    calendar month (local time) is its largest mean grid import over ``demand_interval_s``
    intervals counted from the run's start (an interval belongs to the month it starts in);
    its charge is

    ``C = P_billed [kW] · rate [USD/kW-month] · f`` [USD],

    with ``f`` the share of the month billed (:func:`demand_billed_pu` of ``demand_billing``
    and ``month_lengths_s`` [s], the lengths of the calendar months; ``f = 1`` without them).
    ``demand_charge`` holds the billing rule, the largest billed peak of any month [MW], the
    months billed (Σ f) and the total charge [USD].
    """
    edges_s = np.append(np.arange(0.0, end_s, demand_interval_s), end_s)
    interval_mw = (
        np.diff(cumulative_energy_mwh(segments, "grid_mw", edges_s)) * S_PER_H / np.diff(edges_s)
    )
    months: list[dict[str, Any]] = []
    bounds = np.append(month_starts_s, end_s)
    lengths_s = np.diff(bounds) if month_lengths_s is None else month_lengths_s
    billed = demand_billed_pu(bounds, lengths_s, demand_billing).tolist()
    # Every month at once, one pass over the record (linear in the run's length, issue 19):
    # the cumulative energy at all month bounds, the priced integrals and peaks per month, and
    # each month's demand intervals (those starting in it) found by binary search.
    cum_mwh = cumulative_energy_mwh(segments, "grid_mw", bounds)
    energy_usd_by_month = signal_integrals(segments, "grid_mw", price, bounds)
    peak_by_month = window_maxes(segments, "grid_mw", bounds, end_s)
    first = np.searchsorted(edges_s[:-1], bounds, side="left").tolist()
    for k, (label, billed_pu) in enumerate(zip(month_labels, billed, strict=True)):
        i, j = first[k], first[k + 1]
        demand_mw = float(interval_mw[i:j].max()) if j > i else 0.0
        months.append(
            {
                "month": label,
                "energy_mwh": float(cum_mwh[k + 1] - cum_mwh[k]),
                "energy_usd": energy_usd_by_month[k],
                "peak_mw": peak_by_month[k],
                "demand_peak_mw": demand_mw,
                "demand_billed_pu": billed_pu,
                "demand_usd": demand_mw * 1000.0 * demand_charge_usd_per_kw_month * billed_pu,
            }
        )
    energy_usd = signal_integral(segments, "grid_mw", price, 0.0, end_s)
    demand_usd = sum(m["demand_usd"] for m in months)
    co2_grid_t = signal_integral(segments, "grid_mw", carbon, 0.0, end_s) / 1000.0
    fuel_usd, co2_turbines_t = turbines["fuel_usd"], turbines["co2_t"]
    return {
        "cost_usd": {
            "energy": energy_usd,
            "demand": demand_usd,
            "fuel": fuel_usd,
            "total": energy_usd + demand_usd + fuel_usd,
        },
        "co2_t": {
            "grid": co2_grid_t,
            "turbines": co2_turbines_t,
            "total": co2_grid_t + co2_turbines_t,
        },
        "grid_by_month": months,
        "demand_charge": {
            "billing": demand_billing,
            "peak_mw": max((m["demand_peak_mw"] for m in months), default=0.0),
            "billed_months": float(sum(billed)),
            "usd": demand_usd,
        },
    }


def demand_response_summary(
    segments: pd.DataFrame, windows: list[tuple[float, float, float | None]], end_s: float
) -> list[dict[str, Any]]:
    """Per demand-response window: the cap applied (null if the window starts after the run),
    the largest grid import held in it, and what covered the gap (battery discharge) or did
    not (unserved energy), over its simulated part."""
    out = []
    for start_h, duration_h, limit_mw in windows:
        a, b = start_h * S_PER_H, min((start_h + duration_h) * S_PER_H, end_s)
        entry: dict[str, Any] = {"start_h": start_h, "duration_h": duration_h, "limit_mw": limit_mw}
        if a >= end_s:
            entry.update(max_grid_mw=None, battery_discharge_mwh=None, unserved_mwh=None)
        else:
            entry.update(
                max_grid_mw=window_max(segments, "grid_mw", a, b, end_s),
                battery_discharge_mwh=window_energy_mwh(segments, "battery_discharge_mw", a, b),
                unserved_mwh=window_energy_mwh(segments, "unserved_mw", a, b),
            )
        out.append(entry)
    return out


def throttle_cost(
    segments: pd.DataFrame,
    dt_s: np.ndarray,
    throttled: np.ndarray,
    traces: Sequence[tuple[int, np.ndarray]],
) -> tuple[float, float]:
    """GPU-hours computing under the cooling's throttle, and the compute they lost [GPU-h].

    ``traces`` holds each job's GPUs and its progress trace (``time_s, progress_s`` pairs,
    flat; linear between points, a point at every change of slope, so a stretch is throttled
    throughout or not at all); ``throttled`` marks the segments (of lengths ``dt_s`` [s])
    under the throttle. Over the computing stretches (progress rising) inside throttled time:
    ``Σ n_gpus·Δt`` and ``Σ n_gpus·(Δt − Δprogress)``. (Where a load-management cap acts at
    the same time, its slowdown is counted here too.)
    """
    if not traces or not throttled.any():
        return 0.0, 0.0
    t_s = segments["time_s"].to_numpy()
    cum_throttled = np.concatenate([[0.0], np.cumsum(np.where(throttled, dt_s, 0.0))])
    edges = np.append(t_s, t_s[-1] + dt_s[-1])

    def throttled_until(x: np.ndarray) -> np.ndarray:  # ∫ 1[throttled] dt from 0 to x
        k = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(t_s) - 1)
        return cum_throttled[k] + np.where(throttled[k], x - edges[k], 0.0)

    gpu_s = lost_s = 0.0
    for n_gpus, trace in traces:
        t, p = trace[0::2], trace[1::2]
        dt, dp = np.diff(t), np.diff(p)
        inside = (dp > 0) & (throttled_until(t[1:]) - throttled_until(t[:-1]) > 0.5 * dt)
        gpu_s += n_gpus * float(np.sum(dt[inside]))
        lost_s += n_gpus * float(np.sum((dt - dp)[inside]))
    return gpu_s / S_PER_H, lost_s / S_PER_H


def cooling_summary(
    segments: pd.DataFrame,
    end_s: float,
    water_l_per_kwh: float,
    traces: Sequence[tuple[int, np.ndarray]] = (),
) -> dict[str, Any]:
    """The cooling plant's numbers from the record (the plant adds its counts and free
    cooling, see :meth:`sim.cooling.CoolingPlant.report`).

    PUE = facility (IT + cooling + battery aux + electrical loss) / IT energy over the run,
    the highest PUE of any
    segment with IT load, water [m³] = heat rejected [kWh] × make-up ``water_l_per_kwh``
    [L/kWh] / 1000, WUE [L per kWh of IT], heat rejected and heat the chillers could not
    remove [MWh], the loop's highest temperature [°C], the throttle's hours, and the GPU-hours
    and compute it cost the jobs of ``traces`` (see :func:`throttle_cost`).
    """
    e = energy_mwh(segments, end_s)
    dt_s = durations_s(segments, end_s)
    stored = segments["heat_stored_mw"].to_numpy()
    throttled = segments["throttle_pu"].to_numpy() < 1.0
    coolant_end = segments["coolant_c"].to_numpy() + segments["coolant_rate_c_per_s"] * dt_s
    it = segments["it_mw"].to_numpy()
    facility_mw = segments["load_mw"].to_numpy()
    has_it = it > 1e-9 * it.max() if len(it) else it > 0  # (a vanishing IT load has no PUE)
    throttled_gpu_h, lost_gpu_h = throttle_cost(segments, dt_s, throttled, traces)
    water_m3 = e["heat_rejected"] * 1000.0 * water_l_per_kwh / 1000.0
    return {
        "pue": e["load"] / e["it"] if e["it"] > 0 else None,
        "pue_max": float(np.max(facility_mw[has_it] / it[has_it])) if has_it.any() else None,
        "water_m3": water_m3,
        "wue_l_per_kwh": water_m3 * 1000.0 / (e["it"] * 1000.0) if e["it"] > 0 else None,
        "heat_rejected_mwh": e["heat_rejected"],
        "heat_not_removed_mwh": float(np.sum(np.maximum(stored, 0.0) * dt_s)) / S_PER_H,
        "coolant_max_c": float(max(segments["coolant_c"].max(), np.max(coolant_end))),
        "throttled_h": float(np.sum(dt_s[throttled])) / S_PER_H,
        "throttled_gpu_h": throttled_gpu_h,
        "throttle_lost_gpu_h": lost_gpu_h,
    }


def cooling_by_month(
    segments: pd.DataFrame,
    month_starts_s: np.ndarray,
    labels: Sequence[str],
    end_s: float,
    water_l_per_kwh: float,
) -> list[dict[str, str | float | None]]:
    """The cooling plant's numbers per calendar month of the run (local time; the first and
    last months may be partial; ``month`` its label), each from the exact energies of the
    month:
    ``pue`` = facility / IT energy [-]; ``water_m3`` = heat rejected [MWh] × 1000 kWh/MWh ×
    ``water_l_per_kwh`` [L/kWh] / 1000 L/m³; ``wue_l_per_kwh`` = water [L] / IT [kWh];
    ``it_mwh``, ``cooling_mwh`` [MWh]."""
    bounds_s = np.append(np.asarray(month_starts_s, dtype=float), end_s)

    def per_month(column: str) -> np.ndarray:
        return np.diff(cumulative_energy_mwh(segments, column, bounds_s))

    load, it, cooling, heat = map(per_month, ("load_mw", "it_mw", "cooling_mw", "heat_rejected_mw"))
    months: list[dict[str, str | float | None]] = []
    for k, label in enumerate(labels):
        water_m3 = float(heat[k]) * water_l_per_kwh
        months.append(
            {
                "month": label,
                "pue": float(load[k] / it[k]) if it[k] > 0 else None,
                "wue_l_per_kwh": water_m3 / float(it[k]) if it[k] > 0 else None,
                "water_m3": water_m3,
                "it_mwh": float(it[k]),
                "cooling_mwh": float(cooling[k]),
            }
        )
    return months
