"""The cooling plant: chillers, a waterside economizer, towers or dry coolers, pumps and fans.

Every watt of IT power becomes heat in the facility water loop (an assumption: the small share
of heat that leaves through the building shell is neglected). The plant removes it at the
supply temperature ``T_s``; the water returns at ``T_r = T_s + return_delta_c`` (held at
design by variable-flow pumping, an assumption). ``T_amb`` is the wet-bulb for towers, the
dry-bulb for dry coolers.

- **economizer** (in series, ahead of the chillers): it cools the return water toward
  ``T_amb + economizer_approach``, taking the share
  ``s = clip((T_r − (T_amb + approach)) / (T_r − T_s), 0, 1)`` of the heat without compressor
  power; ``s = 1`` (full free cooling) while ``T_amb + approach ≤ T_s``. Its capacity is taken
  as unlimited (towers and dry coolers are sized for the full load). ``s`` moves with the
  weather only (piecewise constant): no events of its own.
- **chillers** remove the rest, ``L = (1 − s)·removed`` [MW], rated as datasheets rate them
  (:mod:`sim.chillers`: COP at the AHRI 550/590 point, the Carnot fraction of the lift away
  from it, a part-load curve, the online units staged at their best part-load ratio):
  compressor power ``P(L)`` [MW]. Each online unit removes up to
  ``capacity_mw · (1 − derate · max(0, T_amb − rating))`` (rating: the AHRI point's ambient
  unless given); with the economizer's share the
  plant then removes up to ``chillers' capacity / (1 − s)`` of IT heat (``capacity_mw``).
- pumps, fans and CDUs draw ``aux_pu`` of the IT power.

``cooling_mw = P((1 − s)·removed) + aux_pu · IT``. Heat rejected to the ambient is ``removed +
compressor power``; evaporative towers use ``water_l_per_kwh`` of make-up water per kWh of it
(facts.md §10: ~1.5 L evaporated per kWh, × N/(N−1) for N cycles of concentration).

**Thermal mass.** The facility water loop stores heat: ``C`` [MJ/°C]. Heat the online chillers
cannot remove warms it, ``dΔT/dt = (heat − removed) / C`` [°C/s] (powers are constant between
events, so ΔT moves linearly and the time it reaches a limit is computed and scheduled). While
``ΔT > 0`` the chillers run at their full capacity to bring it back. At ``throttle_rise_c`` the
GPUs throttle so that the IT heat equals what the plant removes (ΔT holds); if even fully
throttled GPUs make too much heat, ΔT rises to ``shutdown_rise_c`` and the nodes shut down
(the jobs are shed and roll back). Heat that still builds there (an exogenous IT load, which
is an input and is not shut down, or nodes waiting for a repair) is reported as not removed
while the loop is held at the hard limit — the model stops there rather than following a
temperature no equipment would reach. Full free cooling is taken to have the capacity to
bring the loop back at once (the heat it removes then is not counted as rejected).

Chillers fail and are repaired as exponential processes in time (their own seeded stream):
N+1 redundancy is the count above what the load needs. Chillers on the backed-up bus run
through a grid outage on battery and turbines (their power is part of what those carry);
off backup they stop when the grid is lost (and the towers with them: no free cooling either)
and cool again ``restart_s`` after it returns, while the loop's thermal mass carries the heat.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.chillers import AHRI_RATING_AMBIENT_C, chiller_model
from sim.config import CoolingConfig
from sim.contracts import NO_SITE, Site
from sim.recorder import Recorder, durations_s
from sim.summary import cooling_by_month, cooling_summary
from sim.timer import Timer
from sim.units import S_PER_H
from sim.weather import Weather

if TYPE_CHECKING:
    import pandas as pd

LIMIT_TOL_C = 1e-9
"""The loop is taken to be at a limit within this [°C] (rounding of event times)."""
RETURN_DELTA_C = {"liquid": 10.0, "air": 10.0 / 1.8}
"""Default return above supply [°C]: liquid 10 (an assumption: direct-to-chip loops are
designed for ~10 K), air 5.56 (AHRI 550/590's 54 -> 44 °F chilled water, facts.md §10)."""


def free_share_pu(supply_c: float, return_c: float, leaving_c: float) -> float:
    """The economizer's share of the heat [pu]: ``clip((T_r − T_e) / (T_r − T_s), 0, 1)``,
    ``T_e`` the water it delivers (ambient + approach) [°C]."""
    return min(1.0, max(0.0, (return_c - leaving_c) / (return_c - supply_c)))


class CoolingPlant:
    """The plant's state now: weather, chillers online; its power for a given IT power.

    ``throttled_traces()`` gives the GPUs its throttle slows, as (GPUs, progress trace) per
    job (the cluster's, :meth:`sim.cluster.Cluster.throttle_traces`; none without one), for
    the throttle's cost in its report.
    """

    name = "cooling"
    """Its summary section (see :meth:`report`)."""

    def __init__(
        self,
        cfg: CoolingConfig,
        weather: Weather,
        rng: np.random.Generator,
        recorder: Recorder,
        throttled_traces: Callable[[], Sequence[tuple[int, np.ndarray]]] = list,
        months: tuple[Sequence[float], Sequence[str]] = ((0.0,), ("run",)),
    ):
        self.cfg = cfg
        self.months = months  # (starts [s from the run's start], labels) of its calendar months
        self.throttled_traces = throttled_traces
        self.weather = weather
        self.rng = rng
        self.recorder = recorder
        liquid = cfg.type == "liquid"
        self.supply_c = cfg.supply_c if cfg.supply_c is not None else (18.0 if liquid else 12.0)
        self.aux_pu = cfg.aux_pu if cfg.aux_pu is not None else (0.05 if liquid else 0.10)
        delta_c = cfg.return_delta_c
        self.return_c = self.supply_c + (
            delta_c if delta_c is not None else RETURN_DELTA_C[cfg.type]
        )
        self.towers = cfg.heat_rejection == "tower"
        self.chiller = chiller_model(cfg.chillers, cfg.heat_rejection)
        rating_c = cfg.chillers.rating_ambient_c
        self.rating_c = AHRI_RATING_AMBIENT_C[cfg.heat_rejection] if rating_c is None else rating_c
        # the economizer's heat and all heat removed [MJ] to the last power_mw call, their
        # rates since [MW] (for the free cooling share of the report)
        self._free_mj = self._removed_mj = self._free_mw = self._removed_mw = 0.0
        self._t_s = 0.0
        self.water_l_per_kwh = cfg.water_l_per_kwh if self.towers else 0.0
        self.online = cfg.chillers.count
        self.powered = True  # off backup, chillers and towers stop in a grid outage
        self._restart: Timer | None = None  # the chillers' restart after the grid returns
        self.heat_capacity_mj_per_c = cfg.loop_heat_capacity_mj_per_c
        self.excess_c = 0.0  # loop temperature above supply_c [°C]
        self.rate_c_per_s = 0.0  # its rate of change until the next event
        self.env: simpy.Environment | None = None
        self.site: Site = NO_SITE
        self._update_state()

    def _ambient_c(self) -> float:
        w = self.weather
        return w.wet_bulb_c if self.towers else w.dry_bulb_c

    def free_cooling_h(self, end_s: float) -> float:
        """Hours of the run with full free cooling possible (the weather's steps where the
        ambient + economizer approach <= the supply temperature; partial free cooling is in
        :meth:`free_cooling_share_pu`)."""
        if not self.cfg.economizer:
            return 0.0
        w = self.weather
        amb = w.wet if self.towers else w.dry
        t = np.clip(np.append(w.times_s, end_s), 0.0, end_s)
        free = amb + self.cfg.economizer_approach_c <= self.supply_c
        return float(np.sum(np.diff(t) * free)) / S_PER_H

    def free_cooling_share_pu(self, end_s: float) -> float | None:
        """The economizer's share of the heat removed over the run [pu] (full and partial free
        cooling; None if no heat was removed): ``∫ s·removed dt / ∫ removed dt``, the rates
        held from each :meth:`power_mw` call to the next (the bus calls it at every update)."""
        dt_s = max(0.0, end_s - self._t_s)
        removed_mj = self._removed_mj + self._removed_mw * dt_s
        if removed_mj <= 0.0:
            return None
        return (self._free_mj + self._free_mw * dt_s) / removed_mj

    def _update_state(self) -> None:
        """Recompute the economizer's share, the COP and the capacities from the weather and
        the chillers online."""
        ch = self.cfg.chillers
        amb = self._ambient_c()
        leaving_c = amb + self.cfg.economizer_approach_c
        share = (
            free_share_pu(self.supply_c, self.return_c, leaving_c) if self.cfg.economizer else 0.0
        )
        self.cop = self.chiller.cop(self.supply_c, amb)
        derate = max(0.0, 1.0 - ch.derate_pu_per_c * max(0.0, amb - self.rating_c))
        self.chillers_mw = self.online * ch.capacity_mw * derate
        if not self.powered:  # no chillers, no towers (the pumps are taken to be on UPS)
            share, self.chillers_mw = 0.0, 0.0
        self.free_pu = share
        self.free = share >= 1.0
        if self.free:
            self.capacity_mw = math.inf
            self.excess_c = 0.0  # free cooling brings the loop back at once (an assumption)
        else:
            self.capacity_mw = self.chillers_mw / (1.0 - share)

    def power_mw(self, it_mw: float) -> tuple[float, float, float]:
        """For IT power ``it_mw`` [MW] now: ``(cooling_mw, heat_rejected_mw, stored_mw)`` —
        the heat going into the loop's storage (> 0) or coming out of it (< 0). Sets the
        loop's rate of change. ``cooling_mw = P((1 − s)·removed) + aux·IT`` with ``removed =
        min(IT, capacity)`` (the capacity while the loop is warm)."""
        if self.free:
            self.excess_c = 0.0  # (free cooling brings the loop back at once)
            removed, compressor = it_mw, 0.0
        else:
            removed = self.capacity_mw if self.excess_c > 0.0 else min(it_mw, self.capacity_mw)
            load_mw = min(self.chillers_mw, (1.0 - self.free_pu) * removed)
            compressor = self.chiller.power_mw(load_mw, self.chillers_mw, self.cop)
        stored = it_mw - removed
        self.rate_c_per_s = stored / self.heat_capacity_mj_per_c  # MW = MJ/s
        if stored > 0.0 and self.excess_c >= self.shutdown_c - LIMIT_TOL_C:
            self.rate_c_per_s = 0.0  # held at the hard limit: see the module docstring
        if self.env is not None:  # the free cooling share's integrals (see its method)
            dt_s = self.env.now - self._t_s
            self._free_mj += self._free_mw * dt_s
            self._removed_mj += self._removed_mw * dt_s
            self._t_s = self.env.now
            self._free_mw, self._removed_mw = self.free_pu * removed, removed
        return compressor + self.aux_pu * it_mw, removed + compressor, stored

    @property
    def throttle_c(self) -> float:
        return self.cfg.throttle_rise_c

    @property
    def shutdown_c(self) -> float:
        return self.cfg.shutdown_rise_c

    def advance(self, dt_s: float) -> None:
        """Move the loop temperature along its line; it never passes the limit it heads for
        (its crossing is an event: the same limits as :meth:`next_s`)."""
        if self.rate_c_per_s == 0.0:
            return
        x = self.excess_c + self.rate_c_per_s * dt_s
        limit = self._next_limit_c()
        if self.rate_c_per_s < 0.0:
            self.excess_c = limit if x <= limit + LIMIT_TOL_C else x
        else:
            self.excess_c = limit if x >= limit - LIMIT_TOL_C else x

    def _next_limit_c(self) -> float:
        """The limit the loop heads for: falling, the throttle rise from above it, else 0;
        rising, the next of the throttle and shutdown rises (``inf`` past both)."""
        x = self.excess_c
        if self.rate_c_per_s < 0.0:
            return self.throttle_c if x > self.throttle_c + LIMIT_TOL_C else 0.0
        for limit in (self.throttle_c, self.shutdown_c):
            if x < limit - LIMIT_TOL_C:
                return limit
        return math.inf

    def next_s(self) -> float:
        """Time until the loop reaches the limit it heads for [s]; ``inf`` if it holds."""
        rate = self.rate_c_per_s
        if rate == 0.0:
            return math.inf
        return (self._next_limit_c() - self.excess_c) / rate

    def marginal(self, it_mw: float) -> float:
        """Facility power per MW of IT at ``it_mw`` [-]: the derivative of IT + cooling,
        ``1 + aux + (1 − s)·P'((1 − s)·IT)`` below the plant's capacity (``P'`` the staged
        chillers' slope, :meth:`sim.chillers.ChillerModel.slope`); ``1 + aux`` with full free
        cooling, above the capacity or while the loop is warm (the chillers then run flat out,
        and a lower bound of what giving IT up saves). Load management asks the IT load for
        the facility's shortfall divided by it. The chillers' power is linear in the load up
        to ``x*`` of their capacity, so there the derivative is exact for any step; above it
        (convex) it overstates what a step down of ``ΔL`` saves by at most
        ``c·ΔL²/(C·COP)`` [MW] (``c`` of the scaled part-load curve, ``C`` the online
        capacity) — and understates what a step up costs by as much."""
        if self.free or it_mw >= self.capacity_mw or self.excess_c > 0.0:
            return 1.0 + self.aux_pu
        share = 1.0 - self.free_pu
        slope = self.chiller.slope(share * it_mw, self.chillers_mw, self.cop)
        return 1.0 + self.aux_pu + share * slope

    # ---- events ---------------------------------------------------------------------------

    def on_grid(self, up: bool) -> None:
        """The grid is lost or back. Chillers off backup stop at once when it is lost and
        cool again ``restart_s`` after it returns (an event)."""
        ch = self.cfg.chillers
        if ch.on_backup or self.env is None or (up and self.powered):
            return  # (up and powered: a demand-response change, nothing to restart)
        assert self._restart is not None
        if not up:
            self._restart.cancel()  # (lost again before the chillers restarted)
            if self.powered:
                self.powered = False
                self.recorder.event(self.env.now, "chillers_off", "cooling", "grid lost")
                self._update_state()
            return
        self._restart.after(ch.restart_s)

    def _restarted(self, _due_s: float) -> None:
        """The chillers cool again, ``restart_s`` after the grid returned."""
        assert self.env is not None
        self.powered = True
        self.recorder.event(self.env.now, "chillers_on", "cooling", "restarted")
        self._update_state()
        self.site.changed()

    def start(self, env: simpy.Environment, site: Site) -> None:
        """Replay the weather and run the chillers' failures and restarts; the site learns of
        each change. (The loop's temperature moves along the rate the bus last set, which no
        change here alters: the bus brings it to now at its next update.)"""
        self.env, self.site = env, site
        self._restart = Timer(env, self._restarted)

        def weather_changed() -> None:
            self._update_state()
            site.changed()

        self.weather.start(env, weather_changed)
        ch = self.cfg.chillers
        if ch.failure_rate_per_1000h > 0:
            for unit in range(ch.count):
                env.process(self._unit(env, unit))

    def _unit(self, env: simpy.Environment, unit: int):
        """One chiller: runs for an exponential time (in wall time, running or not — an
        assumption), fails, is repaired for an exponential time, runs again."""
        ch = self.cfg.chillers
        mean_up_s = 1000.0 * S_PER_H / ch.failure_rate_per_1000h
        while True:
            yield env.timeout(float(self.rng.exponential(mean_up_s)))
            self.online -= 1
            self.recorder.event(env.now, "chiller_fail", f"chiller{unit}", f"{self.online} online")
            self._update_state()
            self.site.changed()
            yield env.timeout(float(self.rng.exponential(ch.repair_h * S_PER_H)))
            self.online += 1
            self.recorder.event(
                env.now, "chiller_repaired", f"chiller{unit}", f"{self.online} online"
            )
            self._update_state()
            self.site.changed()

    def report(self, segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
        """The ``cooling`` section: the record's numbers (PUE, water, heat, the loop's
        temperature, the throttle and its cost; see :func:`sim.summary.cooling_summary`),
        then the shutdowns of the nodes for heat, the hours of full free cooling
        (:meth:`free_cooling_h`), the economizer's share of the heat removed
        (:meth:`free_cooling_share_pu`), the chiller failures, and the chillers' rating: kW/ton
        at the AHRI 550/590 point and their IPLV [kW/ton] (:mod:`sim.chillers`); last PUE,
        WUE, water and energies per calendar month (:func:`sim.summary.cooling_by_month`).

        ``heat_not_removed_mwh`` is the heat the plant never removed
        (:func:`heat_not_removed_mwh`); ``heat_into_loop_mwh`` all the heat that went into the
        loop's storage, ``∫ max(heat − removed, 0) dt`` [MWh], most of it removed later (until
        issue 16 this was reported as ``heat_not_removed_mwh``)."""
        record = cooling_summary(segments, end_s, self.water_l_per_kwh, self.throttled_traces())
        into_loop_mwh = record.pop("heat_not_removed_mwh")
        not_removed_mwh = heat_not_removed_mwh(
            segments, end_s, self.supply_c, self.heat_capacity_mj_per_c
        )
        heat: dict[str, Any] = {}
        for key, value in record.items():
            heat[key] = value
            if key == "heat_rejected_mwh":
                heat["heat_not_removed_mwh"] = not_removed_mwh
                heat["heat_into_loop_mwh"] = into_loop_mwh
        return {
            **heat,
            "shutdowns": self.recorder.count("cooling_shutdown"),
            "free_cooling_h": self.free_cooling_h(end_s),
            "free_cooling_share_pu": self.free_cooling_share_pu(end_s),
            "chiller_failures": self.recorder.count("chiller_fail"),
            "chiller_kw_per_ton_ahri": self.chiller.rated_kw_per_ton,
            "chiller_iplv_kw_per_ton": self.chiller.iplv_kw_per_ton,
            "by_month": cooling_by_month(
                segments, np.asarray(self.months[0]), self.months[1], end_s, self.water_l_per_kwh
            ),
        }


def heat_not_removed_mwh(
    segments: pd.DataFrame, end_s: float, supply_c: float, heat_capacity_mj_per_c: float
) -> float:
    """Heat the cooling plant never removed over the run [MWh]:

    ``∫_held (heat − removed) dt / 3600 + C·ΔT_end / 3600``

    the heat that built while the loop was held at the hard limit (``heat_stored_mw > 0`` with
    the loop's rate 0: heat nobody sheds, see the module docstring) plus the heat still in the
    loop at the end, ``C`` [MJ/°C] × its temperature above supply ``ΔT_end`` [°C]. Heat that
    went into the loop and came back out (the chillers pulling it back, or free cooling) is
    not counted.
    """
    if segments.empty:
        return 0.0
    dt_s = durations_s(segments, end_s)
    stored = segments["heat_stored_mw"].to_numpy()
    rate = segments["coolant_rate_c_per_s"].to_numpy()
    held = (stored > 0.0) & (rate == 0.0)
    held_mj = float(np.sum(stored[held] * dt_s[held]))
    end_c = float(segments["coolant_c"].iloc[-1] + rate[-1] * dt_s[-1])
    left_mj = heat_capacity_mj_per_c * max(end_c - supply_c, 0.0) if math.isfinite(end_c) else 0.0
    return (held_mj + left_mj) / S_PER_H
