"""The rows of ``alembic_version`` after each command, exactly as Alembic keeps them.

The history has two branches that merge::

    R0 -> A1 (label alpha) -> A2 --+
      \\-> B1 (label beta) --------+-> M -> C1

One row per current head: two rows while both branches are applied up to different
revisions, one after the merge. Every migration logs itself in an ``applied`` table, so the
migrations that ran can be checked against the rows. The expected rows were those Alembic
1.x writes for the same commands; where Alembic fails (``downgrade -1`` from a merge,
``stamp`` of several revisions from a descendant) the rows are the obvious ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.errors import MigrateError, UnknownRevision
from tests.runtime._support import (
    App,
    app,
    connect,
    make_folder,
    run_script,
    snapshot,
    version_rows,
    write_revision,
)

R0, A1, A2, B1, M, C1 = (
    "6f0000000000",
    "6fa100000000",
    "6fa200000000",
    "6fb100000000",
    "6f3300000000",
    "6fc100000000",
)
NAMES = {R0: "R0", A1: "A1", A2: "A2", B1: "B1", M: "M", C1: "C1"}
IDS = {name: rev_id for rev_id, name in NAMES.items()}
JUNK = "deadbeefcafe"


def _log(rev_id: str) -> tuple[str, str]:
    return (
        f"op.execute(\"INSERT INTO applied (revision) VALUES ('{rev_id}')\")",
        f"op.execute(\"DELETE FROM applied WHERE revision = '{rev_id}'\")",
    )


def _folder(path: Path) -> Path:
    migrations = make_folder(path)
    up, _down = _log(R0)
    write_revision(
        migrations,
        R0,
        None,
        'op.create_table("applied", sa.Column("revision", sa.String(12), nullable=False))\n' + up,
        'op.drop_table("applied")',
        message="root",
    )
    chain: list[tuple[str, str | tuple[str, ...], list[str] | None]] = [
        (A1, R0, ["alpha"]),
        (A2, A1, None),
        (B1, R0, ["beta"]),
        (M, (A2, B1), None),
        (C1, M, None),
    ]
    for rev_id, parent, labels in chain:
        up, down = _log(rev_id)
        write_revision(
            migrations, rev_id, parent, up, down, message=NAMES[rev_id], branch_labels=labels
        )
    return migrations


def _rows(url: str) -> list[str] | None:
    found = version_rows(url)
    return None if found is None else sorted(NAMES.get(row, row) for row in found)


def _applied(url: str) -> list[str] | None:
    with connect(url) as connection:
        if not sa.inspect(connection).has_table("applied"):
            return None
        found = connection.scalars(sa.text("SELECT revision FROM applied"))
        return sorted(NAMES[row] for row in found)


def _run(migrate: App, command: str, *names: str, purge: bool = False) -> None:
    targets = [IDS.get(name, name) for name in names]
    if command == "stamp":
        migrate.stamp(*targets, purge=purge)
    elif command == "upgrade":
        migrate.upgrade(*targets)
    else:
        migrate.downgrade(*targets)


# (command, targets, rows afterwards, migrations applied afterwards)
MIGRATIONS = [
    ("upgrade", ["A1"], ["A1"], ["A1", "R0"]),
    ("upgrade", ["B1"], ["A1", "B1"], ["A1", "B1", "R0"]),
    ("upgrade", ["A2"], ["A2", "B1"], ["A1", "A2", "B1", "R0"]),
    ("upgrade", ["M"], ["M"], ["A1", "A2", "B1", "M", "R0"]),
    ("downgrade", ["-1"], ["A2", "B1"], ["A1", "A2", "B1", "R0"]),
    ("downgrade", ["A1"], ["A1", "B1"], ["A1", "B1", "R0"]),
    ("downgrade", ["R0"], ["R0"], ["R0"]),
    ("upgrade", ["heads"], ["C1"], ["A1", "A2", "B1", "C1", "M", "R0"]),
    ("downgrade", ["alpha@-1"], ["M"], ["A1", "A2", "B1", "M", "R0"]),
    ("upgrade", ["heads"], ["C1"], ["A1", "A2", "B1", "C1", "M", "R0"]),
    ("downgrade", ["B1"], ["A2", "B1"], ["A1", "A2", "B1", "R0"]),
    ("downgrade", ["beta@base"], [], None),
    ("upgrade", ["alpha@head"], ["C1"], ["A1", "A2", "B1", "C1", "M", "R0"]),
    ("downgrade", ["alpha@base"], [], None),
]

# (command, targets, purge, rows afterwards); stamp runs no migration.
STAMPS = [
    ("stamp", ["C1"], False, ["C1"]),
    ("stamp", ["A2", "B1"], False, ["A2", "B1"]),
    ("stamp", ["M"], True, ["M"]),
    ("stamp", ["base"], False, []),
    ("stamp", ["A1", "B1"], False, ["A1", "B1"]),
    ("upgrade", ["heads"], False, ["C1"]),
    ("stamp", ["B1"], False, ["B1"]),
    ("stamp", ["A2"], False, ["A2", "B1"]),
    ("stamp", ["beta@base"], False, ["A2"]),
    ("stamp", ["R0"], False, ["R0"]),
    ("stamp", ["A2", "B1"], True, ["A2", "B1"]),
    ("stamp", ["A2", "B1"], False, ["A2", "B1"]),
    ("stamp", ["heads"], False, ["C1"]),
]


def _check_table(url: str) -> None:
    """``alembic_version(version_num VARCHAR(32) NOT NULL)``, primary key alembic_version_pkc."""
    with connect(url) as connection:
        inspector = sa.inspect(connection)
        columns = inspector.get_columns("alembic_version")
        pk = inspector.get_pk_constraint("alembic_version")
    assert [c["name"] for c in columns] == ["version_num"]
    assert isinstance(columns[0]["type"], sa.String) and columns[0]["type"].length == 32
    assert columns[0]["nullable"] is False
    assert pk["constrained_columns"] == ["version_num"]
    if connection.dialect.name != "mysql":  # MySQL calls every primary key PRIMARY
        assert pk["name"] == "alembic_version_pkc"


def test_rows_through_branches_and_merges(tmp_path: Path, database_url: str) -> None:
    migrations = _folder(tmp_path)
    with app(database_url, migrations) as migrate:
        for number, (command, targets, rows, applied) in enumerate(MIGRATIONS):
            _run(migrate, command, *targets)
            step = f"step {number}: {command} {' '.join(targets)}"
            assert _rows(database_url) == rows, step
            assert _applied(database_url) == applied, step
        _check_table(database_url)


def test_stamp_rows(tmp_path: Path, database_url: str) -> None:
    migrations = _folder(tmp_path)
    with app(database_url, migrations) as migrate:
        migrate.stamp()  # creates the version table
        assert _rows(database_url) == ["C1"]
        migrate.stamp("base")
        assert _rows(database_url) == []
        _check_table(database_url)
        migrate.upgrade()
        for number, (command, targets, purge, rows) in enumerate(STAMPS):
            _run(migrate, command, *targets, purge=purge)
            step = f"step {number}: {command} {' '.join(targets)}{' --purge' * purge}"
            assert _rows(database_url) == rows, step
        # Stamps ran no migration: only the two upgrades did, the second from A1 + B1.
        assert _applied(database_url) == ["A1", "A2", "A2", "B1", "C1", "C1", "M", "M", "R0"]


def test_stamp_purge_removes_unknown_rows(tmp_path: Path, database_url: str) -> None:
    migrations = _folder(tmp_path)
    with app(database_url, migrations) as migrate:
        migrate.stamp(A2, B1)
        with connect(database_url) as connection:
            connection.execute(sa.text(f"INSERT INTO alembic_version VALUES ('{JUNK}')"))
            connection.commit()
        assert _rows(database_url) == ["A2", "B1", JUNK]
        # A row no revision file has blocks a plain stamp, and nothing changes ...
        with pytest.raises(UnknownRevision, match=JUNK):
            migrate.stamp(M)
        assert _rows(database_url) == ["A2", "B1", JUNK]
        with pytest.raises(MigrateError):
            migrate.upgrade("heads")
        assert _rows(database_url) == ["A2", "B1", JUNK]
        # ... while --purge empties the table whatever it holds.
        migrate.stamp(M, purge=True)
        assert _rows(database_url) == ["M"]
        migrate.stamp("base", purge=True)
        assert _rows(database_url) == []
        _check_table(database_url)


def test_several_heads_in_one_run(tmp_path: Path, database_url: str) -> None:
    # Both branches from nothing in one command: two rows, inserted by the same run.
    migrations = _folder(tmp_path)
    with app(database_url, migrations) as migrate:
        results = migrate.upgrade(A2)
        assert results[0].heads_after == (A2,)
        migrate.downgrade("base")
        results = migrate.stamp(A1, B1)
        assert sorted(results[0].heads_after) == [A1, B1]
        migrate.stamp("base")
        migrate.upgrade(B1)
        migrate.upgrade(A2)
        assert _rows(database_url) == ["A2", "B1"]
        results = migrate.downgrade(R0)
        assert [step.revision.revision for step in results[0].steps] in ([A2, A1, B1], [B1, A2, A1])
        assert _rows(database_url) == ["R0"]


def test_offline_scripts_through_branches(tmp_path: Path, database_url: str) -> None:
    # The script of each branch, run by the database's client, leaves the rows an online
    # upgrade leaves.
    migrations = _folder(tmp_path)
    with app(database_url, migrations) as migrate:
        run_script(database_url, migrate.cli("upgrade", "--sql", A2).stdout)
        assert _rows(database_url) == ["A2"]
        run_script(database_url, migrate.cli("upgrade", "--sql", f"{A2}:{B1}").stdout)
        assert _rows(database_url) == ["A2", "B1"]
        assert _applied(database_url) == ["A1", "A2", "B1", "R0"]
        migrate.upgrade("heads")
        assert _rows(database_url) == ["C1"]
        online = snapshot(database_url)
        run_script(database_url, migrate.cli("downgrade", "--sql", "heads:base").stdout)
        assert snapshot(database_url) == {}
        run_script(database_url, migrate.cli("upgrade", "--sql", "heads").stdout)
        assert snapshot(database_url) == online


def test_version_table_name_and_schema(tmp_path: Path, database_url: str) -> None:
    # version_table (and, on PostgreSQL, version_table_schema) name the table everywhere:
    # reading, writing, offline scripts.
    schema = "fml_meta" if database_url.startswith("postgresql") else None
    if schema:
        with connect(database_url) as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
            connection.commit()
    migrations = _folder(tmp_path)
    options = {"version_table": "my_versions", "version_table_schema": schema}
    with app(database_url, migrations, **options) as migrate:
        migrate.upgrade(A2)
        migrate.upgrade(B1)
        migrate.stamp(M)
        with connect(database_url) as connection:
            inspector = sa.inspect(connection)
            assert not inspector.has_table("alembic_version")
            assert inspector.get_pk_constraint("my_versions", schema=schema)[
                "constrained_columns"
            ] == ["version_num"]
            table = f"{schema}.my_versions" if schema else "my_versions"
            rows = connection.scalars(sa.text(f"SELECT version_num FROM {table}")).all()
        assert rows == [M]
        assert migrate.cli("current").stdout.split()[0] == M
        script = migrate.cli("upgrade", "--sql", f"{M}:head").stdout
        assert f"UPDATE {table} SET version_num='{C1}'" in script
        assert "alembic_version" not in script
