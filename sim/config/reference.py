"""The config reference, read from the schema so it cannot go stale.

:func:`reference_rows` walks :class:`~sim.config.schema.root.Config` and gives one row per key
(key path, type, unit, default, allowed range, description); :func:`markdown_reference` is
``docs/config.md`` (written by ``docs/config_reference.py``; a test fails when it is out of
date). :func:`editor_schema` is what ``dcsim schema`` writes: the JSON Schema of a config
*file* for editors (VS Code's YAML extension), with ``extends:`` and ``scenario:``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeGuard

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.config.schema.dispatch import PolicyName
from sim.config.schema.root import Config

# Units by key suffix, longest first (the convention of sim.units: the unit is in the name).
_SUFFIX_UNITS = (
    ("_usd_per_kw_month", "USD/kW-month"),
    ("_usd_per_mwh", "USD/MWh"),
    ("_kg_per_mwh", "kg/MWh"),
    ("_mw_per_min", "MW/min"),
    ("_mj_per_c", "MJ/°C"),
    ("_l_per_kwh", "L/kWh"),
    ("_per_node_day", "1/day"),
    ("_per_year", "1/yr"),
    ("_per_c", "1/°C"),
    ("_mwh", "MWh"),
    ("_mw", "MW"),
    ("_kw", "kW"),
    ("_w", "W"),
    ("_gb", "GB"),
    ("_min", "min"),
    ("_pu", "pu"),
    ("_soc", "pu"),
    ("_h", "h"),
    ("_s", "s"),
    ("_c", "°C"),
)
_BRACKET = re.compile(r"\[([^\]]{1,24})\]")


@dataclass
class Row:
    """One key of the reference."""

    key: str
    type: str
    unit: str
    default: str
    range: str
    description: str
    policies: list[str] = field(default_factory=list)


def _strip(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation without ``Annotated``, and the metadata it carried."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is Annotated:
        annotation, *extra = typing.get_args(annotation)
        for item in extra:
            metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return annotation, metadata


def _arms(annotation: Any) -> list[Any]:
    """The members of a union (nested unions flattened), or the annotation alone."""
    annotation, _ = _strip(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [arm for a in typing.get_args(annotation) for arm in _arms(a)]
    return [annotation]


def _is_model(annotation: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def type_text(annotation: Any) -> str:
    """A key's type in words: ``number``, ``list of mapping``, ```cap` | `shed```..."""
    annotation, _ = _strip(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(dict.fromkeys(type_text(a) for a in args))
    if origin is Literal:
        return " | ".join(f"`{a}`" for a in args)
    if origin in (list, set, frozenset):
        return f"list of {type_text(args[0])}"
    if origin is tuple:
        return "[" + ", ".join(type_text(a) for a in args) + "]"
    if origin is dict:
        return f"mapping of NAME: {type_text(args[1])}"
    if _is_model(annotation):
        return "mapping"
    words = {
        float: "number",
        int: "integer",
        str: "text",
        bool: "boolean",
        Path: "path",
        dt.datetime: "date-time",
        type(None): "null",
    }
    return words.get(annotation, getattr(annotation, "__name__", str(annotation)))


def range_text(info: FieldInfo) -> str:
    """Allowed range from the field's constraints: ``[0, 100,000]``, ``(0, 1]``, lengths."""
    metadata = list(info.metadata)
    for arm in _arms(info.annotation):  # constraints inside a list's items (hours, months)
        for inner in typing.get_args(arm):
            metadata += _strip(inner)[1]
    low = high = None
    parts = []
    for m in metadata:
        if isinstance(m, at.Ge | at.Gt):
            low = ("[" if isinstance(m, at.Ge) else "(", getattr(m, "ge", getattr(m, "gt", None)))
        elif isinstance(m, at.Le | at.Lt):
            high = ("]" if isinstance(m, at.Le) else ")", getattr(m, "le", getattr(m, "lt", None)))
        elif isinstance(m, at.MinLen) and m.min_length > 0:
            parts.append(f"at least {m.min_length:,} item{'s' if m.min_length > 1 else ''}")
        elif isinstance(m, at.MaxLen):
            what = "characters" if str in _arms(info.annotation) else "items"
            parts.append(f"at most {m.max_length:,} {what}")
        elif getattr(m, "pattern", None):
            parts.append(f"pattern `{m.pattern}`")
    if low or high:
        lo = f"{low[0]}{_number(low[1])}" if low else "(-∞"
        hi = f"{_number(high[1])}{high[0]}" if high else "∞)"
        parts.insert(0, f"{lo}, {hi}")
    return "; ".join(parts)


def _number(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:g}"
    return f"{value:,.0f}" if isinstance(value, int | float) else str(value)


def unit_text(name: str, description: str) -> str:
    """The unit: the description's ``[unit]``, else the key's suffix, else empty."""
    found = _BRACKET.findall(description)
    if found:
        return found[0]
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit
    return ""


def default_text(info: FieldInfo) -> str:
    if info.default_factory is not None:
        if info.default_factory_takes_validated_data:
            return "(from other keys: see the description)"
        value = info.default_factory()  # type: ignore[call-arg]
        return "(its keys' defaults)" if isinstance(value, BaseModel) else _yaml(value)
    if info.default is PydanticUndefined:
        return "required"
    return _yaml(info.default)


def _yaml(value: Any) -> str:
    if isinstance(value, dt.datetime | Path):
        value = str(value)
    return f"`{json.dumps(value, ensure_ascii=False)}`".replace('`"', "`").replace('"`', "`")


def reference_rows(model: type[BaseModel] = Config, prefix: str = "") -> list[Row]:
    """One :class:`Row` per key of ``model`` and its sections, depth first. A key of some
    dispatch policies only lists them in ``policies``."""
    rows: dict[str, Row] = {}
    _walk(model, prefix, rows, None)
    return list(rows.values())


def _walk(model: type[BaseModel], prefix: str, rows: dict[str, Row], policy: str | None) -> None:
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        row = rows.get(key)
        if row is None:
            description = " ".join((info.description or "").split())
            kind = type_text(info.annotation)
            numeric = kind.startswith(("number", "integer"))
            unit = unit_text(name, description if numeric else "")
            rows[key] = Row(key, kind, unit, default_text(info), range_text(info), description, [])
            row = rows[key]
        elif name == "policy":  # each policy's model tags itself: the row lists them all
            row.type = f"{row.type} | {type_text(info.annotation)}"
        if policy is not None:
            row.policies.append(policy)
        models = [a for a in _arms(info.annotation) if _is_model(a)]
        if len(models) > 1:  # the dispatch policies, told apart by `policy`
            for arm in models:
                tag = typing.get_args(arm.model_fields["policy"].annotation)[0]
                _walk(arm, f"{key}.", rows, tag)
            continue
        walked: set[type] = set()
        for arm in _arms(info.annotation):
            origin, args = typing.get_origin(arm), typing.get_args(arm)
            item = _strip(args[-1])[0] if origin in (list, dict) else None
            if _is_model(arm):
                _walk(arm, f"{key}.", rows, policy)
                walked.add(arm)
            elif origin is list and _is_model(item) and item not in walked:
                _walk(item, f"{key}[i].", rows, policy)
            elif origin is dict and _is_model(item):
                _walk(item, f"{key}.NAME.", rows, policy)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_reference() -> str:
    """``docs/config.md``: every key of a config file as a Markdown table per section."""
    rows = reference_rows()
    every_policy = set(typing.get_args(PolicyName))
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from the schema (sim/config/schema/) by `python docs/config_reference.py`;"
        " do not edit: tests/test_config_reference.py fails when it is out of date. -->",
        "",
        "Every key of a config file: its type, unit, default, allowed range and meaning, read",
        "from the schema itself. `[a, b]` includes its bounds, `(a, b)` excludes them. `[i]` is",
        "an element of a list, `NAME` a name you choose. `required` keys must be given (in the",
        "file or a base it `extends:`). Besides these keys a file may name a base, `extends:",
        "PATH` or `extends: preset:NAME`, and overlays, `scenario: [PATH or scenario:NAME, ...]`",
        "(see the README's *Configuration*). For an editor that completes and checks keys, see",
        "`dcsim schema` in the README.",
    ]
    tops = [r.key.split(".")[0].split("[")[0] for r in rows]
    sections = {top for top, r in zip(tops, rows, strict=True) if r.key != top}
    groups: dict[str, list[Row]] = {"": []}
    for top, row in zip(tops, rows, strict=True):
        groups.setdefault(top if top in sections else "", []).append(row)
    for top, group in groups.items():
        lines += ["", f"## `{top}`" if top else "## Top level", "", *_header()]
        for row in group:
            description = row.description
            if row.policies and set(row.policies) != every_policy:
                only = ", ".join(f"`{p}`" for p in row.policies)
                description = f"(policy {only} only) {description}".strip()
            cells = [f"`{row.key}`", row.type, row.unit, row.default, row.range, description]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _header() -> list[str]:
    return [
        "| key | type | unit | default | range | description |",
        "|---|---|---|---|---|---|",
    ]


def editor_schema() -> dict[str, Any]:
    """The JSON Schema of a config file for editors: :meth:`Config.model_json_schema` plus
    ``extends:`` and ``scenario:``; the top level's required keys are required only in a file
    without ``extends:`` (its base gives them), and ``oneOf`` is relaxed to ``anyOf`` (a file
    that extends a base may give a section partly, matching more than one arm)."""
    schema = copy.deepcopy(Config.model_json_schema())
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "dcsim config"
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "A base config this file is merged onto: a path relative to this file, "
        "or a shipped one by name (preset:NAME, example:NAME).",
    }
    schema["properties"]["scenario"] = {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "Scenario overlays (paths or scenario:NAME), merged in order, lists "
        "appended.",
    }
    required = schema.pop("required", [])
    if required:
        schema["if"] = {"not": {"required": ["extends"]}}
        schema["then"] = {"required": required}
    return _relax(schema)


def _relax(node: Any) -> Any:
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _relax(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_relax(v) for v in node]
    return node
