"""The build-out figure: what was built against time, and what the site drew and was supplied
(issue 17). A pure function of two DataFrames: the capacity table of
:func:`sim.buildout.capacity_table` and a run's timeseries."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.base import PngFigure, legend_outside, plain_numbers, time_axis
from sim.plots.run import SUPPLY

DAY_H = 24.0
CAPACITY_LINES = (  # (column, label, colour): the built capacity, drawn as steps over the
    ("grid_limit_mw", "grid import limit", "#1B2F57"),  # stack in darker shades of its colours
    ("turbine_mw", "turbines (rated)", "#8C4A12"),
    ("battery_mw", "battery (discharge)", "#1E5A2C"),
)


def daily_means(ts: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Means of ``columns`` over each day of the run [the columns' units]; ``time_h`` is the
    day's start [h]. Bins are weighted by their length (the last one may be shorter)."""
    day = np.floor(ts["time_h"].to_numpy(dtype=float) / DAY_H)
    means = ts[columns].groupby(day).mean()
    return means.assign(time_h=means.index.to_numpy() * DAY_H).reset_index(drop=True)


def capacity_figure(capacity: pd.DataFrame, ts: pd.DataFrame, title: str) -> Figure:
    """Top: GPUs online [thousands]. Bottom: the built capacity as steps (grid import limit,
    turbines' rated MW, battery discharge MW, from ``capacity``: ``time_h`` and those
    columns) against the daily means of the supply stacked by source (grid, turbines,
    battery discharge, unserved) and of the IT load [MW], from the timeseries ``ts``."""
    axis = time_axis(ts)
    end_h = float(ts["time_h"].iloc[-1]) + float(ts["time_h"].diff().iloc[-1])
    fig = PngFigure(figsize=(10.0, 6.0), dpi=120, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1, 2.2))
    t_cap = np.append(capacity["time_h"].to_numpy(dtype=float), end_h)

    def stairs(ax, values: np.ndarray, **kwargs: object) -> None:
        ax.stairs(values, axis.x(t_cap), baseline=None, **kwargs)

    stairs(top, capacity["gpus"].to_numpy() / 1e3, color="#333333", lw=1.6)
    top.set_ylabel("GPUs online [k]")
    top.set_ylim(0, capacity["gpus"].max() / 1e3 * 1.1)
    top.set_title(title)
    top.grid(True, alpha=0.3)
    supply = [c for c, _, _ in SUPPLY if c in ts]
    days = daily_means(ts, [*supply, "it_mw"])
    t_day = axis.x(np.append(days["time_h"].to_numpy(), end_h))
    base = np.zeros(len(days))
    for column, label, colour in SUPPLY:
        if column in days and (days[column] > 0).any():
            top_mw = base + days[column].to_numpy()
            bottom.stairs(top_mw, t_day, baseline=base, fill=True, color=colour, label=label)
            base = top_mw
    bottom.stairs(days["it_mw"].to_numpy(), t_day, baseline=None, color="black", lw=1.0,
                  label="IT load (daily mean)")  # fmt: skip
    highest = float(base.max())
    for column, label, colour in CAPACITY_LINES:
        values = capacity[column].to_numpy(dtype=float)
        if np.isfinite(values).all() and values.max() > 0:
            stairs(bottom, values, color=colour, ls="--", lw=1.4, label=label, zorder=3)
            highest = max(highest, float(values.max()))
    bottom.set_ylim(0, highest * 1.08)
    bottom.set_ylabel("power [MW] (supply: daily means)")
    plain_numbers(bottom)
    axis.apply(bottom, (0.0, end_h))
    legend_outside(bottom)
    return fig
