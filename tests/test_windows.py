"""Figures over many windows at once (sim.windows, issue 19): hand-computed on a small record,
and equal, bit for bit, to the one-window functions of sim.summary on a random record."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from sim.recorder import ramp_column
from sim.signals import Schedule
from sim.summary import signal_integral, window_max
from sim.windows import signal_integrals, window_maxes

# Three segments: 1 MW on [0, 10) s, 3 MW on [10, 20) s, a ramp 2 -> 0 MW on [20, 30) s.
SEGMENTS = pd.DataFrame(
    {
        "time_s": [0.0, 10.0, 20.0],
        "grid_mw": [1.0, 3.0, 2.0],
        ramp_column("grid_mw"): [0.0, 0.0, -0.2],
    }
)
END_S = 30.0
# 10 USD/MWh before 5 s, 20 USD/MWh from then on.
PRICE = Schedule(np.array([0.0, 5.0]), np.array([10.0, 20.0]))


def test_window_maxes_by_hand():
    # [0, 15): 1 MW then 3 MW; [15, 25): 3 MW, then the ramp from 2 MW; [25, 30): the ramp
    # from 2 − 0.2·5 = 1 MW down to 0 MW.
    assert window_maxes(SEGMENTS, "grid_mw", np.array([0.0, 15.0, 25.0, 30.0]), END_S) == [
        3.0,
        3.0,
        pytest.approx(1.0, rel=1e-12),
    ]


def test_signal_integrals_by_hand():
    # [0, 15): 1 MW·5 s·10 + 1 MW·5 s·20 + 3 MW·5 s·20 = 450 MW·s·USD/MWh;
    # [15, 30): 3 MW·5 s·20 + (2 + 0)/2 MW·10 s·20 = 500; divided by 3600 s/h.
    got = signal_integrals(SEGMENTS, "grid_mw", PRICE, np.array([0.0, 15.0, 30.0]))
    assert got == pytest.approx([450.0 / 3600.0, 500.0 / 3600.0], rel=1e-12)


def test_equal_to_the_one_window_functions_bit_for_bit():
    rng = np.random.default_rng(19)
    n = 5000
    t_s = np.concatenate(([0.0], np.sort(rng.uniform(0.0, 1e6, n - 1))))
    t_s[100:103] = t_s[100]  # zero-length segments
    segments = pd.DataFrame(
        {
            "time_s": t_s,
            "grid_mw": rng.uniform(-5.0, 50.0, n),
            ramp_column("grid_mw"): rng.normal(0.0, 1e-3, n),
        }
    )
    end_s = 1.1e6
    bounds = np.concatenate(([0.0], np.sort(rng.uniform(0.0, end_s, 30)), [t_s[100]], [end_s]))
    bounds = np.unique(bounds)
    price = Schedule(
        np.concatenate(([0.0], np.sort(rng.uniform(0.0, end_s, 200)))), rng.uniform(0, 99, 201)
    )
    pairs = list(pairwise(bounds.tolist()))
    assert window_maxes(segments, "grid_mw", bounds, end_s) == [
        window_max(segments, "grid_mw", a, b, end_s) for a, b in pairs
    ]
    assert signal_integrals(segments, "grid_mw", price, bounds) == [
        signal_integral(segments, "grid_mw", price, a, b) for a, b in pairs
    ]
