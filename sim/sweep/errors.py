"""The exceptions of a sweep: one that cannot start or finish, and Ctrl-C during one."""

from __future__ import annotations

from pathlib import Path


class SweepError(Exception):
    """A sweep that cannot start (its folder exists or is not a folder, its backend is not
    available) or whose tables cannot be written."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep, raised after the finished runs and the tables were written."""

    def __init__(self, out: Path, n_done: int, n_ok: int, n_runs: int):
        self.out, self.n_done, self.n_ok, self.n_runs = out, n_done, n_ok, n_runs
        super().__init__(
            f"{n_done} of {n_runs} runs done ({n_ok} ok), their folders in {out / 'runs'}; "
            f"tables (the rest `not run`) in {out / 'summary.parquet'} and .csv"
        )
