"""The C library of a Linux system, for the two system calls Python does not wrap
(``renameat2`` to swap folders atomically, ``prctl`` to die with the parent)."""

from __future__ import annotations

import ctypes
import functools
import sys


@functools.cache
def libc() -> ctypes.CDLL | None:
    """The process's C library on Linux; None elsewhere or if it cannot be loaded."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
