"""``flask db migrate``, ``revision --autogenerate`` and ``check``: the models against the database.

The engine compares and renders; this module collects what the app configured (the
``Migrate(...)`` keyword arguments and ``@migrate.configure`` callbacks: compare_type,
compare_server_default, include_object, include_name, include_schemas, render_item,
process_revision_directives, user_module_prefix) and writes the revision file.

In a multi-database folder (``flask db init --multidb``) every database is compared with its
own models (the default one and each ``SQLALCHEMY_BINDS`` key), and the revision holds one
``upgrade_<bind>()``/``downgrade_<bind>()`` pair per database, as Flask-Migrate writes them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING

from ..appstate import AppState, Database, app_state
from ..engine.errors import CommandError
from .advice import flask_advice
from .arguments import Answers, Placement, check_placement, refuse_sql
from .decisions import Asker, CommandDecisions
from .running import Directory, Report, check_known, not_up_to_date, reporter

if TYPE_CHECKING:
    from ..engine.autogenerate.compare import CompareOptions, Comparison
    from ..engine.script.graph import Revision

__all__ = [
    "CheckResult",
    "autogenerate_revision",
    "check",
    "check_models",
    "migrate",
    "write_migration",
]


@dataclass
class CheckResult:
    """What ``check`` found: the messages of each change (empty when in sync)."""

    database: str
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        """Whether the models and the database agree."""
        return not self.messages


def _compare_options(state: AppState, decisions: CommandDecisions | None = None) -> CompareOptions:
    from ..engine.autogenerate.compare import CompareOptions

    args = state.options
    return CompareOptions(
        decisions=decisions,
        compare_type=args.compare_type,
        compare_server_default=args.compare_server_default,
        include_object=args.include_object,
        include_name=args.include_name,
        include_schemas=args.include_schemas,
        version_table=args.version_table,
        version_table_schema=args.version_table_schema,
        applied_log_table=args.log_table_name,
    )


@dataclass
class _Compared:
    database: Database
    comparison: Comparison
    dialect_name: str


def _compare_all(
    state: AppState,
    decisions: CommandDecisions | None = None,
    databases: list[Database] | None = None,
) -> list[_Compared]:
    """Each database compared with its models; all must be at the head revisions.

    Every database is checked to be up to date before any is compared, so that nothing is
    reported (or written) for a project with migrations still to run. ``databases`` are the
    app's (:meth:`AppState.target_databases`) unless given; an app with targets compares
    its reference target (:func:`.targets.reference_target`).
    """
    from ..engine.autogenerate.compare import compare_metadata
    from ..engine.runtime.version import read_heads, version_table

    table = version_table(state.options.version_table, state.options.version_table_schema)
    options = _compare_options(state, decisions)
    if databases is None:
        from .targets import reference_target

        reference = reference_target(state)
        databases = [reference.database] if reference else state.target_databases()
    if decisions is not None:
        decisions.check_defaults([database.metadata for database in databases])
    multidb = state.multidb
    with ExitStack() as stack:
        connections = [stack.enter_context(database.connect()) for database in databases]
        for database, connection in zip(databases, connections, strict=True):
            current = read_heads(connection, table)
            if connection.in_transaction():
                connection.rollback()
            graph, current = state.scripts.graph_for(current)
            check_known(graph, current, database, state)
            behind = not_up_to_date(graph, current, _label(database) if multidb else None)
            if behind is not None:
                raise behind
        results = []
        for database, connection in zip(databases, connections, strict=True):
            comparison = compare_metadata(connection, database.metadata, options)
            if connection.in_transaction():
                connection.rollback()
            results.append(_Compared(database, comparison, connection.dialect.name))
    if decisions is not None:
        decisions.check_answered([database.metadata for database in databases])
    return results


def _label(database: Database) -> str:
    return f"bind '{database.name}'" if database.name else "the default database"


def check_models(state: AppState, databases: list[Database] | None = None) -> CheckResult:
    """Compare the models with the database (at head); nothing is written.

    In a multi-database folder the messages of a bind's changes say which bind they are for.
    ``databases`` are those of :func:`_compare_all`.
    """
    compared = _compare_all(state, databases=databases)
    result = CheckResult(compared[0].database.url)
    for item in compared:
        suffix = f" (in {_label(item.database)})" if state.multidb and item.database.name else ""
        result.messages.extend(line + suffix for line in item.comparison.messages)
        result.warnings.extend(line + suffix for line in item.comparison.warnings)
    return result


def autogenerate_revision(
    state: AppState,
    placement: Placement,
    report: Callable[[str], None],
    decisions: CommandDecisions | None = None,
) -> Revision | None:
    """Write the revision that brings the database to the models; ``None`` when in sync."""
    from ..engine.autogenerate.directives import MigrationScript
    from ..engine.autogenerate.render import RenderOptions, render_downgrade, render_upgrade

    args = state.config.configure_args
    multidb = state.multidb
    compared = _compare_all(state, decisions)
    upgrade_list = []
    downgrade_list = []
    for item in compared:
        if multidb:
            report(f"Comparing {_label(item.database)}")
        for line in item.comparison.messages:
            report(line)
        for line in item.comparison.warnings:
            report(f"Warning: {line}")
        upgrade_ops = item.comparison.upgrade_ops
        downgrade_ops = upgrade_ops.reverse()
        if multidb:
            upgrade_ops.upgrade_token = f"{item.database.name}_upgrades"
            downgrade_ops.downgrade_token = f"{item.database.name}_downgrades"
        upgrade_list.append(upgrade_ops)
        downgrade_list.append(downgrade_ops)
    if decisions is not None and decisions.unasked:
        report(
            "To keep the data of what was renamed, run 'flask db migrate' in a terminal and "
            f"answer its questions, or pass {' '.join(decisions.unasked)}."
        )
    script = MigrationScript(
        rev_id=placement.rev_id,
        message=placement.message,
        upgrade_ops_list=upgrade_list,
        downgrade_ops_list=downgrade_list,
        head=placement.head,
        splice=placement.splice,
        branch_label=_one_or_list(placement.branch_label),
        version_path=placement.version_path,
        depends_on=_one_or_list(placement.depends_on),
    )
    directives: list[MigrationScript] = [script]
    hook = state.options.process_revision_directives
    if hook is not None:
        # What Alembic's hooks read: the configuration with the command's options
        # (``config.cmd_opts.autogenerate``...), the dialect, and (as ``revision``) the
        # revisions the database is at.
        vars(state.config.cmd_opts).update(
            autogenerate=True, **dataclasses.asdict(placement), sql=False
        )
        context = SimpleNamespace(
            config=state.config,
            opts=args,
            dialect=compared[0].database.engine.dialect,
            bind=None,
        )
        hook(context, tuple(state.scripts.graph().heads), directives)
    if not directives or all(ops.is_empty() for ops in directives[0].upgrade_ops_list):
        report("No changes in schema detected.")
        return None
    script = directives[0]
    imports: set[str] = set(script.imports)
    template_args = state.template_args()
    upgrades = downgrades = None
    for position, (upgrade_ops, downgrade_ops) in enumerate(
        zip(script.upgrade_ops_list, script.downgrade_ops_list, strict=True)
    ):
        dialect_name = compared[min(position, len(compared) - 1)].dialect_name
        options = RenderOptions(
            as_batch=state.options.render_as_batch,
            user_module_prefix=state.options.user_module_prefix,
            render_item=state.options.render_item,
            dialect_name=dialect_name,
            online_safe=state.options.online_safe,
        )
        up = render_upgrade(upgrade_ops, options, imports).removeprefix("    ")
        down = render_downgrade(downgrade_ops, options, imports).removeprefix("    ")
        if multidb:
            template_args[upgrade_ops.upgrade_token] = up
            template_args[downgrade_ops.downgrade_token] = down
        else:
            upgrades, downgrades = up, down
    try:
        created = state.scripts.generate_revision(
            message=script.message,
            head=script.head,
            splice=script.splice,
            branch_label=script.branch_label,
            version_path=script.version_path,
            rev_id=script.rev_id,
            depends_on=script.depends_on,
            upgrades=upgrades,
            downgrades=downgrades,
            imports=sorted(imports),
            template_args=template_args,
        )
    except TypeError as exc:  # pragma: no cover - a hook that broke the script object
        raise CommandError(
            f"process_revision_directives left an unusable script ({exc}); the hook must "
            "leave a MigrationScript in directives[0], or empty the list to write nothing."
        ) from exc
    report(f"Generating {created.path} ...  done")
    from .lint import lint_written

    lint_written(state, created.revision, report)
    return created


def _one_or_list(value: str | Sequence[str] | None) -> str | list[str] | None:
    return value if value is None or isinstance(value, str) else list(value)


@flask_advice
def migrate(
    directory: Directory = None,
    message: str | None = None,
    sql: bool = False,
    head: str = "head",
    splice: bool = False,
    branch_label: str | Sequence[str] | None = None,
    version_path: str | None = None,
    rev_id: str | None = None,
    x_arg: Sequence[str] | None = None,
    *,
    report: Report | None = None,
    renames: Sequence[str] = (),
    table_renames: Sequence[str] = (),
    defaults: Sequence[str] = (),
    value_renames: Sequence[str] = (),
    no_input: bool = False,
    asker: Asker | None = None,
) -> Revision | None:
    """Write the revision that brings the database to the models (``revision --autogenerate``).

    Returns ``None``, writing nothing, when the models and the database agree; raises
    :class:`TargetNotUpToDate` when the database is not at the head revisions.

    ``renames`` (``"table.old:table.new"``) and ``table_renames`` (``"old:new"``) say what
    was renamed rather than dropped and added; ``defaults`` (``"table.column=SQL"``) give the
    rows of a table a value for a new ``NOT NULL`` column; ``value_renames``
    (``"TARGET:old:new"``, the target an enum type or ``table.column``) the enum values that
    were renamed. What they do not answer is asked
    of ``asker`` (unless ``no_input``); without one, nothing is renamed and a column that
    needs a value raises :class:`~.decisions.ValueNeeded`.
    """
    placement = Placement(message, head, splice, branch_label, version_path, rev_id)
    answers = Answers(renames, table_renames, defaults, value_renames, no_input, asker)
    return write_migration(directory, placement, answers, sql=sql, x_arg=x_arg, report=report)


def write_migration(
    directory: Directory,
    placement: Placement,
    answers: Answers,
    *,
    sql: bool = False,
    x_arg: Sequence[str] | None = None,
    report: Report | None = None,
) -> Revision | None:
    """:func:`migrate`, with the new revision's message and place, and the answers to its
    questions, each given as one object."""
    refuse_sql("migrate", sql)
    check_placement(placement)
    decisions = answers.decisions()
    return autogenerate_revision(
        app_state(directory, x_arg), placement, reporter(report), decisions
    )


@flask_advice
def check(directory: Directory = None) -> CheckResult:
    """Compare the models with the database; the result says whether they agree.

    Raises :class:`TargetNotUpToDate` when migrations are pending.
    """
    return check_models(app_state(directory))
