"""A run's results in memory (:class:`Result`) and as a results folder on disk.

A results folder holds ``config.yaml`` (resolved), ``timeseries.parquet``, ``events.parquet``,
``summary.json`` and ``progress.parquet`` (jobs' useful compute over time; empty without jobs;
optional when reading, as folders from before it have none). It is written to a temporary
folder beside the target and renamed into place, so a crash or Ctrl-C never leaves half a
result.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FILES = ("config.yaml", "timeseries.parquet", "events.parquet", "summary.json")
"""The files a results folder must have (``progress.parquet`` is written too, and optional)."""


class ResultsExistError(FileExistsError):
    """The target results folder exists and overwriting was not asked for."""


@dataclass
class Result:
    """The outcome of one run.

    Attributes
    ----------
    timeseries : pandas.DataFrame
        Regular grid at ``output.resolution_s``: time-weighted mean powers [MW] over each row's
        interval ``[time_h, time_h + resolution)``, states (``battery_soc`` [pu]) at its end.
    events : pandas.DataFrame
        Discrete events: ``time_h, kind, source, detail``.
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
        self, path: str | Path, force: bool = False, figures: dict[str, Figure] | None = None
    ) -> Path:
        """Write the results folder at ``path`` atomically; refuse to overwrite unless ``force``.
        ``figures`` (see :func:`sim.plots.run_figures`) go into its ``plots/`` folder as PNG.

        Raises
        ------
        ResultsExistError
            If ``path`` exists and ``force`` is false.
        """
        path = Path(path)
        if path.exists() and not force:
            raise ResultsExistError(f"{path} exists; use --force to overwrite it")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
        try:
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private (0700); results are not
            (tmp / "config.yaml").write_text(self.config_yaml)
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            self.events.to_parquet(tmp / "events.parquet", index=False)
            (tmp / "summary.json").write_text(summary_json(self.summary))
            if self.progress is not None:
                self.progress.to_parquet(tmp / "progress.parquet", index=False)
            if figures:
                from sim.plots import save_figures  # matplotlib only when figures are asked for

                save_figures(figures, tmp / "plots")
            if path.exists():
                old = Path(
                    tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent)
                )
                os.replace(path, old / path.name)
                os.replace(tmp, path)
                shutil.rmtree(old)
            else:
                os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path


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
        If a file of the folder cannot be parsed.
    """
    path = Path(path)
    missing = [name for name in FILES if not (path / name).is_file()]
    if missing:
        what = "not a folder" if not path.is_dir() else f"missing {', '.join(missing)}"
        raise FileNotFoundError(f"{path} is not a dcsim results folder ({what})")
    readers = {
        "timeseries": ("timeseries.parquet", pd.read_parquet),
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
    return Result(**parts)
