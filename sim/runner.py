"""Run a config: build the facility, simulate, and assemble the :class:`~sim.results.Result`."""

from __future__ import annotations

import hashlib
import math
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim._version import __version__
from sim.config import Config, dump_config, load_config
from sim.facility import Facility
from sim.monthly import by_month, event_log_summary
from sim.recorder import bin_edges_s, resample
from sim.results import Result, iter_flat
from sim.signals import month_labels, month_lengths_s, month_starts_s
from sim.summary import energy_summary, money_summary, swing_summary
from sim.throughput import site_work

NS_PER_H = 3.6e12
"""Nanoseconds per hour (the resolution of pandas' timestamps)."""


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
    facility: Facility | None = None
    try:
        facility = Facility(config)
        sim_start = time.perf_counter()
        facility.run(progress=progress)
        sim_wall_s = time.perf_counter() - sim_start
        segments = facility.recorder.segments()
        config_yaml = dump_config(config)
        summary = _summary(config, facility, segments)
        summary["run"] = {
            "name": config.name,
            "seed": config.seed,
            "duration_h": config.duration_h,
            "events": facility.n_updates,
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
            events=_with_timestamps(config, facility.recorder.events_frame()),
            summary=summary,
            config_yaml=config_yaml,
            segments=segments,
            progress=facility.progress(),
        )
    except Exception as exc:
        what = f"{type(exc).__name__}: {exc}"
        raise RunError(f"run {config.name!r} (seed {config.seed}) failed: {what}") from exc
    finally:
        if facility is not None:  # free the run now, not at the next full GC (issue 19)
            facility.close()


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


def _with_timestamps(config: Config, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``timestamp`` column after ``time_h``: ``start + time_h``, tz-aware in
    the site's zone (:attr:`sim.config.Config.zone`; its wall clock, daylight saving included),
    to the nearest nanosecond (so a bin of 1/60 h starts on the minute, not 1 ns after it).
    """
    start = pd.Timestamp(config.start)  # (aware, in the site's zone)
    ns = np.rint(frame["time_h"].to_numpy(dtype=float) * NS_PER_H).astype(np.int64)
    frame.insert(1, "timestamp", start + pd.to_timedelta(ns, unit="ns"))
    return frame


def _timeseries(config: Config, facility: Facility, segments: pd.DataFrame) -> pd.DataFrame:
    """The regular timeseries: exact bin means of powers and signals, states at bin ends;
    indexed by the bins' ``timestamp`` (tz-aware, see :func:`_with_timestamps`), ``time_h`` a
    column."""
    end_s = facility.end_s
    means = tuple(c for part in facility.reporting for c in getattr(part, "mean_columns", ()))
    timeseries = resample(
        segments, config.output.resolution_s, end_s, facility.recorder.extra_power_columns + means
    )
    timeseries = _with_timestamps(config, timeseries).set_index("timestamp")
    edges_s = bin_edges_s(config.output.resolution_s, end_s)
    timeseries["price_usd_per_mwh"] = facility.price.mean_over(edges_s)
    timeseries["carbon_kg_per_mwh"] = facility.carbon.mean_over(edges_s)
    if facility.weather is not None:
        dry, wet = facility.weather.mean_over(edges_s)
        timeseries["dry_bulb_c"], timeseries["wet_bulb_c"] = dry, wet
        it = timeseries["it_mw"]
        timeseries["pue"] = (timeseries["load_mw"] / it).where(it > 0)
        # the loop's supply temperature at each bin's end (linear within a segment: exact)
        t_s = segments["time_s"].to_numpy()
        k = np.clip(np.searchsorted(t_s, edges_s[1:], side="left") - 1, 0, len(t_s) - 1)
        timeseries["coolant_c"] = segments["coolant_c"].to_numpy()[k] + segments[
            "coolant_rate_c_per_s"
        ].to_numpy()[k] * (edges_s[1:] - t_s[k])
    return timeseries


SUMMARY_ORDER = (
    "energy_mwh",
    "peak_mw",
    "unserved_mwh",
    "curtailed_mwh",
    "swings_mw",
    "outage_ride_through",
    "outages",
    "random_outages",
    "battery",
    "cost_usd",
    "co2_t",
    "grid_by_month",
    "by_month",
    "demand_charge",
    "turbines",
    "demand_response",
    "jobs",
    "cluster",
    "work",
    "cooling",
    "event_log",
)
"""Order of the keys of ``summary.json`` (it keeps insertion order): the run's own keys and the
built-in components' sections where they have always been; other sections (registered
sources, a plant of storages) follow in the facility's order, then ``run``."""


def _summary(config: Config, facility: Facility, segments: pd.DataFrame) -> dict[str, Any]:
    """The numbers of ``summary.json`` except ``run``: the run's own keys (energy, peaks,
    swings; money, from the record, the price and carbon schedules and the ``turbines``
    section's fuel; ``by_month``, see :func:`sim.monthly.by_month`; the event log's counts by
    kind, ``event_log``) and every reporting part's section (see
    :attr:`sim.facility.Facility.reporting`), in :data:`SUMMARY_ORDER`."""
    end_s = facility.end_s
    sections: dict[str, Any] = {}
    for part in facility.reporting:
        if part.name in sections or part.name == "run":
            raise ValueError(f"a component named {part.name!r} clashes with a summary section")
        sections[part.name] = part.report(segments, end_s)
    months = month_starts_s(config.start, end_s)
    own = {
        **energy_summary(segments, end_s),
        "swings_mw": swing_summary(segments),
        **money_summary(
            segments,
            end_s,
            facility.price,
            facility.carbon,
            months,
            month_labels(config.start, months),
            config.grid.demand_charge_usd_per_kw_month,
            config.grid.demand_interval_min * 60.0,
            sections["turbines"],
            month_lengths_s(config.start, months),
            config.grid.demand_billing,
        ),
    }
    cooling = sections.get("cooling")
    own["by_month"] = by_month(
        segments,
        months,
        month_labels(config.start, months),
        end_s,
        own["grid_by_month"],
        cooling.get("by_month") if isinstance(cooling, dict) else None,
    )
    own["event_log"] = event_log_summary(facility.recorder.event_counts())
    cluster, jobs = sections.get("cluster"), sections.get("jobs")
    if isinstance(cluster, dict) and isinstance(jobs, dict) and "work" in cluster:
        load_mwh, cost_usd = own["energy_mwh"]["load"], own["cost_usd"]["total"]
        own["work"] = site_work(cluster["work"], list(jobs.values()), load_mwh, cost_usd)
    clash = sorted(own.keys() & sections.keys())
    if clash:
        raise ValueError(f"a component named {clash[0]!r} clashes with a summary section")
    parts = {**own, **sections}
    summary = {key: parts.pop(key) for key in SUMMARY_ORDER if key in parts}
    summary.update(parts)
    return summary
