"""flask-migrate-lite: database migrations for Flask-SQLAlchemy apps.

``Migrate(app, db)`` adds the ``flask db`` commands; ``op`` is the handle migration scripts
use; the command functions (``upgrade``, ``downgrade``, ...) run the same commands from
Python inside an application context, and ``current_revisions()`` reads the revision the
database is at.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .extension import Migrate, MigrateState

if TYPE_CHECKING:
    from .callback_config import MigrateConfig
    from .commands import (
        branches,
        check,
        current,
        downgrade,
        edit,
        heads,
        history,
        init,
        lint,
        list_templates,
        merge,
        migrate,
        revision,
        show,
        squash,
        stamp,
        upgrade,
        validate,
    )
    from .engine.errors import (
        AmbiguousRevision,
        CommandError,
        CycleDetected,
        DatabaseUnavailable,
        DuplicateRevision,
        LockTimeout,
        MigrateError,
        MigrationFailed,
        MissingParent,
        MultipleHeads,
        NoMigrationsFolder,
        OptionError,
        RelativeOutOfRange,
        RevisionError,
        ScriptError,
        TargetNotUpToDate,
        UnknownRevision,
    )
    from .engine.operations.api import op
    from .revisions import current_revisions

# Everything but the extension is imported on first use, so that an app's start-up (and
# ``flask db --help``) pays only for what the command it runs needs.
_LAZY = {
    **{
        name: ".commands"
        for name in (
            "branches",
            "check",
            "current",
            "downgrade",
            "edit",
            "heads",
            "history",
            "init",
            "lint",
            "list_templates",
            "merge",
            "migrate",
            "revision",
            "show",
            "squash",
            "stamp",
            "upgrade",
            "validate",
        )
    },
    **{
        name: ".engine.errors"
        for name in (
            "AmbiguousRevision",
            "CommandError",
            "CycleDetected",
            "DatabaseUnavailable",
            "DuplicateRevision",
            "LockTimeout",
            "MigrateError",
            "MigrationFailed",
            "MissingParent",
            "MultipleHeads",
            "NoMigrationsFolder",
            "OptionError",
            "RelativeOutOfRange",
            "RevisionError",
            "ScriptError",
            "TargetNotUpToDate",
            "UnknownRevision",
        )
    },
    "op": ".engine.operations.api",
    "MigrateConfig": ".callback_config",
    "current_revisions": ".revisions",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'flask_migrate_lite' has no attribute '{name}'")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0.dev0"

__all__ = [
    "AmbiguousRevision",
    "CommandError",
    "CycleDetected",
    "DatabaseUnavailable",
    "DuplicateRevision",
    "LockTimeout",
    "Migrate",
    "MigrateConfig",
    "MigrateError",
    "MigrateState",
    "MigrationFailed",
    "MissingParent",
    "MultipleHeads",
    "NoMigrationsFolder",
    "OptionError",
    "RelativeOutOfRange",
    "RevisionError",
    "ScriptError",
    "TargetNotUpToDate",
    "UnknownRevision",
    "branches",
    "check",
    "current",
    "current_revisions",
    "downgrade",
    "edit",
    "heads",
    "history",
    "init",
    "lint",
    "list_templates",
    "merge",
    "migrate",
    "op",
    "revision",
    "show",
    "squash",
    "stamp",
    "upgrade",
    "validate",
]
