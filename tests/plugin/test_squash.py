"""The plugin's ready-made tests on a folder whose history holds a squash revision: they
walk the graph as a fresh database sees it (the squash in place of the revisions it
replaces), so a good project passes every one of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builder import ROOT
from tests.plugin.support import ITEM, failure, fixture_conftest, run, write_project

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.sqlite

MODELS = """\
class Item(db.Model):
    __tablename__ = "item"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)
    price = db.Column(db.Integer)
    note = db.Column(db.String(20))
"""

# ccc333 calls op.execute: the squash keeps it as written. ddd444 was written before the
# squash, so it still names ccc333 as its parent.
HISTORY = [
    ("aaa111", None, ITEM, 'op.drop_table("item")', "create item"),
    (
        "bbb222",
        "aaa111",
        'op.add_column("item", sa.Column("price", sa.Integer(), nullable=True))',
        'op.drop_column("item", "price")',
        "add price",
    ),
    (
        "ccc333",
        "bbb222",
        'op.execute("UPDATE item SET price = price * 100")',
        'op.execute("UPDATE item SET price = price / 100")',
        "price in cents",
    ),
    (
        "ddd444",
        "ccc333",
        'op.add_column("item", sa.Column("note", sa.String(20), nullable=True))',
        'op.drop_column("item", "note")',
        "add note",
    ),
]

DATA_TEST = """\
def test_through_the_squash(migrator):
    migrator.migrate_to("sq0")
    assert migrator.current() == "sq0"
    item = migrator.table("item")
    assert [column.name for column in item.columns] == ["id", "name", "price"]
    migrator.execute(item.insert(), [{"id": 1, "name": "pen", "price": 3}])
    migrator.migrate_to("head")
    assert migrator.rows("item") == [{"id": 1, "name": "pen", "price": 3, "note": None}]
    migrator.migrate_to("base")
    assert migrator.current() is None
    assert dict(migrator.tables) == {}
"""

CHECKS = ["test_single_head", "test_upgrade", "test_models_match", "test_up_down_up"]
CHECKS += ["test_downgrade", "test_lint"]


def _flask(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["DATABASE_URL"] = f"sqlite:///{path / 'squash.db'}"
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", *args],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def test_the_ready_made_tests_pass_on_a_history_with_a_squash(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, HISTORY, models=MODELS)
    squashed = _flask(pytester.path, "squash", "aaa111:ccc333", "-m", "first", "--rev-id", "sq0")
    assert squashed.stderr.splitlines()[1] == (
        "Replaces 3 revisions (aaa111 to ccc333); 2 operations remain, "
        "1 of them kept as written (ccc333)."
    )
    assert _flask(pytester.path, "heads").stdout == "ddd444 (head)\n"
    # A fresh database never runs the replaced files: break one to show they are not run.
    (bbb222,) = (pytester.path / "migrations" / "versions").glob("bbb222_*.py")
    text = bbb222.read_text()
    for body in (
        'op.add_column("item", sa.Column("price", sa.Integer(), nullable=True))',
        'op.drop_column("item", "price")',
    ):
        text = text.replace(body, 'raise RuntimeError("a replaced revision ran")')
    assert text.count("a replaced revision ran") == 2
    bbb222.write_text(text)
    (pytester.path / "test_data.py").write_text(DATA_TEST)
    fixture_conftest(pytester.path)
    pytester.makefile(".ini", pytest="[pytest]\npythonpath = .\n")
    result = run(pytester, monkeypatch, "-v")
    assert result.ret == 0, result.stdout.str()
    for name in CHECKS:
        result.stdout.fnmatch_lines([f"migrations::{name} PASSED*"])
    result.stdout.fnmatch_lines(["*7 passed*"])


def test_up_down_up_from_a_replaced_revision_is_refused(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, HISTORY, models=MODELS)
    _flask(pytester.path, "squash", "aaa111:ccc333", "-m", "first", "--rev-id", "sq0")
    fixture_conftest(pytester.path)
    ini = "[pytest]\npythonpath = .\nmigrations_tests = up_down_up\n"
    pytester.makefile(".ini", pytest=ini + "migrations_up_down_up_from = bbb222\n")
    result = run(pytester, monkeypatch)
    assert result.ret == 1
    assert failure(result, "up_down_up") == [
        "migrations_up_down_up_from is 'bbb222', a revision that the squash revision sq0 "
        "replaces (a fresh database runs the squash alone); give the squash revision or a "
        "revision after it."
    ]
    # The squash's last revision names the squash: the test starts there.
    pytester.makefile(".ini", pytest=ini + "migrations_up_down_up_from = ccc333\n")
    assert run(pytester, monkeypatch).ret == 0
