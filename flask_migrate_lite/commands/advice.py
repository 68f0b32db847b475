"""The engine's advice in ``flask db`` terms.

An engine error that advises running a command holds it as data (an
:class:`~flask_migrate_lite.engine.advice.Run`); this is where it becomes ``'flask db
upgrade'``. Every command function marks the errors it raises with :func:`in_flask_terms`
(through :func:`flask_advice`), so ``str(error)`` reads the same from Python as on the
command line; the click group does the same for what it raises itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from ..engine.advice import Run
from ..engine.errors import MigrateError

__all__ = ["flask_advice", "flask_command", "in_flask_terms", "on_target"]

P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E", bound=MigrateError)


def flask_command(run: Run) -> str:
    """A command as it is typed: ``'flask db stamp --purge heads'``."""
    return f"'flask db {run.line}'"


#: The commands that act on one target's database, and so take ``--target NAME``.
ON_A_TARGET = frozenset({"upgrade", "downgrade", "stamp", "current", "status", "check"})


def on_target(error: E, name: str) -> E:
    """``error`` of target ``name``, its advice written as ``flask db`` commands on it:
    ``'flask db upgrade --target NAME'`` (commands over the folder are left as they are)."""

    def show(run: Run) -> str:
        if run.command in ON_A_TARGET:
            run = Run(run.command, ("--target", name, *run.args))
        return flask_command(run)

    error.show_advice_as(show)
    return error


def in_flask_terms(error: E) -> E:
    """``error``, its advice written from now on as ``flask db`` commands."""
    error.show_advice_as(flask_command)
    return error


def flask_advice(function: Callable[P, R]) -> Callable[P, R]:
    """``function``, the engine errors it raises advising ``flask db`` commands."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except MigrateError as exc:
            in_flask_terms(exc)
            raise

    return wrapper
