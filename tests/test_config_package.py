"""The shape of the :mod:`sim.config` package: modules whose imports flow one way, and one
facade every other module imports from (the length of its modules is checked with all of sim's in
``tests/test_code_shape.py``, which uses the helpers here for :mod:`sim.sweep` too).

The layers, each importing only those before it: problems -> yamlio -> schema.base ->
schema.buildout -> schema.failures -> the schema's sections -> work -> schema.root -> keys ->
overrides -> loading. Imports under ``if TYPE_CHECKING:`` are for the type checker alone and are
not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sim.config

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sim" / "config"

SECTIONS = (
    "cluster",
    "cooling",
    "dispatch",
    "facility",
    "grid",
    "power",
    "site",
    "solar",
    "vehicle_fleet",
)
LAYERS: list[tuple[str, ...]] = [
    ("names",),  # (shipped configs by name: imports nothing of the package)
    ("problems",),
    ("yamlio",),
    ("schema.base",),
    ("schema.buildout",),  # (the build-out keys several sections share)
    ("schema.failures",),  # (cluster.failures and cluster.domains: the cluster section's)
    tuple(f"schema.{name}" for name in SECTIONS),
    ("work",),
    ("schema.root",),
    ("keys",),
    ("overrides",),
    ("loading",),
    ("reference",),  # (docs/config.md and the editor schema, from the schema)
]
"""Modules of the package by layer; a module may import from earlier layers only."""


def module_name(path: Path, package: Path = PACKAGE) -> str:
    return ".".join(path.relative_to(package).with_suffix("").parts)


def modules(package: Path = PACKAGE) -> list[Path]:
    return sorted(p for p in package.rglob("*.py") if p.name != "__init__.py")


def runtime_imports(path: Path, package: str = "sim.config") -> set[str]:
    """Modules of ``package`` that ``path`` imports when it runs (anywhere in the file, lazy
    imports included; not under ``if TYPE_CHECKING:``), named within it ("" for the facade)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package):
            found.add(node.module.removeprefix(package).removeprefix("."))
        elif isinstance(node, ast.Import):
            found.update(
                a.name.removeprefix(package).removeprefix(".")
                for a in node.names
                if a.name.startswith(package)
            )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def test_the_layers_name_every_module_of_the_package():
    layered = {name for layer in LAYERS for name in layer}
    assert {module_name(p) for p in modules()} == layered


@pytest.mark.parametrize("path", modules(), ids=module_name)
def test_imports_flow_one_way(path):
    layer_of = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    me = module_name(path)
    for imported in runtime_imports(path):
        assert imported in layer_of, f"{me} imports {imported or 'sim.config'} (the facade)"
        assert layer_of[imported] < layer_of[me], f"{me} imports {imported}, a later layer"


def test_the_schema_package_imports_nothing():
    """So that importing one section never imports the root model (and through it, work)."""
    assert runtime_imports(PACKAGE / "schema" / "__init__.py") == set()


def module_aliases(tree: ast.Module) -> dict[str, str]:
    """What each module imported by ``import a.b`` or ``import a.b as c`` is called in a file:
    ``{"a.b": "a.b", "c": "a.b"}``."""
    return {
        a.asname or a.name: a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for a in node.names
    }


def names_taken_from(facade: str) -> set[tuple[str, str]]:
    """(file, name) for every name sim/, tests/ and bench/ (outside ``facade``'s package) take
    from ``facade``: ``from facade import name``, and ``facade.name`` after ``import facade``
    (with or without ``as``)."""
    package = ROOT.joinpath(*facade.split("."))
    wanted: set[tuple[str, str]] = set()
    for folder in ("sim", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if package in path.parents:
                continue
            file = str(path.relative_to(ROOT))
            tree = ast.parse(path.read_text())
            aliases = module_aliases(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == facade:
                    wanted.update((file, a.name) for a in node.names)
                elif isinstance(node, ast.Attribute):
                    owner = ast.unparse(node.value)
                    if aliases.get(owner, owner) == facade:
                        wanted.add((file, node.attr))
    return wanted


def test_the_facade_has_every_name_imported_from_it():
    """``from sim.config import X`` (or ``sim.config.X``) anywhere in sim/, tests/ and bench/
    finds X (bench scripts are not run by the tests)."""
    wanted = names_taken_from("sim.config")
    assert len(wanted) > 50  # (the walk found the imports)
    missing = sorted((file, name) for file, name in wanted if not hasattr(sim.config, name))
    assert missing == []
    assert all(hasattr(sim.config, name) for name in sim.config.__all__)
