"""Operation objects: what a migration asks the database to do, as plain data.

Each operation of the ``op`` API is one frozen dataclass here. The same objects are executed
(:meth:`Operations.invoke <flask_migrate_lite.engine.operations.api.Operations.invoke>`),
reversed for a downgrade (``reverse()``), and, later, produced by autogenerate and rendered to
Python. :data:`MigrateOp` is the closed union of them all, so a ``match`` over it is checked
for exhaustiveness by mypy.

Names and keyword arguments follow Alembic's: ``modify_*`` is the new state of a column and
``existing_*`` what it was, where ``False`` for a server default or a comment means "not
given" (``None`` is a real value there: no default, no comment).

The ``to_*`` methods build the SQLAlchemy schema objects (tables holding just the columns an
operation names) that the DDL layer compiles.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn, TypeAlias

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.schema import Constraint, SchemaItem
from sqlalchemy.sql.elements import ColumnElement, TextClause
from sqlalchemy.sql.expression import Executable, TableClause
from sqlalchemy.types import NULLTYPE, TypeEngine

from ..ddl.base import ServerDefault
from ..errors import IrreversibleOperation

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover - exercised on Python 3.10 only

    def assert_never(value: NoReturn) -> NoReturn:
        """Fail loudly if a ``match`` over a closed union missed a case."""
        raise AssertionError(f"Unhandled operation: {value!r}")


__all__ = [
    "AddColumnOp",
    "AlterColumnOp",
    "BulkInsertOp",
    "ConstraintType",
    "CreateCheckConstraintOp",
    "CreateConstraintOp",
    "CreateForeignKeyOp",
    "CreateIndexOp",
    "CreatePrimaryKeyOp",
    "CreateTableCommentOp",
    "CreateTableOp",
    "CreateUniqueConstraintOp",
    "DropColumnOp",
    "DropConstraintOp",
    "DropIndexOp",
    "DropTableCommentOp",
    "DropTableOp",
    "ExecuteSQLOp",
    "IndexColumn",
    "MigrateOp",
    "RenameTableOp",
    "ServerDefault",
    "assert_never",
]

#: An index element: a column name, or an expression such as ``text("lower(name)")``.
IndexColumn: TypeAlias = str | TextClause | ColumnElement[Any]
#: The ``type_`` of :meth:`Operations.drop_constraint`, as Alembic spells it.
ConstraintType: TypeAlias = Literal["foreignkey", "primary", "unique", "check"]


def _name_columns(names: Sequence[str]) -> list[Column[Any]]:
    # Operations name columns only; a type-less column is enough to compile references.
    return [Column(name, NULLTYPE) for name in names]


def _bare_table(name: str, schema: str | None, columns: Sequence[str] = (), **kw: Any) -> Table:
    return Table(name, MetaData(), *_name_columns(columns), schema=schema, **kw)


def _table_from_items(
    name: str, schema: str | None, items: Sequence[SchemaItem], kw: Mapping[str, Any]
) -> Table:
    # Column objects belong to one Table. When this op (or its reverse) was turned into a
    # table before, copy that table instead of re-attaching the same columns.
    for item in items:
        if isinstance(item, Column) and isinstance(getattr(item, "table", None), Table):
            return item.table.to_metadata(MetaData())
    table = Table(name, MetaData(), *items, schema=schema, **dict(kw))
    _add_referents(table)
    return table


def _add_referents(table: Table) -> None:
    """Put stand-ins for the tables ``table``'s foreign keys point at into its MetaData.

    SQLAlchemy resolves a ``ForeignKey("user.id")`` through the MetaData when it compiles the
    REFERENCES clause; a migration names tables that exist only in the database.
    """
    metadata = table.metadata
    for constraint in table.foreign_key_constraints:
        for element in constraint.elements:
            *qualifier, table_name, column_name = element.target_fullname.split(".")
            schema = ".".join(qualifier) or None
            key = f"{schema}.{table_name}" if schema else table_name
            referent = metadata.tables.get(key)
            if referent is None:
                referent = Table(table_name, metadata, schema=schema)
            if column_name not in referent.c:
                referent.append_column(Column(column_name, NULLTYPE))


def _describe(call: str, *args: object) -> str:
    return f"op.{call}({', '.join(repr(a) for a in args)})"


# --- tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateTableOp:
    """``op.create_table``: a new table from its columns and constraints."""

    table_name: str
    columns: tuple[SchemaItem, ...]
    schema: str | None = None
    if_not_exists: bool | None = None
    #: Table keyword arguments: ``comment``, ``info``, dialect options (``mysql_engine``...).
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_table(self) -> Table:
        """The :class:`~sqlalchemy.Table` this operation creates."""
        return _table_from_items(self.table_name, self.schema, self.columns, self.kw)

    def reverse(self) -> DropTableOp:
        """Dropping the table, remembering its definition so that it can be made again."""
        return DropTableOp(self.table_name, self.schema, columns=self.columns, kw=self.kw)


@dataclass(frozen=True)
class DropTableOp:
    """``op.drop_table``; ``columns`` records the definition when it is known."""

    table_name: str
    schema: str | None = None
    if_exists: bool | None = None
    columns: tuple[SchemaItem, ...] = ()
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_table(self) -> Table:
        """The table being dropped (with its columns when they are recorded)."""
        return _table_from_items(self.table_name, self.schema, self.columns, self.kw)

    def reverse(self) -> CreateTableOp:
        """Creating the table again; needs the recorded columns."""
        if not self.columns:
            raise IrreversibleOperation(
                _describe("drop_table", self.table_name), "it does not record the table's columns"
            )
        return CreateTableOp(self.table_name, self.columns, self.schema, kw=self.kw)


@dataclass(frozen=True)
class RenameTableOp:
    """``op.rename_table``."""

    old_table_name: str
    new_table_name: str
    schema: str | None = None

    def reverse(self) -> RenameTableOp:
        """Renaming it back."""
        return RenameTableOp(self.new_table_name, self.old_table_name, self.schema)


@dataclass(frozen=True)
class CreateTableCommentOp:
    """``op.create_table_comment``: set (or replace) a table's comment."""

    table_name: str
    comment: str
    existing_comment: str | None = None
    schema: str | None = None

    def to_table(self) -> Table:
        """A table carrying the new comment."""
        return _bare_table(self.table_name, self.schema, comment=self.comment)

    def reverse(self) -> CreateTableCommentOp | DropTableCommentOp:
        """Restoring ``existing_comment``, or dropping the comment when there was none."""
        if self.existing_comment is None:
            return DropTableCommentOp(self.table_name, self.comment, self.schema)
        return CreateTableCommentOp(
            self.table_name, self.existing_comment, self.comment, self.schema
        )


@dataclass(frozen=True)
class DropTableCommentOp:
    """``op.drop_table_comment``."""

    table_name: str
    existing_comment: str | None = None
    schema: str | None = None

    def to_table(self) -> Table:
        """The table whose comment is removed."""
        return _bare_table(self.table_name, self.schema)

    def reverse(self) -> CreateTableCommentOp:
        """Setting the comment again; needs ``existing_comment``."""
        if self.existing_comment is None:
            raise IrreversibleOperation(
                _describe("drop_table_comment", self.table_name),
                "pass existing_comment= so that the comment can be restored",
            )
        return CreateTableCommentOp(self.table_name, self.existing_comment, None, self.schema)


# --- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddColumnOp:
    """``op.add_column``."""

    table_name: str
    column: Column[Any]
    schema: str | None = None

    def to_column(self) -> Column[Any]:
        """The column, attached to a table of that name (a copy if it was attached before)."""
        column = self.column
        if isinstance(getattr(column, "table", None), Table):
            column = column._copy()
        _add_referents(Table(self.table_name, MetaData(), column, schema=self.schema))
        return column

    def reverse(self) -> DropColumnOp:
        """Dropping the column, remembering its definition."""
        return DropColumnOp(
            self.table_name, self.column.name, self.schema, existing_column=self.column
        )


@dataclass(frozen=True)
class DropColumnOp:
    """``op.drop_column``; ``existing_column`` records the definition when it is known."""

    table_name: str
    column_name: str
    schema: str | None = None
    existing_column: Column[Any] | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)

    def reverse(self) -> AddColumnOp:
        """Adding the column back; needs ``existing_column``."""
        if self.existing_column is None:
            raise IrreversibleOperation(
                _describe("drop_column", self.table_name, self.column_name),
                "it does not record the column's definition",
            )
        return AddColumnOp(self.table_name, self.existing_column, self.schema)


@dataclass(frozen=True)
class AlterColumnOp:
    """``op.alter_column``: change a column's type, nullability, default, comment or name.

    A ``modify_*`` of ``None`` (``False`` for the default and the comment) means "unchanged".
    """

    table_name: str
    column_name: str
    schema: str | None = None
    modify_type: TypeEngine[Any] | None = None
    modify_nullable: bool | None = None
    modify_server_default: ServerDefault | Literal[False] = False
    modify_comment: str | None | Literal[False] = False
    modify_name: str | None = None
    existing_type: TypeEngine[Any] | None = None
    existing_nullable: bool | None = None
    existing_server_default: ServerDefault | Literal[False] = False
    existing_comment: str | None = None
    #: Dialect options such as ``postgresql_using`` or MySQL's ``autoincrement``.
    kw: Mapping[str, Any] = field(default_factory=dict)

    def has_changes(self) -> bool:
        """Whether the operation changes anything at all."""
        return (
            self.modify_type is not None
            or self.modify_nullable is not None
            or self.modify_server_default is not False
            or self.modify_comment is not False
            or self.modify_name is not None
        )

    def reverse(self) -> AlterColumnOp:
        """The same column changed back: ``modify_*`` and ``existing_*`` swap places.

        Every changed aspect needs its ``existing_*`` value, or the reverse would guess.
        """
        missing = [
            option
            for option, changed, known in (
                ("existing_type", self.modify_type is not None, self.existing_type is not None),
                (
                    "existing_nullable",
                    self.modify_nullable is not None,
                    self.existing_nullable is not None,
                ),
                (
                    "existing_server_default",
                    self.modify_server_default is not False,
                    self.existing_server_default is not False,
                ),
            )
            if changed and not known
        ]
        if missing:
            raise IrreversibleOperation(
                _describe("alter_column", self.table_name, self.column_name),
                f"pass {', '.join(missing)} so that the old state is known",
            )
        new_comment: str | None | Literal[False] = (
            self.existing_comment if self.modify_comment is not False else False
        )
        now_comment = (
            self.modify_comment if self.modify_comment is not False else self.existing_comment
        )
        return AlterColumnOp(
            self.table_name,
            self.modify_name or self.column_name,
            self.schema,
            modify_type=self.existing_type if self.modify_type is not None else None,
            modify_nullable=(self.existing_nullable if self.modify_nullable is not None else None),
            modify_server_default=(
                self.existing_server_default if self.modify_server_default is not False else False
            ),
            modify_comment=new_comment,
            modify_name=self.column_name if self.modify_name is not None else None,
            existing_type=self.modify_type or self.existing_type,
            existing_nullable=(
                self.modify_nullable if self.modify_nullable is not None else self.existing_nullable
            ),
            existing_server_default=(
                self.modify_server_default
                if self.modify_server_default is not False
                else self.existing_server_default
            ),
            existing_comment=now_comment,
            kw=self.kw,
        )


# --- indexes -------------------------------------------------------------------------------


def _build_index(
    name: str | None,
    table_name: str | None,
    columns: Sequence[IndexColumn],
    schema: str | None,
    unique: bool,
    kw: Mapping[str, Any],
) -> Index:
    if table_name is None:
        return Index(name, unique=unique, **dict(kw))
    names = [c for c in columns if isinstance(c, str)]
    table = _bare_table(table_name, schema, list(dict.fromkeys(names)))
    elements = [table.c[c] if isinstance(c, str) else c for c in columns]
    # `_table` ties expression-only indexes (text("lower(x)")) to their table.
    return Index(name, *elements, unique=unique, _table=table, **dict(kw))


@dataclass(frozen=True)
class CreateIndexOp:
    """``op.create_index``."""

    index_name: str | None
    table_name: str
    columns: tuple[IndexColumn, ...]
    schema: str | None = None
    unique: bool = False
    if_not_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_index(self) -> Index:
        """The :class:`~sqlalchemy.Index`, bound to a table of that name."""
        return _build_index(
            self.index_name, self.table_name, self.columns, self.schema, self.unique, self.kw
        )

    def reverse(self) -> DropIndexOp:
        """Dropping the index, remembering its definition."""
        if self.index_name is None:
            raise IrreversibleOperation(
                _describe("create_index", None, self.table_name), "the index has no name"
            )
        return DropIndexOp(
            self.index_name,
            self.table_name,
            self.schema,
            columns=self.columns,
            unique=self.unique,
            kw=self.kw,
        )


@dataclass(frozen=True)
class DropIndexOp:
    """``op.drop_index``; ``columns``/``unique`` record the definition when known."""

    index_name: str
    table_name: str | None = None
    schema: str | None = None
    if_exists: bool | None = None
    columns: tuple[IndexColumn, ...] = ()
    unique: bool = False
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_index(self) -> Index:
        """The index being dropped (bound to its table when ``table_name`` is known)."""
        return _build_index(
            self.index_name, self.table_name, self.columns, self.schema, self.unique, self.kw
        )

    def reverse(self) -> CreateIndexOp:
        """Creating the index again; needs the table name and the columns."""
        if self.table_name is None or not self.columns:
            raise IrreversibleOperation(
                _describe("drop_index", self.index_name),
                "it does not record the index's table and columns",
            )
        return CreateIndexOp(
            self.index_name,
            self.table_name,
            self.columns,
            self.schema,
            unique=self.unique,
            kw=self.kw,
        )


# --- constraints ---------------------------------------------------------------------------


def _missing_name(call: str, table_name: str) -> IrreversibleOperation:
    return IrreversibleOperation(
        _describe(call, None, table_name), "the constraint has no name to drop it by"
    )


@dataclass(frozen=True)
class CreateUniqueConstraintOp:
    """``op.create_unique_constraint``."""

    constraint_name: str | None
    table_name: str
    columns: tuple[str, ...]
    schema: str | None = None
    #: ``deferrable``, ``initially`` and dialect options.
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_constraint(self) -> UniqueConstraint:
        """The constraint, attached to a table of that name."""
        table = _bare_table(self.table_name, self.schema, self.columns)
        constraint = UniqueConstraint(*self.columns, name=self.constraint_name, **dict(self.kw))
        table.append_constraint(constraint)
        return constraint

    def reverse(self) -> DropConstraintOp:
        """Dropping the constraint, remembering its definition."""
        if self.constraint_name is None:
            raise _missing_name("create_unique_constraint", self.table_name)
        return DropConstraintOp(
            self.constraint_name, self.table_name, "unique", self.schema, original=self
        )


@dataclass(frozen=True)
class CreateForeignKeyOp:
    """``op.create_foreign_key``."""

    constraint_name: str | None
    source_table: str
    referent_table: str
    local_cols: tuple[str, ...]
    remote_cols: tuple[str, ...]
    onupdate: str | None = None
    ondelete: str | None = None
    deferrable: bool | None = None
    initially: str | None = None
    match: str | None = None
    source_schema: str | None = None
    referent_schema: str | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_constraint(self) -> ForeignKeyConstraint:
        """The constraint, on a source table that shares a MetaData with its referent."""
        metadata = MetaData()
        source = Table(
            self.source_table,
            metadata,
            *_name_columns(self.local_cols),
            schema=self.source_schema,
        )
        if (self.referent_table, self.referent_schema) == (
            self.source_table,
            self.source_schema,
        ):
            referent = source  # self-referencing: one table holds both column sets
            for name in self.remote_cols:
                if name not in referent.c:
                    referent.append_column(Column(name, NULLTYPE))
        else:
            referent = Table(
                self.referent_table,
                metadata,
                *_name_columns(self.remote_cols),
                schema=self.referent_schema,
            )
        constraint = ForeignKeyConstraint(
            list(self.local_cols),
            [referent.c[name] for name in self.remote_cols],
            name=self.constraint_name,
            onupdate=self.onupdate,
            ondelete=self.ondelete,
            deferrable=self.deferrable,
            initially=self.initially,
            match=self.match,
            **dict(self.kw),
        )
        source.append_constraint(constraint)
        return constraint

    def reverse(self) -> DropConstraintOp:
        """Dropping the foreign key, remembering its definition."""
        if self.constraint_name is None:
            raise _missing_name("create_foreign_key", self.source_table)
        return DropConstraintOp(
            self.constraint_name,
            self.source_table,
            "foreignkey",
            self.source_schema,
            original=self,
        )


@dataclass(frozen=True)
class CreateCheckConstraintOp:
    """``op.create_check_constraint``."""

    constraint_name: str | None
    table_name: str
    condition: str | TextClause | ColumnElement[Any]
    schema: str | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)

    def to_constraint(self) -> CheckConstraint:
        """The constraint, attached to a table of that name."""
        table = _bare_table(self.table_name, self.schema)
        constraint = CheckConstraint(self.condition, name=self.constraint_name, **dict(self.kw))
        table.append_constraint(constraint)
        return constraint

    def reverse(self) -> DropConstraintOp:
        """Dropping the check constraint, remembering its definition."""
        if self.constraint_name is None:
            raise _missing_name("create_check_constraint", self.table_name)
        return DropConstraintOp(
            self.constraint_name, self.table_name, "check", self.schema, original=self
        )


@dataclass(frozen=True)
class CreatePrimaryKeyOp:
    """``op.create_primary_key``."""

    constraint_name: str | None
    table_name: str
    columns: tuple[str, ...]
    schema: str | None = None

    def to_constraint(self) -> PrimaryKeyConstraint:
        """The primary key, attached to a table of that name."""
        table = _bare_table(self.table_name, self.schema, self.columns)
        constraint = PrimaryKeyConstraint(*self.columns, name=self.constraint_name)
        table.append_constraint(constraint)
        return constraint

    def reverse(self) -> DropConstraintOp:
        """Dropping the primary key, remembering its definition."""
        if self.constraint_name is None:
            raise _missing_name("create_primary_key", self.table_name)
        return DropConstraintOp(
            self.constraint_name, self.table_name, "primary", self.schema, original=self
        )


#: The operations that create a constraint, which :class:`DropConstraintOp` can record.
CreateConstraintOp: TypeAlias = (
    CreateUniqueConstraintOp | CreateForeignKeyOp | CreateCheckConstraintOp | CreatePrimaryKeyOp
)


@dataclass(frozen=True)
class DropConstraintOp:
    """``op.drop_constraint``; ``original`` records the definition when it is known."""

    constraint_name: str
    table_name: str
    type_: ConstraintType | None = None
    schema: str | None = None
    original: CreateConstraintOp | None = None

    def to_constraint(self) -> Constraint:
        """A named constraint of the right kind (the kind decides MySQL's syntax)."""
        table = _bare_table(self.table_name, self.schema)
        constraint: Constraint
        match self.type_:
            case "foreignkey":
                constraint = ForeignKeyConstraint([], [], name=self.constraint_name)
            case "primary":
                constraint = PrimaryKeyConstraint(name=self.constraint_name)
            case "unique":
                constraint = UniqueConstraint(name=self.constraint_name)
            case "check":
                constraint = CheckConstraint("", name=self.constraint_name)
            case None:
                constraint = Constraint(name=self.constraint_name)
            case _:
                assert_never(self.type_)
        table.append_constraint(constraint)
        return constraint

    def reverse(self) -> CreateConstraintOp:
        """Creating the constraint again; needs the recorded definition."""
        if self.original is None:
            raise IrreversibleOperation(
                _describe("drop_constraint", self.constraint_name, self.table_name),
                "it does not record the constraint's definition",
            )
        return self.original


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExecuteSQLOp:
    """``op.execute``: SQL text or a statement (``update()``, ``insert()``, ...)."""

    sqltext: str | Executable
    execution_options: Mapping[str, Any] | None = None

    def reverse(self) -> NoReturn:
        """Arbitrary SQL has no known reverse."""
        raise IrreversibleOperation("op.execute()", "arbitrary SQL has no known reverse")


@dataclass(frozen=True)
class BulkInsertOp:
    """``op.bulk_insert``: rows (dictionaries keyed by column name) into a table."""

    table: Table | TableClause
    rows: tuple[Mapping[str, Any], ...]
    multiinsert: bool = True

    def reverse(self) -> NoReturn:
        """Inserted rows cannot be told apart from others, so there is no reverse."""
        raise IrreversibleOperation(
            f"op.bulk_insert({self.table.name!r}, ...)",
            "the inserted rows cannot be told apart from the others",
        )


#: Every operation, as a closed union: ``match`` statements over it are checked by mypy.
MigrateOp: TypeAlias = (
    CreateTableOp
    | DropTableOp
    | RenameTableOp
    | AddColumnOp
    | DropColumnOp
    | AlterColumnOp
    | CreateIndexOp
    | DropIndexOp
    | CreateUniqueConstraintOp
    | CreateForeignKeyOp
    | CreateCheckConstraintOp
    | CreatePrimaryKeyOp
    | DropConstraintOp
    | CreateTableCommentOp
    | DropTableCommentOp
    | ExecuteSQLOp
    | BulkInsertOp
)
