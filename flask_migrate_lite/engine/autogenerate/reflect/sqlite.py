"""SQLite tables of many tables in a few queries, shaped as SQLAlchemy's inspector gives them.

SQLAlchemy asks SQLite a few PRAGMAs per table (columns, foreign keys, index list, each
index's columns) and reads each table's CREATE TABLE text again for names; for a schema of
hundreds of tables that is most of the time a ``check`` takes. The table-valued forms of those
pragmas answer for every table at once.

:func:`sqlite_indexes` equals ``Inspector.get_multi_indexes()`` (tests compare the two):
automatic indexes are left out, a partial index carries its ``sqlite_where``, and an index
on expressions is left out and reported in ``expression_indexes``, where SQLAlchemy would
warn. :func:`sqlite_tables` gives columns, primary keys and foreign keys, and leaves to the
inspector every table it could not describe exactly as the inspector does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Connection

from .facts import TableFacts

__all__ = ["bulk_supported", "sqlite_indexes", "sqlite_tables"]

_PARTIAL_WHERE = re.compile(r"\)\s+where\s+(.+)", re.IGNORECASE | re.DOTALL)

_INDEX_ROWS = """
SELECT m.name, il.name, il."unique", il.partial, ii.seqno, ii.name
FROM sqlite_master AS m
JOIN pragma_index_list(m.name) AS il
LEFT JOIN pragma_index_info(il.name) AS ii
WHERE m.type = 'table'
ORDER BY m.name, il.name, ii.seqno
"""


def sqlite_indexes(
    connection: Connection, names: Sequence[str]
) -> tuple[dict[tuple[str | None, str], list[dict[str, Any]]], set[str]]:
    """The indexes of the main schema's tables ``names``, and the expression indexes skipped.

    Keys are ``(None, table)`` as the inspector's multi-table methods use them.
    """
    wanted = set(names)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    expression: set[str] = set()
    partial: list[dict[str, Any]] = []
    for table, index, unique, is_partial, _seqno, column in connection.exec_driver_sql(_INDEX_ROWS):
        if table not in wanted or index.startswith("sqlite_autoindex"):
            continue
        key = (table, index)
        entry = found.get(key)
        if entry is None:
            entry = found[key] = {
                "name": index,
                "column_names": [],
                "unique": unique,
                "dialect_options": {},
            }
            if is_partial:
                partial.append(entry)
        if column is None:
            expression.add(index)
        else:
            entry["column_names"].append(column)
    if partial:
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
        ).all()
        sql = {str(name): str(text_ or "") for name, text_ in rows}
        for entry in partial:
            predicate = _PARTIAL_WHERE.search(sql.get(entry["name"]) or "")
            if predicate is not None:
                entry["dialect_options"]["sqlite_where"] = text(predicate.group(1))
    result: dict[tuple[str | None, str], list[dict[str, Any]]] = {(None, n): [] for n in names}
    for (table, index), entry in found.items():
        if index not in expression:
            result[(None, table)].append(entry)
    for entries in result.values():
        entries.sort(key=lambda entry: entry["name"] or "~")
    return result, expression


# -- columns, primary keys and foreign keys -------------------------------------------------

_COLUMN_ROWS = """
SELECT m.name, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden
FROM sqlite_master AS m
JOIN pragma_table_xinfo(m.name) AS c
WHERE m.type = 'table'
ORDER BY m.name, c.cid
"""

_FOREIGN_KEY_ROWS = """
SELECT m.name, f.id, f."table", f."from", f."to"
FROM sqlite_master AS m
JOIN pragma_foreign_key_list(m.name) AS f
WHERE m.type = 'table'
ORDER BY m.name, f.id, f.seq
"""

_TYPE_NAME = re.compile(r"([\w ]+)(\(.*?\))?")
_NUMBER = re.compile(r"\d+")
_NAMED_PRIMARY_KEY = re.compile(r'CONSTRAINT\s+(?:"(.+?)"|(\w+))\s+PRIMARY\s+KEY', re.IGNORECASE)
_ACTIONS = r"SET\s+NULL|SET\s+DEFAULT|CASCADE|RESTRICT|NO\s+ACTION"
_NAME = r'(?:"(?P<{0}q>.+?)"|(?P<{0}>\w+))'
_FOREIGN_KEY_CLAUSE = re.compile(
    rf"(?:CONSTRAINT\s+{_NAME.format('name')}\s+)?"
    r"FOREIGN\s+KEY\s*\((?P<columns>[^)]*)\)\s*"
    rf"REFERENCES\s+{_NAME.format('table')}\s*(?:\((?P<referred>[^)]*)\))?"
    rf"(?P<actions>(?:\s*ON\s+(?:DELETE|UPDATE)\s+(?:{_ACTIONS}))*)"
    r"\s*(?P<deferrable>(?:NOT\s+)?DEFERRABLE)?"
    r"\s*(?:INITIALLY\s+(?P<initially>DEFERRED|IMMEDIATE))?",
    re.IGNORECASE,
)
_FOREIGN_KEY_WORDS = re.compile(r"\bFOREIGN\s+KEY\b", re.IGNORECASE)
_KEY_COLUMN = re.compile(r'"(.+?)"|([a-z0-9_]+)', re.IGNORECASE)
_ACTION = re.compile(rf"ON\s+(DELETE|UPDATE)\s+({_ACTIONS})", re.IGNORECASE)


def bulk_supported(connection: Connection) -> bool:
    """Whether :func:`sqlite_tables` can serve this connection (SQLite 3.31 or later)."""
    dialect = connection.dialect
    version = dialect.server_version_info or (0,)
    return (
        dialect.name == "sqlite"
        and version >= (3, 31)
        and not getattr(dialect, "_broken_fk_pragma_quotes", False)
    )


def sqlite_tables(
    connection: Connection, names: Sequence[str], ddl: Mapping[str, str]
) -> TableFacts:
    """Columns, primary keys and foreign keys of the main schema's tables ``names``.

    ``ddl`` is each table's CREATE TABLE text. A table with anything this reader does not
    describe exactly as the inspector would (a generated column, a declared type the
    inspector warns about, a foreign key whose text does not match SQLite's own account
    or that names no referred columns) is left out and listed in ``others``.
    """
    found = TableFacts()
    wanted = set(names)
    known: dict[str, Any] = getattr(connection.dialect, "ischema_names", {})
    for name in names:
        found.columns[(None, name)] = []
        found.fks[(None, name)] = []
    for table, name, declared, not_null, default, primary, hidden in connection.exec_driver_sql(
        _COLUMN_ROWS
    ):
        if table not in wanted or table in found.others:
            continue
        column_type = None if hidden else _declared_type(str(declared or "").upper(), known)
        if column_type is None:
            if hidden != 1:  # hidden 1: a virtual table's hidden column, not listed
                found.others.add(table)
            continue
        found.columns[(None, table)].append(
            {
                "name": name,
                "type": column_type,
                "nullable": not not_null,
                "default": None if default is None else str(default),
                "primary_key": primary,
            }
        )
    for name in names:
        key = (None, name)
        keyed = sorted((c for c in found.columns[key] if c["primary_key"]), key=_pk_position)
        if keyed:
            named = _NAMED_PRIMARY_KEY.search(ddl.get(name) or "")
            found.pks[key] = {
                "constrained_columns": [c["name"] for c in keyed],
                "name": (named.group(1) or named.group(2)) if named else None,
            }
        else:
            found.pks[key] = {"name": None, "constrained_columns": []}
    _foreign_keys(connection, found, wanted, ddl)
    found.others.update(wanted - {t for (_, t), cols in found.columns.items() if cols})
    for name in found.others:
        for mapping in (found.columns, found.pks, found.fks):
            mapping.pop((None, name), None)
    return found


def _pk_position(column: dict[str, Any]) -> int:
    return int(column["primary_key"])


def _declared_type(declared: str, known: Mapping[str, Any]) -> Any:
    """The inspector's type for a declared column type: ``known`` (the dialect's type names)
    or else SQLite's affinity rules; ``None`` where the inspector would warn."""
    match = _TYPE_NAME.match(declared)
    spelled, args = (match.group(1), match.group(2)) if match else ("", None)
    type_class: Any
    if spelled in known:
        type_class = known[spelled]
    elif "INT" in spelled:
        type_class = sqltypes.INTEGER
    elif "CHAR" in spelled or "CLOB" in spelled or "TEXT" in spelled:
        type_class = sqltypes.TEXT
    elif "BLOB" in spelled or not spelled:
        type_class = sqltypes.NullType
    elif "REAL" in spelled or "FLOA" in spelled or "DOUB" in spelled:
        type_class = sqltypes.REAL
    else:
        type_class = sqltypes.NUMERIC
    numbers = [int(n) for n in _NUMBER.findall(args)] if args is not None else []
    try:
        return type_class(*numbers)
    except TypeError:
        return None


def _key_columns(text: str) -> list[str]:
    return [quoted or bare for quoted, bare in _KEY_COLUMN.findall(text)]


def _foreign_keys(
    connection: Connection, found: TableFacts, wanted: set[str], ddl: Mapping[str, str]
) -> None:
    pragma: dict[str, dict[int, dict[str, Any]]] = {}
    for table, number, referred, column, to in connection.exec_driver_sql(_FOREIGN_KEY_ROWS):
        if table not in wanted:
            continue
        if to is None:  # the referred table's primary key, unnamed: left to the inspector
            found.others.add(table)
        entry = pragma.setdefault(table, {}).setdefault(
            number,
            {
                "name": None,
                "constrained_columns": [],
                "referred_schema": None,
                "referred_table": referred,
                "referred_columns": [],
                "options": {},
            },
        )
        entry["constrained_columns"].append(column)
        entry["referred_columns"].append(to)
    for table, by_number in pragma.items():
        if table in found.others:
            continue
        unmatched = {_signature(fk): fk for fk in by_number.values()}
        result = []
        text_ = ddl.get(table) or ""
        clauses = list(_FOREIGN_KEY_CLAUSE.finditer(text_))
        if len(clauses) != len(_FOREIGN_KEY_WORDS.findall(text_)):
            found.others.add(table)  # a clause spelled in a way not read here
            continue
        for clause in clauses:
            columns = _key_columns(clause["columns"])
            referred = clause["referred"]
            signature = (
                tuple(columns),
                clause["tableq"] or clause["table"],
                tuple(_key_columns(referred) if referred else columns),
            )
            fk = unmatched.pop(signature, None)
            if fk is None:  # the inspector warns about such a clause
                found.others.add(table)
                break
            fk["name"] = clause["nameq"] or clause["name"]
            fk["options"] = _fk_options(clause)
            result.append(fk)
        else:
            # What the text did not name: inline REFERENCES, unnamed and without options.
            result.extend(unmatched.values())
            found.fks[(None, table)] = result


def _signature(fk: dict[str, Any]) -> tuple[Any, ...]:
    return (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))


def _fk_options(clause: re.Match[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for event, action in _ACTION.findall(clause["actions"] or ""):
        action = " ".join(action.upper().split())
        if action != "NO ACTION":
            options["ondelete" if event.upper() == "DELETE" else "onupdate"] = action
    if clause["deferrable"]:
        options["deferrable"] = "NOT" not in clause["deferrable"].upper()
    if clause["initially"]:
        options["initially"] = clause["initially"].upper()
    return options


# -- indexes on expressions -----------------------------------------------------------------

_CREATE_INDEX = re.compile(
    r"^\s*CREATE\s+(?P<unique>UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?", re.IGNORECASE
)
_WHERE = re.compile(r"^\s*WHERE\s+(?P<predicate>.+?)\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_QUOTES = {"'": "'", '"': '"', "`": "`", "[": "]"}


def _elements(sql: str, start: int) -> tuple[list[str], int] | None:
    """The comma-separated elements between the parenthesis at ``start`` and its match, and
    the position after it; ``None`` if the text is not balanced."""
    elements: list[str] = []
    depth = 0
    begin = start + 1
    i = start
    while i < len(sql):
        char = sql[i]
        if char in _QUOTES:
            end = sql.find(_QUOTES[char], i + 1)
            if end < 0:
                return None
            i = end + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                elements.append(sql[begin:i].strip())
                return elements, i + 1
        elif char == "," and depth == 1:
            elements.append(sql[begin:i].strip())
            begin = i + 1
        i += 1
    return None


def expression_index(
    connection: Connection, schema: str | None, name: str
) -> dict[str, Any] | None:
    """An index on expressions that SQLAlchemy leaves out, read from its ``CREATE INDEX``
    text: ``column_names`` holds ``None`` where ``expressions`` holds an expression, and a
    partial index its ``sqlite_where``. ``None`` when the text cannot be read."""
    prefix = connection.dialect.identifier_preparer.quote_schema(schema) + "." if schema else ""
    sql = connection.exec_driver_sql(
        f"SELECT sql FROM {prefix}sqlite_master WHERE type = 'index' AND name = ?", (name,)
    ).scalar()
    head = _CREATE_INDEX.match(str(sql or ""))
    if sql is None or head is None:
        return None
    start = sql.find("(", head.end())
    parsed = _elements(sql, start) if start >= 0 else None
    if parsed is None:
        return None
    elements, end = parsed
    names: list[str | None] = []
    for element in elements:
        bare = re.fullmatch(r'"(.+)"|`(.+)`|\[(.+)\]|(\w+)', element)
        names.append(None if bare is None else next(g for g in bare.groups() if g))
    entry: dict[str, Any] = {
        "name": name,
        "unique": bool(head["unique"]),
        "column_names": names,
        "expressions": elements,
        "dialect_options": {},
    }
    rest = sql[end:]
    where = _WHERE.match(rest)
    if where is not None:
        entry["dialect_options"]["sqlite_where"] = text(where["predicate"])
    elif rest.strip(" \n\t;"):
        return None
    return entry
