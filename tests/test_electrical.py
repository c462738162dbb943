"""Distribution losses (facility.electrical), checked against hand calculations from the
sourced figures (sim/config/schema/facility.py): a double-conversion UPS at 95.0 % efficiency
at 25 % load and 96.0 % at 50 % and 100 % (E: typical datasheet values; WP 108's three loss
terms), MV dry-type transformers at 99.1 % at 50 % load (DOE 2016, 10 CFR 431.196), half of
that loss no-load (X)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError
from sim.runner import run
from tests.bad_configs import assert_problem
from tests.test_cooling import weather_csv

UPS_POINTS = ([0.25, 0.5, 1.0], [0.950, 0.960, 0.960])  # load fraction, efficiency
TRANSFORMER_ETA_50 = 0.991


def ups_loss_pu(x: float) -> float:
    """The UPS loss at load fraction x [pu of rating]: the parabola through the sourced
    points' losses x·(1/η − 1) (numpy's fit, not the program's formula)."""
    xs, etas = np.array(UPS_POINTS[0]), np.array(UPS_POINTS[1])
    c2, c1, c0 = np.polyfit(xs, xs * (1 / etas - 1), 2)
    return c0 + c1 * x + c2 * x * x


def transformer_loss_pu(y: float) -> float:
    """Core loss + copper loss ∝ y², half each at 50 % load where the loss is 0.5·(1/η − 1)."""
    at_half = 0.5 * (1 / TRANSFORMER_ETA_50 - 1)
    return at_half / 2 + at_half / 2 * (y / 0.5) ** 2


def winter(config_factory, tmp_path, load=None, **keys):
    """A constant IT load with a liquid-cooled plant in free cooling (wet-bulb 2 °C: 2 + 4 ≤
    18 °C): cooling = 5 % of IT (pumps, CDUs)."""
    return run(
        config_factory(
            duration_h=10,
            load=load or {"constant_mw": 100.0},
            weather={"csv": weather_csv(tmp_path, 5.0, 2.0)},
            cooling={"chillers": {"count": 3, "capacity_mw": 60}},
            **keys,
        )
    )


def test_the_loss_at_half_load_is_the_datasheet_point_by_hand(config_factory, tmp_path):
    """100 MW of IT with the defaults: UPS rated 200 MW (2N: 50 % load) loses exactly its
    50 % point, 100·(1/0.96 − 1) = 4.1667 MW; the transformers (200 MW) carry IT + UPS loss +
    5 MW of cooling at y = 109.17/200 and lose 200·(P0 + Pk·y²). PUE in winter = (100 + 5 +
    losses)/100, not the 1.05 of the pumps alone."""
    ups_mw = 100 * (1 / 0.96 - 1)
    through_mw = 100 + ups_mw + 5.0
    transformer_mw = 200 * transformer_loss_pu(through_mw / 200)
    loss_mw = ups_mw + transformer_mw
    assert ups_mw == pytest.approx(200 * ups_loss_pu(0.5), rel=1e-9)  # the fit holds the point

    s = winter(config_factory, tmp_path).summary
    assert s["energy_mwh"]["electrical_loss"] == pytest.approx(10 * loss_mw, rel=1e-12)
    assert s["cooling"]["pue"] == pytest.approx((100 + 5 + loss_mw) / 100, rel=1e-12)
    assert 1.05 + 0.02 < s["cooling"]["pue"] < 1.05 + 0.06  # the 2–6 % of IT
    assert s["energy_mwh"]["load"] == pytest.approx(10 * (105 + loss_mw), rel=1e-12)
    assert s["energy_mwh"]["grid"] == pytest.approx(s["energy_mwh"]["load"], rel=1e-12)


@pytest.mark.parametrize(("ups_load_pu", "transformer_load_pu"), [(0.25, 1.0), (1.0, 0.3)])
def test_the_ratings_follow_the_design_load_fractions(
    config_factory, tmp_path, ups_load_pu, transformer_load_pu
):
    """At UPS load 25 % the loss is the 25 % point, 100·(1/0.95 − 1); at 100 %, the 100 %
    point; the transformers rated 100/transformer_load_pu MW."""
    r_u, r_t = 100 / ups_load_pu, 100 / transformer_load_pu
    ups_mw = r_u * ups_loss_pu(ups_load_pu)
    assert ups_mw == pytest.approx(100 * (1 / (0.95 if ups_load_pu == 0.25 else 0.96) - 1))
    transformer_mw = r_t * transformer_loss_pu((100 + ups_mw + 5) / r_t)
    electrical = {"ups_load_pu": ups_load_pu, "transformer_load_pu": transformer_load_pu}
    s = winter(config_factory, tmp_path, facility={"electrical": electrical}).summary
    assert s["energy_mwh"]["electrical_loss"] == pytest.approx(
        10 * (ups_mw + transformer_mw), rel=1e-12
    )


def test_none_leaves_the_losses_out_and_a_load_alone_has_none(config_factory, tmp_path):
    """`electrical: none`: PUE in winter is the pumps' 1.05 again. A site of an exogenous load
    alone (its metered load) has no losses unless it asks for them."""
    s = winter(config_factory, tmp_path, facility={"electrical": "none"}).summary
    assert s["cooling"]["pue"] == pytest.approx(1.05, rel=1e-12)
    assert s["energy_mwh"]["electrical_loss"] == 0.0
    plain = run(config_factory(duration_h=10, load={"constant_mw": 100}))
    assert plain.summary["energy_mwh"]["electrical_loss"] == 0.0
    assert "electrical_loss_mw" in plain.timeseries
    asked = run(
        config_factory(duration_h=10, load={"constant_mw": 100}, facility={"electrical": {}})
    )
    # no cooling: the transformers carry IT + UPS loss alone
    ups_mw = 100 * (1 / 0.96 - 1)
    loss_mw = ups_mw + 200 * transformer_loss_pu((100 + ups_mw) / 200)
    assert asked.summary["energy_mwh"]["electrical_loss"] == pytest.approx(10 * loss_mw, rel=1e-12)
    assert asked.timeseries["electrical_loss_mw"].to_numpy() == pytest.approx(loss_mw, rel=1e-12)


def test_load_management_asks_the_it_for_the_shortfall_with_the_losses(config_factory, tmp_path):
    """100 MW of flexible IT under a 100 MW import limit in winter: the IT gives up just enough
    that IT + 5 % + losses(IT) = 100 MW — found here by bisection on the hand formula — and
    nothing goes unserved (the loss's marginal alone would ask too little: it is convex)."""

    def facility_mw(it_mw: float) -> float:
        ups_mw = 200 * ups_loss_pu(it_mw / 200)
        return it_mw * 1.05 + ups_mw + 200 * transformer_loss_pu((it_mw * 1.05 + ups_mw) / 200)

    lo, hi = 0.0, 100.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if facility_mw(mid) < 100 else (lo, mid)
    it_mw = (lo + hi) / 2

    s = winter(
        config_factory,
        tmp_path,
        load={"constant_mw": 100, "flexible_pu": 0.5},
        grid={"import_limit_mw": 100},
        dispatch={"load_management": {"order": ["shed"]}},
    ).summary
    assert s["unserved_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert s["energy_mwh"]["it"] == pytest.approx(10 * it_mw, rel=1e-9)
    assert s["energy_mwh"]["grid"] == pytest.approx(1000.0, rel=1e-9)
    assert s["energy_mwh"]["it_shed"] == pytest.approx(10 * (100 - it_mw), rel=1e-9)


@pytest.mark.parametrize(
    ("electrical", "key", "fragment"),
    [
        ({"ups_efficiency_25_pu": 0.99, "ups_efficiency_50_pu": 0.9}, "ups_efficiency_25_pu",
         "below zero"),
        ({"ups_load_pu": 0}, "ups_load_pu", "greater than 0"),
        ({"transformer_efficiency_pu": 1.2}, "transformer_efficiency_pu", "less than or equal"),
        ({"ups_efficiency": 0.9}, "ups_efficiency", ""),
    ],
)  # fmt: skip
def test_electrical_keys_are_checked(config_factory, electrical, key, fragment):
    with pytest.raises(ConfigError) as info:
        config_factory(duration_h=1, load={"constant_mw": 1}, facility={"electrical": electrical})
    assert_problem(info.value, f"facility.electrical.{key}", fragment)
