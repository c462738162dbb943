"""Presets: one config per real system in ``configs/presets/``, each figure with its source.

:func:`preset_table` reads them (validated, not simulated) into the table that ``dcsim
presets`` prints and the README shows: GPUs, IT power at full load, grid, turbines, storage.
They ship in the package (``sim._configs``, :mod:`sim.config.names`): ``preset:NAME``.
:func:`starting_config` is ``dcsim init``: a shipped config's text, comments kept, renamed.
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path

import pandas as pd

from sim._version import __version__
from sim.config import Config, ConfigError, Problem, hardware_catalog, load_config
from sim.config.names import configs_root, resolve

PRESETS_DIR = configs_root() / "presets"
"""Where the presets are: the package's ``sim/_configs/presets`` when installed from a wheel,
the repository's ``configs/presets`` in a source checkout (the same files)."""


def preset_paths(folder: Path = PRESETS_DIR) -> list[Path]:
    """The preset files, by name."""
    return sorted(folder.glob("*.yaml"))


def full_load_it_mw(config: Config) -> float:
    """IT power with every job's GPUs at TDP and the other nodes idle [MW]:
    ``Σ nodes_busy·(overhead + g·(TDP + net)) + nodes_idle·(overhead + g·(idle + net))``, the
    peak of ``power_model: iteration`` (jobs placed on their pools, spares idle)."""
    if config.cluster is None:
        return 0.0
    catalog = hardware_catalog(config.cluster)
    total_w = 0.0
    for pool in config.cluster.pools:
        hw = catalog[pool.hardware]
        g = hw.gpus_per_node
        nodes = math.ceil(pool.gpus / g) + math.ceil(pool.spare_gpus / g)
        busy = min(nodes, sum(math.ceil(j.gpus / g) for j in config.jobs if j.pool == pool.name))
        peak_w = hw.node_overhead_w + g * (hw.gpu_tdp_w + hw.network_w_per_gpu)
        idle_w = hw.node_overhead_w + g * (hw.gpu_idle_w + hw.network_w_per_gpu)
        total_w += busy * peak_w + (nodes - busy) * idle_w
    return total_w * 1e-6


def preset_table(paths: list[Path] | None = None) -> pd.DataFrame:
    """One row per preset: ``preset, gpus, it_mw, grid_mw, turbines, storage, description``
    (``gpus`` installed, spares included; ``it_mw`` from :func:`full_load_it_mw`; ``grid_mw``
    the import limit, ``inf`` if none)."""
    rows = []
    for path in preset_paths() if paths is None else paths:
        config = load_config(path)
        cluster = config.cluster
        gpus = sum(p.gpus + p.spare_gpus for p in cluster.pools) if cluster else 0
        limit = config.grid.import_limit_mw
        if config.grid.import_limit_steps:  # built out: the connection's final limit
            limit = config.grid.import_limit_steps[-1].limit_mw
        limit = math.inf if limit is None else limit
        turbines = " + ".join(f"{t.count} × {t.p_nom_mw:g} MW ({t.name})" for t in config.turbines)
        energy_mwh = sum(b.energy_mwh for b in config.storages)
        power_mw = sum(b.power_mw for b in config.storages)
        storage = f"{energy_mwh:,.0f} MWh / {power_mw:,.0f} MW" if energy_mwh > 0 else "none"
        rows.append(
            {
                "preset": config.name,
                "gpus": gpus,
                "it_mw": full_load_it_mw(config),
                "grid_mw": limit,
                "turbines": turbines or "none",
                "storage": storage,
                "description": config.description,
            }
        )
    return pd.DataFrame(rows)


def markdown_table(table: pd.DataFrame) -> str:
    """The presets table as Markdown (the README's)."""
    lines = [
        "| preset | GPUs | IT MW at full load | grid MW | turbines | storage |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in table.itertuples(index=False):
        # (pandas-stubs types a row's field as any scalar)
        grid = "unlimited" if math.isinf(r.grid_mw) else f"{r.grid_mw:,.0f}"  # type: ignore[arg-type]
        lines.append(
            f"| `{r.preset}` | {r.gpus:,} | {r.it_mw:,.0f} | {grid} | {r.turbines} | {r.storage} |"
        )
    return "\n".join(lines)


_PATH_LINE = re.compile(
    r"^(?P<lead>\s*(?:extends|trace_csv|price_csv|carbon_csv|csv|epw):\s*)"
    r"(?P<quote>[\"']?)(?P<value>[^\s\"'#]+)(?P=quote)(?P<tail>\s*(?:#.*)?)$"
)


def starting_config(source: str | Path, name: str) -> str:
    """The text of a new config started from ``source`` (a path or ``preset:NAME``,
    ``example:NAME``): the source's text with its comments, its top-level ``name:`` set to
    ``name``, a first comment saying where it came from, and each relative path (``extends:``
    and the CSV/EPW keys) made absolute, so the copy loads from any folder (``preset:``
    names stay as they are).

    Raises
    ------
    ConfigError
        If the source is unknown or unreadable, or the new config does not validate.
    """
    try:
        path = resolve(source)
    except ValueError as exc:
        raise ConfigError([Problem(str(source), (), str(exc))]) from None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(source), (), f"cannot read: {exc}")]) from None
    lines = []
    named = False
    for line in text.splitlines():
        if re.match(r"^name:\s", line) and not named:
            line, named = f"name: {name}", True
        match = _PATH_LINE.match(line)
        if match and ":" not in match["value"] and not Path(match["value"]).is_absolute():
            absolute = (path.parent / match["value"]).resolve()
            line = f"{match['lead']}{match['quote']}{absolute}{match['quote']}{match['tail']}"
        lines.append(line)
    if not named:
        lines.insert(0, f"name: {name}")
    header = f"# Started from {source} by dcsim init (dcsim {__version__}); edit freely.\n"
    new_text = header + "\n".join(lines) + "\n"
    with tempfile.TemporaryDirectory() as folder:  # validate before anything is written
        trial = Path(folder) / f"{name}.yaml"
        trial.write_text(new_text, encoding="utf-8")
        try:
            load_config(trial)
        except ConfigError as exc:
            here = f"{name}.yaml (from {source})"
            problems = [
                Problem(
                    here if p.file.startswith(str(trial)) else p.file, p.key, p.message, p.value
                )
                for p in exc.problems
            ]
            raise ConfigError(problems) from None
    return new_text


def init_config(out: Path, source: str | Path, name: str) -> None:
    """Write :func:`starting_config` to ``out``; refuse (FileExistsError) if it exists."""
    text = starting_config(source, name)
    with out.open("x", encoding="utf-8") as handle:  # ("x": never overwrite)
        handle.write(text)
