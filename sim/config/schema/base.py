"""The base of the schema: :class:`StrictModel`, names, and the ranges of the physical keys."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from sim.config.problems import Key, KeyProblems
from sim.traces import TraceError, read_trace


class StrictModel(BaseModel):
    """The base of every schema model: unknown keys refused, frozen, finite numbers only, and
    no boolean where a number belongs (pydantic would read ``true`` as 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None:
            bad = _bools_for_numbers(field.annotation, value, ())
            if bad:
                raise KeyProblems(
                    [(key, flag, "must be a number, not a boolean") for key, flag in bad]
                )
        return value


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _arms(annotation: Any) -> tuple[Any, ...]:
    """The members of a union (``X | None``), or the annotation alone."""
    annotation = _strip_annotated(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(_strip_annotated(a) for a in typing.get_args(annotation))
    return (annotation,)


def _bools_for_numbers(annotation: Any, value: Any, key: Key) -> list[tuple[Key, bool]]:
    """Where ``value`` holds a boolean that ``annotation`` types as a number (int or float,
    not bool or Any): (key path below the field, the boolean) for each."""
    arms = _arms(annotation)
    if isinstance(value, bool):
        numeric = any(a in (int, float) for a in arms)
        allowed = any(a is bool or a is Any for a in arms)
        return [(key, value)] if numeric and not allowed else []
    for arm in arms:
        origin = typing.get_origin(arm)
        args = typing.get_args(arm)
        if isinstance(value, list | tuple) and origin in (list, tuple, set, frozenset):
            if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                items = list(zip(args, value, strict=False))
            else:
                items = [(args[0] if args else Any, item) for item in value]
            return [
                found
                for i, (item_type, item) in enumerate(items)
                for found in _bools_for_numbers(item_type, item, (*key, i))
            ]
        if isinstance(value, dict) and origin is dict and len(args) == 2:
            return [
                found
                for name, item in value.items()
                for found in _bools_for_numbers(args[1], item, (*key, name))
            ]
    return []


NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
NAME_MAX_CHARS = 128


def name_field(description: str) -> Any:
    """A name that may become a file or folder name: one path component of letters, digits,
    ``.``, ``_`` and ``-``, starting with a letter or digit (so never ``.`` or ``..``), at most
    :data:`NAME_MAX_CHARS` characters."""
    return Field(
        pattern=NAME_PATTERN,
        max_length=NAME_MAX_CHARS,
        description=f"{description} [A-Za-z0-9._-], starting with a letter or digit, "
        f"at most {NAME_MAX_CHARS} characters.",
    )


# Ranges of the physical keys. Each is wide enough for any real study and refuses nonsense
# (2**64 MW, 1e308 h, -500 °C); the figures they rest on are in shared/reference/facts.md.
MAX_HOURS = 876_000.0
"""Longest run, and latest time in a run [h]: 100 years."""
MAX_SITE_MW = 100_000.0
"""Largest power of a site [MW]: 20 × a 5 GW campus (Colossus 2 plans ~2 GW, facts §2)."""
MAX_GPUS = 10_000_000
"""Most accelerators of a pool or a job: 10 × the 1M-GPU site of facts §2."""
MIN_PRICE_USD_PER_MWH = -10_000.0
MAX_PRICE_USD_PER_MWH = 100_000.0
"""Energy prices [USD/MWh]: ERCOT's offer cap is 5,000; Europe's intraday markets clear down
to -9,999 EUR/MWh (E: market rules, not in facts.md)."""
MAX_DELTA_C = 30.0
"""Largest temperature difference of the cooling keys (approaches, rises, heat waves) [°C]."""
MIN_AMBIENT_C, MAX_AMBIENT_C = -60.0, 60.0
"""Ambient temperatures [°C] (the records are -89 °C at Vostok and 57 °C in Death Valley)."""
MIN_START_YEAR, MAX_START_YEAR = 1900, 2200
"""Years ``start`` may lie in: well inside pandas' timestamp range (1677–2262), which a run
with ``duration_h`` up to :data:`MAX_HOURS` must not leave."""


def check_trace(path: Path | None, column: str, nonnegative: bool) -> Path | None:
    if path is not None:
        try:
            read_trace(path, column, nonnegative)
        except TraceError as exc:
            raise ValueError(str(exc)) from None
    return path
