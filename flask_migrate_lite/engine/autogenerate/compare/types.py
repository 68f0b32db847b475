"""Whether a reflected column type and a model's type are the same, per dialect.

Both types are compiled to the dialect's DDL and reduced to one canonical spelling, so that a
reflected ``VARCHAR(length=128)`` equals ``String(128)``, MySQL's ``TINYINT(1)`` equals
``Boolean`` and its ``DECIMAL(10,0)`` equals ``Numeric()``: a difference in what the database
would store is a change, spelling is not. Each database's spellings are stated by its DDL
implementation (``canonical_type`` of :mod:`flask_migrate_lite.engine.ddl.compare_rules`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Column
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.exc import CompileError, UnsupportedCompilationError

from ...ddl.compare_rules import CompareRules
from .context import CompareContext

__all__ = ["model_type", "type_changed", "types_differ"]

_SPACES = re.compile(r"\s+")


def _compiled(type_: sqltypes.TypeEngine[Any], dialect: Dialect) -> str | None:
    try:
        text = type_.compile(dialect=dialect)
    except (CompileError, UnsupportedCompilationError, NotImplementedError, TypeError):
        return None
    return _SPACES.sub(" ", str(text)).strip().upper()


def _is_text_kind(type_: sqltypes.TypeEngine[Any]) -> bool:
    return isinstance(type_, sqltypes.String) and not isinstance(type_, sqltypes.Enum)


def _variant(type_: sqltypes.TypeEngine[Any], dialect: Dialect) -> sqltypes.TypeEngine[Any]:
    variants = getattr(type_, "_variant_mapping", None)
    if variants and dialect.name in variants:
        chosen: sqltypes.TypeEngine[Any] = variants[dialect.name]
        return chosen
    return type_


def _model_impl(model: sqltypes.TypeEngine[Any], dialect: Dialect) -> sqltypes.TypeEngine[Any]:
    """The declared type the model's column has on ``dialect`` (variants, decorators resolved).

    Not ``dialect_impl()``: that gives the driver's runtime type, which compiles differently
    (psycopg's string type compiles as VARCHAR whatever the declared type).
    """
    impl = _variant(model, dialect)
    for _ in range(10):  # a decorator may load another decorator
        if not isinstance(impl, sqltypes.TypeDecorator):
            break
        loaded = impl.load_dialect_impl(dialect)
        impl = _variant(impl.impl_instance if loaded is impl else loaded, dialect)
    return impl


#: The declared type a model's type has on a dialect (variants and decorators resolved).
model_type = _model_impl


def types_differ(
    reflected: sqltypes.TypeEngine[Any], model: sqltypes.TypeEngine[Any], rules: CompareRules
) -> bool:
    """Whether ``model`` would store differently from the reflected type.

    Types that cannot be compiled for the dialect (custom types without a rendering) are
    compared by their Python class affinity only, so they never invent a change.
    """
    dialect = rules.dialect
    model_impl = _model_impl(model, dialect)
    ours = _compiled(model, dialect)
    theirs = _compiled(reflected, dialect)
    if ours is None or theirs is None:
        return reflected._type_affinity is not model_impl._type_affinity
    if isinstance(model_impl, sqltypes.Enum) and isinstance(reflected, sqltypes.Enum):
        # Values of enum types of their own (PostgreSQL's) are compared separately: the type
        # is altered, not the column.
        if rules.named_enum_types:
            return bool(model_impl.name and reflected.name and model_impl.name != reflected.name)
        return list(model_impl.enums) != list(reflected.enums)
    if rules.text_types_alike and _is_text_kind(model_impl) and _is_text_kind(reflected):
        # Every text type is stored the same way (SQLite); only the declared length can differ.
        return getattr(model_impl, "length", None) != getattr(reflected, "length", None) and (
            rules.canonical_type(ours) != rules.canonical_type(theirs)
        )
    return rules.canonical_type(ours) != rules.canonical_type(theirs)


def type_changed(
    ctx: CompareContext, column: Column[Any], found: ReflectedColumn, reflected: Column[Any] | None
) -> bool:
    """Whether the model's column has another type than the database's: ``compare_type``
    decides (a function's ``None`` leaves it to :func:`types_differ`)."""
    setting = ctx.options.compare_type
    if setting is False:
        return False
    if callable(setting):
        verdict = setting(ctx.hook_context, reflected, column, found["type"], column.type)
        if verdict is not None:
            return bool(verdict)
    if isinstance(found["type"], sqltypes.NullType):
        return False
    theirs, ours = found["type"], column.type
    if isinstance(theirs, sqltypes.Enum) and isinstance(ours, sqltypes.Enum):
        if (theirs.name, ours.name) in ctx.enum_renames:
            return False  # the type itself is renamed (see .enums)
    return types_differ(found["type"], column.type, ctx.rules)
