"""Offline mode: ``upgrade``/``downgrade``/``stamp --sql`` write SQL instead of running it.

The SQL goes to standard output, the progress lines to standard error. Each script is then
run by the database's own client (Python's ``sqlite3``, ``psql``, ``mariadb``), and the
database must end up exactly as the same command run online leaves a fresh database.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.runtime._support import (
    App,
    app,
    dialect_of,
    error_lines,
    make_folder,
    reset,
    run_script,
    snapshot,
    version_rows,
    write_app,
    write_revision,
)

R1, R2, R3 = "4d5e6f7a8b01", "4d5e6f7a8b02", "4d5e6f7a8b03"
MESSAGES = {R1: "authors and books", R2: "born and active", R3: "reviews"}

R1_UP = """
op.create_table(
    "author",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
)
op.create_table(
    "book",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("title", sa.String(100)),
    sa.Column("author_id", sa.Integer(), sa.ForeignKey("author.id", name="fk_book_author")),
)
op.create_index("ix_book_title", "book", ["title"])
op.bulk_insert(
    sa.table("author", sa.column("id", sa.Integer), sa.column("name", sa.String)),
    [{"id": 1, "name": "Ursula"}, {"id": 2, "name": "O'Brien"}, {"id": 3, "name": "C:\\\\dir"}],
)
op.bulk_insert(
    sa.table(
        "book",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("author_id", sa.Integer),
    ),
    [{"id": 1, "title": "The Dispossessed", "author_id": 1}],
)
"""
R1_DOWN = """
op.drop_index("ix_book_title", table_name="book")
op.drop_table("book")
op.drop_table("author")
"""
R2_UP = """
op.add_column("author", sa.Column("born", sa.Integer(), nullable=True))
op.add_column(
    "author", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.false())
)
author = sa.table("author", sa.column("name", sa.String), sa.column("born", sa.Integer))
op.execute(
    author.update()
    .where(author.c.name == op.inline_literal("Ursula"))
    .values(born=op.inline_literal(1929))
)
"""
R2_DOWN = """
op.drop_column("author", "active")
op.drop_column("author", "born")
"""
R3_UP = """
op.create_table(
    "review",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("book_id", sa.Integer(), sa.ForeignKey("book.id"), nullable=False),
    sa.Column("stars", sa.Integer(), nullable=False, server_default="3"),
    sa.Column("body", sa.Text()),
)
op.create_index("ix_review_stars", "review", ["stars"], unique=False)
op.execute("INSERT INTO review (id, book_id, body) VALUES (1, 1, 'it''s good')")
"""
R3_DOWN = """
op.drop_index("ix_review_stars", table_name="review")
op.drop_table("review")
"""


def _folder(path: Path) -> Path:
    migrations = make_folder(path)
    write_revision(migrations, R1, None, R1_UP, R1_DOWN, message=MESSAGES[R1])
    write_revision(migrations, R2, R1, R2_UP, R2_DOWN, message=MESSAGES[R2])
    write_revision(migrations, R3, R2, R3_UP, R3_DOWN, message=MESSAGES[R3])
    return migrations


def _count(sql: str, line: str) -> int:
    return sql.splitlines().count(line)


def _check_upgrade_script(sql: str, dialect: str) -> None:
    transactional = dialect != "mysql"
    assert _count(sql, "BEGIN;") == (3 if transactional else 0)
    assert _count(sql, "COMMIT;") == (3 if transactional else 0)
    assert sql.count("CREATE TABLE alembic_version (") == 1
    assert sql.index("CREATE TABLE alembic_version (") < sql.index("-- Running upgrade")
    comments = re.findall(r"^-- Running .*$", sql, re.MULTILINE)
    assert comments == [
        f"-- Running upgrade  -> {R1}, {MESSAGES[R1]}",
        f"-- Running upgrade {R1} -> {R2}, {MESSAGES[R2]}",
        f"-- Running upgrade {R2} -> {R3}, {MESSAGES[R3]}",
    ]
    assert _count(sql, f"INSERT INTO alembic_version (version_num) VALUES ('{R1}');") == 1
    for old, new in [(R1, R2), (R2, R3)]:
        update = (
            f"UPDATE alembic_version SET version_num='{new}' "
            f"WHERE alembic_version.version_num = '{old}';"
        )
        assert _count(sql, update) == 1
    if transactional:
        # Each migration is one transaction, its version-table change inside it.
        blocks = sql.split("BEGIN;")[1:]
        assert all(block.rstrip().endswith("COMMIT;") for block in blocks)
        assert all("alembic_version" in block for block in blocks)


@pytest.mark.e2e
def test_upgrade_sql_command(tmp_path: Path, database_url: str) -> None:
    _folder(tmp_path / "proj")
    project = write_app(tmp_path / "proj", database_url)
    result = project.run("db", "upgrade", "--sql")
    _check_upgrade_script(result.stdout, dialect_of(database_url))
    # Messages on stderr, SQL on stdout only.
    assert f"Generating upgrade  -> {R1}, {MESSAGES[R1]}" in result.stderr.splitlines()
    assert "Generating" not in result.stdout
    assert "CREATE" not in result.stderr and "alembic_version" not in result.stderr
    # Nothing was connected to or written.
    assert version_rows(database_url) is None
    assert snapshot(database_url) == {}

    run_script(database_url, result.stdout)
    assert version_rows(database_url) == [R3]

    failed = project.run("db", "downgrade", "--sql", check=False)
    assert failed.returncode == 2  # the start of the range is missing: a usage error
    assert failed.stdout == ""
    assert "Traceback" not in failed.stderr
    lines = error_lines(failed.stderr)
    assert len(lines) == 1
    assert "downgrade with --sql needs the revision to start from" in lines[0]
    assert "<from>:" in lines[0]


def _offline_states(migrate: App, url: str) -> list[dict[str, Any]]:
    """Run each command's script with the database client; the state after each."""
    states = []
    for args in [
        ("upgrade", "--sql"),
        ("downgrade", "--sql", "head:base"),
        ("upgrade", "--sql", R1),
        ("upgrade", "--sql", f"{R1}:head"),
        ("downgrade", "--sql", f"head:{R1}"),
        ("downgrade", "--sql", f"{R1}:base"),
        ("stamp", "--sql", "head"),
        ("stamp", "--sql", f"{R3}:{R1}"),
        ("stamp", "--sql", f"{R1}:base"),
    ]:
        result = migrate.cli(*args)
        assert "Offline SQL for" in result.stderr
        run_script(url, result.stdout)
        states.append(snapshot(url))
    return states


def _online_states(migrate: App, url: str) -> list[dict[str, Any]]:
    """The same commands, online, each on the database the one before left."""
    states = []
    for command, target in [
        ("upgrade", "head"),
        ("downgrade", "base"),
        ("upgrade", R1),
        ("upgrade", "head"),
        ("downgrade", R1),
        ("downgrade", "base"),
        ("stamp", "head"),
        ("stamp", R1),
        ("stamp", "base"),
    ]:
        if command == "downgrade" and target == "base":
            # Offline, the downgrade to base drops the version table: compare the schema
            # the migrations leave, then start the next step from a fresh database.
            migrate.cli(command, target)
            assert version_rows(url) == []
            reset(url)
        elif command == "stamp" and target == "head":
            reset(url)
            migrate.cli(command, target)
        else:
            migrate.cli(command, target)
        states.append(snapshot(url))
    return states


def test_offline_scripts_match_online_runs(tmp_path: Path, database_url: str) -> None:
    migrations = _folder(tmp_path)
    with app(database_url, migrations) as migrate:
        offline = _offline_states(migrate, database_url)
        reset(database_url)
        online = _online_states(migrate, database_url)
    assert set(offline[0]) == {"alembic_version", "author", "book", "review"}
    assert offline[0]["alembic_version"] == online[0]["alembic_version"]
    for number, (script, live) in enumerate(zip(offline, online, strict=True)):
        assert script == live, f"state {number}"
    assert offline[1] == {}
    assert offline[6] == {"alembic_version": online[6]["alembic_version"]}
    versions = [state.get("alembic_version", {}).get("rows") for state in offline]
    assert versions == [[(R3,)], None, [(R1,)], [(R3,)], [(R1,)], None, [(R3,)], [(R1,)], []]


sql_transactional = pytest.mark.parametrize(
    "database_url",
    [
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
    ],
    indirect=True,
)


@sql_transactional
def test_one_transaction_for_the_whole_script(tmp_path: Path, database_url: str) -> None:
    migrations = _folder(tmp_path)
    with app(database_url, migrations, transaction_per_migration=False) as migrate:
        sql = migrate.cli("upgrade", "--sql").stdout
        assert _count(sql, "BEGIN;") == 1 and _count(sql, "COMMIT;") == 1
        assert sql.lstrip().startswith("BEGIN;") and sql.rstrip().endswith("COMMIT;")
        run_script(database_url, sql)
        assert version_rows(database_url) == [R3]
        down = migrate.cli("downgrade", "--sql", f"{R3}:{R1}").stdout
        assert _count(down, "BEGIN;") == 1 and _count(down, "COMMIT;") == 1
        run_script(database_url, down)
        assert version_rows(database_url) == [R1]


@pytest.mark.sqlite
def test_stamp_sql(tmp_path: Path, sqlite_url: str) -> None:
    migrations = _folder(tmp_path)
    with app(sqlite_url, migrations) as migrate:
        fresh = migrate.cli("stamp", "--sql", R2).stdout
        assert _count(fresh, "BEGIN;") == 1
        assert "CREATE TABLE alembic_version (" in fresh
        assert _count(fresh, f"INSERT INTO alembic_version (version_num) VALUES ('{R2}');") == 1

        moved = migrate.cli("stamp", "--sql", f"{R2}:{R3}").stdout
        # Not the version table; the applied log only if it is missing.
        assert "CREATE TABLE alembic_version (" not in moved
        assert "CREATE TABLE IF NOT EXISTS alembic_version_log (" in moved
        update = (
            f"UPDATE alembic_version SET version_num='{R3}' "
            f"WHERE alembic_version.version_num = '{R2}';"
        )
        assert _count(moved, update) == 1

        purge = migrate.cli("stamp", "--sql", "--purge", "head", code=2)
        assert purge.stdout == ""
        assert "--purge" in purge.stderr and "--sql" in purge.stderr

        several = migrate.cli("stamp", "--sql", f"{R1}:{R2}", f"{R2}:{R3}", code=2)
        assert "one starting revision" in several.stderr
    # Offline commands never touch the database.
    assert snapshot(sqlite_url) == {}


@pytest.mark.sqlite
def test_range_in_the_wrong_direction(tmp_path: Path, sqlite_url: str) -> None:
    migrations = _folder(tmp_path)
    with app(sqlite_url, migrations) as migrate:
        down = migrate.cli("downgrade", "--sql", f"{R1}:{R3}", code=1)
        assert down.stdout == ""
        assert error_lines(down.stderr) == [
            f"Error: Cannot downgrade from {R1} to '{R3}': it is not below {R1}; "
            f"run 'flask db upgrade --sql {R1}:{R3}' instead."
        ]
        up = migrate.cli("upgrade", "--sql", f"{R3}:{R2}", code=1)
        assert up.stdout == ""
        assert error_lines(up.stderr) == [
            f"Error: Cannot upgrade from {R3} to '{R2}': it is below {R3}; "
            f"run 'flask db downgrade --sql {R3}:{R2}' instead."
        ]
        # A relative target counts from the start of the range.
        back = migrate.cli("downgrade", "--sql", "head:-1").stdout
        assert re.findall(r"^-- Running .*$", back, re.MULTILINE) == [
            f"-- Running downgrade {R3} -> {R2}, {MESSAGES[R3]}"
        ]
