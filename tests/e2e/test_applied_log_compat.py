"""The applied log next to Flask-Migrate + Alembic: each tool keeps working on a database the
other moved, and what the log did not see is a note, never a crash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.project import Project, fill_revision, make_project

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite]

pytest.importorskip("flask_migrate", reason="Flask-Migrate is a test dependency")

UP = 'op.create_table("user", sa.Column("id", sa.Integer(), primary_key=True))'
DOWN = 'op.drop_table("user")'
UP2 = 'op.add_column("user", sa.Column("age", sa.Integer(), nullable=True))'
DOWN2 = 'op.drop_column("user", "age")'


def _switch(project: Project, to: str) -> None:
    app = project.path / "app.py"
    text = re.sub(
        r"^from \S+ import Migrate$", f"from {to} import Migrate", app.read_text(), flags=re.M
    )
    app.write_text(text)


def test_the_log_and_flask_migrate_move_the_same_database(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}", import_from="flask_migrate"
    )
    project.run("db", "init")
    ids = []
    for message, up, down in (("users", UP, DOWN), ("user age", UP2, DOWN2)):
        out = project.run("db", "revision", "-m", message).output
        match = re.search(r"Generating (\S+\.py) \.\.\.\s+done", out)
        assert match, out
        fill_revision(Path(match.group(1)), up, down)
        ids.append(Path(match.group(1)).name.split("_", 1)[0])
    first, second = ids
    project.run("db", "upgrade", first)  # Flask-Migrate + Alembic
    _switch(project, "flask_migrate_lite")
    project.run("db", "upgrade")
    assert project.versions() == [second]
    note = project.run("db", "validate").stdout.splitlines()
    assert len(note) == 1 and note[0].endswith(
        f"note: 1 revision ({first}) applied without a log row (before the log was kept, by "
        "another tool or by hand) cannot be checked against what ran; run "
        f"'flask db validate --accept {first}' to record a file as it is now."
    )
    # Back to Flask-Migrate, which goes on with the log beside the version table.
    _switch(project, "flask_migrate")
    project.run("db", "downgrade", first)
    assert project.versions() == [first]
    _switch(project, "flask_migrate_lite")
    moved = project.run("db", "validate").stdout
    assert (
        f"note: the version table moved without log rows: the log last recorded {second}" in moved
    )
    assert f"and the database is at {first}" in moved
    history = project.run("db", "history", "--applied").stdout.splitlines()
    assert history[-1].startswith("note: the version table moved without log rows")
    project.run("db", "upgrade")
    assert project.versions() == [second]
    project.run("db", "validate", "--accept", first)
    assert project.run("db", "validate").stdout == ""
    _switch(project, "flask_migrate")
    assert f"{second} (head)" in project.run("db", "current").output
