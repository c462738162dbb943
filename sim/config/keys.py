"""Key paths of the schema: the annotation at a key, unknown-key messages, where a key was set,
and pydantic's errors translated into :class:`~sim.config.problems.Problem` at key paths.

A section may be a tagged union of models (``dispatch:``, one model per policy, chosen by its
``policy``): its keys are those of every model, and its tag is no part of a key path.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

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


def _tagged_arms(annotation: Any) -> dict[str, Any] | None:
    """The arms of a tagged union by their tags, or None if ``annotation`` is not one.

    A tagged union is ``Union[Annotated[Arm, Tag("name")], ...]`` with a callable
    ``Discriminator``: ``dispatch:`` (one model per policy), ``battery:`` (a mapping or a
    list). The config's key paths name no tag: pydantic's error locations do
    (``dispatch.smooth.ramp_limit_mw_per_min`` is ``dispatch.ramp_limit_mw_per_min``,
    ``battery.list[0]`` is ``battery[0]``).
    """
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is typing.Annotated:  # (the union and its Discriminator)
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    arms: dict[str, Any] = {}
    for arm in typing.get_args(annotation):
        if typing.get_origin(arm) is not typing.Annotated:
            return None
        inner, *metadata = typing.get_args(arm)
        tags = [m.tag for m in metadata if isinstance(m, Tag)]
        if not tags:
            return None
        arms[tags[0]] = inner
    return arms


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _tag_key(arms: dict[str, Any]) -> str | None:
    """The key that holds a tagged union's tag: a field of every arm typed as the ``Literal``
    of its own tag (``policy``), or None (``battery:``'s arms are told apart by shape)."""
    if not all(_is_model(arm) for arm in arms.values()):
        return None
    for name in next(iter(arms.values())).model_fields:
        fields = [(tag, model.model_fields.get(name)) for tag, model in arms.items()]
        if all(
            field is not None
            and typing.get_origin(field.annotation) is Literal
            and typing.get_args(field.annotation) == (tag,)
            for tag, field in fields
        ):
            return name
    return None


def _known_keys(annotation: Any) -> list[str]:
    """The keys of a model, or of every arm of a tagged union (each once, in order)."""
    annotation = _unwrap(annotation)
    arms = _tagged_arms(annotation)
    models = list(arms.values()) if arms is not None else [annotation]
    return list(
        dict.fromkeys(
            name
            for model in models
            if isinstance(model, type) and issubclass(model, BaseModel)
            for name in model.model_fields
        )
    )


def _child(annotation: Any, part: str | int) -> Any:
    """The annotation one key below ``annotation``, or None where the schema has no such key.

    Below a tagged union, a key of any arm; a key some arms type differently (the tag, a
    ``Literal`` of each arm's own) is the ``Literal`` of them all.
    """
    annotation = _unwrap(annotation)
    arms = _tagged_arms(annotation)
    models = list(arms.values()) if arms is not None else [annotation]
    if isinstance(part, int):
        lists = [typing.get_args(m)[0] for m in models if typing.get_origin(m) is list]
        return lists[0] if lists else None
    found = [
        model.model_fields[part].annotation
        for model in models
        if isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields
    ]
    if not found or all(a == found[0] for a in found):
        return found[0] if found else None
    if all(typing.get_origin(a) is Literal for a in found):
        return Literal[tuple(dict.fromkeys(v for a in found for v in typing.get_args(a)))]
    return found[0]


def annotation_at(key: Key, root: type[BaseModel] | None = None) -> Any:
    """The schema's annotation at a key path, or None where the schema has no such key."""
    annotation: Any = Config if root is None else root
    for part in key:
        annotation = _child(annotation, part)
        if annotation is None:
            return None
    return _unwrap(annotation)


@dataclass(frozen=True)
class _Choice:
    """A tagged union met on an error's location: its key path, the tag chosen, the arms."""

    key: Key
    tag: str
    arms: dict[str, Any]


def _config_key(loc: tuple[str | int, ...], root: type[BaseModel]) -> tuple[Key, _Choice | None]:
    """An error's location as a config key path, without the tags of tagged unions; and the
    innermost tagged union chosen on the way (None if none)."""
    key: list[str | int] = []
    choice = None
    annotation: Any = root
    for part in loc:
        arms = _tagged_arms(annotation) if annotation is not None else None
        if arms is not None and part in arms:
            choice = _Choice(tuple(key), str(part), arms)
            annotation = arms[str(part)]
            continue
        key.append(part)
        annotation = _child(annotation, part) if annotation is not None else None
    return tuple(key), choice


def problems_from(
    exc: ValidationError,
    origins: dict[Key, str],
    default_file: str,
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    """Translate pydantic's errors into problems naming file, key and what is allowed.

    ``model`` is the schema validated (default :class:`Config`), for suggesting known keys.
    Key paths leave out the tags of tagged unions (:func:`tagged_arms`); directly under one, a
    key of another arm "applies only to policy peak_shave, not smooth", a missing key is
    "required by policy smooth", and a bad tag lists the tags allowed.
    """
    root = Config if model is None else model
    problems = []
    for error in exc.errors(include_url=False):
        key, choice = _config_key(tuple(error["loc"]), root)
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, KeyProblems):
            for sub_key, value, message in cause.items:
                full = key + sub_key
                problems.append(Problem(_origin(full, origins, default_file), full, message, value))
            continue
        kind = error["type"]
        if kind == "default_factory_not_called":
            continue  # (a default that reads other keys, one of which is reported already)
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            key, message, value = _bad_tag(key, root, error["input"], error["msg"])
            problems.append(Problem(_origin(key, origins, default_file), key, message, value))
            continue
        file = _origin(key, origins, default_file)
        # (the tagged union the key is directly under, if any)
        arm = choice if choice is not None and len(key) == len(choice.key) + 1 else None
        if kind == "extra_forbidden":
            if arm is not None:
                message = _key_of_another_arm(str(key[-1]), arm)
            else:
                message = _unknown_key_message(key, model)
            problems.append(Problem(file, key, message, error["input"]))
        elif kind == "missing":
            label = _tag_key(arm.arms) if arm is not None else None
            if arm is not None and label is not None:
                message = f"required by {label} {arm.tag}"
            else:
                message = "required key is missing"
            problems.append(Problem(file, key, message))
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(Problem(file, key, message, error["input"]))
    return problems


def _bad_tag(
    key: Key, root: type[BaseModel], data: Any, pydantic_message: str
) -> tuple[Key, str, Any]:
    """A tagged union without a valid tag: where (the tag's key if the section is a mapping,
    else the section), what is allowed, and the value found there."""
    arms = _tagged_arms(annotation_at(key, root))
    name = _tag_key(arms) if arms is not None else None
    if arms is None or name is None:
        return key, pydantic_message, data
    if not isinstance(data, dict):
        return key, "Input should be a valid dictionary", data
    tags = [repr(tag) for tag in arms]
    allowed = f"{', '.join(tags[:-1])} or {tags[-1]}" if len(tags) > 1 else tags[0]
    return (*key, name), f"Input should be {allowed}", data.get(name)


def unknown_key_message(key: Key) -> str | None:
    """None if the schema knows ``key``, else why not (with the closest known key)."""
    for depth in range(1, len(key) + 1):
        if annotation_at(key[:depth]) is None:
            return f"{format_key(key[:depth])}: " + _unknown_key_message(key[:depth])
    return None


def _unknown_key_message(key: Key, root: type[BaseModel] | None = None) -> str:
    known = _known_keys(annotation_at(key[:-1], root))
    return _unknown_among(str(key[-1]), known)


def _unknown_among(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key; {hint}allowed here: {', '.join(known)}"


def _key_of_another_arm(name: str, choice: _Choice) -> str:
    """Why a key directly under a tagged union is refused: it belongs to other arms (and which),
    or to none (with the keys of the chosen arm)."""
    owners = [
        tag for tag, model in choice.arms.items() if _is_model(model) and name in model.model_fields
    ]
    label = _tag_key(choice.arms)
    if owners and label is not None:
        return f"applies only to {label} {' or '.join(owners)}, not {choice.tag}"
    return _unknown_among(name, list(choice.arms[choice.tag].model_fields))


def _origin(key: Key, origins: dict[Key, str], default_file: str) -> str:
    """The file that set the deepest existing prefix of ``key``."""
    for depth in range(len(key), 0, -1):
        if key[:depth] in origins:
            return origins[key[:depth]]
    return default_file
