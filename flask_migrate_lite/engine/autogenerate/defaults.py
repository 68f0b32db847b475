"""Server defaults, normalised per dialect so that comparing them can be trusted.

The database gives back a default in its own spelling (PostgreSQL adds casts such as
``'x'::character varying``, SQLite keeps the parentheses it was written with, MariaDB
lower-cases functions); the model's default is compiled for the dialect and both are
reduced to one canonical text before comparison.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Column, text
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import DefaultClause, FetchedValue
from sqlalchemy.sql.elements import TextClause

from ..ddl.compare_rules import CompareRules, outside_literals, without_parentheses

__all__ = ["model_default_text", "normalise_default"]

_LITERAL = re.compile(r"'(?:[^']|'')*'")
# Spellings of "now" inside a larger expression (MySQL's ON UPDATE clause, arithmetic).
_NOW_TOKEN = re.compile(
    r"\b(?:now\(\)|current_timestamp(?:\(\))?|localtimestamp(?:\(\))?)", re.IGNORECASE
)
_NOW = {
    "now()",
    "current_timestamp",
    "current_timestamp()",
    "localtimestamp",
    "localtimestamp()",
    "transaction_timestamp()",
}
_TRUE = {"true", "1", "'1'", "'t'", "'true'"}
_FALSE = {"false", "0", "'0'", "'f'", "'false'"}


def model_default_text(column: Column[Any], dialect: Dialect) -> str | None:
    """The SQL text of the model column's server default (``None`` without one)."""
    default = column.server_default
    if default is None or not isinstance(default, DefaultClause):
        return None
    arg = default.arg
    if isinstance(arg, str):
        return "'" + arg.replace("'", "''") + "'"
    if isinstance(arg, TextClause):
        return arg.text
    compiled = arg.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)


def normalise_default(
    value: str | None, rules: CompareRules, *, boolean: bool = False
) -> str | None:
    """One canonical spelling of a default's SQL text."""
    if value is None:
        return None
    result = rules.default_sql(without_parentheses(value.strip()))
    lowered = result.lower()
    if lowered in _NOW:
        return "current_timestamp"
    if boolean:
        if lowered in _TRUE:
            return "true"
        if lowered in _FALSE:
            return "false"
    if lowered == "null":
        return None
    # A number compares equal quoted or not ('0' for an INTEGER is 0 to every database), and
    # with or without trailing zeros (MySQL gives 1.50 back for a DECIMAL(6,2) default 1.5).
    number = re.fullmatch(r"'?(-?\d+(\.\d+)?)'?", result)
    if number:
        digits = number[1]
        return digits.rstrip("0").rstrip(".") if "." in digits else digits
    if _LITERAL.fullmatch(result):
        return result
    # Function calls and expressions compare without case and spacing differences (in the
    # SQL, not in the string literals it holds).
    return outside_literals(
        result, lambda part: _NOW_TOKEN.sub("current_timestamp", part.lower()).replace(" ", "")
    )


def reflected_default(column: dict[str, Any]) -> str | None:
    """The default text of a reflected column."""
    default = column.get("default")
    return None if default is None else str(default)


def as_server_default(value: str | None) -> FetchedValue | None:
    """A reflected default as something ``alter_column(existing_server_default=...)`` takes."""
    return None if value is None else DefaultClause(text(value))
