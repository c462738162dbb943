"""Make every README/doc figure and the paragraphs that tell them, from runs: nothing pasted.

    python docs/figures/make.py [--force]

- ``configs/examples/colossus1_2025_outage.yaml`` (a few seconds): writes
  ``docs/figures/colossus1_2025_outage.png`` (the standard zoom on the outage, ``dcsim plot``'s
  ``zoom_1_grid_outage.png``) and the README's paragraph between ``<!-- outage-narrative -->``
  and ``<!-- /outage-narrative -->``;
- ``configs/examples/colossus1_2025_year.yaml`` (~20–40 s): writes
  ``docs/figures/colossus1_2025_year_pue.png`` (``dcsim plot``'s ``cooling_by_month.png``)
  and the paragraph between ``<!-- pue-narrative -->`` and ``<!-- /pue-narrative -->``;
- ``preset:colossus1_buildout`` (~30–60 s): writes ``docs/figures/colossus1_buildout.png``
  (:func:`sim.plots.capacity.capacity_figure`: GPUs online, the built capacity, the daily supply
  by source), keeps the numbers its paragraph tells in ``colossus1_buildout.json`` and writes
  the paragraph between ``<!-- buildout-narrative -->`` and ``<!-- /buildout-narrative -->``;
- ``preset:tesla_fleet`` and two variants (seconds): writes ``docs/figures/tesla_fleet.png``
  (:func:`sim.plots.vehicle_fleet.fleet_hours_figure`: fleet compute by local hour against
  Colossus 1's and 2's H100-equivalents), keeps its numbers in ``tesla_fleet.json`` and writes
  the paragraph between ``<!-- fleet-narrative -->`` and ``<!-- /fleet-narrative -->``.
- ``preset:colossus1_solar`` (a few seconds): writes ``docs/figures/colossus1_solar.png``
  (:func:`sim.plots.solar.solar_figure`: solar, battery, load and grid over the day), keeps the
  numbers its paragraph tells in ``colossus1_solar.json`` and writes the paragraph between
  ``<!-- solar-narrative -->`` and ``<!-- /solar-narrative -->``.

Each figure is remade only when its inputs changed: ``docs/figures/cache.json`` keeps, per
figure, a hash of its resolved config and of dcsim's source (``sim/``, ``.py`` and data files);
``--force`` remakes all. ``tests/test_docs_figures.py`` runs the outage config and checks that
the README's paragraph is the one this run tells; for the year (too slow for the tests) it
checks that the PUE paragraph is the one the kept summary (``colossus1_2025_year_cooling.json``)
tells and that a run of January alone agrees with the kept January. So text and picture
cannot drift from the code: after a change of results, run this script.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from sim.config import Config
    from sim.results import Result

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "examples" / "colossus1_2025_outage.yaml"
FIGURE = ROOT / "docs" / "figures" / "colossus1_2025_outage.png"
README = ROOT / "README.md"
MARKERS = ("<!-- outage-narrative -->", "<!-- /outage-narrative -->")
YEAR_CONFIG = ROOT / "configs" / "examples" / "colossus1_2025_year.yaml"
YEAR_FIGURE = ROOT / "docs" / "figures" / "colossus1_2025_year_pue.png"
PUE_MARKERS = ("<!-- pue-narrative -->", "<!-- /pue-narrative -->")
CACHE = ROOT / "docs" / "figures" / "cache.json"
YEAR_SUMMARY = ROOT / "docs" / "figures" / "colossus1_2025_year_cooling.json"
"""The year's ``summary["cooling"]`` (with ``by_month``), kept beside its figure: the README's
PUE paragraph is told from it, and the test checks both against it and a shorter run."""
BUILDOUT = "preset:colossus1_buildout"
BUILDOUT_FIGURE = ROOT / "docs" / "figures" / "colossus1_buildout.png"
BUILDOUT_KEPT = ROOT / "docs" / "figures" / "colossus1_buildout.json"
"""The build-out's capacity table and its run's energies (the year's and each month's), kept
beside its figure: the README's paragraph is told from it; the test checks it against the
config's capacity table and the regression fixture's totals."""
BUILDOUT_MARKERS = ("<!-- buildout-narrative -->", "<!-- /buildout-narrative -->")
FLEET = "preset:tesla_fleet"
FLEET_FIGURE = ROOT / "docs" / "figures" / "tesla_fleet.png"
FLEET_KEPT = ROOT / "docs" / "figures" / "tesla_fleet.json"
"""The fleet scenarios' compute by local hour and the GPU sites' H100-equivalents, kept beside
the figure: the README's paragraph is told from it; the test checks it against the presets,
the profile and the regression fixture."""
FLEET_MARKERS = ("<!-- fleet-narrative -->", "<!-- /fleet-narrative -->")
FLEET_SCENARIOS = {
    "5 M HW3, 10 % opt-in (the preset)": [],
    "5 M HW4, 30 % opt-in": ["vehicle_fleet.hardware=hw4", "vehicle_fleet.opt_in_pu=0.3"],
    "100 M × 1 kW, 10 % opt-in": [
        "vehicle_fleet.vehicles=100000000",
        "vehicle_fleet.hardware=ai_1kw",
    ],
}
"""The fleet's scenarios (``--set`` overrides of the preset): facts.md §12's ~5 M cars of
2024, and Musk's 100 M cars with "a kilowatt of inference capability" each."""
FLEET_SITES = ("preset:colossus1_2025", "preset:colossus2")

SOLAR = "preset:colossus1_solar"
SOLAR_FIGURE = ROOT / "docs" / "figures" / "colossus1_solar.png"
SOLAR_KEPT = ROOT / "docs" / "figures" / "colossus1_solar.json"
"""The solar day's plant ratings, its ``solar`` section and the site's load and grid energy,
kept beside its figure: the README's paragraph is told from it; the test checks it against the
config and the regression fixture."""
SOLAR_MARKERS = ("<!-- solar-narrative -->", "<!-- /solar-narrative -->")


def _names(events: pd.DataFrame, kind: str, start_h: float, stop_h: float) -> list[str]:
    """Sources of the events of ``kind`` within ``[start_h, stop_h)``, in order, once each."""
    e = events[(events["kind"] == kind) & (events["time_h"] >= start_h)]
    return list(dict.fromkeys(e[e["time_h"] < stop_h]["source"]))


def _and(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return (
        " and ".join(quoted) if len(quoted) < 3 else ", ".join(quoted[:-1]) + ", and " + quoted[-1]
    )


def narrative(config: Config, result: Result) -> str:
    """The paragraph under the README's figure, every number from the run's validated
    ``config`` and its ``result``."""
    from sim.summary import window_energy_mwh
    from sim.units import S_PER_H

    s, ev, seg = result.summary, result.events, result.segments
    out = ev[ev["kind"] == "outage_start"]["time_h"].iloc[0]
    back = ev[ev["kind"] == "outage_end"]["time_h"].iloc[0]
    before = seg[(seg["time_s"] < out * 3600) & (seg["time_s"] >= (out - 2) * 3600)]
    site = before["it_mw"] + before["cooling_mw"] + before.get("electrical_loss_mw", 0.0)
    running = int(seg[seg["time_s"] < out * 3600]["turbines_online"].iloc[-1])
    battery_mw = sum(b.power_mw for b in config.storages)
    group = config.turbines[0]
    management = config.dispatch.load_management
    assert management is not None  # (the example lets the cluster give way)
    t = s["turbines"]
    paused = _names(ev, "job_paused", out, back)
    resumed_early = _names(ev, "job_resumed", out, back - 1e-9)
    waiting = [j for j in paused if j not in resumed_early]
    during = ev[(ev["time_h"] >= out) & (ev["time_h"] < back)]
    released = during[during["kind"] == "turbine_released"]
    online = during[during["kind"] == "turbine_online"]
    starts = during[during["kind"] == "turbine_start"]
    spill = window_energy_mwh(seg, "curtailed_mw", out * S_PER_H, back * S_PER_H)
    held = seg[(seg["time_s"] >= (out + 0.75) * 3600) & (seg["time_s"] < back * 3600)]
    rating_mw = sum(g["units"] * g["rating_lowest_mw"] for g in t["groups"])
    n_left = int(held["turbines_online"].iloc[-1])
    follow = (
        f"{n_left} follow {_and(resumed_early)}'s mean power (about"
        f" {held['turbines_mw'].median():.0f} MW), the battery buffering the iteration's swing"
    )
    if len(released):
        units = (
            f" After their {group.min_run_s / 60:g}-minute minimum run,"
            f" {len(released)} units the load does not need go off and {follow}"
        )
    else:
        units = f" All {follow[0].lower()}{follow[1:]}"
    units += (
        f"; until then the units' minimum load spills {spill:.0f} MWh."
        if spill >= 0.5
        else "; no turbine output is spilled."
    )
    text = (
        f"The {battery_mw:g} MW of Megapacks cannot carry the {site.min():.0f}–{site.max():.0f}"
        f" MW site (IT, cooling and losses) through the turbines'"
        f" {group.start_s / 60:g}-minute start, so the cluster gives way: GPU power"
        " capped to"
        f" {100 * management.it_floor_pu:.0f} %, then"
        f" {_and(paused)} pause after a checkpoint. {len(starts)} turbines start at {out:g} h"
        + (f" ({running} already ran for the import limit)" if running else "")
        + ";"
        f" online at {online['time_h'].min():.2f} h, they carry {_and(resumed_early)} again."
        f"{units} {_and(waiting)} waits for the grid ({back:g} h): with their cooling, all"
        f" jobs together need more than the turbines' {rating_mw:.0f} MW (derated in the heat)."
    )
    return textwrap.fill(text, 96)


def pue_narrative(summary: dict) -> str:
    """The paragraph under the README's monthly PUE figure, from the year's ``summary``
    (its ``cooling`` section, with ``by_month``)."""
    months = summary["cooling"]["by_month"]
    low = min(months, key=lambda m: m["pue"])
    high = max(months, key=lambda m: m["pue"])
    jan = months[0]
    text = (
        f"Monthly PUE over the year runs from {low['pue']:.3f} ({low['month']}) to"
        f" {high['pue']:.3f} ({high['month']}), the chillers working hardest in the Memphis"
        f" summer; January's is {jan['pue']:.3f} with a WUE of {jan['wue_l_per_kwh']:.2f} L/kWh"
        f" (the whole year: PUE {summary['cooling']['pue']:.3f}, WUE"
        f" {summary['cooling']['wue_l_per_kwh']:.2f} L/kWh)."
    )
    return textwrap.fill(text, 96)


def buildout_kept(capacity: pd.DataFrame, summary: dict, it_floor_pu: float) -> dict:
    """What the build-out's paragraph tells, from its capacity table, run ``summary`` and load
    management's IT floor [pu]."""
    return {
        "it_floor_pu": it_floor_pu,
        "capacity": capacity.to_dict(orient="records"),
        "energy_mwh": {k: summary["energy_mwh"][k] for k in ("it", "grid", "turbines", "load")},
        "unserved_mwh": summary["unserved_mwh"],
        "by_month": [
            {"month": m["month"], "it_mwh": m["energy_mwh"]["it"],
             "unserved_mwh": m["energy_mwh"]["unserved"]}
            for m in summary["by_month"]
        ],
    }  # fmt: skip


def buildout_narrative(kept: dict) -> str:
    """The paragraph under the README's build-out figure, from :func:`buildout_kept`."""
    first, last = kept["capacity"][0], kept["capacity"][-1]
    months, energy = kept["by_month"], kept["energy_mwh"]
    short = " and ".join(m["month"] for m in months if m["unserved_mwh"] > 0.5)
    pct = "\u00a0%"  # (a space the wrapping keeps)
    turbines, grid = (100 * energy[k] / energy["load"] for k in ("turbines", "grid"))
    text = (
        f"Over the year the site grows from {first['gpus']:,} to {last['gpus']:,} GPUs in"
        f" service and its grid tie from {first['grid_limit_mw']:.0f} to"
        f" {last['grid_limit_mw']:.0f} MW; the IT energy rises from"
        f" {months[0]['it_mwh'] / 1e3:,.1f} GWh in {months[0]['month']} to"
        f" {months[-1]['it_mwh'] / 1e3:,.1f} GWh in {months[-1]['month']}. Turbines supply"
        f" {turbines:.0f}{pct} of the year's {energy['load'] / 1e3:,.0f} GWh and the grid"
        f" {grid:.0f}{pct}."
    )
    if short:
        text += (
            f" In {short} the supply falls short even with the GPUs capped to"
            f" {100 * kept['it_floor_pu']:.0f}{pct} of their demand:"
            f" {kept['unserved_mwh']:,.0f} MWh unserved, mostly while"
            f" {first['grid_limit_mw']:.0f} MW of grid and {first['turbine_mw']:.0f} MW of mobile"
            " turbines (derated in the summer heat) carry the first GPUs with their cooling and"
            ' losses: the reported "enough for ~32k H100 with power limits" holds for the'
            " GPUs' own power, not for the site."
        )
    return textwrap.fill(text, 96)


def site_h100_eq(config: Config) -> tuple[int, float]:
    """A GPU site's installed GPUs and their H100-equivalents at FP8 (the work units of
    :mod:`sim.throughput`): ``Σ (gpus + spares) · F_fp8 / F_fp8(H100)`` over its pools."""
    from sim.config import hardware_catalog
    from sim.throughput import H100

    assert config.cluster is not None
    catalog = hardware_catalog(config.cluster)
    h100 = catalog[H100].dense_fp8_tflops
    gpus, h100_eq = 0, 0.0
    for pool in config.cluster.pools:
        tflops = catalog[pool.hardware].dense_fp8_tflops
        assert tflops is not None
        assert h100 is not None
        gpus += pool.gpus + pool.spare_gpus
        h100_eq += (pool.gpus + pool.spare_gpus) * tflops / h100
    return gpus, h100_eq


def fleet_narrative(kept: dict) -> str:
    """The paragraph under the README's fleet figure, from the kept numbers."""
    (c1, c2), scenarios = kept["sites"], kept["scenarios"]
    pct = "\u00a0%"
    preset, musk = scenarios[0], scenarios[-1]
    weekday = [h["weekday"] for h in preset["by_hour"]]
    low, high = min(weekday), max(weekday)
    text = (
        f"With ~5 M cars of HW3 and 10{pct} of owners opted in (half their parked cars"
        f" eligible) the fleet offers {preset['mean_h100_eq']:,.0f} H100-equivalents on"
        f" average over the week, from {low:,.0f} on a weekday at"
        f" {weekday.index(low):02d}:00 to {high:,.0f} at {weekday.index(high):02d}:00:"
        f" {100 * preset['mean_h100_eq'] / c1['h100_eq']:.1f}{pct} of Colossus 1's"
        f" {c1['h100_eq']:,.0f} ({c1['gpus']:,} GPUs) and"
        f" {100 * preset['mean_h100_eq'] / c2['h100_eq']:.2f}{pct} of Colossus 2's"
        f" {c2['h100_eq']:,.0f} ({c2['gpus']:,} GB200/GB300). Its owners spend"
        f" {preset['owner_cost_usd'] / 1e3:,.0f}k USD of electricity in the week and earn"
        f" {preset['owner_revenue_usd'] / 1e3:,.0f}k USD at the preset's price of the work."
        f" Musk's scenario, 100 M cars with a kilowatt each at the same opt-in, would offer"
        f" {musk['mean_h100_eq']:,.0f} H100-equivalents:"
        f" {musk['mean_h100_eq'] / c2['h100_eq']:.1f} × Colossus 2, for divisible work only."
    )
    return textwrap.fill(text, 96)


def solar_kept(config: Config, summary: dict) -> dict:
    """What the solar day's paragraph tells, from its config and run ``summary``."""
    assert config.solar is not None  # (the solar preset)
    return {
        "p_dc_mw": config.solar.p_dc_mw,
        "p_ac_mw": config.solar.p_ac_mw,
        "solar": summary["solar"],
        "energy_mwh": {k: summary["energy_mwh"][k] for k in ("load", "grid")},
    }


def solar_narrative(kept: dict) -> str:
    """The paragraph under the README's solar figure, from :func:`solar_kept`."""
    sun, energy = kept["solar"], kept["energy_mwh"]
    pct = "\u00a0%"  # (a space the wrapping keeps)
    spilled = (
        f"{sun['curtailed_mwh']:.1f} MWh of it is curtailed"
        if sun["curtailed_mwh"] >= 0.05
        else "none of it is curtailed: the site always draws more than the sun gives"
    )
    text = (
        f"Over the July day the {kept['p_ac_mw']:g} MWac / {kept['p_dc_mw']:g} MWdc tracker"
        f" plant gives {sun['energy_mwh']:.0f} MWh, peaking at {sun['peak_mw']:.1f} MW:"
        f" {100 * sun['energy_mwh'] / energy['load']:.1f}{pct} of the site's"
        f" {energy['load']:,.0f} MWh, a capacity factor of {sun['capacity_factor_pu']:.2f} on"
        f" its AC rating and {sun['specific_yield_kwh_per_kwp']:.2f} kWh per kWp; {spilled}."
        f" The grid supplies {energy['grid']:,.0f} MWh."
    )
    return textwrap.fill(text, 96)


def replace_block(readme: str, paragraph: str, markers: tuple[str, str] = MARKERS) -> str:
    """``readme`` with the text between ``markers`` replaced by ``paragraph``."""
    start, stop = (re.escape(m) for m in markers)
    block = f"{markers[0]}\n{paragraph}\n{markers[1]}"
    new, n = re.subn(f"{start}.*?{stop}", lambda _: block, readme, flags=re.S)
    if n != 1:
        raise SystemExit(f"README.md must hold the markers {markers} once")
    return new


def _source_sha256() -> str:
    """A hash of dcsim's source and data files (what a figure's numbers depend on)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "sim").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".csv", ".epw"):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _stale(name: str, config_sha256: str, figure: Path, cache: dict, force: bool) -> bool:
    key = {"config_sha256": config_sha256, "source_sha256": _source_sha256()}
    if not force and figure.is_file() and cache.get(name) == key:
        print(f"{figure.relative_to(ROOT)}: unchanged inputs, kept (--force remakes it)")
        return False
    cache[name] = key
    return True


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    force = "--force" in argv
    sys.path.insert(0, str(ROOT))
    import matplotlib

    matplotlib.use("Agg")
    from sim import load_config, run
    from sim.plots import run_figures
    from sim.runner import config_sha256

    cache = json.loads(CACHE.read_text()) if CACHE.is_file() else {}
    readme = README.read_text()
    config = load_config(CONFIG)
    if _stale("outage", config_sha256(config), FIGURE, cache, force):
        result = run(config)
        figures = run_figures(
            result.summary["run"]["name"], result.timeseries, result.events,
            summary=result.summary, config=result.config_yaml,
        )  # fmt: skip
        zoom = next(name for name in figures if name.startswith("zoom_") and "outage" in name)
        figures[zoom].savefig(FIGURE, dpi=110, bbox_inches="tight")
        readme = replace_block(readme, narrative(config, result))
        print(f"wrote {FIGURE.relative_to(ROOT)} and the README's outage paragraph")
    year = load_config(YEAR_CONFIG)
    if _stale("year", config_sha256(year), YEAR_FIGURE, cache, force):
        result = run(year, progress=True)
        figures = run_figures(
            year.name, result.timeseries, result.events, summary=result.summary,
            config=result.config_yaml,
        )  # fmt: skip
        figures["cooling_by_month"].savefig(YEAR_FIGURE, dpi=110, bbox_inches="tight")
        readme = replace_block(readme, pue_narrative(result.summary), PUE_MARKERS)
        YEAR_SUMMARY.write_text(json.dumps(result.summary["cooling"], indent=1) + "\n")
        print(f"wrote {YEAR_FIGURE.relative_to(ROOT)} and the README's PUE paragraph")
    buildout = load_config(BUILDOUT)
    if _stale("buildout", config_sha256(buildout), BUILDOUT_FIGURE, cache, force):
        from sim.buildout import capacity_table
        from sim.plots.capacity import capacity_figure

        result = run(buildout, progress=True)
        capacity = capacity_table(buildout)
        fig = capacity_figure(capacity, result.timeseries, "Colossus 1 build-out, 2024–2025")
        fig.savefig(BUILDOUT_FIGURE, dpi=110, bbox_inches="tight")
        floor = buildout.dispatch.load_management
        kept = buildout_kept(capacity, result.summary, floor.it_floor_pu if floor else 1.0)
        BUILDOUT_KEPT.write_text(json.dumps(kept, indent=1) + "\n")
        readme = replace_block(readme, buildout_narrative(kept), BUILDOUT_MARKERS)
        print(f"wrote {BUILDOUT_FIGURE.relative_to(ROOT)} and the README's build-out paragraph")
    fleet = load_config(FLEET)
    if _stale("fleet", config_sha256(fleet), FLEET_FIGURE, cache, force):
        from sim.plots.vehicle_fleet import by_local_hour, fleet_hours_figure

        sites = []
        for name in FLEET_SITES:
            gpus, h100_eq = site_h100_eq(load_config(name))
            sites.append({"site": load_config(name).name, "gpus": gpus, "h100_eq": h100_eq})
        scenarios, frames = [], []
        for label, overrides in FLEET_SCENARIOS.items():
            section = (result := run(load_config(FLEET, overrides))).summary["vehicle_fleet"]
            hours = by_local_hour(result.timeseries)
            frames.append(hours.assign(scenario=label))
            scenarios.append(
                {"scenario": label, "overrides": overrides, **section,
                 "by_hour": hours.to_dict(orient="records")}
            )  # fmt: skip
        fig = fleet_hours_figure(
            pd.concat(frames), pd.DataFrame(sites), "Fleet compute by local hour (a week)"
        )
        fig.savefig(FLEET_FIGURE, dpi=110, bbox_inches="tight")
        kept_fleet = {"sites": sites, "scenarios": scenarios}
        FLEET_KEPT.write_text(json.dumps(kept_fleet, indent=1) + "\n")
        readme = replace_block(readme, fleet_narrative(kept_fleet), FLEET_MARKERS)
        print(f"wrote {FLEET_FIGURE.relative_to(ROOT)} and the README's fleet paragraph")
    solar = load_config(SOLAR)
    if _stale("solar", config_sha256(solar), SOLAR_FIGURE, cache, force):
        from sim.plots.solar import solar_figure

        result = run(solar)
        fig = solar_figure(result.timeseries, "Colossus 1 with 30 MWac of solar, a July day")
        fig.savefig(SOLAR_FIGURE, dpi=110, bbox_inches="tight")
        kept = solar_kept(solar, result.summary)
        SOLAR_KEPT.write_text(json.dumps(kept, indent=1) + "\n")
        readme = replace_block(readme, solar_narrative(kept), SOLAR_MARKERS)
        print(f"wrote {SOLAR_FIGURE.relative_to(ROOT)} and the README's solar paragraph")
    README.write_text(readme)
    CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
