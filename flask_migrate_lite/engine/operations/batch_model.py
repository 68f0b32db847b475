"""One table as batch mode changes it: :class:`TableModel`.

The model describes a table by names only (columns, primary key, foreign keys, unique and
check constraints, indexes; see :mod:`.batch_parts`), so that batch operations can change
it freely: renaming a column updates every constraint naming it, dropping one removes the
indexes and constraints that cannot exist without it. :mod:`.batch_rebuild` then builds the
new table from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.schema import Constraint, DefaultClause, FetchedValue, SchemaItem
from sqlalchemy.sql.elements import ClauseElement, TextClause
from sqlalchemy.types import NULLTYPE, SchemaType, TypeEngine

from ..ddl.base import ServerDefault
from ..errors import CommandError
from .batch_parts import (
    CheckSpec,
    ColumnSpec,
    ForeignKeySpec,
    IndexSpec,
    UniqueSpec,
    add_referent_tables,
    bare_column,
    final_name,
    spec_of,
    sql_rename,
    type_bound,
)

__all__ = ["TableModel"]

_DEFAULT_CONVENTION: Mapping[str, str] = {"ix": "ix_%(column_0_label)s"}


# --- the model ---------------------------------------------------------------------------


class TableModel:
    """One table as batch operations see it, changed in place by the recorded operations."""

    def __init__(
        self,
        name: str,
        schema: str | None = None,
        naming_convention: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.schema = schema
        self.naming_convention: Mapping[str, Any] = naming_convention or {}
        self.columns: dict[str, ColumnSpec] = {}
        self.pk_name: str | None = None
        self.pk_columns: list[str] = []
        self.foreign_keys: list[ForeignKeySpec] = []
        self.uniques: list[UniqueSpec] = []
        self.checks: list[CheckSpec] = []
        self.indexes: list[IndexSpec] = []
        self.comment: str | None = None
        self.kwargs: dict[str, Any] = {}
        #: (before, after) column pairs asked for with insert_before/insert_after.
        self.order_pairs: list[tuple[str, str]] = []

    @classmethod
    def from_table(
        cls,
        table: Table,
        naming_convention: Mapping[str, Any] | None = None,
        raw_indexes: Sequence[IndexSpec] = (),
    ) -> TableModel:
        """The model of a reflected (or ``copy_from``) table; unnamed constraints get names
        from ``naming_convention`` where it can give one."""
        model = cls(table.name, table.schema, naming_convention)
        for col in table.columns:
            model.columns[col.name] = ColumnSpec(bare_column(col), col.name, col.type)
        pk = table.primary_key
        model.pk_columns = [col.name for col in pk.columns]
        model.pk_name = None if pk.name is None else str(pk.name)
        constraints: list[Constraint] = sorted(
            table.constraints, key=lambda c: (type(c).__name__, str(c.name or ""))
        )
        for col in table.columns:
            constraints.extend(c for c in col.constraints if isinstance(c, CheckConstraint))
        for constraint in constraints:
            if type_bound(constraint):
                continue
            spec = spec_of(constraint)
            if spec is not None:
                model._append(spec)
        for index in sorted(table.indexes, key=lambda ix: str(ix.name or "")):
            elements: list[str | ClauseElement] = [
                col.name if isinstance(col, Column) and col.table is table else col
                for col in index.expressions
            ]
            name = None if index.name is None else str(index.name)
            model._append(IndexSpec(name, elements, bool(index.unique), dict(index.dialect_kwargs)))
        for raw in raw_indexes:
            model.indexes.append(raw)
        model.comment = table.comment
        model.kwargs = dict(table.dialect_kwargs)
        return model

    # -- names --------------------------------------------------------------------------

    def _scratch(self) -> Table:
        metadata = MetaData(naming_convention={**_DEFAULT_CONVENTION, **self.naming_convention})
        return Table(
            self.name,
            metadata,
            *[Column(name, NULLTYPE) for name in self.columns],
            schema=self.schema,
        )

    def conventional_name(
        self, item: ForeignKeySpec | UniqueSpec | CheckSpec | IndexSpec
    ) -> str | None:
        """The name the naming convention gives ``item`` on this table, if it gives one.

        A convention that cannot name it (``%(constraint_name)s`` of an unnamed constraint)
        leaves it unnamed, which SQLite accepts.
        """
        if isinstance(item, IndexSpec) and item.sql is not None:
            return None
        scratch = self._scratch()
        try:
            if isinstance(item, IndexSpec):
                elements: list[Any] = [
                    scratch.c[e] if isinstance(e, str) else e for e in item.elements
                ]
                name: Any = Index(None, *elements, _table=scratch).name
            else:
                if isinstance(item, ForeignKeySpec):
                    add_referent_tables(scratch.metadata, [item])
                constraint = item.build()
                scratch.append_constraint(constraint)
                name = constraint.name
        except (sa_exc.InvalidRequestError, sa_exc.ArgumentError, KeyError):
            return None
        return None if name is None else str(name)

    def _append(self, item: ForeignKeySpec | UniqueSpec | CheckSpec | IndexSpec) -> None:
        if item.name is None:
            item.name = self.conventional_name(item)
        if isinstance(item, ForeignKeySpec):
            self.foreign_keys.append(item)
        elif isinstance(item, UniqueSpec):
            self.uniques.append(item)
        elif isinstance(item, CheckSpec):
            self.checks.append(item)
        else:
            self.indexes.append(item)

    # -- columns ------------------------------------------------------------------------

    def _need_column(self, name: str) -> ColumnSpec:
        try:
            return self.columns[name]
        except KeyError:
            raise CommandError(
                f"Table '{self.name}' has no column '{name}'; "
                f"its columns are {', '.join(self.columns) or 'none'}."
            ) from None

    def _place(self, name: str, before: str | None, after: str | None) -> None:
        """Move the column ``name`` directly before ``before`` or after ``after``."""
        anchor = before or after
        if anchor is None:
            return
        self._need_column(anchor)
        names = [n for n in self.columns if n != name]
        position = names.index(anchor) + (0 if before else 1)
        names.insert(position, name)
        self.columns = {n: self.columns[n] for n in names}
        self.order_pairs.append((name, anchor) if before else (anchor, name))

    def add_column(
        self, column: Column[Any], insert_before: str | None = None, insert_after: str | None = None
    ) -> None:
        """Add ``column`` with its primary key flag, foreign keys, unique, index and checks."""
        name = column.name
        if name in self.columns:
            raise CommandError(f"Table '{self.name}' already has a column '{name}'.")
        self.columns[name] = ColumnSpec(bare_column(column), None)
        self._place(name, insert_before, insert_after)
        if column.primary_key:
            self.pk_columns.append(name)
        for key in sorted(column.foreign_keys, key=lambda fk: fk.target_fullname):
            options: dict[str, Any] = dict(key.dialect_kwargs)
            for option in ("onupdate", "ondelete", "deferrable", "initially", "match"):
                value = getattr(key, option, None)
                if value is not None:
                    options[option] = value
            fk_name = key.constraint.name if key.constraint is not None else key.name
            spec = ForeignKeySpec(
                None if fk_name is None else str(fk_name), [name], [key.target_fullname], options
            )
            self._append(spec)
        if column.index:
            self._append(IndexSpec(None, [name], unique=bool(column.unique)))
        elif column.unique:
            self._append(UniqueSpec(None, [name]))
        for constraint in column.constraints:
            if isinstance(constraint, CheckConstraint) and not type_bound(constraint):
                spec_check = spec_of(constraint)
                if spec_check is not None:
                    self._append(spec_check)

    def drop_column(self, name: str, existing_type: TypeEngine[Any] | None = None) -> None:
        """Drop the column and the indexes and constraints that use it."""
        self._need_column(name)
        del self.columns[name]
        self.pk_columns = [n for n in self.pk_columns if n != name]
        self.foreign_keys = [fk for fk in self.foreign_keys if name not in fk.columns]
        self.uniques = [uq for uq in self.uniques if name not in uq.columns]
        self.indexes = [ix for ix in self.indexes if not ix.mentions(name)]
        self.checks = [ck for ck in self.checks if not ck.mentions(name)]
        self._drop_type_check(existing_type)
        self.order_pairs = [p for p in self.order_pairs if name not in p]

    def _drop_type_check(self, existing_type: TypeEngine[Any] | None) -> None:
        # A Boolean/Enum given as existing_type names the CHECK constraint it created.
        if isinstance(existing_type, SchemaType) and getattr(existing_type, "name", None):
            name = str(existing_type.name)
            self.checks = [ck for ck in self.checks if ck.name != name]

    def alter_column(
        self,
        name: str,
        *,
        nullable: bool | None = None,
        server_default: ServerDefault | bool = False,
        new_column_name: str | None = None,
        type_: TypeEngine[Any] | None = None,
        comment: str | None | bool = False,
        existing_type: TypeEngine[Any] | None = None,
        autoincrement: bool | str | None = None,
        insert_before: str | None = None,
        insert_after: str | None = None,
    ) -> None:
        """Change one column; a rename follows through every constraint and index."""
        spec = self._need_column(name)
        column = spec.column
        if type_ is not None:
            column.type = type_
            self._drop_type_check(existing_type)
        if nullable is not None:
            column.nullable = nullable
        if server_default is not False:
            column.server_default = _server_default(server_default)
        if comment is not False:
            column.comment = None if comment is True else comment
        if autoincrement is not None:
            column.autoincrement = autoincrement  # type: ignore[assignment]
        if new_column_name is not None and new_column_name != name:
            self._rename(name, new_column_name)
            name = new_column_name
        if insert_before or insert_after:
            self._place(name, insert_before, insert_after)

    def _rename(self, old: str, new: str) -> None:
        if new in self.columns:
            raise CommandError(f"Table '{self.name}' already has a column '{new}'.")
        spec = self.columns[old]
        spec.column.name = new
        spec.column.key = new
        self.columns = {(new if n == old else n): s for n, s in self.columns.items()}

        def swap(names: list[str]) -> list[str]:
            return [new if n == old else n for n in names]

        self.pk_columns = swap(self.pk_columns)
        for fk in self.foreign_keys:
            fk.columns = swap(fk.columns)
            fk.targets = [self._rename_target(t, old, new) for t in fk.targets]
        for uq in self.uniques:
            uq.columns = swap(uq.columns)
        for ck in self.checks:
            if isinstance(ck.sqltext, str):
                ck.sqltext = sql_rename(ck.sqltext, old, new)
        for ix in self.indexes:
            if ix.sql is not None:
                head, _, tail = ix.sql.partition("(")
                ix.sql = f"{head}({sql_rename(tail, old, new)}"
            else:
                ix.elements = [
                    new
                    if e == old
                    else (text(sql_rename(e.text, old, new)) if isinstance(e, TextClause) else e)
                    for e in ix.elements
                ]
        self.order_pairs = [
            (new if a == old else a, new if b == old else b) for a, b in self.order_pairs
        ]

    def _rename_target(self, target: str, old: str, new: str) -> str:
        # A self-referencing foreign key follows the rename of the column it points at.
        *qualifier, table_name, column_name = target.split(".")
        if table_name == self.name and column_name == old:
            return ".".join([*qualifier, table_name, new])
        return target

    # -- indexes and constraints ------------------------------------------------------

    def add_index(self, index: Index) -> None:
        """Add an index built by ``CreateIndexOp.to_index()``."""
        name = None if index.name is None else str(index.name)
        if name is not None and any(ix.name == name for ix in self.indexes):
            raise CommandError(f"Table '{self.name}' already has an index '{name}'.")
        elements: list[str | ClauseElement] = [
            e.name if isinstance(e, Column) else e for e in index.expressions
        ]
        for element in elements:
            if isinstance(element, str):
                self._need_column(element)
        self._append(IndexSpec(name, elements, bool(index.unique), dict(index.dialect_kwargs)))

    def drop_index(self, name: str) -> None:
        """Drop the index ``name``."""
        kept = [ix for ix in self.indexes if ix.name != name]
        if len(kept) == len(self.indexes):
            raise CommandError(
                f"Table '{self.name}' has no index '{name}'; "
                f"its indexes are {', '.join(str(ix.name) for ix in self.indexes) or 'none'}."
            )
        self.indexes = kept

    def add_constraint(self, constraint: Constraint) -> None:
        """Add a constraint built by an operation's ``to_constraint()``."""
        if isinstance(constraint, PrimaryKeyConstraint):
            names = [col.name for col in constraint.columns]
            for name in names:
                self._need_column(name)
            self.pk_columns = names
            self.pk_name = None if constraint.name is None else str(constraint.name)
            return
        spec = spec_of(constraint)
        if spec is None:
            raise CommandError(f"Cannot add a {type(constraint).__name__} in batch mode.")
        for name in getattr(spec, "columns", ()):
            self._need_column(name)
        self._append(spec)

    def drop_constraint(self, name: str, type_: str | None = None) -> None:
        """Drop the named constraint (``type_`` narrows the search to one kind)."""
        found = False
        # A table has one primary key: asked for by kind, it is found by any name when the
        # database keeps it unnamed (SQLite).
        unnamed_key = type_ == "primary" and self.pk_name is None
        if type_ in (None, "primary") and self.pk_columns and (self.pk_name == name or unnamed_key):
            self.pk_columns, self.pk_name, found = [], None, True
        if type_ in (None, "foreignkey"):
            kept_fks = [fk for fk in self.foreign_keys if fk.name != name]
            found = found or len(kept_fks) != len(self.foreign_keys)
            self.foreign_keys = kept_fks
        if type_ in (None, "unique"):
            kept_uqs = [uq for uq in self.uniques if uq.name != name]
            # A UNIQUE made with CREATE UNIQUE INDEX comes back from reflection as an index.
            kept_ixs = [ix for ix in self.indexes if not (ix.unique and ix.name == name)]
            found = (
                found or len(kept_uqs) != len(self.uniques) or len(kept_ixs) != len(self.indexes)
            )
            self.uniques, self.indexes = kept_uqs, kept_ixs
        if type_ in (None, "check"):
            kept_cks = [ck for ck in self.checks if ck.name != name]
            found = found or len(kept_cks) != len(self.checks)
            self.checks = kept_cks
        if not found:
            kind = f"{type_} constraint" if type_ else "constraint"
            raise CommandError(
                f"Table '{self.name}' has no {kind} named '{name}'; an unnamed constraint "
                "can be given a name with batch_alter_table(..., naming_convention={...})."
            )

    # -- the new table ----------------------------------------------------------------

    def column_order(self, partial_reordering: Sequence[Sequence[str]] | None = None) -> list[str]:
        """The columns of the new table in order.

        Without ``partial_reordering`` that is the current order (with the columns placed by
        insert_before/insert_after). With it, each tuple's columns come in the order given
        and everything else keeps its relative place as far as possible.
        """
        current = list(self.columns)
        if not partial_reordering:
            return current
        pairs = set(self.order_pairs)
        for group in partial_reordering:
            for name in group:
                self._need_column(name)
            pairs.update(zip(group[:-1], group[1:], strict=True))
        return _stable_topological(current, pairs)

    def build_table(
        self,
        name: str,
        metadata: MetaData,
        order: Sequence[str],
        table_args: Sequence[SchemaItem] = (),
        table_kwargs: Mapping[str, Any] | None = None,
    ) -> Table:
        """The new table, named ``name``, with every constraint (indexes come later)."""
        add_referent_tables(metadata, self.foreign_keys)
        items: list[SchemaItem] = [self.columns[n].column._copy() for n in order]
        if self.pk_columns:
            items.append(PrimaryKeyConstraint(*self.pk_columns, name=final_name(self.pk_name)))
        items.extend(fk.build() for fk in self.foreign_keys)
        items.extend(uq.build() for uq in self.uniques)
        items.extend(ck.build() for ck in self.checks)
        items.extend(table_args)
        options = {**self.kwargs, **dict(table_kwargs or {})}
        options.setdefault("comment", self.comment)
        return Table(name, metadata, *items, schema=self.schema, **options)

    def build_indexes(self) -> tuple[list[Index], list[str]]:
        """The indexes to create on the rebuilt table: SQLAlchemy ones and verbatim SQL."""
        table = Table(
            self.name, MetaData(), *[Column(n, NULLTYPE) for n in self.columns], schema=self.schema
        )
        indexes: list[Index] = []
        raw: list[str] = []
        for spec in self.indexes:
            if spec.sql is not None:
                raw.append(spec.sql)
                continue
            elements: list[Any] = [table.c[e] if isinstance(e, str) else e for e in spec.elements]
            indexes.append(
                Index(
                    final_name(spec.name),
                    *elements,
                    unique=spec.unique,
                    _table=table,
                    **spec.options,
                )
            )
        return indexes, raw


def _stable_topological(names: list[str], pairs: set[tuple[str, str]]) -> list[str]:
    """Order ``names`` so that every (a, b) pair has a before b, otherwise keeping order."""
    after: dict[str, set[str]] = {n: set() for n in names}
    incoming = dict.fromkeys(names, 0)
    for first, second in pairs:
        if first != second and second not in after[first]:
            after[first].add(second)
            incoming[second] += 1
    result: list[str] = []
    ready = [n for n in names if incoming[n] == 0]
    while ready:
        ready.sort(key=names.index)
        current = ready.pop(0)
        result.append(current)
        for nxt in after[current]:
            incoming[nxt] -= 1
            if incoming[nxt] == 0:
                ready.append(nxt)
    if len(result) != len(names):
        stuck = ", ".join(n for n in names if n not in result)
        raise CommandError(
            f"The column orders asked for contradict each other (columns {stuck}); "
            "check partial_reordering, insert_before and insert_after."
        )
    return result


def _server_default(value: Any) -> FetchedValue | None:
    if value is None or isinstance(value, FetchedValue):
        return value
    return DefaultClause(value)
