"""The ``cluster.failures`` and ``cluster.domains`` sections: failure laws, causes (the
built-in catalogs of ``sim/data/failure_causes.yaml``) and failure domains."""

from __future__ import annotations

from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator

from sim.config.problems import Key, KeyProblems
from sim.config.schema.base import StrictModel, name_field


class FailureCauseConfig(StrictModel):
    """One cause of failure: its part of the failure rate, and whether it takes a node."""

    name: str = name_field("Names the cause in the summary and the event log.")
    share_pu: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of the failures with this cause [pu], 0–1; the shares sum to 1.",
    )
    rate_per_node_day: float | None = Field(
        None,
        ge=0,
        le=1000,
        description="Failures with this cause per node-day of running [1/day], 0–1,000 "
        "(instead of share_pu; the rates sum to failures.rate_per_node_day).",
    )
    repair: bool = Field(
        True,
        description="true: the node goes to repair and the job waits for a spare or free node; "
        "false: the job only restarts (no node lost).",
    )
    repair_h: float | None = Field(
        None,
        gt=0,
        le=8760,
        description="Mean repair time of this cause [h], up to 8,760; null: cluster.repair_h.",
    )

    @model_validator(mode="after")
    def _share_or_rate(self) -> FailureCauseConfig:
        if (self.share_pu is None) == (self.rate_per_node_day is None):
            raise KeyProblems(
                [(("share_pu",), self.share_pu, "give exactly one of share_pu, rate_per_node_day")]
            )
        return self


class FailuresConfig(StrictModel):
    """Node failures while a node runs a job."""

    # Llama 3 saw 0.00379, Meta's RSC-1 0.0065 (facts §6); 1,000 a day (one a node every
    # 1.4 min) is far beyond any hardware, and stress tests use 24.
    rate_per_node_day: float = Field(
        ge=0,
        le=1000,
        description=(
            "Failures per node-day of running [1/day], 0–1,000 (weibull: 1 / the mean life); "
            "Llama 3: 0.00379."
        ),
    )
    distribution: Literal["exponential", "weibull"] = Field(
        "exponential",
        description=(
            "Life of a node in running time: exponential (memoryless), or weibull with shape "
            "(< 1: infant mortality, > 1: wear-out; a repaired node is as good as new)."
        ),
    )
    shape: float | None = Field(
        None, ge=0.1, le=20, description="weibull: the shape k [-], 0.1–20; 1 is exponential."
    )
    fleet_age: Literal["stationary", "new"] = Field(
        "stationary",
        description=(
            "weibull: the nodes' age at t = 0: stationary (each node's life left drawn from the "
            "renewal process's equilibrium, so the fleet fails at rate_per_node_day from the "
            "start) or new (every node new: infant mortality at once for shape < 1)."
        ),
    )
    causes: list[FailureCauseConfig] | None = Field(
        None,
        description=(
            "Causes of failure, drawn at each failure: llama3 (the built-in catalog, "
            "sim/data/failure_causes.yaml: Llama 3's 419 interruptions) or a list of "
            "{name, share_pu | rate_per_node_day, repair, repair_h}; null: every failure takes "
            "its node to repair. The total rate stays rate_per_node_day."
        ),
    )

    @field_validator("causes", mode="before")
    @classmethod
    def _catalog(cls, value: Any) -> Any:
        """A catalog's name becomes its list of causes."""
        if isinstance(value, str):
            catalogs = failure_cause_catalogs()
            if value not in catalogs:
                allowed = ", ".join(sorted(catalogs))
                raise KeyProblems(
                    [((), value, f"must be a built-in catalog ({allowed}) or a list of causes")]
                )
            return catalogs[value]
        return value

    @model_validator(mode="after")
    def _shape_with_weibull(self) -> FailuresConfig:
        if self.distribution == "weibull" and self.shape is None:
            raise KeyProblems([(("shape",), None, "weibull needs a shape k > 0 (1: exponential)")])
        if self.distribution == "exponential" and self.shape is not None:
            raise KeyProblems(
                [(("shape",), self.shape, "shape is for distribution: weibull; remove it")]
            )
        if self.causes is not None:
            items = _cause_problems(self.causes, self.rate_per_node_day)
            if items:
                raise KeyProblems(items)
        return self


def _cause_problems(
    causes: list[FailureCauseConfig], rate_per_node_day: float
) -> list[tuple[Key, Any, str]]:
    """Causes given all by share (summing to 1) or all by rate (summing to the total rate)."""
    if not causes:
        return [(("causes",), [], "give at least one cause (or null for none)")]
    names = [c.name for c in causes]
    for i, name in enumerate(names):
        if name in names[:i]:
            return [(("causes", i, "name"), name, "must differ from every other cause")]
    shares = [c.share_pu for c in causes]
    rates = [c.rate_per_node_day for c in causes]
    if None not in shares:
        total = sum(s for s in shares if s is not None)
        if abs(total - 1.0) > 1e-6:
            return [(("causes",), f"shares summing to {total:g}", "share_pu must sum to 1")]
    elif None not in rates:
        total = sum(r for r in rates if r is not None)
        if abs(total - rate_per_node_day) > 1e-9 * max(1.0, rate_per_node_day):
            return [
                (
                    ("causes",),
                    f"rates summing to {total:g}",
                    f"rate_per_node_day must sum to failures.rate_per_node_day "
                    f"({rate_per_node_day:g})",
                )
            ]
    else:
        return [
            (
                ("causes",),
                "shares and rates",
                "give every cause a share_pu, or every one a rate_per_node_day",
            )
        ]
    return []


class DomainsConfig(StrictModel):
    """Failure domains of the fabric and power tree: a rack's power shelf and a leaf switch
    take down all their nodes at once (see :mod:`sim.domains`)."""

    nodes_per_rack: int = Field(ge=1, le=10_000, description="Nodes in a rack, 1–10,000.")
    racks_per_leaf: int = Field(
        ge=1, le=10_000, description="Racks under one leaf switch, 1–10,000."
    )
    rack_rate_per_day: float = Field(
        0.0, ge=0, le=100, description="Power-shelf failures per rack-day [1/day], 0–100."
    )
    rack_repair_h: float = Field(
        4.0, gt=0, le=8760, description="Time a rack is down after one [h], up to 8,760."
    )
    leaf_rate_per_day: float = Field(
        0.0, ge=0, le=100, description="Failures per leaf switch-day [1/day], 0–100."
    )
    leaf_repair_h: float = Field(
        4.0, gt=0, le=8760, description="Time a leaf switch is down after one [h], up to 8,760."
    )


def failure_cause_catalogs() -> dict[str, list[dict[str, Any]]]:
    """The built-in catalogs of failure causes (``sim/data/failure_causes.yaml``), each as a
    list of causes whose shares are their counts over the catalog's total count."""
    text = (resources.files("sim") / "data" / "failure_causes.yaml").read_text()
    catalogs = {}
    for name, entries in yaml.safe_load(text).items():
        total = sum(e["count"] for e in entries)
        catalogs[name] = [
            {
                "name": e["name"],
                "share_pu": e["count"] / total,
                "repair": e["repair"],
                "repair_h": e["repair_h"],
            }
            for e in entries
        ]
    return catalogs
