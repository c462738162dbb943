"""What every step of the bus reads: the parts of :class:`sim.dispatch.Bus` the step modules
(:mod:`sim.commitment`, :mod:`sim.load_management`, :mod:`sim.thermal_hold`) share, declared
once for the type checker. The bus sets them; a step is a mixin of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.balance import Balance, BusState
from sim.contracts import Source, Storage
from sim.recorder import Recorder

if TYPE_CHECKING:  # (the built-in components, for the type checker only)
    from sim.cluster import Cluster
    from sim.cooling import CoolingPlant
    from sim.electrical import ElectricalLosses
    from sim.loads import ExogenousLoad
    from sim.power.grid import Grid
    from sim.power.turbines import TurbineFleet


class BusStep:
    """The bus's components and running state, as its steps see them."""

    battery: Storage
    grid: Grid
    fleet: TurbineFleet | None
    load: ExogenousLoad
    cluster: Cluster | None
    cooling: CoolingPlant | None
    electrical: ElectricalLosses | None
    sources: tuple[Source, ...]
    recorder: Recorder
    state: BusState
    tol_mw: float
    _floor_mwh: float  # the battery's floor since the last event [MWh]
    _others_mw: float  # the registered sources' output at this event [MW]
    _per_it: float  # facility MW per IT MW at this event

    def _solve(
        self, now: float, net_mw: float, net_r: float, floor_mwh: float, follow: bool = True
    ) -> Balance:
        """Balance the net load line; set the battery from it (see ``Bus._solve``)."""
        raise NotImplementedError

    def _headroom_mw(self, floor_mwh: float, output_mw: float) -> float:
        """The turbines' step up with the battery bridging (see ``TurbineCommitment``)."""
        raise NotImplementedError
