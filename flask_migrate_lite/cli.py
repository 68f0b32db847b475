"""The ``flask db`` command group.

Each command parses its options, calls the function of the same name in
:mod:`flask_migrate_lite.commands` and prints the result. Errors a user can cause become one
line on stderr and exit status 1; ``--traceback`` (or ``FLASK_DB_TRACEBACK=1``) shows the
full traceback instead. Progress lines go to stderr, results (ids, history, SQL) to stdout.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask.cli import AppGroup

from .engine.errors import MigrateError

F = TypeVar("F", bound=Callable[..., Any])

TRACEBACK_ENV = "FLASK_DB_TRACEBACK"


class MigrateCommandError(click.ClickException):
    """A :class:`MigrateError` shown to the user (exit status 1)."""

    exit_code = 1


def _progress(line: str) -> None:
    click.echo(line, err=True)


def _show_traceback() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    obj = root.meta.get("flask_migrate_lite.traceback") if root is not None else None
    return bool(obj) or os.environ.get(TRACEBACK_ENV, "") not in ("", "0", "false")


def _errors(f: F) -> F:
    """Turn engine errors into one line on stderr, unless a traceback was asked for."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except MigrateError as exc:
            if _show_traceback():
                raise
            raise MigrateCommandError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def _group_directory(directory: str | None) -> str | None:
    """``-d`` on the command wins over ``-d`` on the group."""
    if directory is not None:
        return directory
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        value = ctx.meta.get("flask_migrate_lite.directory")
        if value is not None:
            return str(value)
        ctx = ctx.parent
    return None


def _group_x_args(x_arg: tuple[str, ...]) -> list[str]:
    ctx = click.get_current_context(silent=True)
    found: list[str] = []
    while ctx is not None:
        found = list(ctx.meta.get("flask_migrate_lite.x_arg", ())) + found
        ctx = ctx.parent
    return found + list(x_arg)


directory_option = click.option(
    "-d", "--directory", default=None, help='Migration script directory (default is "migrations")'
)
x_arg_option = click.option(
    "-x", "--x-arg", multiple=True, help="Additional arguments consumed by custom env.py scripts"
)


@click.group(cls=AppGroup)
@click.option(
    "-d",
    "--directory",
    "group_directory",
    default=None,
    expose_value=True,
    help="Migration script directory for every subcommand.",
)
@click.option(
    "-x",
    "--x-arg",
    "group_x_arg",
    multiple=True,
    help="key=value arguments readable by migration scripts.",
)
@click.option("--traceback", is_flag=True, help="Show the full traceback of errors.")
@click.pass_context
def db(
    ctx: click.Context,
    group_directory: str | None,
    group_x_arg: tuple[str, ...],
    traceback: bool,
) -> None:
    """Perform database migrations."""
    ctx.meta["flask_migrate_lite.directory"] = group_directory
    ctx.meta["flask_migrate_lite.x_arg"] = group_x_arg
    ctx.find_root().meta["flask_migrate_lite.traceback"] = traceback


@db.command("list-templates")
@_errors
def list_templates_command() -> None:
    """List available templates."""
    from . import commands

    for name, description in commands.list_templates():
        click.echo(f"{name} - {description}")


@db.command("init")
@directory_option
@click.option("--multidb", is_flag=True, help="Support multiple databases")
@click.option(
    "-t", "--template", default=None, help='Repository template to use (default is "flask")'
)
@click.option(
    "--package",
    is_flag=True,
    help="Write empty __init__.py files to the environment and version locations",
)
@_errors
def init_command(directory: str | None, multidb: bool, template: str | None, package: bool) -> None:
    """Creates a new migration repository."""
    from . import commands

    commands.init(_group_directory(directory), multidb, template, package, report=_progress)


@db.command("revision")
@directory_option
@click.option("-m", "--message", default=None, help="Revision message")
@click.option(
    "--autogenerate",
    is_flag=True,
    help=(
        "Populate revision script with candidate migration operations, "
        "based on comparison of database to model"
    ),
)
@click.option(
    "--sql", is_flag=True, help="Don't emit SQL to database - dump to standard output instead"
)
@click.option(
    "--head",
    default="head",
    help="Specify head revision or <branchname>@head to base new revision on",
)
@click.option(
    "--splice", is_flag=True, help='Allow a non-head revision as the "head" to splice onto'
)
@click.option(
    "--branch-label", default=None, help="Specify a branch label to apply to the new revision"
)
@click.option(
    "--version-path", default=None, help="Specify specific path from config for version file"
)
@click.option(
    "--rev-id", default=None, help="Specify a hardcoded revision id instead of generating one"
)
@click.option(
    "--depends-on", multiple=True, help="Revision(s) the new revision depends on (repeatable)"
)
@_errors
def revision_command(
    directory: str | None,
    message: str | None,
    autogenerate: bool,
    sql: bool,
    head: str,
    splice: bool,
    branch_label: str | None,
    version_path: str | None,
    rev_id: str | None,
    depends_on: tuple[str, ...],
) -> None:
    """Create a new revision file."""
    from . import commands

    commands.revision(
        _group_directory(directory),
        message,
        autogenerate,
        sql,
        head,
        splice,
        branch_label,
        version_path,
        rev_id,
        list(depends_on) or None,
        report=_progress,
    )


@db.command("edit")
@directory_option
@click.argument("revision", default="head")
@_errors
def edit_command(directory: str | None, revision: str) -> None:
    """Edit a revision file"""
    from . import commands

    commands.edit(_group_directory(directory), revision)


@db.command("merge")
@directory_option
@click.option("-m", "--message", default=None, help="Merge revision message")
@click.option(
    "--branch-label", default=None, help="Specify a branch label to apply to the new revision"
)
@click.option(
    "--rev-id", default=None, help="Specify a hardcoded revision id instead of generating one"
)
@click.argument("revisions", nargs=-1)
@_errors
def merge_command(
    directory: str | None,
    message: str | None,
    branch_label: str | None,
    rev_id: str | None,
    revisions: tuple[str, ...],
) -> None:
    """Merge two revisions together, creating a new revision file"""
    from . import commands

    commands.merge(
        _group_directory(directory),
        list(revisions),
        message,
        branch_label,
        rev_id,
        report=_progress,
    )


@db.command("upgrade")
@directory_option
@click.option(
    "--sql", is_flag=True, help="Don't emit SQL to database - dump to standard output instead"
)
@click.option(
    "--tag", default=None, help='Arbitrary "tag" name - can be used by custom env.py scripts'
)
@x_arg_option
@click.argument("revision", default="head")
@_errors
def upgrade_command(
    directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...], revision: str
) -> None:
    """Upgrade to a later version"""
    from . import commands

    commands.upgrade(
        _group_directory(directory), revision, sql, tag, _group_x_args(x_arg), report=_progress
    )


@db.command("downgrade")
@directory_option
@click.option(
    "--sql", is_flag=True, help="Don't emit SQL to database - dump to standard output instead"
)
@click.option(
    "--tag", default=None, help='Arbitrary "tag" name - can be used by custom env.py scripts'
)
@x_arg_option
@click.argument("revision", default="-1")
@_errors
def downgrade_command(
    directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...], revision: str
) -> None:
    """Revert to a previous version"""
    from . import commands

    commands.downgrade(
        _group_directory(directory), revision, sql, tag, _group_x_args(x_arg), report=_progress
    )


@db.command("show")
@directory_option
@click.argument("revision", default="head")
@_errors
def show_command(directory: str | None, revision: str) -> None:
    """Show the revision denoted by the given symbol."""
    from . import commands

    for block in commands.show(_group_directory(directory), revision):
        click.echo(block)


@db.command("history")
@directory_option
@click.option(
    "-r", "--rev-range", default=None, help="Specify a revision range; format is [start]:[end]"
)
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@click.option(
    "-i",
    "--indicate-current",
    is_flag=True,
    help="Indicate current version (Alembic 0.9.9 or greater is required)",
)
@_errors
def history_command(
    directory: str | None, rev_range: str | None, verbose: bool, indicate_current: bool
) -> None:
    """List changeset scripts in chronological order."""
    from . import commands

    for line in commands.history(_group_directory(directory), rev_range, verbose, indicate_current):
        click.echo(line)


@db.command("heads")
@directory_option
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@click.option(
    "--resolve-dependencies", is_flag=True, help="Treat dependency versions as down revisions"
)
@_errors
def heads_command(directory: str | None, verbose: bool, resolve_dependencies: bool) -> None:
    """Show current available heads in the script directory"""
    from . import commands

    for line in commands.heads(_group_directory(directory), verbose, resolve_dependencies):
        click.echo(line)


@db.command("branches")
@directory_option
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@_errors
def branches_command(directory: str | None, verbose: bool) -> None:
    """Show current branch points"""
    from . import commands

    for block in commands.branches(_group_directory(directory), verbose):
        click.echo(block)


@db.command("current")
@directory_option
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@click.option(
    "--check-heads",
    is_flag=True,
    help="Exit with status 1 unless the database is at the head revision(s)",
)
@_errors
def current_command(directory: str | None, verbose: bool, check_heads: bool) -> None:
    """Display the current revision for each database."""
    from . import commands

    result = commands.current(_group_directory(directory), verbose, check_heads)
    for line in result.lines:
        click.echo(line)


@db.command("stamp")
@directory_option
@click.option(
    "--sql", is_flag=True, help="Don't emit SQL to database - dump to standard output instead"
)
@click.option(
    "--tag", default=None, help='Arbitrary "tag" name - can be used by custom env.py scripts'
)
@click.option(
    "--purge", is_flag=True, help="Delete the version in the alembic_version table before stamping"
)
@click.argument("revision", nargs=-1)
@_errors
def stamp_command(
    directory: str | None, sql: bool, tag: str | None, purge: bool, revision: tuple[str, ...]
) -> None:
    """'stamp' the revision table with the given revision; don't run any migrations"""
    from . import commands

    commands.stamp(
        _group_directory(directory),
        list(revision) or ["head"],
        sql,
        tag,
        purge,
        report=_progress,
    )
