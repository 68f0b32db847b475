"""``NOT NULL`` on a table with rows: a new column without a server default, or a column
that becomes ``NOT NULL`` while some of its rows hold NULL.

Whether rows are there is read from the database being compared. For each such column the
comparison asks ``CompareOptions.decisions`` for a value (SQL: a literal or an expression
over the row's columns). With one, the table's changes are split around a fill: the column
is added nullable, :class:`~..data_steps.FillRowsOp` sets the value where it is NULL (in
batches of key values on a big table), then ``alter_column(..., nullable=False)`` runs with
the table's other changes. Without one the migration is left as it was and a warning says
that the upgrade fails on this database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Column, Integer, false, func, select, table, text
from sqlalchemy import column as sql_column
from sqlalchemy.exc import DBAPIError, StatementError

from ...operations.ops import AddColumnOp, AlterColumnOp, DropConstraintOp, DropIndexOp
from ..data_steps import FillRowsOp
from ..decisions import FillNeeded
from ..directives import Directive, ModifyTableOps, TableOp
from ..reflect import ReflectedTable
from .context import CompareContext
from .objects import copy_column
from .renames import decisions_of

__all__ = ["Filled", "fill_existing_rows"]


@dataclass
class Filled:
    """The directives for one table's changes, and the warnings about rows left unfilled."""

    directives: list[Directive] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _needs_value(op: TableOp) -> bool:
    if isinstance(op, AddColumnOp):
        column = op.column
        return not (
            column.nullable
            or column.server_default is not None
            or column.primary_key
            or column.computed is not None
            or column.identity is not None
        )
    if isinstance(op, AlterColumnOp):
        return op.modify_nullable is False and op.existing_nullable is not False
    return False


class _Rows:
    """Row counts of one table, read once each."""

    def __init__(self, ctx: CompareContext, item: ReflectedTable, renamed: dict[str, str]):
        self.ctx = ctx
        self.item = item
        self.old_names = {new: old for old, new in renamed.items()}
        self._all: int | None = None

    def _table(self, *columns: str) -> Any:
        return table(self.item.name, *map(sql_column, columns), schema=self.item.schema)

    def all(self) -> int:
        if self._all is None:
            query = select(func.count()).select_from(self._table())
            self._all = int(self.ctx.connection.execute(query).scalar_one())
        return self._all

    def nulls(self, column: str) -> int:
        name = self.old_names.get(column, column)
        target = self._table(name)
        query = select(func.count()).select_from(target).where(target.c[name].is_(None))
        return int(self.ctx.connection.execute(query).scalar_one())

    def try_value(self, value: str) -> str | None:
        """The database's error for ``SELECT value FROM table`` (no row read), or None."""
        query = select(text(value)).select_from(self._table()).where(false())
        connection = self.ctx.connection
        savepoint = connection.begin_nested()
        try:
            connection.execute(query).all()
        except (DBAPIError, StatementError) as exc:
            savepoint.rollback()
            original = getattr(exc, "orig", None) or exc
            return " ".join(str(original).split()) or type(original).__name__
        savepoint.commit()
        return None


def _integer_key(item: ReflectedTable) -> str | None:
    keys = item.pk.get("constrained_columns") or []
    if len(keys) != 1:
        return None
    for col in item.columns:
        if col["name"] == keys[0] and col["type"]._type_affinity is Integer:
            return str(col["name"])
    return None


def fill_existing_rows(
    ctx: CompareContext,
    ops: ModifyTableOps,
    item: ReflectedTable,
    label: str,
    renamed: dict[str, str] | None = None,
) -> Filled:
    """``ops`` as they are, or split around the fills of the columns that need them.

    ``item`` is the database's table (by its name before a rename); ``renamed`` maps the
    table's renamed columns, old name to new.
    """
    result = Filled()
    needing = [op for op in ops.ops if isinstance(op, (AddColumnOp, AlterColumnOp))]
    needing = [op for op in needing if _needs_value(op)]
    if not needing:
        result.directives.append(ops)
        return result
    rows = _Rows(ctx, item, renamed or {})
    decisions = decisions_of(ctx)
    fills: list[FillRowsOp] = []
    changed: dict[int, TableOp] = {}
    after: list[TableOp] = []
    for op in needing:
        added = isinstance(op, AddColumnOp)
        name = op.column.name if isinstance(op, AddColumnOp) else op.modify_name or op.column_name
        # The fill runs before the table's alterations: under the column's name until then.
        filled = op.column.name if isinstance(op, AddColumnOp) else op.column_name
        count = rows.all() if added else rows.nulls(name)
        if not count:
            continue
        need = FillNeeded(ops.schema, ops.table_name, name, count, added, rows.try_value)
        value = decisions.fill_value(need)
        if value is None:
            where = f"'{label}.{name}'"
            plural = "s" if count != 1 else ""
            if added:
                result.warnings.append(
                    f"Column {where} is added NOT NULL without a server default to a table "
                    f"with {count} row{plural}: the upgrade fails on this database unless "
                    "the migration gives those rows a value."
                )
            else:
                result.warnings.append(
                    f"Column {where} becomes NOT NULL while {count} row{plural} hold NULL in "
                    "it: the upgrade fails on this database unless the migration gives "
                    "those rows a value."
                )
            continue
        batch = ctx.options.fill_batch_rows
        key = _integer_key(item) if count > batch else None
        fills.append(
            FillRowsOp(
                ops.table_name,
                filled,
                value,
                ops.schema,
                key,
                batch if key is not None else None,
            )
        )
        if isinstance(op, AddColumnOp):
            column: Column[Any] = copy_column(op.column)
            column.nullable = True
            changed[id(op)] = AddColumnOp(op.table_name, column, op.schema)
            after.append(
                AlterColumnOp(
                    op.table_name,
                    name,
                    op.schema,
                    modify_nullable=False,
                    existing_type=op.column.type,
                    existing_nullable=True,
                    existing_server_default=None,
                    existing_comment=op.column.comment,
                )
            )
        else:
            changed[id(op)] = op  # it stays, after the fill
    if not fills:
        result.directives.append(ops)
        return result
    adds = [i for i, op in enumerate(ops.ops) if isinstance(op, AddColumnOp)]
    split = adds[-1] + 1 if adds else _leading_drops(ops.ops)
    before = [changed.get(id(op), op) for op in ops.ops[:split]]
    rest = list(ops.ops[split:])
    first = replace(ops, ops=before)
    second = ModifyTableOps(
        ops.table_name, after + rest, ops.schema, naming_convention=dict(ops.naming_convention)
    )
    result.directives += [first, *fills, second]
    return result


def _leading_drops(ops: list[TableOp]) -> int:
    """Where the drops of keys, indexes and checks that come first end."""
    for position, op in enumerate(ops):
        if not isinstance(op, (DropConstraintOp, DropIndexOp)):
            return position
    return len(ops)
