"""Build-out in phases: the keys that bring parts of the site online over the run.

A cluster pool, the grid's import limit, a turbine group and a battery may each be built in
steps (see :mod:`sim.buildout`): ``online_h`` (the part does not exist before that hour) or a
list of capacity steps ``[{at_h, ...}]``. The models here are shared by those sections; the
cross-check against the run's length is :func:`buildout_problems`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field

from sim.config.problems import Key
from sim.config.schema.base import MAX_GPUS, MAX_HOURS, MAX_SITE_MW, StrictModel

if TYPE_CHECKING:
    from sim.config.schema.root import Config


def online_h_field(part: str) -> Any:
    """The ``online_h`` key of a part built later: hours from the run's start, 0–876,000."""
    return Field(
        None,
        ge=0,
        le=MAX_HOURS,
        description=(
            f"Hour the {part} comes online [h from the run's start], 0 up to the run's "
            "duration_h (excluded); before it the part does not exist. null: online from the start."
        ),
    )


class GpuStepConfig(StrictModel):
    """A step of a pool's build-out: the GPUs online from ``at_h`` on."""

    at_h: float = Field(
        ge=0, le=MAX_HOURS, description="From this hour [h from the run's start], 0–876,000."
    )
    gpus: int = Field(
        ge=1,
        le=MAX_GPUS,
        description="Accelerators online from at_h (rounded up to whole nodes), 1–10,000,000.",
    )


class LimitStepConfig(StrictModel):
    """A step of the grid's import limit: the limit from ``at_h`` on."""

    at_h: float = Field(
        gt=0, le=MAX_HOURS, description="From this hour [h from the run's start], (0, 876,000]."
    )
    limit_mw: float = Field(
        ge=0, le=MAX_SITE_MW, description="Largest import from at_h on [MW], 0–100,000."
    )


def step_problems(
    key: Key, at_h: Sequence[float], values: Sequence[float], growing: bool
) -> list[tuple[Key, Any, str]]:
    """Problems of a list of steps at ``key``: hours strictly increasing and, if ``growing``,
    values strictly increasing too (capacity that is built, not torn down)."""
    items: list[tuple[Key, Any, str]] = []
    for i in range(1, len(at_h)):
        if at_h[i] <= at_h[i - 1]:
            items.append(
                ((*key, i, "at_h"), at_h[i], f"must be after step {i - 1}'s ({at_h[i - 1]})")
            )
        elif growing and values[i] <= values[i - 1]:
            items.append(
                ((*key, i, "gpus"), values[i], f"must exceed step {i - 1}'s ({values[i - 1]})")
            )
    return items


def buildout_problems(config: Config) -> list[tuple[Key, Any, str]]:
    """Every build-out hour must fall within the run, ``[0, duration_h)``: a part that never
    comes online is refused (an assumption of the design: a schedule beyond the run is a
    mistake, not a what-if; shorten it to what the run can see)."""
    hours: list[tuple[Key, float]] = []
    if config.cluster is not None:
        for i, pool in enumerate(config.cluster.pools):
            if pool.online_h is not None:
                hours.append((("cluster", "pools", i, "online_h"), pool.online_h))
            for k, step in enumerate(pool.steps):
                hours.append((("cluster", "pools", i, "steps", k, "at_h"), step.at_h))
    for k, limit in enumerate(config.grid.import_limit_steps):
        hours.append((("grid", "import_limit_steps", k, "at_h"), limit.at_h))
    for i, group in enumerate(config.turbines):
        if group.online_h is not None:
            hours.append((("turbines", i, "online_h"), group.online_h))
    many = isinstance(config.battery, list)
    for i, storage in enumerate(config.storages):
        if storage.online_h is not None:
            key: Key = ("battery", i, "online_h") if many else ("battery", "online_h")
            hours.append((key, storage.online_h))
    return [
        (key, h, f"must be below duration_h ({config.duration_h:g} h): the run never sees it")
        for key, h in hours
        if h >= config.duration_h
    ]
