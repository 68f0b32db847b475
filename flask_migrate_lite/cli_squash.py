"""The ``flask db squash`` command, added to the group by :mod:`.cli` (kept apart so that
each module of the command line stays small)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .cli_errors import progress as _progress
from .cli_errors import report_errors as _errors
from .cli_options import directory_option
from .cli_options import group_directory as _group_directory

__all__ = ["squash_command"]


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
