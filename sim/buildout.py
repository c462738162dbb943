"""Build-out in phases: parts of the site that come online during the run.

A cluster pool (its nodes in steps, ``cluster.pools[i].steps`` or ``online_h``), the grid's
import limit (``grid.import_limit_steps``), a turbine group and a battery (``online_h``) may be
built during the run. The parts are built whole, as for a site with no build-out (so their
ratings, the bus's tolerances and the distribution losses are those of the finished site);
:class:`Buildout` then takes out, before the run starts, what is not there at t = 0, and one
SimPy process brings each capacity step in, in time order, with one small call on its part
(``cluster.add_nodes``, ``grid.set_limit_mw``, ``group.set_online``, a battery's limits) and a
``site.changed()``: the bus balances once every change of that instant is in, and the
scheduler, woken by the nodes' arrival, starts the jobs that now fit.

Assumptions (stated in the README too): a part not built yet draws nothing and gives nothing;
a pool's hot spares arrive with its first step; nodes arrive new (a Weibull node gets the life
drawn for it at the start: idle nodes do not age); a battery that arrives brings its energy
at its ``soc_initial`` (the energy is counted in the site's stored energy from the start but
can neither flow in nor out until then, so the energy balance closes across the step); the
dispatch policy's thresholds read the grid limit at the start (``import_limit_mw``).
A config without build-out keys makes no step and takes nothing out: its results are unchanged.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd
import simpy

from sim.power.battery import Battery
from sim.power.storage_plant import StoragePlant
from sim.units import S_PER_H

if TYPE_CHECKING:
    from sim.cluster import Cluster
    from sim.config import Config
    from sim.contracts import Site
    from sim.power.grid import Grid
    from sim.power.turbines import TurbineFleet
    from sim.recorder import Recorder

Step = tuple[float, str, str, Callable[[float], None]]
"""A capacity step: its time [s], the part's name and the detail for the event log, and the
call that makes it (given the time now [s])."""


def _at(call: Callable[..., None], *args: object) -> Callable[[float], None]:
    """``call(*args)`` as a step's call (which is given the time now, unused)."""
    return lambda _now_s: call(*args)


def pool_steps(config: Config) -> dict[str, list[tuple[float, int]]]:
    """Each built-out pool's steps: ``(at_h, gpus online from then)`` [h, GPUs], by name
    (pools online from the start are left out)."""
    out: dict[str, list[tuple[float, int]]] = {}
    for p in config.cluster.pools if config.cluster is not None else []:
        steps = [(s.at_h, s.gpus) for s in p.steps]
        if p.online_h is not None:
            steps = [(p.online_h, p.gpus)]
        if steps and steps != [(0.0, p.gpus)]:
            out[p.name] = steps
    return out


class Buildout:
    """The site's capacity steps, in time order; takes out what is not built at t = 0.

    Parameters
    ----------
    config : Config
        The run's config (its build-out keys).
    grid, cluster, fleet, battery
        The site's parts, built whole (``cluster``, ``fleet`` None when absent).
    recorder : Recorder
        Where each step is logged (event ``capacity_online``, source the part's name).
    """

    def __init__(
        self,
        config: Config,
        grid: Grid,
        cluster: Cluster | None,
        fleet: TurbineFleet | None,
        battery: Battery | StoragePlant,
        recorder: Recorder,
    ):
        self.recorder = recorder
        self.steps: list[Step] = []
        built_pools = cluster.pools if cluster is not None else {}
        for name, steps in pool_steps(config).items():
            assert cluster is not None
            pool = built_pools[name]
            gpn = pool.hardware.gpus_per_node
            nodes_full, spares = pool.n_nodes, pool.spare_target
            nodes_now = math.ceil(steps[0][1] / gpn) if steps[0][0] == 0.0 else 0
            spares_now = spares if steps[0][0] == 0.0 else 0
            cluster.add_nodes(pool, nodes_now - nodes_full, spares_now - spares)
            for at_h, gpus in steps:
                nodes = math.ceil(gpus / gpn)
                if at_h > 0.0:
                    add = (pool, nodes - nodes_now, spares - spares_now)
                    self._add(at_h, name, f"{gpus} GPUs", _at(cluster.add_nodes, *add))
                nodes_now, spares_now = nodes, spares
        for limit in config.grid.import_limit_steps:
            self._add(
                limit.at_h,
                "grid",
                f"import limit {limit.limit_mw:g} MW",
                _at(grid.set_limit_mw, limit.limit_mw),
            )
        for cfg, group in zip(config.turbines, fleet.groups if fleet else [], strict=True):
            if cfg.online_h:
                group.set_online(0.0, False)
                online = functools.partial(group.set_online, online=True)
                self._add(cfg.online_h, group.name, f"{group.count} units", online)
        members = battery.members if isinstance(battery, StoragePlant) else (battery,)
        members = members if config.storages else ()  # (a site without: an empty battery)
        for store, member in zip(config.storages, members, strict=True):
            if store.online_h:
                limits = (member.p_charge_max_mw, member.p_discharge_max_mw, member.aux_load_mw)
                self._set_limits(battery, member, (0.0, 0.0, 0.0))
                detail = f"{member.energy_nom_mwh:g} MWh, {limits[1]:g} MW, soc {member.soc:g}"
                name = store.name or "battery"
                built = functools.partial(self._set_limits, battery, member, limits)
                self._add(store.online_h, name, detail, _at(built))
        self.steps.sort(key=lambda step: step[0])  # (stable: config order at one time)

    def _add(self, at_h: float, name: str, detail: str, apply: Callable[[float], None]) -> None:
        self.steps.append((at_h * S_PER_H, name, detail, apply))

    @staticmethod
    def _set_limits(
        storage: Battery | StoragePlant, member: Battery, limits: tuple[float, float, float]
    ) -> None:
        """Set a battery's charge and discharge limits and auxiliary load [MW] (0: not built)."""
        member.p_charge_max_mw, member.p_discharge_max_mw, member.aux_load_mw = limits
        if isinstance(storage, StoragePlant):
            storage.limits_changed()

    def start(self, env: simpy.Environment, site: Site) -> None:
        """Start the process that makes the steps (none without build-out keys)."""
        if self.steps:
            env.process(self._run(env, site))

    def _run(self, env: simpy.Environment, site: Site) -> simpy.events.ProcessGenerator:
        for t_s, name, detail, apply in self.steps:
            if t_s > env.now:
                yield env.timeout(t_s - env.now)
            apply(env.now)
            self.recorder.event(env.now, "capacity_online", name, detail)
            site.changed()


def capacity_table(config: Config) -> pd.DataFrame:
    """The site's built capacity against time, from its config: one row at the start and one
    at each step, ``time_h`` [h], ``gpus`` (online, all pools), ``grid_limit_mw`` (``inf``:
    unlimited), ``turbine_mw`` (rated, groups online) and ``battery_mw`` (discharge limit of
    the storages online) [MW]."""
    times = {0.0}
    pools = pool_steps(config)
    for steps in pools.values():
        times.update(at_h for at_h, _ in steps)
    times.update(s.at_h for s in config.grid.import_limit_steps)
    times.update(t.online_h for t in config.turbines if t.online_h)
    times.update(b.online_h for b in config.storages if b.online_h)
    rows = []
    for t_h in sorted(times):
        gpus = 0
        for p in config.cluster.pools if config.cluster is not None else []:
            steps = pools.get(p.name, [(0.0, p.gpus)])
            gpus += max((g for at_h, g in steps if at_h <= t_h), default=0)
        limit = config.grid.import_limit_mw
        for s in config.grid.import_limit_steps:
            if s.at_h <= t_h:
                limit = s.limit_mw
        rows.append(
            {
                "time_h": t_h,
                "gpus": gpus,
                "grid_limit_mw": math.inf if limit is None else limit,
                "turbine_mw": sum(
                    t.count * t.p_nom_mw for t in config.turbines if (t.online_h or 0.0) <= t_h
                ),
                "battery_mw": sum(
                    b.power_mw if b.discharge_power_mw is None else b.discharge_power_mw
                    for b in config.storages
                    if (b.online_h or 0.0) <= t_h
                ),
            }
        )
    return pd.DataFrame(rows)
