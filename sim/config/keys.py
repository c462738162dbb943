"""Key paths of the schema: the annotation at a key, unknown-key messages, where a key was set,
and pydantic's errors translated into :class:`~sim.config.problems.Problem` at key paths.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.config.problems import Key, KeyProblems, Problem, format_key
from sim.config.schema.root import Config


def record_origins(node: Any, key: Key, file: str, origins: dict[Key, str]) -> None:
    origins[key] = file
    if isinstance(node, dict):
        for name, child in node.items():
            record_origins(child, (*key, name), file, origins)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            record_origins(child, (*key, index), file, origins)


def _unwrap(annotation: Any) -> Any:
    """Strip ``Optional`` from an annotation: ``X | None`` -> ``X``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def annotation_at(key: Key, root: type[BaseModel] | None = None) -> Any:
    """The schema's annotation at a key path, or None where the schema has no such key."""
    annotation: Any = Config if root is None else root
    for part in key:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            if typing.get_origin(annotation) is not list:
                return None
            annotation = typing.get_args(annotation)[0]
        else:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return None
            field = annotation.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
    return _unwrap(annotation)


def problems_from(
    exc: ValidationError,
    origins: dict[Key, str],
    default_file: str,
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    """Translate pydantic's errors into problems naming file, key and what is allowed.

    ``model`` is the schema validated (default :class:`Config`), for suggesting known keys.
    """
    problems = []
    for error in exc.errors(include_url=False):
        key: Key = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, KeyProblems):
            for sub_key, value, message in cause.items:
                full = key + sub_key
                problems.append(Problem(_origin(full, origins, default_file), full, message, value))
            continue
        file = _origin(key, origins, default_file)
        kind = error["type"]
        if kind == "extra_forbidden":
            message = _unknown_key_message(key, model)
            problems.append(Problem(file, key, message, error["input"]))
        elif kind == "missing":
            problems.append(Problem(file, key, "required key is missing"))
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(Problem(file, key, message, error["input"]))
    return problems


def unknown_key_message(key: Key) -> str | None:
    """None if the schema knows ``key``, else why not (with the closest known key)."""
    for depth in range(1, len(key) + 1):
        if annotation_at(key[:depth]) is None:
            return f"{format_key(key[:depth])}: " + _unknown_key_message(key[:depth])
    return None


def _unknown_key_message(key: Key, root: type[BaseModel] | None = None) -> str:
    model = annotation_at(key[:-1], root)
    known = (
        list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []
    )
    close = difflib.get_close_matches(str(key[-1]), known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key; {hint}allowed here: {', '.join(known)}"


def _origin(key: Key, origins: dict[Key, str], default_file: str) -> str:
    """The file that set the deepest existing prefix of ``key``."""
    for depth in range(len(key), 0, -1):
        if key[:depth] in origins:
            return origins[key[:depth]]
    return default_file
