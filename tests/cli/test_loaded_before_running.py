"""A revision file that does not load stops ``upgrade``/``downgrade`` before anything runs.

Every file a run needs is loaded (compiled, its module code run) and checked for the
function the run calls before the first migration is applied or the first SQL line is
written; ``status`` and ``--plan`` report such a file. ``history`` and ``heads`` read headers
only and do not.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime._support import (
    App,
    app,
    error_lines,
    make_folder,
    snapshot,
    version_rows,
    write_revision,
)

IDS = [f"c0ffee{n:06d}" for n in range(10)]
BROKEN = IDS[4]  # the fifth of ten


def _folder(tmp_path: Path, broken_body: str = "x = (") -> tuple[Path, Path]:
    """Ten revisions, each creating a table; the fifth's upgrade() is ``broken_body``."""
    migrations = make_folder(tmp_path)
    paths = []
    for n, rev_id in enumerate(IDS):
        body = f'op.create_table("t{n}", sa.Column("id", sa.Integer, primary_key=True))'
        if rev_id == BROKEN:
            body += "\n" + broken_body
        paths.append(
            write_revision(
                migrations,
                rev_id,
                IDS[n - 1] if n else None,
                body,
                f'op.drop_table("t{n}")',
                message=f"step {n}",
            )
        )
    return migrations, paths[4]


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture
def project(tmp_path: Path, database_url: str) -> Iterator[tuple[App, Path]]:
    migrations, broken = _folder(tmp_path)
    with app(database_url, migrations) as made:
        yield made, broken


def _tables(url: str) -> list[str]:
    return sorted(name for name in snapshot(url, rows=False) if name != "alembic_version")


def test_upgrade_applies_nothing_when_a_pending_file_does_not_compile(
    project: tuple[App, Path],
) -> None:
    migrate, broken = project
    line = _line_of(broken, "x = (")
    result = migrate.cli("upgrade", code=1)
    assert error_lines(result.stderr) == [
        f"Error: Cannot load the revision file {broken}, line {line}: '(' was never closed; "
        "no migration was run and the database is still at base; fix or remove the file and "
        "run the command again."
    ]
    assert "Running upgrade" not in result.output
    assert "Traceback" not in result.output
    assert version_rows(migrate.url) is None  # not even the version table was created
    assert _tables(migrate.url) == []


def test_upgrade_from_a_revision_leaves_the_database_there(project: tuple[App, Path]) -> None:
    migrate, broken = project
    migrate.cli("upgrade", IDS[2])  # the broken file is not needed to get here
    assert version_rows(migrate.url) == [IDS[2]]
    result = migrate.cli("upgrade", code=1)
    assert error_lines(result.stderr) == [
        f"Error: Cannot load the revision file {broken}, line {_line_of(broken, 'x = (')}: "
        f"'(' was never closed; no migration was run and the database is still at {IDS[2]}; "
        "fix or remove the file and run the command again."
    ]
    assert version_rows(migrate.url) == [IDS[2]]
    assert _tables(migrate.url) == ["t0", "t1", "t2"]


def test_plan_and_status_report_the_file(project: tuple[App, Path]) -> None:
    migrate, broken = project
    migrate.cli("upgrade", IDS[2])
    expected = (
        f"Error: Cannot load the revision file {broken}, line {_line_of(broken, 'x = (')}: "
        "'(' was never closed; 'flask db upgrade' would stop before running any migration; "
        "fix or remove the file."
    )
    plan = migrate.cli("upgrade", "--plan", code=1)
    lines = plan.stdout.splitlines()
    assert lines[0].startswith("Database: ") and lines[0].endswith(f" (at {IDS[2]})")
    assert lines[1:] == [
        *(
            f"Would run upgrade {IDS[n - 1]} -> {IDS[n]}, step {n}"
            + (" (cannot be loaded)" if n == 4 else "")
            for n in range(3, 10)
        ),
    ]
    assert error_lines(plan.stderr) == [expected]
    status = migrate.cli("status", code=1)
    assert f"[ ] {BROKEN} step 4 (cannot be loaded)" in status.stdout.splitlines()
    assert f"[ ] {IDS[5]} step 5" in status.stdout.splitlines()
    assert error_lines(status.stderr) == [expected]
    assert version_rows(migrate.url) == [IDS[2]]
    assert _tables(migrate.url) == ["t0", "t1", "t2"]


def test_offline_upgrade_writes_no_sql(project: tuple[App, Path]) -> None:
    migrate, broken = project
    result = migrate.cli("upgrade", "--sql", code=1)
    assert result.stdout == ""
    assert error_lines(result.stderr) == [
        f"Error: Cannot load the revision file {broken}, line {_line_of(broken, 'x = (')}: "
        "'(' was never closed; no SQL was written; fix or remove the file and run the "
        "command again."
    ]
    assert version_rows(migrate.url) is None


def test_history_and_heads_read_headers_only(project: tuple[App, Path]) -> None:
    migrate, _broken = project
    assert migrate.cli("heads").stdout.splitlines() == [f"{IDS[9]} (head)"]
    assert len(migrate.cli("history").stdout.splitlines()) == 10


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "import no_such_module_anywhere",
            "running it raised ModuleNotFoundError: No module named 'no_such_module_anywhere'",
        ),
        ("def upgrade():\n    pass\ndel upgrade", "it has no upgrade() function"),
    ],
    ids=["import-error", "no-upgrade"],
)
def test_a_file_that_fails_to_load_or_lacks_upgrade(
    tmp_path: Path, sqlite_url: str, body: str, problem: str
) -> None:
    migrations, broken = _folder(tmp_path, "pass")
    source = broken.read_text()
    # At module level, after the header: an import that fails, or upgrade() taken away.
    broken.write_text(source + "\n" + body + "\n")
    with app(sqlite_url, migrations) as migrate:
        result = migrate.cli("upgrade", code=1)
        (line,) = error_lines(result.stderr)
        where = str(broken)
        if "import" in body:
            where += f", line {_line_of(broken, body)}"
        assert line == (
            f"Error: Cannot load the revision file {where}: {problem}; no migration was run "
            "and the database is still at base; fix or remove the file and run the command "
            "again."
        )
        assert version_rows(sqlite_url) is None
        assert _tables(sqlite_url) == []


@pytest.mark.sqlite
def test_downgrade_reverts_nothing_when_a_file_on_the_way_does_not_load(
    tmp_path: Path, sqlite_url: str
) -> None:
    migrations, broken = _folder(tmp_path, "pass")
    with app(sqlite_url, migrations) as migrate:
        migrate.cli("upgrade")
        broken.write_text(broken.read_text().replace("def downgrade():", "def downgrade_():"))
        result = migrate.cli("downgrade", "base", code=1)
        assert error_lines(result.stderr) == [
            f"Error: Cannot load the revision file {broken}: it has no downgrade() function; "
            f"no migration was run and the database is still at {IDS[9]}; fix or remove the "
            "file and run the command again."
        ]
        assert version_rows(sqlite_url) == [IDS[9]]
        assert _tables(sqlite_url) == [f"t{n}" for n in range(10)]
        # A downgrade that does not reach the file runs.
        migrate.cli("downgrade", IDS[5])
        assert version_rows(sqlite_url) == [IDS[5]]
        plan = migrate.cli("downgrade", "--plan", "base", code=1)
        assert f"Would run downgrade {IDS[4]} -> {IDS[3]}, step 4 (cannot be loaded)" in (
            plan.stdout.splitlines()
        )


@pytest.mark.sqlite
def test_the_api_raises_a_typed_error(tmp_path: Path, sqlite_url: str) -> None:
    from flask_migrate_lite.engine.errors import RevisionNotLoadable, ScriptError

    migrations, broken = _folder(tmp_path)
    with app(sqlite_url, migrations) as migrate:
        with pytest.raises(RevisionNotLoadable) as info:
            migrate.upgrade()
        assert isinstance(info.value, ScriptError)
        assert info.value.path == str(broken)
        assert info.value.lineno == _line_of(broken, "x = (")
        assert info.value.revision == BROKEN


MULTIDB_REVISION = '''"""step {n}

Revision ID: {rev}
Revises: {down}
Create Date: 2026-01-01 00:00:00

"""
from flask_migrate_lite import op
import sqlalchemy as sa
{extra}
revision = {rev!r}
down_revision = {down_id!r}
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_():
    op.create_table("main{n}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade_():
    op.drop_table("main{n}")


def upgrade_users():
    op.create_table("users{n}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade_users():
    op.drop_table("users{n}")
'''


@pytest.mark.sqlite
def test_several_databases_none_is_migrated_when_a_file_one_needs_does_not_load(
    tmp_path: Path,
) -> None:
    from flask_migrate_lite.engine.script.folder import init_folder

    migrations = tmp_path / "migrations"
    init_folder(migrations, template="flask-multidb")
    ids = IDS[:4]
    for n, rev in enumerate(ids):
        down = ids[n - 1] if n else None
        (migrations / "versions" / f"{rev}_step_{n}.py").write_text(
            MULTIDB_REVISION.format(n=n, rev=rev, down=down or "", down_id=down, extra="")
        )
    main = f"sqlite:///{tmp_path / 'main.db'}"
    users = f"sqlite:///{tmp_path / 'users.db'}"
    config = {"SQLALCHEMY_BINDS": {"users": users}}
    with app(main, migrations, config=config) as migrate:
        migrate.cli("upgrade", "--bind", "", ids[2])
        assert version_rows(main) == [ids[2]]
        # Only the users database still needs the second file; it now fails to load.
        second = migrations / "versions" / f"{ids[1]}_step_1.py"
        second.write_text(second.read_text().replace("depends_on = None", "depends_on = None\n1/0"))
        result = migrate.cli("upgrade", code=1)
        assert error_lines(result.stderr) == [
            f"Error: Cannot load the revision file {second}, line {_line_of(second, '1/0')}: "
            "running it raised ZeroDivisionError: division by zero; no migration was run on "
            "any database; fix or remove the file and run the command again."
        ]
        assert version_rows(main) == [ids[2]]
        assert _tables(main) == ["main0", "main1", "main2"]
        assert version_rows(users) is None
