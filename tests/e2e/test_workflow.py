"""The tutorial workflow through the real ``flask`` command, on SQLite."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.project import Project, fill_revision

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite]

USER_UP = """
op.create_table(
    "user",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
)
op.create_index("ix_user_name", "user", ["name"])
"""
USER_DOWN = """
op.drop_index("ix_user_name", table_name="user")
op.drop_table("user")
"""


def _generated(output: str) -> Path:
    match = re.search(r"^Generating (\S+\.py) \.\.\.  done$", output, re.MULTILINE)
    assert match, output
    return Path(match.group(1))


@pytest.fixture
def project(project: Project) -> Project:
    return project


def test_tutorial_workflow(project: Project) -> None:
    init = project.run("db", "init")
    assert f"Creating directory '{project.migrations}' ...  done" in init.stderr
    assert (project.migrations / "alembic.ini").is_file()
    assert (project.migrations / "script.py.mako").is_file()
    assert (project.migrations / "versions").is_dir()

    first = _generated(project.run("db", "revision", "-m", "Initial revision").stderr)
    first_id = first.name.split("_", 1)[0]
    assert re.fullmatch(r"[0-9a-f]{12}", first_id)
    assert first.name == f"{first_id}_initial_revision.py"
    header = first.read_text()
    assert header.startswith('"""Initial revision\n\nRevision ID: ' + first_id + "\nRevises: \n")
    assert "down_revision = None" in header

    up = project.run("db", "upgrade", "heads")
    assert f"Running upgrade  -> {first_id}, Initial revision" in up.stderr.splitlines()
    assert project.versions() == [first_id]

    second = _generated(project.run("db", "revision", "-m", "User Model").stderr)
    second_id = second.name.split("_", 1)[0]
    assert f"down_revision = '{first_id}'" in second.read_text()
    fill_revision(second, USER_UP, USER_DOWN)

    up = project.run("db", "upgrade", "head")
    assert f"Running upgrade {first_id} -> {second_id}, User Model" in up.stderr.splitlines()
    assert project.versions() == [second_id]
    assert "user" in project.tables()

    assert project.run("db", "current").stdout.splitlines() == [f"{second_id} (head)"]

    down = project.run("db", "downgrade", "-1")
    assert f"Running downgrade {second_id} -> {first_id}, User Model" in down.stderr.splitlines()
    assert project.versions() == [first_id]
    assert "user" not in project.tables()

    up = project.run("db", "upgrade", second_id[:6])
    assert f"Running upgrade {first_id} -> {second_id}, User Model" in up.stderr.splitlines()
    assert project.versions() == [second_id]

    history = project.run("db", "history").stdout.splitlines()
    assert history == [
        f"{first_id} -> {second_id} (head), User Model",
        f"<base> -> {first_id}, Initial revision",
    ]
    assert project.run("db", "heads").stdout.splitlines() == [f"{second_id} (head)"]

    down = project.run("db", "downgrade", "base")
    lines = down.stderr.splitlines()
    assert f"Running downgrade {second_id} -> {first_id}, User Model" in lines
    assert f"Running downgrade {first_id} -> , Initial revision" in lines
    assert project.versions() == []
    assert project.tables() == {"alembic_version"}


def test_upgrade_prints_the_database(project: Project) -> None:
    project.run("db", "init")
    project.run("db", "revision", "-m", "one")
    out = project.run("db", "upgrade").stderr
    assert f"Database: {project.url}" in out.splitlines()
    again = project.run("db", "upgrade").stderr
    assert "Running upgrade" not in again


def test_stamp_and_purge(project: Project) -> None:
    project.run("db", "init")
    first = _generated(project.run("db", "revision", "-m", "one").stderr)
    second = _generated(project.run("db", "revision", "-m", "two").stderr)
    first_id, second_id = (p.name.split("_", 1)[0] for p in (first, second))
    project.run("db", "stamp", "head")
    assert project.versions() == [second_id]
    project.run("db", "stamp", first_id)
    assert project.versions() == [first_id]
    project.run("db", "stamp", "--purge", "base")
    assert project.versions() == []


def test_branches_and_merge(project: Project) -> None:
    project.run("db", "init")
    root = _generated(project.run("db", "revision", "-m", "root").stderr)
    root_id = root.name.split("_", 1)[0]
    a = _generated(project.run("db", "revision", "-m", "a").stderr)
    b = _generated(project.run("db", "revision", "-m", "b", "--head", root_id, "--splice").stderr)
    a_id, b_id = (p.name.split("_", 1)[0] for p in (a, b))
    heads = project.run("db", "heads").stdout.splitlines()
    assert sorted(heads) == sorted([f"{a_id} (head)", f"{b_id} (head)"])

    failed = project.run("db", "upgrade", "head", check=False)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert "several heads" in failed.stderr
    assert project.versions() == []

    branches = project.run("db", "branches").stdout
    assert branches.startswith(f"{root_id} (branchpoint)")

    project.run("db", "upgrade", "heads")
    assert project.versions() == sorted([a_id, b_id])
    merged = _generated(project.run("db", "merge", "heads", "-m", "join").stderr)
    merge_id = merged.name.split("_", 1)[0]
    text = merged.read_text()
    assert f"Revises: {', '.join(sorted([a_id, b_id]))}" in text or (
        f"Revises: {a_id}, {b_id}" in text or f"Revises: {b_id}, {a_id}" in text
    )
    project.run("db", "upgrade")
    assert project.versions() == [merge_id]
    project.run("db", "downgrade", "-1")
    assert project.versions() == sorted([a_id, b_id])
