"""The configuration: schema, YAML loading with ``extends:`` and ``scenario:``, ``--set``
overrides, and problem reporting.

The schema is a tree of pydantic models with ``extra="forbid"``: a key the schema does not know is
an error, never silently ignored. Loading collects *every* problem before it fails, and each
problem names the file it came from, the dotted key path, the bad value and what is allowed
(:class:`Problem`). Units are in the key names (see :mod:`sim.units`); times in a config are hours
from the run's ``start`` unless the key says otherwise.

The package's modules, each importing only those before it:

- :mod:`~sim.config.problems`: :class:`Problem`, :class:`ConfigError`, :class:`KeyProblems`,
  :func:`format_key`.
- :mod:`~sim.config.yamlio`: the bounded YAML loader and dumper, :func:`read_yaml`, its limits.
- :mod:`~sim.config.schema`: the pydantic models, one module per section, and their ranges.
- :mod:`~sim.config.work`: :func:`estimate_work` and the memory check, the last validation of
  the root model (:mod:`~sim.config.schema.root`, which comes after it).
- :mod:`~sim.config.keys`: key paths of the schema, unknown-key messages, pydantic's errors as
  problems.
- :mod:`~sim.config.names`: shipped configs by name (``preset:NAME``, ``scenario:NAME``...).
- :mod:`~sim.config.overrides`: ``--set KEY=VALUE`` (a mapping value is merged).
- :mod:`~sim.config.loading`: :func:`load_config` (files, ``extends:``, ``scenario:``, path keys,
  overrides, validation) and :func:`dump_config`.
- :mod:`~sim.config.reference`: ``docs/config.md`` and the editor's JSON Schema, from the
  schema (imported on its own, not re-exported here).

Every name other modules use is imported from here (``from sim.config import Config``).
"""

from sim.config.keys import (
    annotation_at,
    problems_from,
    unknown_key_message,
)
from sim.config.loading import (
    MACHINE_KEYS,
    MAX_EXTENDS_CHAIN,
    PATH_KEYS,
    config_from_dict,
    dump_config,
    load_config,
    load_tree,
    resolve_path_keys,
    validate_tree,
)
from sim.config.overrides import (
    parse_key,
    set_key,
)
from sim.config.problems import (
    ConfigError,
    Key,
    KeyProblems,
    Problem,
    format_key,
)
from sim.config.schema.base import (
    MAX_AMBIENT_C,
    MAX_DELTA_C,
    MAX_GPUS,
    MAX_HOURS,
    MAX_PRICE_USD_PER_MWH,
    MAX_SITE_MW,
    MAX_START_YEAR,
    MIN_AMBIENT_C,
    MIN_PRICE_USD_PER_MWH,
    MIN_START_YEAR,
    NAME_MAX_CHARS,
    NAME_PATTERN,
    StrictModel,
    name_field,
)
from sim.config.schema.cluster import (
    ClusterConfig,
    HardwareConfig,
    JobConfig,
    PoolConfig,
    hardware_catalog,
)
from sim.config.schema.cooling import (
    ChillersConfig,
    CoolingConfig,
    HeatWaveConfig,
    WeatherConfig,
)
from sim.config.schema.dispatch import (
    POLICY_MODELS,
    ArbitrageDispatch,
    BackupDispatch,
    DispatchBase,
    DispatchConfig,
    LoadManagementConfig,
    PeakShaveDispatch,
    PolicyName,
    SmoothDispatch,
)
from sim.config.schema.facility import (
    ElectricalConfig,
    FacilityConfig,
    transformer_loss_pu,
    ups_loss_pu,
)
from sim.config.schema.failures import DomainsConfig, FailureCauseConfig, FailuresConfig
from sim.config.schema.grid import (
    DemandResponseConfig,
    GridConfig,
    Hour,
    Month,
    OutageConfig,
    RandomOutagesConfig,
    TariffConfig,
    TouSeasonConfig,
)
from sim.config.schema.power import (
    BatteryConfig,
    TurbineConfig,
    TurbineTripConfig,
)
from sim.config.schema.root import (
    Config,
    LoadConfig,
    OutputConfig,
)
from sim.config.schema.site import (
    SiteConfig,
    site_start,
    zone_of,
)
from sim.config.schema.solar import SolarConfig
from sim.config.schema.vehicle_fleet import VehicleFleetConfig
from sim.config.work import (
    BYTES_BASE,
    BYTES_PER_DEMAND_INTERVAL,
    BYTES_PER_SEGMENT,
    BYTES_PER_TIMESERIES_ROW,
    WorkEstimate,
    estimate_work,
)
from sim.config.yamlio import (
    MAX_INT_DIGITS,
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    YamlLimitError,
    read_yaml,
)

__all__ = [
    "BYTES_BASE",
    "BYTES_PER_DEMAND_INTERVAL",
    "BYTES_PER_SEGMENT",
    "BYTES_PER_TIMESERIES_ROW",
    "MACHINE_KEYS",
    "MAX_AMBIENT_C",
    "MAX_DELTA_C",
    "MAX_EXTENDS_CHAIN",
    "MAX_GPUS",
    "MAX_HOURS",
    "MAX_INT_DIGITS",
    "MAX_PRICE_USD_PER_MWH",
    "MAX_SITE_MW",
    "MAX_START_YEAR",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "MIN_AMBIENT_C",
    "MIN_PRICE_USD_PER_MWH",
    "MIN_START_YEAR",
    "NAME_MAX_CHARS",
    "NAME_PATTERN",
    "PATH_KEYS",
    "POLICY_MODELS",
    "ArbitrageDispatch",
    "BackupDispatch",
    "BatteryConfig",
    "ChillersConfig",
    "ClusterConfig",
    "Config",
    "ConfigError",
    "CoolingConfig",
    "DemandResponseConfig",
    "DispatchBase",
    "DispatchConfig",
    "DomainsConfig",
    "ElectricalConfig",
    "FacilityConfig",
    "FailureCauseConfig",
    "FailuresConfig",
    "GridConfig",
    "HardwareConfig",
    "HeatWaveConfig",
    "Hour",
    "JobConfig",
    "Key",
    "KeyProblems",
    "LoadConfig",
    "LoadManagementConfig",
    "Month",
    "OutageConfig",
    "OutputConfig",
    "PeakShaveDispatch",
    "PolicyName",
    "PoolConfig",
    "Problem",
    "RandomOutagesConfig",
    "SiteConfig",
    "SmoothDispatch",
    "SolarConfig",
    "StrictModel",
    "TariffConfig",
    "TouSeasonConfig",
    "TurbineConfig",
    "TurbineTripConfig",
    "VehicleFleetConfig",
    "WeatherConfig",
    "WorkEstimate",
    "YamlLimitError",
    "annotation_at",
    "config_from_dict",
    "dump_config",
    "estimate_work",
    "format_key",
    "hardware_catalog",
    "load_config",
    "load_tree",
    "name_field",
    "parse_key",
    "problems_from",
    "read_yaml",
    "resolve_path_keys",
    "set_key",
    "site_start",
    "transformer_loss_pu",
    "unknown_key_message",
    "ups_loss_pu",
    "validate_tree",
    "zone_of",
]
