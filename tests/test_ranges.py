"""Ranges of the physical keys: nonsense (2**64 GPUs, 1e308 USD/MWh, −500 °C, a start before
pandas' timestamps) is refused at validation with the key and the range; real studies at the
edges (a 5 GW site, 10 M GPUs, a 100-year run) still validate. Weather CSVs refuse impossible
rows, naming the row."""

from __future__ import annotations

import copy
import types
import typing
from pathlib import Path

import annotated_types
import pytest
from pydantic import BaseModel

from sim.config import Config, ConfigError, config_from_dict, format_key
from sim.weather_files import read_csv

BASE = {"name": "t", "duration_h": 24, "load": {"constant_mw": 10}}
CLUSTER = {
    "cluster": {"pools": [{"name": "p", "hardware": "h100-sxm", "gpus": 8}]},
    "jobs": [{"name": "j", "pool": "p", "gpus": 8}],
}
COOLING = {"cooling": {"chillers": {"count": 2, "capacity_mw": 10}}}
SMT = {"name": "g", "count": 2, "p_nom_mw": 16.5, "ramp_mw_per_min": 2.5}


def with_key(data: dict, key: tuple, value) -> dict:
    """A deep copy of ``data`` with ``key`` (a path of names and indexes) set to ``value``."""
    out = copy.deepcopy(data)
    node = out
    for part in key[:-1]:
        node = node.setdefault(part, {}) if isinstance(part, str) else node[part]
    node[key[-1]] = value
    return out


def problems_of(data: dict) -> list:
    with pytest.raises(ConfigError) as info:
        config_from_dict(data)
    return info.value.problems


# (base config, key, a nonsense value, a fragment of the message)
NONSENSE = [
    (BASE, ("duration_h",), 1e308, "less than or equal to 876000"),
    (BASE, ("load", "constant_mw"), 2.0**64, "less than or equal to 100000"),
    (BASE, ("output", "resolution_s"), 1e-9, "greater than or equal to 1"),
    ({**BASE, "grid": {"price_usd_per_mwh": 1}}, ("grid", "price_usd_per_mwh"), 1e308, "100000"),
    ({**BASE, "grid": {"price_usd_per_mwh": 1}}, ("grid", "price_usd_per_mwh"), -1e6, "-10000"),
    ({**BASE, "grid": {"demand_interval_min": 15}}, ("grid", "demand_interval_min"), 1e-9, "1"),
    ({**BASE, "battery": {"energy_mwh": 1, "power_mw": 1}}, ("battery", "energy_mwh"), 1e308, ""),
    ({**BASE, "turbines": [SMT]}, ("turbines", 0, "count"), 2**64, "less than or equal to 1000"),
    ({**BASE, "turbines": [SMT]}, ("turbines", 0, "p_nom_mw"), 1e308, ""),
    ({**BASE, "turbines": [SMT]}, ("turbines", 0, "heat_rate_mmbtu_per_mwh"), 1e6, ""),
    ({**BASE, **CLUSTER}, ("cluster", "pools", 0, "gpus"), 2**64, "10000000"),
    ({**BASE, **CLUSTER}, ("jobs", 0, "gpus"), 2**64, "10000000"),
    ({**BASE, **CLUSTER}, ("jobs", 0, "checkpoint_interval_s"), 1e-9, "0.001"),
    ({**BASE, **CLUSTER}, ("jobs", 0, "iteration_s"), 1e-9, "0.001"),
    ({**BASE, **CLUSTER}, ("jobs", 0, "priority"), 2**64, ""),
    ({**BASE, **COOLING}, ("cooling", "chillers", "rating_ambient_c"), -500, "-60"),
    ({**BASE, **COOLING}, ("cooling", "chillers", "capacity_mw"), 1e308, ""),
    ({**BASE, **COOLING}, ("cooling", "throttle_rise_c"), 500, "30"),
    ({**BASE, **COOLING, "weather": {"step_h": 1}}, ("weather", "step_h"), 1e-9, ""),
]


@pytest.mark.parametrize(("data", "key", "value", "fragment"), NONSENSE)
def test_nonsense_is_refused_naming_the_key_and_the_range(data, key, value, fragment):
    problems = problems_of(with_key(data, key, value))
    assert [format_key(p.key) for p in problems] == [format_key(key)]
    assert fragment in problems[0].message
    assert problems[0].value == value


def test_real_studies_at_the_edges_still_validate():
    big = {
        "name": "edge",
        "duration_h": 876_000,  # 100 years, at daily resolution
        "start": "1900-01-01T00:00:00Z",
        "output": {"resolution_s": 86_400},
        "load": {"constant_mw": 5000},  # a 5 GW site
        "grid": {"price_usd_per_mwh": -10_000, "import_limit_mw": 5000},
        "battery": {"energy_mwh": 20_000, "power_mw": 5000},
        "turbines": [{**SMT, "count": 1000, "p_nom_mw": 600}],
        "cluster": {"pools": [{"name": "p", "hardware": "gb200", "gpus": 10_000_000}]},
    }
    config = config_from_dict(big)
    assert config.cluster.pools[0].gpus == 10_000_000
    assert config_from_dict({**BASE, "grid": {"price_usd_per_mwh": 100_000}})


def test_start_outside_the_timestamp_range_is_refused_at_validation():
    for start in ("1600-01-01T00:00:00Z", "2263-01-01T00:00:00Z"):
        [problem] = problems_of({**BASE, "start": start})
        assert problem.key == ("start",)
        assert "1900–2200" in problem.message
    # a start inside the range whose run would leave pandas' timestamps (April 2262)
    [problem] = problems_of(
        {
            **BASE,
            "start": "2200-01-01T00:00:00Z",
            "duration_h": 876_000,
            "output": {"resolution_s": 86_400},
        }
    )
    assert problem.key == ("duration_h",)
    assert "2260" in problem.message
    assert "2299" in problem.message


def _numeric(annotation) -> bool:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _numeric(args[0])
    return annotation in (int, float)


def _models(model: type[BaseModel], seen: set) -> None:
    seen.add(model)
    for field in model.model_fields.values():
        for arg in (field.annotation, *typing.get_args(field.annotation)):
            for inner in (arg, *typing.get_args(arg)):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
                    _models(inner, seen)


def test_every_physical_number_of_the_schema_has_a_lower_and_an_upper_bound():
    """Every int or float key of every section has a lower and an upper bound (a key added
    later without one fails here). ``seed`` is not physical."""
    seen: set = set()
    _models(Config, seen)
    unbounded = []
    for model in seen:
        for name, field in model.model_fields.items():
            if not _numeric(field.annotation) or (model is Config and name == "seed"):
                continue
            kinds = {type(m) for m in field.metadata}
            low = kinds & {annotated_types.Ge, annotated_types.Gt}
            high = kinds & {annotated_types.Le, annotated_types.Lt}
            if not (low and high):
                unbounded.append(f"{model.__name__}.{name}")
    assert unbounded == []


def test_the_readme_documents_the_memory_limit_and_ranges():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    reference = (Path(__file__).parents[1] / "docs" / "config.md").read_text()
    assert "`output.max_memory_gb`" in readme
    assert "| `output.max_memory_gb` |" in reference
    assert "0–100,000" in reference
    assert "1900–2200" in reference


# --- weather CSVs ------------------------------------------------------------------------------


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "weather.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("time_h,dry_bulb_c,wet_bulb_c\n0,20,15\n1,20,25\n", "data row 2: wet_bulb_c 25 is above"),
        ("time_h,dry_bulb_c,wet_bulb_c\n0,20,15\n1,-500,-510\n", "data row 2: dry_bulb_c -500"),
        ("time_h,dry_bulb_c,wet_bulb_c\n0,20,15\n1,75,20\n", "dry_bulb_c 75 is outside -90–60"),
        ("time_h,temp_air,relative_humidity\n0,20,50\n1,20,500\n", "relative_humidity 500"),
        ("time_h,dry_bulb_c,rh_pu\n0,20,-0.1\n", "data row 1: rh_pu -0.1 is outside 0–1"),
        ("time_h,dry_bulb_c,rh_pu\n0,20,5\n1,20,5\n", "rh_pu 5 is outside 0–1 (and 1 more rows)"),
    ],
)
def test_a_weather_csv_refuses_impossible_rows_naming_the_row(tmp_path, text, fragment):
    with pytest.raises(ValueError, match="data row") as info:
        read_csv(write_csv(tmp_path, text))
    assert fragment in str(info.value)


def test_a_weather_csv_with_impossible_rows_is_a_config_problem(tmp_path):
    path = write_csv(tmp_path, "time_h,dry_bulb_c,wet_bulb_c\n0,20,15\n1,20,25\n")
    [problem] = problems_of({**BASE, **COOLING, "weather": {"csv": str(path)}})
    assert problem.key == ("weather", "csv")
    assert "data row 2" in problem.message


def test_a_weather_csv_at_the_edges_is_read(tmp_path):
    text = "time_h,dry_bulb_c,wet_bulb_c\n0,-89,-89\n1,56.7,30\n2,20,20.04\n"
    trace = read_csv(write_csv(tmp_path, text))
    dry, wet = trace.dry_bulb_c, trace.wet_bulb_c
    assert list(dry) == [-89, 56.7, 20]
    assert list(wet) == [-89, 30, 20.04]
