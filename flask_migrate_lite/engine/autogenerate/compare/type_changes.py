"""What a column's type change does to the values it holds.

For a column whose type changes (a :class:`TypeChange`), :func:`convert_type` says

* how the database converts the stored values, when it does not by itself: the dialect
  options of the ``alter_column`` call, for the upgrade and for the downgrade (PostgreSQL's
  ``postgresql_using='col::type'``, decided from the server's cast catalog; see
  :mod:`flask_migrate_lite.engine.ddl.postgresql_casts`);
* on SQLite, how many rows hold values the migration's table rebuild cannot convert to the
  new type (the upgrade stops on them; see :mod:`flask_migrate_lite.engine.ddl.sqlite_convert`);
* whether the new type is narrower than the old one (a shorter string, fewer digits, a
  smaller integer, no fraction, no time of day), with a warning that gives the number of
  rows in the compared database whose values the new type cannot hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import column as sql_column
from sqlalchemy import exc, func, or_, select
from sqlalchemy import table as sql_table
from sqlalchemy import types as sqltypes
from sqlalchemy.sql.elements import ColumnElement

from ...ddl.conversions import TypeConversions
from .context import CompareContext
from .types import model_type

__all__ = ["TypeChange", "TypeConversion", "convert_type"]


@dataclass
class TypeConversion:
    """The dialect options of the upgrade's and the downgrade's ``alter_column``, and
    warnings."""

    kw: dict[str, Any] = field(default_factory=dict)
    #: ``None``: the downgrade takes ``kw`` as well.
    reverse_kw: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Narrowing:
    #: What the new type cannot hold, as the warning names it ("values longer than ...").
    what: str
    #: Where a row holds such a value.
    where: ColumnElement[bool]


@dataclass(frozen=True)
class TypeChange:
    """A column whose type differs between the database and the models."""

    ctx: CompareContext
    table_name: str
    schema: str | None
    column_name: str
    #: The column as messages name it (quoted).
    label: str
    #: The database's type.
    old: sqltypes.TypeEngine[Any]
    #: The model's type.
    new: sqltypes.TypeEngine[Any]


def convert_type(change: TypeChange) -> TypeConversion:
    """How the column converts from the database's type to the model's."""
    result = TypeConversion()
    ctx = change.ctx
    change = replace(change, new=model_type(change.new, ctx.dialect))
    old, new = change.old, change.new
    if isinstance(old, sqltypes.Enum) or isinstance(new, sqltypes.Enum):
        return result  # enum values are compared and converted on their own
    rules = _conversions(ctx)
    up = rules.conversion_using(ctx.connection, change.column_name, old, new)
    down = rules.conversion_using(ctx.connection, change.column_name, new, old)
    if up is not None:
        result.kw["postgresql_using"] = up
    if up is not None or down is not None:
        result.reverse_kw = {} if down is None else {"postgresql_using": down}
    refused = _refused(change)
    if refused is not None:
        result.warnings.append(refused)
    narrowing = _narrowing(ctx, change.column_name, old, new)
    if narrowing is not None:
        result.warnings.append(_warning(change, narrowing))
    return result


def _refused(change: TypeChange) -> str | None:
    """The warning about rows whose values the migration will refuse to convert."""
    ctx = change.ctx
    connection = ctx.connection
    try:
        with connection.begin_nested():
            count, examples = _conversions(ctx).unconvertible_rows(
                connection,
                change.table_name,
                change.schema,
                change.column_name,
                change.old,
                change.new,
            )
    except exc.DBAPIError:
        return None
    if not count:
        return None
    rows = "1 row holds a value" if count == 1 else f"{count} rows hold values"
    shown = ", ".join(_cut(repr(value)) for value in examples)
    return (
        f"The migration changes column {change.label} from {_sql(ctx, change.old)} to "
        f"{_sql(ctx, change.new)}, and {rows} it cannot convert (such as {shown}): the "
        "upgrade stops on them, so change or delete them first."
    )


def _cut(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _conversions(ctx: CompareContext) -> TypeConversions:
    rules = ctx.rules
    assert isinstance(rules, TypeConversions)  # every DDL implementation is one
    return rules


def _sql(ctx: CompareContext, type_: sqltypes.TypeEngine[Any]) -> str:
    try:
        return str(type_.compile(dialect=ctx.dialect))
    except Exception:  # noqa: BLE001  (a type without a rendering here)
        return repr(type_)


def _warning(change: TypeChange, narrowing: _Narrowing) -> str:
    ctx = change.ctx
    change_text = (
        f"The migration narrows column {change.label} from {_sql(ctx, change.old)} to "
        f"{_sql(ctx, change.new)}"
    )
    count = _count(ctx, change.table_name, change.schema, narrowing.where)
    if count is None:
        return f"{change_text}; check that no row holds {narrowing.what} before you upgrade."
    if count == 0:
        return f"{change_text}; no row holds {narrowing.what} today."
    rows = "1 row holds" if count == 1 else f"{count} rows hold"
    return (
        f"{change_text}, and {rows} {narrowing.what}: change them before you upgrade, "
        "or the upgrade fails on them or alters them."
    )


def _count(
    ctx: CompareContext, table_name: str, schema: str | None, where: ColumnElement[bool]
) -> int | None:
    connection = ctx.connection
    query = select(func.count()).select_from(sql_table(table_name, schema=schema)).where(where)
    try:
        with connection.begin_nested():  # a failed count leaves the comparison's transaction
            return int(connection.execute(query).scalar_one())
    except exc.DBAPIError:
        return None


_INT_BITS = {"TINYINT": 8, "SMALLINT": 16, "MEDIUMINT": 24, "BIGINT": 64}


def _int_range(type_: sqltypes.TypeEngine[Any]) -> tuple[int, int]:
    if isinstance(type_, sqltypes.BigInteger):
        bits = 64
    elif isinstance(type_, sqltypes.SmallInteger):
        bits = 16
    else:
        bits = _INT_BITS.get(type_.__visit_name__.upper(), 32)
    if getattr(type_, "unsigned", False):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _numeric_shape(type_: sqltypes.TypeEngine[Any]) -> tuple[int | None, int]:
    precision = getattr(type_, "precision", None)
    scale = getattr(type_, "scale", None)
    return precision, (scale or 0)


def _is_text(type_: sqltypes.TypeEngine[Any]) -> bool:
    return isinstance(type_, sqltypes.String) and not isinstance(type_, sqltypes.Enum)


def _is_decimal(type_: sqltypes.TypeEngine[Any]) -> bool:
    return isinstance(type_, sqltypes.Numeric) and not isinstance(type_, sqltypes.Float)


def _narrowing(
    ctx: CompareContext,
    column_name: str,
    old: sqltypes.TypeEngine[Any],
    new: sqltypes.TypeEngine[Any],
) -> _Narrowing | None:
    """What ``new`` cannot hold of what ``old`` could, or ``None``."""
    value: ColumnElement[Any] = sql_column(column_name)
    if _is_text(old) and _is_text(new):
        old_length = getattr(old, "length", None)
        length = getattr(new, "length", None)
        if length is not None and (old_length is None or length < old_length):
            plural = "" if length == 1 else "s"
            return _Narrowing(
                f"values longer than {length} character{plural}", func.char_length(value) > length
            )
        return None
    if isinstance(new, sqltypes.Integer) and not isinstance(new, sqltypes.Boolean):
        low, high = _int_range(new)
        outside = or_(value < low, value > high)
        if isinstance(old, sqltypes.Integer):
            old_low, old_high = _int_range(old)
            if old_low >= low and old_high <= high:
                return None
            return _Narrowing(f"values outside {low} to {high}", outside)
        if _is_decimal(old) or isinstance(old, sqltypes.Float):
            return _Narrowing(
                f"fractions or values outside {low} to {high}",
                or_(outside, value != func.round(value)),
            )
        return None
    if _is_decimal(new) and _is_decimal(old):
        precision, scale = _numeric_shape(new)
        old_precision, old_scale = _numeric_shape(old)
        if precision is None:
            return None
        digits = precision - scale
        if old_precision is not None and scale >= old_scale and digits >= old_precision - old_scale:
            return None
        return _Narrowing(
            f"values with more than {digits} digits before the point or {scale} after it",
            or_(func.abs(value) >= 10**digits, value != func.round(value, scale)),
        )
    if isinstance(old, sqltypes.DateTime) and isinstance(new, sqltypes.Date):
        return _Narrowing("values with a time of day", _conversions(ctx).time_of_day(value))
    return None
