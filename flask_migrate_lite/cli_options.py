"""Options several ``flask db`` commands share, and how the group's options reach them.

``-d``/``-x`` may be given on the group (``flask db -d other upgrade``) or on the command;
the command's ``-d`` wins and ``-x`` values add up. ``upgrade``/``downgrade`` take a negative
step (``-1``) as their REVISION argument rather than as an option.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def group_directory(directory: str | None) -> str | None:
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


def group_x_args(x_arg: tuple[str, ...]) -> list[str]:
    """The ``-x`` values of the group, then the command's."""
    ctx = click.get_current_context(silent=True)
    found: list[str] = []
    while ctx is not None:
        found = list(ctx.meta.get("flask_migrate_lite.x_arg", ())) + found
        ctx = ctx.parent
    return found + list(x_arg)


directory_option = click.option(
    "-d",
    "--directory",
    default=None,
    help="The migrations folder to use (default: the one Migrate was given, else 'migrations').",
)
x_arg_option = click.option(
    "-x",
    "--x-arg",
    multiple=True,
    help="A key=value argument that migration scripts can read (repeatable).",
)
message_option = click.option(
    "-m", "--message", default=None, help="A one-line description, also used in the file name."
)


def placement_options(f: F) -> F:
    """Where a new revision goes: --head, --splice, --branch-label, --version-path, --rev-id."""
    options = [
        click.option(
            "--head",
            default="head",
            help="The revision to build on: head (default), a label@head, or an id.",
        ),
        click.option(
            "--splice",
            is_flag=True,
            help="Allow --head to name a revision that is not a head (starts a branch).",
        ),
        click.option(
            "--branch-label", default=None, help="Give the new revision this branch label."
        ),
        click.option(
            "--version-path",
            default=None,
            help="Write the file into this one of the version_locations folders.",
        ),
        click.option(
            "--rev-id", default=None, help="Use this revision id rather than a random one."
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


_STEP = re.compile(r"-\d+")


class StepArgumentCommand(click.Command):
    """A command whose REVISION may be a negative step such as ``-1``, not an option."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" not in args and any(_STEP.fullmatch(arg) for arg in args):
            steps = [arg for arg in args if _STEP.fullmatch(arg)]
            args = [arg for arg in args if not _STEP.fullmatch(arg)] + ["--", *steps]
        return super().parse_args(ctx, args)


bind_option = click.option(
    "--bind",
    default=None,
    help="Multi-database folders: only this bind ('' for the default database).",
)
plan_option = click.option(
    "--plan", is_flag=True, help="Only print the migrations that would run, in order."
)


def decision_options(f: F) -> F:
    """What autogenerate would otherwise ask: --rename, --rename-table, --rename-value,
    --default, --no-input."""
    options = [
        click.option(
            "--rename",
            "renames",
            multiple=True,
            metavar="TABLE.OLD:TABLE.NEW",
            help="A column that was renamed, not dropped and added (repeatable).",
        ),
        click.option(
            "--rename-table",
            "table_renames",
            multiple=True,
            metavar="OLD:NEW",
            help="A table that was renamed, not dropped and added (repeatable).",
        ),
        click.option(
            "--rename-value",
            "value_renames",
            multiple=True,
            metavar="TYPE_OR_TABLE.COLUMN:OLD:NEW",
            help="An enum value that was renamed, not removed and added: the PostgreSQL enum "
            "type's name, or table.column (repeatable).",
        ),
        click.option(
            "--default",
            "defaults",
            multiple=True,
            metavar="TABLE.COLUMN=VALUE",
            help="SQL giving existing rows a value for a new NOT NULL column (repeatable).",
        ),
        click.option(
            "--no-input",
            is_flag=True,
            help="Never ask; without the flags above, renames are not made and a NOT NULL "
            "column that needs a value stops the command (exit status 3).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


class TerminalAsker:
    """Asks at the terminal (standard error), as autogenerate's questions need."""

    def confirm(self, question: str) -> bool:
        return bool(click.confirm(question, default=False, prompt_suffix=" ", err=True))

    def ask(self, question: str) -> str:
        return str(click.prompt(question, prompt_suffix=": ", err=True))

    def tell(self, line: str) -> None:
        click.echo(line, err=True)


def terminal_asker() -> TerminalAsker | None:
    """An asker when standard input is a terminal, else ``None``."""
    stdin = click.get_text_stream("stdin")
    try:
        return TerminalAsker() if stdin.isatty() else None
    except (AttributeError, ValueError):  # a closed or replaced stream
        return None
