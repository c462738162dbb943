"""Several storages on one bus (a Megapack plant and a UPS bank, say), dispatched in order.

The bus sees a :class:`StoragePlant` as one storage — it has the interface of
:class:`sim.power.battery.Battery` — and the plant shares the bus power among its members:

- **discharging**, the members in their stated order: the first gives up to its limit, the
  next the rest, and so on;
- **charging**, in the reverse order: the storage of last resort refills first;
- **floors**: the bus asks for a total floor (the sum of the backup reserves while the grid is
  up, of the ``soc_min`` energies in an outage, plus what load management keeps for pausing).
  Each member keeps its own lowest energy, and what the total asks above their sum is kept in
  the members dispatched *last* (an assumption: the reserve of last resort holds the reserve).

The bus power is a line ``p + r·t``; so is each member's share. At most one member — the
*marginal* one — takes the ramp; the others sit at their limit or at 0. When the marginal
member's share would reach its limit or 0, the split changes: that time is the plant's own
threshold (:meth:`StoragePlant.next_threshold_s`), an event of the bus. A member reaching its
floor or its top is a bound of the plant (:meth:`StoragePlant.line_seconds_to_bound`), as for
one battery; then the others take over at the next balance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sim.contracts import Section
from sim.engine import heading_of, time_to_integral
from sim.power.battery import Battery
from sim.recorder import segment_energy_mw_s
from sim.summary import battery_summary
from sim.units import S_PER_H

if TYPE_CHECKING:
    import pandas as pd


class StoragePlant:
    """Storages dispatched in order, seen by the bus as one (see the module docstring).

    Parameters
    ----------
    members : sequence of (str, Battery)
        Name and model of each storage, in discharge order.
    """

    name = "storages"
    """Its summary section (see :meth:`report`)."""

    def __init__(self, members: Sequence[tuple[str, Battery]]):
        if len(members) < 2:
            raise ValueError("a storage plant needs two storages or more")
        self.names = tuple(name for name, _ in members)
        self.columns = tuple(
            f"storage_{name}_{quantity}"
            for name in self.names
            for quantity in ("mw", "ramp_mw_per_s", "energy_mwh")
        )
        """Recorder columns: each member's bus power line and stored energy."""
        self.members = tuple(battery for _, battery in members)
        m = self.members
        self.energy_nom_mwh = sum(b.energy_nom_mwh for b in m)
        self.p_charge_max_mw = sum(b.p_charge_max_mw for b in m)
        self.p_discharge_max_mw = sum(b.p_discharge_max_mw for b in m)
        self.e_min_mwh = sum(b.e_min_mwh for b in m)
        self.e_max_mwh = sum(b.e_max_mwh for b in m)
        self.e_reserve_mwh = sum(b.e_reserve_mwh for b in m)
        self.aux_load_mw = sum(b.aux_load_mw for b in m)
        self.tol_mwh = sum(b.tol_mwh for b in m)
        # The lowest efficiency: what is kept for a load is then enough (conservative).
        self.efficiency_discharge = min(b.efficiency_discharge for b in m)
        self.p_mw = 0.0
        self.ramp_mw_per_s = 0.0
        self.heading = 0
        self._split_s = math.inf  # when the split of the current line changes [s from now]
        self._floors_for = math.nan  # the total floor the member floors below are for
        self._floors: tuple[float, ...] = tuple(b.e_min_mwh for b in m)

    # ---- state -------------------------------------------------------------------------

    @property
    def stored_mwh(self) -> float:
        """Stored energy of all members [MWh]."""
        return sum(b.stored_mwh for b in self.members)

    @property
    def soc(self) -> float:
        """State of charge of the plant [pu of its nominal energy]."""
        return self.stored_mwh / self.energy_nom_mwh if self.energy_nom_mwh > 0 else 0.0

    @property
    def direction(self) -> int:
        """+1 discharging, -1 charging, 0 idle, over the current segment."""
        if self.ramp_mw_per_s != 0.0:
            return self.heading
        return (self.p_mw > 0.0) - (self.p_mw < 0.0)

    def floors(self, floor_mwh: float) -> tuple[float, ...]:
        """Each member's floor for a plant floor ``floor_mwh`` [MWh]: its ``soc_min`` energy,
        or its backup reserve when the floor covers all reserves; what is left above their
        sum is kept in the members dispatched last, each up to its top."""
        if floor_mwh == self._floors_for:
            return self._floors
        m = self.members
        base = [b.e_reserve_mwh if floor_mwh >= self.e_reserve_mwh else b.e_min_mwh for b in m]
        extra_mwh = floor_mwh - sum(base)
        for i in reversed(range(len(m))):
            if extra_mwh <= 0.0:
                break
            add_mwh = min(extra_mwh, m[i].e_max_mwh - base[i])
            base[i] += add_mwh
            extra_mwh -= add_mwh
        self._floors_for, self._floors = floor_mwh, tuple(base)
        return self._floors

    def deliverable_mwh(self, floor_mwh: float) -> float:
        """Energy the members can put on the bus above their floors [MWh]."""
        return sum(
            b.deliverable_mwh(f) for b, f in zip(self.members, self.floors(floor_mwh), strict=True)
        )

    def discharge_limit_mw(self, floor_mwh: float) -> float:
        """Largest discharge now [MW]: the members' limits above their floors."""
        return sum(
            b.discharge_limit_mw(f)
            for b, f in zip(self.members, self.floors(floor_mwh), strict=True)
        )

    def charge_limit_mw(self) -> float:
        """Largest charge now [MW] (a magnitude): the members' limits below their tops."""
        return sum(b.charge_limit_mw() for b in self.members)

    def limits_changed(self) -> None:
        """A member's power limits or auxiliary load changed (a block built later,
        :mod:`sim.buildout`): the plant's sums follow."""
        m = self.members
        self.p_charge_max_mw = sum(b.p_charge_max_mw for b in m)
        self.p_discharge_max_mw = sum(b.p_discharge_max_mw for b in m)
        self.aux_load_mw = sum(b.aux_load_mw for b in m)

    # ---- the split ---------------------------------------------------------------------

    def split(
        self, p_mw: float, r: float, floor_mwh: float
    ) -> tuple[list[tuple[float, float]], float]:
        """Share the line ``p_mw + r·t`` [MW, MW/s] among the members: each member's line, and
        the time until the split changes [s] (``inf``: it does not before the line's sign).

        The members fill in order (discharging) or reverse order (charging) up to their
        limits now; the first not full is the marginal one and takes the ramp.
        """
        heading = heading_of(p_mw, r)
        lines = [(0.0, 0.0)] * len(self.members)
        if heading == 0:
            return lines, math.inf
        floors = self.floors(floor_mwh)
        order = range(len(self.members))
        if heading < 0:
            order = order[::-1]
        left_mw = abs(p_mw)  # magnitude still to place
        ramp = r * heading  # its rate of change, in the line's direction
        split_s = math.inf
        last = -1  # the last member placed
        for i in order:
            b = self.members[i]
            limit_mw = b.discharge_limit_mw(floors[i]) if heading > 0 else b.charge_limit_mw()
            if limit_mw <= 0.0:
                continue
            if left_mw > limit_mw or (left_mw == limit_mw and ramp >= 0.0):
                lines[i] = (heading * limit_mw, 0.0)  # full: at its limit
                left_mw -= limit_mw
                last = i
                continue
            # the marginal member: what is left and the ramp, until it is full or empty
            lines[i] = (heading * left_mw, heading * ramp)
            if ramp > 0.0:
                split_s = (limit_mw - left_mw) / ramp
            elif ramp < 0.0 and last >= 0:  # a full member before it takes the ramp then
                split_s = left_mw / -ramp
            return lines, split_s
        if left_mw > 0.0 or ramp != 0.0:  # beyond every limit: a rounding residue
            k = last if last >= 0 else order[0]
            lines[k] = (lines[k][0] + heading * left_mw, heading * ramp)
        return lines, split_s

    def set_power(self, p_mw: float, ramp_mw_per_s: float = 0.0, floor_mwh: float = 0.0) -> None:
        """Set the bus power line from now on (see :meth:`split`) [MW, MW/s]."""
        self.p_mw, self.ramp_mw_per_s = p_mw, ramp_mw_per_s
        self.heading = heading_of(p_mw, ramp_mw_per_s)
        lines, self._split_s = self.split(p_mw, ramp_mw_per_s, floor_mwh)
        for b, (q_mw, q_r) in zip(self.members, lines, strict=True):
            b.set_power(q_mw, q_r)

    def next_threshold_s(self) -> float:
        """Time from the last :meth:`set_power` until the split changes [s]."""
        return self._split_s

    def values(self) -> tuple[float, ...]:
        """Values of :attr:`columns` now."""
        return tuple(v for b in self.members for v in (b.p_mw, b.ramp_mw_per_s, b.stored_mwh))

    def sections(self) -> list[Section]:
        """Its summary sections: ``battery``, the plant as one storage (:meth:`report_total`),
        then ``storages``, its members (:meth:`report`)."""
        return [Section("battery", self.report_total), Section(self.name, self.report)]

    def report_total(self, segments: pd.DataFrame, end_s: float) -> dict[str, float]:
        """The ``battery`` section of the plant as one storage, from the bus's ``battery_*``
        columns (see :func:`sim.summary.battery_summary`)."""
        return battery_summary(segments, self.energy_nom_mwh, end_s)

    def report(self, segments: pd.DataFrame, end_s: float) -> dict[str, Any]:
        """Each member's final and lowest state of charge [pu] and equivalent full cycles
        (energy discharged at the bus / nominal energy), from the record."""
        out = {}
        for name, b in zip(self.names, self.members, strict=True):
            discharged_mw_s = segment_energy_mw_s(segments, f"storage_{name}_mw", end_s)
            discharged_mwh = float(discharged_mw_s[discharged_mw_s > 0.0].sum()) / S_PER_H
            energy = segments[f"storage_{name}_energy_mwh"]
            nom = b.energy_nom_mwh
            out[name] = {
                "soc_final": float(energy.iloc[-1]) / nom if nom > 0 else 0.0,
                "soc_lowest": float(energy.min()) / nom if nom > 0 else 0.0,
                "equivalent_full_cycles": discharged_mwh / nom if nom > 0 else 0.0,
            }
        return out

    # ---- time ----------------------------------------------------------------------------

    def advance(self, dt_s: float, floor_mwh: float) -> None:
        """Advance every member over ``dt_s`` [s] along its line, to its own floor."""
        for b, f in zip(self.members, self.floors(floor_mwh), strict=True):
            b.advance(dt_s, f)
        self.p_mw += self.ramp_mw_per_s * dt_s
        self._split_s -= dt_s

    def line_seconds_to_bound(
        self,
        p_mw: float,
        r: float,
        heading: int,
        floor_mwh: float,
        top_mwh: float | None = None,
    ) -> float:
        """Time until a member, on its share of ``p_mw + r·t``, reaches its floor or top [s];
        with ``top_mwh``, until the plant's energy reaches ``top_mwh`` when charging."""
        lines, _ = self.split(p_mw, r, floor_mwh)
        floors = self.floors(floor_mwh)
        if top_mwh is not None and heading_of(p_mw, r) < 0:
            # stored-energy rate: Σ η_c·|q_i| + Σ η_c·|r_i|·t [MW]
            a = sum(-q * b.efficiency_charge for b, (q, _) in zip(self.members, lines, strict=True))
            c = sum(
                -qr * b.efficiency_charge for b, (_, qr) in zip(self.members, lines, strict=True)
            )
            reach_s = time_to_integral(a, c, (top_mwh - self.stored_mwh) * S_PER_H)
        else:
            reach_s = math.inf
        return min(
            reach_s,
            min(
                b.line_seconds_to_bound(q, qr, heading_of(q, qr), f)
                for b, (q, qr), f in zip(self.members, lines, floors, strict=True)
            ),
        )

    def seconds_to_bound(self, floor_mwh: float, top_mwh: float | None = None) -> float:
        """:meth:`line_seconds_to_bound` of the current line [s]."""
        return self.line_seconds_to_bound(
            self.p_mw, self.ramp_mw_per_s, self.heading, floor_mwh, top_mwh
        )

    def snap_to_bound(self, floor_mwh: float) -> str:
        """Put the member that reaches its bound now on it; return its name."""
        floors = self.floors(floor_mwh)
        times = [
            b.seconds_to_bound(f) if b.p_mw or b.ramp_mw_per_s else math.inf
            for b, f in zip(self.members, floors, strict=True)
        ]
        i = times.index(min(times))
        self.members[i].snap_to_bound(floors[i])
        return self.names[i]
