"""A chiller as datasheets rate it: full-load efficiency at the AHRI 550/590 point, the lift's
physics away from it, a part-load curve, and the plant's staging.

**Full load.** ``COP = min(cop_max, η_II · T_evap / (T_cond − T_evap))`` [-] with
``T_evap = T_supply − 2 °C`` and ``T_cond = T_amb + condenser_approach`` [K] (facts.md §10:
η_II ≈ 0.5–0.6; condensing ~10 °C above the wet-bulb). ``T_amb`` is the wet-bulb for towers and
the dry-bulb for dry coolers. η_II is *calibrated from the rating*: the rated COP
(``KW_PER_TON / rated_kw_per_ton``, or ``rated_cop``) divided by the Carnot COP at the AHRI
550/590 point, so the rated kW/ton is reproduced exactly there:

- towers (water-cooled): 44 °F (6.67 °C) leaving chilled water, 85 °F (29.44 °C) entering
  condenser water. The model's ambient is the wet-bulb and a tower delivers water
  ``tower approach`` above it (ECWT = wet-bulb + approach): AHRI's 85 °F ECWT is a 78 °F
  (25.56 °C) wet-bulb with a 7 °F (3.89 °C) approach, so the rating's ambient is 25.56 °C
  (condensing at 35.56 °C, 6.1 °C above the entering condenser water);
- dry (air-cooled): 44 °F leaving chilled water, 95 °F (35 °C) entering air.

The default rating is the ASHRAE 90.1-2019 Table 6.8.1-3 Path A minimum, as tabulated in NREL's
openstudio-standards (``ashrae_90_1_2019.chillers.json``): 0.560 kW/ton (COP 6.28) for
water-cooled centrifugals of 600 tons and more, 1.188 kW/ton (COP 2.96) for air-cooled chillers
of 150 tons and more. No manufacturer's datasheet of a large modern centrifugal was found in the
stored sources; such machines do better (facts.md §10: high-efficiency < 0.50 kW/ton), so the
default is conservative. The old default, η_II = 0.55 given directly, is 0.71 kW/ton at AHRI.

**Part load.** A unit at part-load ratio ``x`` (its load over its capacity) draws
``f(x) = (a + b·x + c·x²) / (a + b + c)`` of its full-load power (the DOE-2 / EnergyPlus
Chiller:Electric:EIR EIR-fPLR form, scaled to 1 at full load). Default: the ASHRAE 90.1 Path A
curves of openstudio-standards (``ashrae_90_1.curves.json``, from the CBECC performance
curves): water-cooled centrifugal ``ChlrWtrCentPathAAllEIRRatio_fQRatio`` (0.222149, 0.503156,
0.256905), air-cooled ``AirCooled_Chiller_AllCapacities_2004_2010_EIRFPLR`` (0.141, 0.655,
0.203).

**Staging.** The online units share the load at one part-load ratio, staged so that each runs
at the ratio of least power per ton ``x* = argmin f(x)/x = √(a/c)`` (1 if that is above 1 or
``c ≤ 0``) while the load allows, the number of running units taken as continuous (an
assumption: real plants stage whole units, which this smooths; it is exact where the load is a
whole number of units at ``x*``). For a chiller load ``L`` [MW] on online capacity ``C`` [MW]::

    P(L) = L · f(x*) / (x* · COP)     L ≤ x*·C   (linear: units staged at x*)
    P(L) = C · f(L/C) / COP           L > x*·C   (all online units at L/C)

``P`` is continuous with a continuous slope at ``L = x*·C`` (there ``f'(x*) = f(x*)/x*``) and
convex; its slope is ``f(x*)/(x*·COP)`` below, ``f'(L/C)/COP`` above.

**IPLV** (AHRI 550/590): ``IPLV = 0.01·A + 0.42·B + 0.45·C + 0.12·D``, the COPs of one unit at
100/75/50/25 % load with the condenser relieved — entering condenser water 85/75/65/65 °F
(towers; ambient = ECWT − the 7 °F approach), entering air 95/80/65/55 °F (dry) — at 44 °F
leaving chilled water; in kW/ton, ``KW_PER_TON / IPLV``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.units import KW_PER_TON

if TYPE_CHECKING:  # (the schema calls chiller_model to check a rating: no import back)
    from sim.config import ChillersConfig

ZERO_C_K = 273.15
EVAPORATOR_APPROACH_C = 2.0
"""Evaporating temperature below the supply temperature [°C] (an assumption)."""


def f_to_c(t_f: float) -> float:
    """Degrees Fahrenheit to Celsius: ``(t − 32) / 1.8``."""
    return (t_f - 32.0) / 1.8


AHRI_LEAVING_CHILLED_C = f_to_c(44.0)
"""AHRI 550/590 leaving chilled water [°C] (facts.md §10)."""
AHRI_TOWER_APPROACH_C = 7.0 / 1.8
"""Tower approach that turns AHRI's 85 °F entering condenser water into a 78 °F wet-bulb [°C]."""
AHRI_RATING_AMBIENT_C = {"tower": f_to_c(85.0) - AHRI_TOWER_APPROACH_C, "dry": f_to_c(95.0)}
"""The model's ambient at the AHRI rating point [°C]: wet-bulb 78 °F (towers), air 95 °F (dry)."""
IPLV_POINTS = {
    "tower": ((1.0, 0.01, 85.0), (0.75, 0.42, 75.0), (0.5, 0.45, 65.0), (0.25, 0.12, 65.0)),
    "dry": ((1.0, 0.01, 95.0), (0.75, 0.42, 80.0), (0.5, 0.45, 65.0), (0.25, 0.12, 55.0)),
}
"""AHRI 550/590 IPLV: (load fraction, weight, entering condenser water or air [°F])."""
DEFAULT_RATED_KW_PER_TON = {"tower": 0.560, "dry": 1.188}
"""ASHRAE 90.1-2019 Path A full-load minima [kW/ton] (module docstring)."""
DEFAULT_PART_LOAD_CURVE = {
    "tower": (0.222149, 0.503156, 0.256905),
    "dry": (0.141, 0.655, 0.203),
}
"""ASHRAE 90.1 Path A EIR-fPLR curves (a, b, c) (module docstring)."""


def ambient_of_entering_c(entering_c: float, heat_rejection: str) -> float:
    """The model's ambient [°C] for AHRI's entering condenser water (towers: minus the 7 °F
    approach) or entering air (dry: itself)."""
    return entering_c - AHRI_TOWER_APPROACH_C if heat_rejection == "tower" else entering_c


def carnot_cop(supply_c: float, ambient_c: float, approach_c: float) -> float:
    """Carnot COP of the lift [-]: ``T_evap / (T_cond − T_evap)`` with ``T_evap = supply − 2``,
    ``T_cond = ambient + approach`` [K]; ``inf`` at no lift."""
    t_evap_k = supply_c - EVAPORATOR_APPROACH_C + ZERO_C_K
    lift_k = ambient_c + approach_c + ZERO_C_K - t_evap_k
    return t_evap_k / lift_k if lift_k > 0.0 else math.inf


@dataclass(frozen=True)
class ChillerModel:
    """One chiller type: its second-law efficiency, COP bound, condensing approach and
    part-load curve (see the module docstring).

    Attributes
    ----------
    eta_ii : float
        Carnot fraction [-], calibrated from the rating unless given.
    cop_max : float
        Upper bound of the COP [-].
    approach_c : float
        Condensing above the ambient [°C].
    curve : tuple of float
        ``(a, b, c)`` scaled so that ``a + b + c = 1``.
    heat_rejection : str
        ``tower`` or ``dry`` (the rating point and the IPLV's conditions).
    """

    eta_ii: float
    cop_max: float
    approach_c: float
    curve: tuple[float, float, float]
    heat_rejection: str

    @functools.cached_property
    def best_plr(self) -> float:
        """``x* = √(a/c)`` [-], the part-load ratio of least power per ton (≤ 1); computed
        once (read at every bus update of a cooled site)."""
        a, _, c = self.curve
        return min(1.0, math.sqrt(a / c)) if c > 0.0 else 1.0

    @functools.cached_property
    def best_fraction(self) -> float:
        """``f(x*)`` [-], a unit's power at :attr:`best_plr` over its full-load power."""
        return self.fraction(self.best_plr)

    def cop(self, supply_c: float, ambient_c: float) -> float:
        """Full-load COP [-]: ``min(cop_max, η_II · T_evap / (T_cond − T_evap))``."""
        return min(self.cop_max, self.eta_ii * carnot_cop(supply_c, ambient_c, self.approach_c))

    def fraction(self, plr: float) -> float:
        """``f(x) = a + b·x + c·x²`` [-]: a unit's power at part-load ratio ``x`` over its
        full-load power."""
        a, b, c = self.curve
        return a + (b + c * plr) * plr

    def power_mw(self, load_mw: float, capacity_mw: float, cop: float) -> float:
        """Compressor power [MW] of the staged plant removing ``load_mw`` [MW] with
        ``capacity_mw`` [MW] online at full-load ``cop``: ``L·f(x*)/(x*·COP)`` up to
        ``x*·C``, ``C·f(L/C)/COP`` above."""
        if load_mw <= 0.0:
            return 0.0
        x = self.best_plr
        if load_mw <= x * capacity_mw:
            return load_mw * self.best_fraction / (x * cop)
        return capacity_mw * self.fraction(load_mw / capacity_mw) / cop

    def slope(self, load_mw: float, capacity_mw: float, cop: float) -> float:
        """``dP/dL`` [-] of :meth:`power_mw`: ``f(x*)/(x*·COP)`` up to ``x*·C``,
        ``(b + 2c·L/C)/COP`` above."""
        x = self.best_plr
        if load_mw <= x * capacity_mw:
            return self.best_fraction / (x * cop)
        _, b, c = self.curve
        return (b + 2.0 * c * load_mw / capacity_mw) / cop

    @property
    def rated_kw_per_ton(self) -> float:
        """kW/ton at the AHRI 550/590 rating point [kW/ton]."""
        ambient_c = AHRI_RATING_AMBIENT_C[self.heat_rejection]
        return KW_PER_TON / self.cop(AHRI_LEAVING_CHILLED_C, ambient_c)

    @property
    def iplv_cop(self) -> float:
        """AHRI 550/590 IPLV [-]: ``Σ w·COP(x)`` over its four points, one unit at ratio ``x``
        drawing ``f(x)`` of the full-load power at that point's condenser:
        ``COP(x) = x · COP_full / f(x)``."""
        total = 0.0
        for plr, weight, entering_f in IPLV_POINTS[self.heat_rejection]:
            ambient_c = ambient_of_entering_c(f_to_c(entering_f), self.heat_rejection)
            total += weight * plr * self.cop(AHRI_LEAVING_CHILLED_C, ambient_c) / self.fraction(plr)
        return total

    @property
    def iplv_kw_per_ton(self) -> float:
        """The IPLV in kW/ton [kW/ton]: ``KW_PER_TON / IPLV``."""
        return KW_PER_TON / self.iplv_cop


def chiller_model(cfg: ChillersConfig, heat_rejection: str) -> ChillerModel:
    """The chiller of a config: η_II given (deprecated) or calibrated from the rating (given,
    or the default of the heat rejection), the part-load curve given or the default, scaled
    to 1 at full load."""
    curve = cfg.part_load_curve or DEFAULT_PART_LOAD_CURVE[heat_rejection]
    total = sum(curve)
    scaled = (curve[0] / total, curve[1] / total, curve[2] / total)
    eta_ii = cfg.eta_ii
    if eta_ii is None:
        cop = cfg.rated_cop
        if cop is None:
            kw_per_ton = cfg.rated_kw_per_ton or DEFAULT_RATED_KW_PER_TON[heat_rejection]
            cop = KW_PER_TON / kw_per_ton
        carnot = carnot_cop(
            AHRI_LEAVING_CHILLED_C, AHRI_RATING_AMBIENT_C[heat_rejection], cfg.condenser_approach_c
        )
        eta_ii = cop / carnot
    return ChillerModel(eta_ii, cfg.cop_max, cfg.condenser_approach_c, scaled, heat_rejection)
