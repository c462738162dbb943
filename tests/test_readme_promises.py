"""The README's promises quote the limits the code enforces: each number is checked here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim.config as config
import sim.dispatch as dispatch
import sim.sweep as sweep
from sim.config import OutputConfig
from sim.sweep import SweepSpec
from tests import test_fuzz_configs

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
TEXT = re.sub(r"\s+", " ", README)  # (the README wraps its lines anywhere)


def fmt(n: float) -> str:
    return f"{n:,.0f}"


@pytest.mark.parametrize(
    "quoted",
    [
        f"at most {config.NAME_MAX_CHARS} characters",
        f"still makes {fmt(dispatch.MAX_UPDATES_AT_ONE_TIME)} updates less than 1 µs",
        f"CI runs {test_fuzz_configs.CI_EXAMPLES} fixed examples",
        f"at most {config.MAX_YAML_BYTES // 2**20} MiB",
        f"at most {fmt(config.MAX_YAML_NODES)} nodes",
        f"nested at most {config.MAX_YAML_DEPTH} levels",
        f"at most {config.MAX_EXTENDS_CHAIN} files long",
        f"at most {fmt(config.MAX_INT_DIGITS)} digits",
        f"worker died {sweep.MAX_WORKER_DEATHS} times",
        f"within {sweep.SCHEDULER_TIMEOUT_S:g} s",
        f"default {fmt(SweepSpec.model_fields['max_runs'].default)}",
        f"`output.max_memory_gb` ({OutputConfig().max_memory_gb:g} GB)",
    ],
)
def test_the_readme_quotes_the_enforced_limit(quoted):
    assert quoted in TEXT


def test_the_stuck_guard_threshold_is_one_microsecond():
    assert dispatch.STILL_S == 1e-6
