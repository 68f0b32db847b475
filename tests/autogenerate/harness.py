"""Helpers for the autogenerate tests: in-process apps on a models builder, schema snapshots.

A *builder* is a function ``build(metadata, dialect_name)`` that declares tables on a
Flask-SQLAlchemy ``MetaData``; :class:`Workbench` makes a Flask app from one and runs the
command functions (``migrate``, ``upgrade``, ``check``, ``downgrade``) inside its app context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_lite import Migrate, commands
from flask_migrate_lite.engine.script.graph import Revision
from tests.databases import APPLIED_LOG

Build = Callable[[sa.MetaData, str], object]
Rows = Mapping[str, Sequence[Mapping[str, Any]]]

VERSION_TABLE = "alembic_version"


def backend(url: str) -> str:
    """``sqlite``, ``postgresql`` or ``mysql``."""
    return sa.make_url(url).get_backend_name()


def engine_options(url: str) -> dict[str, Any]:
    """No pooling (each test's databases are dropped); for MySQL no TLS attempt.

    PyMySQL builds a TLS context for every connection when the server offers TLS, which
    costs more than the rest of a connection on the local test server.
    """
    options: dict[str, Any] = {"poolclass": sa.pool.NullPool}
    if backend(url) == "mysql":
        options["connect_args"] = {"ssl_disabled": True}
    return options


class Workbench:
    """A migrations folder and a database; apps on any models, commands run in-process."""

    def __init__(self, tmp_path: Path, url: str, **migrate_args: Any) -> None:
        self.folder = tmp_path / "migrations"
        self.url = url
        self.dialect = backend(url)
        self.migrate_args = migrate_args
        self.lines: list[str] = []

    def app(self, build: Build, **migrate_args: Any) -> Flask:
        app = Flask(f"autogen_{id(build)}")
        app.config["SQLALCHEMY_DATABASE_URI"] = self.url
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(self.url)
        db = SQLAlchemy(app)
        build(db.metadata, self.dialect)
        Migrate(app, db, directory=str(self.folder), **{**self.migrate_args, **migrate_args})
        return app

    @contextmanager
    def context(self, build: Build, **migrate_args: Any) -> Iterator[Flask]:
        app = self.app(build, **migrate_args)
        with app.app_context():
            yield app
            for engine in app.extensions["sqlalchemy"].engines.values():
                engine.dispose()

    def report(self, line: str) -> None:
        self.lines.append(line)

    def init(self) -> None:
        with self.context(_nothing):
            commands.init(self.folder, report=self.report)

    def migrate(self, build: Build, message: str = "x", **migrate_args: Any) -> Revision | None:
        with self.context(build, **migrate_args):
            return commands.migrate(self.folder, message, report=self.report)

    def upgrade(self, build: Build, revision: str = "head") -> None:
        with self.context(build):
            commands.upgrade(self.folder, revision, report=self.report)

    def downgrade(self, build: Build, revision: str = "-1") -> None:
        with self.context(build):
            commands.downgrade(self.folder, revision, report=self.report)

    def check(self, build: Build, **migrate_args: Any) -> list[str]:
        """The changes ``check`` reports (empty when the models and the database agree)."""
        with self.context(build, **migrate_args):
            return commands.check(self.folder).messages

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.url, **engine_options(self.url))

    def insert(self, rows: Rows) -> None:
        engine = self.engine()
        try:
            with engine.begin() as conn:
                for table, values in rows.items():
                    if values:
                        conn.execute(sa.table(table, *map(sa.column, values[0])).insert(), values)
        finally:
            engine.dispose()

    def select(self, table: str, columns: Sequence[str]) -> list[tuple[Any, ...]]:
        engine = self.engine()
        try:
            with engine.connect() as conn:
                selected: list[sa.ColumnClause[Any]] = [sa.column(name) for name in columns]
                query = sa.select(*selected).select_from(sa.table(table))
                return [tuple(row) for row in conn.execute(query.order_by(sa.text("1")))]
        finally:
            engine.dispose()

    def snapshot(self, *, enums: bool = True) -> dict[str, Any]:
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return snapshot(conn, enums=enums)
        finally:
            engine.dispose()


def _nothing(metadata: sa.MetaData, dialect: str) -> None:
    """Models with no tables."""


def snapshot(conn: sa.Connection, *, enums: bool = True) -> dict[str, Any]:
    """The schema as the database reports it, in comparable plain data.

    Tables; columns with their types compiled for the dialect, nullability, server defaults
    and comments; indexes, unique constraints, foreign keys and named check constraints;
    PostgreSQL enum types with their values.
    """
    dialect = conn.dialect
    insp = sa.inspect(conn)
    names = sorted(n for n in insp.get_table_names() if n not in (VERSION_TABLE, APPLIED_LOG))
    result: dict[str, Any] = {}
    for name in names:
        columns = [
            (
                col["name"],
                col["type"].compile(dialect=dialect),
                col["nullable"],
                None if col.get("default") is None else str(col["default"]),
                col.get("comment"),
            )
            for col in insp.get_columns(name)
        ]
        pk = insp.get_pk_constraint(name)
        indexes = sorted(
            (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
            for ix in insp.get_indexes(name)
        )
        uniques = sorted(
            (uq["name"] or "", tuple(uq["column_names"]))
            for uq in insp.get_unique_constraints(name)
        )
        fks = sorted(
            (
                fk["name"] or "",
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                tuple(sorted((fk.get("options") or {}).items())),
            )
            for fk in insp.get_foreign_keys(name)
        )
        checks = sorted(
            (ck["name"], " ".join(str(ck["sqltext"]).split()))
            for ck in insp.get_check_constraints(name)
            if ck.get("name") and not str(ck["name"]).lower().startswith("constraint_")
        )
        comment = insp.get_table_comment(name).get("text") if dialect.supports_comments else None
        result[name] = {
            "columns": columns,
            "pk": tuple(pk.get("constrained_columns") or ()),
            "indexes": indexes,
            "uniques": uniques,
            "foreign_keys": fks,
            "checks": checks,
            "comment": comment,
        }
    if enums and dialect.name == "postgresql":
        result["<enums>"] = sorted(
            (e["name"], tuple(e["labels"]))
            for e in insp.get_enums(schema="*")  # type: ignore[attr-defined]
        )
    return result


def schema_differences(actual: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """Readable differences between two :func:`snapshot` results (empty when equal)."""
    out = []
    for table in sorted(set(actual) | set(expected)):
        if table not in actual or table not in expected:
            where = "missing" if table not in actual else "unexpected"
            out.append(f"{table}: {where}")
            continue
        if isinstance(expected[table], dict):
            for key in sorted(set(actual[table]) | set(expected[table])):
                now, then = actual[table].get(key), expected[table].get(key)
                if now != then:
                    out.append(f"{table}.{key}: {now!r} != expected {then!r}")
        elif actual[table] != expected[table]:
            out.append(f"{table}: {actual[table]!r} != expected {expected[table]!r}")
    return out
