"""``--set KEY=VALUE`` overrides: parse a key path, type the value by the schema, set it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import AwareDatetime

from sim.config.keys import annotation_at, record_origins
from sim.config.problems import Key, Problem
from sim.config.yamlio import YamlLimitError, load_yaml

_KEY_RE = re.compile(r"[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*")


def parse_key(text: str) -> Key:
    """Parse ``grid.outages[0].start_h`` into ``("grid", "outages", 0, "start_h")``."""
    if not _KEY_RE.fullmatch(text):
        raise ValueError(f"not a key path: {text!r} (expected e.g. grid.outages[0].duration_h)")
    return tuple(
        int(index) if index else name for name, index in re.findall(r"(\w+)|\[(\d+)\]", text)
    )


def apply_override(
    data: dict[str, Any], origins: dict[Key, str], text: str, problems: list[Problem]
) -> None:
    """Apply one ``KEY=VALUE`` override in place; report a problem instead of raising."""
    source = f"--set {text}" if len(text) <= 80 else f"--set {text[:77]}..."
    raw_key, sep, raw_value = text.partition("=")
    try:
        if not sep:
            raise ValueError("expected KEY=VALUE")
        key = parse_key(raw_key.strip())
    except ValueError as exc:
        problems.append(Problem(source, (), str(exc)))
        return
    try:
        value = raw_value if _expects_text(key) else _yaml_scalar(raw_value)
    except ValueError as exc:
        problems.append(Problem(source, key, str(exc)))
        return
    set_key(data, key, value, source, origins, problems)


def set_key(
    data: dict[str, Any],
    key: Key,
    value: Any,
    source: str,
    origins: dict[Key, str],
    problems: list[Problem],
) -> None:
    """Set ``key`` to ``value`` in a config mapping, creating absent or null sections.

    ``source`` is recorded as the origin of what is set. An index may address an existing
    element or append one (index == length). A mapping set onto a mapping is *merged* into it,
    key by key and recursively (as ``extends:`` merges): ``dispatch={policy: backup}`` changes
    the policy and keeps ``dispatch.load_management``; a key given as null in the mapping is
    unset (pydantic's default). Lists and scalars replace. On failure, append a
    :class:`Problem`.
    """
    node: Any = data
    for depth, part in enumerate(key):
        here = key[: depth + 1]
        last = depth == len(key) - 1
        # What goes at `here` if it is absent or null: the value, or an empty container.
        fresh: Any = value if last else ({} if isinstance(key[depth + 1], str) else [])
        if isinstance(part, str) and isinstance(node, dict):
            if last and isinstance(value, dict) and isinstance(node.get(part), dict):
                node[part] = deep_merge(node[part], value)
            elif last or node.get(part) is None:
                node[part] = fresh
                origins[here] = source
        elif isinstance(part, int) and isinstance(node, list):
            if part > len(node):
                message = f"index out of range: the list has {len(node)} element(s)"
                problems.append(Problem(source, here, message))
                return
            if part == len(node):
                node.append(fresh)
                origins[here] = source
            elif last and isinstance(value, dict) and isinstance(node[part], dict):
                node[part] = deep_merge(node[part], value)
            elif last or node[part] is None:
                node[part] = fresh
                origins[here] = source
        else:
            kind = "a list" if isinstance(part, int) else "a mapping"
            problems.append(Problem(source, key[:depth], f"is not {kind}", node))
            return
        node = node[part]
    record_origins(value, key, source, origins)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` onto ``base`` (a new mapping): mappings key by key, recursively; anything
    else (lists, scalars, null) replaced by ``over``'s value."""
    out = dict(base)
    for name, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(name), dict):
            out[name] = deep_merge(out[name], value)
        else:
            out[name] = value
    return out


def _yaml_scalar(text: str) -> Any:
    """A ``--set`` value read as YAML by the config files' loader (``1e3`` is a float), or
    the text itself if it is not valid YAML.

    Raises
    ------
    ValueError
        If the value is over the loader's limits (size, depth, an integer's digits).
    """
    try:
        return load_yaml(text)
    except YamlLimitError as exc:
        raise ValueError(exc.problem) from None
    except yaml.YAMLError:
        return text


def _expects_text(key: Key) -> bool:
    """True when the schema types this key as text (so ``--set name=007`` stays a string)."""
    annotation = annotation_at(key)
    return annotation in (str, Path, AwareDatetime, dt.datetime)
