"""Operations on constraints: unique, foreign key, check and primary key, and dropping one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.schema import Constraint
from sqlalchemy.sql.elements import ColumnElement, TextClause
from sqlalchemy.types import NULLTYPE

from ...errors import IrreversibleOperation
from .common import ConstraintType, assert_never, bare_table, describe, name_columns

__all__ = [
    "CreateCheckConstraintOp",
    "CreateConstraintOp",
    "CreateForeignKeyOp",
    "CreatePrimaryKeyOp",
    "CreateUniqueConstraintOp",
    "DropConstraintOp",
]


def _missing_name(call: str, table_name: str) -> IrreversibleOperation:
    return IrreversibleOperation(
        describe(call, None, table_name), "the constraint has no name to drop it by"
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
        table = bare_table(self.table_name, self.schema, self.columns)
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
            *name_columns(self.local_cols),
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
                *name_columns(self.remote_cols),
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
        table = bare_table(self.table_name, self.schema)
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
        table = bare_table(self.table_name, self.schema, self.columns)
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
        table = bare_table(self.table_name, self.schema)
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
                describe("drop_constraint", self.constraint_name, self.table_name),
                "it does not record the constraint's definition",
            )
        return self.original
