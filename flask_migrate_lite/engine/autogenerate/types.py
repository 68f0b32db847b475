"""Whether a reflected column type and a model's type are the same, per dialect.

Both types are compiled to the dialect's DDL and reduced to one canonical spelling, so that a
reflected ``VARCHAR(length=128)`` equals ``String(128)``, MySQL's ``TINYINT(1)`` equals
``Boolean`` and its ``DECIMAL(10,0)`` equals ``Numeric()``: a difference in what the database
would store is a change, spelling is not.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError, UnsupportedCompilationError

__all__ = ["types_differ"]

_SPACES = re.compile(r"\s+")
_CHARSET = re.compile(r"\s+(CHARACTER SET|CHARSET|COLLATE)\s+\S+", re.IGNORECASE)
# A compiled type: its name, then optional "(arguments)", then optional words after them.
_SHAPE = re.compile(r"^(?P<name>[^(]+)\s*(\((?P<args>[^)]*)\))?\s*(?P<rest>[^()]*)$")
# Words after a type's name that modify it rather than name it.
_MODIFIERS = (
    " UNSIGNED ZEROFILL",
    " UNSIGNED",
    " ZEROFILL",
    " WITH TIME ZONE",
    " WITHOUT TIME ZONE",
)

# Names that mean the same type, per dialect family (after upper-casing).
_ALIASES: dict[str, dict[str, str]] = {
    "postgresql": {
        "INT": "INTEGER",
        "INT4": "INTEGER",
        "INT8": "BIGINT",
        "INT2": "SMALLINT",
        "DECIMAL": "NUMERIC",
        "DOUBLE": "DOUBLE PRECISION",
        "FLOAT8": "DOUBLE PRECISION",
        "FLOAT4": "REAL",
        "NCHAR": "CHAR",
        "CHARACTER": "CHAR",
        "NVARCHAR": "VARCHAR",
        "CHARACTER VARYING": "VARCHAR",
        "BOOL": "BOOLEAN",
        "TIMESTAMP": "TIMESTAMP WITHOUT TIME ZONE",
        "TIME": "TIME WITHOUT TIME ZONE",
        "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
        "TIMETZ": "TIME WITH TIME ZONE",
    },
    "mysql": {
        "INT": "INTEGER",
        "BOOL": "BOOLEAN",
        "NUMERIC": "DECIMAL",
        "DEC": "DECIMAL",
        "FIXED": "DECIMAL",
        "DOUBLE PRECISION": "DOUBLE",
        "REAL": "DOUBLE",
        "NCHAR": "CHAR",
        "NATIONAL CHAR": "CHAR",
        "NVARCHAR": "VARCHAR",
        "NATIONAL VARCHAR": "VARCHAR",
    },
    "sqlite": {
        "INT": "INTEGER",
        "BOOL": "BOOLEAN",
    },
}
_INTEGERS = {"TINYINT", "SMALLINT", "MEDIUMINT", "INTEGER", "BIGINT"}


def _family(dialect: Dialect) -> str:
    return "mysql" if dialect.name in ("mysql", "mariadb") else dialect.name


def _compiled(type_: sqltypes.TypeEngine[Any], dialect: Dialect) -> str | None:
    try:
        text = type_.compile(dialect=dialect)
    except (CompileError, UnsupportedCompilationError, NotImplementedError, TypeError):
        return None
    return _SPACES.sub(" ", str(text)).strip().upper()


def canonical(text: str, dialect: Dialect) -> str:
    """One spelling of a compiled type, the same for every way of writing one stored type."""
    return _canonical(text, _family(dialect), bool(getattr(dialect, "is_mariadb", False)))


@functools.lru_cache(maxsize=4096)
def _canonical(text: str, family: str, mariadb: bool) -> str:
    # A schema spells few distinct types many times: each spelling is worked out once.
    text = _SPACES.sub(" ", text).strip().upper()
    if family == "mysql":
        text = _CHARSET.sub("", text)
        text = re.sub(r"^NATIONAL ", "", text)
    match = _SHAPE.match(text)
    if match is None:
        return text
    name = match["name"].strip()
    args = [a.strip() for a in (match["args"] or "").split(",") if a.strip()]
    rest = (match["rest"] or "").strip()
    for modifier in _MODIFIERS:
        if name.endswith(modifier):
            name = name[: -len(modifier)]
            rest = f"{modifier.strip()} {rest}".strip()
            break
    if family == "postgresql" and rest in ("WITH TIME ZONE", "WITHOUT TIME ZONE"):
        name, rest = f"{name} {rest}", ""
    name = _ALIASES.get(family, {}).get(name, name)
    if family == "mysql":
        name, args, rest = _mysql(name, args, rest, mariadb)
    elif family == "postgresql":
        name, args = _postgresql(name, args)
    out = name
    if args:
        out += "(" + ",".join(args) + ")"
    if rest:
        out += " " + rest
    return out


def _mysql(name: str, args: list[str], rest: str, mariadb: bool) -> tuple[str, list[str], str]:
    if name == "BOOLEAN" or (name == "TINYINT" and args == ["1"]):
        return "BOOLEAN", [], rest
    if name in _INTEGERS or name == "YEAR":
        # The display width changes nothing that is stored.
        return name, [], rest.replace("ZEROFILL", "").strip()
    if name == "DECIMAL":
        precision = args[0] if args else "10"
        scale = args[1] if len(args) > 1 else "0"
        return name, [precision, scale], rest
    if name == "FLOAT" and args:
        # FLOAT(p): single precision up to 24 bits, double beyond.
        bits = int(args[0]) if args[0].isdigit() else 0
        if len(args) == 1:
            return ("DOUBLE" if bits > 24 else "FLOAT"), [], rest
    if name == "CHAR" and not args:
        return name, ["1"], rest
    if name == "JSON" and mariadb:
        return "LONGTEXT", [], rest  # MariaDB's JSON is LONGTEXT with a json_valid() check
    return name, args, rest


def _postgresql(name: str, args: list[str]) -> tuple[str, list[str]]:
    if name == "FLOAT":
        bits = int(args[0]) if args and args[0].isdigit() else 53
        return ("REAL" if bits <= 24 else "DOUBLE PRECISION"), []
    if name == "DOUBLE PRECISION":
        return name, []
    if name == "CHAR" and not args:
        return name, ["1"]
    if name in ("TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP WITH TIME ZONE") and args == ["6"]:
        return name, []  # 6 is the default precision
    return name, args


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


def types_differ(
    reflected: sqltypes.TypeEngine[Any], model: sqltypes.TypeEngine[Any], dialect: Dialect
) -> bool:
    """Whether ``model`` would store differently from the reflected type.

    Types that cannot be compiled for the dialect (custom types without a rendering) are
    compared by their Python class affinity only, so they never invent a change.
    """
    model_impl = _model_impl(model, dialect)
    ours = _compiled(model, dialect)
    theirs = _compiled(reflected, dialect)
    if ours is None or theirs is None:
        return reflected._type_affinity is not model_impl._type_affinity
    if isinstance(model_impl, sqltypes.Enum) and isinstance(reflected, sqltypes.Enum):
        # PostgreSQL enum values are compared separately (the type is altered, not the column).
        if dialect.name == "postgresql":
            return bool(model_impl.name and reflected.name and model_impl.name != reflected.name)
        return list(model_impl.enums) != list(reflected.enums)
    if dialect.name == "sqlite" and _is_text_kind(model_impl) and _is_text_kind(reflected):
        # SQLite stores every text type the same way; only the declared length can differ.
        return getattr(model_impl, "length", None) != getattr(reflected, "length", None) and (
            canonical(ours, dialect) != canonical(theirs, dialect)
        )
    return canonical(ours, dialect) != canonical(theirs, dialect)
