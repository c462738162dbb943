"""Run a config: build the facility, simulate, and assemble the :class:`~sim.results.Result`."""

from __future__ import annotations

import hashlib
import math
import platform
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim._version import __version__
from sim.config import Config, dump_config, load_config
from sim.facility import Facility
from sim.recorder import bin_edges_s, durations_s, energy_mwh, resample
from sim.results import Result, iter_flat
from sim.signals import month_labels, month_starts_s
from sim.summary import (
    battery_summary,
    demand_response_summary,
    energy_summary,
    money_summary,
    outage_summary,
    swing_summary,
    turbine_summary,
)
from sim.units import S_PER_H


class RunError(RuntimeError):
    """A failure inside a run (not bad input); names the run and its seed."""


def config_sha256(config: Config) -> str:
    """Content hash of a resolved config: two runs with the same hash are the same run (the
    limits that guard the machine, which change no result, are left out)."""
    return hashlib.sha256(dump_config(config, identity=True).encode()).hexdigest()


def run(config: Config | str | Path, progress: bool = False) -> Result:
    """Simulate one config and return its results; no files are touched.

    Parameters
    ----------
    config : Config, str or Path
        A validated config, or a path to a YAML config to load.
    progress : bool
        Show a progress bar on simulated time (on a terminal, for runs over ~2 s).

    Raises
    ------
    ConfigError
        If ``config`` is a path to an invalid config.
    RunError
        If the simulation itself fails.
    """
    if not isinstance(config, Config):
        config = load_config(config)
    wall_start = time.perf_counter()
    try:
        facility = Facility(config)
        sim_start = time.perf_counter()
        facility.run(progress=progress)
        sim_wall_s = time.perf_counter() - sim_start
        segments = facility.recorder.segments(facility.battery.energy_nom_mwh)
        config_yaml = dump_config(config)
        summary = _summary(config, facility, segments)
        summary["run"] = {
            "name": config.name,
            "seed": config.seed,
            "duration_h": config.duration_h,
            "events": facility.bus.n_updates,
            "segments": len(segments),
            "sim_wall_s": sim_wall_s,
            "wall_s": time.perf_counter() - wall_start,
            "config_sha256": config_sha256(config),
            "dcsim_version": __version__,
            "python_version": platform.python_version(),
        }
        _check_finite(summary)
        return Result(
            timeseries=_timeseries(config, facility, segments),
            events=facility.recorder.events_frame(),
            summary=summary,
            config_yaml=config_yaml,
            segments=segments,
            progress=_progress(facility),
        )
    except Exception as exc:
        what = f"{type(exc).__name__}: {exc}"
        raise RunError(f"run {config.name!r} (seed {config.seed}) failed: {what}") from exc


def _check_finite(summary: dict[str, Any]) -> None:
    """Raise ValueError naming the summary's numbers that are infinite or NaN (the inputs'
    magnitudes overflowed a float: ``summary.json`` holds finite numbers only)."""
    bad = [
        f"{'.'.join(path)} = {value}"
        for path, value in iter_flat(summary)
        if isinstance(value, float) and not math.isfinite(value)
    ]
    if bad:
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        raise ValueError(
            f"the summary has numbers that are not finite: {', '.join(bad[:3])}{more}; "
            "an input is too large for double precision (a price, a rate, a count?)"
        )


def _progress(facility: Facility) -> pd.DataFrame:
    """Each job's useful compute against time, from its exact trace (call after the summary,
    which closes the traces at the end of the run): ``time_h, job, progress_h``."""
    frames = [
        pd.DataFrame(
            {
                "time_h": np.frombuffer(job.trace, dtype=float)[0::2] / S_PER_H,
                "job": job.name,
                "progress_h": np.frombuffer(job.trace, dtype=float)[1::2] / S_PER_H,
            }
        )
        for job in (facility.cluster.jobs if facility.cluster is not None else [])
    ]
    if not frames:
        return pd.DataFrame({"time_h": [], "job": [], "progress_h": []}).astype({"job": str})
    return pd.concat(frames, ignore_index=True)


def _timeseries(config: Config, facility: Facility, segments: pd.DataFrame) -> pd.DataFrame:
    """The regular timeseries: exact bin means of powers and signals, states at bin ends."""
    end_s = facility.end_s
    timeseries = resample(
        segments, config.output.resolution_s, end_s, facility.recorder.extra_power_columns
    )
    start = pd.Timestamp(config.start)
    timeseries.insert(1, "timestamp", start + pd.to_timedelta(timeseries["time_h"], unit="h"))
    edges_s = bin_edges_s(config.output.resolution_s, end_s)
    timeseries["price_usd_per_mwh"] = facility.price.mean_over(edges_s)
    timeseries["carbon_kg_per_mwh"] = facility.carbon.mean_over(edges_s)
    if facility.weather is not None:
        dry, wet = facility.weather.mean_over(edges_s)
        timeseries["dry_bulb_c"], timeseries["wet_bulb_c"] = dry, wet
        it = timeseries["it_mw"]
        facility_mw = it + timeseries["cooling_mw"] + timeseries["battery_aux_mw"]
        timeseries["pue"] = (facility_mw / it).where(it > 0)
        # the loop's supply temperature at each bin's end (linear within a segment: exact)
        t_s = segments["time_s"].to_numpy()
        k = np.clip(np.searchsorted(t_s, edges_s[1:], side="left") - 1, 0, len(t_s) - 1)
        timeseries["coolant_c"] = segments["coolant_c"].to_numpy()[k] + segments[
            "coolant_rate_c_per_s"
        ].to_numpy()[k] * (edges_s[1:] - t_s[k])
    return timeseries


def _summary(config: Config, facility: Facility, segments: pd.DataFrame) -> dict[str, Any]:
    """The numbers of ``summary.json`` except ``run``."""
    end_s, grid = facility.end_s, config.grid
    outages = outage_summary(segments, [(o.start_h, o.duration_h) for o in grid.outages], end_s)
    months = month_starts_s(config.start, end_s)
    fleet = facility.fleet
    turbines = turbine_summary([g.report() for g in fleet.groups] if fleet is not None else [])
    windows = [
        (w.start_h, w.duration_h, cap_mw)
        for w, cap_mw in zip(grid.demand_response, facility.grid.applied_caps_mw, strict=True)
    ]
    summary = {
        **energy_summary(segments, end_s),
        "swings_mw": swing_summary(segments),
        "outage_ride_through": [o["ride_through"] for o in outages],
        "outages": outages,
        "random_outages": outage_summary(segments, facility.random_outages, end_s),
        "battery": battery_summary(segments, facility.battery.energy_nom_mwh, end_s),
        **money_summary(
            segments,
            end_s,
            facility.price,
            facility.carbon,
            months,
            month_labels(config.start, months),
            grid.demand_charge_usd_per_kw_month,
            grid.demand_interval_min * 60.0,
            turbines,
        ),
        "turbines": turbines,
        "demand_response": demand_response_summary(segments, windows, end_s),
        **_cluster_summary(facility, end_s),
        **_cooling_summary(facility, segments, end_s),
    }
    for part in facility.reporting:  # components with sections of their own
        if part.name in summary or part.name == "run":
            raise ValueError(f"a component named {part.name!r} clashes with a summary section")
        summary[part.name] = part.report(segments, end_s)
    return summary


def _throttle_cost(
    facility: Facility, segments: pd.DataFrame, dt_s: np.ndarray, throttled: np.ndarray
) -> tuple[float, float]:
    """GPU-hours computing under the cooling's throttle, and the compute they lost [GPU-h]:
    over each job's progress trace (linear between points, a point at every change of
    slope, so a stretch is throttled throughout or not at all), the computing stretches
    (progress rising) inside throttled time: ``Σ n_gpus·Δt`` and ``Σ n_gpus·(Δt − Δprogress)``.
    (Where a load-management cap acts at the same time, its slowdown is counted here too.)"""
    if facility.cluster is None or not throttled.any():
        return 0.0, 0.0
    t_s = segments["time_s"].to_numpy()
    cum_throttled = np.concatenate([[0.0], np.cumsum(np.where(throttled, dt_s, 0.0))])
    edges = np.append(t_s, t_s[-1] + dt_s[-1])

    def throttled_until(x: np.ndarray) -> np.ndarray:  # ∫ 1[throttled] dt from 0 to x
        k = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(t_s) - 1)
        return cum_throttled[k] + np.where(throttled[k], x - edges[k], 0.0)

    gpu_s = lost_s = 0.0
    for job in facility.cluster.jobs:
        trace = np.frombuffer(job.trace, dtype=float)
        t, p = trace[0::2], trace[1::2]
        dt, dp = np.diff(t), np.diff(p)
        inside = (dp > 0) & (throttled_until(t[1:]) - throttled_until(t[:-1]) > 0.5 * dt)
        gpu_s += job.n_gpus * float(np.sum(dt[inside]))
        lost_s += job.n_gpus * float(np.sum((dt - dp)[inside]))
    return gpu_s / S_PER_H, lost_s / S_PER_H


def _cooling_summary(facility: Facility, segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
    """``cooling``, if the site has a plant: PUE = (IT + cooling + battery aux) / IT energy
    over the run, the highest PUE of any segment with IT load, water [m³] = heat rejected
    [kWh] × make-up [L/kWh] / 1000, WUE [L per kWh of IT], heat the chillers could not remove
    [MWh], the throttle's hours, GPU-hours and lost compute, hours of free cooling, chiller
    failures."""
    plant = facility.cooling
    if plant is None:
        return {}
    e = energy_mwh(segments, end_s)
    dt_s = durations_s(segments, end_s)
    stored = segments["heat_stored_mw"].to_numpy()
    throttled = segments["throttle_pu"].to_numpy() < 1.0
    coolant_end = segments["coolant_c"].to_numpy() + segments["coolant_rate_c_per_s"] * dt_s
    it = segments["it_mw"].to_numpy()
    facility_mw = it + segments["cooling_mw"].to_numpy() + segments["battery_aux_mw"].to_numpy()
    has_it = it > 1e-9 * it.max() if len(it) else it > 0  # (a vanishing IT load has no PUE)
    throttled_gpu_h, lost_gpu_h = _throttle_cost(facility, segments, dt_s, throttled)
    water_m3 = e["heat_rejected"] * 1000.0 * plant.water_l_per_kwh / 1000.0
    kinds = Counter(ev[1] for ev in facility.recorder.events)
    return {
        "cooling": {
            "pue": (e["it"] + e["cooling"] + e["battery_aux"]) / e["it"] if e["it"] > 0 else None,
            "pue_max": float(np.max(facility_mw[has_it] / it[has_it])) if has_it.any() else None,
            "water_m3": water_m3,
            "wue_l_per_kwh": water_m3 * 1000.0 / (e["it"] * 1000.0) if e["it"] > 0 else None,
            "heat_rejected_mwh": e["heat_rejected"],
            "heat_not_removed_mwh": float(np.sum(np.maximum(stored, 0.0) * dt_s)) / S_PER_H,
            "coolant_max_c": float(max(segments["coolant_c"].max(), np.max(coolant_end))),
            "throttled_h": float(np.sum(dt_s[throttled])) / S_PER_H,
            "throttled_gpu_h": throttled_gpu_h,
            "throttle_lost_gpu_h": lost_gpu_h,
            "shutdowns": kinds["cooling_shutdown"],
            "free_cooling_h": plant.free_cooling_h(end_s),
            "chiller_failures": kinds["chiller_fail"],
        }
    }


def _cluster_summary(facility: Facility, end_s: float) -> dict[str, Any]:
    """``jobs`` (per job, by name) and ``cluster`` (GPU-hours by node state), if any."""
    cluster = facility.cluster
    if cluster is None:
        return {}
    return {
        "jobs": {job.name: job.report(end_s) for job in cluster.jobs},
        "cluster": {"gpu_hours": cluster.gpu_hours(end_s)},
    }
