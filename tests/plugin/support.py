"""Projects for the pytest plugin's tests, run by pytester in a pytest of their own.

Each project is an app module (``app.py``, on the database ``DATABASE_URL`` names or on the
URL given to ``create_app``), a migrations folder made by the project builder, revision
files written with :func:`tests.builder.write_revision`, and the pytest configuration.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tests.builder import ROOT, make_folder, write_revision

__all__ = [
    "ITEM",
    "APP",
    "PLUGIN",
    "Revision",
    "failure",
    "fixture_conftest",
    "plugin_args",
    "run",
    "write_project",
]

PLUGIN = "flask_migrate_lite.testing.plugin"

#: (id, down revision, upgrade body, downgrade body or None for none, message)
Revision = tuple[str, "str | None", str, "str | None", str]

APP = """\
import os

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_lite import Migrate

db = SQLAlchemy()

{models}


def create_app(url=None):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url or os.environ["DATABASE_URL"]
    app.config.update({config!r})
    db.init_app(app)
    Migrate(app, db)
    return app
"""

#: A conftest.py that turns the plugin on with a fixture (rather than the ini setting).
FIXTURE_CONFTEST = """\
import pytest

from app import create_app


@pytest.fixture(scope="session")
def migrations_app(migrations_database_url):
    return create_app(migrations_database_url)
"""


#: The upgrade body of a first revision that creates the table 'item'.
ITEM = """\
op.create_table(
    "item",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(50), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)"""


def plugin_args() -> list[str]:
    """``-p`` for the plugin, unless it is installed (its pytest11 entry point loads it)."""
    installed = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", PLUGIN]


def write_project(
    path: Path,
    revisions: Sequence[Revision],
    *,
    models: str = "",
    config: dict[str, object] | None = None,
) -> Path:
    """Write ``app.py`` and its migrations folder into ``path``; returns the folder.

    ``revisions`` are (id, down revision, upgrade body, downgrade body, message); a
    downgrade of ``None`` leaves the file without a ``downgrade()`` function.
    """
    source = APP.format(models=textwrap.dedent(models), config=dict(config or {}))
    (path / "app.py").write_text(source, encoding="utf-8")
    migrations = make_folder(path)
    for rev_id, down, upgrade, downgrade, message in revisions:
        written = write_revision(
            migrations, rev_id, down, upgrade, downgrade or "pass", message=message
        )
        if downgrade is None:
            text = written.read_text(encoding="utf-8")
            written.write_text(text.split("\n\n\ndef downgrade():")[0] + "\n", encoding="utf-8")
    return migrations


def fixture_conftest(path: Path) -> None:
    """Turn the plugin on with a ``migrations_app`` fixture in ``path/conftest.py``."""
    (path / "conftest.py").write_text(FIXTURE_CONFTEST, encoding="utf-8")


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str) -> pytest.RunResult:
    """pytest in a subprocess, in the project, with the plugin."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    return pytester.runpytest_subprocess(
        *plugin_args(), "-p", "no:cacheprovider", "-p", "no:randomly", *args, timeout=600
    )


def failure(result: pytest.RunResult, name: str) -> list[str]:
    """The lines of the failure report of ``migrations::test_<name>``."""
    lines = result.outlines
    header = re.compile(r"^_{3,} (.+) _{3,}$")
    start = next(
        (i for i, line in enumerate(lines) if header.match(line) and f"::test_{name} " in line),
        None,
    )
    assert start is not None, "\n".join(lines)
    found = []
    for line in lines[start + 1 :]:
        if header.match(line) or line.startswith("=" * 5):
            break
        found.append(line)
    return found
