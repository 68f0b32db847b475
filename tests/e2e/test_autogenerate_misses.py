"""Through the real ``flask db`` commands: a check condition, a partial index's predicate and
a primary key changed on a table holding rows, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.project import Project, make_project

pytestmark = pytest.mark.e2e

MODELS = """
class Entry(db.Model):
    __tablename__ = "me_entry"
    __table_args__ = (
        sa.PrimaryKeyConstraint({key}),
        sa.CheckConstraint("{condition}", name="ck_me_entry_score"),
        sa.Index(
            "ix_me_entry_name",
            "name",
            postgresql_where=sa.text("{where}"),
            sqlite_where=sa.text("{where}"),
        ),
    )
    book = sa.Column(sa.Integer, nullable=False, autoincrement=False)
    line = sa.Column(sa.Integer, nullable=False, autoincrement=False)
    name = sa.Column(sa.String(20), nullable=False)
    score = sa.Column(sa.Integer, nullable=False)
"""

ROWS = [
    {"book": 1, "line": 1, "name": "a", "score": 5},
    {"book": 1, "line": 2, "name": "b", "score": 50},
    {"book": 2, "line": 1, "name": "c", "score": 0},
]


def _models(key: str, condition: str, where: str) -> str:
    return MODELS.format(key=key, condition=condition, where=where)


def _rows(url: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            query = "SELECT book, line, name, score FROM me_entry ORDER BY book, line"
            return [tuple(row) for row in conn.exec_driver_sql(query)]
    finally:
        engine.dispose()


def _insert(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            table = sa.table("me_entry", *map(sa.column, ROWS[0]))
            conn.execute(table.insert(), ROWS)
    finally:
        engine.dispose()


def _key(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return list(sa.inspect(conn).get_pk_constraint("me_entry")["constrained_columns"])
    finally:
        engine.dispose()


def _use(project: Project, models: str) -> None:
    source = (project.path / "app.py").read_text()
    start = source.index("class Entry")
    end = source.index("\ndef ", start) + 1  # the first function after the models
    (project.path / "app.py").write_text(source[:start] + models.strip() + "\n\n\n" + source[end:])


def test_changes_written_and_undone_keep_rows(tmp_path: Path, database_url: str) -> None:
    first = _models('"book", "line"', "score >= 0", "score > 0")
    second = _models('"book", "line", "name"', "score >= 0 AND score < 100", "score > 1")
    project = make_project(tmp_path / "proj", database_url, models=first)
    project.run("db", "init")
    project.run("db", "migrate", "-m", "entries")
    project.run("db", "upgrade")
    _insert(database_url)
    rows = _rows(database_url)
    assert project.run("db", "check").returncode == 0

    _use(project, second)
    found = project.run("db", "check", check=False)
    assert found.returncode == 1
    assert "Detected changed check constraint 'ck_me_entry_score' on 'me_entry'" in found.output
    assert "Detected changed primary key (book, line) to (book, line, name)" in found.output
    index_changed = "Detected changed index 'ix_me_entry_name' on 'me_entry'" in found.output
    assert index_changed == (project.url.split(":")[0].split("+")[0] != "mysql")
    project.run("db", "migrate", "-m", "changes")
    project.run("db", "upgrade")
    assert project.run("db", "check").stdout.strip() == "No new upgrade operations detected."
    assert _rows(database_url) == rows
    assert _key(database_url) == ["book", "line", "name"]

    project.run("db", "downgrade")
    assert _rows(database_url) == rows
    assert _key(database_url) == ["book", "line"]
    _use(project, first)
    (sorted(project.revision_files(), key=lambda p: p.stat().st_mtime)[-1]).unlink()
    assert project.run("db", "check").stdout.strip() == "No new upgrade operations detected."
