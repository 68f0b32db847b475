"""How a SQLite table rebuild converts stored values when a column's type changes.

SQLite keeps whatever a column is given; SQLAlchemy reads it back in the form its type
writes: a DATE as ``'2024-01-02'``, a DATETIME as ``'2024-01-02 03:04:05.000000'``, a TIME
as ``'03:04:05.000000'``, a Boolean as 0 or 1, numbers as numbers, JSON as its text. When a
rebuild changes a column from one kind to another, :func:`copy_expression` gives the SQL
that turns each stored value into the new form (``date(col)`` for a DATETIME that becomes a
DATE, ``CAST(col AS INTEGER)`` for digits held as text...), and :func:`unconvertible` reads
the rows first and finds the values the new type could not read after the copy, so that the
migration stops with their count instead of leaving them unreadable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    JSON,
    REAL,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Time,
    case,
    cast,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["copy_expression", "kind_of", "shown", "unconvertible"]

_KINDS: tuple[tuple[str, type[TypeEngine[Any]]], ...] = (
    ("datetime", DateTime),
    ("date", Date),
    ("time", Time),
    ("boolean", Boolean),
    ("float", Float),
    ("numeric", Numeric),
    ("integer", Integer),
    ("json", JSON),
    ("text", String),
)
_TRUE = ("1", "t", "true", "y", "yes", "on")
_FALSE = ("0", "f", "false", "n", "no", "off")
#: The kinds whose stored form SQLAlchemy reads back strictly: their values are checked.
CHECKED = frozenset({"datetime", "date", "time", "boolean", "float", "numeric", "integer", "json"})


def kind_of(type_: TypeEngine[Any] | None) -> str | None:
    """What a type stores, in the words above; ``None`` for other types and for date and
    time types with a storage format of their own (their text is not SQLAlchemy's)."""
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance  # what the decorator stores
    if type_ is None:
        return None
    if "_storage_format" in vars(type_) or "_reg" in vars(type_):
        return None
    for kind, cls in _KINDS:
        if isinstance(type_, cls):
            return kind
    return None


def copy_expression(
    value: ColumnElement[Any], old: TypeEngine[Any], new: TypeEngine[Any]
) -> ColumnElement[Any] | None:
    """The SQL that turns a stored value of type ``old`` into the form ``new`` reads;
    ``None`` when no conversion of its own is needed (a CAST may still be)."""
    source, target = kind_of(old), kind_of(new)
    if source == target or target is None:
        return None
    if target == "date" and source == "datetime":
        return func.date(value)
    if target == "datetime" and source == "date":
        return func.date(value).concat(" 00:00:00.000000")
    if target == "time" and source == "datetime":
        return func.substr(value, 12)
    if target == "boolean" and source in ("integer", "float", "numeric"):
        return case((value.is_(None), null()), (value == 0, literal(0)), else_=literal(1))
    if target == "boolean" and source == "text":
        word = func.lower(func.trim(value))
        return case((word.in_(_TRUE), literal(1)), (word.in_(_FALSE), literal(0)), else_=null())
    if target == "integer" and source in ("text", "float", "numeric"):
        return cast(value, Integer())
    if target == "float" and source == "text":
        return cast(value, REAL())
    if target == "text" and source == "boolean":
        # The words PostgreSQL writes for a boolean as text, and reads back.
        return case((value.is_(None), null()), (value == 0, literal("false")), else_="true")
    return None


def _number_parser(kind: str) -> Callable[[str], object] | None:
    return {"integer": int, "float": float, "numeric": Decimal}.get(kind)


def _readable(kind: str, value: Any) -> bool:
    # What the new type's reader returns must be of its kind.
    match kind:
        case "date":
            return isinstance(value, date) and not isinstance(value, datetime)
        case "datetime":
            return isinstance(value, datetime)
        case "time":
            return isinstance(value, time)
        case "boolean":
            return value in (0, 1)
        case "integer":
            return isinstance(value, int)
        case "float" | "numeric":
            return isinstance(value, (int, float, Decimal))
    return True


def unconvertible(
    connection: Connection,
    value: ColumnElement[Any],
    copied: ColumnElement[Any],
    new: TypeEngine[Any],
) -> tuple[int, list[Any]]:
    """How many stored values (``value``, a table's column) the new type cannot read once
    ``copied`` (the copy's expression of them) has converted them, and up to three of them."""
    target = kind_of(new)
    if target not in CHECKED:
        return 0, []
    dialect = connection.dialect
    reader = new.dialect_impl(dialect).result_processor(dialect, None)
    parse = _number_parser(target)
    query = select(value, copied)
    bad: list[Any] = []
    count = 0
    for stored, converted in connection.execute(query.where(value.is_not(None))):
        if not _converts(target, stored, converted, reader, parse):
            count += 1
            if len(bad) < 3:
                bad.append(stored)
    return count, bad


def _converts(
    target: str,
    stored: Any,
    converted: Any,
    reader: Callable[[Any], Any] | None,
    parse: Callable[[str], object] | None,
) -> bool:
    if converted is None:
        return False
    if parse is not None and isinstance(stored, str):
        try:
            parse(stored.strip())
        except (ValueError, InvalidOperation):
            return False
    if target == "json" and isinstance(converted, str):
        try:
            json.loads(converted)
        except ValueError:
            return False
        return True
    try:
        read = reader(converted) if reader is not None else converted
    except Exception:  # noqa: BLE001  (whatever a type's reader raises, it cannot read it)
        return False
    return _readable(target, read)


def shown(values: list[Any]) -> str:
    """A few values for a message, each cut to a readable length."""
    parts = []
    for value in values:
        text = repr(value)
        parts.append(text if len(text) <= 40 else text[:37] + "...")
    return ", ".join(parts)
