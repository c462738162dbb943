"""The summary from the record: each part of the site reports its own section, the runner adds
the run's own keys (energy, peaks, swings, money) and reads no component; the recorder counts
events by kind.

The site has every built-in part: 100 H100 nodes (800 GPUs, ~0.79 MW of IT) on one job, two
0.5 MW chillers that fail often in a 24 °C wet-bulb (the GPUs throttle, and the nodes shut
down once), a 1.2 MW grid with a scheduled outage, random outages and a demand-response
window, a 0.5 MWh battery and one 1.2 MW turbine.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from sim.config import Config, config_from_dict
from sim.contracts import Reports
from sim.facility import Facility
from sim.recorder import Recorder
from sim.runner import SUMMARY_ORDER, run

RUNNER = Path(__file__).resolve().parents[1] / "sim" / "runner.py"


def every_part(folder: Path) -> Config:
    weather = folder / "weather.csv"
    weather.write_text("time_h,dry_bulb_c,wet_bulb_c\n0,30.0,24.0\n12,30.0,24.0\n")
    return config_from_dict(
        {
            "name": "every",
            "duration_h": 8,
            "seed": 7,
            "grid": {
                "import_limit_mw": 1.2,
                "outages": [{"start_h": 2, "duration_h": 1}],
                "random_outages": {"rate_per_year": 1000, "mean_duration_h": 0.2},
                "demand_response": [{"start_h": 5, "duration_h": 1, "limit_mw": 0.6}],
            },
            "battery": {"energy_mwh": 0.5, "power_mw": 1.0},
            "turbines": [
                {
                    "name": "t",
                    "count": 1,
                    "p_nom_mw": 1.2,
                    "start_s": 300,
                    "ramp_mw_per_min": 0.5,
                    "heat_rate_mmbtu_per_mwh": 10,
                    "fuel_usd_per_mmbtu": 4,
                }
            ],
            # 80 H100 nodes: ~0.9 MW at full load (1.39 kW a GPU), within the 1.2 MW supply but
            # above one chiller's 0.5 MW, so the chiller failures throttle the GPUs
            "cluster": {"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 640}]},
            "jobs": [
                {
                    "name": "j",
                    "pool": "p",
                    "gpus": 640,
                    "restart_s": 0,
                    "checkpoint_interval_s": 1800,
                }
            ],
            "weather": {"csv": str(weather)},
            "cooling": {
                "chillers": {
                    "count": 2,
                    "capacity_mw": 0.5,
                    "failure_rate_per_1000h": 300,
                    "repair_h": 1,
                },
                "loop_heat_capacity_mj_per_c": 10,
            },
            "output": {"resolution_s": 600},
        }
    )


RUN_KEYS = {
    "work",  # (the site's energy and cost per unit of the cluster's work, issue 17)
    "energy_mwh",
    "peak_mw",
    "unserved_mwh",
    "curtailed_mwh",
    "swings_mw",
    "cost_usd",
    "co2_t",
    "grid_by_month",
    "by_month",
    "demand_charge",
    "event_log",
}
"""The keys the runner adds from the record and the schedules (the README's summary list)."""


def test_the_summary_is_the_run_keys_and_every_parts_report(tmp_path):
    """The runner's summary (less ``run``) is each reporting part's section — equal to what
    the part reports from a second run of the same site — and the run's own keys, no more;
    in the summary's order."""
    config = every_part(tmp_path)
    summary = run(config).summary

    facility = Facility(config)
    facility.run()
    segments = facility.recorder.segments()
    end_s = facility.end_s
    assert all(isinstance(part, Reports) for part in facility.reporting)
    reports = {part.name: part.report(segments, end_s) for part in facility.reporting}

    assert not RUN_KEYS & reports.keys()
    assert set(summary) == RUN_KEYS | reports.keys() | {"run"}
    assert {name: summary[name] for name in reports} == reports
    assert list(summary) == [*SUMMARY_ORDER, "run"]  # every built-in section, in order
    # (the site reaches every section: it is not a test of empty ones)
    assert len(reports["outages"]) == 1
    assert reports["random_outages"]
    assert reports["demand_response"][0]["limit_mw"] == 0.6
    assert reports["turbines"]["starts"] > 0
    assert reports["jobs"]["j"]["goodput_h"] > 0
    assert reports["cluster"]["gpu_hours"]["busy"] > 0
    cooling = reports["cooling"]
    assert cooling["throttle_lost_gpu_h"] > 0
    assert cooling["chiller_failures"] == facility.recorder.count("chiller_fail") > 0
    assert cooling["shutdowns"] == facility.recorder.count("cooling_shutdown") > 0


def test_the_reports_are_read_only(tmp_path):
    """A part's report reads the record and the part's closed accounts: asked again, it
    gives the same section, and the jobs' progress is unchanged."""
    facility = Facility(every_part(tmp_path))
    facility.run()
    segments = facility.recorder.segments()
    progress = facility.progress()
    first = [part.report(segments, facility.end_s) for part in facility.reporting]
    again = [part.report(segments, facility.end_s) for part in facility.reporting]
    assert first == again
    assert facility.progress().equals(progress)


def test_the_runner_reads_no_component():
    """``facility.<name>`` in the runner: the run, its record, its reporting parts, its end,
    the events count and progress, the schedules of the timeseries (price, carbon,
    weather) and its close (issue 19: freeing the run) only."""
    tree = ast.parse(RUNNER.read_text())
    read = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "facility"
    }
    allowed = {"run", "recorder", "reporting", "end_s", "n_updates", "progress", "close"}
    assert read - allowed <= {"price", "carbon", "weather"}
    assert "reporting" in read


def test_a_part_named_like_a_section_is_refused(tmp_path, monkeypatch):
    """Two parts with one name, or a part named like a key of the run, would overwrite a
    section: the run fails naming it."""

    class Twin:
        name = "cost_usd"

        def report(self, segments, end_s):
            return {}

    real_init = Facility.__init__

    def with_twin(self, config):
        real_init(self, config)
        self.reporting.append(Twin())

    monkeypatch.setattr(Facility, "__init__", with_twin)
    with pytest.raises(RuntimeError, match="'cost_usd' clashes"):
        run(every_part(tmp_path))
    Twin.name = "battery"
    with pytest.raises(RuntimeError, match="'battery' clashes"):
        run(every_part(tmp_path))


EVENTS = [
    (0.0, "outage_start", "grid", "scheduled, 1 h"),
    (10.0, "chiller_fail", "chiller0", "1 online"),
    (20.0, "battery_empty", "battery", ""),
    (30.0, "chiller_fail", "chiller1", "0 online"),
    (3600.0, "outage_end", "grid", "scheduled, after 1 h"),
    (4000.0, "chiller_repaired", "chiller0", "1 online"),
    (5000.0, "chiller_fail", "chiller0", "0 online"),
]


def test_the_recorder_counts_events_by_kind():
    """Seven events by hand: three chiller failures, one of each other kind; a kind never
    recorded counts 0; the counts come in the order each kind first occurred, and are a copy."""
    recorder = Recorder()
    assert recorder.count("chiller_fail") == 0
    assert recorder.event_counts() == Counter()
    for event in EVENTS:
        recorder.event(*event)
    assert recorder.events == EVENTS
    assert recorder.count("chiller_fail") == 3
    assert recorder.count("outage_start") == recorder.count("outage_end") == 1
    assert recorder.count("cooling_shutdown") == 0
    counts = recorder.event_counts()
    assert counts == {
        "outage_start": 1,
        "chiller_fail": 3,
        "battery_empty": 1,
        "outage_end": 1,
        "chiller_repaired": 1,
    }
    assert list(counts) == [
        "outage_start",
        "chiller_fail",
        "battery_empty",
        "outage_end",
        "chiller_repaired",
    ]
    counts["chiller_fail"] = 0  # the recorder's own counts are not touched
    assert recorder.count("chiller_fail") == 3
    assert sum(recorder.event_counts().values()) == len(EVENTS)
