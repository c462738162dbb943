"""The contracts through which components meet the bus, and the registry of extra sources.

Every component on the site bus — a *source* (grid, turbine fleet, a fuel cell), a *storage*
(a battery plant), a *load* (an exogenous trace, the GPU cluster) and a *plant* on the load
(cooling: facility power for an IT power) — is seen by the bus through the small protocols
below, and by the results through the columns it declares and the summary section it reports.
Power is in MW at every boundary, signed by :mod:`sim.units` (positive: injection into the bus);
time in s since the run's start.

A component

- **advances** its stored quantities exactly over ``dt_s`` along its current power line
  (:meth:`Component.advance`);
- says **when its own next threshold falls** (:meth:`Component.next_threshold_s`, ``inf`` if
  none): the bus schedules that as an event;
- **declares its recorder columns** (:attr:`Component.columns`) and gives their values for the
  segment that starts now (:meth:`Component.values`): powers ending in ``_mw`` are integrated
  exactly, a ``<name>_ramp_mw_per_s`` column (if declared) gives a power's ramp;
- **reports its own summary section** from the record (:meth:`Component.report`).

A source also gives its **limit now** and takes the power the bus sets; a storage its discharge
and charge limits; a load that can be managed **gives up** power in load management's order and
**takes it back**.

Extra sources (beyond the built-in grid and turbine fleet) are registered with
:func:`register_source`: a factory that, given the run's config, returns the source (or None
when the config has none). The bus dispatches registered sources in registration order, after
the grid and before the battery: each covers what the grid cannot supply, up to its limit, and
the turbines are committed for what is left. A source with ``must_take = True`` (solar,
:mod:`sim.solar`) comes first and gives all of ``limit_mw()``, moving at its
``ramp_mw_per_s`` [MW/s], whatever the grid could supply: the balance sees the net load less
its line, its surplus charges the battery or is curtailed.
Registering one needs no edit of ``sim/``::

    register_source("fuel_cell", lambda config: FuelCell(10.0, 80.0))

Every component is started with ``start(env, site)`` and tells the :class:`Site` (the bus) of
a change with one call, ``site.changed()``; same-time changes coalesce into one balance. The
bus reads the built-in cluster, turbine fleet and cooling plant in its steps (their richer
interfaces are typed by their classes, for the type checker only); a new component is written
against the protocols here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from sim.config import Config


@runtime_checkable
class Site(Protocol):
    """The bus as its components see it: ``start(env, site)`` gives it to them. A component
    says it changed with one call, after the change; it keeps what it integrates up to date
    itself before changing it (the bus brings every other stored quantity to now)."""

    def changed(self) -> None:
        """Something of the component changed now (its power, its limits, its state): the
        bus is balanced once every change of this instant is in."""

    def grid_import_mw(self) -> float:
        """Grid import now [MW] (what a relative demand-response cut applies to)."""


class _NoSite:
    """Stands in for the bus until a component is started: its changes go nowhere."""

    def changed(self) -> None:
        pass

    def grid_import_mw(self) -> float:
        return 0.0


NO_SITE: Site = _NoSite()
"""The site of a component not started yet."""


@runtime_checkable
class Reports(Protocol):
    """What has a summary section of its own: its name (the section's key) and its report.

    The summary is the run's own keys (energy, peaks, swings, money) and one section per
    reporting part of the site (:attr:`sim.facility.Facility.reporting`), each from the
    record; a part reads no other part.
    """

    name: str

    def report(self, segments: pd.DataFrame, end_s: float) -> Any:
        """The summary section, from the segment record (see
        :meth:`sim.recorder.Recorder.segments`) of a run that ended at ``end_s`` [s]: a
        mapping of numbers, or a list (one entry per outage or window)."""


@dataclass
class Section:
    """One summary section of a component that has several (the grid's outages and
    demand-response windows, the cluster's jobs and GPU-hours): the section's name and the
    component's method that reports it, ``report(segments, end_s)`` (see :class:`Reports`)."""

    name: str
    report: Callable[[pd.DataFrame, float], Any]


@runtime_checkable
class Component(Reports, Protocol):
    """What every component gives the bus and the results.

    Attributes
    ----------
    name : str
        The component's name: the key of its summary section and the ``source`` of its events.
    columns : tuple of str
        Recorder columns it declares, in the order of :meth:`values`. The timeseries gives
        the powers (``_mw``) as exact bin means and the others as their values at each bin's
        end — unless a component also has ``mean_columns`` (optional, a tuple of some of its
        columns: averaged too, e.g. a count of cars).
    """

    name: str
    columns: tuple[str, ...]

    def advance(self, dt_s: float) -> None:
        """Integrate the stored quantities exactly over ``dt_s`` [s] along the current lines."""

    def next_threshold_s(self) -> float:
        """Time from now until the component's own next threshold [s]; ``inf`` if none."""

    def values(self) -> tuple[float, ...]:
        """Values of :attr:`columns` for the segment that starts now."""

    def report(self, segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
        """The component's summary section, from the segment record (see
        :meth:`sim.recorder.Recorder.segments`) of a run that ended at ``end_s`` [s]."""


@runtime_checkable
class Source(Component, Protocol):
    """A source of power into the bus (grid, turbine fleet, fuel cell, solar).

    Attributes
    ----------
    p_mw : float
        Output set by the bus [MW] (>= 0).
    """

    p_mw: float

    def limit_mw(self) -> float:
        """Most the source can give now [MW]."""

    def set_power(self, p_mw: float) -> None:
        """Set the output from now on [MW], within ``[0, limit_mw()]``."""


@runtime_checkable
class Storage(Protocol):
    """An energy store on the bus: one battery (:class:`sim.power.battery.Battery`) or a plant
    of several dispatched in order (:class:`sim.power.storage_plant.StoragePlant`).

    ``p_mw`` > 0 discharges into the bus. Its power is a line ``p_mw + ramp_mw_per_s·t`` between
    events; its stored energy stays within a window whose floor the bus sets (``floor_mwh``:
    the backup reserve while the grid is up, ``soc_min`` in an outage, plus what load
    management keeps). It declares recorder columns of its own (none for one battery, whose
    columns are the bus's ``battery_*``) and reports a summary section if it has them.
    """

    p_mw: float
    ramp_mw_per_s: float
    heading: int
    energy_nom_mwh: float
    e_min_mwh: float
    e_max_mwh: float
    e_reserve_mwh: float
    p_charge_max_mw: float
    p_discharge_max_mw: float
    efficiency_discharge: float
    aux_load_mw: float
    tol_mwh: float
    columns: tuple[str, ...]

    @property
    def stored_mwh(self) -> float:
        """Stored energy now [MWh]."""

    @property
    def soc(self) -> float:
        """State of charge [pu of the nominal energy]."""

    @property
    def direction(self) -> int:
        """+1 discharging, -1 charging, 0 idle, over the current segment."""

    def deliverable_mwh(self, floor_mwh: float) -> float:
        """Energy it can put on the bus above ``floor_mwh`` [MWh]."""

    def discharge_limit_mw(self, floor_mwh: float) -> float:
        """Largest discharge now [MW] with the stored energy kept above ``floor_mwh``."""

    def charge_limit_mw(self) -> float:
        """Largest charge now [MW] (a magnitude)."""

    def set_power(self, p_mw: float, ramp_mw_per_s: float = 0.0, floor_mwh: float = 0.0) -> None:
        """Set the bus power line from now on [MW, MW/s]."""

    def advance(self, dt_s: float, floor_mwh: float) -> None:
        """Integrate the stored energy exactly over ``dt_s`` [s] along the current line."""

    def line_seconds_to_bound(
        self, p_mw: float, r: float, heading: int, floor_mwh: float, top_mwh: float | None = None
    ) -> float:
        """Time until the line ``p_mw + r·t``, were it set now, reaches a bound [s]."""

    def seconds_to_bound(self, floor_mwh: float, top_mwh: float | None = None) -> float:
        """Time until the current line reaches a bound [s]; ``inf`` if never."""

    def snap_to_bound(self, floor_mwh: float) -> str | None:
        """Put the energy on the bound reached now; the storage's name if one of several."""

    def values(self) -> tuple[float, ...]:
        """Values of :attr:`columns` now."""

    def next_threshold_s(self) -> float:
        """Time from now until its own next threshold [s]; ``inf`` if none."""


@runtime_checkable
class Load(Protocol):
    """A load drawn from the bus. ``p_mw`` is what it draws now [MW] (a magnitude)."""

    p_mw: float


@runtime_checkable
class ManagedLoad(Load, Protocol):
    """A load that load management may ask to give power up, and later take it back."""

    def give_up(self, now: float, request_mw: float) -> float:
        """Give up to ``request_mw`` [MW] in load management's order; return what was given."""

    def take_back(self, now: float, supply_mw: float) -> None:
        """Take back what was given up, as far as ``supply_mw`` [MW] of supply carries it."""


@runtime_checkable
class Plant(Protocol):
    """A plant on the load (cooling): facility power for an IT power."""

    def power_mw(self, it_mw: float) -> tuple[float, float, float]:
        """``(plant power, heat rejected, heat not removed)`` at IT power ``it_mw`` [MW]."""

    def marginal(self, it_mw: float) -> float:
        """Facility MW per MW of IT at ``it_mw`` [pu]."""


SourceFactory = Callable[["Config"], Source | None]
"""Builds a registered source for a run's config; None when the run has none."""

SOURCES: dict[str, SourceFactory] = {}
"""Registered extra sources by name, in dispatch order (see :func:`register_source`)."""


def register_source(name: str, factory: SourceFactory) -> None:
    """Register an extra source: ``factory(config)`` builds it for each run (None: not in it).

    Raises
    ------
    ValueError
        If a source of that name is registered already.
    """
    if name in SOURCES:
        raise ValueError(f"a source named {name!r} is registered already")
    SOURCES[name] = factory


def unregister_source(name: str) -> None:
    """Remove a registered source (nothing happens if there is none of that name)."""
    SOURCES.pop(name, None)


def build_sources(config: Config) -> list[Source]:
    """The registered sources of a run, in registration order."""
    built = (factory(config) for factory in SOURCES.values())
    return [source for source in built if source is not None]
