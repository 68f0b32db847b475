"""flask-migrate-lite: database migrations for Flask-SQLAlchemy apps.

``Migrate(app, db)`` adds the ``flask db`` commands; ``op`` is the handle migration scripts
use; the command functions (``upgrade``, ``downgrade``, ...) run the same commands from
Python inside an application context.
"""

from __future__ import annotations

from .commands import (
    branches,
    current,
    downgrade,
    edit,
    heads,
    history,
    init,
    list_templates,
    merge,
    revision,
    show,
    stamp,
    upgrade,
)
from .engine.errors import (
    AmbiguousRevision,
    CommandError,
    CycleDetected,
    DatabaseUnavailable,
    DuplicateRevision,
    MigrateError,
    MigrationFailed,
    MissingParent,
    MultipleHeads,
    NoMigrationsFolder,
    RelativeOutOfRange,
    RevisionError,
    ScriptError,
    TargetNotUpToDate,
    UnknownRevision,
)
from .engine.operations.api import op
from .extension import Migrate, MigrateState
from .settings import MigrateConfig

__version__ = "0.1.0.dev0"

__all__ = [
    "AmbiguousRevision",
    "CommandError",
    "CycleDetected",
    "DatabaseUnavailable",
    "DuplicateRevision",
    "Migrate",
    "MigrateConfig",
    "MigrateError",
    "MigrateState",
    "MigrationFailed",
    "MissingParent",
    "MultipleHeads",
    "NoMigrationsFolder",
    "RelativeOutOfRange",
    "RevisionError",
    "ScriptError",
    "TargetNotUpToDate",
    "UnknownRevision",
    "branches",
    "current",
    "downgrade",
    "edit",
    "heads",
    "history",
    "init",
    "list_templates",
    "merge",
    "op",
    "revision",
    "show",
    "stamp",
    "upgrade",
]
