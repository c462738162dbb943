"""dcsim: a discrete-event simulator of AI-training data centers and their power plant.

Public API::

    from sim import load_config, run
    result = run(load_config("configs/examples/outage_day.yaml"))
    result.summary["unserved_mwh"]; result.timeseries; result.events
    result.write("results/outage_day")

    from sim.plots import run_figures        # the standard figures, from the tables
    figures = run_figures("outage_day", result.timeseries, result.events, result.progress)
"""

from __future__ import annotations

from sim._version import __version__
from sim.config import Config, ConfigError, load_config
from sim.results import Result, read_result
from sim.runner import RunError, run

__all__ = [
    "Config",
    "ConfigError",
    "Result",
    "RunError",
    "__version__",
    "load_config",
    "read_result",
    "run",
]
