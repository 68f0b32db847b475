"""The pytest plugin: ready-made migration tests and fixtures for an app's own test suite.

pytest loads :mod:`.plugin` through the ``pytest11`` entry point; it stays inert (no
fixture, no test, no import of the engine) until the suite names its app with the
``migrations_app`` ini setting or defines a ``migrations_app`` fixture in a ``conftest.py``.
Nothing else in the package imports this one, so pytest is never needed at run time.

``Migrator`` (the ``migrator`` fixture's type) is imported from here on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .migrator import Migrator

__all__ = ["Migrator"]


def __getattr__(name: str) -> Any:
    if name == "Migrator":
        from .migrator import Migrator

        return Migrator
    raise AttributeError(f"module 'flask_migrate_lite.testing' has no attribute '{name}'")
