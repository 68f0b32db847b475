"""How the ``flask db`` commands report: progress lines on stderr, and errors a user can cause
as one line on stderr with exit status 1 (2 for a command called wrongly), or the full
traceback when ``--traceback`` or ``FLASK_DB_TRACEBACK=1`` asks for it."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from .engine.errors import MigrateError, UsageError

__all__ = [
    "TRACEBACK_ENV",
    "MigrateCommandError",
    "progress",
    "report_errors",
    "show_traceback",
]

F = TypeVar("F", bound=Callable[..., Any])

TRACEBACK_ENV = "FLASK_DB_TRACEBACK"


class MigrateCommandError(click.ClickException):
    """A :class:`MigrateError` shown to the user (exit status 1)."""

    exit_code = 1


def progress(line: str) -> None:
    click.echo(line, err=True)


def show_traceback() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    obj = root.meta.get("flask_migrate_lite.traceback") if root is not None else None
    return bool(obj) or os.environ.get(TRACEBACK_ENV, "") not in ("", "0", "false")


def report_errors(f: F) -> F:
    """Turn engine errors into one line on stderr, unless a traceback was asked for."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # What loading the app built (models, engines, Flask) lives until the command ends:
        # the cyclic collector need not walk it again each time the command allocates.
        # Undone afterwards, so a process that goes on (tests, a shell) collects as before.
        freeze = gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        try:
            return f(*args, **kwargs)
        except MigrateError as exc:
            from .commands.advice import in_flask_terms

            in_flask_terms(exc)  # also errors raised here, not by a command function
            if show_traceback():
                raise
            if isinstance(exc, UsageError):
                ctx = click.get_current_context(silent=True)
                raise click.UsageError(str(exc), ctx) from exc
            error = MigrateCommandError(str(exc))
            error.exit_code = getattr(exc, "exit_status", MigrateCommandError.exit_code)
            raise error from exc
        finally:
            if freeze:
                gc.unfreeze()

    return wrapper  # type: ignore[return-value]
