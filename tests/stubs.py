"""Stubs of what a component calls back, for the tests that drive one component alone on a bare
``simpy.Environment`` (``test_*_alone.py``): a recorder collecting events and a random
generator that returns draws given in advance."""

from __future__ import annotations

from collections.abc import Iterable

import simpy


class StubRecorder:
    """What a component asks of a recorder: ``event(time_s, kind, source, detail)``."""

    def __init__(self) -> None:
        self.events: list[tuple[float, str, str, str]] = []

    def event(self, time_s: float, kind: str, source: str, detail: str = "") -> None:
        self.events.append((time_s, kind, source, detail))

    def times(self, kind: str) -> list[float]:
        """Times [s] of the events of ``kind``, in the order recorded."""
        return [t for t, k, _, _ in self.events if k == kind]

    def kinds(self) -> list[str]:
        """Kinds of the events, in the order recorded."""
        return [k for _, k, _, _ in self.events]


class ScriptedRng:
    """In place of a numpy Generator: ``exponential(scale)`` returns the next of ``draws`` [s]
    (whatever the scale) and records the scale it was asked for."""

    def __init__(self, draws: Iterable[float]) -> None:
        self.draws = list(draws)
        self.scales: list[float] = []

    def exponential(self, scale: float) -> float:
        self.scales.append(scale)
        return self.draws.pop(0)


def run_through(env: simpy.Environment, time_s: float) -> None:
    """Run ``env`` to ``time_s`` and through the events due then (``env.run(until=t)`` stops
    before them)."""
    env.run(until=time_s)
    while env.peek() == time_s:
        env.step()
