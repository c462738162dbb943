"""Shipped configs by name: ``preset:colossus2``, ``scenario:grid_outage_4h``,
``example:outage_day``, ``sweep:battery_outage``.

The repository's ``configs/`` folder is the package's ``sim._configs`` (``pyproject.toml`` maps
it, so a wheel carries exactly the repository's files: one source of truth, nothing copied).
Installed from a wheel, the files are in ``sim/_configs/``; in a source checkout (an editable
install, or ``python -m sim`` from the repository) they are the repository's ``configs/``.
A name is accepted wherever a config path is: on the command line, in ``extends:``, in
``scenario:`` and in a sweep's ``base:``.
"""

from __future__ import annotations

import difflib
import logging
import re
from pathlib import Path

KINDS: dict[str, str] = {
    "preset": "presets",
    "scenario": "scenarios",
    "example": "examples",
    "sweep": "sweeps",
}
"""Name prefix -> folder of ``configs/``."""

_NAME_RE = re.compile(r"(?P<kind>[a-z]+):(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*?)(?:\.yaml)?")

_PACKAGE = Path(__file__).resolve().parents[1]
_LOG = logging.getLogger("dcsim.config")


class UnknownNameError(ValueError):
    """A ``kind:name`` that names no shipped config (the message lists the known ones)."""


def configs_root() -> Path:
    """The shipped configs' folder: ``sim/_configs`` in an installed wheel, else the
    repository's ``configs/`` (a source checkout)."""
    installed = _PACKAGE / "_configs"
    return installed if installed.is_dir() else _PACKAGE.parent / "configs"


def is_name(text: str | Path) -> bool:
    """True for text of the form ``kind:name`` with a known kind (``preset:eagle``)."""
    match = _NAME_RE.fullmatch(str(text))
    return match is not None and match["kind"] in KINDS


def shipped(kind: str) -> list[str]:
    """The names of the shipped configs of one kind (``preset``, ...), sorted."""
    folder = configs_root() / KINDS[kind]
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def shipped_path(kind: str, name: str) -> Path:
    """The file of a shipped config.

    Raises
    ------
    UnknownNameError
        If there is none of that name (the message names the closest and lists them all).
    """
    path = configs_root() / KINDS[kind] / f"{name}.yaml"
    if path.is_file():
        return path
    known = shipped(kind)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {kind}:{close[0]}? " if close else ""
    listed = ", ".join(known) or f"none (no {configs_root() / KINDS[kind]})"
    raise UnknownNameError(
        f"no shipped {kind} named {name!r}: {hint}the {KINDS[kind]} are {listed}"
    )


def resolve(text: str | Path, folder: Path | None = None) -> Path:
    """A config reference as a path: a ``kind:name`` is the shipped file, anything else a path
    (relative to ``folder`` when given).

    Raises
    ------
    UnknownNameError
        For a ``kind:name`` naming no shipped config.
    """
    match = _NAME_RE.fullmatch(str(text))
    if match is not None and match["kind"] in KINDS:
        path = shipped_path(match["kind"], match["name"])
        _LOG.debug("%s: %s", text, path)
        return path
    path = Path(text)
    return folder / path if folder is not None else path
