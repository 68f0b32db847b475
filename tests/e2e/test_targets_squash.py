"""Targets and ``flask db squash`` together: PostgreSQL schemas at different points of the
history, upgraded at once through a squash (each schema reads the folder its own way)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.builder import Project
from tests.databases import connect
from tests.e2e.test_targets import TENANTS

pytestmark = [pytest.mark.e2e, pytest.mark.postgresql]

SQUASH = "sq01"

# (id, upgrade, downgrade), each on the one before.
HISTORY = [
    (
        "r1",
        "op.create_table('account', sa.Column('id', sa.Integer(), primary_key=True), "
        "sa.Column('name', sa.String(50), nullable=True))",
        "op.drop_table('account')",
    ),
    (
        "r2",
        "op.add_column('account', sa.Column('email', sa.String(100), nullable=True))",
        "op.drop_column('account', 'email')",
    ),
    (
        "r3",
        "op.create_table('post', sa.Column('id', sa.Integer(), primary_key=True), "
        "sa.Column('account_id', sa.Integer(), sa.ForeignKey('account.id'), nullable=False))",
        "op.drop_table('post')",
    ),
    (
        "r4",
        "op.create_index('ix_post_account', 'post', ['account_id'])",
        "op.drop_index('ix_post_account', table_name='post')",
    ),
    (
        "r5",
        "op.alter_column('account', 'name', existing_type=sa.String(50), nullable=False)",
        "op.alter_column('account', 'name', existing_type=sa.String(50), nullable=True)",
    ),
    (
        "r6",
        "op.add_column('post', sa.Column('title', sa.String(20), nullable=True))",
        "op.drop_column('post', 'title')",
    ),
]


@pytest.fixture
def two_schemas() -> list[str]:
    tag = uuid.uuid4().hex[:6]
    return [f"fml_{tag}_a", f"fml_{tag}_b"]


def _project(path: Path, url: str, schemas: list[str]) -> Project:
    project = Project.create(path, url, config={"MIGRATE_TARGETS": "tenants:targets"})
    (path / "tenants.py").write_text(TENANTS)
    (path / "targets.json").write_text(json.dumps(schemas))
    project.make_folder()
    down = None
    for rev_id, up, down_body in HISTORY[:5]:
        project.write_revision(rev_id, down, up, down_body, message=f"step {rev_id}")
        down = rev_id
    return project


def _schema(url: str, schema: str) -> dict[str, Any]:
    """Tables, columns, indexes and foreign keys of one schema, as reflection sees them."""
    found: dict[str, Any] = {}
    with connect(url) as connection:
        inspector = sa.inspect(connection)
        dialect = connection.dialect
        for table in sorted(inspector.get_table_names(schema=schema)):
            if table.startswith("alembic_version"):
                continue
            found[table] = {
                "columns": [
                    (c["name"], c["type"].compile(dialect=dialect), c["nullable"])
                    for c in inspector.get_columns(table, schema=schema)
                ],
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table, schema=schema)
                ),
                "foreign_keys": sorted(
                    (
                        f["name"],
                        tuple(f["constrained_columns"]),
                        f["referred_table"],
                        tuple(f["referred_columns"]),
                    )
                    for f in inspector.get_foreign_keys(table, schema=schema)
                ),
                "pk": tuple(
                    inspector.get_pk_constraint(table, schema=schema)["constrained_columns"]
                ),
            }
    return found


def _rows(url: str, schema: str) -> list[str]:
    with connect(url) as connection:
        return sorted(
            connection.scalars(sa.text(f'SELECT version_num FROM "{schema}".alembic_version'))
        )


def _ran(url: str, schema: str) -> list[str]:
    """The revisions the schema's applied log shows upgraded, in the order they ran."""
    with connect(url) as connection:
        return list(
            connection.scalars(
                sa.text(
                    f'SELECT revision FROM "{schema}".alembic_version_log '  # noqa: S608
                    "WHERE direction = 'upgrade' ORDER BY id"
                )
            )
        )


def _timeless(text: str) -> str:
    return re.sub(r"\d+\.\d\ds", "T", text)


def test_schemas_on_either_side_of_a_squash_end_the_same(
    tmp_path: Path, postgresql_url: str, two_schemas: list[str]
) -> None:
    a, b = two_schemas
    project = _project(tmp_path / "proj", postgresql_url, two_schemas)
    project.run("db", "upgrade", "--target", a, "r3")
    assert _rows(postgresql_url, a) == ["r3"]
    squashed = project.run("db", "squash", "r1:r5", "-m", "first five", "--rev-id", SQUASH)
    assert squashed.stderr.splitlines()[1].startswith("Replaces 5 revisions (r1 to r5); ")
    rev_id, up, down_body = HISTORY[5]
    project.write_revision(rev_id, SQUASH, up, down_body, message=f"step {rev_id}")

    # Before: A reads the original files (a row names r3), B the squash.
    assert project.run("db", "current", "--all-targets").stdout == f"{a}: r3\n{b}: base\n"
    assert project.run("db", "status", "--target", a).stdout == (
        f"Target: {a}\n"
        "[X] r1 step r1\n"
        "[X] r2 step r2\n"
        "[X] r3 step r3 (current)\n"
        "[ ] r4 step r4\n"
        "[ ] r5 step r5\n"
        "[ ] r6 step r6 (head)\n"
        f"3 of 6 applied; 3 pending migrations: run 'flask db upgrade --target {a}'.\n"
    )
    assert project.run("db", "status", "--target", b).stdout == (
        f"Target: {b}\n"
        "[ ] sq01 first five\n"
        "[ ] r6 step r6 (head)\n"
        f"0 of 2 applied; 2 pending migrations: run 'flask db upgrade --target {b}'.\n"
    )

    # Offline, with no starting point, a script starts from base: through the squash.
    script = project.run("db", "upgrade", "--all-targets", "--sql").stdout
    for schema in (a, b):
        part = script.split(f"-- Target: {schema}\n", 1)[1].split("-- Target:", 1)[0]
        assert re.findall(r"-- Running upgrade .*", part) == [
            f"-- Running upgrade  -> {SQUASH}, first five",
            f"-- Running upgrade {SQUASH} -> r6, step r6",
        ]
        assert f"INSERT INTO {schema}.alembic_version (version_num) VALUES ('{SQUASH}')" in part
        assert "CREATE INDEX ix_post_account ON post (account_id)" in part
    # From r3, the script goes through the originals.
    script = project.run("db", "upgrade", "--target", a, "--sql", "r3:head").stdout
    assert re.findall(r"-- Running upgrade .*", script) == [
        "-- Running upgrade r3 -> r4, step r4",
        "-- Running upgrade r4 -> r5, step r5",
        "-- Running upgrade r5 -> r6, step r6",
    ]
    assert _ran(postgresql_url, a) == ["r1", "r2", "r3"]  # nothing ran
    with connect(postgresql_url) as connection:
        assert sa.inspect(connection).get_table_names(schema=b) == []

    result = project.run("db", "upgrade", "--all-targets", "-j", "2")
    assert [line.split() for line in _timeless(result.stdout).splitlines()] == [
        ["target", "from", "to", "time", "result"],
        [a, "r3", "r6", "T", "ok"],
        [b, "base", "r6", "T", "ok"],
    ]
    assert sorted(
        line for line in _timeless(result.stderr).splitlines() if line.startswith("fml_")
    ) == [f"{a}: r3 -> r6 (T)", f"{b}: base -> r6 (T)"]
    # A ran the originals on from r3, B the squash alone; both rows end at the head.
    assert _ran(postgresql_url, a) == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert _ran(postgresql_url, b) == [SQUASH, "r6"]
    assert _rows(postgresql_url, a) == _rows(postgresql_url, b) == ["r6"]
    built = _schema(postgresql_url, a)
    assert built == _schema(postgresql_url, b)
    assert set(built) == {"account", "post"}
    assert built["post"]["indexes"] == [("ix_post_account", ("account_id",), False)]
    assert built["post"]["foreign_keys"] == [
        ("post_account_id_fkey", ("account_id",), "account", ("id",))
    ]
    assert [column[:3] for column in built["account"]["columns"]] == [
        ("id", "INTEGER", False),
        ("name", "VARCHAR(50)", False),
        ("email", "VARCHAR(100)", True),
    ]

    assert project.run("db", "current", "--all-targets").stdout == (
        f"{a}: r6 (head)\n{b}: r6 (head)\n"
    )
    for schema in (a, b):
        assert project.run("db", "status", "--target", schema).stdout == (
            f"Target: {schema}\n"
            f"[X] {SQUASH} first five\n"
            "[X] r6 step r6 (head, current)\n"
            "All 2 applied.\n"
        )


def test_a_schema_left_inside_a_squash_whose_files_are_gone(
    tmp_path: Path, postgresql_url: str, two_schemas: list[str]
) -> None:
    """A at r5 (the squash's last revision) goes on; B, at r2, is named in every line."""
    a, b = two_schemas
    project = _project(tmp_path / "proj", postgresql_url, two_schemas)
    project.run("db", "upgrade", "--target", a, "r5")
    project.run("db", "upgrade", "--target", b, "r2")
    project.run("db", "squash", "r1:r5", "-m", "first five", "--rev-id", SQUASH)
    rev_id, up, down_body = HISTORY[5]
    project.write_revision(rev_id, SQUASH, up, down_body, message=f"step {rev_id}")
    for path in project.revision_files():
        if not path.name.startswith((SQUASH, "r6")):
            path.unlink()
    gone = (
        f"The database is at revision r2, inside the range that squash revision {SQUASH} "
        "replaces, and the file of revision r1 is gone; restore the replaced revision files "
        "to bring this database up."
    )
    current = project.run("db", "current", "--all-targets", check=False)
    assert (current.returncode, current.stdout, current.stderr) == (
        1,
        f"{a}: r5 (replaced by the squash revision {SQUASH})\n{b}: {gone}\n",
        f"Error: 1 target could not be read ({b}); the lines above say why.\n",
    )
    status = project.run("db", "status", "--all-targets", check=False)
    assert (status.returncode, status.stdout, status.stderr) == (
        1,
        "",
        f"Error: Target {b}: {gone}\n",
    )
    result = project.run("db", "upgrade", "--all-targets", check=False)
    assert result.returncode == 1
    assert _timeless(result.stderr).splitlines() == [
        f"{a}: r5 -> r6 (T)",
        f"{b}: failed: {gone}",
        f"Error: 1 of 2 targets failed ({b}); the lines above say why.",
    ]
    assert _ran(postgresql_url, a) == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert _rows(postgresql_url, a) == ["r6"]
    assert _rows(postgresql_url, b) == ["r2"]
    assert project.run("db", "current", "--all-targets", check=False).stdout == (
        f"{a}: r6 (head)\n{b}: {gone}\n"
    )
