"""What Flask-Migrate + Alembic make of a folder holding a squash revision.

Alembic does not know ``replaces``: to it the squash revision is one more revision on the
first replaced revision's parent, so the folder has two heads. These tests run the real
Flask-Migrate (a test-only dependency) on such a folder and pin down what happens, as the
squash page of the documentation says.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.test_flask_migrate_compat import DOWN, DOWN2, UP, UP2, _generated, _switch
from tests.project import Project, fill_revision, make_project

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite]

pytest.importorskip("flask_migrate", reason="Flask-Migrate is a test dependency")

UP3 = 'op.create_table("tag", sa.Column("id", sa.Integer(), primary_key=True))'
DOWN3 = 'op.drop_table("tag")'


@pytest.fixture
def squashed(tmp_path: Path) -> tuple[Project, list[str]]:
    """Three revisions written by Flask-Migrate, the first two squashed by this package."""
    project = make_project(
        tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}", import_from="flask_migrate"
    )
    project.run("db", "init")
    ids = []
    for message, up, down in (("users", UP, DOWN), ("user age", UP2, DOWN2), ("tags", UP3, DOWN3)):
        path = _generated(project.run("db", "revision", "-m", message).output)
        fill_revision(path, up, down)
        ids.append(path.name.split("_", 1)[0])
    project.run("db", "upgrade", ids[1])  # a database made by Flask-Migrate
    _switch(project, "flask_migrate_lite")
    project.run("db", "squash", f"{ids[0]}:{ids[1]}", "--rev-id", "sq1")
    return project, ids


def test_flask_migrate_sees_the_squash_as_a_second_head(
    squashed: tuple[Project, list[str]],
) -> None:
    project, ids = squashed
    assert project.run("db", "heads").stdout.splitlines() == [f"{ids[2]} (head)"]
    _switch(project, "flask_migrate")
    heads = project.run("db", "heads").stdout.splitlines()
    assert sorted(heads) == sorted([f"{ids[2]} (head)", "sq1 (head)"])
    failed = project.run("db", "upgrade", check=False)
    assert failed.returncode != 0
    assert "Multiple head revisions are present" in failed.output
    # Upgrading every head runs the squash as a new branch on top of what is there, and
    # fails on the tables the originals made.
    both = project.run("db", "upgrade", "heads", check=False)
    assert both.returncode != 0
    assert re.search(r"table .?user.? already exists", both.output)


def test_the_originals_gone_flask_migrate_cannot_read_the_folder(
    squashed: tuple[Project, list[str]],
) -> None:
    project, ids = squashed
    for rev_id in ids[:2]:
        (path,) = (project.migrations / "versions").glob(f"{rev_id}_*.py")
        path.unlink()
    project.run("db", "upgrade")  # this package: the database at ids[1] goes on
    assert project.versions() == [ids[2]]
    _switch(project, "flask_migrate")
    failed = project.run("db", "heads", check=False)
    assert failed.returncode != 0
    assert ids[1] in failed.output  # the tags revision names a revision that is gone
