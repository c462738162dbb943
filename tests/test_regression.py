"""Every shipped config runs to the summary and events of the regression fixture
(``tests/regression``): numbers equal to 1e-9 relative (wall times aside), events identical.
A change here is a change of results: make it on purpose and name it."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from tests.regression.cases import cases, fixture_paths, outcome


@pytest.mark.parametrize("name", list(cases()))
def test_run_matches_the_fixture(name):
    summary_path, events_path = fixture_paths(name)
    expected = json.loads(summary_path.read_text())
    summary, events = outcome(name)

    assert sorted(summary) == sorted(expected)
    changed = [
        f"{key}: {expected[key]!r} -> {value!r}"
        for key, value in summary.items()
        if not (
            value == expected[key]
            or (
                isinstance(value, float)
                and isinstance(expected[key], float)
                and math.isclose(value, expected[key], rel_tol=1e-9)
            )
        )
    ]
    assert not changed, "\n".join(changed)
    pd.testing.assert_frame_equal(
        events, pd.read_parquet(events_path), check_exact=False, rtol=1e-9
    )
