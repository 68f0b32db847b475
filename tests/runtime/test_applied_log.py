"""The applied log beside ``alembic_version``: its rows, and ``validate`` reading them.

Every test runs on SQLite, PostgreSQL and MariaDB against the real servers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.errors import MigrateError
from flask_migrate_lite.engine.urls import mask_url
from tests.databases import dialect_of
from tests.runtime._support import App, app, connect, make_folder, run_script, version_rows
from tests.runtime._support import write_revision as write

R1, R2, R3, X = "a10000000001", "a10000000002", "a10000000003", "a1000000000f"
LOG = "alembic_version_log"


def _table(name: str) -> tuple[str, str]:
    return (
        f'op.create_table("{name}", sa.Column("id", sa.Integer(), primary_key=True))',
        f'op.drop_table("{name}")',
    )


def _folder(path: Path) -> tuple[Path, dict[str, Path]]:
    migrations = make_folder(path)
    files = {}
    for rev, down, name in ((R1, None, "t1"), (R2, R1, "t2"), (R3, R2, "t3")):
        up, down_body = _table(name)
        files[rev] = write(migrations, rev, down, up, down_body, message=f"make {name}")
    return migrations, files


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def log_rows(url: str) -> list[dict[str, Any]]:
    with connect(url) as connection:
        if not sa.inspect(connection).has_table(LOG):
            return []
        result = connection.execute(sa.text(f"SELECT * FROM {LOG} ORDER BY id"))
        return [dict(row._mapping) for row in result]


def _summary(url: str) -> list[tuple[str, str, str, str]]:
    return [
        (row["revision"], row["direction"], row["heads_before"], row["heads_after"])
        for row in log_rows(url)
    ]


@pytest.fixture
def project(tmp_path: Path, database_url: str) -> Iterator[tuple[App, dict[str, Path]]]:
    migrations, files = _folder(tmp_path)
    with app(database_url, migrations) as made:
        yield made, files


def test_every_migration_logs_one_row_in_its_transaction(
    project: tuple[App, dict[str, Path]],
) -> None:
    made, files = project
    made.upgrade()
    made.downgrade("-1")
    made.stamp("head")
    url = made.url
    assert version_rows(url) == [R3]
    assert _summary(url) == [
        (R1, "upgrade", "", R1),
        (R2, "upgrade", R1, R2),
        (R3, "upgrade", R2, R3),
        (R3, "downgrade", R3, R2),
        (R3, "stamp", R2, R3),
    ]
    rows = log_rows(url)
    assert [row["checksum"] for row in rows] == [_sha(files[rev]) for rev in (R1, R2, R3, R3, R3)]
    for row in rows:
        assert row["host"] and row["os_user"] and row["tool_version"]
        assert row["applied_at"] is not None
    assert all(row["duration_ms"] is not None and row["duration_ms"] >= 0 for row in rows[:4])
    assert rows[4]["duration_ms"] is None  # a stamp runs nothing


def test_a_failed_migration_leaves_log_and_version_table_agreeing(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations, _files = _folder(tmp_path)
    import flask_migrate_lite.engine.runtime.applied_log as applied_log
    import flask_migrate_lite.engine.runtime.context as context

    real = applied_log.write_row
    calls: list[str] = []

    def failing(*args: Any, **kwargs: Any) -> None:
        calls.append(kwargs["revision"])
        if kwargs["revision"] == R2:
            raise RuntimeError("injected failure while writing the log row")
        real(*args, **kwargs)

    monkeypatch.setattr(context, "write_row", failing)
    with app(database_url, migrations) as made, pytest.raises(MigrateError):
        made.upgrade()
    # The version row of R2 was written before the log row failed: both were rolled back.
    assert version_rows(database_url) == [R1]
    assert _summary(database_url) == [(R1, "upgrade", "", R1)]
    with connect(database_url) as connection:
        tables = set(sa.inspect(connection).get_table_names())
    # MariaDB commits DDL as it runs: t2 stays although its migration is not recorded.
    assert ("t2" in tables) == (dialect_of(database_url) == "mysql")


def _label(made: App) -> str:
    """The database as the commands name it."""
    return mask_url(made.engine.url)


def _validate(made: App, *args: str, code: int) -> list[str]:
    result = made.cli("validate", *args, code=code)
    return result.stdout.splitlines()


def test_validate_finds_an_edited_revision_and_accept_records_it(
    project: tuple[App, dict[str, Path]],
) -> None:
    made, files = project
    made.upgrade(R2)
    assert _validate(made, code=0) == []
    files[R1].write_text(files[R1].read_text() + "\n# edited\n")
    lines = _validate(made, code=1)
    assert len(lines) == 1
    assert re.fullmatch(
        rf"{re.escape(_label(made))}: {R1}: {re.escape(str(files[R1]))} changed since it was "
        r"applied on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(checksum [0-9a-f]{12} then, "
        r"[0-9a-f]{12} now\); restore the file as it ran, or if the change is deliberate "
        rf"and the database matches it, run 'flask db validate --accept {R1}'\.",
        lines[0],
    ), lines[0]
    # upgrade warns by default and goes on.
    result = made.cli("upgrade")
    assert f"warning: {_label(made)}: {R1}: " in result.stderr
    assert version_rows(made.url) == [R3]
    made.cli("validate", "--accept", R1)
    assert _validate(made, code=0) == []
    assert log_rows(made.url)[-1]["direction"] == "accept"
    assert log_rows(made.url)[-1]["checksum"] == _sha(files[R1])


def test_upgrade_refuses_when_told_to(tmp_path: Path, database_url: str) -> None:
    migrations, files = _folder(tmp_path)
    with app(database_url, migrations, validate_on_upgrade="refuse") as made:
        made.upgrade(R1)
        files[R1].write_text(files[R1].read_text() + "\n# edited\n")
        result = made.cli("upgrade", code=1)
        assert "upgrade refused: validate found 1 problem and validate_on_upgrade is 'refuse'" in (
            result.stderr
        )
        assert f"{_label(made)}: {R1}: " in result.stderr
        assert "Traceback" not in result.output
        assert version_rows(database_url) == [R1]


def test_validate_finds_missing_unknown_and_skipped_revisions(
    project: tuple[App, dict[str, Path]],
) -> None:
    made, files = project
    made.upgrade()
    # R2's file is deleted and R3 now builds on R1; X is put below R3, never applied here.
    files[R2].unlink()
    files[R3].unlink()
    up, down = _table("t3")
    write(made.migrations, X, R1, "pass", "pass", message="inserted below")
    files[R3] = write(made.migrations, R3, X, up, down, message="make t3")
    lines = _validate(made, code=1)
    kinds = [line.split(": ", 2)[1:] for line in lines]
    assert [(rev, text.split(" ", 3)[:3]) for rev, text in kinds] == [
        (R3, [str(files[R3]), "changed", "since"]),
        (R2, ["applied", "on", lines[1].split("applied on ")[1].split(" ")[0]]),
        (X, ["sits", "below", R3]),
    ]
    assert lines[1].endswith(
        "but its file is not in the migrations folder; restore the file from version control."
    )
    assert lines[2].endswith(f"run 'flask db validate --accept {X}'.")
    # A version row the folder does not have.
    with connect(made.url) as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
        connection.commit()
    lines = _validate(made, code=1)
    assert lines[0] == (
        f"{_label(made)}: ffffffffffff: the database is at this revision but the migrations "
        "folder does not have it; deploy the code that migrated this database (or a newer "
        "one) before running any other command."
    )


def test_a_version_table_moved_without_the_log_is_a_note(
    project: tuple[App, dict[str, Path]],
) -> None:
    made, _files = project
    made.upgrade(R1)
    with connect(made.url) as connection:  # another tool (or a person) moves it on
        connection.execute(sa.text(f"UPDATE alembic_version SET version_num = '{R3}'"))
        connection.commit()
    lines = _validate(made, code=0)
    assert lines == [
        f"{_label(made)}: note: the version table moved without log rows: the log last "
        f"recorded {R1} ({lines[0].split('(')[1].split(')')[0]}) and the database is at {R3} "
        "(migrated by another tool or by hand since); 2 revisions "
        f"({R2}, {R3}) cannot be checked against what ran."
    ]
    history = made.cli("history", "--applied").stdout.splitlines()
    assert history[0] == f"Database: {_label(made)} (at {R3})"
    assert re.fullmatch(
        rf"{R1}  applied \S+ \S+ UTC in \d+ ms by \S+@\S+ \(flask-migrate-lite \S+\)  make t1",
        history[1],
    ), history[1]
    assert history[2].startswith("note: the version table moved without log rows")
    status = made.cli("status", "-v").stdout.splitlines()
    assert status[1].startswith(f"[X] {R1} make t1 - applied ")
    assert status[2] == f"[X] {R2} make t2 - not in the applied log"
    # Upgrading from there logs again, and the later revisions stay a note, not a finding.
    assert made.cli("status").stdout.splitlines()[1] == f"[X] {R1} make t1"


def test_sql_output_creates_and_fills_the_log(
    project: tuple[App, dict[str, Path]],
) -> None:
    made, files = project
    sql = made.cli("upgrade", "--sql").stdout
    # PostgreSQL checks in a DO block, which prints no notice when the table is there.
    create = "THEN CREATE TABLE" if dialect_of(made.url) == "postgresql" else "IF NOT EXISTS"
    assert sql.count(f"{create} {LOG} (") == 1
    assert sql.count(f"INSERT INTO {LOG} (") == 3
    run_script(made.url, sql)
    assert version_rows(made.url) == [R3]
    rows = log_rows(made.url)
    assert [(row["revision"], row["checksum"]) for row in rows] == [
        (rev, _sha(files[rev])) for rev in (R1, R2, R3)
    ]
    assert all(row["applied_at"] is not None and row["host"] is None for row in rows)
    assert _validate(made, code=0) == []


def test_check_does_not_report_the_log(tmp_path: Path, database_url: str) -> None:
    migrations = make_folder(tmp_path)
    write(migrations, R1, None, message="nothing")
    # Every schema where that is this test's alone (MariaDB's are the server's databases).
    schemas = dialect_of(database_url) != "mysql"
    with app(database_url, migrations, include_schemas=schemas) as made:
        made.upgrade()
        assert log_rows(database_url)
        result = made.cli("check")
        assert LOG not in result.output


def test_no_log_when_turned_off(tmp_path: Path, database_url: str) -> None:
    migrations, _files = _folder(tmp_path)
    with app(database_url, migrations, applied_log_table=None) as made:
        made.upgrade()
        assert log_rows(database_url) == []
        result = made.cli("validate", code=1)
        assert "applied_log_table is None" in result.stderr


def test_validate_on_upgrade_value_is_checked(tmp_path: Path, sqlite_url: str) -> None:
    migrations, _files = _folder(tmp_path)
    with pytest.raises(MigrateError) as raised:
        App(sqlite_url, migrations, validate_on_upgrade="never")
    assert str(raised.value) == (
        "Migrate() got validate_on_upgrade='never'; it must be 'off', 'warn' or 'refuse'."
    )


def test_the_log_follows_the_version_table_name(tmp_path: Path, database_url: str) -> None:
    migrations, _files = _folder(tmp_path)
    with app(database_url, migrations, version_table="deploys") as made:
        made.upgrade(R1)
    with app(database_url, migrations, version_table="deploys", applied_log_table="audit") as made:
        made.upgrade(R2)
    with connect(database_url) as connection:
        tables = set(sa.inspect(connection).get_table_names())
        counts = {
            name: connection.execute(sa.text(f"SELECT COUNT(*) FROM {name}")).scalar()
            for name in ("deploys_log", "audit")
        }
    assert {"deploys", "deploys_log", "audit"} <= tables and LOG not in tables
    assert counts == {"deploys_log": 1, "audit": 1}


def test_a_foreign_table_under_the_log_name_is_reported(
    project: tuple[App, dict[str, Path]],
) -> None:
    made, _files = project
    with connect(made.url) as connection:
        connection.execute(sa.text(f"CREATE TABLE {LOG} (name VARCHAR(10))"))
        connection.commit()
    result = made.cli("validate", code=1)
    assert result.stderr.startswith(f"Error: Cannot read the applied log {LOG}: ")
    assert result.stderr.rstrip().endswith(
        "if that table is not the log this tool keeps, give the log another name with the "
        "applied_log_table option."
    )
    assert "Traceback" not in result.output
