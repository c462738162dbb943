"""Key paths of the schema: the annotation at a key, unknown-key messages, where a key was set,
and pydantic's errors translated into :class:`~sim.config.problems.Problem` at key paths.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, Tag, ValidationError

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


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a union (``battery:`` is a mapping or a list), else the annotation."""
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [_unwrap(_members(a)[0]) for a in typing.get_args(annotation)]
    return [annotation]


def _tags(annotation: Any) -> set[str]:
    """The tags of a discriminated union's alternatives (none for another annotation)."""
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return set()
    return {
        meta.tag
        for alternative in typing.get_args(annotation)
        if typing.get_origin(alternative) is typing.Annotated
        for meta in alternative.__metadata__
        if isinstance(meta, Tag)
    }


def _models(annotation: Any) -> list[type[BaseModel]]:
    return [a for a in _members(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one part below ``annotation`` (None if there is none). At a union, the
    alternative the part fits: a list for an index, a model with that field for a name."""
    if isinstance(part, int):
        lists = [a for a in _members(annotation) if typing.get_origin(a) is list]
        return typing.get_args(lists[0])[0] if lists else None
    fields = [m.model_fields[part] for m in _models(annotation) if part in m.model_fields]
    return fields[0].annotation if fields else None


def annotation_at(key: Key, root: type[BaseModel] | None = None) -> Any:
    """The schema's annotation at a key path, or None where the schema has no such key."""
    annotation: Any = Config if root is None else root
    for part in key:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    return _unwrap(annotation)


def strip_tags(key: Key) -> Key:
    """A pydantic error location without the tags of discriminated unions (``battery.list[0]``
    is ``battery[0]``)."""
    out: list[str | int] = []
    annotation: Any = Config
    for part in key:
        if annotation is not None and part in _tags(annotation):
            continue
        out.append(part)
        annotation = None if annotation is None else _step(annotation, part)
    return tuple(out)


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
        key: Key = strip_tags(tuple(error["loc"]))
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
    known = [
        name for model in _models(annotation_at(key[:-1], root)) for name in model.model_fields
    ]
    close = difflib.get_close_matches(str(key[-1]), known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key; {hint}allowed here: {', '.join(known)}"


def _origin(key: Key, origins: dict[Key, str], default_file: str) -> str:
    """The file that set the deepest existing prefix of ``key``."""
    for depth in range(len(key), 0, -1):
        if key[:depth] in origins:
            return origins[key[:depth]]
    return default_file
