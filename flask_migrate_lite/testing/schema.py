"""The schema of a database as the migration tests compare it, read cheaply and often.

A :class:`SchemaReader` answers "what does the database hold now?" with one catalog query:
each table's *fingerprint* (its columns, indexes and constraints as the catalog spells them).
Only a table whose fingerprint was never seen before is reflected in detail (SQLAlchemy's
inspector, through the engine's bulk readers) into a :class:`TableShape`; shapes are kept by
fingerprint, so a history of hundreds of revisions reflects each table state once. Two
snapshots are compared table by table, and only tables whose fingerprints differ are compared
shape by shape, which says in words what differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["Snapshot", "SchemaReader", "TableShape", "differences"]

# One row per column, index and constraint: (table, text), from the connection's default
# schema. Two equal fingerprints mean the same table; different ones are compared in detail.
_FINGERPRINTS = {
    "sqlite": [
        "SELECT tbl_name, type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master "
        "WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'"
    ],
    # Catalog identities rather than deparsed text: an index or a default made again gets a
    # new oid, which only costs one more detailed reflection of that table.
    "postgresql": [
        "SELECT c.relname, 'c ' || a.attname || ' ' || a.atttypid || ' ' || a.atttypmod "
        "|| ' ' || a.attnotnull || ' ' || coalesce(d.oid::text, '') "
        "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') "
        "AND a.attnum > 0 AND NOT a.attisdropped "
        "UNION ALL SELECT c.relname, 'i ' || i.indexrelid || ' ' || x.relname "
        "FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid "
        "JOIN pg_class x ON x.oid = i.indexrelid "
        "WHERE c.relnamespace = current_schema()::regnamespace "
        "UNION ALL SELECT c.relname, 'k ' || k.oid || ' ' || k.conname "
        "FROM pg_class c JOIN pg_constraint k ON k.conrelid = c.oid "
        "WHERE c.relnamespace = current_schema()::regnamespace"
    ],
    "mysql": [
        "SELECT TABLE_NAME, CONCAT_WS(' ', 'c', COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, "
        "IFNULL(COLUMN_DEFAULT, '~'), EXTRA) FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE()",
        "SELECT TABLE_NAME, CONCAT_WS(' ', 'i', INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, "
        "COLUMN_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()",
        "SELECT TABLE_NAME, CONCAT_WS(' ', 'k', CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE, "
        "REFERENCED_TABLE_NAME) FROM information_schema.REFERENTIAL_CONSTRAINTS "
        "WHERE CONSTRAINT_SCHEMA = DATABASE()",
        "SELECT TABLE_NAME, CONCAT_WS(' ', 'r', CONSTRAINT_NAME, COLUMN_NAME, "
        "REFERENCED_COLUMN_NAME) FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL",
        "SELECT TABLE_NAME, CONCAT_WS(' ', 'x', CONSTRAINT_NAME, CONSTRAINT_TYPE) "
        "FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE()",
    ],
}


@dataclass(frozen=True)
class TableShape:
    """One table as the comparison sees it: every part as a set of short descriptions."""

    #: column name -> "TYPE, NULL|NOT NULL, DEFAULT x"
    columns: Mapping[str, str]
    primary_key: tuple[str, ...]
    indexes: frozenset[str]
    uniques: frozenset[str]
    foreign_keys: frozenset[str]
    checks: frozenset[str]


#: table name -> fingerprint; the shapes are read from a :class:`SchemaReader`.
Snapshot = dict[str, str]


def _column(column: Mapping[str, object], dialect: sa.Dialect) -> str:
    type_ = column["type"]
    try:
        type_text = str(type_.compile(dialect=dialect))  # type: ignore[attr-defined]
    except Exception:  # a type the dialect cannot write back: its repr says enough
        type_text = repr(type_)
    parts = [type_text, "NULL" if column.get("nullable", True) else "NOT NULL"]
    if column.get("default") is not None:
        parts.append(f"DEFAULT {column['default']}")
    return ", ".join(parts)


def _names(columns: Iterable[object]) -> str:
    return ", ".join(str(column) for column in columns)


class SchemaReader:
    """Reads snapshots of one connection's default schema, leaving out ``ignore`` tables."""

    def __init__(self, connection: Connection, ignore: Iterable[str]) -> None:
        self.connection = connection
        self.ignore = set(ignore)
        name = connection.dialect.name
        self.queries = _FINGERPRINTS.get("mysql" if name == "mariadb" else name)
        self.shapes: dict[tuple[str, str], TableShape] = {}

    def snapshot(self) -> Snapshot:
        """Every table's fingerprint (one catalog read; or a full reflection on a database
        without a catalog query here, where the shape's text is the fingerprint)."""
        if self.queries is None:
            return self._reflected_snapshot()
        parts: dict[str, list[str]] = {}
        for query in self.queries:
            for table, text in self.connection.exec_driver_sql(query):
                if table not in self.ignore:
                    parts.setdefault(table, []).append(str(text))
        snapshot = {table: "\n".join(sorted(texts)) for table, texts in parts.items()}
        # A table state never seen is reflected now, while the database holds it.
        new = [name for name, text in snapshot.items() if (name, text) not in self.shapes]
        if new:
            for name, shape in self._reflect(new).items():
                self.shapes[(name, snapshot[name])] = shape
        return snapshot

    def _reflected_snapshot(self) -> Snapshot:
        names = [n for n in sa.inspect(self.connection).get_table_names() if n not in self.ignore]
        shapes = self._reflect(names)
        result = {}
        for name, shape in shapes.items():
            result[name] = repr(shape)
            self.shapes[(name, result[name])] = shape
        return result

    def shape(self, table: str, fingerprint: str) -> TableShape:
        """The shape of ``table`` when it had ``fingerprint`` (read by :meth:`snapshot`)."""
        return self.shapes[(table, fingerprint)]

    def _reflect(self, names: list[str]) -> dict[str, TableShape]:
        from ..engine.autogenerate.reflect import read_tables

        dialect = self.connection.dialect
        reading = read_tables(self.connection, sa.inspect(self.connection), None, names)
        shapes = {}
        for name, table in reading.tables.items():
            # A unique constraint's own index is reported with the constraint only.
            constraint_names = {uq.get("name") for uq in table.uniques} - {None}
            indexes = [ix for ix in table.indexes if ix.get("name") not in constraint_names]
            shapes[name] = TableShape(
                columns={c["name"]: _column(c, dialect) for c in table.columns},
                primary_key=tuple(table.pk.get("constrained_columns") or ()),
                indexes=frozenset(
                    f"{'unique ' if ix.get('unique') else ''}index {ix.get('name')} "
                    f"({_names(ix.get('column_names') or ())})"
                    for ix in indexes
                ),
                uniques=frozenset(
                    f"unique {uq.get('name') or ''} ({_names(uq['column_names'])})".replace(
                        "  ", " "
                    )
                    for uq in table.uniques
                ),
                foreign_keys=frozenset(
                    f"foreign key ({_names(fk['constrained_columns'])}) references "
                    f"{fk['referred_table']} ({_names(fk['referred_columns'])})"
                    + "".join(
                        f" {key.upper()} {value}"
                        for key, value in sorted((fk.get("options") or {}).items())
                        if key in ("ondelete", "onupdate") and value
                    )
                    for fk in table.fks
                ),
                checks=frozenset(
                    f"check {ck.get('name') or ''} ({ck['sqltext']})" for ck in table.checks
                ),
            )
        return shapes


def _set_changes(what: str, before: frozenset[str], after: frozenset[str]) -> list[str]:
    lines = [f"{what} {item} is missing" for item in sorted(before - after)]
    lines += [f"{what} {item} was left behind" for item in sorted(after - before)]
    return lines


def _table_differences(before: TableShape, after: TableShape) -> list[str]:
    lines = [f"column {name} is missing" for name in before.columns if name not in after.columns]
    lines += [
        f"column {name} was left behind" for name in after.columns if name not in before.columns
    ]
    for name, text in before.columns.items():
        now = after.columns.get(name)
        if now is not None and now != text:
            lines.append(f"column {name} is {now}, was {text}")
    if before.primary_key != after.primary_key:
        lines.append(
            f"primary key is ({_names(after.primary_key)}), was ({_names(before.primary_key)})"
        )
    for label, old, new in (
        ("", before.indexes, after.indexes),
        ("", before.uniques, after.uniques),
        ("", before.foreign_keys, after.foreign_keys),
        ("", before.checks, after.checks),
    ):
        lines += [line.strip() for line in _set_changes(label, old, new)]
    return lines


def differences(reader: SchemaReader, before: Snapshot, after: Snapshot) -> list[str]:
    """What differs from ``before`` to ``after``, one line each (empty: the same schema)."""
    lines = [f"table {name} is missing" for name in sorted(before) if name not in after]
    lines += [f"table {name} was left behind" for name in sorted(after) if name not in before]
    for name in sorted(set(before) & set(after)):
        if before[name] == after[name]:
            continue
        found = _table_differences(
            reader.shape(name, before[name]), reader.shape(name, after[name])
        )
        lines += [f"table {name}: {line}" for line in found]
    return lines
