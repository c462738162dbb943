"""Battery plant (e.g. Tesla Megapacks) aggregated into one equivalent unit."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.engine import heading_of, line_integral, time_to_integral
from sim.summary import battery_summary
from sim.units import S_PER_H

if TYPE_CHECKING:
    import pandas as pd


class Battery:
    """An energy store on the site bus with separate charge and discharge efficiencies.

    State is the energy stored in the cells, ``stored_mwh`` (``energy_nom_mwh`` is the
    nominal energy, the config's ``battery.energy_mwh``). Power ``p_mw`` is at the bus terminal and
    signed by :mod:`sim.units`: positive discharges into the bus, negative charges from it.

    Notes
    -----
    Between events the bus power is a line ``p(t) = p0 + r·t`` [MW] that does not change sign
    (the bus makes its zero crossing an event), and the stored energy follows

    .. math::

        \\frac{dE}{dt} = -\\frac{p}{\\eta_d}\\ (p > 0), \\qquad
        \\frac{dE}{dt} = -\\eta_c\\, p\\ (p < 0) \\qquad [\\mathrm{MW}]

    so ``ΔE = −(p0·dt + r·dt²/2)/η_d`` (or ``·η_c``) exactly, and the time to reach a bound
    ``E_b`` is the root of that quadratic: ``t = (E − E_b)·η_d / p`` when ``r = 0``.
    The auxiliary load is drawn from the bus, not from the cells (an assumption: Megapack thermal
    management is fed from the AC side), so it never moves the state of charge.

    Parameters
    ----------
    energy_nom_mwh : float
        Nominal stored energy [MWh].
    p_charge_max_mw, p_discharge_max_mw : float
        Power limits at the bus [MW].
    efficiency_charge, efficiency_discharge : float
        Bus-to-cells and cells-to-bus efficiencies [pu].
    soc_min, soc_max, soc_initial, reserve_soc : float
        State-of-charge window, start and backup reserve [pu of ``energy_nom_mwh``].
    aux_load_mw : float
        Constant auxiliary load drawn from the bus [MW].
    """

    name = "battery"
    """Its summary section (see :meth:`report`)."""

    columns: tuple[str, ...] = ()
    """Recorder columns of its own: none (the bus records one battery as ``battery_*``)."""

    __slots__ = (
        "aux_load_mw",
        "e_max_mwh",
        "e_min_mwh",
        "e_reserve_mwh",
        "efficiency_charge",
        "efficiency_discharge",
        "energy_nom_mwh",
        "heading",
        "p_charge_max_mw",
        "p_discharge_max_mw",
        "p_mw",
        "ramp_mw_per_s",
        "stored_mwh",
        "tol_mwh",
    )

    def __init__(
        self,
        energy_nom_mwh: float,
        p_charge_max_mw: float,
        p_discharge_max_mw: float,
        efficiency_charge: float = 1.0,
        efficiency_discharge: float = 1.0,
        soc_min: float = 0.0,
        soc_max: float = 1.0,
        soc_initial: float = 1.0,
        reserve_soc: float | None = None,
        aux_load_mw: float = 0.0,
    ):
        self.energy_nom_mwh = energy_nom_mwh
        self.p_charge_max_mw = p_charge_max_mw
        self.p_discharge_max_mw = p_discharge_max_mw
        self.efficiency_charge = efficiency_charge
        self.efficiency_discharge = efficiency_discharge
        self.e_min_mwh = soc_min * energy_nom_mwh
        self.e_max_mwh = soc_max * energy_nom_mwh
        self.e_reserve_mwh = (soc_min if reserve_soc is None else reserve_soc) * energy_nom_mwh
        self.stored_mwh = soc_initial * energy_nom_mwh
        self.aux_load_mw = aux_load_mw
        self.p_mw = 0.0  # bus power at the last event [MW]
        self.ramp_mw_per_s = 0.0  # its rate of change until the next event [MW/s]
        self.heading = 0  # of a ramping segment: +1 discharging, -1 charging (see set_power)
        # Rounding tolerance: far below any physical quantity, far above float error.
        self.tol_mwh = 1e-9 * max(energy_nom_mwh, 1e-6)

    @property
    def soc(self) -> float:
        """State of charge [pu of nominal energy]."""
        return self.stored_mwh / self.energy_nom_mwh if self.energy_nom_mwh > 0 else 0.0

    def discharge_limit_mw(self, floor_mwh: float) -> float:
        """Largest discharge now [MW]: the power limit, or 0 once the energy is at ``floor_mwh``."""
        return self.p_discharge_max_mw if self.stored_mwh > floor_mwh + self.tol_mwh else 0.0

    def charge_limit_mw(self) -> float:
        """Largest charge now [MW] (a magnitude): the power limit, or 0 when full."""
        return self.p_charge_max_mw if self.stored_mwh < self.e_max_mwh - self.tol_mwh else 0.0

    def values(self) -> tuple[float, ...]:
        """Values of :attr:`columns`: none."""
        return ()

    def next_threshold_s(self) -> float:
        """No threshold of its own beyond its bounds (the bus schedules those): ``inf``."""
        return math.inf

    def deliverable_mwh(self, floor_mwh: float) -> float:
        """Energy it can put on the bus above ``floor_mwh``: ``(E − floor)·η_d`` [MWh]."""
        return (self.stored_mwh - floor_mwh) * self.efficiency_discharge

    def set_power(self, p_mw: float, ramp_mw_per_s: float = 0.0, floor_mwh: float = 0.0) -> None:
        """Set the bus power line from now on: ``p_mw`` [MW] changing at ``ramp_mw_per_s``
        (``floor_mwh`` is for a plant of several storages, see
        :class:`sim.power.storage_plant.StoragePlant`; one battery needs none).

        The line must not change sign before the next event (the bus makes the zero crossing
        one); its direction is taken from ``p_mw``, or from the ramp when ``p_mw`` is 0.
        """
        self.p_mw = p_mw
        self.ramp_mw_per_s = ramp_mw_per_s
        self.heading = heading_of(p_mw, ramp_mw_per_s)

    @property
    def direction(self) -> int:
        """+1 discharging, -1 charging, 0 idle, over the current segment."""
        if self.ramp_mw_per_s != 0.0:
            return self.heading
        return (self.p_mw > 0.0) - (self.p_mw < 0.0)

    def advance(self, dt_s: float, floor_mwh: float) -> None:
        """Integrate the stored energy exactly over ``dt_s`` [s] along the current power line,
        and move the power along it.

        The energy never passes the bound it is heading for (``floor_mwh`` when discharging,
        the top of the window when charging): a result beyond it, or within rounding distance
        of it, is put on it. Only the rounding of event times can get there, since the time a
        bound is reached is itself an event.
        """
        p_mw, r = self.p_mw, self.ramp_mw_per_s
        if r != 0.0:
            moved_mw_s = line_integral(p_mw, r, dt_s)
            heading = self.heading
            self.p_mw = p_mw + r * dt_s
        else:
            moved_mw_s = p_mw * dt_s
            heading = (p_mw > 0.0) - (p_mw < 0.0)
        if heading > 0:
            e = self.stored_mwh - moved_mw_s / self.efficiency_discharge / S_PER_H
            self.stored_mwh = floor_mwh if e - floor_mwh <= self.tol_mwh else e
        elif heading < 0:
            e = self.stored_mwh - moved_mw_s * self.efficiency_charge / S_PER_H
            self.stored_mwh = self.e_max_mwh if self.e_max_mwh - e <= self.tol_mwh else e

    def snap_to_bound(self, floor_mwh: float) -> str | None:
        """Put the energy on the bound the current power heads for.

        Used when that bound is reached: at its scheduled event, or when it is nearer than the
        clock can resolve (``now + dt == now``). The energy moved is below ``p·ulp(now)/3600``
        [MWh], which is far below anything physical. Returns None (a plant of several
        storages returns the name of the one that reached its bound).
        """
        direction = self.direction
        if direction > 0:
            self.stored_mwh = floor_mwh
        elif direction < 0:
            self.stored_mwh = self.e_max_mwh
        return None

    def seconds_to_bound(self, floor_mwh: float, top_mwh: float | None = None) -> float:
        """Time until the current power line drives the energy to a bound [s]; ``inf`` if never.

        The bound is ``floor_mwh`` when discharging and ``top_mwh`` (default: the top of the
        window) when charging.
        """
        return self.line_seconds_to_bound(
            self.p_mw, self.ramp_mw_per_s, self.heading, floor_mwh, top_mwh
        )

    def line_seconds_to_bound(
        self,
        p_mw: float,
        r: float,
        heading: int,
        floor_mwh: float,
        top_mwh: float | None = None,
    ) -> float:
        """Time until the line ``p_mw + r·t`` [MW, MW/s], were it set now (see
        :meth:`set_power`; ``heading`` is :func:`heading_of` the line, read only for a ramp),
        would drive the energy to ``floor_mwh`` when discharging or ``top_mwh`` (default: the
        top of the window) when charging [s]; ``inf`` if never. Changes nothing: the balance
        (:func:`sim.balance.balance`) tries lines with it."""
        e_top_mwh = self.e_max_mwh if top_mwh is None else top_mwh
        if r != 0.0:
            if heading > 0:
                room_mw_s = (self.stored_mwh - floor_mwh) * self.efficiency_discharge * S_PER_H
                return time_to_integral(p_mw, r, room_mw_s)
            room_mw_s = (e_top_mwh - self.stored_mwh) / self.efficiency_charge * S_PER_H
            return time_to_integral(-p_mw, -r, room_mw_s)
        if p_mw > 0.0:
            return (self.stored_mwh - floor_mwh) * self.efficiency_discharge / p_mw * S_PER_H
        rate_mw = -p_mw * self.efficiency_charge  # may underflow to 0 for a subnormal power
        if rate_mw > 0.0:
            return (e_top_mwh - self.stored_mwh) / rate_mw * S_PER_H
        return math.inf

    def report(self, segments: pd.DataFrame, end_s: float) -> dict[str, float]:
        """The ``battery`` section: final and lowest state of charge [pu] and equivalent full
        cycles, from the bus's ``battery_*`` columns (see :func:`sim.summary.battery_summary`)."""
        return battery_summary(segments, self.energy_nom_mwh, end_s)
