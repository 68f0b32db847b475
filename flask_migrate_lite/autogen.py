"""``flask db migrate``, ``revision --autogenerate`` and ``check``: the models against the database.

The engine compares and renders; this module collects what the app configured (the
``Migrate(...)`` keyword arguments and ``@migrate.configure`` callbacks: compare_type,
compare_server_default, include_object, include_name, include_schemas, render_item,
process_revision_directives, user_module_prefix) and writes the revision file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from .appstate import AppState, Database
from .engine.autogenerate.compare import CompareOptions, Comparison, compare_metadata
from .engine.autogenerate.model import MigrationScript
from .engine.errors import CommandError, TargetNotUpToDate
from .engine.script.graph import Revision

__all__ = ["CheckResult", "autogenerate_revision", "check_models"]


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


def _compare_options(state: AppState) -> CompareOptions:
    args = state.config.configure_args
    options = state.run_options()
    return CompareOptions(
        compare_type=args.get("compare_type", True),
        compare_server_default=args.get("compare_server_default", False),
        include_object=args.get("include_object"),
        include_name=args.get("include_name"),
        include_schemas=bool(args.get("include_schemas", False)),
        version_table=options.version_table,
        version_table_schema=options.version_table_schema,
    )


def _compare(state: AppState, database: Database, connection: Any) -> Comparison:
    from .engine.runtime.version import read_heads, version_table

    scripts_heads = _graph_heads(state)
    options = state.run_options()
    table = version_table(options.version_table, options.version_table_schema)
    current = read_heads(connection, table)
    if set(current) != set(scripts_heads):
        raise TargetNotUpToDate()
    comparison = compare_metadata(connection, database.metadata, _compare_options(state))
    if connection.in_transaction():
        connection.rollback()
    return comparison


def _graph_heads(state: AppState) -> tuple[str, ...]:
    from .engine.script.directory import ScriptDirectory

    scripts = ScriptDirectory.from_path(state.directory, config=state.config.script_config())
    return tuple(scripts.graph().heads)


def check_models(state: AppState) -> CheckResult:
    """Compare the models with the database (at head); nothing is written."""
    database = state.default_database()
    with database.connect() as connection:
        comparison = _compare(state, database, connection)
    return CheckResult(database.url, comparison.messages, comparison.warnings)


def autogenerate_revision(
    state: AppState,
    *,
    message: str | None,
    head: str,
    splice: bool,
    branch_label: str | Sequence[str] | None,
    version_path: str | None,
    rev_id: str | None,
    depends_on: str | Sequence[str] | None,
    report: Callable[[str], None],
) -> Revision | None:
    """Write the revision that brings the database to the models; ``None`` when in sync."""
    from .engine.autogenerate.render import RenderOptions, render_downgrade, render_upgrade
    from .engine.script.directory import ScriptDirectory

    args = state.config.configure_args
    database = state.default_database()
    with database.connect() as connection:
        comparison = _compare(state, database, connection)
        dialect_name = connection.dialect.name
    for line in comparison.messages:
        report(line)
    for line in comparison.warnings:
        report(f"Warning: {line}")
    upgrade_ops = comparison.upgrade_ops
    script = MigrationScript(
        rev_id=rev_id,
        message=message,
        upgrade_ops_list=[upgrade_ops],
        downgrade_ops_list=[upgrade_ops.reverse()],
        head=head,
        splice=splice,
        branch_label=branch_label if isinstance(branch_label, str) else None,
        version_path=version_path,
        depends_on=(
            depends_on if depends_on is None or isinstance(depends_on, str) else list(depends_on)
        ),
    )
    directives: list[MigrationScript] = [script]
    hook = args.get("process_revision_directives")
    if hook is not None:
        context = SimpleNamespace(
            config=state.config, opts=args, dialect=database.engine.dialect, bind=None
        )
        hook(context, (head,), directives)
    if not directives:
        report("No changes in schema detected.")
        return None
    script = directives[0]
    if script.upgrade_ops.is_empty():
        report("No changes in schema detected.")
        return None
    imports: set[str] = set(script.imports)
    options = RenderOptions(
        as_batch=bool(args.get("render_as_batch", True)),
        user_module_prefix=args.get("user_module_prefix"),
        render_item=args.get("render_item"),
        dialect_name=dialect_name,
    )
    upgrades = render_upgrade(script.upgrade_ops, options, imports).removeprefix("    ")
    downgrades = render_downgrade(script.downgrade_ops, options, imports).removeprefix("    ")
    scripts = ScriptDirectory.from_path(state.directory, config=state.config.script_config())
    try:
        created = scripts.generate_revision(
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
        )
    except TypeError as exc:  # pragma: no cover - a hook that broke the script object
        raise CommandError(f"process_revision_directives left an unusable script: {exc}") from exc
    report(f"Generating {created.path} ...  done")
    return created
