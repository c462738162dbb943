"""What is wrong with a config, and where: :class:`Problem`, :class:`ConfigError`.

Every check of the package reports a :class:`Problem` naming the file, the dotted key path
(:func:`format_key`), the bad value and what is allowed; loading collects them all and raises
one :class:`ConfigError`. Model validators raise :class:`KeyProblems` to place their problems at
sub-keys of the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Key = tuple[str | int, ...]
"""A key path into the config tree: ``("grid", "outages", 0, "start_h")``."""


def format_key(key: Key) -> str:
    """Render a key path as the dotted form users type: ``grid.outages[0].start_h``."""
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


MISSING = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config: where it is, what it is, and what is allowed."""

    file: str
    key: Key
    message: str
    value: Any = MISSING

    def __str__(self) -> str:
        got = "" if self.value is MISSING else f" (got {short_repr(self.value)})"
        return f"{self.file}: {format_key(self.key)}: {self.message}{got}"


class ConfigError(Exception):
    """Raised when a config cannot be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class KeyProblems(ValueError):
    """Raised inside model validators to report problems at sub-keys of the model."""

    def __init__(self, items: Sequence[tuple[Key, Any, str]]):
        self.items = list(items)
        super().__init__("; ".join(f"{format_key(k)}: {m}" for k, _, m in items))


def short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
