"""The ``dispatch:`` section: one pydantic model per policy in a tagged union, read from a flat
mapping (``dispatch: {policy: smooth, ramp_limit_mw_per_min: 5}``).

Each policy takes its own keys and refuses another's naming the policy it belongs to; a key it
requires is "required by policy ..."; ``policy`` defaults to ``peak_shave``; key paths in errors
never name the union's tag (``dispatch.ramp_limit_mw_per_min``, not
``dispatch.smooth.ramp_limit_mw_per_min``); null still means "not set", so the configs written
before (every policy's key, null where unused) load; ``--set``, sweeps and ``dump_config`` work.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import Tag

from sim.config import (
    POLICY_MODELS,
    ArbitrageDispatch,
    BackupDispatch,
    Config,
    ConfigError,
    DispatchBase,
    PeakShaveDispatch,
    PolicyName,
    Problem,
    SmoothDispatch,
    annotation_at,
    config_from_dict,
    dump_config,
    load_config,
    unknown_key_message,
)
from sim.facility import Facility
from sim.policies import POLICIES, Arbitrage, Backup, PeakShave, Smooth
from sim.sweep import load_sweep
from tests.bad_configs import write

ROOT = Path(__file__).resolve().parents[1]
SITE = {"name": "t", "duration_h": 2.0, "load": {"constant_mw": 10.0}}

OWN_KEYS: list[tuple[dict[str, Any], type[DispatchBase], str, float | bool | None]] = [
    ({"policy": "peak_shave", "grid_target_mw": 8}, PeakShaveDispatch, "grid_target_mw", 8.0),
    ({"policy": "peak_shave"}, PeakShaveDispatch, "grid_target_mw", None),
    (
        {"policy": "smooth", "ramp_limit_mw_per_min": 5},
        SmoothDispatch,
        "ramp_limit_mw_per_min",
        5.0,
    ),
    ({"policy": "backup"}, BackupDispatch, "policy", None),
    ({"policy": "backup"}, BackupDispatch, "recharge_under_peak", True),
    (
        {"policy": "backup", "recharge_under_peak": False},
        BackupDispatch,
        "recharge_under_peak",
        False,
    ),
    (
        {"policy": "arbitrage", "charge_below_usd_per_mwh": -5, "discharge_above_usd_per_mwh": 90},
        ArbitrageDispatch,
        "charge_below_usd_per_mwh",
        -5.0,
    ),
]
"""(dispatch section, its model, a key of the policy, its value; None: the key's default)."""

FOREIGN = {
    "grid_target_mw": ("peak_shave", 5),
    "ramp_limit_mw_per_min": ("smooth", 5),
    "charge_below_usd_per_mwh": ("arbitrage", 10),
    "discharge_above_usd_per_mwh": ("arbitrage", 90),
    "recharge_under_peak": ("backup", False),
}
"""Each policy's own key, the policy it belongs to and a valid value of it."""

MINIMAL = {
    "peak_shave": {"policy": "peak_shave"},
    "smooth": {"policy": "smooth", "ramp_limit_mw_per_min": 5},
    "backup": {"policy": "backup"},
    "arbitrage": {
        "policy": "arbitrage",
        "charge_below_usd_per_mwh": 10,
        "discharge_above_usd_per_mwh": 90,
    },
}
"""A valid section of each policy, with the keys it requires."""


def config(dispatch: Any, **keys: Any) -> Config:
    return config_from_dict({**SITE, **keys, "dispatch": dispatch})


def problems(dispatch: Any, **keys: Any) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        config(dispatch, **keys)
    return info.value.problems


def lines(found: list[Problem]) -> list[str]:
    """The problems as the user reads them, without the file."""
    return sorted(str(p).removeprefix("<dict>: ") for p in found)


# --- each policy's own keys ------------------------------------------------------------------


@pytest.mark.parametrize(("dispatch", "model", "key", "value"), OWN_KEYS)
def test_each_policy_takes_its_own_keys(dispatch, model, key, value):
    section = config(dispatch).dispatch
    assert type(section) is model
    assert section.policy == dispatch["policy"]
    if key != "policy":
        assert getattr(section, key) == value


def test_the_common_keys_belong_to_every_policy():
    common = {"load_management": {"order": ["cap"], "it_floor_pu": 0.5}, "turbine_stop_soc": 0.8}
    turbines = [{"name": "gt", "count": 1, "p_nom_mw": 20.0, "ramp_mw_per_min": 5.0}]
    for dispatch in MINIMAL.values():
        section = config({**dispatch, **common}, turbines=turbines).dispatch
        assert section.load_management is not None
        assert section.load_management.it_floor_pu == 0.5
        assert section.turbine_stop_soc == 0.8


def test_each_model_has_only_its_own_keys():
    common = {"policy", "load_management", "turbine_stop_soc"}
    assert set(DispatchBase.model_fields) == common
    assert set(PeakShaveDispatch.model_fields) == common | {"grid_target_mw"}
    assert set(SmoothDispatch.model_fields) == common | {"ramp_limit_mw_per_min"}
    assert set(BackupDispatch.model_fields) == common | {"recharge_under_peak"}
    assert set(ArbitrageDispatch.model_fields) == common | {
        "charge_below_usd_per_mwh",
        "discharge_above_usd_per_mwh",
    }


# --- the default policy ------------------------------------------------------------------------


@pytest.mark.parametrize("dispatch", [{}, {"grid_target_mw": 7}, {"turbine_stop_soc": None}])
def test_policy_defaults_to_peak_shave(dispatch):
    section = config(dispatch).dispatch
    assert isinstance(section, PeakShaveDispatch)
    assert section.policy == "peak_shave"
    assert section.grid_target_mw == dispatch.get("grid_target_mw")


def test_no_dispatch_section_is_peak_shave():
    data = {**SITE}
    section = config_from_dict(data).dispatch
    assert isinstance(section, PeakShaveDispatch)
    assert section.grid_target_mw is None


# --- a key of another policy, a key required, a bad policy ----------------------------------


@pytest.mark.parametrize(
    ("policy", "key"),
    [(policy, key) for policy in MINIMAL for key, (owner, _) in FOREIGN.items() if owner != policy],
)
def test_a_key_of_another_policy_is_refused_naming_its_policy(policy, key):
    owner, value = FOREIGN[key]
    [problem] = problems({**MINIMAL[policy], key: value})
    assert problem.key == ("dispatch", key)
    assert str(problem) == (
        f"<dict>: dispatch.{key}: applies only to policy {owner}, not {policy} (got {value})"
    )


def test_a_foreign_key_under_the_default_policy_names_both_policies():
    [problem] = problems({"ramp_limit_mw_per_min": 5})
    assert lines([problem]) == [
        "dispatch.ramp_limit_mw_per_min: applies only to policy smooth, not peak_shave (got 5)"
    ]


@pytest.mark.parametrize(
    ("dispatch", "expected"),
    [
        ({"policy": "smooth"}, ["dispatch.ramp_limit_mw_per_min: required by policy smooth"]),
        (
            {"policy": "smooth", "ramp_limit_mw_per_min": None},
            ["dispatch.ramp_limit_mw_per_min: required by policy smooth"],
        ),
        (
            {"policy": "arbitrage", "discharge_above_usd_per_mwh": 90},
            ["dispatch.charge_below_usd_per_mwh: required by policy arbitrage"],
        ),
        (
            {"policy": "arbitrage"},
            [
                "dispatch.charge_below_usd_per_mwh: required by policy arbitrage",
                "dispatch.discharge_above_usd_per_mwh: required by policy arbitrage",
            ],
        ),
        (  # a foreign key and a missing one: both at once
            {"policy": "smooth", "grid_target_mw": 5},
            [
                "dispatch.grid_target_mw: applies only to policy peak_shave, not smooth (got 5)",
                "dispatch.ramp_limit_mw_per_min: required by policy smooth",
            ],
        ),
    ],
)
def test_a_key_the_policy_requires_is_missing(dispatch, expected):
    assert lines(problems(dispatch)) == expected


@pytest.mark.parametrize("policy", ["smoothe", None, 5, True, [1], {"a": 1}])
def test_an_unknown_policy_lists_the_allowed_ones(policy):
    [problem] = problems({"policy": policy})
    assert problem.key == ("dispatch", "policy")
    assert problem.value == policy
    assert problem.message == "Input should be 'peak_shave', 'smooth', 'backup' or 'arbitrage'"


@pytest.mark.parametrize("dispatch", [5, "smooth", None, [], [{"policy": "smooth"}]])
def test_a_dispatch_that_is_not_a_mapping_is_refused_at_the_section(dispatch):
    [problem] = problems(dispatch)
    assert problem.key == ("dispatch",)
    assert problem.message == "Input should be a valid dictionary"


def test_an_unknown_key_suggests_the_keys_of_the_policy():
    found = problems({"policy": "smooth", "ramp_limit_mw_per_mn": 5})
    [missing] = [p for p in found if p.key == ("dispatch", "ramp_limit_mw_per_min")]
    assert missing.message == "required by policy smooth"
    [problem] = [p for p in found if p is not missing]
    assert problem.key == ("dispatch", "ramp_limit_mw_per_mn")
    assert problem.message == (
        "unknown key; did you mean 'ramp_limit_mw_per_min'? allowed here: policy, "
        "load_management, turbine_stop_soc, ramp_limit_mw_per_min"
    )


# --- key paths never name the union's tag -----------------------------------------------------


@pytest.mark.parametrize(
    ("dispatch", "key", "fragment"),
    [
        ({"policy": "smooth", "ramp_limit_mw_per_min": -1}, "ramp_limit_mw_per_min", "greater"),
        ({"policy": "smooth", "ramp_limit_mw_per_min": "x"}, "ramp_limit_mw_per_min", "number"),
        ({"policy": "smooth", "ramp_limit_mw_per_min": True}, "ramp_limit_mw_per_min", "boolean"),
        ({"policy": "peak_shave", "grid_target_mw": 1e9}, "grid_target_mw", "less than"),
        (
            {
                "policy": "arbitrage",
                "charge_below_usd_per_mwh": 90,
                "discharge_above_usd_per_mwh": 50,
            },
            "charge_below_usd_per_mwh",
            "must be below discharge_above_usd_per_mwh (50.0)",
        ),
        ({"policy": "backup", "turbine_stop_soc": 2}, "turbine_stop_soc", "less than or equal"),
        (
            {"policy": "backup", "load_management": {"order": ["cap", "cap"]}},
            "load_management.order",
            "name each step once",
        ),
        (
            {"policy": "backup", "load_management": {"order": ["nap"]}},
            "load_management.order[0]",
            "'cap', 'pause' or 'shed'",
        ),
        (
            {"policy": "backup", "load_management": {"oder": ["cap"]}},
            "load_management.oder",
            "did you mean 'order'?",
        ),
    ],
)
def test_error_key_paths_leave_out_the_union_tag(dispatch, key, fragment):
    [problem] = problems(dispatch)
    assert str(problem).startswith(f"<dict>: dispatch.{key}: ")
    assert dispatch["policy"] not in problem.key
    assert fragment in problem.message


def test_the_key_path_from_a_file_names_the_file_and_no_tag(tmp_path):
    path = write(
        tmp_path / "cfg.yaml",
        """\
        name: t
        duration_h: 2
        load: {constant_mw: 10}
        dispatch: {policy: smooth, ramp_limit_mw_per_min: 0, grid_target_mw: 3}
        """,
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert sorted(str(p) for p in info.value.problems) == [
        f"{path}: dispatch.grid_target_mw: applies only to policy peak_shave, not smooth (got 3)",
        f"{path}: dispatch.ramp_limit_mw_per_min: Input should be greater than 0 (got 0)",
    ]


# --- null means not set: the configs written before load ------------------------------------


def test_a_config_written_before_with_every_policys_keys_null_loads(tmp_path):
    """``dump_config`` used to write every policy's key, null where unused."""
    path = write(
        tmp_path / "config.yaml",
        """\
        name: t
        duration_h: 2
        load: {constant_mw: 10}
        dispatch:
          policy: smooth
          grid_target_mw: null
          charge_below_usd_per_mwh: null
          discharge_above_usd_per_mwh: null
          ramp_limit_mw_per_min: 5.0
          load_management: null
          turbine_stop_soc: null
        """,
    )
    section = load_config(path).dispatch
    assert section == SmoothDispatch(policy="smooth", ramp_limit_mw_per_min=5.0)


def test_an_unknown_key_set_to_null_is_still_refused():
    [problem] = problems({"policy": "backup", "grid_targt_mw": None})
    assert problem.key == ("dispatch", "grid_targt_mw")
    assert "unknown key" in problem.message


# --- round trip, --set, sweeps ----------------------------------------------------------------


@pytest.mark.parametrize("policy", sorted(MINIMAL))
def test_dump_config_round_trips_each_policy(tmp_path, policy):
    extra = {"grid_target_mw": 6.5} if policy == "peak_shave" else {}
    original = config({**MINIMAL[policy], **extra, "load_management": {"order": ["shed"]}})
    text = dump_config(original)
    again = load_config(write(tmp_path / "config.yaml", text))
    assert again == original
    assert type(again.dispatch) is type(original.dispatch)
    keys = set(yaml.safe_load(text)["dispatch"])
    assert keys == set(type(original.dispatch).model_fields)  # its own keys, no other policy's


def test_set_switches_the_policy(tmp_path):
    path = write(tmp_path / "cfg.yaml", "name: t\nduration_h: 2\nload: {constant_mw: 10}\n")
    section = load_config(
        path, ["dispatch.policy=smooth", "dispatch.ramp_limit_mw_per_min=5"]
    ).dispatch
    assert section == SmoothDispatch(policy="smooth", ramp_limit_mw_per_min=5.0)
    assert isinstance(load_config(path, ["dispatch.policy=backup"]).dispatch, BackupDispatch)
    with pytest.raises(ConfigError) as info:
        load_config(path, ["dispatch.policy=smooth"])
    [problem] = info.value.problems
    assert problem.key == ("dispatch", "ramp_limit_mw_per_min")
    assert problem.message == "required by policy smooth"


def test_set_a_policy_over_another_policys_key_names_the_key_and_the_set(tmp_path):
    path = write(
        tmp_path / "cfg.yaml",
        "name: t\nduration_h: 2\nload: {constant_mw: 10}\ndispatch: {grid_target_mw: 8}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, ["dispatch.policy=backup"])
    [problem] = info.value.problems
    assert str(problem) == (
        f"{path}: dispatch.grid_target_mw: applies only to policy peak_shave, not backup (got 8)"
    )


def test_the_keys_of_every_policy_are_config_keys():
    for key in (*FOREIGN, "policy", "load_management", "turbine_stop_soc"):
        assert unknown_key_message(("dispatch", key)) is None
    message = unknown_key_message(("dispatch", "ramp"))
    assert message is not None
    assert message.startswith("dispatch.ramp: unknown key; allowed here: policy, ")
    assert annotation_at(("dispatch", "ramp_limit_mw_per_min")) is float
    assert annotation_at(("dispatch", "grid_target_mw")) is float
    policy = annotation_at(("dispatch", "policy"))
    assert typing.get_origin(policy) is Literal
    assert typing.get_args(policy) == ("peak_shave", "smooth", "backup", "arbitrage")


def test_a_sweep_over_the_policy_with_each_policys_keys(tmp_path):
    write(tmp_path / "site.yaml", "name: s\nduration_h: 2\nload: {constant_mw: 10}\n")
    path = write(
        tmp_path / "sweep.yaml",
        """\
        name: policies
        base: site.yaml
        zip:
          - dispatch.policy: [peak_shave, smooth, backup]
            dispatch.ramp_limit_mw_per_min: [null, 2.5, null]
            dispatch.grid_target_mw: [8, null, null]
        """,
    )
    sweep = load_sweep(path)
    assert [p.problems for p in sweep.plans] == [[]] * 3
    sections = [p.config.dispatch for p in sweep.plans if p.config is not None]
    assert [type(s) for s in sections] == [PeakShaveDispatch, SmoothDispatch, BackupDispatch]
    assert isinstance(sections[0], PeakShaveDispatch)
    assert sections[0].grid_target_mw == 8
    assert isinstance(sections[1], SmoothDispatch)
    assert sections[1].ramp_limit_mw_per_min == 2.5


# --- the policies built from their models -----------------------------------------------------


@pytest.mark.parametrize(
    ("dispatch", "policy"),
    [
        (MINIMAL["peak_shave"], PeakShave),
        (MINIMAL["smooth"], Smooth),
        (MINIMAL["backup"], Backup),
        (MINIMAL["arbitrage"], Arbitrage),
    ],
)
def test_the_facility_builds_the_policy_of_the_section(dispatch, policy):
    built = Facility(config(dispatch)).bus.policy
    assert type(built) is policy
    assert POLICIES[dispatch["policy"]] is policy


def test_a_policy_refuses_the_section_of_another():
    with pytest.raises(TypeError, match="policy smooth built from the section of policy backup"):
        Smooth.from_config(BackupDispatch(policy="backup"), 10.0)


# --- the README ---------------------------------------------------------------------------------


def test_the_config_reference_lists_every_dispatch_key():
    reference = (ROOT / "docs" / "config.md").read_text()
    for model in (PeakShaveDispatch, SmoothDispatch, BackupDispatch, ArbitrageDispatch):
        for name in model.model_fields:
            assert f"| `dispatch.{name}` |" in reference, name


def test_the_union_the_policies_and_their_names_agree():
    """A policy added in one place and not the others fails here: each arm of the union is
    tagged with its own ``policy`` literal, in the order of POLICY_MODELS and PolicyName, and
    each has its class in :data:`sim.policies.POLICIES`."""
    union = Config.model_fields["dispatch"].annotation
    arms = [typing.get_args(arm) for arm in typing.get_args(union)]
    tags = [next(m.tag for m in metadata if isinstance(m, Tag)) for _, *metadata in arms]
    models = [model for model, *_ in arms]
    assert tuple(models) == POLICY_MODELS
    assert [typing.get_args(m.model_fields["policy"].annotation) for m in models] == [
        (tag,) for tag in tags
    ]
    assert tuple(tags) == typing.get_args(PolicyName)
    assert list(POLICIES) == tags
