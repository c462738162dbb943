"""Loading a config: files with ``extends:`` and ``scenario:`` merged, path keys resolved,
overrides applied, the tree validated with every problem at once; and the dump of a config.
"""

from __future__ import annotations

import contextlib
import typing
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config.keys import problems_from, record_origins
from sim.config.names import UnknownNameError, resolve
from sim.config.overrides import apply_override, deep_merge
from sim.config.problems import ConfigError, Key, Problem
from sim.config.schema.root import Config
from sim.config.yamlio import dump_yaml, read_yaml

PATH_KEYS: tuple[Key, ...] = (
    ("load", "trace_csv"),
    ("grid", "price_csv"),
    ("grid", "carbon_csv"),
    ("weather", "csv"),
)


MAX_EXTENDS_CHAIN = 32
"""Most files in one chain of ``extends:`` and ``scenario:`` files."""


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Load, merge and validate a config file.

    Parameters
    ----------
    path : str or Path
        YAML config, or a shipped one by name (``preset:colossus2``, ``example:outage_day``;
        :mod:`sim.config.names`). ``extends:`` (a path relative to the file, or a name) names
        a base config that this file is deep-merged onto: mappings merge key by key, anything
        else is replaced; ``scenario:`` (paths or ``scenario:NAME``) overlays scenarios.
    overrides : list of str
        ``KEY=VALUE`` strings applied after merging; ``KEY`` is a dotted path with list indexes
        (``grid.outages[0].duration_h``) and ``VALUE`` is typed by the schema.

    Raises
    ------
    ConfigError
        With every problem found (file, key path, value, what is allowed).
    """
    data, origins = load_tree(path)
    problems: list[Problem] = []
    for text in overrides:
        apply_override(data, origins, text, problems)
    return validate_tree(data, origins, str(path), problems)


def load_tree(path: str | Path) -> tuple[dict[str, Any], dict[Key, str]]:
    """Read a config file and what it ``extends:`` into one merged mapping, unvalidated.

    Returns the mapping and, for each key path, the file that set it.

    Raises
    ------
    ConfigError
        If a file is missing, unreadable, not valid YAML, over the limits of :func:`read_yaml`,
        or an ``extends:`` chain is a cycle or longer than :data:`MAX_EXTENDS_CHAIN` files.
    """
    origins: dict[Key, str] = {}
    problems: list[Problem] = []
    try:
        file = resolve(path)
    except UnknownNameError as exc:
        raise ConfigError([Problem(str(path), (), str(exc))]) from None
    try:
        data = _load_tree(file, origins, problems, stack=())
    except RecursionError:  # (the limits of read_yaml and _load_tree should prevent it)
        problems.append(Problem(str(path), (), "nested too deeply to read"))
        data = None
    if data is None:
        raise ConfigError(problems)
    return data, origins


def validate_tree(
    data: dict[str, Any],
    origins: dict[Key, str],
    default_file: str,
    problems: list[Problem] | None = None,
) -> Config:
    """Validate a merged mapping; raise every problem (plus ``problems`` found before) at once."""
    problems = list(problems or [])
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, origins, default_file))
        raise ConfigError(problems) from None
    if problems:
        raise ConfigError(problems)
    return config


def config_from_dict(data: dict[str, Any], source: str = "<dict>") -> Config:
    """Validate a config given as a plain mapping (paths relative to the working directory)."""
    return validate_tree(data, {}, source)


MACHINE_KEYS: dict[str, Any] = {"output": {"max_memory_gb"}}
"""Keys that guard the machine and change no result: left out of a run's identity."""


def dump_config(config: Config, identity: bool = False) -> str:
    """The resolved config as YAML, loadable again by :func:`load_config`; with ``identity``,
    without the :data:`MACHINE_KEYS` (the text a run's content hash is taken of)."""
    data = config.model_dump(mode="json", exclude=MACHINE_KEYS if identity else None)
    return dump_yaml(data)


def _load_tree(
    path: Path,
    origins: dict[Key, str],
    problems: list[Problem],
    stack: tuple[Path, ...],
    via: str = "extends",
) -> dict[str, Any] | None:
    """Read one YAML file and, recursively, what it extends and the scenarios it lists;
    record where each key came from. ``via`` is the key that named this file."""
    file = str(path)
    where, key = (str(stack[-1]), (via,)) if stack else (file, ())
    try:
        resolved = path.resolve()
    except (OSError, ValueError) as exc:
        problems.append(Problem(where, key, f"not a usable path: {exc}", str(path)))
        return None
    if resolved in stack:
        chain = " -> ".join(str(p) for p in (*stack, resolved))
        problems.append(Problem(file, (via,), f"{via} cycle: {chain}"))
        return None
    if len(stack) >= MAX_EXTENDS_CHAIN:
        message = (
            f"the chain of extends: and scenario: files from {stack[0]} is longer than "
            f"{MAX_EXTENDS_CHAIN} files (it reaches {path}); the limit is {MAX_EXTENDS_CHAIN}"
        )
        problems.append(Problem(str(stack[0]), (via,), message))
        return None
    if not path.is_file():
        what = "not a regular file" if path.exists() else "file not found"
        problems.append(Problem(where, key, f"{what}: {path}"))
        return None
    data = read_yaml(path, problems)
    if data is None:
        return None
    resolve_path_keys(data, path.parent)
    base: dict[str, Any] = {}
    if "extends" in data:
        parent = data.pop("extends")
        if not isinstance(parent, str):
            message = "must be a path to a YAML file or a shipped name (preset:NAME)"
            problems.append(Problem(file, ("extends",), message, parent))
            return None
        try:
            parent_path = resolve(parent, path.parent)
        except UnknownNameError as exc:
            problems.append(Problem(file, ("extends",), str(exc), parent))
            return None
        loaded = _load_tree(parent_path, origins, problems, (*stack, resolved))
        if loaded is None:
            return None
        base = loaded
    scenarios = data.pop("scenario", [])
    record_origins(data, (), file, origins)
    merged = deep_merge(base, data)
    if isinstance(scenarios, str):
        scenarios = [scenarios]
    if not isinstance(scenarios, list) or not all(isinstance(s, str) for s in scenarios):
        problems.append(
            Problem(file, ("scenario",), "must be a path or a list of paths", scenarios)
        )
        return None
    for overlay_path in scenarios:
        overlay_origins: dict[Key, str] = {}
        try:
            overlay_file = resolve(overlay_path, path.parent)
        except UnknownNameError as exc:
            problems.append(Problem(file, ("scenario",), str(exc), overlay_path))
            return None
        overlay = _load_tree(
            overlay_file, overlay_origins, problems, (*stack, resolved), "scenario"
        )
        if overlay is None:
            return None
        _merge_appending(merged, overlay, overlay_origins, origins, ())
    return merged


def _merge_appending(
    base: dict[str, Any],
    over: dict[str, Any],
    over_origins: dict[Key, str],
    origins: dict[Key, str],
    key: Key,
) -> None:
    """Merge a scenario overlay onto ``base`` in place: mappings key by key, lists appended
    (an overlay adds an outage rather than replacing the base's), anything else replaced.
    Origins follow the elements to their new places."""
    for name, value in over.items():
        here = (*key, name)
        old = base.get(name)
        if isinstance(value, dict) and isinstance(old, dict):
            _merge_appending(old, value, over_origins, origins, here)
            continue
        if isinstance(value, list) and isinstance(old, list):
            offset = len(old)
            old.extend(value)
            for sub_key, file in over_origins.items():
                if sub_key[: len(here)] == here and len(sub_key) > len(here):
                    index = typing.cast(int, sub_key[len(here)])  # (an index into the list)
                    shifted = (*here, index + offset, *sub_key[len(here) + 1 :])
                    origins[shifted] = file
            continue
        base[name] = value
        for sub_key, file in over_origins.items():
            if sub_key[: len(here)] == here:
                origins[sub_key] = file


def resolve_path_keys(data: dict[str, Any], folder: Path) -> None:
    """Make every path-valued key (:data:`PATH_KEYS`) of a config mapping absolute, in place,
    relative to ``folder`` (the folder of the file that sets them)."""
    for key in PATH_KEYS:
        node: Any = data
        for part in key[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(key[-1]), str):
            with contextlib.suppress(OSError, ValueError):  # (a NUL byte): validation reports it
                node[key[-1]] = str((folder / node[key[-1]]).resolve())
