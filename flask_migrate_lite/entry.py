"""``flask db`` as Flask finds it before the application is loaded.

The package declares this command under the ``flask.commands`` entry point, so the ``flask``
command knows ``db`` even when the application cannot be imported. Without it, an
application whose import fails (``import alembic`` after Alembic was uninstalled, say) makes
Flask print the import error and then ``Error: No such command 'db'.``, which sends users
looking for a missing extension instead of at their import.

This command holds nothing itself: it loads the application the way Flask does and hands the
command line over to the command the application registered as ``db`` (the group of
``Migrate(app, db)``, Flask-Migrate's, or an app's own), so an application that loads sees no
difference. When loading fails:

* the application cannot be imported or found: Flask's own error (with the import's
  traceback) is the last thing printed, with Flask's exit status 2;
* ``Migrate(...)`` refused an option: its one-sentence message, exit status 1 (the full
  traceback with ``--traceback`` or ``FLASK_DB_TRACEBACK=1``);
* any other exception propagates, as Flask shows it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click
from flask import current_app
from flask.cli import ScriptInfo

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["DeferredDbCommand", "db"]

_HELP = "Perform database migrations."


class DeferredDbCommand(click.Command):
    """A stand-in for the application's ``db`` command; see the module documentation."""

    def __init__(self, name: str = "db") -> None:
        super().__init__(
            name,
            help=_HELP,
            short_help=_HELP,
            add_help_option=False,
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        )

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """The context of the application's own ``db`` command, built from ``args``."""
        if parent is None:
            raise click.UsageError("Run this command through Flask: 'flask --app APP db ...'.")
        name = info_name or self.name or "db"
        app = _load_app(parent, args)
        if not current_app or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            parent.with_resource(app.app_context())
        target = app.cli.get_command(parent, name)
        if target is None or target is self:
            raise click.UsageError(_missing(app, parent, name), ctx=parent)
        return target.make_context(name, args, parent=parent, **extra)


def _wants_traceback(args: Sequence[str]) -> bool:
    from .cli_errors import TRACEBACK_ENV

    return "--traceback" in args or os.environ.get(TRACEBACK_ENV, "") not in ("", "0", "false")


def _load_app(parent: click.Context, args: Sequence[str]) -> Flask:
    from .commands.advice import in_flask_terms
    from .engine.errors import MigrateError

    info = parent.ensure_object(ScriptInfo)
    try:
        return info.load_app()
    except MigrateError as exc:
        # Raised while the app was created (Migrate(...) refusing an option): one sentence.
        in_flask_terms(exc)
        if _wants_traceback(args):
            raise
        raise click.ClickException(str(exc)) from exc


def _missing(app: Flask, parent: click.Context, name: str) -> str:
    ours = sys.modules.get("flask_migrate_lite.cli")
    group = getattr(ours, "db", None)
    for other in app.cli.list_commands(parent):
        if group is not None and app.cli.get_command(parent, other) is group:
            return (
                f"No such command '{name}': this application registers the migration commands "
                f"as 'flask {other}' (Migrate(..., command='{other}'))."
            )
    return (
        f"No such command '{name}': the application does not register it; call "
        "'Migrate(app, db)' or 'migrate.init_app(app, db)' where the app is created."
    )


db = DeferredDbCommand()
