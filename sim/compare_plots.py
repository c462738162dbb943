"""``dcsim compare --plots``: the runs' supply, battery state of charge and job progress
overlaid, one colour per run, written as PNG.

Time is hours from each run's start (runs may start on different dates). Figures are built
with matplotlib's object interface (no pyplot state), so they work under any backend;
matplotlib is imported only when figures are asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.compare import Run

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SUPPLY_PANELS = (
    ("load_mw", "facility load"),
    ("grid_mw", "grid import"),
    ("turbines_mw", "turbines"),
    ("battery_mw", "battery (+ discharge)"),
    ("unserved_mw", "unserved"),
)
"""Timeseries columns drawn in the supply figure, one panel each [MW]."""


def _steps(runs: Sequence[Run], column: str) -> list[tuple[Run, np.ndarray, np.ndarray]]:
    """Each run's ``column`` as a step line: bin starts [h] and values, closed at the run's
    end (a bin's value holds over ``[time_h, next time_h)``)."""
    out = []
    for r in runs:
        ts = r.result.timeseries
        if column not in ts.columns or ts.empty:
            continue
        t = ts["time_h"].to_numpy(dtype=float)
        end = float(r.result.summary.get("run", {}).get("duration_h", t[-1]))
        y = ts[column].to_numpy(dtype=float)
        out.append((r, np.append(t, max(end, t[-1])), np.append(y, y[-1])))
    return out


def compare_figures(runs: Sequence[Run]) -> dict[str, Figure]:
    """``compare_supply`` (one panel per :data:`SUPPLY_PANELS` column that a run has non-zero),
    ``compare_soc`` (battery state of charge [%], at each bin's end; runs without a battery
    left out, the figure too if none has one) and, when a run has jobs,
    ``compare_progress`` (useful compute [h] per job, a line style per job)."""
    from matplotlib.figure import Figure

    colours = [f"C{k % 10}" for k in range(len(runs))]
    colour = {id(r): c for r, c in zip(runs, colours, strict=True)}
    figures: dict[str, Figure] = {}

    panels = [
        (col, name)
        for col, name in SUPPLY_PANELS
        if any(np.any(y != 0) for _, _, y in _steps(runs, col))
    ]
    if panels:
        fig = Figure(figsize=(9, 1.9 * len(panels) + 1), layout="constrained")
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        for ax, (col, name) in zip(axes, panels, strict=True):
            for r, t, y in _steps(runs, col):
                ax.step(t, y, where="post", color=colour[id(r)], lw=1.0, label=r.label)
            ax.set_ylabel(f"{name} [MW]")
        axes[-1].set_xlabel("time from each run's start [h]")
        axes[0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
        fig.suptitle("Supply and load, runs overlaid")
        figures["compare_supply"] = fig

    soc = [line for line in _steps(runs, "battery_soc") if np.any(line[2] != 0)]  # (no battery)
    if soc:
        fig = Figure(figsize=(9, 3.5), layout="constrained")
        ax = fig.subplots()
        for r, t, y in soc:
            ts = r.result.timeseries
            # the state at each bin's end: bin starts + the bin's length
            end_h = np.append(ts["time_h"].to_numpy(dtype=float)[1:], t[-1])
            ax.plot(end_h, 100.0 * y[:-1], color=colour[id(r)], lw=1.0, label=r.label)
        ax.set_xlabel("time from each run's start [h]")
        ax.set_ylabel("battery state of charge [%]")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
        ax.set_title("Battery state of charge, runs overlaid")
        figures["compare_soc"] = fig

    with_jobs = [r for r in runs if r.result.progress is not None and not r.result.progress.empty]
    if with_jobs:
        fig = Figure(figsize=(9, 4), layout="constrained")
        ax = fig.subplots()
        styles = ("-", "--", ":", "-.")
        for r in with_jobs:
            progress = r.result.progress
            assert progress is not None  # (with_jobs)
            for k, (job, p) in enumerate(progress.groupby("job", sort=False)):
                ax.plot(
                    p["time_h"],
                    p["progress_h"],
                    color=colour[id(r)],
                    ls=styles[k % len(styles)],
                    lw=1.2,
                    label=f"{r.label}: {job}",
                )
        ax.set_xlabel("time from each run's start [h]")
        ax.set_ylabel("useful compute [h]")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
        ax.set_title("Job progress, runs overlaid")
        figures["compare_progress"] = fig
    return figures


def save(figures: dict[str, Figure], folder: Path) -> list[Path]:
    """Write each figure as ``<folder>/<name>.png`` (the folder is made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figures.items():
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=120)
        paths.append(path)
    return paths
