"""Exogenous loads: a power drawn from the bus that the simulation does not control."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import simpy


class ExogenousLoad:
    """A piecewise-constant load: ``p_mw = loads_mw[i]`` for ``times_s[i] <= t < times_s[i+1]``.

    Parameters
    ----------
    times_s : sequence of float
        Change times [s], strictly increasing, the first at 0.
    loads_mw : sequence of float
        Load from each change time on [MW].
    """

    def __init__(self, times_s: Sequence[float], loads_mw: Sequence[float]):
        self.times_s = list(times_s)
        self.loads_mw = list(loads_mw)
        self.p_mw = self.loads_mw[0]

    @classmethod
    def constant(cls, p_mw: float) -> ExogenousLoad:
        """A load that never changes [MW]."""
        return cls([0.0], [p_mw])

    def start(self, env: simpy.Environment, on_change: Callable[[], None]) -> None:
        """Start replaying the changes; ``on_change()`` is called after each one."""
        if len(self.times_s) > 1:
            env.process(self._replay(env, on_change))

    def _replay(
        self, env: simpy.Environment, on_change: Callable[[], None]
    ) -> Iterator[simpy.Event]:
        timeout = env.timeout
        for t_s, p_mw in zip(self.times_s[1:], self.loads_mw[1:], strict=True):
            yield timeout(t_s - env.now)
            self.p_mw = p_mw
            on_change()
