"""Hypothesis strategies for the config fuzz: valid base configs, mutated over the whole schema.

The keys to mutate come from walking the schema (``model_fields`` of :class:`sim.config.Config`
and every model under it), so a key added to the schema is fuzzed without touching this file.
A mutation replaces a key with a value of its own type (its bounds, just past them, each
``Literal`` choice) or with a hostile value (another type, 0, negative, 1e308, 2**64, "nan",
booleans, huge strings, None, containers, path-like strings), deletes a key, adds an unknown
key, duplicates or empties a list. A few values are raw YAML text that no Python value dumps to
(an integer of 5,000 digits, nesting 3,000 deep, an alias bomb): they are spliced into the file.

The bases are small and short on purpose (:data:`MAX_DURATION_H`, :data:`MIN_RESOLUTION_S`) so
that a mutant that validates also runs in well under a second.
"""

from __future__ import annotations

import atexit
import copy
import datetime as dt
import shutil
import tempfile
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from annotated_types import Ge, Gt, Le, Lt
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

from sim.config import Config, Key, format_key, load_tree

REPO = Path(__file__).resolve().parents[1]
MAX_DURATION_H = 6.0
"""Bases are cut to this many simulated hours."""
MIN_RESOLUTION_S = 900.0
"""Bases write their timeseries at least this coarsely."""

# Raw YAML spliced in place of a marker string after dumping (no Python value dumps to these).
RAW_YAML = {
    "__FUZZ_BIGINT__": "1" * 5000,
    "__FUZZ_DEEP__": "[" * 3000 + "]" * 3000,
    "__FUZZ_BOMB__": "["
    + ", ".join(
        [f"&a0 [{', '.join(['1'] * 10)}]"]
        + [f"&a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 5)]
    )
    + "]",  # 10**5 nodes once anchors are expanded
}

HOSTILE: tuple[Any, ...] = (
    0,
    -1,
    -1e308,
    1e308,
    2**64,
    -(2**63),
    1e-9,
    5e-324,
    -0.0,
    float("nan"),
    float("inf"),
    float("-inf"),
    "nan",
    "inf",
    "-inf",
    "1e3",
    True,
    False,
    None,
    "",
    " ",
    "x" * 100_000,
    "é∞\u202e",
    "..",
    "/",
    ".",
    "../../etc/passwd",
    [],
    [1, 2],
    [None],
    {},
    {"fuzz": 1},
    *RAW_YAML,
)
"""Values of any type that a careless or hostile user may put at any key."""

EXTREME: tuple[Any, ...] = (1e308, -1e308, 2**64, 2**63, 1e15, 1e-9, 5e-324, 1e6, 1e9)
"""Numbers of the right type far outside anything physical (for the number-typed keys)."""

UNKNOWN_KEYS: tuple[Any, ...] = ("fuzz_unknown", "Name", "duration_H", "", "..", 1, True, None)
"""Keys no mapping of the schema has."""

DATETIMES = (
    "2025-01-01T00:00:00Z",
    "2025-07-01T00:00:00-05:00",
    "2025-01-01T00:00:00",  # naive
    "1677-09-21T00:00:00Z",  # pandas' Timestamp.min is 00:12:43 that day
    "2262-04-12T00:00:00Z",  # past pandas' Timestamp.max
    "9999-12-31T23:00:00+00:00",
    "0001-01-01T00:00:00+00:00",
    "2025-02-30T00:00:00Z",
    dt.datetime(2025, 3, 9, 2, 30, tzinfo=dt.timezone.utc),
    "yesterday",
)


# --------------------------------------------------------------------------------------------
# Base configs
# --------------------------------------------------------------------------------------------


@cache
def data_folder() -> Path:
    """A folder of CSV traces and odd files the bases and path mutations refer to."""
    folder = Path(tempfile.mkdtemp(prefix="dcsim-fuzz-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    hours = range(0, int(MAX_DURATION_H) + 2)
    (folder / "load.csv").write_text(
        "time_h,load_mw\n" + "".join(f"{h},{40 + 10 * (h % 3)}\n" for h in hours)
    )
    (folder / "price.csv").write_text(
        "time_h,price_usd_per_mwh\n" + "".join(f"{h},{[30, 90, -5][h % 3]}\n" for h in hours)
    )
    (folder / "carbon.csv").write_text(
        "time_h,carbon_kg_per_mwh\n" + "".join(f"{h},{400 + h}\n" for h in hours)
    )
    (folder / "weather.csv").write_text(
        "time_h,dry_bulb_c,wet_bulb_c\n"
        + "".join(f"{h},{25 + h % 5},{20 + h % 3}\n" for h in hours)
    )
    (folder / "empty.csv").write_text("")
    (folder / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    (folder / "a_folder").mkdir()
    return folder


def path_values() -> tuple[str, ...]:
    """Values for path keys: each trace, missing, empty and binary files, folders."""
    folder = data_folder()
    names = ("load.csv", "price.csv", "carbon.csv", "weather.csv", "empty.csv", "binary.csv")
    return (
        *(str(folder / name) for name in names),
        str(folder / "missing.csv"),
        str(folder / "a_folder"),
        "/",
        "..",
    )


def kitchen_sink() -> dict[str, Any]:
    """A small config with every section of the schema and most of its keys set."""
    return {
        "name": "kitchen-sink",
        "description": "every section",
        "seed": 3,
        "start": "2025-07-01T00:00:00-05:00",
        "duration_h": MAX_DURATION_H,
        "output": {"resolution_s": MIN_RESOLUTION_S},
        "load": {"constant_mw": 5.0, "flexible_pu": 0.2},
        "grid": {
            "import_limit_mw": 60.0,
            "outages": [{"start_h": 1.0, "duration_h": 1.0}],
            "demand_response": [
                {"start_h": 3.0, "duration_h": 1.0, "limit_mw": 30.0},
                {"start_h": 4.5, "duration_h": 0.5, "cut_pu": 0.2},
            ],
            "random_outages": {"rate_per_year": 50.0, "mean_duration_h": 0.5},
            "tariff": {
                "seasons": [
                    {
                        "months": [1, 2, 3, 4, 5, 6],
                        "on_peak_hours": [14, 20],
                        "on_peak_usd_per_mwh": 100.0,
                        "off_peak_usd_per_mwh": 40.0,
                    },
                    {
                        "months": [7, 8, 9, 10, 11, 12],
                        "on_peak_hours": [1, 3],
                        "on_peak_usd_per_mwh": 120.0,
                        "off_peak_usd_per_mwh": 30.0,
                        "weekdays_only": False,
                    },
                ]
            },
            "demand_charge_usd_per_kw_month": 10.0,
            "demand_interval_min": 15.0,
            "carbon_kg_per_mwh": 450.0,
        },
        "battery": {
            "energy_mwh": 40.0,
            "power_mw": 20.0,
            "charge_power_mw": 15.0,
            "discharge_power_mw": 20.0,
            "efficiency_charge": 0.97,
            "efficiency_discharge": 0.97,
            "soc_min": 0.05,
            "soc_max": 0.95,
            "soc_initial": 0.9,
            "backup_reserve_soc": 0.5,
            "aux_load_mw": 0.1,
        },
        "dispatch": {
            "policy": "peak_shave",
            "grid_target_mw": 45.0,
            "load_management": {"order": ["cap", "pause", "shed"], "it_floor_pu": 0.7},
            "turbine_stop_soc": 0.8,
        },
        "turbines": [
            {
                "name": "gt",
                "count": 3,
                "p_nom_mw": 10.0,
                "p_min_pu": 0.3,
                "start_s": 300.0,
                "ramp_mw_per_min": 5.0,
                "ramp_down_mw_per_min": 8.0,
                "trip_rate_per_1000h": 5.0,
                "trip_repair_h": 2.0,
                "max_starts_per_year": 100,
                "max_run_hours_per_year": 2000.0,
            }
        ],
        "turbine_trips": [{"time_h": 1.5, "turbine": "gt", "units": 1}],
        "cluster": {
            "power_model": "iteration",
            "pools": [
                {"name": "h100", "hardware": "h100-sxm", "gpus": 64, "spare_gpus": 8},
                {"name": "mine", "hardware": "fuzz-hw", "gpus": 16},
            ],
            "failures": {"rate_per_node_day": 2.0, "distribution": "weibull", "shape": 0.8},
            "repair_h": 1.0,
            "hardware": {
                "fuzz-hw": {
                    "gpu_tdp_w": 1000.0,
                    "gpu_idle_w": 100.0,
                    "gpus_per_node": 4,
                    "node_overhead_w": 2000.0,
                    "network_w_per_gpu": 100.0,
                }
            },
        },
        "jobs": [
            {
                "name": "big",
                "pool": "h100",
                "gpus": 64,
                "iteration_s": 120.0,
                "compute_fraction": 0.7,
                "checkpoint_interval_s": 1800.0,
                "checkpoint_write_s": 30.0,
                "restart_s": 300.0,
                "priority": 1,
            },
            {
                "name": "small",
                "pool": "mine",
                "gpus": 8,
                "iteration_s": 60.0,
                "work_h": 2.0,
                "submit_h": 0.5,
            },
        ],
        "weather": {
            "site": "memphis",
            "daily_sd_c": 2.5,
            "step_h": 1.0,
            "heat_waves": [{"start_h": 2.0, "duration_h": 2.0, "delta_c": 8.0}],
        },
        "cooling": {
            "type": "liquid",
            "supply_c": 18.0,
            "chillers": {
                "count": 3,
                "capacity_mw": 5.0,
                "eta_ii": 0.55,
                "cop_max": 12.0,
                "condenser_approach_c": 10.0,
                "rating_ambient_c": 25.5,
                "derate_pu_per_c": 0.01,
                "failure_rate_per_1000h": 20.0,
                "repair_h": 2.0,
                "on_backup": False,
                "restart_s": 600.0,
            },
            "heat_rejection": "tower",
            "economizer": True,
            "economizer_approach_c": 4.0,
            "aux_pu": 0.05,
            "water_l_per_kwh": 1.85,
            "loop_heat_capacity_mj_per_c": 50.0,
            "throttle_rise_c": 5.0,
            "shutdown_rise_c": 10.0,
        },
    }


def traced() -> dict[str, Any]:
    """A small config read from CSV traces (load, price, carbon, weather), policy smooth."""
    folder = data_folder()
    return {
        "name": "traced",
        "duration_h": MAX_DURATION_H,
        "output": {"resolution_s": 1800.0},
        "load": {"trace_csv": str(folder / "load.csv")},
        "grid": {
            "import_limit_mw": 55.0,
            "price_csv": str(folder / "price.csv"),
            "carbon_csv": str(folder / "carbon.csv"),
        },
        "battery": {"energy_mwh": 20.0, "power_mw": 10.0, "soc_initial": 0.5},
        "dispatch": {"policy": "smooth", "ramp_limit_mw_per_min": 2.0},
        "weather": {"csv": str(folder / "weather.csv")},
        "cooling": {"type": "air", "chillers": {"count": 4, "capacity_mw": 20.0}},
    }


def arbitrage() -> dict[str, Any]:
    """A small config with policy arbitrage on a price trace and the backup-only sections."""
    folder = data_folder()
    return {
        "name": "arbitrage",
        "duration_h": MAX_DURATION_H,
        "output": {"resolution_s": 3600.0},
        "load": {"constant_mw": 30.0},
        "grid": {
            "price_csv": str(folder / "price.csv"),
            "outages": [{"start_h": 2, "duration_h": 1}],
        },
        "battery": {"energy_mwh": 20.0, "power_mw": 10.0},
        "dispatch": {
            "policy": "arbitrage",
            "charge_below_usd_per_mwh": 35.0,
            "discharge_above_usd_per_mwh": 80.0,
        },
        "turbines": [{"name": "t", "count": 2, "p_nom_mw": 20.0, "ramp_mw_per_min": 10.0}],
    }


def shorten(data: dict[str, Any], max_duration_h: float = MAX_DURATION_H) -> dict[str, Any]:
    """Cut a base to ``max_duration_h`` and a timeseries step of at least
    :data:`MIN_RESOLUTION_S` (in place; returns it)."""
    data["duration_h"] = min(float(data.get("duration_h", max_duration_h)), max_duration_h)
    output = data.setdefault("output", {})
    output["resolution_s"] = max(float(output.get("resolution_s", 60.0)), MIN_RESOLUTION_S)
    return data


REPO_BASES = {
    "configs/examples/outage_day.yaml": MAX_DURATION_H,
    "configs/examples/llama3_cluster.yaml": MAX_DURATION_H,
    "configs/examples/colossus1_2025_outage.yaml": 1.0,
    "configs/presets/cortex.yaml": 1.0,
    "configs/presets/colossus2.yaml": 1.0,
}
"""Configs of the repository used as bases (merged: ``extends:`` and ``scenario:`` resolved),
with the simulated hours each is cut to (the 100k-GPU presets have ~2,000 events an hour)."""


@cache
def bases() -> dict[str, dict[str, Any]]:
    """Every base config, by name: the repository's and the small ones above, all shortened."""
    out = {
        "kitchen_sink": shorten(kitchen_sink()),
        "traced": shorten(traced()),
        "arbitrage": shorten(arbitrage()),
    }
    for rel, max_duration_h in REPO_BASES.items():
        data, _ = load_tree(REPO / rel)
        out[Path(rel).stem] = shorten(data, max_duration_h)
    return out


# --------------------------------------------------------------------------------------------
# The schema's keys
# --------------------------------------------------------------------------------------------

DICT_KEY = "<key>"
"""Stands for a key of a ``dict[str, Model]`` (``cluster.hardware``) in a schema key path."""


@dataclass(frozen=True)
class SchemaKey:
    """A key path of the schema (list items at index 0) and what the schema allows there."""

    key: Key
    annotation: Any
    metadata: tuple[Any, ...] = ()
    pattern: str | None = None
    required: bool = False

    def __str__(self) -> str:
        return format_key(self.key)


def _optional_inner(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _split_annotated(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """``Annotated[int, Field(ge=1)]`` -> ``(int, (Ge(1),))``."""
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        metadata: list[Any] = []
        for item in extra:
            metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        return inner, tuple(metadata)
    return annotation, ()


def _union_models(annotation: Any) -> list[type[BaseModel]]:
    """The models of a union of models (``dispatch:``, one model per policy, each
    ``Annotated`` with its tag), or [] if ``annotation`` is not one."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return []
    models = [_split_annotated(arm)[0] for arm in typing.get_args(annotation)]
    ok = all(isinstance(m, type) and issubclass(m, BaseModel) for m in models)
    return models if ok else []


def _merged(first: SchemaKey, other: SchemaKey) -> SchemaKey:
    """One key of two models of a union: the first's, with the choices of both where each is a
    ``Literal`` (the tag ``policy``: each model allows its own)."""
    if typing.get_origin(first.annotation) is Literal is typing.get_origin(other.annotation):
        choices = dict.fromkeys(
            (*typing.get_args(first.annotation), *typing.get_args(other.annotation))
        )
        return SchemaKey(first.key, Literal[tuple(choices)], first.metadata, first.pattern)
    return first


def _walk(
    annotation: Any, key: Key, metadata: tuple[Any, ...], info: FieldInfo | None
) -> list[SchemaKey]:
    annotation, more = _split_annotated(_optional_inner(annotation))
    metadata = metadata + more
    pattern = None
    for item in metadata:
        pattern = getattr(item, "pattern", None) or pattern
    here = SchemaKey(key, annotation, metadata, pattern, info is not None and info.is_required())
    out = [here] if key else []
    origin = typing.get_origin(annotation)
    models = _union_models(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, sub in annotation.model_fields.items():
            out += _walk(sub.annotation, (*key, name), tuple(sub.metadata), sub)
    elif models:  # one model per policy: the keys of them all, each once
        merged: dict[Key, SchemaKey] = {}
        for model in models:
            for found in _walk(model, key, (), None)[1:]:  # (the first is the model itself)
                old = merged.get(found.key)
                merged[found.key] = found if old is None else _merged(old, found)
        out += merged.values()
    elif origin in (typing.Union, types.UnionType):  # battery: a mapping or a list of them
        for arm in typing.get_args(annotation):
            out += _walk(arm, key, (), None)[1:]  # (the first is the arm itself)
    elif origin is list:
        out += _walk(typing.get_args(annotation)[0], (*key, 0), (), None)
    elif origin is tuple:
        for index, item in enumerate(typing.get_args(annotation)):
            out += _walk(item, (*key, index), (), None)
    elif origin is dict:
        out += _walk(typing.get_args(annotation)[1], (*key, DICT_KEY), (), None)
    return out


@cache
def schema_keys() -> tuple[SchemaKey, ...]:
    """Every key path of :class:`~sim.config.Config`, sections included, walked from the schema."""
    return tuple(_walk(Config, (), (), None))


@cache
def number_keys() -> tuple[SchemaKey, ...]:
    """The schema's keys typed as a number."""
    return tuple(k for k in schema_keys() if k.annotation in (int, float))


def _bounds(metadata: tuple[Any, ...]) -> list[float]:
    """The bounds of a number's constraints, and just past each (by 1e-9 relative, or 1)."""
    out: list[float] = []
    for item in metadata:
        for kind in (Ge, Gt, Le, Lt):
            if isinstance(item, kind):
                bound = getattr(item, kind.__name__.lower())
                out += [bound, bound - max(abs(bound) * 1e-9, 1e-12), bound + 1]
                out += [bound + max(abs(bound) * 1e-9, 1e-12), bound - 1]
    return out


def typed_values(schema_key: SchemaKey) -> tuple[Any, ...]:
    """Values of the key's own type: its bounds and just past them, choices, plausible ones."""
    annotation = schema_key.annotation
    bounds = _bounds(schema_key.metadata)
    if annotation is bool:
        return (True, False)
    if annotation is int:
        return (*(int(b) for b in bounds), 0, 1, 2, 7, 1000, 10**6)
    if annotation is float:
        return (*bounds, 0.0, 0.5, 1.0, 3.0, 24.0, 100.0, 1e4, 1e6, -1.0)
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    if annotation is Path:
        return path_values()
    if annotation in (AwareDatetime, dt.datetime):
        return DATETIMES
    if annotation is str:
        return (
            *("h100", "gt", "mine", "h100-sxm", "fuzz-hw", "memphis", "x", "a.b_c-1", "nowhere"),
            *("America/Chicago", "UTC", "Mars/Olympus", "../etc/passwd"),
        )
    if typing.get_origin(annotation) is list:
        return ([], [{}], ["cap", "cap"], [1, 13], ["shed"])
    if typing.get_origin(annotation) is tuple:
        return ([0, 24], [20, 14], [5, 5], [0, 25], [1])
    return ({},)


# --------------------------------------------------------------------------------------------
# Mutations
# --------------------------------------------------------------------------------------------


def tree_paths(node: Any, key: Key = ()) -> list[Key]:
    """Every key path present in a config mapping (sections, list items and leaves)."""
    out = [key] if key else []
    if isinstance(node, dict):
        for name, child in node.items():
            out += tree_paths(child, (*key, name))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            out += tree_paths(child, (*key, index))
    return out


def get_node(data: Any, key: Key) -> Any:
    for part in key:
        data = data[part]
    return data


def _concrete(data: dict[str, Any], key: Key) -> Key | None:
    """A schema key path made concrete for ``data``: the mapping key of a ``dict[str, Model]``
    is the first one present (or a new one). None when a parent is not a mapping or list."""
    out: list[str | int] = []
    node: Any = data
    for part in key:
        if part == DICT_KEY:
            part = next(iter(node), "fuzz-hw") if isinstance(node, dict) else "fuzz-hw"
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            node = node[part] if part < len(node) else None
        elif node is not None:
            return None
    return tuple(out)


def set_path(data: dict[str, Any], key: Key, value: Any) -> bool:
    """Set ``key`` to ``value``, creating absent sections; False where a parent is a scalar."""
    node: Any = data
    for depth, part in enumerate(key[:-1]):
        nxt = key[depth + 1]
        child = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, list):
            child = node[part] if part < len(node) else None
        if child is None:
            child = [] if isinstance(nxt, int) else {}
            if isinstance(node, dict):
                node[part] = child
            elif isinstance(node, list) and part == len(node):
                node.append(child)
            else:
                return False
        if not isinstance(child, (dict, list)):
            return False
        node = child
    last = key[-1]
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and last <= len(node):
        node[last : last + 1] = [value]
    else:
        return False
    return True


@dataclass
class Mutant:
    """A mutated config and the mutations that made it (for the failure report)."""

    base: str
    data: dict[str, Any]
    mutations: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def yaml_text(self) -> str:
        """The config as YAML, with :data:`RAW_YAML` spliced in."""
        text = yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, width=1 << 30)
        for marker, raw in RAW_YAML.items():
            text = text.replace(marker, raw)
        return text

    def __repr__(self) -> str:
        return f"Mutant(base={self.base!r}, mutations={self.mutations!r})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@st.composite
def mutants(draw: st.DrawFn, max_mutations: int = 3) -> Mutant:
    """A base config with 1 to ``max_mutations`` mutations anywhere in the schema."""
    base = draw(st.sampled_from(sorted(bases())))
    mutant = Mutant(base, copy.deepcopy(bases()[base]))
    data = mutant.data
    for _ in range(draw(st.integers(1, max_mutations))):
        ops = ("typed", "hostile", "extreme", "delete", "unknown", "duplicate", "empty")
        op = draw(st.sampled_from(ops))
        if op in ("typed", "hostile", "extreme"):
            schema_key = draw(st.sampled_from(number_keys() if op == "extreme" else schema_keys()))
            key = _concrete(data, schema_key.key)
            if key is None:
                continue
            pool = {"typed": typed_values(schema_key), "hostile": HOSTILE, "extreme": EXTREME}[op]
            value = copy.deepcopy(draw(st.sampled_from(pool)))
            if not set_path(data, key, value):
                continue
            mutant.mutations.append(f"{format_key(key)} = {_short(value)}")
            mutant.keys.append(str(schema_key))
            continue
        paths = tree_paths(data)
        if op == "delete":
            key = draw(st.sampled_from(paths))
            parent = get_node(data, key[:-1])
            del parent[key[-1]]
            mutant.mutations.append(f"delete {format_key(key)}")
        elif op == "unknown":
            mappings = [()] + [p for p in paths if isinstance(get_node(data, p), dict)]
            key = draw(st.sampled_from(mappings))
            name = draw(st.sampled_from(UNKNOWN_KEYS))
            get_node(data, key)[name] = draw(st.sampled_from((1, "x", None)))
            mutant.mutations.append(f"add unknown key {name!r} to {format_key(key)}")
        else:
            kind = list if op == "duplicate" else (list, dict)
            containers = [p for p in paths if isinstance(get_node(data, p), kind)]
            if op == "duplicate":
                containers = [p for p in containers if get_node(data, p)]
            if not containers:
                continue
            key = draw(st.sampled_from(containers))
            node = get_node(data, key)
            if op == "duplicate":
                node.append(copy.deepcopy(node[draw(st.integers(0, len(node) - 1))]))
                mutant.mutations.append(f"duplicate an element of {format_key(key)}")
            else:
                node.clear()
                mutant.mutations.append(f"empty {format_key(key)}")
        mutant.keys.append(_schema_form(key))
    return mutant


def _schema_form(key: Key) -> str:
    """A key path with list indexes as [0]: the form the report groups findings by."""
    return format_key(tuple(0 if isinstance(part, int) else part for part in key))
