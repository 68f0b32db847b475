"""The ``flask db`` command group.

Each command parses its options, calls the function of the same name in
:mod:`flask_migrate_lite.commands` and prints the result. Errors a user can cause become one
line on stderr and exit status 1; a command called wrongly (a
:class:`~flask_migrate_lite.engine.errors.UsageError`) exits with status 2 and its usage
line, as click's own usage errors do. ``--traceback`` (or ``FLASK_DB_TRACEBACK=1``) shows the
full traceback instead. Progress lines go to stderr, results (ids, history, SQL) to stdout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup

from .cli_applied import squash_command, validate_command
from .cli_errors import MigrateCommandError
from .cli_errors import progress as _progress
from .cli_errors import report_errors as _errors
from .cli_fleet import on_targets
from .cli_options import (
    StepArgumentCommand,
    bind_option,
    decision_options,
    directory_option,
    message_option,
    placement_options,
    plan_option,
    terminal_asker,
    x_arg_option,
)
from .cli_options import group_directory as _group_directory
from .cli_options import group_x_args as _group_x_args
from .engine.errors import UsageError

if TYPE_CHECKING:
    from .commands.status import PlanResult, StatusResult


@click.group(cls=AppGroup)
@click.option(
    "-d",
    "--directory",
    "group_directory",
    default=None,
    expose_value=True,
    metavar="DIRECTORY",
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
    """Manage the database schema with migrations."""
    ctx.meta["flask_migrate_lite.directory"] = group_directory
    ctx.meta["flask_migrate_lite.x_arg"] = group_x_arg
    ctx.find_root().meta["flask_migrate_lite.traceback"] = traceback


db.add_command(squash_command)
db.add_command(validate_command)


@db.command("list-templates")
@_errors
def list_templates_command() -> None:
    """Show the folder templates that init can use."""
    from . import commands

    for name, description in commands.list_templates():
        click.echo(f"{name} - {description}")


@db.command("init")
@directory_option
@click.option(
    "--multidb",
    is_flag=True,
    help="Lay the folder out for several databases (Flask-SQLAlchemy binds).",
)
@click.option(
    "-t",
    "--template",
    default=None,
    help="A template name from list-templates, or a path to a template folder.",
)
@click.option(
    "--package",
    is_flag=True,
    help="Also write __init__.py files, so the folder is importable as a package.",
)
@_errors
def init_command(directory: str | None, multidb: bool, template: str | None, package: bool) -> None:
    """Create the migrations folder (alembic.ini, script template, versions/)."""
    from . import commands

    commands.init(_group_directory(directory), multidb, template, package, report=_progress)


@db.command("revision")
@directory_option
@message_option
@click.option(
    "--autogenerate",
    is_flag=True,
    help="Fill the file with the operations that bring the database to the models.",
)
@click.option("--sql", is_flag=True, help="Print the SQL on standard output instead of running it.")
@placement_options
@click.option(
    "--depends-on",
    multiple=True,
    help="A revision the new one depends on without descending from it (repeatable).",
)
@decision_options
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
    renames: tuple[str, ...],
    table_renames: tuple[str, ...],
    defaults: tuple[str, ...],
    value_renames: tuple[str, ...],
    no_input: bool,
) -> None:
    """Write a new revision file (empty, or with --autogenerate the detected changes)."""
    from .commands.arguments import Answers, Placement
    from .commands.folder import write_revision

    placement = Placement(
        message, head, splice, branch_label, version_path, rev_id, list(depends_on) or None
    )
    answers = Answers(renames, table_renames, defaults, value_renames, no_input, terminal_asker())
    write_revision(
        _group_directory(directory),
        placement,
        answers,
        autogenerate=autogenerate,
        sql=sql,
        report=_progress,
    )


@db.command("migrate")
@directory_option
@message_option
@click.option("--sql", is_flag=True, help="Not available: migrate compares with the database.")
@placement_options
@x_arg_option
@decision_options
@_errors
def migrate_command(
    directory: str | None,
    message: str | None,
    sql: bool,
    head: str,
    splice: bool,
    branch_label: str | None,
    version_path: str | None,
    rev_id: str | None,
    x_arg: tuple[str, ...],
    renames: tuple[str, ...],
    table_renames: tuple[str, ...],
    defaults: tuple[str, ...],
    value_renames: tuple[str, ...],
    no_input: bool,
) -> None:
    """Write a revision with the changes between the models and the database."""
    from .commands.arguments import Answers, Placement
    from .commands.autogenerate import write_migration

    placement = Placement(message, head, splice, branch_label, version_path, rev_id)
    answers = Answers(renames, table_renames, defaults, value_renames, no_input, terminal_asker())
    write_migration(
        _group_directory(directory),
        placement,
        answers,
        sql=sql,
        x_arg=_group_x_args(x_arg),
        report=_progress,
    )


@db.command("check")
@directory_option
@_errors
@on_targets("check", parallel=False)
def check_command(directory: str | None) -> None:
    """Exit 1 if the models differ from the database (nothing is written)."""
    from . import commands

    result = commands.check(_group_directory(directory))
    if result.in_sync:
        click.echo("No new upgrade operations detected.")
        return
    for line in result.messages:
        _progress(line)
    count = len(result.messages)
    raise MigrateCommandError(
        f"New upgrade operations detected: {count} change{'s' if count != 1 else ''} between "
        "the models and the database; run 'flask db migrate' to write them."
    )


@db.command("lint")
@directory_option
@click.argument("revision", required=False, default=None)
@click.option("--all", "all_revisions", is_flag=True, help="Lint every revision.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="Output format (json for CI annotations).",
)
@click.option("--bind", default=None, help="Only this database bind ('' is the default one).")
@_errors
def lint_command(
    directory: str | None,
    revision: str | None,
    all_revisions: bool,
    output_format: str,
    bind: str | None,
) -> None:
    """Report migrations that lock a big, busy table (default: the pending ones).

    REVISION is one revision or a range start:end; exit status 1 on unsuppressed findings.
    """
    from .commands.lint import lint, render_json, render_text

    results = lint(
        _group_directory(directory), revision, all_revisions, _group_x_args(()), bind=bind
    )
    if output_format == "json":
        click.echo(render_json(results))
    else:
        for block in render_text(results):
            click.echo(block)
    if any(result.failing for result in results):
        raise click.exceptions.Exit(1)


@db.command("edit")
@directory_option
@click.argument("revision", default="head")
@_errors
def edit_command(directory: str | None, revision: str) -> None:
    """Open a revision file in $EDITOR."""
    from . import commands

    commands.edit(_group_directory(directory), revision)


@db.command("merge")
@directory_option
@click.option("-m", "--message", default=None, help="A one-line description of the merge.")
@click.option("--branch-label", default=None, help="Give the new revision this branch label.")
@click.option("--rev-id", default=None, help="Use this revision id rather than a random one.")
@click.argument("revisions", nargs=-1)
@_errors
def merge_command(
    directory: str | None,
    message: str | None,
    branch_label: str | None,
    rev_id: str | None,
    revisions: tuple[str, ...],
) -> None:
    """Write a revision that joins several heads into one."""
    from . import commands

    commands.merge(
        _group_directory(directory),
        list(revisions),
        message,
        branch_label,
        rev_id,
        report=_progress,
    )


def _print_plan(
    directory: str | None,
    revision: str,
    upgrade: bool,
    x_arg: tuple[str, ...],
    bind: str | None,
    sql: bool,
) -> None:
    from .commands.status import plan

    if sql:
        raise UsageError("--plan reads the database and --sql does not; leave out one of them.")
    results = plan(
        _group_directory(directory),
        revision,
        upgrade=upgrade,
        bind=bind,
        x_arg=_group_x_args(x_arg),
    )
    _print_and_check(results)


def _print_and_check(results: Sequence[PlanResult | StatusResult]) -> None:
    """Print the results, then fail with the first revision file that does not load."""
    for result in results:
        for line in result.lines():
            click.echo(line)
    for result in results:
        if result.broken:  # each such file is also marked "(cannot be loaded)" above
            raise result.broken[0]


@db.command("upgrade", cls=StepArgumentCommand)
@directory_option
@click.option("--sql", is_flag=True, help="Print the SQL on standard output instead of running it.")
@click.option("--tag", default=None, help="A free-form tag that migration scripts can read.")
@plan_option
@bind_option
@x_arg_option
@click.argument("revision", default="head")
@_errors
@on_targets("upgrade")
def upgrade_command(
    directory: str | None,
    sql: bool,
    tag: str | None,
    plan: bool,
    bind: str | None,
    x_arg: tuple[str, ...],
    revision: str,
) -> None:
    """Apply migrations up to REVISION (default: head)."""
    if plan:
        _print_plan(directory, revision, True, x_arg, bind, sql)
        return
    from . import commands

    commands.upgrade(
        _group_directory(directory),
        revision,
        sql,
        tag,
        _group_x_args(x_arg),
        report=_progress,
        bind=bind,
    )


@db.command("downgrade", cls=StepArgumentCommand)
@directory_option
@click.option("--sql", is_flag=True, help="Print the SQL on standard output instead of running it.")
@click.option("--tag", default=None, help="A free-form tag that migration scripts can read.")
@plan_option
@bind_option
@x_arg_option
@click.argument("revision", default="-1")
@_errors
@on_targets("downgrade")
def downgrade_command(
    directory: str | None,
    sql: bool,
    tag: str | None,
    plan: bool,
    bind: str | None,
    x_arg: tuple[str, ...],
    revision: str,
) -> None:
    """Revert migrations down to REVISION (default: -1, one step)."""
    if plan:
        _print_plan(directory, revision, False, x_arg, bind, sql)
        return
    from . import commands

    commands.downgrade(
        _group_directory(directory),
        revision,
        sql,
        tag,
        _group_x_args(x_arg),
        report=_progress,
        bind=bind,
    )


@db.command("status")
@directory_option
@click.option(
    "--check", is_flag=True, help="Exit with status 1 when a migration is pending (a CI gate)."
)
@click.option("--bind", default=None, help="Only this database bind ('' is the default one).")
@click.option("-v", "--verbose", is_flag=True, help="Say when, how fast and by whom each ran.")
@_errors
@on_targets("status", parallel=False)
def status_command(directory: str | None, check: bool, bind: str | None, verbose: bool) -> None:
    """List every revision, oldest first: [X] applied, [ ] pending."""
    from .commands.status import status

    results = status(_group_directory(directory), bind, verbose)
    _print_and_check(results)
    pending = sum(len(result.pending) for result in results)
    if check and pending:
        raise MigrateCommandError(
            f"{pending} migration{'s are' if pending != 1 else ' is'} pending; "
            "run 'flask db upgrade'."
        )


@db.command("show")
@directory_option
@click.argument("revision", default="head")
@_errors
def show_command(directory: str | None, revision: str) -> None:
    """Describe one revision (default: head)."""
    from . import commands

    for block in commands.show(_group_directory(directory), revision):
        click.echo(block)


@db.command("history")
@directory_option
@click.option(
    "-r",
    "--rev-range",
    default=None,
    help="Only revisions in this range, written start:end (either end may be left out).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show full details.")
@click.option(
    "-i",
    "--indicate-current",
    is_flag=True,
    help="Mark the revisions the database is at.",
)
@click.option("--applied", is_flag=True, help="The database's applied log: when, how long, who.")
@bind_option
@_errors
def history_command(
    directory: str | None,
    rev_range: str | None,
    verbose: bool,
    indicate_current: bool,
    applied: bool,
    bind: str | None,
) -> None:
    """List the revisions, newest first."""
    from . import commands

    lines = commands.history(
        _group_directory(directory),
        rev_range,
        verbose,
        indicate_current,
        applied=applied,
        bind=bind,
    )
    for line in lines:
        click.echo(line)


@db.command("heads")
@directory_option
@click.option("-v", "--verbose", is_flag=True, help="Show full details.")
@click.option(
    "--resolve-dependencies",
    is_flag=True,
    help="Count depends_on revisions as parents when finding heads.",
)
@_errors
def heads_command(directory: str | None, verbose: bool, resolve_dependencies: bool) -> None:
    """Show the head revisions of the migrations folder."""
    from . import commands

    for line in commands.heads(_group_directory(directory), verbose, resolve_dependencies):
        click.echo(line)


@db.command("branches")
@directory_option
@click.option("-v", "--verbose", is_flag=True, help="Show full details.")
@_errors
def branches_command(directory: str | None, verbose: bool) -> None:
    """Show the revisions where history branches."""
    from . import commands

    for block in commands.branches(_group_directory(directory), verbose):
        click.echo(block)


@db.command("current")
@directory_option
@click.option("-v", "--verbose", is_flag=True, help="Show full details.")
@click.option(
    "--check-heads",
    is_flag=True,
    help="Exit with status 1 unless the database is at the head revision(s)",
)
@bind_option
@_errors
@on_targets("current", parallel=False)
def current_command(
    directory: str | None, verbose: bool, check_heads: bool, bind: str | None
) -> None:
    """Show the revision(s) the database is at."""
    from . import commands

    result = commands.current(_group_directory(directory), verbose, check_heads, bind=bind)
    for line in result.lines:
        click.echo(line)


@db.command("stamp")
@directory_option
@click.option("--sql", is_flag=True, help="Print the SQL on standard output instead of running it.")
@click.option("--tag", default=None, help="A free-form tag that migration scripts can read.")
@click.option("--purge", is_flag=True, help="Empty the version table first, whatever it holds.")
@bind_option
@click.argument("revision", nargs=-1)
@_errors
@on_targets("stamp")
def stamp_command(
    directory: str | None,
    sql: bool,
    tag: str | None,
    purge: bool,
    bind: str | None,
    revision: tuple[str, ...],
) -> None:
    """Set the version table to REVISION(s) without running migrations."""
    from . import commands

    commands.stamp(
        _group_directory(directory),
        list(revision) or ["head"],
        sql,
        tag,
        purge,
        report=_progress,
        bind=bind,
    )
