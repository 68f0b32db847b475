"""The walk over schemas and tables, and the order in which the changes are gathered.

The database is read in bulk, for the tables that matter only (the models' tables and the
database's other tables, never the version table or tables a hook excludes), one schema at a
time. Directives come in this order: enum types, new tables (referenced ones first) with
their indexes, foreign keys that wait for every new table, changed tables, foreign keys
that close a cycle among dropped tables, dropped tables (referring ones first). Messages:
changed tables, enum types, new tables, dropped tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Connection

from ...operations.ops import CreateIndexOp, RenameTableOp
from ..directives import Directive, UpgradeOps
from ..reflect import ReflectedTable, read_tables
from .context import CompareContext, CompareOptions, label, parents
from .enum_values import keep_renamed_values
from .enums import compare_enums, enum_renames
from .fills import fill_existing_rows
from .keys import creation_order
from .renames import (
    follow_table_renames,
    primary_key_rename,
    rename_tables,
    serial_sequence_renames,
)
from .table_changes import compare_table
from .tables import (
    create_table,
    cycle_keys,
    deferred_foreign_key,
    drop_cycle_key,
    drop_table,
    reflected_order,
)

__all__ = ["Comparison", "compare_metadata"]


@dataclass
class Comparison:
    """The operations found, and what to tell the user about them."""

    upgrade_ops: UpgradeOps
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def compare_metadata(
    connection: Connection,
    metadatas: MetaData | Sequence[MetaData],
    options: CompareOptions | None = None,
) -> Comparison:
    """Compare the models with the database on ``connection``.

    Returns the upgrade operations (``comparison.upgrade_ops``; ``.reverse()`` is the
    downgrade), one message per change in Alembic's wording, and warnings (destructive
    drops).
    """
    if isinstance(metadatas, MetaData):
        metadatas = [metadatas]
    ctx = CompareContext(connection, options or CompareOptions())
    model = _model_tables(ctx, metadatas)
    type_renames = enum_renames(ctx, model.values())
    ctx.enum_renames = {(old[1], new[1]) for old, new in type_renames.items()}
    messages: list[str] = []
    warnings: list[str] = []
    created: list[Table] = []
    removed: list[ReflectedTable] = []
    modified: list[Directive] = []
    renamed_tables: list[Directive] = []
    compared: list[Table] = []
    #: Indexes that exist but that reflection could not describe: (schema, name).
    unreflected: set[tuple[str | None, str]] = set()
    for schema in _schemas(ctx, model):
        in_db = _db_table_names(ctx, schema)
        wanted: dict[str, Table] = {}
        for (table_schema, name), table in model.items():
            if table_schema != schema:
                continue
            if not ctx.name_ok(name, "table", parents(schema)):
                continue
            if not ctx.object_ok(table, name, "table", False, None):
                continue
            wanted[name] = table
        may_remove = schema is None or ctx.options.include_schemas
        gone = sorted(in_db - set(wanted)) if may_remove else []
        common = sorted(set(wanted) & in_db)
        reading = read_tables(ctx.connection, ctx.inspector, schema, gone + common)
        unreflected.update((schema, name) for name in reading.unreflected_indexes)
        reflected = reading.tables
        added = [wanted[name] for name in sorted(set(wanted) - in_db)]
        old = [
            reflected[name]
            for name in gone
            if ctx.object_ok(ctx.table_of(reflected[name]), name, "table", True, None)
        ]
        renames = rename_tables(ctx, schema, added, old)
        follow_table_renames(ctx, schema, renames, reflected.values())
        pairs = [(name, name) for name in common] + [(r.old, r.new) for r in renames]
        created.extend(t for t in added if t.name not in {r.new for r in renames})
        removed.extend(t for t in old if t.name not in {r.old for r in renames})
        compared.extend(wanted[name] for name in sorted(wanted))
        for before, name in pairs:
            where = label(schema, name)
            if before != name:
                messages.append(f"Detected renamed table '{label(schema, before)}' to '{where}'")
                renamed_tables.append(RenameTableOp(before, name, schema))
            changes = compare_table(ctx, wanted[name], reflected[before], unreflected)
            messages += changes.messages
            warnings += changes.warnings
            if not changes.ops.is_empty():
                filled = fill_existing_rows(
                    ctx, changes.ops, reflected[before], where, changes.renamed
                )
                modified += keep_renamed_values(filled.directives, changes.value_renames)
                warnings += filled.warnings
            modified += changes.renamed_indexes
            modified += primary_key_rename(ctx, reflected[before], wanted[name])
            modified += serial_sequence_renames(ctx, reflected[before], name, changes.renamed)
    enums = compare_enums(ctx, compared, created, type_renames)
    messages += enums.messages
    warnings += enums.warnings
    directives: list[Directive] = list(enums.directives) + renamed_tables
    order, deferred = creation_order(created, defer_use_alter=ctx.dialect.supports_alter)
    for table in order:
        messages.append(f"Detected added table '{label(table.schema, table.name)}'")
        new = create_table(ctx, table, deferred)
        messages += new.messages
        directives += new.directives
    for constraint in deferred:
        directives.append(deferred_foreign_key(ctx, constraint))
    directives += modified
    dropped_indexes: dict[tuple[str | None, str], list[CreateIndexOp]] = {}
    # Keys that close a cycle among dropped tables go first where they can be dropped alone.
    closing = cycle_keys(removed) if ctx.dialect.supports_alter else []
    directives += [drop_cycle_key(ctx, item, fk) for item, fk in closing]
    for item in reversed(reflected_order(removed)):
        where = label(item.schema, item.name)
        messages.append(f"Detected removed table '{where}'")
        warnings.append(
            f"The migration drops table '{where}' and every row in it (destructive); "
            "check that this is not a rename before you upgrade."
        )
        skip = [str(fk.get("name")) for of, fk in closing if of is item]
        drop, indexes = drop_table(ctx, item, skip)
        if indexes:
            dropped_indexes[(item.schema, item.name)] = indexes
        directives.append(drop)
    upgrade = UpgradeOps(
        directives, dropped_table_indexes=dropped_indexes, implicit_enum_types=enums.implicit
    )
    return Comparison(upgrade, messages, warnings)


def _model_tables(
    ctx: CompareContext, metadatas: Iterable[MetaData]
) -> dict[tuple[str | None, str], Table]:
    tables: dict[tuple[str | None, str], Table] = {}
    for metadata in metadatas:
        for table in metadata.tables.values():
            tables[(ctx.schema(table.schema), table.name)] = table
    return tables


def _schemas(ctx: CompareContext, model: Iterable[tuple[str | None, str]]) -> list[str | None]:
    schemas: set[str | None] = {None}
    schemas.update(schema for schema, _ in model)
    if ctx.options.include_schemas:
        for name in sorted(ctx.schema_names()):
            if ctx.rules.is_system_schema(name):
                continue
            if name == ctx.default_schema:
                continue
            if ctx.name_ok(name, "schema", {}):
                schemas.add(name)
    return sorted(schemas, key=lambda s: (s is not None, s or ""))


def _db_table_names(ctx: CompareContext, schema: str | None) -> set[str]:
    if schema is not None and schema not in ctx.schema_names():
        return set()  # a schema the models name that does not exist yet
    names = ctx.inspector.get_table_names(schema=schema)
    version_schema = ctx.schema(ctx.options.version_table_schema)
    result = set()
    for name in names:
        if schema == version_schema and name in (
            ctx.options.version_table,
            ctx.options.applied_log_table,
        ):
            continue
        if ctx.name_ok(name, "table", parents(schema)):
            result.add(name)
    return result
