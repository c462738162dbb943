"""Climate truth: the synthetic year against ASHRAE's design values, EPW files read by pvlib
and laid on the run by month, day and local standard time."""

from __future__ import annotations

import datetime as dt
import functools
import math

import numpy as np
import pytest

from sim import psychro
from sim.climate import builtin_sites, site_climate, synthetic
from sim.config import ConfigError
from sim.rng import stream
from sim.runner import run
from sim.weather_files import read_epw

SEEDS = range(20)
START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


@functools.cache
def design_year(site: str) -> tuple[list[float], list[float], list[int]]:
    """Over 20 seeds: each synthetic year's 0.4 % dry-bulb and wet-bulb [°C] and its hours
    above the site's ASHRAE 0.4 % wet-bulb."""
    climate = site_climate(site)
    pressure = psychro.pressure_pa(climate.elevation_m)
    db, wb, hours = [], [], []
    for seed in SEEDS:
        _, dry, dew = synthetic(climate, START, 8760.0, stream(seed, "weather"))
        wet = psychro.wet_bulb_c(dry, dew, pressure)
        db.append(float(np.quantile(dry, 0.996)))
        wb.append(float(np.quantile(wet, 0.996)))
        hours.append(int((wet > climate.design["wb_0_4_c"]).sum()))
    return db, wb, hours


@pytest.mark.parametrize("site", builtin_sites())
def test_the_synthetic_years_design_values_are_ashraes(site):
    """Over 20 seeds the synthetic year's 0.4 % dry-bulb and wet-bulb fall within ±1 °C of the
    site's ASHRAE 2009 design values (cooling 0.4 % DB; evaporation 0.4 % WB), each cited in
    the data file. (The dry-bulb's spread is calibrated to its value — docs/climate/
    calibrate.py — so that check guards the calibration; the wet-bulb is not calibrated.)"""
    climate = site_climate(site)
    db, wb, _ = design_year(site)
    assert np.mean(db) == pytest.approx(climate.design["db_0_4_c"], abs=1.0)
    assert np.mean(wb) == pytest.approx(climate.design["wb_0_4_c"], abs=1.0)
    assert "ASHRAE" in climate_source(site)
    assert climate.station


def climate_source(site: str) -> str:
    import yaml

    from sim.climate import DATA_FILE

    return yaml.safe_load(DATA_FILE.read_text())[site]["design"]["source"]


def test_memphis_spends_tens_of_hours_above_its_design_wet_bulb():
    """ASHRAE's 0.4 % is 35 h of a year by definition; the synthetic Memphis year spends tens
    of hours above it (168 h before the dew point had its own anomaly)."""
    _, _, hours = design_year("memphis")
    assert 15 <= np.mean(hours) <= 70


def test_a_heat_wave_holds_the_dew_point_on_synthetic_weather(config_factory):
    """+8 °C for a day in July: inside the window the dry-bulb is 8 °C higher than the same
    seed without the wave and the dew point (recovered from dry and wet by the psychrometric
    equation) the same; the wet-bulb rises by less than 8 °C (at constant RH it would rise
    ~6 °C; holding the moisture, ~2–3 °C)."""

    def day(waves):
        return run(
            config_factory(
                duration_h=48,
                start="2025-07-15T00:00:00-05:00",
                output={"resolution_s": 3600},
                load={"constant_mw": 10},
                weather={"site": "memphis", "heat_waves": waves},
                cooling={"chillers": {"count": 2, "capacity_mw": 10}},
            )
        ).timeseries

    calm, hot = day([]), day([{"start_h": 24, "duration_h": 24, "delta_c": 8}])
    inside = np.arange(24, 48)
    assert hot["dry_bulb_c"].to_numpy()[inside] == pytest.approx(
        calm["dry_bulb_c"].to_numpy()[inside] + 8.0
    )
    p = psychro.pressure_pa(site_climate("memphis").elevation_m)
    dew_calm = psychro.dew_point_from_wet_bulb_c(
        calm["dry_bulb_c"].to_numpy()[inside], calm["wet_bulb_c"].to_numpy()[inside], p
    )
    dew_hot = psychro.dew_point_from_wet_bulb_c(
        hot["dry_bulb_c"].to_numpy()[inside], hot["wet_bulb_c"].to_numpy()[inside], p
    )
    assert dew_hot == pytest.approx(dew_calm, abs=0.01)
    rise = hot["wet_bulb_c"].to_numpy()[inside] - calm["wet_bulb_c"].to_numpy()[inside]
    assert np.all((rise > 1.0) & (rise < 4.0))
    assert np.array_equal(hot["dry_bulb_c"].to_numpy()[:24], calm["dry_bulb_c"].to_numpy()[:24])


# ---- EPW files -----------------------------------------------------------------------------

EPW_HEADER = [
    "LOCATION,Testville,TN,USA,TMY3,999999,35.0,-90.0,{tz},81.0",
    "DESIGN CONDITIONS,0",
    "TYPICAL/EXTREME PERIODS,0",
    "GROUND TEMPERATURES,0",
    "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
    "COMMENTS 1,written by tests/test_climate.py",
    "COMMENTS 2,",
    "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
]
DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def epw_dry_c(hour_of_year: int) -> float:
    """The test file's dry-bulb: a value that names its hour (0.001 °C per hour, from 0 °C)."""
    return round(0.001 * hour_of_year, 3)


def write_epw(path, tz_h=-6.0, bad_row=None, rows=8760, dew_c=5.0, pressure_pa=99_000):
    """A full typical year in EPW format (8 header lines, 35 fields a row): dry-bulb
    :func:`epw_dry_c`, dew point ``dew_c``, irradiance 100/200/50 W/m² by day."""
    lines = [h.format(tz=tz_h) for h in EPW_HEADER]
    k = 0
    for month, days in enumerate(DAYS_IN_MONTH, start=1):
        for day in range(1, days + 1):
            for hour in range(1, 25):
                day_time = 6 <= hour <= 18
                fields = [
                    1999,
                    month,
                    day,
                    hour,
                    60,
                    "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9",
                ]
                dry = 99.9 if k == bad_row else epw_dry_c(k)
                fields += [dry, min(dew_c, dry), 50, pressure_pa, 0, 1415, 300]
                fields += [200 if day_time else 0, 100 if day_time else 0, 50 if day_time else 0]
                fields += [0] * 4 + [180, 2.0, 5, 5, 16.0, 77777, 9, "999999999", 10, 0.1, 0, 88]
                fields += [0.2, 0, 1.0]
                lines.append(",".join(str(f) for f in fields))
                k += 1
    path.write_text("\n".join(lines[: 8 + rows]) + "\n")
    return path


def test_an_epw_file_is_read_with_pvlib(tmp_path):
    """The reader returns each hour of the year in order, the file's dew point and pressure,
    the wet-bulb of the psychrometric equation at that pressure, and the irradiance."""
    year = read_epw(write_epw(tmp_path / "t.epw"))
    assert year.utc_offset_h == -6.0
    assert year.dry_bulb_c[[0, 1, 4000, 8759]] == pytest.approx([0.0, 0.001, 4.0, 8.759])
    assert np.all(year.dew_point_c == np.minimum(5.0, year.dry_bulb_c))
    k = 4000  # 4 °C air with a 4 °C dew point (saturated): wet-bulb = 4 °C
    assert year.wet_bulb_c[k] == pytest.approx(4.0, abs=1e-3)
    k = 8000  # 8 °C, dew 5 °C at 99 kPa, by psychrolib against Magnus by hand within 0.05
    w = 0.621945 * magnus_pa(5.0) / (99_000 - magnus_pa(5.0))
    assert year.wet_bulb_c[k] == pytest.approx(wet_bulb_by_hand(8.0, w, 99_000), abs=0.05)
    assert year.irradiance["ghi"][12] == 200
    assert year.irradiance["dni"][0] == 0


def magnus_pa(t_c: float) -> float:
    return 610.94 * math.exp(17.625 * t_c / (t_c + 243.04))


def wet_bulb_by_hand(dry_c: float, w: float, p_pa: float) -> float:
    """ASHRAE eq. 33 solved for the wet-bulb by bisection (Magnus saturation)."""
    lo, hi = -20.0, dry_c
    for _ in range(60):
        t = (lo + hi) / 2
        w_s = 0.621945 * magnus_pa(t) / (p_pa - magnus_pa(t))
        w_t = ((2501 - 2.326 * t) * w_s - 1.006 * (dry_c - t)) / (2501 + 1.86 * dry_c - 4.186 * t)
        lo, hi = (t, hi) if w_t < w else (lo, t)
    return (lo + hi) / 2


def test_an_epw_year_is_laid_on_the_run_by_local_standard_time(config_factory, tmp_path):
    """A run starting 2024-12-31 23:00 UTC−5 (22:00 in the file's UTC−6) for 3 h: its hours
    take the file's 31 December 22:00 and 23:00, then 1 January 00:00 (the year wraps)."""
    dry = hourly_dry_bulbs(
        config_factory, write_epw(tmp_path / "t.epw"), "2024-12-31T23:00:00-05:00", 3
    )
    dec31_22h = (365 - 1) * 24 + 22
    assert dry == pytest.approx([epw_dry_c(dec31_22h), epw_dry_c(dec31_22h + 1), epw_dry_c(0)])


def test_29_february_takes_the_28ths_hours(config_factory, tmp_path):
    """2024 is a leap year; a typical year has no 29 February: its hours repeat the 28th's, and
    1 March is the file's 1 March."""
    path = write_epw(tmp_path / "t.epw", tz_h=0.0)
    dry = hourly_dry_bulbs(config_factory, path, "2024-02-29T00:00:00+00:00", 48)
    feb28 = (31 + 27) * 24
    expected = [epw_dry_c(feb28 + h) for h in range(24)] + [
        epw_dry_c(feb28 + 24 + h) for h in range(24)
    ]
    assert dry == pytest.approx(expected)


def hourly_dry_bulbs(config_factory, epw_path, start: str, duration_h: float) -> list[float]:
    """The hourly dry-bulb of a cooled run on the EPW file from ``start``."""
    ts = run(
        config_factory(
            duration_h=duration_h,
            start=start,
            output={"resolution_s": 3600},
            load={"constant_mw": 10},
            weather={"epw": str(epw_path)},
            cooling={"chillers": {"count": 2, "capacity_mw": 10}},
        )
    ).timeseries
    return ts["dry_bulb_c"].tolist()


@pytest.mark.parametrize(
    ("keys", "fragment"),
    [
        ({"bad_row": 100}, "data row 101: temp_air (dry-bulb) 99.9 is outside"),
        ({"rows": 8759}, "8,760 rows"),
        ({"pressure_pa": 999999}, "atmospheric_pressure 999999 is outside"),
    ],
)
def test_a_bad_epw_file_is_a_config_problem(config_factory, tmp_path, keys, fragment):
    path = write_epw(tmp_path / "t.epw", **keys)
    with pytest.raises(ConfigError) as info:
        config_factory(
            duration_h=3,
            load={"constant_mw": 10},
            weather={"epw": str(path)},
            cooling={"chillers": {"count": 2, "capacity_mw": 10}},
        )
    [problem] = info.value.problems
    assert problem.key == ("weather", "epw")
    assert fragment in problem.message


def test_one_weather_source_only(config_factory, tmp_path):
    path = write_epw(tmp_path / "t.epw")
    with pytest.raises(ConfigError) as info:
        config_factory(
            duration_h=3,
            load={"constant_mw": 10},
            weather={"epw": str(path), "site": "memphis"},
            cooling={"chillers": {"count": 2, "capacity_mw": 10}},
        )
    assert "give one of site, epw, csv" in str(info.value)


def test_runs_sharing_their_weather_build_it_once_and_a_zone_is_its_own():
    """The same site, start, seed and spread give the very same (read-only) trace; the same
    instant on another clock is another weather (the local hours differ)."""
    from zoneinfo import ZoneInfo

    from sim.weather import synthetic_trace

    chicago = dt.datetime(2025, 7, 1, tzinfo=ZoneInfo("America/Chicago"))
    first = synthetic_trace("memphis", chicago, 48.0, 0, 1.0, None, None)
    assert synthetic_trace("memphis", chicago, 48.0, 0, 1.0, None, None) is first
    assert not first.dry_bulb_c.flags.writeable
    utc = chicago.astimezone(dt.timezone.utc)  # (equal to chicago: the same instant)
    other = synthetic_trace("memphis", utc, 48.0, 0, 1.0, None, None)
    assert other is not first
    assert int(np.argmax(other.dry_bulb_c[:24])) != int(np.argmax(first.dry_bulb_c[:24]))


def test_a_shorter_run_has_the_start_of_a_longer_runs_weather():
    """The same seed over 744 h and over 1,488 h: the first 744 hours are the same (the
    day-to-day anomalies are drawn day by day, not per series)."""
    climate = site_climate("memphis")
    _, dry_short, dew_short = synthetic(climate, START, 744.0, stream(3, "weather"))
    _, dry_long, dew_long = synthetic(climate, START, 1488.0, stream(3, "weather"))
    assert np.array_equal(dry_short, dry_long[:744])
    assert np.array_equal(dew_short, dew_long[:744])
