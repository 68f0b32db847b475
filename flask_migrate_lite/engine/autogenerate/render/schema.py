"""Columns and constraints as Python: ``sa.Column(...)``, ``sa.ForeignKeyConstraint(...)``...

Primary keys, foreign keys, ``unique`` and ``index`` are rendered as constraints and indexes
of their own, never as options of a column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import (
    CheckConstraint,
    Column,
    Computed,
    Constraint,
    DefaultClause,
    FetchedValue,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    PrimaryKeyConstraint,
    UniqueConstraint,
)
from sqlalchemy.sql.elements import conv

from ...operations.ops import IndexColumn, ServerDefault
from .layout import Kwargs, Node, call, flat, list_node, literals, name_arg
from .values import ValueWriter

__all__ = ["SchemaWriter"]


class SchemaWriter(ValueWriter):
    """Columns, keys, constraints and indexes of ``create_table`` and ``add_column``."""

    # -- constraints --------------------------------------------------------------------------

    def primary_key(
        self, columns: Sequence[Column[Any]], constraints: Sequence[Constraint]
    ) -> tuple[list[str], Node | None]:
        """The primary key's columns and its ``sa.PrimaryKeyConstraint(...)``.

        Taken from the constraint when there is one, else from ``primary_key=True`` columns.
        """
        given = [c for c in constraints if isinstance(c, PrimaryKeyConstraint) and _column_names(c)]
        if given:
            constraint: PrimaryKeyConstraint | None = given[0]
            names = _column_names(given[0])
        else:
            names = [column.name for column in columns if column.primary_key]
            table = next((getattr(c, "table", None) for c in columns if c.primary_key), None)
            constraint = table.primary_key if isinstance(table, sa.Table) else None
        if not names:
            return [], None
        hooked = self.hook("primary_key", constraint) if constraint is not None else None
        if hooked is not None:
            return names, hooked
        kwargs: Kwargs = []
        if constraint is not None and isinstance(constraint.name, str):
            kwargs.append(("name", name_arg(constraint.name, "op")))
        return names, call(self.prefixed("PrimaryKeyConstraint"), [repr(n) for n in names], kwargs)

    def table_constraints(
        self,
        table_name: str,
        columns: Sequence[Column[Any]],
        constraints: Sequence[Constraint],
        indexes: list[Index],
    ) -> list[Node]:
        """Foreign keys, then unique, then check constraints, each kind sorted by name.

        Foreign keys of columns that the given constraints do not carry are added, and so are
        ``unique=True``/``index=True`` of columns that belong to no table.
        """
        foreign: list[ForeignKeyConstraint | ForeignKey] = [
            c for c in constraints if isinstance(c, ForeignKeyConstraint)
        ]
        uniques = [c for c in constraints if isinstance(c, UniqueConstraint)]
        checks = [
            c
            for c in constraints
            if isinstance(c, CheckConstraint) and not getattr(c, "_type_bound", False)
        ]
        carried = {id(c) for c in foreign}
        for column in columns:
            for key in sorted(column.foreign_keys, key=lambda fk: fk.target_fullname):
                owner = key.constraint
                if owner is None:
                    foreign.append(key)
                elif id(owner) not in carried:
                    carried.add(id(owner))
                    foreign.append(owner)
            if isinstance(getattr(column, "table", None), sa.Table):
                continue
            if column.index:
                name = conv(f"ix_{table_name}_{column.name}")
                indexes.append(Index(name, column.name, unique=bool(column.unique)))
            elif column.unique and not any(_column_names(u) == [column.name] for u in uniques):
                uniques.append(UniqueConstraint(column.name))

        def by_name(item: Constraint | ForeignKey) -> tuple[str, list[str]]:
            # Table.constraints is a set: sort so that the same models render the same file.
            name = str(item.name) if isinstance(item.name, str) else ""
            if isinstance(item, ForeignKey):
                return name, [str(item.parent.name)]
            return name, _column_names(item)

        nodes = [self.foreign_key(fk) for fk in sorted(foreign, key=by_name)]
        nodes += [self.unique(uq) for uq in sorted(uniques, key=by_name)]
        nodes += [self.check(ck) for ck in sorted(checks, key=by_name)]
        return nodes

    def foreign_key(self, fk: ForeignKeyConstraint | ForeignKey) -> Node:
        hooked = self.hook("foreign_key", fk)
        if hooked is not None:
            return hooked
        if isinstance(fk, ForeignKey):
            local = [str(fk.parent.name)]
            remote = [fk.target_fullname]
        else:
            local = _column_names(fk)
            remote = [element.target_fullname for element in fk.elements]
        kwargs = literals(
            onupdate=fk.onupdate,
            ondelete=fk.ondelete,
            deferrable=fk.deferrable,
            initially=fk.initially,
            match=fk.match,
            use_alter=fk.use_alter or None,
        )
        if isinstance(fk.name, str):
            kwargs.insert(0, ("name", name_arg(fk.name, "op")))
        kwargs += self.keywords(fk.dialect_kwargs)
        args = [list_node(repr(c) for c in local), list_node(repr(c) for c in remote)]
        return call(self.prefixed("ForeignKeyConstraint"), args, kwargs)

    def unique(self, constraint: UniqueConstraint) -> Node:
        hooked = self.hook("unique", constraint)
        if hooked is not None:
            return hooked
        kwargs = self.constraint_options(constraint)
        args = [repr(name) for name in _column_names(constraint)]
        return call(self.prefixed("UniqueConstraint"), args, kwargs)

    def check(self, constraint: CheckConstraint) -> Node:
        hooked = self.hook("check", constraint)
        if hooked is not None:
            return hooked
        kwargs = self.constraint_options(constraint)
        condition = repr(self.sql(constraint.sqltext))
        return call(self.prefixed("CheckConstraint"), [condition], kwargs)

    def constraint_options(self, constraint: Constraint) -> Kwargs:
        kwargs: Kwargs = []
        if isinstance(constraint.name, str):
            kwargs.append(("name", name_arg(constraint.name, "op")))
        kwargs += literals(deferrable=constraint.deferrable, initially=constraint.initially)
        return kwargs + self.keywords(constraint.dialect_kwargs)

    def index_elements(self, index: Index) -> list[IndexColumn]:
        elements: list[IndexColumn] = []
        for expression in index.expressions:
            if isinstance(expression, str):
                elements.append(expression)
            elif isinstance(expression, Column):
                elements.append(str(expression.name))
            else:
                elements.append(sa.text(self.sql(expression)))
        return elements

    # -- columns ----------------------------------------------------------------------------

    def column(self, column: Column[Any], sole_pk: bool = False) -> Node:
        """``sa.Column(...)``: name, type, Computed/Identity, then the options that matter.

        Primary keys, foreign keys, ``unique`` and ``index`` are rendered as constraints and
        indexes of their own, never on the column.
        """
        hooked = self.hook("column", column)
        if hooked is not None:
            return hooked
        args: list[Node] = [repr(str(column.name)), self.render_type(column.type)]
        kwargs: Kwargs = []
        default = column.server_default
        if isinstance(default, Computed):
            args.append(self.computed(default))
        elif isinstance(default, Identity):
            args.append(self.identity(default))
        elif default is not None:
            rendered = self.server_default(default)
            if rendered is not None:
                kwargs.append(("server_default", rendered))
        if isinstance(column.autoincrement, bool) and column.autoincrement != (
            sole_pk and _integer(column) and not column.foreign_keys
        ):
            kwargs.append(("autoincrement", repr(column.autoincrement)))
        kwargs.append(("nullable", repr(bool(column.nullable))))
        if column.comment is not None:
            kwargs.append(("comment", repr(column.comment)))
        kwargs += self.keywords(column.dialect_kwargs)
        return call(self.prefixed("Column"), args, kwargs)

    def server_default(self, default: ServerDefault | DefaultClause) -> str | None:
        """``'text'`` for a string, ``sa.text('...')`` for SQL; None when there is nothing."""
        if default is None:
            return "None"
        hooked = self.hook("server_default", default)
        if hooked is not None:
            return hooked
        if isinstance(default, DefaultClause):
            return self.server_default(default.arg)  # type: ignore[arg-type]
        if isinstance(default, Identity):
            return self.identity(default)  # an identity added, changed or dropped
        if isinstance(default, FetchedValue):
            return None  # computed by the database in a way DDL does not state
        if isinstance(default, str):
            return repr(default)
        return f"{self.prefixed('text')}({self.sql(default)!r})"

    def computed(self, computed: Computed) -> str:
        hooked = self.hook("computed", computed)
        if hooked is not None:
            return hooked
        kwargs = literals(persisted=computed.persisted)
        return flat(call(self.prefixed("Computed"), [repr(self.sql(computed.sqltext))], kwargs))

    def identity(self, identity: Identity) -> str:
        hooked = self.hook("identity", identity)
        if hooked is not None:
            return hooked
        kwargs: Kwargs = [("always", "True")] if identity.always else []
        for option in (
            "on_null",
            "start",
            "increment",
            "minvalue",
            "maxvalue",
            "nominvalue",
            "nomaxvalue",
            "cycle",
            "cache",
            "order",
        ):
            value = getattr(identity, option, None)
            if value is not None:
                kwargs.append((option, repr(value)))
        return flat(call(self.prefixed("Identity"), (), kwargs))


def _column_names(constraint: Constraint | Index) -> list[str]:
    """The names of the columns a constraint covers, attached to a table or not."""
    if isinstance(constraint, Index):
        items: Iterable[Any] = constraint.expressions
    elif isinstance(constraint, ForeignKeyConstraint):
        return [str(key) for key in constraint.column_keys]
    else:
        # Attached to a table: its columns; not yet: the names it was made with.
        items = getattr(constraint, "columns", ()) or getattr(constraint, "_pending_colargs", ())
    return [item if isinstance(item, str) else str(getattr(item, "name", item)) for item in items]


def _integer(column: Column[Any]) -> bool:
    affinity = getattr(column.type, "_type_affinity", None)
    return isinstance(affinity, type) and issubclass(affinity, sa.Integer)
