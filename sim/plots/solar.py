"""The solar figure (issue 18): a site's day with its solar plant, a pure function of a run's
timeseries."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.plots.base import PngFigure, legend_outside, plain_numbers, step_edges, steps, time_axis


def solar_figure(ts: pd.DataFrame, title: str, column: str = "solar_mw") -> Figure:
    """Top: the plant's output ``column``, the battery's power (> 0 discharging) and what is
    curtailed [MW]. Bottom: the site's load and the grid import [MW]. Bin means of the
    timeseries ``ts`` (``time_h`` and those columns), drawn as steps."""
    axis = time_axis(ts)
    x = axis.x(step_edges(ts))
    fig = PngFigure(figsize=(10.0, 6.0), dpi=120, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.4))
    top.fill_between(x, steps(ts[column]), color="#E8B923", alpha=0.8, label="solar")
    top.plot(x, steps(ts["battery_mw"]), color="#55A868",
             lw=1.0, label="battery (> 0 discharging)")  # fmt: skip
    if (ts["curtailed_mw"] > 0).any():
        top.plot(x, steps(ts["curtailed_mw"]), color="#7F7F7F",
                 lw=1.0, label="curtailed")  # fmt: skip
    top.axhline(0.0, color="black", lw=0.5)
    top.set_ylabel("power [MW]")
    top.set_title(title)
    top.grid(True, alpha=0.3)
    legend_outside(top)
    bottom.plot(x, steps(ts["load_mw"]), color="black", lw=1.0,
                label="site load")  # fmt: skip
    bottom.plot(x, steps(ts["grid_mw"]), color="#4C72B0", lw=1.0,
                label="grid import")  # fmt: skip
    bottom.set_ylabel("power [MW]")
    bottom.grid(True, alpha=0.3)
    plain_numbers(bottom)
    axis.apply(bottom)
    legend_outside(bottom)
    return fig
