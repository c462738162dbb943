"""One gas turbine unit's physics: its fuel curve, emissions, ramp rates and trip rate.

Pure functions of a unit's parameters (those of :class:`sim.config.TurbineConfig`); the state
of the units and their output line are in :mod:`sim.power.turbine_group`.

Fuel
----
A burning unit (starting or online) uses fuel at a rate affine in its output ``P`` [MW]:

.. math::

    \\dot F = HR \\cdot \\left(f_0 P_{nom} + (1 - f_0) P\\right) \\qquad [\\mathrm{MMBtu/h}]

with ``HR`` the full-load heat rate [MMBtu/MWh] and ``f0 = no_load_fuel_pu``. The heat rate at
part load is then ``HR·(f0/P_pu + 1 − f0)``: with ``f0 = 0.25``, 1.25 × the full-load value at
half load and 1.58 × at 30 % — the usual shape of a simple-cycle unit's curve (an assumption;
no Titan 130 part-load curve is published). A starting unit burns its no-load fuel during the
start delay. Because the rate is affine in ``P``, fuel over a ramp integrates exactly:
``F = HR·(f0·P_nom·n·Δt + (1 − f0)·∫P dt)``. CO2 and NOx are fuel × their factors.

The output does not depend on the ambient temperature (no derating).
"""

from __future__ import annotations

import math

from sim.units import S_PER_H


def no_load_fuel_mmbtu_per_s(
    heat_rate_mmbtu_per_mwh: float, no_load_fuel_pu: float, p_nom_mw: float
) -> float:
    """Fuel of one burning unit at zero output [MMBtu/s].

    ``f_nl = HR · f0 · P_nom / 3600``, with ``HR`` the full-load heat rate [MMBtu/MWh],
    ``f0`` the no-load fuel [pu of full-load fuel] and ``P_nom`` the rating [MW].
    """
    return heat_rate_mmbtu_per_mwh * no_load_fuel_pu * p_nom_mw / S_PER_H


def fuel_mmbtu_per_mw_s(heat_rate_mmbtu_per_mwh: float, no_load_fuel_pu: float) -> float:
    """Fuel per MW of output, over the no-load fuel [MMBtu/(MW·s)].

    ``f_p = HR · (1 − f0) / 3600``; a group of ``n`` burning units with output ``P`` [MW] then
    burns ``n·f_nl + f_p·P`` [MMBtu/s] (see :func:`no_load_fuel_mmbtu_per_s`).
    """
    return heat_rate_mmbtu_per_mwh * (1 - no_load_fuel_pu) / S_PER_H


def fuel_usd(fuel_mmbtu: float, fuel_usd_per_mmbtu: float) -> float:
    """Cost of ``fuel_mmbtu`` [MMBtu] of fuel [USD]: ``F · price``."""
    return fuel_mmbtu * fuel_usd_per_mmbtu


def emissions_t(fuel_mmbtu: float, kg_per_mmbtu: float) -> float:
    """Mass emitted by burning ``fuel_mmbtu`` [MMBtu] [t]: ``F · k / 1000`` with ``k`` the
    emission factor [kg/MMBtu] (CO2 or NOx)."""
    return fuel_mmbtu * kg_per_mmbtu / 1000.0


def ramp_rate_mw_per_s(ramp_mw_per_min: float) -> float:
    """A ramp rate per second [MW/s] from one per minute [MW/min]: ``r / 60``."""
    return ramp_mw_per_min / 60.0


def mean_s_to_trip(trip_rate_per_1000h: float) -> float:
    """Mean time between forced trips of a unit online [s]: ``1000 h · 3600 / λ`` with ``λ``
    the trips per 1000 running hours; ``inf`` if ``λ = 0`` (the unit never trips)."""
    return 1000.0 * S_PER_H / trip_rate_per_1000h if trip_rate_per_1000h > 0 else math.inf
