"""The tutorial workflow on each database: SQLite, PostgreSQL and MariaDB/MySQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.project import Project, fill_revision, make_project

pytestmark = pytest.mark.e2e

UP = """
op.create_table(
    "author",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
)
op.create_table(
    "book",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("author_id", sa.Integer(), sa.ForeignKey("author.id", name="fk_book_author")),
)
op.create_index("ix_book_title", "book", ["title"])
op.bulk_insert(
    sa.table("author", sa.column("id", sa.Integer), sa.column("name", sa.String)),
    [{"id": 1, "name": "Ursula"}, {"id": 2, "name": "Iain"}],
)
"""
DOWN = """
op.drop_index("ix_book_title", table_name="book")
op.drop_table("book")
op.drop_table("author")
"""
UP2 = """
with op.batch_alter_table("author") as batch_op:
    batch_op.add_column(sa.Column("born", sa.Integer(), nullable=True))
    batch_op.create_unique_constraint("uq_author_name", ["name"])
"""
DOWN2 = """
with op.batch_alter_table("author") as batch_op:
    batch_op.drop_constraint("uq_author_name", type_="unique")
    batch_op.drop_column("born")
"""


def _generated(output: str) -> Path:
    match = re.search(r"^Generating (\S+\.py) \.\.\.  done$", output, re.MULTILINE)
    assert match, output
    return Path(match.group(1))


def _columns(url: str, table: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [c["name"] for c in sa.inspect(conn).get_columns(table)]
    finally:
        engine.dispose()


def _authors(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(sa.text("SELECT name FROM author ORDER BY id")))
    finally:
        engine.dispose()


def test_workflow(tmp_path: Path, database_url: str) -> None:
    project: Project = make_project(tmp_path / "proj", database_url)
    project.run("db", "init")
    first = _generated(project.run("db", "revision", "-m", "Initial revision").stderr)
    first_id = first.name.split("_", 1)[0]
    up = project.run("db", "upgrade", "heads")
    assert f"Running upgrade  -> {first_id}, Initial revision" in up.stderr.splitlines()
    assert project.versions() == [first_id]

    second = _generated(project.run("db", "revision", "-m", "Catalogue").stderr)
    fill_revision(second, UP, DOWN)
    third = _generated(project.run("db", "revision", "-m", "Author born").stderr)
    fill_revision(third, UP2, DOWN2)
    second_id, third_id = (p.name.split("_", 1)[0] for p in (second, third))

    project.run("db", "upgrade", second_id[:6])
    assert project.versions() == [second_id]
    assert {"author", "book"} <= project.tables()
    assert _authors(database_url) == ["Ursula", "Iain"]

    project.run("db", "upgrade", "head")
    assert project.versions() == [third_id]
    assert "born" in _columns(database_url, "author")
    assert _authors(database_url) == ["Ursula", "Iain"]

    down = project.run("db", "downgrade", "-1")
    assert f"Running downgrade {third_id} -> {second_id}, Author born" in down.stderr.splitlines()
    assert "born" not in _columns(database_url, "author")
    assert _authors(database_url) == ["Ursula", "Iain"]

    project.run("db", "downgrade", "base")
    assert project.versions() == []
    assert project.tables() == {"alembic_version"}


USER_MODEL = """
class User(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(64), nullable=False)
    email = sa.Column(sa.String(120), unique=True, index=True)
"""


def test_seed_workflow_with_autogenerate(tmp_path: Path, database_url: str) -> None:
    # init -> revision -> upgrade heads -> add a model -> migrate -> upgrade head ->
    # downgrade -1 -> upgrade <prefix> -> check -> downgrade -1 -> downgrade base
    project: Project = make_project(tmp_path / "proj", database_url)
    project.run("db", "init")
    first = _generated(project.run("db", "revision", "-m", "Initial revision").stderr)
    first_id = first.name.split("_")[0]
    project.run("db", "upgrade", "heads")
    assert project.versions() == [first_id]
    source = (project.path / "app.py").read_text()
    (project.path / "app.py").write_text(
        source.replace("def create_app():", USER_MODEL + "\n\ndef create_app():")
    )
    made = project.run("db", "migrate", "-m", "User Model")
    assert "Detected added table 'user'" in made.stderr.splitlines()
    second_id = _generated(made.stderr).name.split("_")[0]
    up = project.run("db", "upgrade", "head")
    assert f"Running upgrade {first_id} -> {second_id}, User Model" in up.stderr.splitlines()
    assert "user" in project.tables() and project.versions() == [second_id]
    project.run("db", "downgrade", "-1")
    assert "user" not in project.tables() and project.versions() == [first_id]
    project.run("db", "upgrade", second_id[:6])
    assert project.versions() == [second_id]
    assert project.run("db", "check").stdout.strip() == "No new upgrade operations detected."
    down = project.run("db", "downgrade", "-1")
    assert f"Running downgrade {second_id} -> {first_id}, User Model" in down.stderr.splitlines()
    project.run("db", "downgrade", "base")
    assert project.versions() == [] and "user" not in project.tables()
