"""Load management: cap IT power to a floor, shed flexible load, then unserved (by hand)."""

from __future__ import annotations

import pytest

from sim.config import ConfigError
from sim.runner import run
from tests.bad_configs import assert_problem


def dr_case(config_factory, order, flexible_pu=0.0, floor=0.95, **extra):
    """100 MW IT load, a 2 h demand-response cap at 90 MW, no battery."""
    return run(
        config_factory(
            duration_h=4,
            load={"constant_mw": 100, "flexible_pu": flexible_pu},
            grid={"demand_response": [{"start_h": 1, "duration_h": 2, "limit_mw": 90}]},
            dispatch={"load_management": {"order": order, "it_floor_pu": floor}},
            **extra,
        )
    ).summary


def test_cap_to_the_floor_then_unserved(config_factory):
    """Capping to 95 % gives 5 MW of the 10 MW gap; 5 MW stay unserved for 2 h."""
    s = dr_case(config_factory, ["cap"])
    assert s["energy_mwh"]["it_capped"] == pytest.approx(10.0, rel=1e-12)
    assert s["energy_mwh"]["it_shed"] == 0.0
    assert s["unserved_mwh"] == pytest.approx(10.0, rel=1e-12)
    assert s["energy_mwh"]["it_demand"] == pytest.approx(400.0, rel=1e-12)
    assert s["energy_mwh"]["it"] == pytest.approx(390.0, rel=1e-12)


def test_cap_then_shed_covers_the_gap(config_factory):
    """After the 5 MW cap, shedding 10 % of the remaining 95 MW (9.5 MW) covers the other 5."""
    s = dr_case(config_factory, ["cap", "shed"], flexible_pu=0.1)
    assert s["energy_mwh"]["it_capped"] == pytest.approx(10.0, rel=1e-12)
    assert s["energy_mwh"]["it_shed"] == pytest.approx(10.0, rel=1e-12)
    assert s["unserved_mwh"] == 0.0


def test_order_is_respected(config_factory):
    """Shed first: 10 % of 100 MW covers the whole 10 MW gap; nothing is capped."""
    s = dr_case(config_factory, ["shed", "cap"], flexible_pu=0.1)
    assert s["energy_mwh"]["it_shed"] == pytest.approx(20.0, rel=1e-12)
    assert s["energy_mwh"]["it_capped"] == 0.0


def test_battery_comes_before_load_management(config_factory):
    """A 1 h outage on 100 MW: the 50 MW battery gives 50, capping to 70 % gives 30, 20 MW
    are unserved."""
    result = run(
        config_factory(
            duration_h=3,
            load={"constant_mw": 100},
            grid={"outages": [{"start_h": 1, "duration_h": 1}]},
            battery={"energy_mwh": 500, "power_mw": 50, "efficiency_discharge": 1.0},
            dispatch={"load_management": {"order": ["cap"], "it_floor_pu": 0.7}},
        )
    )
    s = result.summary
    assert s["energy_mwh"]["battery_discharge"] == pytest.approx(50.0, rel=1e-12)
    assert s["energy_mwh"]["it_capped"] == pytest.approx(30.0, rel=1e-12)
    assert s["unserved_mwh"] == pytest.approx(20.0, rel=1e-12)
    kinds = result.events["kind"].tolist()
    assert kinds.count("load_management_start") == 1
    assert kinds.count("load_management_end") == 1


@pytest.mark.parametrize(
    ("load", "dispatch", "key", "fragment"),
    [
        ({"constant_mw": 1, "flexible_pu": 0.2}, {}, "load.flexible_pu", "has no effect"),
        (
            {"constant_mw": 1},
            {"load_management": {"order": ["cap", "cap"]}},
            "dispatch.load_management.order",
            "each step once",
        ),
        (
            {"constant_mw": 1},
            {"load_management": {"order": ["throttle"]}},
            "dispatch.load_management.order[0]",
            "'cap', 'pause' or 'shed'",
        ),
        (
            {"constant_mw": 1},
            {"load_management": {"it_floor_pu": 1.5}},
            "dispatch.load_management.it_floor_pu",
            "less than or equal to 1",
        ),
    ],
)
def test_load_management_keys_are_checked(config_factory, load, dispatch, key, fragment):
    with pytest.raises(ConfigError) as info:
        config_factory(load=load, dispatch=dispatch)
    assert_problem(info.value, key, fragment)
