"""The vehicle-fleet figure: fleet compute by local hour of day against GPU sites' capacity
(issue 18). A pure function of two DataFrames."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.plots.base import PngFigure

COLOURS = ("#1B6FA8", "#C0392B", "#7D3C98", "#2E8B57")
SITE_COLOURS = ("#555555", "#000000", "#999999")


def by_local_hour(ts: pd.DataFrame, column: str = "vehicle_fleet_h100_eq") -> pd.DataFrame:
    """Means of ``column`` by local hour of day, weekdays and weekends apart: ``hour``,
    ``weekday``, ``weekend`` (NaN where the run has none). ``ts`` is a run's timeseries,
    indexed by its local ``timestamp`` (hourly or finer bins)."""
    stamps = pd.DatetimeIndex(ts.index)
    weekend = stamps.day_of_week >= 5
    values = ts[column].to_numpy()
    out = pd.DataFrame({"hour": range(24)})
    for name, mask in (("weekday", ~weekend), ("weekend", weekend)):
        means = pd.Series(values[mask]).groupby(stamps.hour[mask]).mean()
        out[name] = out["hour"].map(means)
    return out


def fleet_hours_figure(fleets: pd.DataFrame, sites: pd.DataFrame, title: str) -> Figure:
    """Fleet compute by local hour [H100-equivalents, log scale]: one line per scenario and
    day kind (``fleets``: ``scenario``, ``hour``, ``weekday``, ``weekend``; weekends dashed)
    against each site's capacity as a horizontal line (``sites``: ``site``, ``h100_eq``)."""
    fig = PngFigure(figsize=(10.0, 5.0), dpi=120, layout="constrained")
    ax = fig.subplots()
    for colour, (scenario, rows) in zip(
        COLOURS, fleets.groupby("scenario", sort=False), strict=False
    ):
        ax.plot(rows["hour"], rows["weekday"], color=colour, label=f"{scenario}, weekday")
        ax.plot(rows["hour"], rows["weekend"], color=colour, ls="--", label=f"{scenario}, weekend")
    for colour, site, h100_eq in zip(
        SITE_COLOURS, sites["site"].tolist(), sites["h100_eq"].tolist(), strict=False
    ):
        ax.axhline(float(h100_eq), color=colour, lw=1.5, ls=":", label=str(site))
    ax.set_yscale("log")
    ax.set_xlim(0, 23)
    ax.set_xticks(range(0, 24, 3))
    ax.set_xlabel("local hour of day")
    ax.set_ylabel("compute [H100-equivalents]")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    return fig
