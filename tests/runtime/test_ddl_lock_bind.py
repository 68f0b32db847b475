"""Statements a migration sends straight on ``op.get_bind()`` wait for a table lock no longer
than ``ddl_lock_timeout`` and are retried like ``op.execute()`` ones, on PostgreSQL (with the
whole migration) and on MariaDB (the statement alone).

Marked ``timed``: the upgrade waits on another session under the lock timeout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.errors import MigrateError
from tests.builder import app, make_folder, write_revision
from tests.databases import dialect_of, holding, version_rows

pytestmark = pytest.mark.timed

FIRST, SECOND = "b1d10c0000a1", "b1d10c0000a2"

# The DDL and a query through the bind; the query checks that the bind is the connection
# object itself (sa.inspect() works on it).
BIND_UP = """
bind = op.get_bind()
bind.execute(sa.text("ALTER TABLE holders ADD COLUMN note VARCHAR(20)"))
assert "note" in {c["name"] for c in sa.inspect(bind).get_columns("holders")}
bind.exec_driver_sql("ALTER TABLE holders ADD COLUMN extra INTEGER")
"""


def _folder(tmp_path: Path) -> Path:
    migrations = make_folder(tmp_path / "migrations")
    write_revision(
        migrations,
        FIRST,
        None,
        """
        op.create_table(
            "holders",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(40)),
        )
        op.execute("INSERT INTO holders (id, name) VALUES (1, 'one')")
        """,
        'op.drop_table("holders")',
        message="holders",
    )
    write_revision(migrations, SECOND, FIRST, BIND_UP, "pass", message="bind")
    return migrations


def _columns(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return [c["name"] for c in sa.inspect(engine).get_columns("holders")]
    finally:
        engine.dispose()


@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def server_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


def test_a_statement_on_the_bind_is_retried_until_the_blocker_ends(
    server_url: str, tmp_path: Path
) -> None:
    migrations = _folder(tmp_path)
    with app(server_url, migrations, ddl_lock_timeout=200, ddl_lock_retries=3) as made:
        made.upgrade(FIRST)
        # Ends its transaction after the first attempt timed out (MariaDB waits whole
        # seconds), before the retries are used up.
        with holding(server_url, "SELECT name FROM holders WHERE id = 1", release_after=2.5):
            made.upgrade()
    assert version_rows(server_url) == [SECOND]
    assert _columns(server_url) == ["id", "name", "note", "extra"]


def test_a_statement_on_the_bind_gives_up_with_the_blocker_named(
    server_url: str, tmp_path: Path
) -> None:
    migrations = _folder(tmp_path)
    with app(server_url, migrations, ddl_lock_timeout=300, ddl_lock_retries=1) as made:
        made.upgrade(FIRST)
        with holding(server_url, "SELECT name FROM holders WHERE id = 1"):
            with pytest.raises(MigrateError) as caught:
                made.upgrade()
    database = "PostgreSQL" if dialect_of(server_url) == "postgresql" else "MariaDB"
    wait = "300 ms" if database == "PostgreSQL" else "1 s"
    assert (
        f"The upgrade of revision {SECOND} failed: {database} gave up waiting for a lock on a "
        f"table after 2 attempts of {wait} each: session " in str(caught.value)
    )
    assert version_rows(server_url) == [FIRST]
    assert _columns(server_url) == ["id", "name"]
