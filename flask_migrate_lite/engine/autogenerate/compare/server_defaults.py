"""Server defaults, normalised per dialect so that comparing them can be trusted.

The database gives back a default in its own spelling (PostgreSQL adds casts such as
``'x'::character varying``, SQLite keeps the parentheses it was written with, MariaDB
lower-cases functions); the model's default is compiled for the dialect and both are
reduced to one canonical text before comparison.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Column
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.schema import DefaultClause
from sqlalchemy.sql.elements import TextClause

from ...ddl.compare_rules import CompareRules, outside_literals, without_parentheses
from .context import CompareContext

__all__ = ["default_changed", "model_default_text", "normalise_default"]

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


def default_changed(
    ctx: CompareContext,
    column: Column[Any],
    found: ReflectedColumn,
    reflected_column: Column[Any] | None,
) -> bool:
    """Whether the model's column has another server default than the database's:
    ``compare_server_default`` decides (a function's ``None`` leaves it to the comparison of
    normalised texts)."""
    setting = ctx.options.compare_server_default
    if setting is False:
        return False
    reflected = found.get("default")
    theirs_generated = found.get("computed") or found.get("identity")
    if (
        column.server_default is not None and not isinstance(column.server_default, DefaultClause)
    ) or theirs_generated:
        # FetchedValue, Computed, Identity: the database makes the value some way a
        # default clause does not state; there is nothing to compare.
        return False
    ours = model_default_text(column, ctx.dialect)
    if callable(setting):
        verdict = setting(
            ctx.hook_context, reflected_column, column, reflected, column.server_default, ours
        )
        if verdict is not None:
            return bool(verdict)
    if reflected is not None and str(reflected).lower().startswith("nextval("):
        return False  # a serial column's sequence
    if found.get("autoincrement") is True and ours is None:
        return False
    boolean = isinstance(column.type, sqltypes.Boolean)
    theirs = normalise_default(
        None if reflected is None else str(reflected), ctx.rules, boolean=boolean
    )
    return normalise_default(ours, ctx.rules, boolean=boolean) != theirs
