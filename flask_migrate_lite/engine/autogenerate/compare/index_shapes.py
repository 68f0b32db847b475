"""What an index covers beyond its columns' names: the expressions it is built on and the
predicate of a partial index (``postgresql_where``, ``sqlite_where``).

Both sides are put in one spelling (:meth:`~...ddl.compare_rules.CompareRules.expression_sql`)
before they are compared, since each database reports them rewritten (PostgreSQL adds casts
and parentheses). Sort orders (``DESC``, ``NULLS FIRST``) are left out: not every database
reports them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Index
from sqlalchemy.engine.interfaces import ReflectedIndex

from .context import CompareContext

__all__ = ["index_shape_changed", "model_where"]


def _sql(ctx: CompareContext, element: Any) -> str:
    """An expression of the models as the database's DDL writes it (columns unqualified)."""
    if isinstance(element, str):
        return element
    if isinstance(element, Column):
        return str(element.name)
    dialect = ctx.dialect
    compiler = dialect.statement_compiler(dialect, None)
    sql = str(compiler.process(element, include_table=False, literal_binds=True))
    if dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%%", "%")  # escaped for the driver, not stored so
    return sql


def model_where(ctx: CompareContext, index: Index) -> Any:
    """The predicate of a model's partial index for this database, if any."""
    options = index.dialect_options.get(ctx.dialect.name) if ctx.dialect.name else None
    return None if options is None else options.get("where")


def _reflected_where(ctx: CompareContext, found: ReflectedIndex) -> Any:
    options: dict[str, Any] = dict(found.get("dialect_options") or {})
    return options.get(f"{ctx.dialect.name}_where")


_ORDER_WORDS = frozenset({"asc", "desc", "nulls", "first", "last"})


def _unordered(spelled: str) -> str:
    """An index element without its sort order."""
    words = spelled.split(" ")
    while len(words) > 1 and words[-1] in _ORDER_WORDS:
        words.pop()
    return " ".join(words)


def index_shape_changed(ctx: CompareContext, index: Index, found: ReflectedIndex) -> bool:
    """Whether the model's ``index`` covers other expressions, or another predicate, than
    the database's index ``found`` of the same name."""
    spell = ctx.rules.expression_sql
    ours = [_unordered(spell(_sql(ctx, element))) for element in index.expressions]
    names = list(found.get("column_names") or ())
    expressions = list(found.get("expressions") or ())
    theirs = []
    for position, name in enumerate(names):
        if name is None and position < len(expressions):
            theirs.append(_unordered(spell(str(expressions[position]))))
        else:
            theirs.append(_unordered(spell(str(name))))
    if ours != theirs:
        return True
    our_where, their_where = model_where(ctx, index), _reflected_where(ctx, found)
    our_text = "" if our_where is None else spell(_sql(ctx, our_where))
    their_text = "" if their_where is None else spell(str(their_where))
    return our_text != their_text
