"""The ``flask db`` commands as plain Python functions.

Each function has Flask-Migrate's name and arguments, runs inside an application context,
returns what it did and raises a :class:`~flask_migrate_lite.MigrateError` subclass instead of
exiting. Progress lines (``Running upgrade ...``) go to ``report`` when given, else to the
``flask_migrate_lite`` logger at INFO level (the host app decides whether to show them).

The modules group them by what they do: :mod:`.folder` writes the migrations folder,
:mod:`.autogenerate` compares the models with the database, :mod:`.running` applies
migrations, :mod:`.history` and :mod:`.status` read revisions and databases, :mod:`.squash` writes
one revision standing for several.
"""

from __future__ import annotations

from .autogenerate import CheckResult, check, migrate
from .folder import edit, init, list_templates, merge, revision
from .history import CurrentResult, branches, current, heads, history, show
from .lint import LintResult, lint
from .running import Report, RunResult, downgrade, upgrade
from .squash import SquashResult, squash
from .stamping import stamp
from .status import PlanResult, StatusResult, plan, status
from .validate import ValidateResult, validate

__all__ = [
    "CheckResult",
    "CurrentResult",
    "LintResult",
    "PlanResult",
    "Report",
    "RunResult",
    "SquashResult",
    "StatusResult",
    "ValidateResult",
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
    "plan",
    "revision",
    "show",
    "squash",
    "stamp",
    "status",
    "upgrade",
    "validate",
]
