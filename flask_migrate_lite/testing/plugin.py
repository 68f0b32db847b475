"""The pytest plugin's entry point (``pytest11``): the ini settings and the switch.

It is inert until the suite turns it on, with the ``migrations_app`` ini setting
(``"package.module:create_app"`` or ``"package.module:app"``) or with a ``migrations_app``
fixture defined in a ``conftest.py``. Until then it adds no fixture and no test, and imports
nothing beyond this module: the fixtures (:mod:`.fixtures`) and the ready-made tests
(:mod:`.checks`) are loaded only once it is on.
"""

from __future__ import annotations

import os
import types
from typing import Any

import pytest

__all__ = ["CHECKS"]

#: The ready-made tests, in the order they run; ``migrations_tests`` and ``migrations_skip``
#: choose among these names.
CHECKS = ("single_head", "upgrade", "models_match", "up_down_up", "downgrade", "lint")

_FIXTURES = "flask_migrate_lite.testing.fixtures"

INI = {
    "migrations_app": (
        "the Flask app the migration tests use: 'package.module:create_app' (a factory called "
        "without arguments) or 'package.module:app'; setting it turns the plugin on",
        "string",
    ),
    "migrations_tests": (
        f"the ready-made migration tests to run (default: all of {' '.join(CHECKS)}; 'none' "
        "for none)",
        "args",
    ),
    "migrations_skip": ("ready-made migration tests to leave out", "args"),
    "migrations_up_down_up_from": (
        "the revision from which test_up_down_up tests each revision (the ones before it "
        "are only upgraded)",
        "string",
    ),
    "migrations_database_url": (
        "a PostgreSQL or MySQL/MariaDB URL; the throw-away test database is created on that "
        "server (default: a SQLite file in a temporary folder); the environment variable "
        "MIGRATIONS_DATABASE_URL overrides it",
        "string",
    ),
    "migrations_database_env": (
        "the environment variable set to the throw-away database's URL before the "
        "migrations_app factory is called (default: DATABASE_URL)",
        "string",
    ),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, (help_text, kind) in INI.items():
        parser.addini(name, help_text, type=kind)  # type: ignore[arg-type]


class _Switch:
    """Whether the plugin is on, and the folders of the conftest files that define the app."""

    def __init__(self) -> None:
        self.fixture_dirs: list[str] = []
        self.on = False


_SWITCH_KEY = pytest.StashKey[_Switch]()
# Before pytest_configure the conftest files' registration is seen with no config at hand.
_EARLY = _Switch()


def _turn_on(manager: Any) -> None:
    if manager.get_plugin(_FIXTURES) is None:
        from . import fixtures

        manager.register(fixtures, _FIXTURES)


def pytest_plugin_registered(plugin: object, manager: Any) -> None:
    # A conftest.py that defines a 'migrations_app' fixture turns the plugin on.
    if not isinstance(plugin, types.ModuleType) or plugin.__name__.startswith(
        "flask_migrate_lite."
    ):
        return
    if not callable(getattr(plugin, "migrations_app", None)) or not plugin.__file__:
        return
    _EARLY.fixture_dirs.append(os.path.dirname(os.path.abspath(plugin.__file__)))
    _EARLY.on = True
    _turn_on(manager)


def pytest_configure(config: pytest.Config) -> None:
    switch = _Switch()
    switch.on = _EARLY.on or bool(str(config.getini("migrations_app") or "").strip())
    switch.fixture_dirs = _EARLY.fixture_dirs
    config.stash[_SWITCH_KEY] = switch
    if switch.on:
        _turn_on(config.pluginmanager)


def _enabled(config: pytest.Config) -> list[str]:
    chosen = [str(name).strip() for name in config.getini("migrations_tests") or ()]
    skipped = {str(name).strip() for name in config.getini("migrations_skip") or ()}
    names = [name.removeprefix("test_") for name in chosen] or list(CHECKS)
    if names == ["none"]:
        return []
    unknown = sorted((set(names) | {s.removeprefix("test_") for s in skipped}) - set(CHECKS))
    if unknown:
        raise pytest.UsageError(
            f"migrations_tests / migrations_skip name {', '.join(unknown)}, which is not a "
            f"ready-made migration test; choose among {', '.join(CHECKS)} (or 'none')."
        )
    return [name for name in CHECKS if name in names and name not in skipped]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    switch = config.stash.get(_SWITCH_KEY, None)
    if switch is None or not switch.on:
        return
    names = _enabled(config)
    if not names:
        return
    from .checks import collect_checks

    items.extend(collect_checks(session, items, names, switch.fixture_dirs))


def pytest_unconfigure(config: pytest.Config) -> None:
    # A run in the same process (pytester) starts switched off again.
    _EARLY.fixture_dirs = []
    _EARLY.on = False
