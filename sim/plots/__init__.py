"""The standard figures of a run and of a sweep: pure functions of DataFrames and mappings.

Each function takes the run's tables (``timeseries``, ``events``, ``progress``; see
:mod:`sim.results`), optionally its summary and resolved config as plain mappings, or a
sweep's table, and returns a :class:`matplotlib.figure.Figure`; nothing here runs a
simulation or reads a file. :func:`run_figures` names the figures of a run,
:func:`sweep_figures` those of a sweep, and :func:`save_figures` writes them as PNG. Figures
are made with the object API (no pyplot state), so they work under any backend, including Agg
on a machine without a display; in a notebook, show one by making it a cell's last value (or
``IPython.display.display(fig)``: ``plt.show()`` knows only pyplot's figures).

- :mod:`sim.plots.base`: the time axis (hours, or dates in the site's zone for runs longer
  than two days), steps, shaded windows, legends outside the axes;
- :mod:`sim.plots.run`: supply stack, battery, turbines, cooling, monthly PUE/WUE, jobs;
- :mod:`sim.plots.sweep`: KPIs against swept parameters, labels with units from key suffixes;
- :mod:`sim.plots.capacity`: a build-out's capacity against time with the supply by source;
- :mod:`sim.plots.solar`: a day of a site with a solar plant (solar, battery, load, grid).
"""

from sim.plots.base import save_figures, step_edges, time_axis, windows
from sim.plots.capacity import capacity_figure
from sim.plots.run import (
    battery_soc,
    cooling,
    job_progress,
    monthly_cooling,
    run_figures,
    supply_stack,
    turbines_online,
)
from sim.plots.solar import solar_figure
from sim.plots.sweep import (
    SWEEP_KPIS,
    key_label,
    key_unit,
    sweep_figures,
    sweep_kpi,
    sweep_parameters,
)

_step_edges = step_edges  # (the name the tests used before the split)

__all__ = [
    "SWEEP_KPIS",
    "battery_soc",
    "capacity_figure",
    "cooling",
    "job_progress",
    "key_label",
    "key_unit",
    "monthly_cooling",
    "run_figures",
    "save_figures",
    "solar_figure",
    "step_edges",
    "supply_stack",
    "sweep_figures",
    "sweep_kpi",
    "sweep_parameters",
    "time_axis",
    "turbines_online",
    "windows",
]
