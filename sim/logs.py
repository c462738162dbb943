"""What ``dcsim`` tells the user, through the standard :mod:`logging` module.

The ``dcsim`` logger writes INFO and DEBUG records (the one-line result of a run or a sweep;
with ``-v`` where each config came from) to standard output as plain lines, WARNING and above
to standard error as ``warning: ...``. ``-q`` silences INFO, ``-v`` shows DEBUG. Progress bars
stay tqdm's (on standard error); errors about bad input are printed whatever the level.
"""

from __future__ import annotations

import logging
import sys

LOGGER = logging.getLogger("dcsim")


class _Handler(logging.Handler):
    """Writes to the *current* ``sys.stdout`` / ``sys.stderr`` (so a test's capture sees it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.levelno >= logging.WARNING:
                sys.stderr.write(f"{record.levelname.lower()}: {record.getMessage()}\n")
            else:
                sys.stdout.write(f"{record.getMessage()}\n")
        except Exception:  # (logging's own contract: a handler never raises)
            self.handleError(record)


def configure(verbosity: int = 0) -> None:
    """Set the ``dcsim`` logger's level from ``-v`` / ``-q`` counts (``verbosity`` = v - q):
    1 or more DEBUG, 0 INFO, -1 or less WARNING. Idempotent: one handler."""
    level = logging.DEBUG if verbosity > 0 else logging.INFO if verbosity == 0 else logging.WARNING
    LOGGER.setLevel(level)
    LOGGER.propagate = False
    if not any(isinstance(h, _Handler) for h in LOGGER.handlers):
        LOGGER.addHandler(_Handler())
