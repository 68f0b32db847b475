"""The package and the tests stay typed (mypy --strict over both, as pyproject.toml says) and
lint-clean (ruff), and the engine free of Flask."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "flask_migrate_lite" / "engine"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_mypy_strict() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check() -> None:
    result = _run("ruff", "check", "flask_migrate_lite", "tests", "example_app", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


# The templates are files written into users' migrations folders, not engine code.
ENGINE_MODULES = sorted(p for p in ENGINE.rglob("*.py") if "templates" not in p.parts)


@pytest.mark.parametrize("path", ENGINE_MODULES, ids=lambda p: p.name)
def test_engine_imports_neither_flask_nor_click(path: Path) -> None:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    assert not names & {"flask", "click", "flask_sqlalchemy", "alembic"}
