"""Turbines in the heat (issue 14, part 2): the rating falls and the heat rate rises with the
inlet air above 15 °C ISO.

Default coefficients: 0.65 %/°C of output (the midpoint of the 0.5–0.8 %/°C of facts §9, E)
and +0.35 %/°C of full-load heat rate (facts §9: a Titan 130's CO2 570 → ~610 kg/MWh at 35 °C,
D). Every expected number is worked out here from those and the config.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import ConfigError
from sim.runner import run
from tests.bad_configs import assert_problem

P_ISO_MW, HR_ISO, F0 = 16.5, 10.75, 0.25
K, H = 0.0065, 0.0035  # the defaults (per °C above 15 °C)
SMT = {"name": "smt", "p_nom_mw": P_ISO_MW, "ramp_mw_per_min": 5.0, "start_s": 600.0}


def weather_csv(folder: Path, rows: list[tuple[float, float]]) -> str:
    """A weather trace: (time_h, dry-bulb °C), the wet-bulb 10 °C below it."""
    path = folder / "weather.csv"
    path.write_text(
        "time_h,dry_bulb_c,wet_bulb_c\n" + "".join(f"{t},{d},{d - 10}\n" for t, d in rows)
    )
    return str(path)


def island(config_factory, tmp_path, load_mw: float, rows, **extra):
    """An island (no grid import) with a lossless battery big enough to bridge the starts and
    11 units; the load constant."""
    return run(
        config_factory(
            duration_h=6.0,
            load={"constant_mw": load_mw},
            grid={"import_limit_mw": 0},
            battery={
                "energy_mwh": 50.0,
                "power_mw": 200.0,
                "efficiency_charge": 1.0,
                "efficiency_discharge": 1.0,
                "soc_min": 0.0,
            },
            dispatch={"policy": "backup", "turbine_stop_soc": 0.0},
            turbines=[{**SMT, "count": 11, **extra}],
            weather={"csv": weather_csv(tmp_path, rows)},
        )
    )


def test_a_hot_afternoon_needs_one_unit_more_and_burns_more_per_mwh(config_factory, tmp_path):
    """At 35 °C a unit gives 16.5·(1 − 0.0065·20) = 14.355 MW: 110 MW needs
    ceil(110/14.355) = 8 units (7 at ISO: ceil(110/16.5)). Its heat rate is
    10.75·(1 + 0.0035·20) = 11.5025 MMBtu/MWh at full load, so a running unit burns
    0.25·11.5025·14.355 MMBtu/h at no load and 0.75·11.5025 MMBtu per MWh of output."""
    hot = island(config_factory, tmp_path, 110.0, [(0.0, 35.0)])
    t = hot.summary["turbines"]
    p_hot = P_ISO_MW * (1 - K * 20)
    hr_hot = HR_ISO * (1 + H * 20)
    assert t["starts"] == 8
    assert t["groups"][0]["rating_lowest_mw"] == pytest.approx(p_hot, rel=1e-12)
    fuel = F0 * hr_hot * p_hot * t["run_hours"] + (1 - F0) * hr_hot * t["energy_mwh"]
    assert t["fuel_mmbtu"] == pytest.approx(fuel, rel=1e-9)
    cold = island(config_factory, tmp_path, 110.0, [(0.0, 10.0)])
    assert cold.summary["turbines"]["starts"] == 7  # below 15 °C: the ISO rating holds
    assert cold.summary["turbines"]["groups"][0]["rating_lowest_mw"] == P_ISO_MW


def test_the_afternoon_heat_takes_output_away_at_once(config_factory, tmp_path):
    """5 units carry 80 MW at 15 °C (ceil(80/16.5) = 5). At 3 h the air turns 35 °C: their
    rating falls to 5·14.355 = 71.775 MW at once, the battery gives the 8.225 MW the load
    lacks while a sixth unit starts (600 s) and the group ramps the gap at 6·5 MW/min =
    0.5 MW/s (16.45 s): 8.225·(600 + 16.45/2)/3600 MWh from the battery, nothing unserved."""
    result = island(config_factory, tmp_path, 80.0, [(0.0, 15.0), (3.0, 35.0)])
    s = result.summary
    assert s["turbines"]["starts"] == 6
    gap_mw = 80.0 - 5 * P_ISO_MW * (1 - K * 20)
    bridge_mwh = gap_mw * (600 + gap_mw / 0.5 / 2) / 3600
    events = result.events
    start = events[events.kind == "turbine_start"]
    assert list(start.time_h)[-1] == pytest.approx(3.0)
    seg = result.segments
    after = seg[(seg.time_s >= 3 * 3600.0) & (seg.time_s < 3 * 3600.0 + 700)]
    d_s = after.time_s.diff().shift(-1).fillna(0)  # segments are lines: p·d + r·d²/2
    given = (after.battery_mw * d_s + after.battery_ramp_mw_per_s * d_s**2 / 2).sum() / 3600
    assert given == pytest.approx(bridge_mwh, rel=1e-6)
    assert s["unserved_mwh"] < 1e-9


def test_weather_for_turbines_alone_is_accepted_and_bad_coefficients_are_refused(
    config_factory, tmp_path
):
    with pytest.raises(ConfigError) as err:
        config_factory(turbines=[{**SMT, "count": 1, "derate_pu_per_c": 0.5}])
    assert_problem(err.value, "turbines[0].derate_pu_per_c", "0.05")
    with pytest.raises(ConfigError) as err:
        config_factory(weather={"site": "memphis"})
    assert_problem(err.value, "weather", "cooling: section or turbines")
