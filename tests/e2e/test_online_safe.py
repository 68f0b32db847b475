"""Online-safe migrations on SQLite, PostgreSQL and MariaDB: ``online_safe=True`` autogenerate
round trips with rows in the tables, and ``autocommit_block()`` in the runtime (the lock held
through it, what a failure in or after it leaves and says)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.builder import Project, error_lines
from tests.databases import dialect_of

pytestmark = pytest.mark.e2e

MODELS_V1 = """
class Maker(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)


class Item(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(64), nullable=False)
    note = sa.Column(sa.String(20), nullable=True)
    maker_id = sa.Column(sa.Integer, nullable=True)
"""

# An index on a column, a unique index on a new column, a foreign key and NOT NULL.
MODELS_V2 = """
class Maker(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)


class Item(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(64), nullable=False, index=True)
    note = sa.Column(sa.String(20), nullable=False)
    maker_id = sa.Column(sa.Integer, sa.ForeignKey("maker.id", name="fk_item_maker"))
    sku = sa.Column(sa.String(32), nullable=True)
    __table_args__ = (sa.Index("ix_item_sku", "sku", unique=True),)
"""


def _generated(output: str) -> Path:
    match = re.search(r"^Generating (\S+\.py) \.\.\.  done$", output, re.MULTILINE)
    assert match, output
    return Path(match.group(1))


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def _rows(url: str, table: str) -> list[str]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(sa.text(f"SELECT name FROM {table} ORDER BY id")))
    finally:
        engine.dispose()


def _indexes(url: str, table: str) -> set[str]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return {str(ix["name"]) for ix in sa.inspect(conn).get_indexes(table)}
    finally:
        engine.dispose()


def _foreign_keys(url: str, table: str) -> set[str]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return {str(fk["name"]) for fk in sa.inspect(conn).get_foreign_keys(table)}
    finally:
        engine.dispose()


def _checks(url: str, table: str) -> set[str]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return {str(ck["name"]) for ck in sa.inspect(conn).get_check_constraints(table)}
    finally:
        engine.dispose()


def _columns(url: str, table: str) -> set[str]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns(table)}
    finally:
        engine.dispose()


def _insert_items(url: str, count: int) -> None:
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO maker (id) VALUES (1), (2)"))
            conn.execute(
                sa.text(
                    "INSERT INTO item (id, name, note, maker_id) VALUES (:id, :name, 'n', :maker)"
                ),
                [{"id": n, "name": f"item {n}", "maker": n % 2 + 1} for n in range(1, count + 1)],
            )
    finally:
        engine.dispose()


def test_online_safe_autogenerate_round_trip(tmp_path: Path, database_url: str) -> None:
    dialect = dialect_of(database_url)
    path = tmp_path / "proj"
    project = Project.create(
        path, database_url, models=MODELS_V1, migrate_args=", online_safe=True"
    )
    project.run("db", "init")
    first = _generated(project.run("db", "migrate", "-m", "items").stderr)
    first_id = first.name.split("_", 1)[0]
    project.run("db", "upgrade")
    _insert_items(database_url, 50)

    Project.create(path, database_url, models=MODELS_V2, migrate_args=", online_safe=True")
    second = _generated(project.run("db", "migrate", "-m", "index items").stderr)
    second_id = second.name.split("_", 1)[0]
    source = second.read_text(encoding="utf-8")
    if dialect == "postgresql":
        upgrade, downgrade = source.split("def downgrade", 1)
        for body in (upgrade, downgrade):
            assert "    with op.get_context().autocommit_block():\n" in body
            assert body.count("postgresql_concurrently=True") == 2
        assert (
            "'ix_item_sku', 'item', ['sku'], unique=True, postgresql_concurrently=True" in upgrade
        )
        index = "op.drop_index('ix_item_sku', table_name='item', postgresql_concurrently=True)"
        assert index in downgrade
        for name in ("fk_item_maker", "ck_item_note_not_null"):
            assert f"'ALTER TABLE item VALIDATE CONSTRAINT {name}')" in upgrade
        assert upgrade.count("postgresql_not_valid=True") == 2
        assert "batch_op.drop_constraint('ck_item_note_not_null', type_='check')" in upgrade
    else:
        assert "autocommit_block" not in source
        assert "concurrently" not in source
    if dialect == "mysql":
        online = ", ALGORITHM=INPLACE, LOCK=NONE'"
        upgrade, downgrade = source.split("def downgrade", 1)
        assert f"'ALTER TABLE item ADD INDEX ix_item_name (name){online}" in upgrade
        assert f"'ALTER TABLE item ADD UNIQUE INDEX ix_item_sku (sku){online}" in upgrade
        assert f"'ALTER TABLE item DROP INDEX ix_item_sku{online}" in downgrade
    elif dialect == "sqlite":
        assert "ALGORITHM" not in source

    plan = project.run("db", "upgrade", "--plan").stdout
    mark = " (not atomic: autocommit_block)"
    expected = f"Would run upgrade {first_id} -> {second_id}, index items"
    assert expected + (mark if dialect == "postgresql" else "") in plan.splitlines()

    project.run("db", "upgrade")
    assert project.versions() == [second_id]
    assert {"ix_item_name", "ix_item_sku"} <= _indexes(database_url, "item")
    assert "sku" in _columns(database_url, "item")
    assert _foreign_keys(database_url, "item") == {"fk_item_maker"}
    assert _checks(database_url, "item") == set()
    assert _rows(database_url, "item") == [f"item {n}" for n in range(1, 51)]
    status = project.run("db", "status").stdout.splitlines()
    marks = "head, current" + (", not atomic: autocommit_block" if dialect == "postgresql" else "")
    assert f"[X] {second_id} index items ({marks})" in status
    assert f"[X] {first_id} items" in status

    check = project.run("db", "check")
    assert "No new upgrade operations detected." in check.output

    project.run("db", "downgrade")
    assert project.versions() == [first_id]
    assert not {"ix_item_name", "ix_item_sku"} & _indexes(database_url, "item")
    assert "sku" not in _columns(database_url, "item")
    assert _foreign_keys(database_url, "item") == set()
    assert _rows(database_url, "item") == [f"item {n}" for n in range(1, 51)]


def test_online_safe_from_the_app_config(tmp_path: Path, postgresql_url: str) -> None:
    path = tmp_path / "proj"
    project = Project.create(path, postgresql_url, models=MODELS_V1)
    project.run("db", "init")
    project.run("db", "migrate", "-m", "items")
    project.run("db", "upgrade")
    Project.create(path, postgresql_url, models=MODELS_V2, config={"MIGRATE_ONLINE_SAFE": "1"})
    source = _generated(project.run("db", "migrate", "-m", "index").stderr).read_text("utf-8")
    assert "autocommit_block" in source
    Project.create(path, postgresql_url, models=MODELS_V2, config={"MIGRATE_ONLINE_SAFE": "no"})
    (source_path,) = [p for p in project.revision_files() if "index" in p.name]
    source_path.unlink()
    source = _generated(project.run("db", "migrate", "-m", "plain").stderr).read_text("utf-8")
    assert "autocommit_block" not in source


TABLE_UP = """
op.create_table(
    "gadget",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
)
op.bulk_insert(
    sa.table("gadget", sa.column("id", sa.Integer), sa.column("name", sa.String)),
    [{"id": n, "name": f"gadget {n}"} for n in range(1, 21)],
)
"""

# Inside the block: proof that the migration lock is still held, on each database.
LOCK_HELD = """
    bind = op.get_bind()
    name = bind.dialect.name
    if name == "postgresql":
        held = bind.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid() AND granted"
        ).scalar()
        assert held == 1, held
    elif name in ("mysql", "mariadb"):
        from flask_migrate_lite.engine.runtime.lock import lock_name

        database = bind.exec_driver_sql("SELECT DATABASE()").scalar()
        owner = bind.execute(
            sa.text("SELECT IS_USED_LOCK(:n) = CONNECTION_ID()"),
            {"n": lock_name(database, "alembic_version", None)},
        ).scalar()
        assert owner == 1, owner
    else:
        import sqlite3

        other = sqlite3.connect(bind.engine.url.database, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc), exc
        else:
            raise AssertionError("another connection could write during the block")
        finally:
            other.close()
"""


def _block_revision(fail: str) -> str:
    """An upgrade adding a column, an index in an autocommit block, then a second column;
    ``fail`` is ``inside`` (the block's last statement fails), ``after`` or ``none``."""
    inside = '    op.execute("SELECT * FROM no_such_table")\n' if fail == "inside" else ""
    after = 'op.execute("SELECT * FROM no_such_table")\n' if fail == "after" else ""
    return (
        'op.add_column("gadget", sa.Column("colour", sa.String(16), nullable=True))\n'
        "with op.get_context().autocommit_block():\n"
        + LOCK_HELD
        + '    op.create_index("ix_gadget_name", "gadget", ["name"],'
        " postgresql_concurrently=True)\n"
        + inside
        + after
        + 'op.add_column("gadget", sa.Column("weight", sa.Integer(), nullable=True))\n'
    )


BLOCK_DOWN = """
with op.get_context().autocommit_block():
    op.drop_index("ix_gadget_name", table_name="gadget", postgresql_concurrently=True)
with op.batch_alter_table("gadget") as batch_op:
    batch_op.drop_column("weight")
    batch_op.drop_column("colour")
"""


def _block_project(tmp_path: Path, url: str, fail: str) -> Project:
    project = Project.create(tmp_path / "proj", url)
    project.make_folder()
    project.write_revision("a1", None, TABLE_UP, 'op.drop_table("gadget")', message="gadgets")
    project.write_revision("b2", "a1", _block_revision(fail), BLOCK_DOWN, message="index")
    return project


def test_autocommit_block_round_trip_keeps_the_lock(tmp_path: Path, database_url: str) -> None:
    project = _block_project(tmp_path, database_url, "none")
    project.run("db", "upgrade")
    assert project.versions() == ["b2"]
    assert "ix_gadget_name" in _indexes(database_url, "gadget")
    assert {"colour", "weight"} <= _columns(database_url, "gadget")
    assert _rows(database_url, "gadget") == [f"gadget {n}" for n in range(1, 21)]
    status = project.run("db", "status").stdout.splitlines()
    assert "[X] b2 index (head, current, not atomic: autocommit_block)" in status
    project.run("db", "downgrade")
    assert project.versions() == ["a1"]
    assert "ix_gadget_name" not in _indexes(database_url, "gadget")
    assert not {"colour", "weight"} & _columns(database_url, "gadget")
    assert _rows(database_url, "gadget") == [f"gadget {n}" for n in range(1, 21)]


@pytest.mark.parametrize("where", ["inside", "after"])
def test_failure_in_or_after_an_autocommit_block_tells_the_truth(
    tmp_path: Path, database_url: str, where: str
) -> None:
    dialect = dialect_of(database_url)
    project = _block_project(tmp_path, database_url, where)
    result = project.run("db", "upgrade", check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # The version row still names the revision before; what the block and what came
    # before it did stays.
    assert project.versions() == ["a1"]
    columns = _columns(database_url, "gadget")
    assert "colour" in columns and "weight" not in columns
    index_kept = where == "after" or dialect != "sqlite"
    assert ("ix_gadget_name" in _indexes(database_url, "gadget")) is index_kept
    assert _rows(database_url, "gadget") == [f"gadget {n}" for n in range(1, 21)]

    (line,) = error_lines(result.stderr)
    add = {
        "postgresql": "ALTER TABLE gadget ADD COLUMN colour VARCHAR(16)",
        "mysql": "ALTER TABLE gadget ADD COLUMN colour VARCHAR(16)",
        "sqlite": "ALTER TABLE gadget ADD COLUMN colour VARCHAR(16)",
    }[dialect]
    index = {
        "postgresql": "CREATE INDEX CONCURRENTLY ix_gadget_name ON gadget (name)",
        "mysql": "CREATE INDEX ix_gadget_name ON gadget (name)",
        "sqlite": "CREATE INDEX ix_gadget_name ON gadget (name)",
    }[dialect]
    kept = f"{add}; {index}" if index_kept else add
    if dialect == "mysql":
        assert line.startswith("Error: The upgrade of revision b2 failed: ")
        assert (
            "mysql commits each DDL statement as it runs, so the statements before the "
            f"failure may be applied (it ran: {kept}); the version table still says a1: "
            "undo them by hand (or make the script skip what exists) and run the command "
            "again." in line
        ), line
        return
    assert line.startswith("Error: The upgrade of revision b2 failed: "), line
    if where == "after":
        done = "what it did up to the end of its autocommit_block() was committed"
    elif dialect == "postgresql":
        done = (
            "it failed inside its autocommit_block(): what it did before the failing statement "
            "was committed"
        )
    else:
        done = (
            "it failed inside its autocommit_block(): what it did before the block was "
            "committed, the block's statements were not"
        )
    assert line.endswith(
        f"; {done} and the rest rolled back; the version table says a1, and these statements "
        f"of it stay committed: {kept}: undo them by hand (or make the script skip what "
        "exists) and run the command again."
    ), line

    # Undone by hand, as the message says, the migration runs again.
    engine = _engine(database_url)
    try:
        with engine.begin() as conn:
            if index_kept:
                drop = "DROP INDEX ix_gadget_name"
                conn.exec_driver_sql(drop + (" ON gadget" if dialect == "mysql" else ""))
            conn.exec_driver_sql("ALTER TABLE gadget DROP COLUMN colour")
    finally:
        engine.dispose()
    fixed = project.migrations / "versions"
    (path,) = [p for p in fixed.glob("b2_*.py")]
    path.write_text(path.read_text("utf-8").replace("no_such_table", "gadget"), "utf-8")
    project.run("db", "upgrade")
    assert project.versions() == ["b2"]
