"""What ``dcsim show`` prints: the units of the summary's keys, declared (:data:`UNITS`), one
number format (:func:`format_number`), the summary table and the event log.

Units are declared per key pattern, not guessed from a key's suffix (a guess reads
``wue_l_per_kwh`` as kWh and ``gpu_hours`` as h). A pattern is a flattened summary key
(:func:`sim.results.flatten_summary`) with ``[]`` for any list index and ``*`` for one name (a
job, a pool, a storage, an event kind). ``""`` declares a key unitless (a count, a ratio, a
name). tests/test_show.py checks that every key of every shipped config's summary is declared.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import pandas as pd

from sim.results import iter_flat

_MONTH = {
    "month": "",
    "duration_h": "h",
    "energy_mwh.*": "MWh",
    "peak_mw.*": "MW",
    "demand_peak_mw": "MW",
    "cost_usd.*": "USD",
    "pue": "",
    "wue_l_per_kwh": "L/kWh",
    "water_m3": "m³",
}
_OUTAGE = {
    "start_h": "h",
    "duration_h": "h",
    "simulated_h": "h",
    "unserved_mwh": "MWh",
    "ride_through": "",
}
_SOC = {"soc_final": "pu", "soc_lowest": "pu", "equivalent_full_cycles": "cycles"}

UNITS: dict[str, str] = {
    "energy_mwh.*": "MWh",
    "peak_mw.*": "MW",
    "unserved_mwh": "MWh",
    "curtailed_mwh": "MWh",
    "swings_mw.*": "MW",
    "outage_ride_through": "",
    "outage_ride_through[]": "",
    "outages": "",
    "random_outages": "",
    **{f"outages[].{k}": u for k, u in _OUTAGE.items()},
    **{f"random_outages[].{k}": u for k, u in _OUTAGE.items()},
    **{f"battery.{k}": u for k, u in _SOC.items()},
    "battery.swing_buffered_mwh": "MWh",
    "battery.swing_cycles": "cycles",
    **{f"solar.{k}_mwh": "MWh" for k in ("energy", "delivered", "curtailed")},
    "solar.peak_mw": "MW",
    "solar.capacity_factor_pu": "pu",
    "solar.specific_yield_kwh_per_kwp": "kWh/kWp",
    **{f"storages.*.{k}": u for k, u in _SOC.items()},
    "cost_usd.*": "USD",
    "co2_t.*": "t",
    "grid_by_month[].month": "",
    "grid_by_month[].energy_mwh": "MWh",
    "grid_by_month[].energy_usd": "USD",
    "grid_by_month[].peak_mw": "MW",
    "grid_by_month[].demand_peak_mw": "MW",
    "grid_by_month[].demand_billed_pu": "pu",
    "grid_by_month[].demand_usd": "USD",
    **{f"by_month[].{k}": u for k, u in _MONTH.items()},
    "demand_charge.billing": "",
    "demand_charge.peak_mw": "MW",
    "demand_charge.billed_months": "months",
    "demand_charge.usd": "USD",
    "turbines.starts": "",
    "turbines.trips": "",
    "turbines.run_hours": "unit-h",
    "turbines.energy_mwh": "MWh",
    "turbines.fuel_mmbtu": "MMBtu",
    "turbines.fuel_usd": "USD",
    "turbines.co2_t": "t",
    "turbines.nox_t": "t",
    "turbines.permit_use_pu": "pu",
    "turbines.groups": "",
    "turbines.groups[].name": "",
    "turbines.groups[].units": "",
    "turbines.groups[].starts": "",
    "turbines.groups[].trips": "",
    "turbines.groups[].run_hours": "unit-h",
    "turbines.groups[].energy_mwh": "MWh",
    "turbines.groups[].fuel_mmbtu": "MMBtu",
    "turbines.groups[].fuel_usd": "USD",
    "turbines.groups[].co2_t": "t",
    "turbines.groups[].nox_t": "t",
    "turbines.groups[].permit_use_pu": "pu",
    "turbines.groups[].rating_lowest_mw": "MW",
    "turbines.groups[].max_run_hours_per_year": "unit-h/yr",
    "turbines.groups[].max_starts_per_year": "1/yr",
    "turbines.groups[].most_run_hours_in_a_year": "unit-h",
    "turbines.groups[].most_starts_in_a_year": "",
    "demand_response": "",
    "demand_response[].start_h": "h",
    "demand_response[].duration_h": "h",
    "demand_response[].limit_mw": "MW",
    "demand_response[].max_grid_mw": "MW",
    "demand_response[].battery_discharge_mwh": "MWh",
    "demand_response[].unserved_mwh": "MWh",
    "jobs.*.gpus": "GPUs",
    "jobs.*.started_h": "h",
    "jobs.*.finished_h": "h",
    "jobs.*.waiting_for_nodes_h": "h",
    "jobs.*.goodput_h": "h",
    "jobs.*.lost_h": "h",
    "jobs.*.ettr": "",
    "jobs.*.checkpoints": "",
    "jobs.*.interruptions": "",
    "jobs.*.interruptions_in_*": "",
    "jobs.*.paused": "",
    "jobs.*.shed": "",
    "jobs.*.energy_mwh": "MWh",
    "jobs.*.energy_per_useful_gpu_h_kwh": "kWh/GPU-h",
    "cluster.gpu_hours.*": "GPU-h",
    "cluster.gpu_hours.pools.*.*": "GPU-h",
    "cluster.failures_by_cause.*": "",
    "cluster.domain_failures.*_failures": "",
    "cluster.domain_failures.jobs_interrupted": "",
    "cluster.domain_failures.node_hours_out": "node-h",
    "jobs.*.useful_eflop": "EFLOP",
    "jobs.*.useful_h100_gpu_h": "H100 GPU-h",
    "jobs.*.energy_per_eflop_mwh": "MWh/EFLOP",
    "jobs.*.energy_per_h100_gpu_h_kwh": "kWh/H100 GPU-h",
    "cluster.work.useful_eflop": "EFLOP",
    "cluster.work.useful_h100_gpu_h": "H100 GPU-h",
    "cluster.work.energy_per_eflop_mwh": "MWh/EFLOP",
    "cluster.work.energy_per_h100_gpu_h_kwh": "kWh/H100 GPU-h",
    "work.facility_energy_per_eflop_mwh": "MWh/EFLOP",
    "work.cost_per_eflop_usd": "USD/EFLOP",
    "work.cost_per_h100_gpu_h_usd": "USD/H100 GPU-h",
    "cooling.pue": "",
    "cooling.pue_max": "",
    "cooling.water_m3": "m³",
    "cooling.wue_l_per_kwh": "L/kWh",
    "cooling.heat_rejected_mwh": "MWh",
    "cooling.heat_not_removed_mwh": "MWh",
    "cooling.heat_into_loop_mwh": "MWh",
    "cooling.coolant_max_c": "°C",
    "cooling.throttled_h": "h",
    "cooling.throttled_gpu_h": "GPU-h",
    "cooling.throttle_lost_gpu_h": "GPU-h",
    "cooling.shutdowns": "",
    "cooling.free_cooling_h": "h",
    "cooling.free_cooling_share_pu": "pu",
    "cooling.chiller_failures": "",
    "cooling.chiller_kw_per_ton_ahri": "kW/ton",
    "cooling.chiller_iplv_kw_per_ton": "kW/ton",
    "cooling.by_month[].month": "",
    "cooling.by_month[].pue": "",
    "cooling.by_month[].wue_l_per_kwh": "L/kWh",
    "cooling.by_month[].water_m3": "m³",
    "cooling.by_month[].it_mwh": "MWh",
    "cooling.by_month[].cooling_mwh": "MWh",
    "vehicle_fleet.vehicles": "",
    "vehicle_fleet.hardware": "",
    "vehicle_fleet.car_h": "car-h",
    "vehicle_fleet.lost_car_h": "car-h",
    "vehicle_fleet.preemptions": "",
    "vehicle_fleet.delivered_eflop": "EFLOP",
    "vehicle_fleet.delivered_h100_h": "H100 GPU-h",
    "vehicle_fleet.*_h100_eq": "H100-eq",
    "vehicle_fleet.energy_mwh": "MWh",
    "vehicle_fleet.*_usd": "USD",
    "event_log.total": "",
    "event_log.by_kind.*": "",
    "run.name": "",
    "run.seed": "",
    "run.duration_h": "h",
    "run.events": "",
    "run.segments": "",
    "run.sim_wall_s": "s",
    "run.wall_s": "s",
    "run.config_sha256": "",
    "run.dcsim_version": "",
    "run.python_version": "",
}
"""Unit of each summary key pattern (see the module's docstring); ``""`` = unitless."""

_SUFFIXES = (
    ("_l_per_kwh", "L/kWh"),
    ("_kw_per_ton", "kW/ton"),
    ("_gpu_h", "GPU-h"),
    ("_mmbtu", "MMBtu"),
    ("_mwh", "MWh"),
    ("_mw", "MW"),
    ("_usd", "USD"),
    ("_pu", "pu"),
    ("_m3", "m³"),
    ("_c", "°C"),
    ("_s", "s"),
    ("_h", "h"),
    ("_t", "t"),
)
"""For a key no pattern declares (a section of a component added outside dcsim): the unit its
last part's suffix names, else none."""


def normalize_key(key: str) -> str:
    """A flattened summary key with its list indices as ``[]`` (``outages[0].start_h`` →
    ``outages[].start_h``)."""
    return re.sub(r"\[\d+\]", "[]", key)


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    parts = (re.escape(p) for p in pattern.split("*"))
    return re.compile("[^.]+".join(parts) + r"\Z")


def matches_pattern(key: str, pattern: str) -> bool:
    """Whether a flattened summary key matches a pattern written as :data:`UNITS` writes them
    (``[]`` any list index, ``*`` one name)."""
    return _pattern(pattern).match(normalize_key(key)) is not None


def declared_unit(key: str) -> str | None:
    """The declared unit of a flattened summary key (``""``: unitless), or None if no pattern
    of :data:`UNITS` declares it. An exact pattern wins over one with ``*``."""
    key = normalize_key(key)
    if key in UNITS:
        return UNITS[key]
    for pattern, unit in UNITS.items():
        if "*" in pattern and _pattern(pattern).match(key):
            return unit
    return None


def unit_of(key: str) -> str:
    """The unit to show for a flattened summary key: declared (:func:`declared_unit`), else
    read from its last part's suffix (:data:`_SUFFIXES`), else none."""
    unit = declared_unit(key)
    if unit is not None:
        return unit
    last = normalize_key(key).rsplit(".", 1)[-1]
    return next((u for suffix, u in _SUFFIXES if last.endswith(suffix)), "")


SIGNIFICANT = 6
"""Significant digits of every number shown."""


def format_number(value: float | int) -> str:
    """One format for every number: integers in full with thousands separators; floats to
    :data:`SIGNIFICANT` digits (all the digits before the point where there are more), thousands
    separators, trailing zeros dropped, no exponent
    between 1e-4 and 1e15 (outside, ``1.23457e-07``); NaN and infinity as Python spells them."""
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    if value == 0.0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude < -4 or magnitude >= 15:
        return f"{value:.{SIGNIFICANT - 1}e}"
    decimals = max(SIGNIFICANT - 1 - magnitude, 0)
    text = f"{round(value, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_value(value: Any) -> str:
    """A summary value as shown: yes/no, ``-`` for null, numbers by :func:`format_number`."""
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "-"}[value]
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, list):
        return ", ".join(format_value(v) for v in value) or "-"
    return str(value)


def key_matches(key: str, patterns: Sequence[str]) -> bool:
    """Whether a flattened key matches any of ``patterns`` (shell wildcards ``*?[]`` on the
    whole key; a pattern without wildcards matches any key containing it)."""
    for pattern in patterns:
        if any(c in pattern for c in "*?["):
            if fnmatch.fnmatchcase(key, pattern):
                return True
        elif pattern in key:
            return True
    return False


def format_summary(summary: dict[str, Any], title: str = "", only: Sequence[str] = ()) -> str:
    """A summary as an aligned text table: key path, value, unit; with ``only``, just the keys
    matching one of those patterns (:func:`key_matches`)."""
    rows = []
    for path, value in iter_flat(summary):
        key = ".".join(path)
        if not only or key_matches(key, only):
            rows.append((key, format_value(value), unit_of(key)))
    if not rows:
        what = "no key matches " + ", ".join(only) if only else "empty summary"
        return f"{title}\n({what})" if title else f"({what})"
    width = max(len(key) for key, _, _ in rows)
    vwidth = min(max(len(val) for _, val, _ in rows), 16)  # longer values (hashes) overflow
    lines = [title, "-" * len(title)] if title else []
    lines += [f"{key:<{width}}  {val:>{vwidth}}  {unit}".rstrip() for key, val, unit in rows]
    return "\n".join(lines)


def filter_events(
    events: pd.DataFrame, kinds: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[str]]:
    """The events of ``kinds`` (all without), and the kinds asked for that the log lacks."""
    if not kinds:
        return events, []
    present = set(events["kind"])
    return events[events["kind"].isin(kinds)], [k for k in kinds if k not in present]


def format_events(events: pd.DataFrame) -> str:
    """The event log as text: time [h], local time (if recorded), kind, source, detail."""
    if events.empty:
        return "(no events)"
    columns = [c for c in ("time_h", "timestamp", "kind", "source", "detail") if c in events]
    table = events[columns].rename(columns={"time_h": "time [h]"})
    return table.to_string(index=False, float_format=lambda v: f"{v:,.4f}")
