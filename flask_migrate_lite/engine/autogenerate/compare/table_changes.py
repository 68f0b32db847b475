"""The changes to one table the models and the database both have, in the order they run.

Each kind of object is compared by its own module; their results are put in this order:
foreign keys dropped (before the indexes MySQL keeps for them), then indexes, unique and
check constraints and the primary key dropped, columns added, columns altered, the primary
key, indexes, unique constraints, foreign keys and check constraints created, columns
dropped, and the table
comment. Messages
follow the comparison: columns, primary key, indexes and unique constraints, foreign keys,
checks, comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table

from ..data_steps import RenameIndexOp
from ..directives import ModifyTableOps
from ..reflect import ReflectedTable
from .checks import compare_checks
from .columns import compare_columns
from .comments import table_comment_changes
from .context import CompareContext, label
from .enum_checks import compare_enum_columns
from .enum_values import ValueRename
from .foreign_keys import compare_foreign_keys
from .indexes import compare_indexes
from .keys import primary_key_changes
from .renames import index_renames, rename_columns

__all__ = ["TableChanges", "compare_table"]


@dataclass
class TableChanges:
    """The changes to one table, and what to tell the user about them."""

    ops: ModifyTableOps
    messages: list[str]
    warnings: list[str]
    #: Columns renamed: old name to new name.
    renamed: dict[str, str] = field(default_factory=dict)
    #: Indexes renamed with the table or its columns (run after the table's changes).
    renamed_indexes: list[RenameIndexOp] = field(default_factory=list)
    #: Enum columns whose renamed values the rows keep.
    value_renames: list[ValueRename] = field(default_factory=list)


def compare_table(
    ctx: CompareContext,
    table: Table,
    item: ReflectedTable,
    unreflected: set[tuple[str | None, str]],
) -> TableChanges:
    """The changes from the database's table ``item`` to the models' ``table``.

    ``unreflected`` holds ``(schema, name)`` of indexes that exist but could not be read.
    """
    where = label(item.schema, table.name)
    columns = compare_columns(ctx, table, item, where)
    renames = rename_columns(ctx, table, item, columns, where)
    primary_key = primary_key_changes(ctx, table, item, where)
    # Unnamed constraints on dropped columns (SQLite) go with their column; only the
    # downgrade creates them again.
    indexes = compare_indexes(ctx, table, item, where, columns.dropped_names, unreflected)
    foreign_keys = compare_foreign_keys(ctx, table, item, where, columns.dropped_names)
    checks = compare_checks(ctx, table, item, where)
    enum_columns = compare_enum_columns(ctx, table, item, where)
    moved = []
    if columns.renamed or item.name != table.name:
        moved = index_renames(indexes, table.name, item.schema, columns.renamed)
    comment = table_comment_changes(ctx, table, item, where)
    kinds = (primary_key, indexes, foreign_keys, checks, enum_columns, comment)
    ops = [
        *foreign_keys.drops,
        *indexes.drops,
        *checks.drops,
        *primary_key.drops,
        *enum_columns.drops,
        *columns.added,
        *columns.altered,
        *primary_key.creates,
        *indexes.creates,
        *foreign_keys.creates,
        *checks.creates,
        *enum_columns.creates,
        *columns.dropped,
        *comment.creates,
    ]
    modify = ModifyTableOps(
        table.name,
        ops,
        item.schema,
        restore=[*indexes.restore, *foreign_keys.restore],
        naming_convention={**indexes.naming_convention, **foreign_keys.naming_convention},
    )
    messages = columns.messages + [message for kind in kinds for message in kind.messages]
    warnings = columns.warnings + renames + [warning for kind in kinds for warning in kind.warnings]
    return TableChanges(
        modify, messages, warnings, columns.renamed, moved, list(enum_columns.renamed)
    )
