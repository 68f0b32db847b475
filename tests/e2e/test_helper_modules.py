"""A project whose revision files import helpers from the migrations folder, and whose
helpers say ``from alembic import op``, upgrades and downgrades with and without Alembic."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.test_flask_migrate_compat import BLOCK_ALEMBIC
from tests.project import HANG, Project, Result, make_project

pytestmark = pytest.mark.e2e

UTILS = '''
"""Shared by the revision files, as in many projects."""
from alembic import op
import sqlalchemy as sa


def create_audited(name):
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_by", sa.String(40), nullable=False),
    )
'''

HELPERS_PACKAGE = """
import alembic
from alembic import context


def table_name():
    return context.get_x_argument(as_dictionary=True).get("table", "audited")


def drop(name):
    alembic.op.drop_table(name)
"""

REVISION = '''
"""audited table

Revision ID: 0a1b2c3d4e5f
Revises:
Create Date: 2024-05-06 07:08:09.000001

"""
import os
import sys

from alembic import op

# The migrations folder on sys.path, as projects do to import their helpers.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from utils import create_audited  # noqa: E402

from migrations.helpers import drop, table_name  # noqa: E402

# revision identifiers, used by Alembic.
revision = '0a1b2c3d4e5f'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_audited(table_name())
    op.create_index("ix_created_by", table_name(), ["created_by"])


def downgrade():
    op.drop_index("ix_created_by", table_name())
    drop(table_name())
'''


def _project(tmp_path: Path, url: str) -> Project:
    project = make_project(tmp_path / "proj", url)
    project.run("db", "init")
    (project.migrations / "utils.py").write_text(textwrap.dedent(UTILS).lstrip())
    (project.migrations / "helpers").mkdir()
    (project.migrations / "helpers" / "__init__.py").write_text(HELPERS_PACKAGE.lstrip())
    (project.migrations / "versions" / "0a1b2c3d4e5f_audited_table.py").write_text(
        REVISION.lstrip()
    )
    return project


def _columns(project: Project, table: str) -> dict[str, bool]:
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            indexes = {ix["name"] for ix in inspector.get_indexes(table)}
            assert "ix_created_by" in indexes
            return {c["name"]: c["nullable"] for c in inspector.get_columns(table)}
    finally:
        engine.dispose()


def _run_blocked(project: Project, *args: str) -> Result:
    proc = subprocess.run(
        [sys.executable, "-c", BLOCK_ALEMBIC, "--app", "app", *args],
        cwd=project.path,
        env=project.env(),
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def test_helpers_run_with_alembic_installed(tmp_path: Path, database_url: str) -> None:
    project = _project(tmp_path, database_url)
    up = project.run("db", "upgrade", "-x", "table=things", check=False)
    assert up.returncode == 0, up.output
    assert project.versions() == ["0a1b2c3d4e5f"]
    assert _columns(project, "things") == {"id": False, "created_by": False}
    down = project.run("db", "downgrade", "base", "-x", "table=things", check=False)
    assert down.returncode == 0, down.output
    assert project.versions() == []
    assert project.tables() == {"alembic_version"}


def test_helpers_run_with_alembic_absent(tmp_path: Path, sqlite_url: str) -> None:
    project = _project(tmp_path, sqlite_url)
    up = _run_blocked(project, "db", "upgrade")
    assert up.returncode == 0, up.output
    assert project.versions() == ["0a1b2c3d4e5f"]
    assert _columns(project, "audited") == {"id": False, "created_by": False}
    down = _run_blocked(project, "db", "downgrade", "base")
    assert down.returncode == 0, down.output
    assert project.tables() == {"alembic_version"}
