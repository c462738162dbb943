"""A run's results in memory (:class:`Result`) and as a results folder on disk.

A results folder holds ``config.yaml`` (resolved), ``timeseries.parquet``, ``events.parquet``,
``summary.json`` and ``progress.parquet`` (jobs' useful compute over time; empty without jobs;
optional when reading, as folders from before it have none). It is written to a temporary
folder beside the target and renamed into place, so a crash or Ctrl-C never leaves half a
result.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim._linux import libc

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FILES = ("config.yaml", "timeseries.parquet", "events.parquet", "summary.json")
"""The files a results folder must have (``progress.parquet`` is written too, and optional)."""


MARKER = ".dcsim"
"""The file that marks a folder as dcsim's: JSON ``{"kind": "run" | "sweep", "dcsim_version"}``.
Only a folder so marked (or, for folders from before the marker, one holding a complete run
written by dcsim) is ever replaced or emptied by ``--force``."""


class ResultsExistError(FileExistsError):
    """The target results folder exists and overwriting was not asked for."""


class NotOursError(ResultsExistError):
    """The target exists and is not a folder that dcsim may replace, ``--force`` or not."""


def folder_kind(path: Path) -> str | None:
    """What dcsim wrote at ``path``: ``"run"``, ``"sweep"``, or None (not a dcsim folder).

    A folder is dcsim's if it holds the :data:`MARKER` file, or (written before the marker
    existed) a ``summary.json`` whose ``run`` section names a dcsim version beside the other
    files of a run, or a sweep's table beside its ``runs/``. A symbolic link is never dcsim's
    (it would be the link that is replaced).
    """
    if path.is_symlink() or not path.is_dir():
        return None
    try:
        marker = json.loads((path / MARKER).read_text())
        kind = marker.get("kind") if isinstance(marker, dict) else None
        return kind if kind in ("run", "sweep") else None
    except (OSError, ValueError):
        pass
    try:
        run = json.loads((path / "summary.json").read_text()).get("run", {})
        legacy_run = "dcsim_version" in run and all((path / f).is_file() for f in FILES)
    except (OSError, ValueError, AttributeError):
        legacy_run = False
    if legacy_run:
        return "run"
    if (path / "summary_by_variant.parquet").is_file() and (path / "runs").is_dir():
        return "sweep"
    return None


def check_replaceable(path: str | Path, kind: str = "run", force: bool = False) -> None:
    """Raise :class:`ResultsExistError` unless ``path`` may receive a ``kind`` results folder.

    It may if it does not exist; or, with ``force``, if it is an empty folder or a dcsim folder
    of that kind (:func:`folder_kind`) — for a run, one holding nothing but a run's files, as
    the whole folder is replaced. Anything else — a file, a link, a folder of other things,
    the working directory or one above it — is never touched (:class:`NotOursError`). The
    message says why.
    """
    path = Path(path)
    if path.is_symlink():  # (first: a link may loop, and resolving it would fail)
        raise NotOursError(_not_ours(path, "a symbolic link", kind))
    if not path.exists():
        return
    here = Path.cwd().resolve()
    target = path.resolve()
    if target == here or target in here.parents:
        raise NotOursError(
            f"{path} is the working directory or contains it; choose a folder of its own"
        )
    if not path.is_dir():
        raise NotOursError(_not_ours(path, "a file", kind))
    entries = {p.name for p in path.iterdir()}
    found = folder_kind(path)
    if entries and found != kind:
        what = f"a dcsim {found} folder" if found else "a folder that dcsim did not write"
        raise NotOursError(_not_ours(path, what, kind))
    foreign = sorted(entries - _RUN_FILES) if kind == "run" else []
    if foreign:
        listed = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if foreign[5:] else "")
        raise NotOursError(
            f"{path} is a dcsim run folder but also holds files dcsim did not write ({listed}); "
            "replacing it would delete them; nothing was touched: move them or choose another --out"
        )
    if not force:
        raise ResultsExistError(f"{path} exists; use --force to overwrite it")


def _not_ours(path: Path, what: str, kind: str) -> str:
    return (
        f"{path} exists and is {what}, not a dcsim {kind} results folder; dcsim writes over "
        "only its own folders; nothing was touched: choose another --out"
    )


@dataclass
class Result:
    """The outcome of one run.

    Attributes
    ----------
    timeseries : pandas.DataFrame
        Regular grid at ``output.resolution_s``: time-weighted mean powers [MW] over each row's
        interval ``[time_h, time_h + resolution)``, states (``battery_soc`` [pu]) at its end.
        Indexed by ``timestamp``, ``start + time_h``, tz-aware in the site's zone
        (``site.timezone``): ``ts.loc["2025-07"]``, ``ts.resample("D")`` work; ``time_h`` stays
        a column (``ts["time_h"]``). On disk (``timeseries.parquet``) ``timestamp`` is the
        column after ``time_h``, as before; a folder written before it existed reads with a
        plain row number index.
    events : pandas.DataFrame
        Discrete events: ``time_h, timestamp, kind, source, detail`` (``timestamp`` is
        ``start + time_h`` in the site's zone; a folder written before it existed has none).
    summary : dict
        The numbers of ``summary.json`` (exact integrals over the run).
    config_yaml : str
        The resolved config, as written to ``config.yaml``.
    segments : pandas.DataFrame or None
        The exact record: one row per segment from ``time_h`` to the next row, each power a
        line given by its value and ``<name>_ramp_mw_per_s`` (in memory only; not written).
    progress : pandas.DataFrame or None
        Each job's useful compute: ``time_h, job, progress_h`` at every change of its slope
        and on both sides of each rollback, linear in between (exact); None if not recorded.
    """

    timeseries: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]
    config_yaml: str
    segments: pd.DataFrame | None = field(default=None, repr=False)
    progress: pd.DataFrame | None = field(default=None, repr=False)

    def write(
        self,
        path: str | Path,
        force: bool = False,
        figures: dict[str, Figure] | None = None,
        clean: bool = True,
    ) -> Path:
        """Write the results folder at ``path`` atomically; refuse to overwrite unless ``force``.
        ``figures`` (see :func:`sim.plots.run_figures`) go into its ``plots/`` folder as PNG.

        Only a dcsim results folder (or an empty folder) is ever replaced: see
        :func:`check_replaceable`. The new folder is written beside the target and swapped in
        with one atomic rename. With ``clean``, temporaries that a killed process left for
        ``path`` are removed first (:func:`clean_stale`; a sweep cleans its ``runs/`` once).

        Raises
        ------
        ResultsExistError
            If ``path`` exists and ``force`` is false, or it is not a dcsim results folder.
        """
        path = Path(path)
        if clean:
            clean_stale(path.parent, path.name)  # (first: it may put back an interrupted swap)
        check_replaceable(path, "run", force)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temporary(path, "tmp")
        try:
            (tmp / "config.yaml").write_text(self.config_yaml)
            timeseries_columns(self.timeseries).to_parquet(tmp / "timeseries.parquet", index=False)
            self.events.to_parquet(tmp / "events.parquet", index=False)
            (tmp / "summary.json").write_text(summary_json(self.summary))
            if self.progress is not None:
                self.progress.to_parquet(tmp / "progress.parquet", index=False)
            if figures:
                from sim.plots import save_figures  # matplotlib only when figures are asked for

                save_figures(figures, tmp / "plots")
            write_marker(tmp, "run")
            replace_folder(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path


def timeseries_columns(timeseries: pd.DataFrame) -> pd.DataFrame:
    """``timeseries`` with its ``timestamp`` index back as the column after ``time_h`` (as
    ``timeseries.parquet`` and the CSV export hold it); a frame without that index as it is."""
    if timeseries.index.name != "timestamp" or "timestamp" in timeseries.columns:
        return timeseries
    frame = timeseries.reset_index()
    at = 1 if "time_h" in frame.columns else 0
    frame.insert(at, "timestamp", frame.pop("timestamp"))
    return frame


def _indexed(timeseries: pd.DataFrame) -> pd.DataFrame:
    """A timeseries read from disk, indexed by its ``timestamp`` column if it has one."""
    if "timestamp" in timeseries.columns:
        return timeseries.set_index("timestamp")
    return timeseries


def write_marker(folder: Path, kind: str) -> None:
    """Mark ``folder`` as a dcsim ``kind`` folder (see :data:`MARKER`)."""
    from sim._version import __version__

    text = json.dumps({"kind": kind, "dcsim_version": __version__})
    (folder / MARKER).write_text(text + "\n")


def _temporary(path: Path, suffix: str) -> Path:
    """A new folder beside ``path``, named ``.<name>.<host>-<pid>.<random>.<suffix>`` (host and
    pid let a later run tell a dead process's leftovers from a live one's), with the umask's
    mode."""
    prefix = f".{path.name}.{_HOST}-{os.getpid()}."
    tmp = Path(tempfile.mkdtemp(prefix=prefix, suffix=f".{suffix}", dir=path.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private (0700); results are not
    return tmp


def replace_folder(new: Path, path: Path) -> None:
    """Move the folder ``new`` to ``path``, replacing what is there in one atomic step.

    Where the system has it (Linux ≥ 3.15), ``renameat2(RENAME_EXCHANGE)`` swaps the two
    folders at once, so ``path`` is never missing; elsewhere the old folder is first renamed
    aside (a ``.old`` temporary), and :func:`clean_stale` puts it back if the process dies
    between the two renames.
    """
    if not path.exists():
        os.replace(new, path)
        return
    if _exchange(new, path):
        shutil.rmtree(new)  # (it now holds the old results)
        return
    old = _temporary(path, "old")
    os.replace(path, old / path.name)
    os.replace(new, path)
    shutil.rmtree(old)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's ``renameat2``; False where it is not available."""
    lib = libc()
    if lib is None or not hasattr(lib, "renameat2"):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return lib.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
"""This machine in temporaries' names: a process elsewhere (a shared folder) is left alone."""
_LEFTOVER = re.compile(
    r"^\.(?P<name>.+)\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)\.[A-Za-z0-9_]+\.(?P<kind>tmp|old)$"
)
_RUN_FILES = {*FILES, "progress.parquet", "plots", "csv", MARKER}
"""What a run's folder holds (``plots/`` with ``--plots``, ``csv/`` from ``dcsim export``)."""


def clean_stale(folder: Path, name: str | None = None) -> list[Path]:
    """Remove the temporaries that killed processes of this machine left in ``folder`` (for
    the target ``name``, or for any); return them.

    ``.tmp`` folders (a write in progress) of processes no longer alive are deleted if they
    hold nothing but a run's files. A ``.old`` folder (an overwrite cut between its two
    renames) is moved back to its target if the target is missing, else deleted.
    """
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _LEFTOVER.match(entry.name)
        if (
            not match
            or name not in (None, match["name"])
            or match["host"] != _HOST
            or not entry.is_dir()
            or entry.is_symlink()
            or _alive(int(match["pid"]))
        ):
            continue
        target = folder / match["name"]
        if match["kind"] == "old":
            inner = entry / target.name
            if inner.is_dir() and not target.exists() and not target.is_symlink():
                os.replace(inner, target)
            if not any(p != inner for p in entry.iterdir()):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        elif {p.name for p in entry.iterdir()} <= _RUN_FILES:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (ours counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's, or not a pid we can ask about: leave it alone
    return True


def iter_flat(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Leaves of a nested summary with their key paths; list elements as ``name[i]``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from iter_flat(value, (*path, str(key)))
    elif isinstance(node, list) and node and path:
        for index, value in enumerate(node):
            yield from iter_flat(value, (*path[:-1], f"{path[-1]}[{index}]"))
    else:
        yield path, node


def flatten_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary as one flat mapping, e.g. ``energy_mwh.unserved``, ``outages[0].start_h``.

    Nested keys join with dots; list elements are ``name[i]``.
    """
    return {".".join(path): value for path, value in iter_flat(summary)}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def summary_json(summary: dict[str, Any]) -> str:
    """``summary.json`` text: indented, keys in insertion order, no NaN or infinity."""
    return json.dumps(summary, indent=2, allow_nan=False) + "\n"


def read_result(path: str | Path) -> Result:
    """Read a results folder written by :meth:`Result.write`.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a complete results folder (the message names the missing files).
    ValueError
        If a file of the folder cannot be parsed or lacks the columns dcsim writes in it.
    """
    path = Path(path)
    missing = [name for name in FILES if not (path / name).is_file()]
    if missing:
        what = "not a folder" if not path.is_dir() else f"missing {', '.join(missing)}"
        raise FileNotFoundError(f"{path} is not a dcsim results folder ({what})")
    readers: dict[str, tuple[str, Callable[[Path], Any]]] = {
        "timeseries": ("timeseries.parquet", lambda p: _indexed(pd.read_parquet(p))),
        "events": ("events.parquet", pd.read_parquet),
        "summary": ("summary.json", lambda p: json.loads(p.read_text())),
        "config_yaml": ("config.yaml", lambda p: p.read_text()),
        "progress": ("progress.parquet", pd.read_parquet),
    }
    parts = {}
    for field_name, (file_name, reader) in readers.items():
        if file_name not in FILES and not (path / file_name).is_file():
            continue  # optional
        try:
            parts[field_name] = reader(path / file_name)
        except (ValueError, OSError) as exc:  # JSONDecodeError and ArrowInvalid are ValueErrors
            raise ValueError(f"{path / file_name}: damaged, cannot be read ({exc})") from None
        _check_shape(path / file_name, parts[field_name])
    return Result(**parts)


_COLUMNS = {
    "timeseries.parquet": ("time_h", "load_mw", "grid_mw", "battery_soc", "turbines_mw"),
    "events.parquet": ("time_h", "kind", "source", "detail"),
    "progress.parquet": ("time_h", "job", "progress_h"),
}


def _check_shape(file: Path, part: Any) -> None:
    """Raise ValueError if a file read from a results folder lacks what dcsim writes in it."""
    if file.name == "summary.json" and not isinstance(part, dict):
        raise ValueError(f"{file}: damaged, not a JSON object of summary keys")
    missing = [c for c in _COLUMNS.get(file.name, ()) if c not in part.columns]
    if missing:
        raise ValueError(f"{file}: damaged, has no column {', '.join(missing)}")
