"""PostgreSQL tables read from the catalog in four queries (a fifth when a foreign key refers
to a table not asked for), shaped as SQLAlchemy's inspector gives them.

SQLAlchemy builds, compiles and runs one large catalog query per kind of object (columns,
primary keys, foreign keys, indexes, unique constraints, checks, comments); for a schema of
a few hundred tables that is most of the time a ``check`` takes on PostgreSQL. This reader
asks the catalog directly for the common case: tables whose columns have built-in types and
whose keys, constraints and indexes are plain. A table with anything else (an enum or domain
column, a collation, identity or generated columns, an expression, partial or non-btree
index, a foreign key to a table outside the search path, ...) is listed in
``others`` and read by SQLAlchemy, so nothing is ever described differently
from the inspector: tests compare the two on a schema with every case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, INTERVAL
from sqlalchemy.engine import Connection

from .facts import Key, TableFacts

__all__ = ["read_pg_tables", "supported"]


# Comments are joined from pg_description: the *_description() functions cost a lookup
# per row, which is most of a query's time for a few hundred tables.
def _described(alias: str, key: str, catalog: str, sub: str = "0") -> str:
    return (
        f"LEFT JOIN pg_catalog.pg_description AS {alias} ON {alias}.objoid = {key} "
        f"AND {alias}.classoid = 'pg_catalog.{catalog}'::regclass AND {alias}.objsubid = {sub}"
    )


# Tables of the search path, as the inspector lists them for schema None.
_TABLES = f"""
SELECT c.oid, c.relname, ds.description
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
{_described("ds", "c.oid", "pg_class")}
WHERE c.relkind IN ('r', 'p', 'f') AND c.relpersistence <> 't'
  AND pg_catalog.pg_table_is_visible(c.oid) AND n.nspname <> 'pg_catalog'
  AND c.relname = ANY(%(names)s)
"""

# The last column says the column is beyond this reader (identity, generated, a type that
# is not a built-in base type or an array of one, a collation of its own).
_COLUMNS = f"""
SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       CASE WHEN a.atthasdef THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
       a.attnotnull, ds.description, a.attcollation,
       (a.attidentity <> '' OR a.attgenerated <> '' OR t.typtype <> 'b'
        OR coalesce(e.typtype, 'b') <> 'b' OR a.attcollation <> t.typcollation)
FROM pg_catalog.pg_attribute AS a
JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type AS e ON e.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
{_described("ds", "a.attrelid", "pg_class", "a.attnum")}
WHERE a.attrelid = ANY(%(oids)s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

# Beyond this reader: exclusion and trigger constraints, foreign keys to a table outside
# the search path, MATCH FULL, ON DELETE SET NULL (columns).
_CONSTRAINTS = f"""
SELECT k.conrelid, k.conname, k.contype, k.conkey, k.confrelid, k.confkey, r.relname,
       k.confupdtype, k.confdeltype, k.condeferrable, k.condeferred,
       CASE WHEN k.contype = 'c' THEN pg_catalog.pg_get_constraintdef(k.oid, true) END,
       ds.description,
       (k.contype NOT IN ('p', 'u', 'f', 'c', 'n')
        OR (k.contype = 'f' AND (NOT pg_catalog.pg_table_is_visible(k.confrelid)
                                 OR k.confmatchtype <> 's'
                                 OR {{set_columns}})))
FROM pg_catalog.pg_constraint AS k
LEFT JOIN pg_catalog.pg_class AS r ON r.oid = k.confrelid
{_described("ds", "k.oid", "pg_constraint")}
WHERE k.conrelid = ANY(%(oids)s)
"""

# Beyond this reader: expression, partial, non-btree, INCLUDE, DESC/NULLS FIRST, non-default
# operator class, storage parameters, invalid, NULLS NOT DISTINCT (collations: in Python).
_INDEXES = """
SELECT x.indrelid, i.relname, x.indisunique, x.indisprimary, x.indkey::int2[],
       x.indcollation::oid[],
       (x.indexprs IS NOT NULL OR x.indpred IS NOT NULL OR am.amname <> 'btree'
        OR i.reloptions IS NOT NULL OR x.indnatts <> x.indnkeyatts OR NOT x.indisvalid
        OR {nulls} OR NOT x.indoption::int2[] <@ '{{0}}'::int2[]
        OR NOT x.indclass::oid[] <@ (SELECT array_agg(oc.oid) FROM pg_catalog.pg_opclass AS oc
                                     WHERE oc.opcdefault))
FROM pg_catalog.pg_index AS x
JOIN pg_catalog.pg_class AS i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_am AS am ON am.oid = i.relam
WHERE x.indrelid = ANY(%(oids)s)
"""

_ATTRIBUTES = """
SELECT a.attrelid, a.attnum, a.attname FROM pg_catalog.pg_attribute AS a
WHERE a.attrelid = ANY(%(oids)s) AND a.attnum > 0
"""

_CHECK = re.compile(r"^CHECK *\((.+)\)( NOT VALID)?$", re.DOTALL)
_NEXTVAL = re.compile(r"nextval\('[^']+'")
_TYPE_ARGS = re.compile(r"\((.*)\)")
_ARRAY_DIMS = re.compile(r"((?:\[\])*)$")
_TIME_ZONE = ("timestamp with time zone", "time with time zone")
_NO_TIME_ZONE = ("timestamp without time zone", "time without time zone", "time")
_RULES = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

# SQLAlchemy 2.0 also gives each index the INCLUDE columns under "include_columns" (the key
# 2.1 dropped for dialect_options["postgresql_include"]).
_INCLUDE_COLUMNS_KEY = tuple(int(part) for part in sqlalchemy.__version__.split(".")[:2]) < (2, 1)


def _server_15(connection: Connection) -> bool:
    return (connection.dialect.server_version_info or (0,)) >= (15,)


def constraints_query(server_15: bool) -> str:
    """The constraints query; ``confdelsetcols`` exists from PostgreSQL 15 on."""
    return _CONSTRAINTS.format(set_columns="k.confdelsetcols IS NOT NULL" if server_15 else "false")


def indexes_query(server_15: bool) -> str:
    """The indexes query; ``indnullsnotdistinct`` exists from PostgreSQL 15 on."""
    return _INDEXES.format(nulls="x.indnullsnotdistinct" if server_15 else "false")


def supported(connection: Connection) -> bool:
    """Whether the reader can serve this connection (driver and server version)."""
    dialect = connection.dialect
    version = dialect.server_version_info or (0,)
    return dialect.name == "postgresql" and dialect.driver == "psycopg" and version >= (12,)


@dataclass
class _Catalog:
    """One read: the tables by oid, and their columns by ``(table oid, attnum)``."""

    connection: Connection
    found: TableFacts
    tables: dict[int, str]
    names: dict[tuple[int, int], str] = field(default_factory=dict)
    collations: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def params(self) -> dict[str, Any]:
        return {"oids": list(self.tables)}

    def column_names(self, table: int, numbers: Sequence[int]) -> list[str] | None:
        """The names of a key's columns; ``None`` if one of them is not known."""
        found = [self.names.get((table, number)) for number in numbers]
        return None if None in found else [str(name) for name in found]


def read_pg_tables(connection: Connection, names: Sequence[str]) -> TableFacts:
    """The tables ``names`` of the search path (the inspector's schema ``None``)."""
    found = TableFacts()
    if not names:
        return found
    rows = connection.exec_driver_sql(_TABLES, {"names": list(names)}).all()
    catalog = _Catalog(connection, found, {int(oid): str(name) for oid, name, _ in rows})
    for _oid, name, comment in rows:
        key = (None, str(name))
        found.comments[key] = {"text": comment}
        for kinds in (found.columns, found.fks, found.indexes, found.uniques, found.checks):
            kinds[key] = []
        found.pks[key] = {"name": None, "constrained_columns": []}
    # A name the catalog did not return is left to the inspector (it raises as it should).
    found.others.update(set(names) - set(catalog.tables.values()))
    _read_columns(catalog)
    _read_constraints(catalog)
    _read_indexes(catalog)
    for kinds in (found.fks, found.indexes, found.uniques, found.checks):
        for entries in kinds.values():
            entries.sort(key=lambda entry: entry["name"] or "")
    for name in found.others:
        key = (None, name)
        for mapping in _kinds(found):
            mapping.pop(key, None)
    return found


def _kinds(found: TableFacts) -> tuple[dict[Key, Any], ...]:
    return (
        found.columns,
        found.pks,
        found.fks,
        found.indexes,
        found.uniques,
        found.checks,
        found.comments,
    )


def _read_columns(catalog: _Catalog) -> None:
    found = catalog.found
    ischema_names: dict[str, Any] = getattr(catalog.connection.dialect, "ischema_names", {})
    rows = catalog.connection.exec_driver_sql(_COLUMNS, catalog.params)
    for oid, number, name, spelled, default, not_null, comment, collation, unusual in rows:
        table = catalog.tables[oid]
        catalog.names[(oid, number)] = name
        catalog.collations[(oid, number)] = collation
        column_type = None if unusual else _column_type(str(spelled), ischema_names)
        if column_type is None:
            found.others.add(table)
            continue
        autoincrement = (
            default is not None
            and _NEXTVAL.search(default) is not None
            and isinstance(column_type, sqltypes.Integer)
        )
        found.columns[(None, table)].append(
            {
                "name": name,
                "type": column_type,
                "nullable": not not_null,
                "default": default,
                "autoincrement": autoincrement,
                "comment": comment,
            }
        )


def _referred_names(catalog: _Catalog, rows: Sequence[Any]) -> None:
    """Learn the column names of referred tables that are not among those read."""
    outside = {int(row[4]) for row in rows if row[2] == "f"} - set(catalog.tables)
    if outside:
        query = catalog.connection.exec_driver_sql(_ATTRIBUTES, {"oids": sorted(outside)})
        for oid, number, name in query:
            catalog.names[(oid, number)] = name


def _read_constraints(catalog: _Catalog) -> None:
    found = catalog.found
    nulls_option = _server_15(catalog.connection)
    query = constraints_query(nulls_option)
    rows = catalog.connection.exec_driver_sql(query, catalog.params).all()
    _referred_names(catalog, rows)
    for row in rows:
        oid, name, kind, numbers, referred_oid, referred_numbers, referred_table = row[:7]
        on_update, on_delete, deferrable, deferred, definition, comment, unusual = row[7:]
        table = catalog.tables[oid]
        key = (None, table)
        if kind == "n" and not unusual:
            continue  # NOT NULL constraints (PostgreSQL 18): the columns say it
        columns = catalog.column_names(oid, numbers or [])
        if unusual or columns is None:
            found.others.add(table)
        elif kind == "p":
            found.pks[key] = {
                "constrained_columns": columns,
                "name": name,
                "comment": comment,
                "dialect_options": {"postgresql_include": []},
            }
        elif kind == "u":
            options: dict[str, Any] = {"postgresql_include": []}
            if nulls_option:
                options["postgresql_nulls_not_distinct"] = False
            found.uniques[key].append(
                {
                    "column_names": columns,
                    "name": name,
                    "comment": comment,
                    "dialect_options": options,
                }
            )
        elif kind == "f":
            referred = catalog.column_names(referred_oid, referred_numbers or [])
            if referred is None:
                found.others.add(table)
                continue
            found.fks[key].append(
                {
                    "name": name,
                    "constrained_columns": columns,
                    "referred_schema": None,
                    "referred_table": referred_table,
                    "referred_columns": referred,
                    "options": _fk_options(on_update, on_delete, deferrable, deferred),
                    "comment": comment,
                }
            )
        else:
            match = _CHECK.match(definition or "")
            if match is None:
                found.others.add(table)
                continue
            check: dict[str, Any] = {"name": name, "sqltext": match[1], "comment": comment}
            if match[2]:
                check["dialect_options"] = {"not_valid": True}
            found.checks[key].append(check)


def _fk_options(on_update: str, on_delete: str, deferrable: bool, deferred: bool) -> dict[str, Any]:
    # As the inspector words them: NO ACTION and NOT DEFERRABLE are left out.
    options: dict[str, Any] = {}
    if on_update in _RULES:
        options["onupdate"] = _RULES[on_update]
    if on_delete in _RULES:
        options["ondelete"] = _RULES[on_delete]
    if deferred:
        options["initially"] = "DEFERRED"
    if deferrable:
        options["deferrable"] = True
    return options


def _read_indexes(catalog: _Catalog) -> None:
    found = catalog.found
    query = indexes_query(_server_15(catalog.connection))
    constraint_names = {
        (key[1], entry["name"]) for key, entries in found.uniques.items() for entry in entries
    }
    rows = catalog.connection.exec_driver_sql(query, catalog.params)
    for oid, name, unique, primary, numbers, collations, unusual in rows:
        table = catalog.tables[oid]
        columns = catalog.column_names(oid, numbers)
        own_collation = any(
            collation != catalog.collations.get((oid, number))
            for number, collation in zip(numbers, collations, strict=False)
        )
        if unusual or columns is None or own_collation:
            found.others.add(table)
            continue
        if primary:
            continue
        entry: dict[str, Any] = {"name": name, "unique": unique, "column_names": columns}
        if (table, name) in constraint_names:
            entry["duplicates_constraint"] = name
        if _INCLUDE_COLUMNS_KEY:
            entry["include_columns"] = []
        entry["dialect_options"] = {"postgresql_include": []}
        found.indexes[(None, table)].append(entry)


def _column_type(spelled: str, ischema_names: dict[str, Any]) -> Any:
    """The SQLAlchemy type of a built-in ``format_type()`` spelling; ``None`` if unknown."""
    args_match = _TYPE_ARGS.search(spelled)
    args: list[str] = []
    if args_match and args_match.group(1):
        args = [part.strip() for part in args_match.group(1).split(",")]
    dims_match = _ARRAY_DIMS.search(spelled)
    dims = len(dims_match.group(1)) // 2 if dims_match else 0
    base = _ARRAY_DIMS.sub("", _TYPE_ARGS.sub("", spelled))
    type_class = ischema_names.get(base.lower())
    positional: tuple[Any, ...] = ()
    keywords: dict[str, Any] = {}
    if base == "interval" or base.startswith("interval "):
        type_class = INTERVAL
        if base != "interval":
            keywords["fields"] = base[len("interval ") :]
        if len(args) == 1:
            keywords["precision"] = int(args[0])
    elif type_class is None:
        return None
    elif base == "numeric":
        if len(args) == 2:
            positional = (int(args[0]), int(args[1]))
    elif base == "double precision":
        type_class = DOUBLE_PRECISION
        positional = (53,)
    elif base == "integer":
        pass
    elif base in _TIME_ZONE or base in _NO_TIME_ZONE:
        keywords["timezone"] = base in _TIME_ZONE
        if len(args) == 1:
            keywords["precision"] = int(args[0])
    elif base == "bit varying":
        keywords["varying"] = True
        if len(args) == 1:
            positional = (int(args[0]),)
    elif args:
        try:
            positional = (int(args[0]), *args[1:])
        except ValueError:
            positional = tuple(args)
    column_type: Any = type_class(*positional, **keywords)
    return ARRAY(column_type) if dims else column_type
