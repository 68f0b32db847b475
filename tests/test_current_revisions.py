"""``current_revisions()``: the revision the app's database is at, read from application code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_lite import (
    CommandError,
    Migrate,
    current_revisions,
    downgrade,
    init,
    revision,
    upgrade,
)


@contextmanager
def _app(tmp_path: Path, url: str, **migrate_args: Any) -> Iterator[tuple[Flask, SQLAlchemy]]:
    """An app on ``url`` (and a SQLite bind 'other'), in its context; engines closed after."""
    app = Flask("current_revisions")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_BINDS"] = {"other": f"sqlite:///{tmp_path / 'other.db'}"}
    db = SQLAlchemy(app)
    Migrate(app, db, directory=str(tmp_path / "migrations"), **migrate_args)
    with app.app_context():
        try:
            yield app, db
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


def test_current_revisions_follows_the_database(tmp_path: Path, database_url: str) -> None:
    with _app(tmp_path, database_url) as (_app_, db):
        init(report=lambda line: None)
        first = revision(message="first", rev_id="aaa000000001", report=lambda line: None)
        second = revision(message="second", rev_id="aaa000000002", report=lambda line: None)
        assert first is not None and second is not None
        assert current_revisions() == ()
        upgrade(revision="aaa000000001", report=lambda line: None)
        assert current_revisions() == ("aaa000000001",)
        upgrade(report=lambda line: None)
        assert current_revisions() == ("aaa000000002",)
        # On the application's own connection, inside its transaction.
        assert current_revisions(connection=db.session.connection()) == ("aaa000000002",)
        db.session.rollback()
        downgrade(revision="base", report=lambda line: None)
        assert current_revisions() == ()
        # The other database was never migrated.
        assert current_revisions("other") == ()


def test_current_revisions_reads_the_configured_version_table(
    tmp_path: Path, database_url: str
) -> None:
    with _app(tmp_path, database_url, version_table="schema_version") as (_app_, db):
        with db.engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE schema_version (version_num VARCHAR(32))"))
            connection.execute(
                sa.text("INSERT INTO schema_version VALUES ('bbb000000001'), ('ccc000000001')")
            )
        assert sorted(current_revisions()) == ["bbb000000001", "ccc000000001"]


@pytest.mark.sqlite
def test_an_unknown_bind_is_named(tmp_path: Path, sqlite_url: str) -> None:
    with _app(tmp_path, sqlite_url), pytest.raises(CommandError) as caught:
        current_revisions("othr")
    assert str(caught.value) == (
        "There is no database bind named 'othr'; the app has '', 'other' "
        "(SQLALCHEMY_BINDS, '' is the default database)."
    )
