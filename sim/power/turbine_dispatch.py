"""Dispatch of a turbine fleet: which group gives what, how the fastest group fills in, and
how a governor gives output up.

The groups online share the turbines' output (the net load the grid and the other sources
cannot supply, plus the battery's recharge) in merit order, the cheapest incremental fuel first
(:func:`merit_targets`). Each group then ramps toward its target at its own rate; while a slow
group ramps, the fastest one covers the gap it leaves, exactly along the line the others'
ramps draw (:func:`fill_in`), so that a cheap slow group does not leave load unserved for
the length of its ramp.
"""

from __future__ import annotations

from sim.power.turbine_group import TurbineGroup


def dispatch(now_s: float, groups: list[TurbineGroup], need_mw: float, tol_mw: float) -> None:
    """Set each group's setpoint for ``need_mw`` [MW]: the groups online and not stopping
    take it in merit order (:func:`merit_targets`); while groups ramp toward their targets, the
    fastest group fills the gap they leave (:func:`fill_in`). A stopping group heads for 0."""
    targets = merit_targets(groups, need_mw)
    filler = max(
        (g for g in groups if g.n_online and not g.stopping),
        key=lambda g: g.n_online * g.ramp_up_mw_per_s,
        default=None,
    )
    for g, target in zip(groups, targets, strict=True):
        if g is not filler and moves(g, target, tol_mw):
            g.set_setpoint(now_s, target)
    if filler is not None:
        fill_in(now_s, need_mw, groups, filler, targets[groups.index(filler)], tol_mw)


def give_up(
    now_s: float, groups: list[TurbineGroup], surplus_mw: float, keep_setpoints: bool
) -> float:
    """Lower the output at once by up to ``surplus_mw`` [MW]; returns what was given up.

    On an island a governor sheds load far faster than any planned ramp; this is how supply
    the bus cannot place is given up: first by the groups above their setpoints, each in
    proportion to its excess (so they land on their setpoints together and the dispatch
    stays coherent), then — the setpoints themselves unplaced, e.g. a full battery under the
    comm part of an iteration — down to the units' minimum load, each group in proportion to
    its output above it (its setpoint follows). Only output at the minimum load is spilled
    (``curtailed_mw``): no generator puts out more than its load takes. With
    ``keep_setpoints`` the setpoints hold (they carry the load's next step, which no battery
    could bridge: see :mod:`sim.commitment`), and what nobody takes of them is spilled.
    """
    given = 0.0
    levels = [lambda g: max(g.setpoint_mw, g.floor_mw())]
    if not keep_setpoints:
        levels.append(TurbineGroup.floor_mw)
    for level in levels:
        room = {g: g.p_mw - level(g) for g in groups}
        total = sum(r for r in room.values() if r > 0.0)
        if total <= 0.0 or given >= surplus_mw:
            continue
        step = min(surplus_mw - given, total)
        for g, r in room.items():
            if r > 0.0:
                g.p_mw -= r * step / total
                g.set_setpoint(now_s, min(g.setpoint_mw, g.p_mw))
        given += step
    return given


def merit_targets(groups: list[TurbineGroup], need_mw: float) -> list[float]:
    """Each group's target for ``need_mw`` [MW]: every group online and not stopping at
    its floor ``n·P_min`` first, then the rest in merit order — the cheapest incremental
    fuel (``(1 − f0)·HR(T)`` × price [USD/MWh]) first, each up to ``n·P_nom``; groups of
    equal cost share in proportion to their room above the floor (for groups of one
    ``p_min_pu``, in proportion to their rating). 0 for the others."""
    live = [g for g in groups if g.n_online and not g.stopping]
    target = {g: g.floor_mw() for g in live}
    rest_mw = need_mw - sum(target.values())
    tiers: dict[float, list[TurbineGroup]] = {}
    for g in live:
        tiers.setdefault(g.fuel_mmbtu_per_mw_s * g.fuel_usd_per_mmbtu, []).append(g)
    for cost in sorted(tiers):
        room = {g: g.n_online * g.p_nom_mw - target[g] for g in tiers[cost]}
        total = sum(room.values())
        take = min(max(rest_mw, 0.0), total)
        if total > 0.0:
            for g, r in room.items():
                target[g] += take * r / total
        rest_mw -= take
    return [target.get(g, 0.0) for g in groups]


def fill_in(
    now_s: float,
    need_mw: float,
    groups: list[TurbineGroup],
    f: TurbineGroup,
    target_mw: float,
    tol_mw: float,
) -> None:
    """The fastest group ``f`` fills the gap the others leave while they ramp: with the
    others' output ``S(t) = S0 + R·t``, ``f`` heads for the line ``L(t) = need − S(t)``
    — below it, ramping up at its full rate until they meet (an event); on it while the
    others ramp up (``R > 0``), following it down at ``R`` to its own target. Otherwise
    it heads for its target like any group. (One filler: a gap beyond its rating stays
    for the battery.)"""
    others_mw = others_r = 0.0
    for g in groups:
        if g is not f:
            others_mw += g.p_mw
            others_r += g.ramp_mw_per_s
    line_mw = need_mw - others_mw  # where f should be now
    up_r = f.n_online * f.ramp_up_mw_per_s
    cap_mw = f.n_online * f.p_nom_mw
    if line_mw - f.p_mw > tol_mw and target_mw < cap_mw and up_r + others_r > 0.0:
        meet_s = (line_mw - f.p_mw) / (up_r + others_r)
        f.set_setpoint(now_s, min(f.p_mw + up_r * meet_s, cap_mw))
    elif others_r > 0.0 and f.p_mw > target_mw + tol_mw and abs(line_mw - f.p_mw) <= tol_mw:
        f.set_line(now_s, target_mw, min(others_r, f.n_online * f.ramp_down_mw_per_s))
    elif moves(f, target_mw, tol_mw):
        f.set_setpoint(now_s, target_mw)


def moves(g: TurbineGroup, target_mw: float, tol_mw: float) -> bool:
    """Whether ``target_mw`` [MW] is a new setpoint for ``g``: off its setpoint, or off its
    output while it holds, by more than ``tol_mw`` (a rounding difference of the net load
    would otherwise start a ramp of no length: an event for nothing)."""
    if abs(target_mw - g.setpoint_mw) > tol_mw:
        return True
    return g.ramp_mw_per_s == 0.0 and abs(target_mw - g.p_mw) > tol_mw
