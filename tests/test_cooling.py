"""Weather and the cooling plant, checked against hand calculations and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config import ConfigError
from sim.psychro import dew_point_c, wet_bulb_c
from sim.runner import run
from tests.bad_configs import assert_problem


def weather_csv(folder, dry_c, wet_c, hours=48):
    path = folder / "weather.csv"
    path.write_text(
        "time_h,dry_bulb_c,wet_bulb_c\n" + f"0,{dry_c},{wet_c}\n{hours},{dry_c},{wet_c}\n"
    )
    return str(path)


def f_to_c(t_f):
    return (t_f - 32) / 1.8


def carnot(supply_c, ambient_c, approach_c=10.0):
    """T_evap/(T_cond − T_evap), T_evap = supply − 2 °C, T_cond = ambient + approach [K]."""
    t_evap = supply_c - 2 + 273.15
    return t_evap / (ambient_c + approach_c + 273.15 - t_evap)


# The default chiller, by hand: ASHRAE 90.1-2019 Path A 0.560 kW/ton (COP 3.51685/0.560) at
# AHRI 550/590 — 44 °F leaving chilled water, 85 °F entering condenser water = a 78 °F
# wet-bulb + the tower's 7 °F approach — gives η_II; the Path A centrifugal part-load curve
# (openstudio-standards ChlrWtrCentPathAAllEIRRatio_fQRatio), scaled to 1 at full load, has
# its least power per ton at x* = √(a/c): below x* of the online capacity the staged plant
# draws load·f(x*)/(x*·COP).
ETA = 3.51685 / 0.560 / carnot(f_to_c(44), f_to_c(78))
A, B, C = 0.222149, 0.503156, 0.256905
X_BEST = math.sqrt(A / C)
STAGED = (A + B * X_BEST + C * X_BEST**2) / (A + B + C) / X_BEST  # f(x*)/x* ≈ 0.9987


def cop_by_hand(supply_c, ambient_c):
    """The default chiller's full-load COP: η·T_evap/(T_cond − T_evap)."""
    return ETA * carnot(supply_c, ambient_c)


def compressor_by_hand(load_mw, capacity_mw, cop):
    """The staged plant: load·f(x*)/(x*·COP) up to x*·capacity, capacity·f(load/C)/COP above."""
    if load_mw <= X_BEST * capacity_mw:
        return load_mw * STAGED / cop
    x = load_mw / capacity_mw
    return capacity_mw * (A + B * x + C * x**2) / (A + B + C) / cop


def cooled(config_factory, tmp_path, dry_c, wet_c, it_mw=100.0, chillers=None, **keys):
    return run(
        config_factory(
            duration_h=10,
            load={"constant_mw": it_mw},
            weather={"csv": weather_csv(tmp_path, dry_c, wet_c)},
            cooling={"chillers": chillers or {"count": 3, "capacity_mw": 60}, **keys},
            facility={"electrical": "none"},  # the plant alone (losses: test_electrical.py)
        )
    )


def magnus_kpa(t_c: float) -> float:
    """Saturation vapour pressure over water [kPa], Magnus (Alduchov & Eskridge 1996)."""
    return 0.61094 * math.exp(17.625 * t_c / (t_c + 243.04))


def wet_bulb_by_hand(dry_c: float, humidity_ratio: float, p_kpa: float = 101.325) -> float:
    """The wet-bulb [°C] solving ASHRAE's psychrometric equation (Fundamentals 2017 ch. 1
    eq. 33) for ``W`` by bisection, with Magnus's saturation pressure (not psychrolib's
    Hyland–Wexler: the two agree to ~0.1 % at 0–50 °C)."""

    def w_of(wet_c: float) -> float:
        w_s = 0.621945 * magnus_kpa(wet_c) / (p_kpa - magnus_kpa(wet_c))
        return ((2501 - 2.326 * wet_c) * w_s - 1.006 * (dry_c - wet_c)) / (
            2501 + 1.86 * dry_c - 4.186 * wet_c
        )

    lo, hi = -20.0, dry_c
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if w_of(mid) < humidity_ratio else (lo, mid)
    return (lo + hi) / 2


def humidity_ratio_by_hand(dew_c: float, p_kpa: float = 101.325) -> float:
    """``W = 0.621945·p_w/(p − p_w)`` with ``p_w = p_ws(T_d)`` (ASHRAE eq. 20)."""
    return 0.621945 * magnus_kpa(dew_c) / (p_kpa - magnus_kpa(dew_c))


def test_psychrometrics_against_published_values_and_by_hand():
    """Stull (2011): 20 °C at 50 % RH gives a wet-bulb of 13.7 °C; saturated air's dew point
    and wet-bulb are its temperature; and psychrolib's wet-bulb equals the psychrometric
    equation solved by hand (Magnus saturation) within 0.05 °C."""
    dew = dew_point_c(np.array(20.0), np.array(0.5))
    assert wet_bulb_c(np.array(20.0), dew) == pytest.approx(13.7, abs=0.1)
    assert dew_point_c(np.array(25.0), np.array(1.0)) == pytest.approx(25.0, abs=1e-6)
    assert wet_bulb_c(np.array(25.0), np.array(25.0)) == pytest.approx(25.0, abs=1e-3)
    for dry_c, dew_c in [(30.0, 20.0), (35.6, 22.0), (12.0, 4.0)]:  # (over water)
        by_hand = wet_bulb_by_hand(dry_c, humidity_ratio_by_hand(dew_c))
        assert wet_bulb_c(np.array(dry_c), np.array(dew_c)) == pytest.approx(by_hand, abs=0.05)


def test_steady_state_cooling_power_and_pue_by_hand(config_factory, tmp_path):
    """100 MW of IT, wet-bulb 24 °C (no free cooling: 24 + 4 = 28 = the return at 18 + 10):
    cooling = 100·f(x*)/(x*·COP) + 5 % of IT (100 MW on 180 MW of chillers: staged at x*),
    COP = η·289.15/18; heat rejected = 100 + compressor; water 1.85 L per kWh of it."""
    result = cooled(config_factory, tmp_path, 30.0, 24.0)
    cop = cop_by_hand(18.0, 24.0)
    assert pytest.approx(0.6982, abs=1e-4) == ETA  # 6.280 / (277.82 / 30.89)
    compressor_mw = 100 * STAGED / cop
    cooling_mw = compressor_mw + 5.0
    s = result.summary
    assert s["energy_mwh"]["cooling"] == pytest.approx(10 * cooling_mw, rel=1e-12)
    assert s["cooling"]["pue"] == pytest.approx(1 + cooling_mw / 100, rel=1e-12)
    heat_mwh = 10 * (100 + compressor_mw)
    assert s["cooling"]["heat_rejected_mwh"] == pytest.approx(heat_mwh, rel=1e-12)
    assert s["cooling"]["water_m3"] == pytest.approx(heat_mwh * 1.85, rel=1e-12)
    assert s["cooling"]["wue_l_per_kwh"] == pytest.approx(heat_mwh * 1.85 / 1000, rel=1e-12)
    assert s["energy_mwh"]["grid"] == pytest.approx(10 * (100 + cooling_mw), rel=1e-12)
    assert s["cooling"]["heat_not_removed_mwh"] == 0.0


def test_free_cooling_below_the_economizer_point(config_factory, tmp_path):
    """Wet-bulb 10 °C: 10 + 4 <= 18, free cooling: only pumps and fans (5 %); PUE 1.05."""
    result = cooled(config_factory, tmp_path, 14.0, 10.0)
    assert result.summary["cooling"]["pue"] == pytest.approx(1.05, rel=1e-12)
    assert result.summary["cooling"]["free_cooling_h"] == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("count", "wet_c", "capacity_mw"),
    [
        (2, 24.0, 80.0),  # N+0 short of 100 MW: 2 × 40
        (3, 24.0, 120.0),  # N+1: enough
        (3, 30.5, 120.0 * 0.95),  # 5 °C above the 25.5 °C rating: 5 % derated
    ],
)
def test_chiller_capacity_and_heat_not_removed(config_factory, tmp_path, count, wet_c, capacity_mw):
    """Heat beyond the online chillers' (derated) capacity is not removed; the compressors
    work on what they remove."""
    result = cooled(
        config_factory, tmp_path, 35.0, wet_c, chillers={"count": count, "capacity_mw": 40}
    )
    removed = min(100.0, capacity_mw)
    cop = cop_by_hand(18.0, wet_c)
    s = result.summary
    assert s["cooling"]["heat_not_removed_mwh"] == pytest.approx(10 * (100 - removed), abs=1e-9)
    compressor_mw = compressor_by_hand(removed, capacity_mw, cop)
    assert s["energy_mwh"]["cooling"] == pytest.approx(10 * (compressor_mw + 5.0), rel=1e-12)
    kinds = result.events["kind"].tolist()
    assert ("cooling_deficit_start" in kinds) == (removed < 100)


def test_heat_wave_raises_the_dry_bulb_in_its_window(config_factory, tmp_path):
    """+6 °C from 2 h for 3 h holding the dew point: the hourly timeseries shows 36 °C in 2–5 h
    and 30 °C outside; the wet-bulb rises to that of 36 °C air with the humidity ratio of
    30 °C/24 °C air (solved by hand), not to a constant-RH one; the PUE rises."""
    result = run(
        config_factory(
            duration_h=8,
            output={"resolution_s": 3600},
            load={"constant_mw": 100},
            weather={
                "csv": weather_csv(tmp_path, 30.0, 24.0),
                "heat_waves": [{"start_h": 2, "duration_h": 3, "delta_c": 6}],
            },
            cooling={"chillers": {"count": 3, "capacity_mw": 60}},
        )
    )
    ts = result.timeseries
    assert ts["dry_bulb_c"].tolist() == pytest.approx([30, 30, 36, 36, 36, 30, 30, 30])
    wet = ts["wet_bulb_c"].to_numpy()
    assert wet[0] == pytest.approx(24.0, abs=0.05)
    held = ((2501 - 2.326 * 24) * humidity_ratio_by_hand(24.0) - 1.006 * 6.0) / (
        2501 + 1.86 * 30 - 4.186 * 24
    )  # W of 30 °C air with a 24 °C wet-bulb (eq. 33)
    assert wet[3] == pytest.approx(wet_bulb_by_hand(36.0, held), abs=0.05)
    assert ts["pue"].iloc[3] > ts["pue"].iloc[0]


def test_a_memphis_year_is_plausible(config_factory):
    """Synthetic Memphis: July's mean near its normal 28.2 °C and January's near 5.1 °C
    (facts.md §11); a liquid-cooled site's PUE in the 1.05–1.20 of new liquid-cooled AI builds
    and its WUE near the ~1.8 L/kWh industry figure (facts.md §10)."""
    result = run(
        config_factory(
            duration_h=8760,
            output={"resolution_s": 3600},
            start="2025-01-01T00:00:00-06:00",
            load={"constant_mw": 100},
            cooling={"chillers": {"count": 3, "capacity_mw": 60}},
        )
    )
    ts = result.timeseries
    month = ts.index.month
    assert ts.loc[month == 7, "dry_bulb_c"].mean() == pytest.approx(28.2, abs=1.5)
    assert ts.loc[month == 1, "dry_bulb_c"].mean() == pytest.approx(5.1, abs=2.0)
    # the wet-bulb exceeded 0.4 % of the year: ASHRAE's evaporation design, ~26.5–27 °C
    assert 25.0 <= np.percentile(ts["wet_bulb_c"], 99.6) <= 28.5
    c = result.summary["cooling"]
    assert 1.05 <= c["pue"] <= 1.20
    assert 1.5 <= c["wue_l_per_kwh"] <= 2.5
    assert 0 < c["free_cooling_h"] < 8760


def test_load_management_asks_the_it_for_the_facilitys_shortfall(config_factory, tmp_path):
    """A 100 MW flexible IT load under a 90 MW import limit, cooling at f(x*)/(x*·COP) + 0.05
    per MW of IT (staged: linear): the IT gives up just enough that IT·(1 + f(x*)/(x*·COP) +
    0.05) = 90; nothing unserved."""
    result = run(
        config_factory(
            duration_h=10,
            load={"constant_mw": 100, "flexible_pu": 0.5},
            grid={"import_limit_mw": 90},
            weather={"csv": weather_csv(tmp_path, 30.0, 24.0)},
            cooling={"chillers": {"count": 3, "capacity_mw": 60}},
            dispatch={"load_management": {"order": ["shed"]}},
            facility={"electrical": "none"},  # the plant alone (losses: test_electrical.py)
        )
    )
    per_it = 1 + STAGED / cop_by_hand(18.0, 24.0) + 0.05  # (staged at x*: linear)
    s = result.summary
    assert s["unserved_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert s["energy_mwh"]["it"] == pytest.approx(10 * 90 / per_it, rel=1e-9)
    assert s["energy_mwh"]["grid"] == pytest.approx(900, rel=1e-9)


def test_chiller_failures_are_drawn_and_repaired(config_factory, tmp_path):
    """Failure rate 100 per 1000 h per unit, 3 units, 100 h: ~30 failures expected."""
    result = run(
        config_factory(
            duration_h=100,
            load={"constant_mw": 100},
            weather={"csv": weather_csv(tmp_path, 30.0, 24.0, hours=200)},
            cooling={
                "chillers": {
                    "count": 3,
                    "capacity_mw": 60,
                    "failure_rate_per_1000h": 100,
                    "repair_h": 2,
                }
            },
        )
    )
    n = result.summary["cooling"]["chiller_failures"]
    assert abs(n - 30) <= 4 * math.sqrt(30)
    kinds = result.events["kind"].tolist()
    assert kinds.count("chiller_repaired") >= n - 3


@pytest.mark.parametrize(
    ("keys", "key", "fragment"),
    [
        ({"weather": {"site": "memphis"}}, "weather", "cooling"),
        (
            {
                "weather": {"site": "atlantis"},
                "cooling": {"chillers": {"count": 1, "capacity_mw": 1}},
            },
            "weather.site",
            "memphis",
        ),
        ({"cooling": {"chillers": {"count": 1}}}, "cooling.chillers.capacity_mw", "missing"),
    ],
)
def test_cooling_keys_are_checked(config_factory, keys, key, fragment):
    with pytest.raises(ConfigError) as info:
        config_factory(load={"constant_mw": 1}, **keys)
    assert_problem(info.value, key, fragment)


def test_synthetic_weather_keys_with_a_csv_are_rejected(config_factory, tmp_path):
    with pytest.raises(ConfigError) as info:
        config_factory(
            load={"constant_mw": 1},
            weather={"csv": weather_csv(tmp_path, 30, 24), "step_h": 2},
            cooling={"chillers": {"count": 1, "capacity_mw": 1}},
        )
    assert_problem(info.value, "weather.step_h", "synthetic")


def test_a_weather_csv_without_humidity_is_rejected(config_factory, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("time_h,dry_bulb_c\n0,20\n")
    with pytest.raises(ConfigError) as info:
        config_factory(
            load={"constant_mw": 1},
            weather={"csv": str(path)},
            cooling={"chillers": {"count": 1, "capacity_mw": 1}},
        )
    assert_problem(info.value, "weather.csv", "wet_bulb_c")


# A computing H100 node (mean power): overhead 10.2 kW DGX H100 maximum − 8 × 700 W (facts §5).
NODE_W = (10_200 - 8 * 700) + 8 * 115 + 8 * (0.7 * 700 + 0.3 * 93)
BASE_W = (10_200 - 8 * 700) + 8 * 115  # its overhead and network share
GPU_W = NODE_W - BASE_W  # its GPUs, computing
STEADY_CLUSTER = {  # 100 H100 nodes computing from t = 0, no checkpoint for days
    "cluster": {"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 800}]},
    "jobs": [{"name": "j", "pool": "p", "gpus": 800, "restart_s": 0, "checkpoint_interval_s": 1e6}],
}


def throttled_cluster(config_factory, tmp_path, capacity_mw, heat_capacity=10.0, **keys):
    """100 H100 nodes computing from t = 0 (no restart, no checkpoint in the hour); one
    chiller of ``capacity_mw``; wet-bulb 24 °C (no free cooling, no derating)."""
    return run(
        config_factory(
            duration_h=1,
            output={"resolution_s": 60},
            **STEADY_CLUSTER,
            weather={"csv": weather_csv(tmp_path, 30.0, 24.0)},
            cooling={
                "chillers": {"count": 1, "capacity_mw": capacity_mw},
                "loop_heat_capacity_mj_per_c": heat_capacity,
                **keys,
            },
            facility={"electrical": "none"},  # the plant alone (losses: test_electrical.py)
        )
    )  # fmt: skip


def test_the_loop_reaches_the_throttle_point_at_the_analytic_time(config_factory, tmp_path):
    """Heat 0.786 MW against 0.7 MW of chillers warms a 10 MJ/°C loop at (P − 0.7)/10 °C/s:
    the 5 °C throttle rise comes at 50 / (P − 0.7) s. Then the GPUs throttle so that the
    cluster draws 0.7 MW: cap = (7,000 − base)/GPU power per node; the job computes at
    cap^0.3 of its speed from then; the loop holds at 18 + 5 °C."""
    p_mw = 100 * NODE_W / 1e6
    result = throttled_cluster(config_factory, tmp_path, 0.7)
    t_throttle = 5 * 10 / (p_mw - 0.7)
    ev = result.events
    throttle_at = ev.loc[ev["kind"] == "gpu_throttle", "time_h"].iloc[0] * 3600
    assert throttle_at == pytest.approx(t_throttle, rel=1e-9)
    cap = (0.7e6 / 100 - BASE_W) / GPU_W
    j = result.summary["jobs"]["j"]
    assert j["goodput_h"] * 3600 == pytest.approx(
        t_throttle + (3600 - t_throttle) * cap**0.3, rel=1e-9
    )
    c = result.summary["cooling"]
    assert c["coolant_max_c"] == pytest.approx(23.0, rel=1e-9)
    assert c["throttled_h"] == pytest.approx((3600 - t_throttle) / 3600, rel=1e-9)
    assert result.timeseries["coolant_c"].iloc[-1] == pytest.approx(23.0, rel=1e-9)
    assert c["shutdowns"] == 0
    # 800 GPUs computing under the throttle from t_throttle, each losing 1 − cap^0.3
    assert c["throttled_gpu_h"] == pytest.approx(800 * (3600 - t_throttle) / 3600, rel=1e-9)
    lost_gpu_h = 800 * (3600 - t_throttle) * (1 - cap**0.3) / 3600
    assert c["throttle_lost_gpu_h"] == pytest.approx(lost_gpu_h, rel=1e-9)


def test_heat_the_throttle_cannot_hold_shuts_the_nodes_down(config_factory, tmp_path):
    """0.3 MW of chillers: throttling to 0 leaves 100 × base = 0.372 MW of heat, so the loop
    goes on warming at 0.072/10 °C/s from the throttle point to the 10 °C shutdown rise: the
    job is shed there and loses its compute since the start (no checkpoint yet)."""
    p_mw = 100 * NODE_W / 1e6
    result = throttled_cluster(config_factory, tmp_path, 0.3)
    t1 = 5 * 10 / (p_mw - 0.3)
    t2 = t1 + 5 * 10 / (100 * BASE_W / 1e6 - 0.3)
    ev = result.events
    shutdown_at = ev.loc[ev["kind"] == "cooling_shutdown", "time_h"].iloc[0] * 3600
    assert shutdown_at == pytest.approx(t2, rel=1e-9)
    j = result.summary["jobs"]["j"]
    assert j["shed"] >= 1
    # compute done before the shutdown: t1 at full speed, then none (throttled to 0)
    assert j["lost_h"] * 3600 >= t1 * (1 - 1e-9)


@pytest.mark.parametrize(("count", "throttles"), [(1, True), (2, False)])
def test_n_plus_1_rides_a_heat_wave_that_throttles_n_plus_0(
    config_factory, tmp_path, count, throttles
):
    """Chillers of 0.8 MW each (rated at 25.5 °C wet-bulb) for the 0.786 MW cluster; a heat
    wave (+8 °C dry-bulb at the same RH) raises the wet-bulb well above the rating, derating
    one unit below the load: with N+0 the GPUs throttle and the job's ETTR drops below 1; with
    N+1 nothing happens."""
    result = run(
        config_factory(
            duration_h=6,
            **STEADY_CLUSTER,
            weather={
                "csv": weather_csv(tmp_path, 30.0, 24.0),
                "heat_waves": [{"start_h": 1, "duration_h": 4, "delta_c": 8}],
            },
            cooling={
                "chillers": {"count": count, "capacity_mw": 0.8},
                "loop_heat_capacity_mj_per_c": 10.0,
            },
        )
    )  # fmt: skip
    c = result.summary["cooling"]
    assert (c["throttled_h"] > 0) == throttles
    ettr = result.summary["jobs"]["j"]["ettr"]
    assert (ettr < 0.999) == throttles


@pytest.mark.parametrize("on_backup", [True, False])
def test_chillers_off_backup_stop_in_an_outage_and_restart_late(
    config_factory, tmp_path, on_backup
):
    """A 1 h outage at 0.5 h, the grid's loss carried by a big battery. Chillers on backup
    keep cooling: the loop never warms. Off backup they stop: the loop warms at P/C (no heat
    removed), the GPUs throttle at 5·C/P s, throttled to nothing the nodes' base power still
    warms it to the shutdown rise 5·C/base later; the chillers cool again 600 s after the
    grid returns (events at the hand times)."""
    p_mw = 100 * NODE_W / 1e6
    result = run(
        config_factory(
            duration_h=3,
            **STEADY_CLUSTER,
            grid={"outages": [{"start_h": 0.5, "duration_h": 1}]},
            battery={"energy_mwh": 10, "power_mw": 5},
            weather={"csv": weather_csv(tmp_path, 30.0, 24.0)},
            cooling={
                "chillers": {"count": 2, "capacity_mw": 1, "on_backup": on_backup},
                "loop_heat_capacity_mj_per_c": 10.0,
            },
        )
    )
    ev = result.events
    c = result.summary["cooling"]
    if on_backup:
        assert c["throttled_h"] == 0.0
        assert c["coolant_max_c"] == pytest.approx(18.0)
        assert "chillers_off" not in ev["kind"].tolist()
        return
    at = {k: ev.loc[ev["kind"] == k, "time_h"].iloc[0] * 3600 for k in ("chillers_off",
          "gpu_throttle", "cooling_shutdown", "chillers_on")}  # fmt: skip
    assert at["chillers_off"] == pytest.approx(1800.0)
    assert at["gpu_throttle"] == pytest.approx(1800 + 50 / p_mw, rel=1e-9)
    t_shutdown = 1800 + 50 / p_mw + 50 / (100 * BASE_W / 1e6)
    assert at["cooling_shutdown"] == pytest.approx(t_shutdown, rel=1e-9)
    assert at["chillers_on"] == pytest.approx(5400 + 600, rel=1e-12)
    assert result.summary["jobs"]["j"]["shed"] >= 1


def test_jobs_shut_down_by_the_coolant_come_back_when_it_cools(config_factory, tmp_path):
    """Review regression: 0.3 MW of chillers shut the job down (see above); with no heat the
    loop falls at 0.3/10 °C/s from the 10 °C rise: it passes the 5 °C throttle rise
    5·10/0.3 s later — an event — and the job restarts then (it used to stay off)."""
    result = throttled_cluster(config_factory, tmp_path, 0.3)
    ev = result.events
    shutdown_s = ev.loc[ev["kind"] == "cooling_shutdown", "time_h"].iloc[0] * 3600
    resumed = ev.loc[ev["kind"] == "job_resumed", "time_h"] * 3600
    assert len(resumed) >= 1
    assert resumed.iloc[0] == pytest.approx(shutdown_s + 5 * 10 / 0.3, rel=1e-9)


def test_heat_nobody_sheds_holds_the_loop_at_the_hard_limit(config_factory, tmp_path):
    """Review regression: an exogenous 100 MW load on 60 MW of chillers (C = 4000 MJ/°C) used
    to heat the loop without bound; it is held at supply + the 10 °C shutdown rise, and the
    heat not removed is reported: 40 MW × 24 h."""
    result = run(
        config_factory(
            duration_h=24,
            load={"constant_mw": 100},
            weather={"csv": weather_csv(tmp_path, 30.0, 24.0)},
            cooling={"chillers": {"count": 1, "capacity_mw": 60}},
        )
    )
    c = result.summary["cooling"]
    assert c["coolant_max_c"] == pytest.approx(18.0 + 10.0)
    assert c["heat_not_removed_mwh"] == pytest.approx(40 * 24, rel=1e-9)


def test_a_heat_wave_leaves_a_traces_other_hours_alone(config_factory, tmp_path):
    """Review regression: a heat wave outside the run rewrote every hour's wet-bulb through
    the humidity round trip; the trace's own 40 °C / 12 °C must stay."""
    csv = weather_csv(tmp_path, 40.0, 12.0)
    result = run(
        config_factory(
            duration_h=4,
            output={"resolution_s": 3600},
            load={"constant_mw": 1},
            weather={"csv": csv, "heat_waves": [{"start_h": 100, "duration_h": 1, "delta_c": 5}]},
            cooling={"chillers": {"count": 1, "capacity_mw": 2}},
        )
    )
    assert result.timeseries["wet_bulb_c"].tolist() == pytest.approx([12.0] * 4)


def test_the_loop_stops_at_each_limit_it_heads_for():
    """Review regression: a hair below the throttle rise, heading up, the loop's next limit is
    the shutdown rise, and advancing to it gets there (it used to snap back)."""
    from sim.config import CoolingConfig
    from sim.cooling import CoolingPlant
    from sim.recorder import Recorder
    from sim.weather import Weather

    plant = CoolingPlant(
        CoolingConfig(chillers={"count": 1, "capacity_mw": 1}),
        Weather(np.array([0.0]), np.array([30.0]), np.array([24.0])),
        np.random.default_rng(0),
        Recorder(),
    )
    plant.excess_c, plant.rate_c_per_s = 5.0 - 1e-12, 0.05
    assert plant.next_s() == pytest.approx(100.0)
    plant.advance(plant.next_s())
    assert plant.excess_c == 10.0
    plant.rate_c_per_s = -0.05
    assert plant.next_s() == pytest.approx(100.0)  # down to the throttle rise first


def test_cooling_by_month_splits_the_run_at_local_month_starts(config_factory, tmp_path):
    """24 h from 31 January 12:00 (UTC−6) at a constant 100 MW of IT and constant weather:
    January and February get 12 h each — 1,200 MWh of IT — and each month's PUE, WUE and water
    equal the run's (water = heat rejected [MWh] × 1.85 m³/MWh)."""
    result = run(
        config_factory(
            duration_h=24,
            start="2025-01-31T12:00:00-06:00",
            load={"constant_mw": 100},
            weather={"csv": weather_csv(tmp_path, 30.0, 24.0)},
            cooling={"chillers": {"count": 3, "capacity_mw": 60}},
        )
    )
    c = result.summary["cooling"]
    assert [m["month"] for m in c["by_month"]] == ["2025-01", "2025-02"]
    for month in c["by_month"]:
        assert month["it_mwh"] == pytest.approx(1200.0, rel=1e-12)
        assert month["pue"] == pytest.approx(c["pue"], rel=1e-12)
        assert month["wue_l_per_kwh"] == pytest.approx(c["wue_l_per_kwh"], rel=1e-12)
        assert month["water_m3"] == pytest.approx(c["water_m3"] / 2, rel=1e-12)


@pytest.mark.parametrize(
    ("outage_h", "duration_h", "into_mj", "not_removed_mj"),
    [
        # 0.1 h outage + the 600 s restart: 960 s of 100 MW into C = 20,000 MJ/°C (4.8 °C,
        # below every limit); 120 - 100 = 20 MW pull it back in 4,800 s, before the 3 h end.
        (0.1, 3.0, 100 * 960, 0.0),
        # the run ends 360 s into a 1 h outage: the loop still holds all it took.
        (1.0, 0.6, 100 * 360, 100 * 360),
    ],
)
def test_heat_not_removed_is_what_the_plant_never_removed(
    config_factory, tmp_path, outage_h, duration_h, into_mj, not_removed_mj
):
    """Issue 16 §5: `heat_not_removed_mwh` integrated all the heat that went into the loop's
    storage (most of it removed later). Now it is the heat never removed — held at the hard
    limit, or still in the loop at the end, C·ΔT — and `heat_into_loop_mwh` is the old
    integral. 100 MW of exogenous IT on 2 × 60 MW of chillers off backup; a grid outage
    at 0.5 h stops them (the battery carries the IT): the loop takes 100 MW while they are off."""
    result = run(
        config_factory(
            duration_h=duration_h,
            load={"constant_mw": 100},
            grid={"outages": [{"start_h": 0.5, "duration_h": outage_h}]},
            battery={"energy_mwh": 1000, "power_mw": 300},
            weather={"csv": weather_csv(tmp_path, 30.0, 24.0)},
            cooling={
                "chillers": {"count": 2, "capacity_mw": 60, "on_backup": False},
                "loop_heat_capacity_mj_per_c": 20_000.0,
            },
            facility={"electrical": "none"},
        )
    )
    c = result.summary["cooling"]
    assert c["heat_into_loop_mwh"] == pytest.approx(into_mj / 3600, rel=1e-9)
    assert c["heat_not_removed_mwh"] == pytest.approx(not_removed_mj / 3600, rel=1e-9, abs=1e-9)
