"""Bounded YAML: the loader every config file and ``--set`` value is read with, and the dumper.

The loader refuses a key given twice, reads ``1e3`` as a float (YAML 1.2), and bounds what a
document may cost (:data:`MAX_YAML_BYTES`, :data:`MAX_YAML_NODES`, :data:`MAX_YAML_DEPTH`,
:data:`MAX_INT_DIGITS`), so a hostile file is a :class:`~sim.config.problems.Problem`, never a
hang or a crash.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sim.config.problems import Problem, short_repr

if TYPE_CHECKING:
    from yaml import _yaml  # (the stubs allow an event a LibYAML mark too)

MAX_YAML_BYTES = 2**20
"""Largest YAML file read [bytes]: a config is a few kB, long data goes in CSV files (and
PyYAML reads about 100k nodes in a few seconds)."""
MAX_YAML_NODES = 1_000_000
"""Largest YAML document, counted in nodes (scalars, lists, mappings) with aliases expanded."""
MAX_YAML_DEPTH = 64
"""Deepest nesting of a YAML document, with aliases expanded (the schema is < 10 deep)."""
MAX_INT_DIGITS = 4300
"""Most decimal digits of an integer in YAML (Python's own limit for reading one)."""

_INT_LIMIT = 10**MAX_INT_DIGITS

# YAML 1.2 floats that YAML 1.1 reads as strings: an exponent without a dot (1e3) or without a
# sign (1.5e3). Researchers write these for floats.
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


class YamlLimitError(yaml.YAMLError):
    """A YAML document refused for its size, depth or an integer's size (not for its syntax)."""

    def __init__(self, problem: str, mark: yaml.Mark | _yaml.Mark | None):
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping (never silently dropped),
    reads ``1e3`` as a float (as YAML 1.2 does), and bounds what a document may cost.

    Composition counts each node's size and depth with aliases expanded (memoised by node, so
    a "billion laughs" costs no more to count than to compose) and refuses a document larger
    than :data:`MAX_YAML_NODES` or deeper than :data:`MAX_YAML_DEPTH`, and an alias inside the
    collection it names. An integer of more than :data:`MAX_INT_DIGITS` digits is refused, and
    a scalar its tag cannot read (``!!float abc``, ``2025-13-01``) is a YAML error, not a crash.
    """

    def __init__(self, stream: Any):
        super().__init__(stream)
        self._depth = 0  # nesting of the node being composed
        self._composed = 0  # nodes composed (aliases not expanded)
        self._cost: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, depth), expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise YamlLimitError(
                    f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark
                )
            node = super().compose_node(parent, index)
            if isinstance(event, yaml.AliasEvent):
                cost = self._cost.get(id(node))
                if cost is None:
                    raise YamlLimitError(
                        f"recursive alias: *{event.anchor} is inside the collection it names",
                        event.start_mark,
                    )
            else:
                self._composed += 1
                if self._composed > MAX_YAML_NODES:
                    raise YamlLimitError(
                        f"too large: more than {MAX_YAML_NODES:,} nodes", event.start_mark
                    )
                children: list[yaml.Node] = []
                if isinstance(node, yaml.SequenceNode):
                    children = node.value
                elif isinstance(node, yaml.MappingNode):
                    children = [child for pair in node.value for child in pair]
                costs = [self._cost[id(child)] for child in children]
                cost = (
                    1 + sum(size for size, _ in costs),
                    1 + max((depth for _, depth in costs), default=0),
                )
                self._cost[id(node)] = cost
            size, depth = cost
            if self._depth - 1 + depth > MAX_YAML_DEPTH:
                raise YamlLimitError(
                    f"nested deeper than {MAX_YAML_DEPTH} levels once its aliases are expanded",
                    event.start_mark,
                )
            if size > MAX_YAML_NODES:
                raise YamlLimitError(
                    f"too large once its aliases are expanded: {size:,} nodes, "
                    f"the limit is {MAX_YAML_NODES:,}",
                    event.start_mark,
                )
            return node
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError, IndexError, KeyError) as exc:
            if isinstance(node, yaml.ScalarNode):
                value = short_repr(node.value)
            else:  # a sequence or a mapping ("sequence", "mapping"; yaml.Node declares no id)
                value = getattr(node, "id", "node")
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {value} as {node.tag}: {exc}", node.start_mark
            ) from None


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    text = node.value
    if sum(c.isdigit() for c in text) > MAX_INT_DIGITS:
        value = None
    else:
        value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    if value is None or abs(value) >= _INT_LIMIT:
        raise YamlLimitError(
            f"integer too large: {len(text):,} characters, the limit is {MAX_INT_DIGITS:,} digits",
            node.start_mark,
        )
    return value


def _construct_unique_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, typing.Hashable):
            if key in first_line:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first given on line {first_line[key] + 1})",
                    key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789.")
)


class _Dumper(yaml.SafeDumper):
    """A safe dumper that resolves plain scalars as :class:`_StrictLoader` reads them, so text
    that looks like ``1e3`` is written quoted and reads back as text."""


_Dumper.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789."))


def dump_yaml(data: Any) -> str:
    """``data`` as YAML that :func:`load_yaml` reads back the same (keys in their order)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def load_yaml(text: str) -> Any:
    """Parse one YAML document with :class:`_StrictLoader`.

    Raises
    ------
    yaml.YAMLError
        If it is not valid YAML or is refused for its cost (:class:`YamlLimitError`); a
        RecursionError is reported as one too.
    """
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except RecursionError:
        raise YamlLimitError(
            f"nested too deeply to read (the limit is {MAX_YAML_DEPTH} levels)", None
        ) from None


def read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    """Read one YAML file whose top level is a mapping (empty file: ``{}``).

    Duplicate keys are refused, and so is a file larger than :data:`MAX_YAML_BYTES` or a
    document over the limits of :class:`_StrictLoader`. On failure, append a :class:`Problem`
    and return None.
    """
    file = str(path)
    if not path.is_file():
        what = "not a regular file" if path.exists() else "file not found"
        problems.append(Problem(file, (), f"{what}: {path}"))
        return None
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            problems.append(
                Problem(
                    file,
                    (),
                    f"file too large: {size:,} bytes, the limit is {MAX_YAML_BYTES:,} "
                    "(long data goes in a CSV file)",
                )
            )
            return None
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        if not isinstance(exc, YamlLimitError):
            reason = f"not valid YAML: {reason}"
        problems.append(Problem(file + line, (), reason))
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problems.append(Problem(file, (), f"cannot read file: {exc}"))
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(file, (), "the top level must be a mapping of keys", data))
        return None
    return data
