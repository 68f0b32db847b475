"""Reducing a run of schema operations to fewer that leave the same schema.

:func:`optimize` takes the operations several revisions recorded, in the order they ran, and
repeats one pass until nothing changes. In a pass each operation, from the last one back,
meets the next operation that touches one of its tables (its own table, tables its foreign
keys name, the old and new names of a rename); where the pair reduces (see
:func:`reduce_pair`) the result takes the first one's place, provided no operation between
them touches what the second one touches. So operations are only ever moved across
operations on unrelated tables; SQL and row inserts touch everything, and nothing moves
across them. Each table's positions are indexed, so a pass over thousands of operations
takes a moment.

The reductions:

* ``create_table`` then ``add_column`` on it: the column joins the create;
* ``create_table`` then ``drop_column`` on it: the column leaves the create (unless a
  constraint or index of the create names it);
* ``create_table`` or ``add_column`` then ``alter_column`` of its type, nullability or
  comment: the change is made in the column's definition;
* ``add_column`` then ``drop_column`` of it: both go;
* two ``alter_column`` of one column (the second naming it by the first's new name): one;
* ``create_index`` then ``drop_index`` of it: both go;
* ``rename_table`` A to B then B to C: A to C (nothing when C is A); a created table is
  not given its new name in the create, since the names a database gives its constraints
  and sequences come from the name the table had when they were made;
* ``create_table`` then ``drop_table``: both go; any other operation on a table then
  ``drop_table``: the operation goes.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Column, Constraint, ForeignKeyConstraint, Index
from sqlalchemy.schema import SchemaItem

from ..operations import ops

__all__ = ["EVERYTHING", "optimize", "reduce_pair", "touches"]

TableKey = tuple[str | None, str]
#: What SQL, row inserts and anything not known touch.
EVERYTHING: frozenset[TableKey] = frozenset({(None, "*")})


def _key(schema: str | None, name: str) -> TableKey:
    return (schema, name)


def _referents(items: Iterable[SchemaItem]) -> set[TableKey]:
    found: set[TableKey] = set()
    for item in items:
        keys: list[str] = []
        if isinstance(item, Column):
            keys = [fk.target_fullname for fk in item.foreign_keys]
        elif isinstance(item, ForeignKeyConstraint):
            keys = [element.target_fullname for element in item.elements]
        for full in keys:
            *qualifier, table_name, _column = full.split(".")
            found.add(_key(".".join(qualifier) or None, table_name))
    return found


def touches(op: ops.MigrateOp) -> frozenset[TableKey]:
    """The tables ``op`` reads or changes (:data:`EVERYTHING` when unknown)."""
    match op:
        case ops.CreateTableOp():
            return frozenset({_key(op.schema, op.table_name), *_referents(op.columns)})
        case ops.DropTableOp():
            return frozenset({_key(op.schema, op.table_name), *_referents(op.columns)})
        case ops.RenameTableOp():
            return frozenset(
                {_key(op.schema, op.old_table_name), _key(op.schema, op.new_table_name)}
            )
        case ops.AddColumnOp():
            return frozenset({_key(op.schema, op.table_name), *_referents([op.column])})
        case ops.CreateForeignKeyOp():
            return frozenset(
                {
                    _key(op.source_schema, op.source_table),
                    _key(op.referent_schema, op.referent_table),
                }
            )
        case ops.DropIndexOp():
            if op.table_name is None:
                return EVERYTHING
            return frozenset({_key(op.schema, op.table_name)})
        case ops.DropConstraintOp():
            found = {_key(op.schema, op.table_name)}
            if isinstance(op.original, ops.CreateForeignKeyOp):
                found.add(_key(op.original.referent_schema, op.original.referent_table))
            return frozenset(found)
        case (
            ops.DropColumnOp()
            | ops.AlterColumnOp()
            | ops.CreateIndexOp()
            | ops.CreateUniqueConstraintOp()
            | ops.CreateCheckConstraintOp()
            | ops.CreatePrimaryKeyOp()
            | ops.CreateTableCommentOp()
            | ops.DropTableCommentOp()
        ):
            return frozenset({_key(op.schema, op.table_name)})
        case ops.ExecuteSQLOp() | ops.BulkInsertOp():
            return EVERYTHING
        case _:
            ops.assert_never(op)


def _own_table(op: ops.MigrateOp) -> TableKey | None:
    """The one table an operation on a table changes (``None`` for the others)."""
    match op:
        case ops.CreateForeignKeyOp():
            return _key(op.source_schema, op.source_table)
        case ops.DropIndexOp():
            return None if op.table_name is None else _key(op.schema, op.table_name)
        case ops.RenameTableOp() | ops.ExecuteSQLOp() | ops.BulkInsertOp():
            return None
        case _:
            return _key(op.schema, op.table_name)


def _blocks(first: frozenset[TableKey], other: frozenset[TableKey]) -> bool:
    return first is EVERYTHING or other is EVERYTHING or bool(first & other)


# --- columns ---------------------------------------------------------------------------------


def _altered(column: Column[Any], alter: ops.AlterColumnOp) -> Column[Any] | None:
    """``column`` with ``alter``'s change of type, nullability or comment made in its
    definition; ``None`` when ``alter`` changes anything else (a name, a default, options)."""
    if alter.modify_name is not None or alter.modify_server_default is not False or alter.kw:
        return None
    if not alter.has_changes():
        return column
    copy = column._copy()
    if alter.modify_type is not None:
        copy.type = alter.modify_type
    if alter.modify_nullable is not None:
        if copy.primary_key and alter.modify_nullable:
            return None
        copy.nullable = alter.modify_nullable
    if alter.modify_comment is not False:
        copy.comment = alter.modify_comment
    return copy


def _named_by_others(items: Sequence[SchemaItem], name: str) -> bool:
    """Whether a constraint or index among ``items`` names the column ``name``."""
    for item in items:
        if isinstance(item, (Constraint, Index)):
            names: list[str] = []
            for part in getattr(item, "_pending_colargs", None) or ():
                names.append(part if isinstance(part, str) else getattr(part, "name", ""))
            if not names:
                names = [column.name for column in getattr(item, "columns", ())]
            if name in names or not names:
                return True
    return False


def _create_with(create: ops.CreateTableOp, columns: Sequence[SchemaItem]) -> ops.CreateTableOp:
    return ops.CreateTableOp(
        create.table_name, tuple(columns), create.schema, create.if_not_exists, create.kw
    )


def _column_index(create: ops.CreateTableOp, name: str) -> int | None:
    for position, item in enumerate(create.columns):
        if isinstance(item, Column) and item.name == name:
            return position
    return None


def _merge_alters(a: ops.AlterColumnOp, b: ops.AlterColumnOp) -> list[ops.MigrateOp]:
    final_name = b.modify_name or a.modify_name
    merged = ops.AlterColumnOp(
        a.table_name,
        a.column_name,
        a.schema,
        modify_type=b.modify_type if b.modify_type is not None else a.modify_type,
        modify_nullable=b.modify_nullable if b.modify_nullable is not None else a.modify_nullable,
        modify_server_default=(
            b.modify_server_default
            if b.modify_server_default is not False
            else a.modify_server_default
        ),
        modify_comment=b.modify_comment if b.modify_comment is not False else a.modify_comment,
        modify_name=None if final_name == a.column_name else final_name,
        existing_type=a.existing_type,
        existing_nullable=a.existing_nullable,
        existing_server_default=a.existing_server_default,
        existing_comment=a.existing_comment,
        kw={**a.kw, **b.kw},
    )
    return [merged] if merged.has_changes() else []


# --- pairs -----------------------------------------------------------------------------------


def reduce_pair(a: ops.MigrateOp, b: ops.MigrateOp) -> list[ops.MigrateOp] | None:
    """What ``a`` followed (possibly later) by ``b`` reduces to; ``None``: they do not."""
    a_table = _own_table(a)
    if isinstance(b, ops.DropTableOp) and a_table == _key(b.schema, b.table_name):
        # The table goes: whatever was done to it goes with it.
        return [] if isinstance(a, ops.CreateTableOp) else [b]
    match a, b:
        case ops.CreateTableOp(), ops.AddColumnOp() if a_table == _own_table(b):
            if _column_index(a, b.column.name) is not None:
                return None
            return [_create_with(a, [*a.columns, b.column])]
        case ops.CreateTableOp(), ops.DropColumnOp() if a_table == _own_table(b):
            position = _column_index(a, b.column_name)
            if position is None or _named_by_others(a.columns, b.column_name):
                return None
            column = a.columns[position]
            assert isinstance(column, Column)
            if column.primary_key:
                return None
            return [_create_with(a, [c for c in a.columns if c is not column])]
        case ops.CreateTableOp(), ops.AlterColumnOp() if a_table == _own_table(b):
            position = _column_index(a, b.column_name)
            if position is None:
                return None
            old = a.columns[position]
            assert isinstance(old, Column)
            new = _altered(old, b)
            if new is None:
                return None
            columns = list(a.columns)
            columns[position] = new
            return [_create_with(a, columns)]
        case ops.AddColumnOp(), ops.DropColumnOp() if (
            a_table == _own_table(b) and a.column.name == b.column_name
        ):
            return []
        case ops.AddColumnOp(), ops.AlterColumnOp() if (
            a_table == _own_table(b) and a.column.name == b.column_name
        ):
            altered = _altered(a.column, b)
            return None if altered is None else [ops.AddColumnOp(a.table_name, altered, a.schema)]
        case ops.AlterColumnOp(), ops.AlterColumnOp() if (
            a_table == _own_table(b) and (a.modify_name or a.column_name) == b.column_name
        ):
            return _merge_alters(a, b)
        case ops.CreateIndexOp(), ops.DropIndexOp() if (
            a.index_name is not None
            and a.index_name == b.index_name
            and a.schema == b.schema
            and b.table_name in (None, a.table_name)
        ):
            return []
        case ops.RenameTableOp(), ops.RenameTableOp() if (
            a.schema == b.schema and a.new_table_name == b.old_table_name
        ):
            if b.new_table_name == a.old_table_name:
                return []
            return [ops.RenameTableOp(a.old_table_name, b.new_table_name, a.schema)]
    return None


class _Pass:
    """One pass over the operations, with each table's positions indexed so that an
    operation only looks at the next one touching its tables (the only one it may reduce
    with: every reduction is of two operations on a shared table, and any operation on a
    shared table in between stops the search)."""

    def __init__(self, operations: list[ops.MigrateOp]) -> None:
        self.ops: list[ops.MigrateOp | None] = list(operations)
        self.reach: list[frozenset[TableKey]] = [touches(op) for op in operations]
        self.at: dict[TableKey, list[int]] = {}
        self.everywhere: list[int] = []
        for position, reach in enumerate(self.reach):
            self._index(position, reach)
        self.changed = False

    def _index(self, position: int, reach: frozenset[TableKey]) -> None:
        if reach is EVERYTHING:
            self.everywhere.append(position)
            return
        for key in reach:
            positions = self.at.setdefault(key, [])
            at = bisect.bisect_left(positions, position)
            if at == len(positions) or positions[at] != position:
                positions.insert(at, position)

    def _remove(self, position: int) -> None:
        self.ops[position] = None
        for key in self.reach[position]:
            positions = self.at[key]
            del positions[bisect.bisect_left(positions, position)]

    @staticmethod
    def _live_after(positions: list[int], position: int) -> int | None:
        at = bisect.bisect_right(positions, position)
        return positions[at] if at < len(positions) else None

    @staticmethod
    def _live_before(positions: list[int], position: int, skip: int) -> int | None:
        at = bisect.bisect_left(positions, position) - 1
        while at >= 0 and positions[at] == skip:
            at -= 1
        return positions[at] if at >= 0 else None

    def _next(self, i: int) -> int | None:
        candidates = [self._live_after(self.everywhere, i)]
        candidates += [self._live_after(self.at.get(key, []), i) for key in self.reach[i]]
        found = [c for c in candidates if c is not None]
        return min(found) if found else None

    def _clear_between(self, i: int, j: int) -> bool:
        """Whether no live operation between ``i`` and ``j`` touches what ``j`` touches."""
        for key in self.reach[j]:
            before = self._live_before(self.at.get(key, []), j, j)
            if before is not None and i < before < j:
                return False
        return True

    def run(self) -> list[ops.MigrateOp]:
        # From the end: a reduction's result meets the operations before it in this pass.
        for i in reversed(range(len(self.ops))):
            while self.ops[i] is not None and self.reach[i] is not EVERYTHING:
                j = self._next(i)
                if j is None:
                    break
                first, other = self.ops[i], self.ops[j]
                assert first is not None and other is not None
                result = reduce_pair(first, other)
                if result is not None and result == [other] and isinstance(other, ops.DropTableOp):
                    # The table goes: what was done to it goes, and the drop stays where it
                    # is (what else refers to the table is not known from the drop).
                    self.changed = True
                    self._remove(i)
                    break
                if result is None or not self._clear_between(i, j):
                    break
                self.changed = True
                reach = self.reach[i] | self.reach[j]  # what the result may touch, at most
                self._remove(j)
                if not result:
                    self._remove(i)
                    break
                self.ops[i] = result[0]
                self.reach[i] = reach
                self._index(i, reach)
        return [op for op in self.ops if op is not None]


def optimize(operations: Sequence[ops.MigrateOp]) -> list[ops.MigrateOp]:
    """``operations`` reduced until no pair reduces any more (see the module's text)."""
    current = list(operations)
    while True:
        step = _Pass(current)
        current = step.run()
        if not step.changed:
            return current
