"""Offline scripts: SQL compiled for a database's command-line client, values written once.

Online, statements go to the driver, and SQLAlchemy doubles each ``%`` in them because
drivers with the ``format``/``pyformat`` parameter style (psycopg, PyMySQL) read ``%`` as the
start of a placeholder. A script is read by ``psql``, ``mariadb`` or ``sqlite3`` instead, where
``%`` is an ordinary character, so :func:`script_dialect` compiles offline statements with a
copy of the database's dialect that uses the ``named`` style: each literal is escaped for the
database exactly once. The copy also writes the values SQLAlchemy has no literal form for, or
a wrong one: binary values as hex literals (``'\\x..'::bytea``, ``X'..'``) and JSON values as
their JSON text (``None`` as JSON ``null`` unless the type says ``none_as_null``), as the
driver would have stored them; and it keeps each string literal readable by the client:

* MySQL/MariaDB: NUL, carriage return, line feed and Ctrl-Z are written as ``\\0``, ``\\r``,
  ``\\n`` and ``\\Z`` (the client drops a carriage return before a line end and refuses NUL);
* SQLite: a string holding NUL or a carriage return is written as
  ``('a' || char(0) || 'b')`` (the client drops a carriage return before a line end);
* PostgreSQL cannot store NUL in text at all, and says so.

:class:`ScriptWriter` writes the statements with their terminator (see
:func:`.sqltext.end_statement`), comments with every line commented, and, before the first
text that is not ASCII, the statement that makes the client send the script as the UTF-8 it is
(``SET client_encoding = 'UTF8'``, ``SET NAMES utf8mb4``).
"""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from sqlalchemy import literal, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ClauseElement, TextClause
from sqlalchemy.sql.expression import Executable, Insert, Update
from sqlalchemy.types import TypeEngine

from ..errors import CommandError
from .sqltext import SQLFlavour, end_statement

__all__ = ["ScriptWriter", "render_sql", "script_dialect"]

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]

#: Makes the client send the script as UTF-8 (written before the first non-ASCII text).
_CLIENT_ENCODING = {
    "postgresql": "SET client_encoding = 'UTF8'",
    "mysql": "SET NAMES utf8mb4",
    "mariadb": "SET NAMES utf8mb4",
}
_MYSQL_ESCAPES = {"\x00": "\\0", "\r": "\\r", "\n": "\\n", "\x1a": "\\Z"}
_MARK = "_fml_script"


def _backslash_escapes(dialect: Dialect) -> bool:
    return bool(getattr(dialect, "_backslash_escapes", False))


def _short(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "...")


def _client_safe(dialect: Dialect, rendered: str) -> str:
    """A rendered literal the database's client reads back as the same value."""
    name = dialect.name
    if name in ("mysql", "mariadb"):
        if _backslash_escapes(dialect):
            return "".join(_MYSQL_ESCAPES.get(char, char) for char in rendered)
        if "\x00" in rendered or "\r" in rendered:
            raise CommandError(
                f"Cannot write the value {_short(rendered)} to a {name} script, because the "
                "server takes backslashes literally (NO_BACKSLASH_ESCAPES) and the client "
                "cannot read NUL or carriage returns in a string; run this migration online."
            )
        return rendered
    if name == "sqlite" and ("\x00" in rendered or "\r" in rendered):
        if len(rendered) >= 2 and rendered[0] == rendered[-1] == "'":
            for char in "\x00\r":
                rendered = rendered.replace(char, f"' || char({ord(char)}) || '")
            return f"({rendered})"
    if "\x00" not in rendered:
        return rendered
    raise CommandError(
        f"Cannot write the value {_short(rendered)} to a {name} script, because it holds the "
        f"NUL character, which {name} strings cannot hold; remove it from the value."
    )


class _MissingValue(CompileError):
    """A bound parameter without a value."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Bind parameter '{key}' has no value")
        self.key = key


class _ScriptCompiler(SQLCompiler):
    """Mixed into the dialect's statement compiler: every literal made safe for the client."""

    def render_literal_bindparam(  # type: ignore[override]  # SQLAlchemy passes keywords
        self, bindparam: BindParameter[Any], **kw: Any
    ) -> str:
        if (
            "render_literal_value" not in kw
            and bindparam.value is None
            and bindparam.callable is None
            and not bindparam.expanding
            and bindparam.key not in (getattr(self, "_collected_params", None) or {})
        ):
            # A parameter nobody gave a value (":name" in SQL text): online the driver
            # refuses the statement; SQLAlchemy would write NULL.
            if bindparam.required:
                raise _MissingValue(bindparam.key)
            # None of a type that stores None as a value of its own (JSON's null) is that
            # value, as online; SQLAlchemy would write SQL NULL.
            if bindparam.type.should_evaluate_none:
                return self.render_literal_value(None, bindparam.type)
        parent: Any = super()
        return str(parent.render_literal_bindparam(bindparam, **kw))

    def render_literal_value(self, value: Any, type_: TypeEngine[Any]) -> str:
        if value is None and not type_.should_evaluate_none:
            return "NULL"
        if isinstance(type_, sqltypes.NullType):
            # A parameter of no declared type (sa.bindparam("x")) takes its value's type.
            type_ = literal(value).type
        try:
            rendered = super().render_literal_value(value, type_)
        except CompileError as exc:
            raise CommandError(
                f"Cannot write the value {_short(repr(value))} of type {type_} to the script, "
                "because SQLAlchemy has no literal form for it; write the SQL yourself with "
                "op.execute(), or run this migration online."
            ) from exc
        return _client_safe(self.dialect, str(rendered))


_COMPILERS: dict[type[SQLCompiler], type[SQLCompiler]] = {}


def _compiler_class(base: type[SQLCompiler]) -> type[SQLCompiler]:
    """The dialect's statement compiler with :class:`_ScriptCompiler` mixed in (one per class)."""
    if base not in _COMPILERS:
        _COMPILERS[base] = type(f"Script{base.__name__}", (_ScriptCompiler, base), {})
    return _COMPILERS[base]


#: Makes the literal processor of a type from the type, the dialect and the type's own one.
LiteralsFactory = Callable[
    [TypeEngine[Any], Dialect, Callable[[Any], str] | None], Callable[[Any], str]
]


def _binary_literals(
    type_: TypeEngine[Any], dialect: Dialect, own: Callable[[Any], str] | None
) -> Callable[[Any], str]:
    def process(value: Any) -> str:
        if not isinstance(value, bytes | bytearray | memoryview):
            # Not binary data (a string given for a binary column): as SQLAlchemy writes it.
            if own is None:
                raise CompileError(f"No literal value renderer for {value!r}")
            return str(own(value))
        hexed = bytes(value).hex()
        if dialect.name == "postgresql":
            return f"'\\x{hexed}'::bytea"
        return f"X'{hexed}'"

    return process


def _json_literals(
    type_: TypeEngine[Any], dialect: Dialect, own: Callable[[Any], str] | None
) -> Callable[[Any], str]:
    strings: Any = sqltypes.String()
    string = strings.literal_processor(dialect)
    serialize = getattr(dialect, "_json_serializer", None) or json.dumps
    assert isinstance(type_, sqltypes.JSON) and string is not None

    def process(value: Any) -> str:
        if value is type_.NULL:
            value = None
        elif value is None and type_.none_as_null:
            return "NULL"
        return str(string(serialize(value)))

    return process


_LITERALS: tuple[tuple[type[TypeEngine[Any]], LiteralsFactory], ...] = (
    (sqltypes._Binary, _binary_literals),
    (sqltypes.JSON, _json_literals),
)


_TYPES: dict[type[TypeEngine[Any]], type[TypeEngine[Any]]] = {}


def _type_class(base: type[TypeEngine[Any]], literals: LiteralsFactory) -> type[TypeEngine[Any]]:
    """``base`` (a dialect's binary or JSON type) with the script's literal processor."""
    if base in _TYPES:
        return _TYPES[base]

    def literal_processor(self: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], str]:
        own: Any = base.literal_processor
        return literals(self, dialect, own(self, dialect))

    made = type(f"Script{base.__name__}", (base,), {"literal_processor": literal_processor})
    _TYPES[base] = made
    return made


def script_dialect(dialect: Dialect) -> Dialect:
    """A copy of ``dialect`` that compiles statements for a script (see the module's text).

    The copy keeps what the dialect knows (server version, MySQL's backslash mode, JSON
    serializer); the original is left as it was.
    """
    if getattr(dialect, _MARK, False):
        return dialect
    script = copy.copy(dialect)
    vars(script).pop("_type_memos", None)  # type processors cached for the original
    script.paramstyle = "named"
    script.positional = False
    script.identifier_preparer = script.preparer(script)
    script.type_compiler_instance = script.type_compiler_cls(script)
    if "type_compiler" in vars(dialect):
        script.type_compiler = script.type_compiler_instance
    script.statement_compiler = _compiler_class(dialect.statement_compiler)
    original_descriptor = dialect.type_descriptor

    def type_descriptor(typeobj: TypeEngine[Any]) -> TypeEngine[Any]:
        impl = original_descriptor(typeobj)
        for kind, literals in _LITERALS:
            if isinstance(impl, kind):
                return impl.adapt(_type_class(type(impl), literals))
        return impl

    script.type_descriptor = type_descriptor  # type: ignore[method-assign]
    if dialect.name == "postgresql" and "_backslash_escapes" not in vars(dialect):
        # Not connected, so nothing says whether the server reads a backslash in '...' as an
        # escape. It does not by default (standard_conforming_strings, on since 9.1), as
        # SQLAlchemy 2.1 assumes; 2.0 assumed it does and doubled each backslash.
        script._backslash_escapes = False  # type: ignore[attr-defined]
    setattr(script, _MARK, True)
    return script


def _bind(construct: Executable | ClauseElement, params: Mapping[str, Any]) -> ClauseElement:
    # Offline, values must be part of the statement itself before it is compiled.
    if isinstance(construct, TextClause):
        return construct.bindparams(**params)
    if isinstance(construct, Insert | Update):
        return construct.values(dict(params))
    if isinstance(construct, ClauseElement):
        return construct.params(dict(params))
    raise CommandError(f"Cannot render {type(construct).__name__} with parameters offline.")


def render_sql(
    construct: str | Executable | ClauseElement, params: Params | None, dialect: Dialect
) -> str:
    """The SQL text of ``construct`` for ``dialect``, values inlined.

    SQL text is read as ``op.execute`` reads it online (``sa.text()``): ``:name`` is a
    bound parameter and ``\\:`` a colon.
    """
    if isinstance(construct, str):
        construct = text(construct)
    if params:
        if isinstance(params, Sequence):
            raise CommandError(
                "Offline (--sql) mode cannot render several parameter sets in one "
                "statement; use op.bulk_insert() or one op.execute() per row."
            )
        construct = _bind(construct, params)
    if not isinstance(construct, ClauseElement):
        raise CommandError(f"Cannot render {type(construct).__name__} as SQL.")
    try:
        compiled = construct.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    except _MissingValue as exc:
        statement = _short(construct.text if isinstance(construct, TextClause) else str(construct))
        raise CommandError(
            f"Cannot write the statement {statement} to the script, because its parameter "
            f"':{exc.key}' has no value; give it one (sa.text(...).bindparams({exc.key}=...)), "
            f"or write '\\:{exc.key}' where a colon is meant."
        ) from exc
    except CompileError as exc:
        raise CommandError(f"Cannot write a statement to the script: {exc}.") from exc
    sql = str(compiled).strip()
    if isinstance(construct, CreateTable):
        # SQLAlchemy lays CREATE TABLE out with tabs and ", " line ends; a script reads
        # better with spaces and no trailing blanks.
        sql = sql.replace("\t", "    ").replace(", \n", ",\n")
    return sql


def _visible(char: str) -> str:
    # Control characters (a client may end a comment at a carriage return, or refuse NUL)
    # and lone surrogates are shown escaped; a comment is for people to read.
    if char != "\t" and unicodedata.category(char) in ("Cc", "Cs"):
        return char.encode("unicode_escape", "backslashreplace").decode("ascii")
    return char


class ScriptWriter:
    """Writes one database's offline script to ``output``."""

    def __init__(self, dialect: Dialect, output: TextIO, terminator: str = ";") -> None:
        self.output = output
        self.terminator = terminator
        self.flavour = SQLFlavour(dialect.name, _backslash_escapes(dialect))
        self._encoding = _CLIENT_ENCODING.get(dialect.name)

    def write(self, block: str) -> None:
        """Write ``block`` as it is, and a blank line."""
        if self._encoding is not None and not block.isascii():
            encoding, self._encoding = self._encoding, None
            self.output.write(encoding + self.terminator + "\n\n")
        self.output.write(block + "\n\n")

    def statement(self, sql: str) -> None:
        """Write one statement and its terminator."""
        self.write(end_statement(sql, self.flavour, self.terminator))

    def comment(self, note: str) -> None:
        """Write ``note`` as ``--`` comment lines, one per line of it."""
        lines = note.splitlines() or [""]
        self.write("\n".join(("-- " + "".join(map(_visible, line))).rstrip() for line in lines))
