"""The parts of a table in batch mode: columns, keys, constraints and indexes by name.

A table being rebuilt (:mod:`.batch_model`) is held as these specs rather than SQLAlchemy
objects, so that a column can be renamed or dropped everywhere it is named, including the
SQL text of CHECK constraints and expression indexes (:func:`sql_mentions`,
:func:`sql_rename`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    MetaData,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.schema import Constraint
from sqlalchemy.sql.elements import ClauseElement, TextClause, conv
from sqlalchemy.sql.visitors import iterate
from sqlalchemy.types import NULLTYPE, TypeEngine

__all__ = [
    "CheckSpec",
    "ColumnSpec",
    "ForeignKeySpec",
    "IndexSpec",
    "UniqueSpec",
    "add_referent_tables",
    "bare_column",
    "final_name",
    "spec_of",
    "sql_mentions",
    "sql_rename",
    "type_bound",
]


# --- SQL text helpers -------------------------------------------------------------------


def _name_pattern(name: str) -> re.Pattern[str]:
    # String literals are matched first (and kept) so that 'name' inside quotes is not a
    # reference; then the bare or quoted identifier.
    word = re.escape(name)
    return re.compile(
        rf"('(?:[^']|'')*')|(\"{word}\"|`{word}`|\[{word}\]|(?<![\w$.]){word}(?![\w$]))",
        re.IGNORECASE,
    )


def sql_mentions(sql: str, name: str) -> bool:
    """Whether the SQL text ``sql`` refers to the identifier ``name`` (outside literals)."""
    return any(match.group(2) for match in _name_pattern(name).finditer(sql))


def sql_rename(sql: str, old: str, new: str) -> str:
    """``sql`` with references to the identifier ``old`` changed to ``new`` (quoted)."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        return '"' + new.replace('"', '""') + '"'

    return _name_pattern(old).sub(replace, sql)


# --- the parts of a table ----------------------------------------------------------------


@dataclass
class ColumnSpec:
    """A column of the new table; ``source`` is its name in the old table (None: added)."""

    column: Column[Any]
    source: str | None
    source_type: TypeEngine[Any] | None = None


@dataclass
class ForeignKeySpec:
    """A foreign key: local column names and ``[schema.]table.column`` targets."""

    name: str | None
    columns: list[str]
    targets: list[str]
    options: dict[str, Any] = field(default_factory=dict)

    def build(self) -> ForeignKeyConstraint:
        """The SQLAlchemy constraint (targets as strings, resolved through the MetaData)."""
        return ForeignKeyConstraint(
            list(self.columns), list(self.targets), name=final_name(self.name), **self.options
        )


@dataclass
class UniqueSpec:
    """A UNIQUE constraint."""

    name: str | None
    columns: list[str]
    options: dict[str, Any] = field(default_factory=dict)

    def build(self) -> UniqueConstraint:
        """The SQLAlchemy constraint."""
        return UniqueConstraint(*self.columns, name=final_name(self.name), **self.options)


@dataclass
class CheckSpec:
    """A CHECK constraint; ``sqltext`` is SQL text or an expression."""

    name: str | None
    sqltext: str | ClauseElement
    options: dict[str, Any] = field(default_factory=dict)

    def build(self) -> CheckConstraint:
        """The SQLAlchemy constraint."""
        condition: Any = text(self.sqltext) if isinstance(self.sqltext, str) else self.sqltext
        return CheckConstraint(condition, name=final_name(self.name), **self.options)

    def mentions(self, name: str) -> bool:
        """Whether the condition refers to the column ``name``."""
        if isinstance(self.sqltext, str):
            return sql_mentions(self.sqltext, name)
        return any(col.name == name for col in _columns_in(self.sqltext))


@dataclass
class IndexSpec:
    """An index on column names and/or expressions; ``sql`` is set for indexes taken
    verbatim from ``sqlite_master`` (expression indexes SQLAlchemy cannot reflect)."""

    name: str | None
    elements: list[str | ClauseElement]
    unique: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    sql: str | None = None

    def mentions(self, name: str) -> bool:
        """Whether the index uses the column ``name``."""
        if self.sql is not None:
            return sql_mentions(self.sql.split("(", 1)[-1], name)
        for element in self.elements:
            if isinstance(element, str):
                if element == name:
                    return True
            elif isinstance(element, TextClause):
                if sql_mentions(element.text, name):
                    return True
            elif any(col.name == name for col in _columns_in(element)):
                return True
        return False


def final_name(name: str | None) -> str | None:
    """The name marked final (``conv()``), so that no naming convention rewrites it."""
    return None if name is None else conv(name)


def _columns_in(element: ClauseElement) -> list[Any]:
    return [item for item in iterate(element) if hasattr(item, "name") and hasattr(item, "table")]


def _constraint_options(constraint: Constraint) -> dict[str, Any]:
    options: dict[str, Any] = dict(constraint.dialect_kwargs)
    for key in ("deferrable", "initially"):
        value = getattr(constraint, key, None)
        if value is not None:
            options[key] = value
    return options


def spec_of(constraint: Constraint) -> ForeignKeySpec | UniqueSpec | CheckSpec | None:
    """The spec of a foreign key, unique or check constraint (None for other kinds)."""
    name = None if constraint.name is None else str(constraint.name)
    if isinstance(constraint, ForeignKeyConstraint):
        options = _constraint_options(constraint)
        for key in ("onupdate", "ondelete", "match", "use_alter"):
            value = getattr(constraint, key, None)
            if value:
                options[key] = value
        return ForeignKeySpec(
            name,
            [element.parent.name for element in constraint.elements],
            [element.target_fullname for element in constraint.elements],
            options,
        )
    if isinstance(constraint, UniqueConstraint):
        return UniqueSpec(
            name, [col.name for col in constraint.columns], _constraint_options(constraint)
        )
    if isinstance(constraint, CheckConstraint):
        condition = constraint.sqltext
        sqltext: str | ClauseElement = (
            condition.text if isinstance(condition, TextClause) else condition
        )
        return CheckSpec(name, sqltext, _constraint_options(constraint))
    return None


def type_bound(constraint: Constraint) -> bool:
    """Whether a CHECK constraint was made by a Boolean/Enum type, which brings it back
    itself (copying it as well would double it)."""
    return bool(getattr(constraint, "_type_bound", False))


def bare_column(column: Column[Any]) -> Column[Any]:
    """A detached copy of ``column`` without key, uniqueness, index or constraints, which
    the model keeps separately."""
    copy = column._copy()
    copy.primary_key = False
    copy.unique = None
    copy.index = None
    copy.constraints = set()
    copy.foreign_keys = set()
    return copy


def add_referent_tables(metadata: MetaData, specs: Sequence[ForeignKeySpec]) -> None:
    """Stand-in tables for foreign key targets, so that REFERENCES can be compiled."""
    for spec in specs:
        for target in spec.targets:
            *qualifier, table_name, column_name = target.split(".")
            schema = ".".join(qualifier) or None
            key = f"{schema}.{table_name}" if schema else table_name
            referent = metadata.tables.get(key)
            if referent is None:
                referent = Table(table_name, metadata, schema=schema)
            if column_name not in referent.c:
                referent.append_column(Column(column_name, NULLTYPE))
