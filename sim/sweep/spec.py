"""The sweep spec: its schema (:class:`SweepSpec`), the typing of its axes by the config schema,
and its expansion into runs (:func:`load_sweep`), each with its id, seed and resolved config."""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field, TypeAdapter, ValidationError, model_validator

from sim.config import (
    PATH_KEYS,
    Config,
    ConfigError,
    Key,
    KeyProblems,
    Problem,
    StrictModel,
    annotation_at,
    load_tree,
    name_field,
    parse_key,
    problems_from,
    read_yaml,
    resolve_path_keys,
    set_key,
    unknown_key_message,
    validate_tree,
)
from sim.config.names import UnknownNameError, is_name, resolve
from sim.sweep.ids import _variant_labels

Values = Annotated[list[Any], Field(min_length=1)]


class SamplesSpec(StrictModel):
    """``n`` random variants, each key drawn uniformly from its ``[low, high]`` range."""

    n: int = Field(ge=1, description="Number of random variants.")
    seed: int = Field(0, ge=0, description="Seed of the sampling (not of the runs).")
    ranges: dict[str, tuple[float, float]] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> SamplesSpec:
        bad = [
            (("ranges", key), list(r), "must be [low, high] with low < high")
            for key, r in self.ranges.items()
            if not r[0] < r[1]
        ]
        if bad:
            raise KeyProblems(bad)
        return self


class SweepSpec(StrictModel):
    """A sweep spec as written in YAML (keys of the axes are dotted config keys)."""

    name: str = name_field("Names the sweep's folder.")
    description: str = ""
    base: str | dict[str, Any] = Field(
        description="Base config: a path, a shipped name (preset:NAME) or an inline mapping."
    )
    set: dict[str, Any] = Field(default_factory=dict, description="Applied to every run.")
    product: dict[str, Values] = Field(default_factory=dict)
    zip: list[dict[str, Values]] = Field(default_factory=list)
    variants: list[dict[str, Any]] = Field(default_factory=list)
    samples: SamplesSpec | None = None
    seeds: int = Field(1, ge=1, description="Replicates per variant.")
    max_runs: int = Field(
        10_000,
        ge=1,
        description="Refuse a spec that expands to more runs than this (variants x seeds), "
        "counted before anything is expanded; raise it for a larger sweep.",
    )

    @model_validator(mode="after")
    def _zip_lengths(self) -> SweepSpec:
        bad: list[tuple[Key, Any, str]] = []
        for i, group in enumerate(self.zip):
            if not group:
                bad.append((("zip", i), group, "a zip group needs at least one key"))
                continue
            lengths = {key: len(values) for key, values in group.items()}
            if len(set(lengths.values())) > 1:
                bad.append(
                    (("zip", i), lengths, "the lists of a zip group must have equal lengths")
                )
        if bad:
            raise KeyProblems(bad)
        return self

    def n_runs(self) -> tuple[int, list[str]]:
        """The number of runs, from the axes' lengths (nothing is expanded), and its factors."""
        factors = [(len(values), key) for key, values in self.product.items()]
        factors += [(len(next(iter(g.values()))), f"zip[{i}]") for i, g in enumerate(self.zip)]
        if self.variants:
            factors.append((len(self.variants), "variants"))
        if self.samples is not None:
            factors.append((self.samples.n, "samples.n"))
        factors.append((self.seeds, "seeds"))
        return math.prod(n for n, _ in factors), [f"{n:,} {what}" for n, what in factors]

    def keyed_sections(self) -> Iterator[tuple[Key, str]]:
        """Every place that names a config key: (where in the spec, the dotted key)."""
        for section in ("set", "product"):
            for key in getattr(self, section):
                yield (section, key), key
        for i, group in enumerate(self.zip):
            for key in group:
                yield ("zip", i, key), key
        for i, variant in enumerate(self.variants):
            for key in variant:
                yield ("variants", i, key), key
        if self.samples is not None:
            for key in self.samples.ranges:
                yield ("samples", "ranges", key), key


@dataclass
class RunPlan:
    """One run of a sweep: its id, parameters and resolved config (or why it has none)."""

    run_id: str
    variant_id: str
    seed: int
    params: dict[str, Any]
    config: Config | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def error(self) -> str:
        """Why the run has no config, one problem a line ("" when it has one)."""
        return "\n".join(str(p) for p in self.problems)


@dataclass
class Sweep:
    """A validated sweep: its spec and its runs in order."""

    spec: SweepSpec
    plans: list[RunPlan]
    param_keys: list[str] = field(default_factory=list)


def is_sweep_spec(path: str | Path) -> bool:
    """True for a YAML file whose top level names a ``base:`` (a sweep spec, not a config)."""
    problems: list[Problem] = []
    try:
        path = resolve(path)
    except UnknownNameError:
        return False
    data = read_yaml(path, problems) if path.is_file() else None
    return isinstance(data, dict) and "base" in data


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and expand a sweep spec.

    Problems with the spec itself (unknown keys, bad axes, a missing base) raise
    :class:`~sim.config.ConfigError` with every problem. A variant whose config is invalid does
    not: its :class:`RunPlan` carries the error, and it fails alone when the sweep runs.
    """
    try:
        path = resolve(path)
    except UnknownNameError as exc:
        raise ConfigError([Problem(str(path), (), str(exc))]) from None
    problems: list[Problem] = []
    data = read_yaml(path, problems) if path.exists() else None
    if data is None:
        raise ConfigError(problems or [Problem(str(path), (), "file not found")])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_from(exc, {}, str(path), model=SweepSpec)) from None
    for where, text in spec.keyed_sections():
        try:
            message = unknown_key_message(parse_key(text))
        except ValueError as exc:
            message = str(exc)
        if message:
            problems.append(Problem(str(path), where, f"not a config key: {message}", text))
    n_runs, factors = spec.n_runs()
    if n_runs > spec.max_runs:
        message = (
            f"the spec expands to {n_runs:,} runs ({' x '.join(factors)}), more than "
            f"max_runs = {spec.max_runs:,}; reduce the axes or raise max_runs"
        )
        problems.append(Problem(str(path), ("max_runs",), message))
    if problems:
        raise ConfigError(problems)
    spec = _typed_spec(spec, str(path), problems)
    if problems:
        raise ConfigError(problems)

    folder = path.parent
    if isinstance(spec.base, str):  # a path relative to the spec, or a name (preset:NAME)
        base, origins = load_tree(spec.base if is_name(spec.base) else folder / spec.base)
    else:
        base, origins = copy.deepcopy(spec.base), {}
        resolve_path_keys(base, folder)
    for text, value in spec.set.items():
        set_key(
            base, parse_key(text), _resolve(text, value, folder), f"{path}: set", origins, problems
        )
    if problems:
        raise ConfigError(problems)

    variants = expand_variants(spec)
    param_keys = list(dict.fromkeys(k for v in variants for k in v))
    labels = _variant_labels(variants, param_keys)
    plans = []
    for params, label in zip(variants, labels, strict=True):
        # A swept `seed` is the variant's first seed (else the base's), not overwritten.
        first = params.get("seed", base.get("seed", 0))
        first_seed = first if isinstance(first, int) and not isinstance(first, bool) else 0
        for k in range(spec.seeds):
            seed = first_seed + k
            run_id = f"{label}_seed-{seed}"
            plan = RunPlan(run_id, label, seed, params)
            data_k = copy.deepcopy(base)
            origins_k = dict(origins)
            found: list[Problem] = []
            source = f"{path}: run {run_id}"
            for text, value in params.items():
                set_key(
                    data_k, parse_key(text), _resolve(text, value, folder), source, origins_k, found
                )
            data_k["seed"], data_k["name"] = seed, run_id
            try:
                plan.config = validate_tree(data_k, origins_k, str(path), found)
            except ConfigError as exc:
                plan.problems = exc.problems
            plans.append(plan)
    return Sweep(spec, plans, param_keys)


def _typed_spec(spec: SweepSpec, file: str, problems: list[Problem]) -> SweepSpec:
    """The spec with every value of a number, boolean or text key typed by the config schema.

    A string the schema reads as a number (PyYAML reads ``1e3`` as text) becomes that number,
    so an axis column has one type; a value of the wrong type (``true`` for a number) is a
    problem at its place in the spec, e.g. ``product.battery.energy_mwh[1]``.
    """

    def typed(text: str, value: Any, where: Key) -> Any:
        try:
            annotation = annotation_at(parse_key(text))
        except ValueError:
            return value
        if annotation not in (int, float, bool, str) or value is None:
            return value
        name = {int: "an integer", float: "a number", bool: "a boolean", str: "text"}[annotation]
        if isinstance(value, bool) and annotation is not bool:
            problems.append(Problem(file, where, f"{text} is {name}, not a boolean", value))
            return value
        try:
            result = TypeAdapter(annotation).validate_python(value)
        except ValidationError as exc:
            reason = exc.errors(include_url=False)[0]["msg"]
            problems.append(Problem(file, where, f"{text} is {name}: {reason}", value))
            return value
        return result if isinstance(value, str) and not isinstance(result, str) else value

    update: dict[str, Any] = {
        "set": {k: typed(k, v, ("set", k)) for k, v in spec.set.items()},
        "product": {
            k: [typed(k, v, ("product", k, i)) for i, v in enumerate(values)]
            for k, values in spec.product.items()
        },
        "zip": [
            {
                k: [typed(k, v, ("zip", g, k, i)) for i, v in enumerate(values)]
                for k, values in group.items()
            }
            for g, group in enumerate(spec.zip)
        ],
        "variants": [
            {k: typed(k, v, ("variants", i, k)) for k, v in variant.items()}
            for i, variant in enumerate(spec.variants)
        ],
    }
    return spec.model_copy(update=update)


def expand_variants(spec: SweepSpec) -> list[dict[str, Any]]:
    """The variants of a spec, in a stable order: the cartesian product of its axes."""
    axes: list[list[dict[str, Any]]] = [
        [{key: value} for value in values] for key, values in spec.product.items()
    ]
    for group in spec.zip:
        n = len(next(iter(group.values())))
        axes.append([{key: values[i] for key, values in group.items()} for i in range(n)])
    if spec.variants:
        axes.append([dict(v) for v in spec.variants])
    if spec.samples is not None:
        rng = np.random.default_rng(spec.samples.seed)
        ranges = spec.samples.ranges
        axes.append(
            [
                {key: float(rng.uniform(lo, hi)) for key, (lo, hi) in ranges.items()}
                for _ in range(spec.samples.n)
            ]
        )
    return [_merge(combo) for combo in itertools.product(*axes)]


def _merge(dicts: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in dicts:
        out.update(d)
    return out


def _resolve(text: str, value: Any, folder: Path) -> Any:
    """A path-valued key's value, made absolute relative to the spec's folder."""
    if parse_key(text) in PATH_KEYS and isinstance(value, str):
        return str((folder / value).resolve())
    return value
