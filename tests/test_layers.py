"""The architecture rule: which part of the package may import which.

Every import counts, wherever it is written: at the top of a module, inside a function, or
under ``if TYPE_CHECKING:``. The imports are read from the source with :mod:`ast`, nothing is
executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "flask_migrate_lite"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# From the top down. A module may import modules of its own layer and of the layers below
# it, never of a layer above. A module not named here belongs to the layer of its closest
# named parent package.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("pytest plugin", (f"{PACKAGE}.testing",)),
    ("public names", (PACKAGE,)),
    ("entry point", (f"{PACKAGE}.entry",)),
    (
        "Flask face",
        (
            f"{PACKAGE}.extension",
            f"{PACKAGE}.cli",
            f"{PACKAGE}.cli_options",
            f"{PACKAGE}.cli_errors",
            f"{PACKAGE}.cli_fleet",
            f"{PACKAGE}.cli_applied",
            f"{PACKAGE}.devloop",
        ),
    ),
    ("commands", (f"{PACKAGE}.commands", f"{PACKAGE}.revisions")),
    ("adapter from an app to the engine", (f"{PACKAGE}.appstate",)),
    ("options", (f"{PACKAGE}.options", f"{PACKAGE}.callback_config")),
    ("engine", (f"{PACKAGE}.engine",)),
]

# The parts whose own modules must not import each other in a circle.
ACYCLIC_LAYERS = (
    "pytest plugin",
    "public names",
    "entry point",
    "Flask face",
    "commands",
    "adapter from an app to the engine",
    "options",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


MODULES = all_modules()


def imported_modules(name: str, path: Path) -> set[str]:
    """Every module of the package that ``name`` imports, in any place of its source."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # ``from pkg import name`` imports the submodule ``pkg.name`` when there is one,
            # otherwise a name of ``pkg`` itself.
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in MODULES else target)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imported_modules(name, path) for name, path in MODULES.items()}


def layer_of(name: str) -> int:
    best: tuple[int, int] | None = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), rank)
    assert best is not None, f"{name} is in no layer of the table"
    return best[1]


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_imports_go_downward(name: str) -> None:
    upward = sorted(
        f"{target} ({LAYERS[layer_of(target)][0]})"
        for target in GRAPH[name]
        if layer_of(target) < layer_of(name)
    )
    assert not upward, f"{name} ({LAYERS[layer_of(name)][0]}) imports upward: {upward}"


def find_cycle(nodes: set[str]) -> list[str] | None:
    """One import cycle among ``nodes``, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(GRAPH[node] & nodes):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(nodes):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_cycle_on_the_flask_side() -> None:
    ranks = {rank for rank, (title, _) in enumerate(LAYERS) if title in ACYCLIC_LAYERS}
    nodes = {name for name in GRAPH if layer_of(name) in ranks}
    assert find_cycle(nodes) is None, " -> ".join(find_cycle(nodes) or [])


def test_the_adapter_knows_nothing_of_the_flask_face() -> None:
    adapter = f"{PACKAGE}.appstate"
    assert not GRAPH[adapter] & {f"{PACKAGE}.extension", f"{PACKAGE}.cli"}


def test_nothing_imports_the_pytest_plugin() -> None:
    # pytest imports it (the pytest11 entry point); the package must not, or pytest would
    # become a dependency of every app.
    plugin = f"{PACKAGE}.testing"
    importers = sorted(
        name
        for name, targets in GRAPH.items()
        if not (name == plugin or name.startswith(plugin + "."))
        and any(t == plugin or t.startswith(plugin + ".") for t in targets)
    )
    assert importers == []


def test_the_checker_sees_function_and_type_only_imports() -> None:
    # cli imports commands, and revision imports the autogenerate commands, only inside
    # functions; a checker blind to them proves nothing.
    assert f"{PACKAGE}.commands" in GRAPH[f"{PACKAGE}.cli"]
    assert f"{PACKAGE}.commands.autogenerate" in GRAPH[f"{PACKAGE}.commands.folder"]


# --- inside the engine ---------------------------------------------------------------------

ENGINE = f"{PACKAGE}.engine"
# What each part of the engine may import of the other parts (its own modules aside): the
# runtime runs scripts' revisions through the operations, the operations emit through the
# DDL implementations, and everything rests on the configuration, the errors (and the advice
# their messages hold) and URLs.
ENGINE_BASE = ("advice", "config", "errors", "urls")
ENGINE_PARTS: dict[str, tuple[str, ...]] = {
    "runtime": ("script", "operations", "ddl", *ENGINE_BASE),
    "lint": ("operations", "ddl", *ENGINE_BASE),
    "autogenerate": ("operations", "ddl", *ENGINE_BASE),
    "squash": ("script", "lint", "autogenerate", "operations", "ddl", *ENGINE_BASE),
    "operations": ("ddl", *ENGINE_BASE),
    "script": ENGINE_BASE,
    "ddl": ENGINE_BASE,
    "config": ("errors",),
    "urls": ("errors",),
    "errors": ("advice",),
    "advice": (),
}


def engine_part(name: str) -> str:
    return name[len(ENGINE) + 1 :].split(".")[0]


ENGINE_MODULES = sorted(name for name in GRAPH if name.startswith(ENGINE + "."))


@pytest.mark.parametrize("name", ENGINE_MODULES)
def test_engine_parts_import_only_the_parts_below(name: str) -> None:
    part = engine_part(name)
    allowed = {part, *ENGINE_PARTS[part]}
    wrong = sorted(
        target
        for target in GRAPH[name]
        if target.startswith(ENGINE + ".") and engine_part(target) not in allowed
    )
    assert not wrong, f"{name} ({part}) imports {wrong}"


def test_no_import_cycle_in_the_engine() -> None:
    nodes = {name for name in GRAPH if name == ENGINE or name.startswith(ENGINE + ".")}
    assert find_cycle(nodes) is None, " -> ".join(find_cycle(nodes) or [])


# --- the tests -----------------------------------------------------------------------------

TESTS = ROOT.parent / "tests"


def _private_imports(path: Path) -> list[str]:
    """The package's private names and modules (a leading underscore) that ``path`` imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
            names: list[str] = []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for dotted in modules + names:
            parts = dotted.split(".")
            if parts[0] == PACKAGE and any(
                part.startswith("_") and not part.startswith("__") for part in parts
            ):
                found.append(dotted)
    return found


@pytest.mark.parametrize(
    "path", sorted(TESTS.rglob("*.py")), ids=lambda p: str(p.relative_to(TESTS))
)
def test_tests_import_no_private_name_of_the_package(path: Path) -> None:
    # Tests go through the names a module offers; patching a private attribute of an imported
    # module (monkeypatch.setattr(loader, "_SETTLE_NS", 0)) is not an import and stays allowed.
    assert _private_imports(path) == []


def test_no_module_reaches_600_lines() -> None:
    """Every module stays under 600 lines: past that, it holds more than one concern."""
    lengths = {name: len(path.read_text().splitlines()) for name, path in all_modules().items()}
    assert {name: length for name, length in lengths.items() if length >= 600} == {}
