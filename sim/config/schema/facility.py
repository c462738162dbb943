"""The ``facility:`` section: the site's own electrical chain (distribution losses).

``facility.electrical`` models the chain between the site bus (utility, turbines, Megapacks)
and the IT: the medium-voltage transformers, then the UPS. Its losses are a load on the bus.

**Sources of the defaults** (tags as in facts.md: R reported, R2 secondary, E estimate, D
derived, X assumed):

- UPS losses have three parts — no-load (fixed), proportional, square-law (I²R) — so the loss
  of a UPS of rating ``R`` at load fraction ``x`` is ``R·(c0 + c1·x + c2·x²)``; no-load losses
  are often over 40 % of the losses, square-law ones reach 1–4 % of the rating near full load
  (Schneider Electric White Paper 108 rev. 2, V. Avelar, "Making Large UPS Systems More
  Efficient", and its "Definitions of losses", 2012: R2). A UPS is least efficient at part
  load, and data-centre UPSs run at or below 50 % of their rating because redundancy sizes
  each for the whole load (LBNL/EPRI, M. Ton and B. Fortenbery, "High Performance Buildings:
  Data Centers — Uninterruptible Power Supplies", CEC PIER, Dec. 2005: R2; WP 108: "2N
  systems ... maximum design load on each UPS ... cannot exceed 50 %", field surveys 20–40 %).
- The efficiency points, 95.0 % at 25 % load and 96.0 % at 50 % and 100 %, are typical of
  current large (≥ 500 kVA) transformerless double-conversion UPSs in their normal (not eco)
  mode (E: the usual datasheet range is 95–97 %; no datasheet was re-read for these figures).
  The three points fix ``c0, c1, c2`` exactly (:func:`ups_loss_pu`): 0.0073, 0.0197, 0.0146
  — no-load 35 % of the loss at 50 % load, square-law 1.5 % at full load, within WP 108's
  description.
- Transformers: DOE's 2016 standard for medium-voltage dry-type distribution transformers
  (10 CFR 431.196(c), efficiency at 50 % of nameplate load) asks 98.9–99.2 % of the
  1,500–2,500 kVA units (R2); 99.1 % is used. Its loss at 50 % load is split evenly between
  no-load (core) and load (copper) losses — the transformer is then most efficient at 50 %
  load, the test point (X). Copper loss grows with the square of the load.
- The cooling plant is taken to be fed through the transformers but not through the UPS (the
  mechanical load usually is; X). Battery auxiliaries are fed at the Megapacks (not here).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from sim.config.problems import KeyProblems
from sim.config.schema.base import StrictModel

UPS_LOAD_POINTS_PU = (0.25, 0.5, 1.0)
"""Load fractions of the UPS efficiency keys (``ups_efficiency_{25,50,100}_pu``)."""

UPS_EFFICIENCY_PU = (0.950, 0.960, 0.960)
"""Default UPS efficiency at :data:`UPS_LOAD_POINTS_PU` (E, see the module docstring)."""

TRANSFORMER_EFFICIENCY_PU = 0.991
"""Default transformer efficiency at 50 % load (DOE 2016 MV dry-type, R2)."""

TRANSFORMER_TEST_LOAD_PU = 0.5
"""Load fraction at which ``transformer_efficiency_pu`` is given (DOE's test point)."""


def ups_loss_pu(efficiency_pu: tuple[float, float, float]) -> tuple[float, float, float]:
    """``(c0, c1, c2)``: the UPS loss ``c0 + c1·x + c2·x²`` [pu of its rating] at load fraction
    ``x`` through the losses ``x_i·(1/η_i − 1)`` at the points ``x_i`` of
    :data:`UPS_LOAD_POINTS_PU` (a loss of output ``x`` at efficiency ``η`` is ``x/η − x``)."""
    (x1, x2, x3) = UPS_LOAD_POINTS_PU
    l1, l2, l3 = (
        x * (1.0 / eta - 1.0) for x, eta in zip(UPS_LOAD_POINTS_PU, efficiency_pu, strict=True)
    )
    # Newton's divided differences, then the power basis
    d12, d23 = (l2 - l1) / (x2 - x1), (l3 - l2) / (x3 - x2)
    c2 = (d23 - d12) / (x3 - x1)
    c1 = d12 - c2 * (x1 + x2)
    c0 = l1 - c1 * x1 - c2 * x1 * x1
    return c0, c1, c2


def transformer_loss_pu(efficiency_pu: float, no_load_share_pu: float) -> tuple[float, float]:
    """``(no-load loss, load loss at rated load)`` [pu of the rating] from the efficiency at
    :data:`TRANSFORMER_TEST_LOAD_PU` and the no-load share of the loss there: with ``y`` that
    load, the loss is ``y·(1/η − 1) = P0 + Pk·y²``."""
    y = TRANSFORMER_TEST_LOAD_PU
    loss = y * (1.0 / efficiency_pu - 1.0)
    return no_load_share_pu * loss, (1.0 - no_load_share_pu) * loss / (y * y)


class ElectricalConfig(StrictModel):
    """Transformers and UPS between the site bus and the IT; their losses are a load on the
    bus: ``UPS = R_u·(c0 + c1·x + c2·x²)``, ``x = IT / R_u``; ``transformers = R_t·(P0 +
    Pk·y²)``, ``y = (IT + UPS loss + cooling) / R_t``."""

    ups_efficiency_25_pu: float = Field(
        UPS_EFFICIENCY_PU[0],
        gt=0.5,
        le=1,
        description="UPS efficiency at 25 % of its rating [pu], over 0.5 up to 1 (no loss).",
    )
    ups_efficiency_50_pu: float = Field(
        UPS_EFFICIENCY_PU[1],
        gt=0.5,
        le=1,
        description="UPS efficiency at 50 % of its rating [pu], over 0.5 up to 1.",
    )
    ups_efficiency_100_pu: float = Field(
        UPS_EFFICIENCY_PU[2],
        gt=0.5,
        le=1,
        description="UPS efficiency at its rating [pu], over 0.5 up to 1.",
    )
    ups_load_pu: float = Field(
        0.5,
        gt=0,
        le=1,
        description=(
            "Load fraction of the UPS at the site's full IT load [pu], over 0 up to 1 "
            "(0.5: 2N, each side sized for the whole load); sets its rating."
        ),
    )
    transformer_efficiency_pu: float = Field(
        TRANSFORMER_EFFICIENCY_PU,
        gt=0.5,
        le=1,
        description="Transformer efficiency at 50 % of its rating [pu], over 0.5 up to 1.",
    )
    transformer_no_load_share_pu: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of no-load (core) losses in the transformer's loss at 50 % load [pu].",
    )
    transformer_load_pu: float = Field(
        0.5,
        gt=0,
        le=1,
        description=(
            "Site's full IT load as a fraction of the transformers' rating [pu], over 0 up "
            "to 1 (0.5: A and B feeds, each for the whole load); sets their rating."
        ),
    )

    @property
    def ups_efficiency_pu(self) -> tuple[float, float, float]:
        """The UPS efficiencies at :data:`UPS_LOAD_POINTS_PU`."""
        return (self.ups_efficiency_25_pu, self.ups_efficiency_50_pu, self.ups_efficiency_100_pu)

    @model_validator(mode="after")
    def _loss_not_negative(self) -> ElectricalConfig:
        c0, c1, c2 = ups_loss_pu(self.ups_efficiency_pu)
        # the curve's lowest loss on [0, 1]: at an end, or at its vertex inside
        lowest = min(c0, c0 + c1 + c2)
        if c2 > 0.0 and 0.0 < -c1 / (2.0 * c2) < 1.0:
            lowest = min(lowest, c0 - c1 * c1 / (4.0 * c2))
        if lowest < -1e-12:
            raise KeyProblems(
                [
                    (
                        ("ups_efficiency_25_pu",),
                        self.ups_efficiency_25_pu,
                        "with ups_efficiency_50_pu and ups_efficiency_100_pu gives a UPS loss "
                        "curve below zero between no load and full load (at least "
                        f"{lowest:.3g} pu); give efficiencies that fall less at part load",
                    )
                ]
            )
        return self


def _electrical_shape(value: Any) -> str:
    return "mapping" if isinstance(value, dict | ElectricalConfig) else "none"


ElectricalField = Annotated[
    Annotated[ElectricalConfig, Tag("mapping")] | Annotated[Literal["none"], Tag("none")],
    Discriminator(_electrical_shape),
]
"""``facility.electrical``: the chain's keys (a mapping), or ``none``."""


class FacilityConfig(StrictModel):
    """The site's own plant beyond cooling: its electrical chain."""

    electrical: ElectricalField | None = Field(
        None,
        description=(
            "Transformer and UPS losses, a load on the bus counted in PUE; 'none' leaves them "
            "out. Default: on (sourced defaults) for a site with a cluster or a cooling plant, "
            "off for an exogenous load alone (taken as the site's metered load)."
        ),
    )
