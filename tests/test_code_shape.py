"""The shape of sim's code: no long module (but the few named here, a list that can only shrink),
the :mod:`sim.sweep` package's imports flowing one way behind its facade, and tests that replace
a name where it is used, never on a facade.

The layers of :mod:`sim.sweep`, each importing only those before it: errors and ids -> spec ->
execution and table -> running. (:mod:`sim.config` has its own in ``test_config_package.py``.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sim.sweep
from tests.test_config_package import (
    ROOT,
    module_aliases,
    module_name,
    modules,
    names_taken_from,
    runtime_imports,
)

SIM = ROOT / "sim"
MAX_LINES = 500

SWEEP = SIM / "sweep"
SWEEP_LAYERS: list[tuple[str, ...]] = [
    ("errors", "ids"),
    ("spec",),
    ("execution", "table"),
    ("running",),
]
"""Modules of :mod:`sim.sweep` by layer; a module may import from earlier layers only."""

FACADES = ("sim.config", "sim.sweep")
"""Packages whose ``__init__`` only re-exports the names of their modules."""


def lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", sorted(SIM.rglob("*.py")), ids=relative)
def test_no_module_is_long(path):
    assert lines(path) <= MAX_LINES


def test_the_sweep_layers_name_every_module_of_the_package():
    layered = {name for layer in SWEEP_LAYERS for name in layer}
    assert {module_name(p, SWEEP) for p in modules(SWEEP)} == layered


@pytest.mark.parametrize("path", modules(SWEEP), ids=lambda p: module_name(p, SWEEP))
def test_sweep_imports_flow_one_way(path):
    layer_of = {name: i for i, layer in enumerate(SWEEP_LAYERS) for name in layer}
    me = module_name(path, SWEEP)
    for imported in runtime_imports(path, "sim.sweep"):
        assert imported in layer_of, f"{me} imports {imported or 'sim.sweep'} (the facade)"
        assert layer_of[imported] < layer_of[me], f"{me} imports {imported}, a later layer"


def test_the_sweep_facade_has_every_name_taken_from_it():
    """``from sim.sweep import X`` or ``sim.sweep.X`` anywhere in sim/, tests/ and bench/ finds X
    (bench scripts are not run by the tests)."""
    wanted = names_taken_from("sim.sweep")
    assert len(wanted) > 10  # (the walk found the imports)
    missing = sorted((file, name) for file, name in wanted if not hasattr(sim.sweep, name))
    assert missing == []
    assert all(hasattr(sim.sweep, name) for name in sim.sweep.__all__)


def test_no_test_patches_a_facade():
    """``monkeypatch.setattr(sim.sweep, "execute_config", f)`` would rebind the facade's name
    only, not the one :mod:`sim.sweep.execution` calls: patch the module that uses the name."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text())
        aliases = module_aliases(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "setattr"
                and node.args
            ):
                continue
            target = node.args[0]
            if isinstance(target, ast.Constant) and isinstance(target.value, str):
                owner = target.value.rpartition(".")[0]  # setattr("sim.sweep.run", f)
            else:
                owner = aliases.get(ast.unparse(target), ast.unparse(target))
            if owner in FACADES:
                found.append(f"{relative(path)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


BUS_MODULES = ("dispatch", "bus_step", "balance", "commitment", "load_management", "thermal_hold")
COMPONENT_MODULES = ("sim.cluster", "sim.jobs", "sim.cooling", "sim.loads", "sim.power")


def runtime_names(path: Path) -> list[tuple[str, str]]:
    """(module, name) of the ``from sim... import name`` a module runs (not those under
    ``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text())
    found = []
    for node in tree.body:  # (module level only: an import in a function is still run)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.ImportFrom) and (sub.module or "").startswith("sim"):
                found += [(str(sub.module), alias.name) for alias in sub.names]
    return found


@pytest.mark.parametrize("name", BUS_MODULES)
def test_the_bus_imports_no_component_class(name):
    """The bus and its steps meet the components through sim.contracts: no class of a
    component module is imported at run time (its constants may be)."""
    imported = runtime_names(ROOT / "sim" / f"{name}.py")
    classes = [
        f"{module}.{item}"
        for module, item in imported
        if module.startswith(COMPONENT_MODULES) and not item.isupper()
    ]
    assert classes == []


def module_imports(path: Path) -> set[str]:
    """The sim modules a module imports when it is imported (module level, not under
    ``if TYPE_CHECKING:``; an import inside a function runs later and is left out)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.ImportFrom) and (sub.module or "").startswith("sim"):
                found.add(str(sub.module))
            elif isinstance(sub, ast.Import):
                found.update(a.name for a in sub.names if a.name.startswith("sim"))
    return found


def test_no_import_cycle():
    """No module of sim/ imports (through others) a module that imports it back: the
    import graph at import time is acyclic (a depth-first search finds no back edge)."""
    names = {}
    for path in (ROOT / "sim").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {name: {m for m in module_imports(path) if m in names} for name, path in names.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                cycles.append([*trail[trail.index(other) :], other])
            elif other not in state:
                visit(other, [*trail, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == [], cycles
