"""Random streams of a run: one root seed, independent named streams.

No global random state anywhere: every component that draws asks for its own stream by name.
A stream depends only on the run's seed and its name (not on the order streams are made), so
adding a new random component never changes the draws of an existing one.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator named ``name`` of the run seeded ``seed``.

    It is ``SeedSequence(seed, spawn_key=(h,))`` with ``h`` the first 4 bytes of the SHA-256 of
    the name: a child of the run's root sequence, independent of every other name's.
    """
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))
