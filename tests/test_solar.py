"""The solar plant (``solar:``, :mod:`sim.solar`, :mod:`sim.solar_model`): its output against
pvlib called here, its energy against the trapezoid of its points, an outage carried by sun and
battery and a surplus charging the battery then curtailed (both by hand), bad input refused,
and the energy balance closing.

The hand-computed cases use a horizontal array (``tilt_deg: 0``) under a trace of diffuse
light only (``dni = 0``, ``dhi = ghi``): Hay-Davies then gives ``G_poa = dhi`` whatever the
sun's position (the beam and the anisotropic term vanish with ``dni``, the ground term with
the tilt), and with ``gamma_pdc_per_c: 0`` and ``losses_pu: 0`` the DC power is
``p_dc · dhi / 1000``. At 1,000 W/m² a 10 MW array on an 8 MW inverter is clipped at 8 MW
(PVWatts' inverter limit ``η_nom · (p_ac / η_nom)``), at 0 W/m² it gives 0: the plant's line
is then 0 or ``p_ac`` at every point, and straight between them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest

from sim.cli import main
from sim.config import config_from_dict
from sim.facility import Facility
from sim.recorder import durations_s, segment_energy_mw_s
from sim.solar import min_of_lines_mw_s
from sim.units import S_PER_H

LAT, LON = 35.07, -89.98  # Memphis International Airport (sim/data/weather.yaml, TMY3)
ZONE = "America/Chicago"


def write_weather(path: Path, hours: list[float], ghi: list[float], **more: list[float]) -> Path:
    """A weather CSV: dry-bulb 30 °C, wet-bulb 24 °C, the irradiance given."""
    table = {"time_h": hours, "dry_bulb_c": [30.0] * len(hours), "wet_bulb_c": [24.0] * len(hours)}
    table |= {"ghi": ghi, **more}
    pd.DataFrame(table).to_csv(path, index=False)
    return path


def base(csv: Path | None, **over: object) -> dict:
    config: dict = {
        "name": "solar_test",
        "site": {"timezone": ZONE, "latitude_deg": LAT, "longitude_deg": LON},
        "start": "2025-06-21T00:00:00",
        "duration_h": 24,
        "load": {"constant_mw": 10.0},
        "grid": {"import_limit_mw": 100.0},
        "solar": {"p_dc_mw": 40.0, "p_ac_mw": 30.0, "tilt_deg": 25.0, "azimuth_deg": 180.0},
    }
    if csv is not None:
        config["weather"] = {"csv": str(csv)}
    config.update(over)
    return config


def run_facility(config: dict) -> tuple[Facility, pd.DataFrame]:
    facility = Facility(config_from_dict(config))
    facility.run()
    return facility, facility.recorder.segments()


def lossless_battery(energy_mwh: float, soc_initial: float) -> dict:
    """A 20 MW battery with efficiencies 1 and its whole energy usable (hand-checkable)."""
    return {
        "energy_mwh": energy_mwh,
        "power_mw": 20.0,
        "efficiency_charge": 1.0,
        "efficiency_discharge": 1.0,
        "soc_min": 0.0,
        "soc_initial": soc_initial,
        "backup_reserve_soc": 0.0,
    }


@pytest.mark.filterwarnings("ignore:DatetimeIndex.dayofyear")  # (pvlib 0.16's Linke lookup)
def test_a_clear_day_matches_pvlib_and_its_energy_is_the_trapezoid(tmp_path):
    # The clear-sky irradiance of Memphis at the solstice, hour by hour, from pvlib (Ineichen)
    times = pd.date_range("2025-06-21", periods=25, freq="h", tz=ZONE)
    site = pvlib.location.Location(LAT, LON, altitude=81)
    doy = times.tz_convert("UTC").day_of_year.to_numpy()
    clear = site.get_clearsky(
        times, model="ineichen", dni_extra=pvlib.irradiance.get_extra_radiation(doy)
    )
    csv = write_weather(
        tmp_path / "clear.csv",
        list(range(25)),
        clear["ghi"].tolist(),
        dni=clear["dni"].tolist(),
        dhi=clear["dhi"].tolist(),
    )
    _, seg = run_facility(base(csv))
    # pvlib's own chain, called here on the same inputs (PVWatts as the module docstring says)
    sun = pvlib.solarposition.get_solarposition(times, LAT, LON)
    poa = pvlib.irradiance.get_total_irradiance(
        25.0,
        180.0,
        sun["apparent_zenith"],
        sun["azimuth"],
        clear["dni"],
        clear["ghi"],
        clear["dhi"],
        dni_extra=pvlib.irradiance.get_extra_radiation(doy),
        albedo=0.2,
        model="haydavies",
    )["poa_global"].fillna(0.0)
    t_cell = pvlib.temperature.sapm_cell(
        poa,
        30.0,
        1.0,
        **pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"],
    )
    dc = pvlib.pvsystem.pvwatts_dc(poa, t_cell, 40.0, -0.0037) * (1 - 0.14)
    expected = np.minimum(pvlib.inverter.pvwatts(dc, 30.0 / 0.96, 0.96), 30.0).to_numpy()[:24]
    assert expected.max() > 20.0  # (a real day: the check below is not of zeros)
    # the recorded line at each hour
    t_s, p_mw = seg["time_s"].to_numpy(), seg["solar_mw"].to_numpy()
    r = seg["solar_ramp_mw_per_s"].to_numpy()
    for k in range(24):
        i = np.searchsorted(t_s, k * 3600.0, side="right") - 1
        at = p_mw[i] + r[i] * (k * 3600.0 - t_s[i])
        assert at == pytest.approx(expected[k], rel=1e-6, abs=1e-9), k
    # energy: the trapezoid of the hourly points (the last hour holds the 23:00 value)
    trapezoid = float(np.sum((expected[:-1] + expected[1:]) / 2.0)) + expected[-1]
    energy = float(segment_energy_mw_s(seg, "solar_mw", 24 * S_PER_H).sum()) / S_PER_H
    assert energy == pytest.approx(trapezoid, rel=1e-9)


def island_trace(tmp_path: Path, hours: list[float], on: list[bool]) -> Path:
    """Diffuse light only: 1,000 W/m² at the hours ``on``, else 0."""
    ghi = [1000.0 if o else 0.0 for o in on]
    return write_weather(tmp_path / "diffuse.csv", hours, ghi, dni=[0.0] * len(hours), dhi=ghi)


HAND_SOLAR = {
    "p_dc_mw": 10.0,
    "p_ac_mw": 8.0,
    "tilt_deg": 0.0,
    "losses_pu": 0.0,
    "gamma_pdc_per_c": 0.0,
}


def test_an_outage_carried_by_sun_and_battery_by_hand(tmp_path):
    # Load 10 MW; outage 04:00-12:00 (the run's end). Solar: 0 until 06:00, a straight line
    # to 8 MW at 07:00, 8 MW after. A 30 MWh battery (efficiencies 1, no floor) carries:
    #   04-06: 10 MW -> 20 MWh; 06-07: 10 - 4 (mean solar) -> 6 MWh, 26 MWh;
    #   07-: 2 MW -> the last 4 MWh by 09:00. Then 2 MW unserved to 12:00: 6 MWh.
    hours = list(range(13))
    csv = island_trace(tmp_path, hours, [h >= 7 for h in hours])
    config = base(
        csv,
        duration_h=12,
        solar=HAND_SOLAR,
        grid={"import_limit_mw": 100.0, "outages": [{"start_h": 4, "duration_h": 8}]},
        battery=lossless_battery(30.0, 1.0),
        dispatch={"policy": "backup"},
    )
    facility, seg = run_facility(config)
    end_s = 12 * S_PER_H
    energy = {
        c: float(segment_energy_mw_s(seg, c, end_s).sum()) / S_PER_H
        for c in ("solar_mw", "battery_discharge_mw", "unserved_mw", "grid_mw", "curtailed_mw")
    }
    assert energy["solar_mw"] == pytest.approx(0.5 * 8 + 8 * 5, rel=1e-12)  # 06-07 + 07-12
    assert energy["grid_mw"] == pytest.approx(4 * 10, rel=1e-12)  # 00-04
    assert energy["battery_discharge_mw"] == pytest.approx(30.0, rel=1e-9)
    assert energy["unserved_mw"] == pytest.approx(6.0, rel=1e-9)
    assert energy["curtailed_mw"] == pytest.approx(0.0, abs=1e-9)
    empty = facility.recorder.events_frame().query("kind == 'battery_empty'")
    assert empty["time_h"].iloc[0] == pytest.approx(9.0, rel=1e-9)


def test_a_surplus_charges_the_battery_until_full_then_is_curtailed_by_hand(tmp_path):
    # An island (outage over the whole 12 h): solar 0 at 00:00, a line to 8 MW at 01:00, 8 MW
    # after; load 4 MW; a 10 MWh battery at half charge (5 MWh), efficiencies 1.
    #   0-0.5 h: the battery gives 4 - 8t: 4·0.5 - 4·0.25 = 1 MWh -> 4 MWh (solar = load at 0.5 h)
    #   0.5-1 h: it takes 8t - 4: 1 MWh -> 5 MWh; then 4 MW: 5 MWh more -> full at 2.25 h
    #   then 4 MW curtailed to 12 h: 39 MWh.
    hours = list(range(13))
    csv = island_trace(tmp_path, hours, [h >= 1 for h in hours])
    config = base(
        csv,
        duration_h=12,
        load={"constant_mw": 4.0},
        solar=HAND_SOLAR,
        grid={"import_limit_mw": 100.0, "outages": [{"start_h": 0, "duration_h": 12}]},
        battery=lossless_battery(10.0, 0.5),
        dispatch={"policy": "backup"},
    )
    facility, seg = run_facility(config)
    end_s = 12 * S_PER_H
    energy = {
        c: float(segment_energy_mw_s(seg, c, end_s).sum()) / S_PER_H
        for c in (
            "solar_mw",
            "battery_discharge_mw",
            "battery_charge_mw",
            "curtailed_mw",
            "unserved_mw",
        )
    }
    assert energy["solar_mw"] == pytest.approx(4 + 8 * 11, rel=1e-12)
    assert energy["battery_discharge_mw"] == pytest.approx(1.0, rel=1e-9)
    assert energy["battery_charge_mw"] == pytest.approx(6.0, rel=1e-9)
    assert energy["curtailed_mw"] == pytest.approx(4 * (12 - 2.25), rel=1e-9)
    assert energy["unserved_mw"] == pytest.approx(0.0, abs=1e-9)
    full = facility.recorder.events_frame().query("kind == 'battery_full'")
    assert full["time_h"].iloc[0] == pytest.approx(2.25, rel=1e-9)
    section = facility.sources[0].report(seg, end_s)
    assert section["curtailed_mwh"] == pytest.approx(39.0, rel=1e-9)
    assert section["delivered_mwh"] == pytest.approx(92.0 - 39.0, rel=1e-9)
    assert section["specific_yield_kwh_per_kwp"] == pytest.approx(92.0 / 10.0, rel=1e-12)
    assert section["capacity_factor_pu"] == pytest.approx(92.0 / (8.0 * 12.0), rel=1e-12)
    assert section["peak_mw"] == pytest.approx(8.0, rel=1e-12)


def test_min_of_two_lines_by_hand():
    # a: 0 -> 10 over 10 s, b: 4 constant: min = ∫0^4 t dt + 4·6 = 8 + 24 = 32
    got = min_of_lines_mw_s(
        np.array([0.0, 4.0]),
        np.array([1.0, 0.0]),
        np.array([4.0, 0.0]),
        np.array([0.0, 1.0]),
        np.array([10.0, 10.0]),
    )
    assert got == pytest.approx([32.0, 32.0])


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"solar": {"p_dc_mw": 10.0, "p_ac_mw": 12.0}}, "solar.p_ac_mw"),
        ({"solar": {"p_dc_mw": -1.0, "p_ac_mw": 1.0}}, "solar.p_dc_mw"),
        ({"solar": {"p_dc_mw": 10.0, "p_ac_mw": 8.0, "tilt_deg": 95}}, "solar.tilt_deg"),
        (
            {"solar": {"p_dc_mw": 10.0, "p_ac_mw": 8.0, "tracking": "single_axis", "tilt_deg": 10}},
            "solar.tilt_deg",
        ),
        ({"site": {"timezone": ZONE}}, "site.latitude_deg"),
        (
            {"solar": {"p_dc_mw": 10.0, "p_ac_mw": 8.0, "clearsky_index_sd_pu": 0.45}},
            "solar.clearsky_index_sd_pu",
        ),
        ({"grid": {"export_limit_mw": 10.0}}, "grid.export_limit_mw"),
    ],
)
def test_bad_input_is_refused_with_exit_2_and_the_key(tmp_path, capsys, change, key):
    import yaml

    config = base(None, start="2025-06-21T00:00:00")
    config.update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert key in err


def test_weather_csv_without_ghi_is_refused(tmp_path, capsys):
    import yaml

    csv = tmp_path / "w.csv"
    pd.DataFrame({"time_h": [0, 1], "dry_bulb_c": [20, 21], "wet_bulb_c": [15, 15]}).to_csv(
        csv, index=False
    )
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(base(csv)))
    assert main(["validate", str(path)]) == 2
    assert "weather.csv" in capsys.readouterr().err


@pytest.mark.parametrize("tracking", ["fixed", "single_axis"])
def test_the_energy_balance_closes_on_synthetic_weather(tracking):
    # Two synthetic Memphis days (clear-sky index drawn), grid, battery, peak shaving to 0:
    # grid + solar + discharge = load + charge + curtailed + (nothing unserved), by energy and
    # at every event (power).
    solar = {"p_dc_mw": 40.0, "p_ac_mw": 30.0, "tracking": tracking}
    if tracking == "fixed":
        solar["tilt_deg"] = 30.0
    config = base(
        None,
        duration_h=48,
        start="2025-07-01T00:00:00",
        solar=solar,
        battery={
            "energy_mwh": 20.0,
            "power_mw": 10.0,
            "soc_initial": 0.5,
            "backup_reserve_soc": 0.0,
        },
        dispatch={"policy": "peak_shave", "grid_target_mw": 0.0},
    )
    facility, seg = run_facility(config)
    end_s = 48 * S_PER_H
    e = {
        c: float(segment_energy_mw_s(seg, c, end_s).sum()) / S_PER_H
        for c in (
            "grid_mw",
            "solar_mw",
            "battery_discharge_mw",
            "battery_charge_mw",
            "load_mw",
            "curtailed_mw",
            "unserved_mw",
        )
    }
    assert e["solar_mw"] > 100.0
    supply = e["grid_mw"] + e["solar_mw"] + e["battery_discharge_mw"] + e["unserved_mw"]
    assert supply == pytest.approx(
        e["load_mw"] + e["battery_charge_mw"] + e["curtailed_mw"], rel=1e-9
    )
    power = seg["grid_mw"] + seg["solar_mw"] + seg["battery_mw"] + seg["unserved_mw"]
    assert np.allclose(power, seg["load_mw"] + seg["curtailed_mw"], rtol=0, atol=1e-7)
    # the run's summary has the section, and its energy is the record's
    dt = durations_s(seg, end_s)
    assert facility.sources[0].report(seg, end_s)["energy_mwh"] == pytest.approx(
        float(np.sum((seg["solar_mw"] + 0.5 * seg["solar_ramp_mw_per_s"] * dt) * dt)) / S_PER_H
    )
    # no sun at night: 0 output at local midnight
    assert seg["solar_mw"].iloc[0] == 0.0


def test_the_clearsky_index_stream_is_its_own():
    # the same config with and without solar: the weather (its own stream) is unchanged
    from sim.facility import build_weather

    with_solar = config_from_dict(base(None, start="2025-07-01T00:00:00"))
    without = config_from_dict(
        {k: v for k, v in base(None, start="2025-07-01T00:00:00").items() if k != "solar"}
    )
    a, b = build_weather(with_solar), build_weather(without)
    assert np.array_equal(a.dry, b.dry)
    assert not math.isnan(float(a.dry[0]))


def test_the_solar_figure_and_the_supply_stack_draw_the_plant():
    import matplotlib

    matplotlib.use("Agg")
    from sim.plots import solar_figure, supply_stack

    ts = pd.DataFrame(
        {
            "time_h": [0.0, 1.0, 2.0],
            "solar_mw": [0.0, 5.0, 2.0],
            "battery_mw": [1.0, -1.0, 0.0],
            "curtailed_mw": [0.0, 0.5, 0.0],
            "load_mw": [10.0, 10.0, 10.0],
            "grid_mw": [9.0, 5.5, 8.0],
        }
    )
    fig = solar_figure(ts, "a day")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:1] == ["solar"]
    stack = supply_stack(ts.assign(battery_discharge_mw=[1.0, 0.0, 0.0], unserved_mw=0.0), "a day")
    labels = [
        t.get_text() for ax in stack.axes if ax.get_legend() for t in ax.get_legend().get_texts()
    ]
    assert "solar" in labels
