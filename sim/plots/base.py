"""What every figure shares: the figure itself, the time axis (hours, or dates for long runs),
bin means drawn as steps, shaded outage and demand-response windows, and a legend outside the
axes (so it never covers data)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend

DPI = 120
DATE_AXIS_H = 48.0
"""Runs longer than this [h] are drawn on a date axis (the site's local time), shorter ones
in hours from the start."""
WINDOW_KINDS = {"outage": "grid outage", "demand_response": "demand response"}
WINDOW_COLOURS = {"grid outage": "#C44E52", "demand response": "#8172B3"}
WINDOW_LABEL_MIN_PU = 0.03
"""A window is labelled on the axes when it spans at least this fraction of the visible time
(narrower ones are only shaded; the legend names them)."""


class PngFigure(Figure):
    """A matplotlib figure that shows itself in Jupyter as a cell's last value
    (``_repr_png_``), whatever the backend: figures made with the object API are not
    pyplot's, so ``plt.show()`` ignores them."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def figure(height: float = 4.0, width: float = 10.0) -> tuple[Figure, Axes]:
    """A figure with one axes, laid out by matplotlib's constrained layout."""
    fig = PngFigure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig, fig.add_subplot()


@dataclass(frozen=True)
class TimeAxis:
    """Where a time ``t_h`` [h from the run's start] goes on the x axis: ``t_h`` itself, or
    for a date axis the matplotlib date number ``t0_d + t_h / 24`` [d] (elapsed time, so a
    daylight-saving change does not fold the axis), labelled in the zone ``tz``."""

    t0_d: float | None = None
    tz: str | None = None

    @property
    def dates(self) -> bool:
        return self.t0_d is not None

    def x(self, t_h: float | np.ndarray | pd.Series) -> np.ndarray:
        """x coordinates of times ``t_h`` [h]."""
        t = np.asarray(t_h, dtype=float)
        return t if self.t0_d is None else self.t0_d + t / 24.0

    def apply(self, ax: Axes, visible_h: tuple[float, float] | None = None) -> None:
        """Label ``ax``'s x axis (and, for dates, set a concise date locator and format);
        limit it to ``visible_h`` [h] if given."""
        if visible_h is not None:
            ax.set_xlim(float(self.x(visible_h[0])), float(self.x(visible_h[1])))
        if self.t0_d is None:
            ax.set_xlabel("time [h]")
        else:
            locator = mdates.AutoDateLocator(tz=self.tz)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=self.tz))
            ax.set_xlabel(f"date ({self.tz})")
        ax.grid(True, alpha=0.3)


def timestamps(ts: pd.DataFrame) -> pd.Series | None:
    """The timeseries' tz-aware ``timestamp`` (a column, or a datetime index), or None."""
    if "timestamp" in ts.columns:
        return pd.Series(pd.to_datetime(ts["timestamp"]).to_numpy(), index=ts.index)
    if isinstance(ts.index, pd.DatetimeIndex):
        return pd.Series(ts.index, index=ts.index)
    return None


def time_axis(ts: pd.DataFrame, long_h: float = DATE_AXIS_H) -> TimeAxis:
    """Hours for runs up to ``long_h`` [h] (and for tables without a tz-aware ``timestamp``),
    else a date axis in the timestamps' zone."""
    stamps = timestamps(ts)
    if stamps is None or len(ts) < 2 or span_h(ts) <= long_h:
        return TimeAxis()
    first = pd.Timestamp(stamps.iloc[0])
    if first.tz is None:
        return TimeAxis()
    t0 = first - pd.Timedelta(hours=float(ts["time_h"].iloc[0]))
    return TimeAxis(float(mdates.date2num(t0.to_pydatetime())), str(first.tz))


def span_h(ts: pd.DataFrame) -> float:
    """The timeseries' end [h]: its last bin's start plus one bin."""
    return float(ts["time_h"].iloc[-1] + bin_h(ts)) if len(ts) else 0.0


def bin_h(ts: pd.DataFrame) -> float:
    """The timeseries' bin length [h] (the first bin's)."""
    return float(ts["time_h"].iloc[1] - ts["time_h"].iloc[0]) if len(ts) > 1 else 0.0


def step_edges(ts: pd.DataFrame) -> np.ndarray:
    """Times [h] for drawing bin means as steps: each bin's start and end."""
    t0 = ts["time_h"].to_numpy(dtype=float)
    t1 = np.append(t0[1:], t0[-1] + bin_h(ts)) if len(t0) else t0
    return np.column_stack([t0, t1]).ravel()


def steps(values: np.ndarray | pd.Series | Sequence[float]) -> np.ndarray:
    """Each bin's value twice, to pair with :func:`step_edges`."""
    return np.repeat(np.asarray(values, dtype=float), 2)


def windows(events: pd.DataFrame, end_h: float) -> list[tuple[str, float, float]]:
    """Outage and demand-response windows from the events: ``(what, start_h, end_h)``;
    overlapping outages make one window; one still open at the end closes at ``end_h``."""
    found = []
    for key, what in WINDOW_KINDS.items():
        depth, start_h = 0, 0.0
        for kind, t_h in events.loc[
            events["kind"].isin([f"{key}_start", f"{key}_end"]), ["kind", "time_h"]
        ].itertuples(index=False):
            if kind.endswith("_start"):
                depth += 1
                if depth == 1:
                    start_h = t_h
            elif depth > 0:
                depth -= 1
                if depth == 0:
                    found.append((what, start_h, t_h))
        if depth > 0:
            found.append((what, start_h, end_h))
    return sorted(found, key=lambda w: w[1])


def shade_windows(
    ax: Axes,
    axis: TimeAxis,
    spans: Sequence[tuple[str, float, float]],
    visible_h: tuple[float, float],
    text: bool = True,
) -> None:
    """Shade each window ``(what, start_h, end_h)`` across the axes' height, one legend entry
    per kind; with ``text``, write its name at the top of each window that is wide enough
    (:data:`WINDOW_LABEL_MIN_PU` of ``visible_h``)."""
    seen: set[str] = set()
    width_h = max(visible_h[1] - visible_h[0], 1e-9)
    for what, start_h, end_h in spans:
        if end_h <= visible_h[0] or start_h >= visible_h[1]:
            continue
        colour = WINDOW_COLOURS.get(what, "grey")
        x0, x1 = axis.x(max(start_h, visible_h[0])), axis.x(min(end_h, visible_h[1]))
        label = what if what not in seen else "_nolegend_"
        seen.add(what)
        ax.axvspan(float(x0), float(x1), color=colour, alpha=0.13, lw=0, label=label, zorder=0)
        if text and (min(end_h, visible_h[1]) - max(start_h, visible_h[0])) >= (
            WINDOW_LABEL_MIN_PU * width_h
        ):
            ax.text(
                float(x0 + x1) / 2, 0.985, what, transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize="small", color=colour, gid="window-label",
            )  # fmt: skip


def legend_outside(ax: Axes, handles: list | None = None, **kwargs: object) -> Legend:
    """The axes' legend to the right of it, outside the plotting area."""
    args = (handles, [h.get_label() for h in handles]) if handles is not None else ()
    return ax.legend(
        *args, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
        fontsize="small", frameon=False, **kwargs,
    )  # fmt: skip


def visible(ts: pd.DataFrame) -> tuple[float, float]:
    """The timeseries' time span ``(first bin's start, last bin's end)`` [h]."""
    return (float(ts["time_h"].iloc[0]) if len(ts) else 0.0, span_h(ts))


def plain_numbers(ax: Axes, which: str = "y") -> None:
    """No offset ("1e-13 + 1.05") and no scientific notation on the ``which`` axis."""
    ax.ticklabel_format(axis=which, style="plain", useOffset=False)  # type: ignore[arg-type]


def min_span(ax: Axes, low: float, high: float, span: float, pad_pu: float = 0.05) -> None:
    """Set the y limits around ``[low, high]``, at least ``span`` wide (centred on the data),
    with ``pad_pu`` of the span either side."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return
    if high - low < span:
        mid = (high + low) / 2
        low, high = mid - span / 2, mid + span / 2
    pad = pad_pu * (high - low)
    ax.set_ylim(low - pad, high + pad)


def save_figures(figures: dict[str, Figure], folder: str | Path) -> list[Path]:
    """Write each figure as ``<folder>/<stem>.png``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, fig in figures.items():
        path = folder / f"{stem}.png"
        fig.savefig(path)
        paths.append(path)
    return paths
