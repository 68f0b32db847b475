"""The commands about the applied history, ``flask db validate`` and ``flask db squash``,
added to the group by :mod:`.cli` (kept apart so that each module of the command line stays
small)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .cli_errors import MigrateCommandError
from .cli_errors import progress as _progress
from .cli_errors import report_errors as _errors
from .cli_options import bind_option, directory_option
from .cli_options import group_directory as _group_directory

__all__ = ["squash_command", "validate_command"]


@click.command("squash")
@with_appcontext
@directory_option
@click.argument("rev_range", metavar="[RANGE]", required=False, default=None)
@click.option("-m", "--message", default=None, help="A one-line description of the squash.")
@click.option("--rev-id", default=None, help="Use this revision id rather than a random one.")
@click.option(
    "--baseline",
    is_flag=True,
    help="Replace every revision up to the head with one that creates the schema.",
)
@_errors
def squash_command(
    directory: str | None,
    rev_range: str | None,
    message: str | None,
    rev_id: str | None,
    baseline: bool,
) -> None:
    """Write one revision replacing the revisions of RANGE (A:B, or B from base)."""
    from . import commands

    commands.squash(
        _group_directory(directory),
        rev_range,
        message,
        rev_id,
        baseline,
        report=_progress,
    )


@click.command("validate")
@with_appcontext
@directory_option
@click.option(
    "--accept",
    "accept",
    multiple=True,
    metavar="REV",
    help="Record REV's file as it is now, after a deliberate edit (repeatable).",
)
@bind_option
@_errors
def validate_command(directory: str | None, accept: tuple[str, ...], bind: str | None) -> None:
    """Check the applied history against the folder: edited, missing, skipped revisions."""
    from . import commands

    results = commands.validate(_group_directory(directory), accept, bind)
    for result in results:
        for rev in result.accepted:
            _progress(f"Accepted {rev} on {result.database}.")
        for line in result.lines():
            click.echo(line)
        if result.validation.ok:
            _progress(f"{result.database}: the applied history matches the folder.")
    found = sum(len(result.validation.findings) for result in results)
    if found:
        raise MigrateCommandError(
            f"validate found {found} problem{'s' if found != 1 else ''}; each line above "
            "says what to do."
        )
