"""Distribution losses: the transformers and the UPS between the site bus and the IT.

The UPS carries the IT load; its loss at load fraction ``x = IT / R_u`` is
``R_u·(c0 + c1·x + c2·x²)`` (no-load, proportional and square-law losses). The transformers
carry the IT, the UPS loss and the cooling plant (fed through the transformers, not the UPS):
``through = IT + UPS loss + cooling``, and lose ``R_t·(P0 + Pk·(through / R_t)²)`` (core and
copper losses). In MW::

    ups  = u0 + u1·IT + u2·IT²          u0 = c0·R_u, u1 = c1, u2 = c2 / R_u
    loss = ups + t0 + t2·through²       t0 = P0·R_t, t2 = Pk / R_t

The ratings follow from the site's full IT load ``F`` (every job's GPUs at TDP and the
exogenous load's largest value): ``R_u = F / ups_load_pu``, ``R_t = F / transformer_load_pu``.
The sourced defaults and their fit are in :mod:`sim.config.schema.facility`.

The loss is a load on the bus (``electrical_loss_mw``), drawn in an outage too (the battery
and turbines feed the same chain). Its heat is taken to leave through the electrical rooms'
own ventilation, not the facility water loop (an assumption; their fans are part of the
cooling's ``aux_pu``).
"""

from __future__ import annotations

import math

from sim.config import ElectricalConfig, transformer_loss_pu, ups_loss_pu

NEWTON_STEPS = 50
"""Most Newton steps of :meth:`ElectricalLosses.it_for_mw` (it converges in a handful)."""


class ElectricalLosses:
    """The chain's loss as a function of the IT and cooling powers.

    Attributes
    ----------
    coefficients : tuple of float
        ``(u0 [MW], u1 [-], u2 [1/MW], t0 [MW], t2 [1/MW])`` of the module docstring; the bus
        evaluates them inline (its hot path).
    ups_rated_mw, transformer_rated_mw : float
        The ratings ``R_u`` and ``R_t`` [MW].
    """

    def __init__(self, cfg: ElectricalConfig, it_full_mw: float):
        if it_full_mw <= 0.0:
            raise ValueError(f"the site's full IT load must be positive, not {it_full_mw} MW")
        self.ups_rated_mw = it_full_mw / cfg.ups_load_pu
        self.transformer_rated_mw = it_full_mw / cfg.transformer_load_pu
        c0, c1, c2 = ups_loss_pu(cfg.ups_efficiency_pu)
        p0, pk = transformer_loss_pu(
            cfg.transformer_efficiency_pu, cfg.transformer_no_load_share_pu
        )
        r_u, r_t = self.ups_rated_mw, self.transformer_rated_mw
        self.coefficients = (c0 * r_u, c1, c2 / r_u, p0 * r_t, pk / r_t)

    def loss_mw(self, it_mw: float, cooling_mw: float) -> float:
        """The chain's loss [MW] at IT power ``it_mw`` and cooling power ``cooling_mw`` [MW]."""
        u0, u1, u2, t0, t2 = self.coefficients
        ups = u0 + (u1 + u2 * it_mw) * it_mw
        through = it_mw + ups + cooling_mw
        return ups + t0 + t2 * through * through

    def marginal(self, it_mw: float, cooling_mw: float, per_it: float) -> float:
        """Facility power per MW of IT with the loss [-]: ``per_it`` (the IT and cooling's,
        ``1 + dcooling/dIT``) plus ``dloss/dIT = dups + 2·t2·through·(per_it + dups)``,
        ``dups = u1 + 2·u2·IT``."""
        u0, u1, u2, _, t2 = self.coefficients
        ups = u0 + (u1 + u2 * it_mw) * it_mw
        d_ups = u1 + 2.0 * u2 * it_mw
        through = it_mw + ups + cooling_mw
        return per_it + d_ups + 2.0 * t2 * through * (per_it + d_ups)

    def it_for_mw(
        self, facility_mw: float, it_mw: float, cooling_mw: float, per_it: float
    ) -> float:
        """The IT power [MW] whose facility power (IT + cooling + loss) is ``facility_mw``,
        the cooling taken as the line through ``cooling_mw`` at ``it_mw`` with slope
        ``per_it − 1`` (the plant's marginal). Newton's method from the IT power the line
        alone would allow: the facility power is convex and rising in the IT, so it comes
        down to the root, never below it (to a residue of 1e-12 of the power). An unlimited
        supply (``inf``) carries any IT power."""
        if facility_mw == math.inf:
            return math.inf
        slope = per_it - 1.0
        base_mw = cooling_mw - slope * it_mw  # the cooling at no IT
        x = (facility_mw - base_mw) / per_it
        for _ in range(NEWTON_STEPS):
            cool = base_mw + slope * x
            excess = x + cool + self.loss_mw(x, cool) - facility_mw
            if excess <= 1e-12 * max(1.0, abs(facility_mw)):
                break
            x -= excess / self.marginal(x, cool, per_it)
        return x
