"""A failing migration leaves the database as it was before it (where the database can).

The middle migration of three runs eight statements of different kinds; ``-x fail=K``
makes it fail right after statement K (0: before the first), either by raising or by
running SQL the database rejects. On SQLite and PostgreSQL the schema, the rows and the
version table must then be exactly as before that migration (or as before the whole run,
with ``transaction_per_migration=False``). MariaDB commits each DDL statement, so there
the version table must name every completed migration and never the failed one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.config import RunOptions
from flask_migrate_lite.engine.errors import MigrationFailed
from flask_migrate_lite.engine.runtime.context import MigrationContext
from flask_migrate_lite.engine.runtime.modules import load_module
from flask_migrate_lite.engine.runtime.plan import Step, plan_upgrade
from flask_migrate_lite.engine.script.directory import ScriptDirectory
from tests.runtime._support import (
    app,
    connect,
    error_lines,
    make_folder,
    reset,
    snapshot,
    version_rows,
    write_app,
    write_revision,
)

FIRST, MIDDLE, LAST = "1a2b3c4d5e01", "1a2b3c4d5e02", "1a2b3c4d5e03"

FIRST_UP = """
op.create_table(
    "first",
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(50), nullable=True),
)
op.bulk_insert(
    sa.table("first", sa.column("id", sa.Integer), sa.column("name", sa.String)),
    [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}],
)
"""
FIRST_DOWN = 'op.drop_table("first")'

# Statement K of the middle migration is STATEMENTS[K - 1]; after it, the migration fails
# when -x fail=K, by raising (-x how=raise) or by running SQL that cannot work (how=sql).
MIDDLE_HEADER = """
STATEMENTS = [
    lambda: op.create_table(
        "item",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(50), nullable=True),
    ),
    lambda: op.add_column("first", sa.Column("note", sa.String(20), nullable=True)),
    lambda: op.create_index("ix_item_name", "item", ["name"]),
    lambda: op.bulk_insert(
        sa.table("item", sa.column("id", sa.Integer), sa.column("name", sa.String)),
        [{"id": 1, "name": "widget"}],
    ),
    lambda: op.execute("UPDATE first SET name = 'changed', note = 'n' WHERE id = 1"),
    lambda: _batch_not_null(),
    lambda: op.create_table(
        "child",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("first_id", sa.Integer(), sa.ForeignKey("first.id", name="fk_child_first")),
    ),
    lambda: op.execute("INSERT INTO child (id, first_id) VALUES (1, 1)"),
]


def _batch_not_null():
    with op.batch_alter_table("first") as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(50), nullable=False)
        batch_op.create_unique_constraint("uq_first_name", ["name"])


def _fail(number):
    args = op.get_context().x_args
    if int(args.get("fail", "-1")) != number:
        return
    if args.get("how") == "sql":
        op.execute("INSERT INTO no_such_table (id) VALUES (1)")
    raise RuntimeError(f"injected failure after statement {number}")
"""
MIDDLE_UP = """
_fail(0)
for number, statement in enumerate(STATEMENTS, 1):
    statement()
    _fail(number)
"""
MIDDLE_DOWN = """
op.drop_table("child")
with op.batch_alter_table("first") as batch_op:
    batch_op.drop_constraint("uq_first_name", type_="unique")
    batch_op.alter_column("name", existing_type=sa.String(50), nullable=True)
op.drop_index("ix_item_name", table_name="item")
op.drop_column("first", "note")
op.drop_table("item")
"""
STATEMENT_COUNT = 8
LAST_UP = 'op.create_table("last", sa.Column("id", sa.Integer(), primary_key=True))'
LAST_DOWN = 'op.drop_table("last")'


def _folder(path: Path) -> Path:
    migrations = make_folder(path)
    write_revision(migrations, FIRST, None, FIRST_UP, FIRST_DOWN, message="first")
    write_revision(
        migrations,
        MIDDLE,
        FIRST,
        MIDDLE_UP,
        MIDDLE_DOWN,
        message="middle",
        header=MIDDLE_HEADER,
    )
    write_revision(migrations, LAST, MIDDLE, LAST_UP, LAST_DOWN, message="last")
    return migrations


def _fail(how: str, number: int) -> list[str]:
    return [f"fail={number}", f"how={how}"]


atomic_databases = pytest.mark.parametrize(
    "database_url",
    [
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
    ],
    indirect=True,
)


@atomic_databases
@pytest.mark.parametrize("how", ["raise", "sql"])
def test_failed_migration_rolls_back_to_the_one_before(
    tmp_path: Path, database_url: str, how: str
) -> None:
    migrations = _folder(tmp_path)
    with app(database_url, migrations) as migrate:
        migrate.upgrade(FIRST)
        after_first = snapshot(database_url)
        migrate.downgrade("base")
        empty = snapshot(database_url)
        assert list(empty) == ["alembic_version"]

        for number in range(STATEMENT_COUNT + 1):
            with pytest.raises(MigrationFailed) as failed:
                migrate.upgrade("head", x_arg=_fail(how, number))
            assert failed.value.revision == MIDDLE
            assert "rolled back and the database is at " + FIRST in str(failed.value)
            # The first migration of the run stays applied, the middle one left no trace.
            assert snapshot(database_url) == after_first, f"after statement {number}"
            assert version_rows(database_url) == [FIRST]
            migrate.downgrade("base")
            assert snapshot(database_url) == empty

        migrate.upgrade("head")
        assert version_rows(database_url) == [LAST]
        done = snapshot(database_url)
        assert set(done) == {"alembic_version", "first", "item", "child", "last"}
        assert ("ix_item_name", ("name",), False) in done["item"]["indexes"]
        assert ("note", "VARCHAR(20)", True, None) in done["first"]["columns"]
        assert done["child"]["rows"] == [(1, 1)]


@atomic_databases
@pytest.mark.parametrize("how", ["raise", "sql"])
def test_one_transaction_for_the_run_rolls_back_everything(
    tmp_path: Path, database_url: str, how: str
) -> None:
    migrations = _folder(tmp_path)
    with app(database_url, migrations, transaction_per_migration=False) as migrate:
        for number in range(STATEMENT_COUNT + 1):
            with pytest.raises(MigrationFailed) as failed:
                migrate.upgrade("head", x_arg=_fail(how, number))
            assert "the whole run was rolled back" in str(failed.value)
            # Nothing at all: not even the version table, created in the same transaction.
            assert snapshot(database_url) == {}, f"after statement {number}"

        migrate.upgrade(FIRST)
        after_first = snapshot(database_url)
        with pytest.raises(MigrationFailed, match="still at " + FIRST):
            migrate.upgrade("head", x_arg=_fail(how, 3))
        assert snapshot(database_url) == after_first
        migrate.upgrade("head")
        assert version_rows(database_url) == [LAST]


def _planner(scripts: ScriptDirectory, target: str) -> Any:
    graph = scripts.graph()

    def plan(found: tuple[str, ...]) -> list[Step]:
        return plan_upgrade(graph, found, target)

    return plan


@atomic_databases
def test_run_options_without_flask(tmp_path: Path, database_url: str) -> None:
    # The engine on plain SQLAlchemy: RunOptions decides the transaction policy.
    migrations = _folder(tmp_path)
    scripts = ScriptDirectory.from_path(migrations, run_file=load_module)
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        for per_migration, expected in [(False, None), (True, [FIRST])]:
            options = RunOptions(
                transaction_per_migration=per_migration, x_args={"fail": "2", "how": "raise"}
            )
            with engine.connect() as connection:
                context = MigrationContext(connection, options)
                with pytest.raises(MigrationFailed):
                    context.run(
                        _planner(scripts, "head"), lambda r: scripts.load_module(r.revision)
                    )
            assert version_rows(database_url) == expected
        with engine.connect() as connection:
            context = MigrationContext(connection, RunOptions())
            done = context.run(_planner(scripts, "head"), lambda r: scripts.load_module(r.revision))
            assert [step.revision.revision for step in done] == [MIDDLE, LAST]
            assert context.current_heads() == (LAST,)
    finally:
        engine.dispose()


@pytest.mark.mysql
@pytest.mark.parametrize("per_migration", [True, False], ids=["per-migration", "one-transaction"])
def test_mysql_version_table_follows_completed_migrations(
    tmp_path: Path, mysql_url: str, per_migration: bool
) -> None:
    migrations = _folder(tmp_path)
    with app(mysql_url, migrations, transaction_per_migration=per_migration) as migrate:
        for number in range(STATEMENT_COUNT + 1):
            reset(mysql_url)
            with pytest.raises(MigrationFailed) as failed:
                migrate.upgrade("head", x_arg=_fail("raise", number))
            assert failed.value.revision == MIDDLE
            assert "the version table still says " + FIRST in str(failed.value)
            # The completed first migration is claimed (with its rows), the failed one not.
            assert version_rows(mysql_url) == [FIRST], f"after statement {number}"
            with connect(mysql_url) as connection:
                names = connection.scalars(sa.text("SELECT name FROM first ORDER BY id")).all()
            assert names[1:] == ["two"]

        reset(mysql_url)
        migrate.upgrade("head")
        assert version_rows(mysql_url) == [LAST]
        migrate.downgrade(FIRST)
        assert version_rows(mysql_url) == [FIRST]
        assert set(snapshot(mysql_url)) == {"alembic_version", "first"}


@pytest.mark.e2e
def test_failure_message(tmp_path: Path, database_url: str) -> None:
    migrations = _folder(tmp_path / "proj")
    project = write_app(tmp_path / "proj", database_url)
    assert migrations == project.migrations
    result = project.run("db", "upgrade", "-x", "fail=4", "-x", "how=raise", check=False)
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"Error: The upgrade of revision {MIDDLE} failed: "
        "RuntimeError: injected failure after statement 4; "
    )
    assert result.stderr.rstrip("\n").splitlines()[-1] == lines[0]
    assert f"Running upgrade  -> {FIRST}, first" in result.stderr.splitlines()
    assert version_rows(database_url) == [FIRST]


# --- SQLite with foreign keys enforced by the application ----------------------------------

PARENT, REBUILD, DANGLING = "2b3c4d5e6f01", "2b3c4d5e6f02", "2b3c4d5e6f03"


def _foreign_keys(connection: sa.Connection) -> int:
    return int(connection.exec_driver_sql("PRAGMA foreign_keys").scalar() or 0)


@pytest.mark.sqlite
def test_sqlite_foreign_keys_on(tmp_path: Path, sqlite_url: str) -> None:
    migrations = make_folder(tmp_path)
    write_revision(
        migrations,
        PARENT,
        None,
        """
        op.create_table(
            "author",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("name", sa.String(50)),
        )
        op.create_table(
            "book",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("author_id", sa.Integer(), sa.ForeignKey("author.id"), nullable=False),
        )
        op.execute("INSERT INTO author (id, name) VALUES (1, 'Ursula'), (2, 'Iain')")
        op.execute("INSERT INTO book (id, author_id) VALUES (10, 1), (11, 2), (12, 2)")
        """,
        'op.drop_table("book")\nop.drop_table("author")',
        message="authors and books",
    )
    # Rebuilding the referenced table drops it: only possible with enforcement off.
    write_revision(
        migrations,
        REBUILD,
        PARENT,
        """
        with op.batch_alter_table("author", recreate="always") as batch_op:
            batch_op.add_column(sa.Column("born", sa.Integer(), nullable=True))
            batch_op.alter_column("name", existing_type=sa.String(50), nullable=False)
        """,
        """
        with op.batch_alter_table("author", recreate="always") as batch_op:
            batch_op.drop_column("born")
        """,
        message="rebuild author",
    )
    write_revision(
        migrations,
        DANGLING,
        REBUILD,
        'op.execute("INSERT INTO book (id, author_id) VALUES (13, 99)")\n'
        'op.create_table("extra", sa.Column("id", sa.Integer(), primary_key=True))',
        'op.drop_table("extra")',
        message="dangling",
    )
    with app(sqlite_url, migrations, foreign_keys=True) as migrate:
        with migrate.engine.connect() as connection:
            assert _foreign_keys(connection) == 1
        migrate.upgrade(REBUILD)
        assert version_rows(sqlite_url) == [REBUILD]
        state = snapshot(sqlite_url)
        assert [c[0] for c in state["author"]["columns"]] == ["id", "name", "born"]
        assert ("name", "VARCHAR(50)", False, None) in state["author"]["columns"]
        assert state["author"]["rows"] == [(1, "Ursula", None), (2, "Iain", None)]
        assert state["book"]["rows"] == [(10, 1), (11, 2), (12, 2)]
        assert state["book"]["foreign_keys"] == [(None, ("author_id",), "author", ("id",))]

        with pytest.raises(MigrationFailed) as failed:
            migrate.upgrade("head")
        assert failed.value.revision == DANGLING
        assert "book" in failed.value.cause and "foreign_key_check" in failed.value.cause
        assert snapshot(sqlite_url) == state
        assert version_rows(sqlite_url) == [REBUILD]

        # Every pooled connection enforces foreign keys again and is back in the driver's
        # normal transaction handling.
        engine = migrate.engine
        pooled = engine.pool.checkedin()  # type: ignore[attr-defined]
        assert pooled >= 1
        connections = [engine.connect() for _ in range(pooled)]
        try:
            for connection in connections:
                assert _foreign_keys(connection) == 1
                with pytest.raises(sa.exc.IntegrityError):
                    connection.exec_driver_sql("INSERT INTO book (id, author_id) VALUES (20, 77)")
                connection.rollback()
                connection.exec_driver_sql("INSERT INTO author (id, name) VALUES (5, 'x')")
                connection.rollback()
        finally:
            for connection in connections:
                connection.close()
        assert snapshot(sqlite_url) == state

        migrate.downgrade(PARENT)
        assert version_rows(sqlite_url) == [PARENT]
        assert snapshot(sqlite_url)["book"]["rows"] == [(10, 1), (11, 2), (12, 2)]
        with migrate.engine.connect() as connection:
            assert _foreign_keys(connection) == 1


@pytest.mark.sqlite
def test_sqlite_foreign_key_check_is_not_needed_without_enforcement(
    tmp_path: Path, sqlite_url: str
) -> None:
    # Without PRAGMA foreign_keys the application accepts dangling rows; so does the run.
    migrations = make_folder(tmp_path)
    write_revision(
        migrations,
        PARENT,
        None,
        """
        op.create_table("author", sa.Column("id", sa.Integer(), primary_key=True))
        op.create_table(
            "book",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("author_id", sa.Integer(), sa.ForeignKey("author.id")),
        )
        op.execute("INSERT INTO book (id, author_id) VALUES (1, 99)")
        """,
        'op.drop_table("book")\nop.drop_table("author")',
    )
    with app(sqlite_url, migrations) as migrate:
        migrate.upgrade()
        assert version_rows(sqlite_url) == [PARENT]


@pytest.mark.sqlite
def test_sqlite_rows_dangling_before_do_not_block(tmp_path: Path, sqlite_url: str) -> None:
    # Rows written while enforcement was off are not the migration's doing: only rows a
    # migration leaves dangling make it fail.
    migrations = make_folder(tmp_path)
    write_revision(
        migrations,
        PARENT,
        None,
        """
        op.create_table("author", sa.Column("id", sa.Integer(), primary_key=True))
        op.create_table(
            "book",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("author_id", sa.Integer(), sa.ForeignKey("author.id")),
        )
        """,
        'op.drop_table("book")\nop.drop_table("author")',
    )
    write_revision(
        migrations,
        REBUILD,
        PARENT,
        """
        with op.batch_alter_table("book", recreate="always") as batch_op:
            batch_op.add_column(sa.Column("title", sa.String(20)))
        op.execute("INSERT INTO author (id) VALUES (1)")
        """,
        'op.execute("DELETE FROM author")',
    )
    write_revision(
        migrations,
        DANGLING,
        REBUILD,
        'op.execute("INSERT INTO book (id, author_id) VALUES (3, 98)")',
        'op.execute("DELETE FROM book WHERE id = 3")',
    )
    with app(sqlite_url, migrations) as migrate:
        migrate.upgrade(PARENT)
        with connect(sqlite_url) as connection:
            connection.exec_driver_sql("INSERT INTO book (id, author_id) VALUES (1, 99)")
            connection.exec_driver_sql("INSERT INTO book (id, author_id) VALUES (2, 99)")
            connection.commit()
    with app(sqlite_url, migrations, foreign_keys=True) as migrate:
        migrate.stamp(PARENT)
        migrate.upgrade(REBUILD)
        assert version_rows(sqlite_url) == [REBUILD]
        assert snapshot(sqlite_url)["book"]["rows"] == [(1, 99, None), (2, 99, None)]
        with pytest.raises(MigrationFailed, match="foreign keys point at nothing in book"):
            migrate.upgrade()
        assert version_rows(sqlite_url) == [REBUILD]
        assert len(snapshot(sqlite_url)["book"]["rows"]) == 2


def _begin_hook_recipe(engine: sa.Engine) -> None:
    """SQLAlchemy's pysqlite recipe: driver autocommit, and BEGIN emitted by the app."""

    @sa.event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @sa.event.listens_for(engine, "begin")
    def begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")


@pytest.mark.sqlite
def test_sqlite_app_that_emits_begin_itself(tmp_path: Path, sqlite_url: str) -> None:
    migrations = _folder(tmp_path)
    with app(sqlite_url, migrations) as migrate:
        _begin_hook_recipe(migrate.engine)
        migrate.upgrade(FIRST)
        after_first = snapshot(sqlite_url)
        with pytest.raises(MigrationFailed, match="rolled back"):
            migrate.upgrade("head", x_arg=_fail("raise", 6))
        assert snapshot(sqlite_url) == after_first
        migrate.upgrade("head")
        assert version_rows(sqlite_url) == [LAST]
        with migrate.engine.connect() as connection:
            assert _foreign_keys(connection) == 1
            connection.exec_driver_sql("DELETE FROM child")
            connection.rollback()
        assert snapshot(sqlite_url)["child"]["rows"] == [(1, 1)]


AUTOCOMMIT_UP = """
op.execute("INSERT INTO first (id, name) VALUES (3, 'three')")
with op.get_context().autocommit_block():
    concurrently = "CONCURRENTLY " if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(f"CREATE INDEX {concurrently}ix_first_name ON first (name)")
op.execute("INSERT INTO first (id, name) VALUES (4, 'four')")
if op.get_context().x_args.get("fail"):
    raise RuntimeError("failure after the block")
"""


def test_autocommit_block(tmp_path: Path, database_url: str) -> None:
    # CREATE INDEX CONCURRENTLY cannot run in a transaction on PostgreSQL: the block runs
    # outside the migration's transaction, after committing what came before it.
    migrations = make_folder(tmp_path)
    write_revision(migrations, FIRST, None, FIRST_UP, FIRST_DOWN, message="first")
    write_revision(
        migrations,
        MIDDLE,
        FIRST,
        AUTOCOMMIT_UP,
        'op.drop_index("ix_first_name", table_name="first")\n'
        'op.execute("DELETE FROM first WHERE id > 2")',
        message="autocommit",
    )
    for per_migration in (True, False):
        with app(database_url, migrations, transaction_per_migration=per_migration) as migrate:
            # From base: the block commits the first migration too, even when the run is
            # meant to be one transaction.
            with pytest.raises(MigrationFailed, match="failure after the block") as failed:
                migrate.upgrade(x_arg=["fail=1"])
            if database_url.startswith("mysql"):
                assert "the version table still says " + FIRST in str(failed.value)
            else:
                assert (
                    "up to the end of its autocommit_block() was committed and the rest rolled "
                    f"back; the version table says {FIRST}"
                ) in str(failed.value)
            # What ran before the block was committed with it; what came after was not.
            state = snapshot(database_url)
            assert [row[0] for row in state["first"]["rows"]] == [1, 2, 3]
            assert ("ix_first_name", ("name",), False) in state["first"]["indexes"]
            assert version_rows(database_url) == [FIRST]

            # The pooled connection is back in its normal transaction handling.
            with migrate.engine.connect() as connection:
                connection.exec_driver_sql("DELETE FROM first")
                connection.rollback()
            assert len(snapshot(database_url)["first"]["rows"]) == 3

            migrate.downgrade("base")
            migrate.upgrade()
            state = snapshot(database_url)
            assert [row[0] for row in state["first"]["rows"]] == [1, 2, 3, 4]
            assert ("ix_first_name", ("name",), False) in state["first"]["indexes"]
            assert version_rows(database_url) == [MIDDLE]
        reset(database_url)


@atomic_databases
def test_interrupted_between_migrations(tmp_path: Path, database_url: str) -> None:
    # Ctrl-C between two migrations: the completed one stays, on every database alike.
    migrations = _folder(tmp_path)
    scripts = ScriptDirectory.from_path(migrations, run_file=load_module)
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)

    def report(step: Step) -> None:
        if step.revision.revision == MIDDLE:
            raise KeyboardInterrupt

    try:
        with engine.connect() as connection:
            context = MigrationContext(connection, RunOptions())
            with pytest.raises(KeyboardInterrupt):
                context.run(
                    _planner(scripts, "head"), lambda r: scripts.load_module(r.revision), report
                )
    finally:
        engine.dispose()
    assert version_rows(database_url) == [FIRST]
    assert set(snapshot(database_url)) == {"alembic_version", "first"}
