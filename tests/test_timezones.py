"""Sites in their own time zone (``site.timezone``), against hand-computed UTC instants.

The clock rules the expected values rest on (not dcsim's): US Central time is UTC-6 (CST) and
UTC-5 in daylight saving (CDT), Eastern UTC-5 (EST) and UTC-4 (EDT); since the Energy Policy Act
of 2005 daylight saving starts at 02:00 local on the second Sunday of March and ends at 02:00 on
the first Sunday of November: 2025-03-09 (a 23-h day) and 2025-11-02 (a 25-h day).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.config import ConfigError, TariffConfig, WeatherConfig, dump_config, load_config
from sim.facility import build_weather
from sim.results import read_result
from sim.runner import run
from sim.signals import month_lengths_s, month_starts_s, tou_schedule
from tests.bad_configs import write

UTC = dt.timezone.utc
CHICAGO = "America/Chicago"

ON_PEAK_14_20_EVERY_DAY = {
    "seasons": [
        {
            "months": list(range(1, 13)),
            "on_peak_hours": [14, 20],
            "on_peak_usd_per_mwh": 100,
            "off_peak_usd_per_mwh": 40,
            "weekdays_only": False,  # (2025-03-09 and 2025-11-02 are Sundays)
        }
    ]
}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def hours_between(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 3600


# --- the start ---------------------------------------------------------------------------------


def test_the_default_start_is_local_midnight_of_the_site(config_factory):
    """No start: 2025-01-01 00:00 CST = 06:00 UTC; with no site.timezone, 00:00 UTC as before."""
    config = config_factory(site={"timezone": CHICAGO}, load={"constant_mw": 1})
    assert config.start == utc(2025, 1, 1, 6)
    assert config.start.tzinfo == zoneinfo.ZoneInfo(CHICAGO)
    assert config_factory(load={"constant_mw": 1}).start == utc(2025, 1, 1, 0)


def test_a_start_without_offset_is_the_sites_wall_clock(config_factory):
    """2025-07-01 00:00 in Chicago is CDT: 05:00 UTC; in January, CST: 06:00 UTC."""
    july = config_factory(
        site={"timezone": CHICAGO}, start="2025-07-01T00:00:00", load={"constant_mw": 1}
    )
    january = config_factory(
        site={"timezone": CHICAGO}, start="2025-01-15T00:00:00", load={"constant_mw": 1}
    )
    assert july.start == utc(2025, 7, 1, 5)
    assert january.start == utc(2025, 1, 15, 6)


def test_a_start_with_the_zones_offset_keeps_working(config_factory):
    config = config_factory(
        site={"timezone": CHICAGO}, start="2025-10-01T00:00:00-05:00", load={"constant_mw": 1}
    )
    assert config.start == utc(2025, 10, 1, 5)
    assert config.start.hour == 0  # (00:00 on the site's clock)


def test_without_a_zone_a_start_keeps_its_fixed_offset(config_factory):
    """Configs from before site.timezone: the local clock is start's offset, no daylight saving."""
    config = config_factory(start="2025-03-08T00:00:00-06:00", load={"constant_mw": 1})
    assert config.zone.utcoffset(None) == dt.timedelta(hours=-6)
    # a tariff over the spring-forward day keeps 14:00 at -06:00: 20:00 UTC on 9 March
    schedule = tou_schedule(TariffConfig.model_validate(ON_PEAK_14_20_EVERY_DAY), config.start, 48)
    on = schedule.times_s[schedule.values == 100] / 3600
    assert on.tolist() == [14.0, 38.0]  # 2025-03-08 and 03-09 at 14:00 -06:00


@pytest.mark.parametrize(
    ("keys", "fragment"),
    [
        ({"start": "2025-07-01T00:00:00"}, "has no UTC offset: write one"),
        (
            {"site": {"timezone": CHICAGO}, "start": "2025-01-01T00:00:00-05:00"},
            "write 2024-12-31T23:00:00-06:00 (this instant), or 2025-01-01T00:00:00 without",
        ),
        (
            {"site": {"timezone": CHICAGO}, "start": "2025-03-09T02:30:00"},
            "does not exist in America/Chicago (the clocks spring forward over it)",
        ),
        (
            {"site": {"timezone": CHICAGO}, "start": "2025-11-02T01:30:00"},
            "2025-11-02T01:30:00-05:00 for the first or 2025-11-02T01:30:00-06:00 for the second",
        ),
    ],
)
def test_a_start_the_site_cannot_read_is_refused_saying_what_to_write(
    config_factory, keys, fragment
):
    with pytest.raises(ConfigError) as info:
        config_factory(load={"constant_mw": 1}, **keys)
    (problem,) = info.value.problems
    assert problem.key == ("start",)
    assert fragment in problem.message


def test_the_second_0130_of_the_fall_back_day_survives_config_yaml(tmp_path, config_factory):
    """01:30 -06:00 on 2025-11-02 is 07:30 UTC, the hour after 01:30 -05:00 (06:30 UTC)."""
    config = config_factory(
        site={"timezone": CHICAGO}, start="2025-11-02T01:30:00-06:00", load={"constant_mw": 1}
    )
    # (compared in UTC: python finds a fold=1 time unequal to any in another zone, PEP 495)
    assert config.start.astimezone(UTC) == utc(2025, 11, 2, 7, 30)
    assert pd.Timestamp(config.start) == pd.Timestamp(utc(2025, 11, 2, 7, 30))
    again = load_config(write(tmp_path / "again.yaml", dump_config(config)))
    assert again.start.astimezone(UTC) == utc(2025, 11, 2, 7, 30)
    assert again.start.utcoffset() == dt.timedelta(hours=-6)


def test_an_unknown_zone_exits_2_naming_the_key(tmp_path, capsys):
    path = write(
        tmp_path / "bad.yaml",
        "name: bad\nduration_h: 1\nload: {constant_mw: 1}\nsite: {timezone: Europe/Atlantis}\n",
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: site.timezone: unknown time zone 'Europe/Atlantis'" in err
    assert "America/Chicago" in err  # (an example of a valid name)
    assert "start:" not in err  # (no second problem from the default start)


# --- the tariff's hours ------------------------------------------------------------------------


def test_on_peak_hours_follow_daylight_saving_on_the_spring_forward_day(config_factory):
    """From 2025-03-09 00:00 CST (06:00 UTC), on peak 14–20 local: on 9 March CDT already,
    19:00–01:00 UTC = 13–19 h into the run; on 10 March 37–43 h. A 48-h run at 10 MW: 12 h
    on peak, 36 h off."""
    t0 = utc(2025, 3, 9, 6)
    expected_on = [
        (hours_between(t0, utc(2025, 3, 9, 19)), hours_between(t0, utc(2025, 3, 10, 1))),
        (hours_between(t0, utc(2025, 3, 10, 19)), hours_between(t0, utc(2025, 3, 11, 1))),
    ]
    assert expected_on == [(13.0, 19.0), (37.0, 43.0)]
    config = config_factory(
        site={"timezone": CHICAGO},
        start="2025-03-09T00:00:00",
        duration_h=48,
        load={"constant_mw": 10},
        grid={"tariff": ON_PEAK_14_20_EVERY_DAY},
        output={"resolution_s": 3600},
    )
    assert config.grid.tariff is not None
    schedule = tou_schedule(config.grid.tariff, config.start, config.duration_h)
    changes_h = (schedule.times_s / 3600).tolist()
    assert changes_h[:5] == [0.0, 13.0, 19.0, 37.0, 43.0]
    assert schedule.values[:5].tolist() == [40, 100, 40, 100, 40]

    result = run(config)
    assert result.summary["cost_usd"]["energy"] == pytest.approx(
        10 * (12 * 100 + 36 * 40), rel=1e-12
    )
    on = result.timeseries["time_h"][result.timeseries["price_usd_per_mwh"] == 100]
    assert on.tolist() == [*range(13, 19), *range(37, 43)]


def test_on_peak_hours_follow_daylight_saving_on_the_fall_back_day(config_factory):
    """From 2025-11-02 00:00 CDT (05:00 UTC): 14:00 CST is 20:00 UTC, 15 h into the run."""
    config = config_factory(
        site={"timezone": CHICAGO},
        start="2025-11-02T00:00:00",
        duration_h=24,
        load={"constant_mw": 1},
        grid={"tariff": ON_PEAK_14_20_EVERY_DAY},
    )
    assert config.grid.tariff is not None
    schedule = tou_schedule(config.grid.tariff, config.start, config.duration_h)
    t0 = utc(2025, 11, 2, 5)
    assert (schedule.times_s[:3] / 3600).tolist() == [
        0.0,
        hours_between(t0, utc(2025, 11, 2, 20)),
        hours_between(t0, utc(2025, 11, 3, 2)),
    ]
    assert (schedule.times_s[1], schedule.times_s[2]) == (15 * 3600.0, 21 * 3600.0)


# --- months ------------------------------------------------------------------------------------


def test_a_dst_month_is_not_whole_days_and_a_whole_one_pays_in_full(config_factory):
    """March 2025 in Chicago: 2025-03-01 06:00 UTC to 2025-04-01 05:00 UTC = 743 h; a run of
    exactly that month pays its whole demand charge: 10 MW × 1,000 kW/MW × 10 USD/kW-month."""
    march_h = hours_between(utc(2025, 3, 1, 6), utc(2025, 4, 1, 5))
    assert march_h == 31 * 24 - 1
    config = config_factory(
        site={"timezone": CHICAGO},
        start="2025-03-01T00:00:00",
        duration_h=march_h,
        load={"constant_mw": 10},
        grid={"demand_charge_usd_per_kw_month": 10},
        output={"resolution_s": 3600},
    )
    months = month_starts_s(config.start, config.duration_h * 3600)
    assert months.tolist() == [0.0]
    assert month_lengths_s(config.start, months).tolist() == [march_h * 3600]
    summary = run(config).summary
    (month,) = summary["grid_by_month"]
    assert month["month"] == "2025-03"
    assert month["demand_billed_pu"] == 1.0
    assert summary["cost_usd"]["demand"] == pytest.approx(10 * 1000 * 10, rel=1e-12)


def test_month_starts_are_local_midnights_across_the_year():
    """From 2025-01-01 00:00 CST: 1 April 00:00 CDT is 2025-04-01 05:00 UTC, 1 December 00:00
    CST 2025-12-01 06:00 UTC."""
    start = dt.datetime(2025, 1, 1, tzinfo=zoneinfo.ZoneInfo(CHICAGO))
    months = month_starts_s(start, 365 * 86_400.0)
    t0 = utc(2025, 1, 1, 6)
    assert months[3] / 3600 == hours_between(t0, utc(2025, 4, 1, 5))
    assert months[11] / 3600 == hours_between(t0, utc(2025, 12, 1, 6))
    lengths_h = month_lengths_s(start, months) / 3600
    assert lengths_h[2] == 31 * 24 - 1  # March
    assert lengths_h[10] == 30 * 24 + 1  # November
    assert lengths_h[0] == lengths_h[11] == 31 * 24


# --- the weather's day -------------------------------------------------------------------------


def warmest_utc(config, day: int = 0) -> dt.datetime:
    """UTC instant of the warmest hour of the run's ``day``-th 24 h (no day-to-day noise)."""
    calm = config.model_copy(update={"weather": WeatherConfig(daily_sd_c=0.0)})
    hours = np.arange(24 * day, 24 * (day + 1) + 1, dtype=float)
    dry, _ = build_weather(calm).mean_over(hours * 3600)  # (hourly steps: each hour's value)
    return config.start.astimezone(UTC) + dt.timedelta(hours=float(hours[np.argmax(dry)]))


@pytest.mark.parametrize(
    ("start", "new_york_utc"),
    [
        ("2025-01-15T00:00:00", utc(2025, 1, 15, 20)),  # 15:00 EST = 20:00 UTC
        ("2025-07-15T00:00:00", utc(2025, 7, 15, 19)),  # 15:00 EDT = 19:00 UTC
    ],
)
def test_the_warmest_hour_is_1500_on_the_sites_clock(config_factory, start, new_york_utc):
    new_york = config_factory(
        site={"timezone": "America/New_York"}, start=start, load={"constant_mw": 1}
    )
    in_utc = config_factory(site={"timezone": "UTC"}, start=start, load={"constant_mw": 1})
    assert warmest_utc(new_york) == new_york_utc
    assert warmest_utc(in_utc) == new_york_utc.replace(hour=15)


def test_the_warmest_hour_stays_at_1500_after_spring_forward(config_factory):
    """From 2025-03-09 00:00 EST (05:00 UTC): on 10 March 15:00 is EDT, 19:00 UTC (38 h into
    the run, not 39 as a fixed offset would have it)."""
    config = config_factory(
        site={"timezone": "America/New_York"},
        start="2025-03-09T00:00:00",
        duration_h=48,
        load={"constant_mw": 1},
    )
    warmest = warmest_utc(config, day=1)
    assert warmest == utc(2025, 3, 10, 19)
    assert hours_between(utc(2025, 3, 9, 5), warmest) == 38


# --- timestamps ----------------------------------------------------------------------------------


def test_timestamps_are_tz_aware_and_start_plus_time_h(tmp_path, config_factory):
    """From 2025-03-08 22:00 CST (2025-03-09 04:00 UTC), hourly: the site's clock reads 22, 23,
    0, 1, then 3 (02:00 is skipped), 4; each timestamp is start + time_h."""
    config = config_factory(
        site={"timezone": CHICAGO},
        start="2025-03-08T22:00:00",
        duration_h=6,
        load={"constant_mw": 5},
        grid={"outages": [{"start_h": 2.5, "duration_h": 1}]},
        battery={"energy_mwh": 10, "power_mw": 10},
        output={"resolution_s": 3600},
    )
    result = run(config)
    stamps = result.timeseries.index  # (the timeseries is indexed by its timestamps)
    assert stamps.name == "timestamp"
    assert str(stamps.tz) == CHICAGO
    expected = [utc(2025, 3, 9, 4) + dt.timedelta(hours=h) for h in range(6)]
    assert [t.to_pydatetime() for t in stamps] == expected
    assert stamps.hour.tolist() == [22, 23, 0, 1, 3, 4]
    assert (stamps - pd.Timestamp(utc(2025, 3, 9, 4))).tolist() == pd.to_timedelta(
        result.timeseries["time_h"], unit="h"
    ).tolist()

    events = result.events
    outage = events[events["kind"] == "outage_start"]
    assert outage["timestamp"].iloc[0] == pd.Timestamp(utc(2025, 3, 9, 6, 30))
    assert outage["timestamp"].iloc[0].hour == 0  # 00:30 CST

    result.write(tmp_path / "out")
    back = read_result(tmp_path / "out")
    assert str(back.timeseries.index.tz) == CHICAGO
    assert back.timeseries.index.tolist() == stamps.tolist()
    assert back.events["timestamp"].tolist() == events["timestamp"].tolist()


def test_the_readme_documents_the_site_section():
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    assert "| `site.timezone` | text or null |" in (root / "docs" / "config.md").read_text()
    assert "**Time zones.**" in readme
