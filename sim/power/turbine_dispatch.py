"""Dispatch of a turbine fleet: which group gives what, and how the fastest group fills in.

The groups online share the turbines' output (the net load the grid and the other sources
cannot supply, plus the battery's recharge) in merit order, the cheapest incremental fuel first
(:func:`merit_targets`). Each group then ramps toward its target at its own rate; while a slow
group ramps, the fastest one covers the gap it leaves, exactly along the line the others'
ramps draw (:func:`fill_in`), so that a cheap slow group does not leave load unserved for
the length of its ramp.
"""

from __future__ import annotations

from sim.power.turbine_group import TurbineGroup


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
    elif target_mw != f.setpoint_mw or (f.ramp_mw_per_s == 0.0 and target_mw != f.p_mw):
        f.set_setpoint(now_s, target_mw)
