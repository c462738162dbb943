"""The thermal hold, a step of the bus: the coolant's hold on the GPU cluster."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.bus_step import BusStep
from sim.cooling import LIMIT_TOL_C

if TYPE_CHECKING:  # (the built-in components, for the type checker only)
    from sim.cluster import Cluster
    from sim.cooling import CoolingPlant


class ThermalHold(BusStep):
    """The bus's thermal-hold step (a mixin of :class:`sim.dispatch.Bus`)."""

    def _thermal(self, cooling: CoolingPlant, cluster: Cluster, now: float) -> None:
        """The coolant's hold on the cluster: at the throttle rise the GPUs throttle so that
        the IT heat equals what the chillers remove; below it the throttle is lifted; at the
        shutdown rise, with heat still building, the nodes shut down (jobs shed, rolled
        back), and stopped jobs stay off while the loop is above the throttle rise."""
        x, limit = cooling.excess_c, cooling.throttle_c
        # at the throttle rise: hot unless the loop was falling through it (its last rate)
        hot = x > limit + LIMIT_TOL_C or (x >= limit - LIMIT_TOL_C and cooling.rate_c_per_s >= 0)
        cluster.hot = hot
        if hot:
            cluster.throttle(now, max(0.0, cooling.capacity_mw - self.load.p_mw))
        elif cluster.thermal_pu < 1.0:
            cluster.throttle(now, math.inf)
        if cooling.excess_c >= cooling.shutdown_c - LIMIT_TOL_C:
            it_mw = self.load.p_mw + cluster.p_mw
            if it_mw > cooling.capacity_mw + self.tol_mw and cluster.p_mw > 0.0:
                self.recorder.event(now, "cooling_shutdown", "cooling", "coolant at its limit")
                cluster.idle_off(now)
                cluster.shed(now, math.inf)
