"""PostgreSQL enum type directives as the SQL a revision file runs with ``op.execute``.

Only ``op.execute`` and ``op.get_context().autocommit_block()`` are used, so the file runs
with Alembic too. The SQL is written for ``text()`` (which ``op.execute`` applies to a
string): a colon that would read as a bound parameter is escaped.

Making a type again (a value removed, renamed or moved) runs, in one transaction: a ``DO``
block that raises, with the count, when a row holds a value the type loses (so nothing is
changed); the type renamed aside; the new type created; each column converted with
``USING col::text::type`` (its default dropped first and set again after); the old type
dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from ...ddl.postgresql import dollar_tag
from ..directives import EnumColumn, EnumTypeOp

__all__ = ["EnumStep", "enum_steps"]

# A colon ``text()`` would take for the start of a bound parameter.
_BIND_LIKE = re.compile(r"(?<![:\w\\]):(?=\w)")
#: How long PostgreSQL names may be.
_MAX_NAME = 63


@dataclass(frozen=True)
class EnumStep:
    """Statements to run (in an autocommit block or not), or a comment."""

    sql: tuple[str, ...] = ()
    autocommit: bool = False
    comment: str | None = None


def _preparer() -> sa.sql.compiler.IdentifierPreparer:
    dialect = sa.dialects.registry.load("postgresql")()
    return dialect.identifier_preparer  # type: ignore[no-any-return]


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def for_text(sql: str) -> str:
    """``sql`` as ``op.execute`` passes it to ``text()``: colons that would bind escaped."""
    return _BIND_LIKE.sub(r"\\:", sql)


def _type_name(name: str, schema: str | None) -> str:
    preparer = _preparer()
    quoted = preparer.quote(name)
    return f"{preparer.quote_schema(schema)}.{quoted}" if schema else quoted


def _table_name(column: EnumColumn) -> str:
    preparer = _preparer()
    quoted = preparer.quote(column.table)
    return f"{preparer.quote_schema(column.schema)}.{quoted}" if column.schema else quoted


def _values(values: Sequence[str]) -> str:
    return ", ".join(literal(value) for value in values)


def enum_steps(directive: EnumTypeOp) -> list[EnumStep]:
    """What the directive renders as, in order."""
    name = _type_name(directive.name, directive.schema)
    match directive.action:
        case "create":
            return [EnumStep((f"CREATE TYPE {name} AS ENUM ({_values(directive.values)})",))]
        case "drop":
            return [EnumStep((f"DROP TYPE {name}",))]
        case "rename":
            new = _preparer().quote(directive.new_name or directive.name)
            return [EnumStep((f"ALTER TYPE {name} RENAME TO {new}",))]
        case "add_values":
            return [_add_values(directive, name)]
        case "rename_values":
            return [
                EnumStep(
                    tuple(
                        for_text(f"ALTER TYPE {name} RENAME VALUE {literal(old)} TO {literal(new)}")
                        for old, new in directive.renamed
                    )
                )
            ]
        case "recreate":
            return _recreate(directive, name)
        case "keep_values":
            kept = ", ".join(repr(value) for value in directive.values)
            return [
                EnumStep(
                    comment=f"PostgreSQL cannot drop values from an enum type; "
                    f"{directive.name!r} keeps {kept}."
                )
            ]
        case other:
            raise ValueError(f"Unknown enum type action {other!r}.")


def _add_values(directive: EnumTypeOp, name: str) -> EnumStep:
    statements = []
    target = directive.target
    for value in directive.values:
        sql = f"ALTER TYPE {name} ADD VALUE IF NOT EXISTS {literal(value)}"
        if target is not None:
            sql += _placement(value, target, directive.values)
        statements.append(for_text(sql))
    return EnumStep(tuple(statements), autocommit=directive.autocommit)


def _placement(value: str, target: Sequence[str], new: Sequence[str]) -> str:
    """``AFTER`` the value before it in ``target``, or ``BEFORE`` the first existing one.

    Values are added in ``target``'s order, so the one before is there by then.
    """
    position = list(target).index(value)
    if position > 0:
        return f" AFTER {literal(target[position - 1])}"
    existing = [v for v in target if v not in new]
    return f" BEFORE {literal(existing[0])}" if existing else ""


def _aside(name: str) -> str:
    return f"{name[: _MAX_NAME - 4]}_old"


def _recreate(directive: EnumTypeOp, name: str) -> list[EnumStep]:
    renamed = {old for old, _ in directive.renamed}
    gone = [v for v in directive.previous if v not in directive.values and v not in renamed]
    aside = _aside(directive.name)
    preparer = _preparer()
    statements: list[str] = []
    if gone and directive.columns:
        statements.append(_check(directive, gone))
    statements.append(f"ALTER TYPE {name} RENAME TO {preparer.quote(aside)}")
    statements.append(f"CREATE TYPE {name} AS ENUM ({_values(directive.values)})")
    for column in directive.columns:
        table = _table_name(column)
        col = preparer.quote(column.column)
        cast = f"{name}[]" if column.array else name
        via = "text[]" if column.array else "text"
        alter = f"ALTER TABLE {table} ALTER COLUMN {col}"
        if column.default is not None:
            statements.append(f"{alter} DROP DEFAULT")
        using = _converted(col, via, directive.renamed)
        statements.append(f"{alter} TYPE {cast} USING {using}::{cast}")
        if column.default is not None:
            statements.append(f"{alter} SET DEFAULT {_default(column.default, directive)}")
    statements.append(f"DROP TYPE {_type_name(aside, directive.schema)}")
    kept = ", ".join(directive.values)
    comment = (
        f"Enum type {directive.name!r} is made again with the values ({kept}), and each "
        "column using it converted."
    )
    if directive.renamed:
        moved = ", ".join(f"{old!r} to {new!r}" for old, new in directive.renamed)
        comment += f" Rows holding a renamed value get its new name ({moved})."
    if gone:
        comment += " The first statement stops the migration, changing nothing, while a row "
        comment += "holds a value the type loses."
    return [EnumStep(comment=comment), EnumStep(tuple(for_text(s) for s in statements))]


def _default(default: str, directive: EnumTypeOp) -> str:
    """A column's default set again: a renamed value (``'draft'::status``) under its new name."""
    for old, new in directive.renamed:
        default = default.replace(f"{literal(old)}::", f"{literal(new)}::")
    return default


def _converted(col: str, via: str, renamed: Sequence[tuple[str, str]]) -> str:
    """The column's values as text (or a text array), renamed values under their new name."""
    text = f"{col}::{via}"
    if not renamed:
        return text
    if via == "text[]":
        for old, new in renamed:
            text = f"array_replace({text}, {literal(old)}, {literal(new)})"
        return text
    cases = " ".join(f"WHEN {literal(old)} THEN {literal(new)}" for old, new in renamed)
    return f"(CASE {text} {cases} ELSE {text} END)"


def _check(directive: EnumTypeOp, gone: Sequence[str]) -> str:
    """A ``DO`` block raising an error that gives the count of rows holding ``gone``."""
    preparer = _preparer()
    counts = []
    for column in directive.columns:
        col = preparer.quote(column.column)
        if column.array:
            condition = f"{col}::text[] && ARRAY[{_values(gone)}]::text[]"
        else:
            condition = f"{col}::text IN ({_values(gone)})"
        counts.append(f"(SELECT count(*) FROM {_table_name(column)} WHERE {condition})")
    where = ", ".join(
        f"{column.schema + '.' if column.schema else ''}{column.table}.{column.column}"
        for column in directive.columns
    )
    lost = ", ".join(gone)
    message = (
        f" of {where} hold values that enum type {directive.name} loses ({lost}): update or "
        "delete them, then run the migration again."
    )
    body = (
        f"DECLARE n bigint; BEGIN SELECT {' + '.join(counts)} INTO n; "
        "IF n > 0 THEN RAISE EXCEPTION USING MESSAGE = n || "
        f"CASE WHEN n = 1 THEN ' row' ELSE ' rows' END || {literal(message)}; END IF; END"
    )
    tag = dollar_tag(body)
    return f"DO {tag} {body} {tag}"
