"""The plugin's ready-made migration tests, run by pytest on projects good and broken, on
SQLite, PostgreSQL and MariaDB: each test passes on a good folder and fails with its own
message on a folder broken on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugin.support import ITEM, failure, fixture_conftest, run, write_project

pytest_plugins = ["pytester"]

GOOD_MODELS = """\
class Item(db.Model):
    __tablename__ = "item"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)
    price = db.Column(db.Integer)
"""

GOOD = [
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
]

DATA_TEST = """\
def test_prices_become_cents(migrator):
    migrator.migrate_to("bbb222")
    item = migrator.table("item")
    assert [column.name for column in item.columns] == ["id", "name", "price"]
    migrator.execute(item.insert(), [{"id": 1, "name": "pen", "price": 3}])
    migrator.migrate_to("ccc333")
    assert migrator.current() == "ccc333"
    assert migrator.rows("item") == [{"id": 1, "name": "pen", "price": 300}]
    migrator.migrate_to("-1")
    assert migrator.rows("item") == [{"id": 1, "name": "pen", "price": 3}]
    migrator.migrate_to("base")
    assert migrator.current() is None
    assert dict(migrator.tables) == {}


def test_each_test_starts_on_an_empty_database(migrator):
    assert migrator.current() is None
    assert dict(migrator.tables) == {}
"""

CHECKS = [
    "test_single_head",
    "test_upgrade",
    "test_models_match",
    "test_up_down_up",
    "test_downgrade",
    "test_lint",
]


def configure(pytester: pytest.Pytester, server_url: str | None, **ini: str) -> None:
    lines = ["[pytest]", "pythonpath = ."]
    if server_url:
        lines.append(f"migrations_database_url = {server_url}")
    lines += [f"{key} = {value}" for key, value in ini.items()]
    pytester.makefile(".ini", pytest="\n".join(lines) + "\n")


def server(database_url: str) -> str | None:
    """The server URL the plugin creates its database on (None: SQLite)."""
    return None if database_url.startswith("sqlite") else database_url


def test_a_good_project_passes_every_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    write_project(pytester.path, GOOD, models=GOOD_MODELS)
    fixture_conftest(pytester.path)
    configure(pytester, server(database_url))
    (pytester.path / "test_data.py").write_text(DATA_TEST)
    result = run(pytester, monkeypatch, "-v")
    assert result.ret == 0, result.stdout.str()
    for name in CHECKS:
        result.stdout.fnmatch_lines([f"migrations::{name} PASSED*"])
    result.stdout.fnmatch_lines(["*8 passed*"])


FAULT_MODELS = """\
class Item(db.Model):
    __tablename__ = "item"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)
    extra = db.Column(db.Integer)


class Tag(db.Model):
    __tablename__ = "tag"
    id = db.Column(db.Integer, primary_key=True)


class Label(db.Model):
    __tablename__ = "label"
    id = db.Column(db.Integer, primary_key=True)


class Orphan(db.Model):
    __tablename__ = "orphan"
    id = db.Column(db.Integer, primary_key=True)
"""

FAULTS = [
    ("aaa111", None, ITEM, 'op.drop_table("item")', "create item"),
    (
        "bbb222",
        "aaa111",
        'op.add_column("item", sa.Column("extra", sa.Integer(), nullable=True))\n'
        'op.add_column("item", sa.Column("note", sa.String(20), nullable=True))',
        'op.drop_column("item", "note")',
        "extra and note",
    ),
    (
        "ccc333",
        "bbb222",
        'op.create_table("tag", sa.Column("id", sa.Integer(), primary_key=True))',
        None,
        "create tag",
    ),
    (
        "ddd444",
        "ccc333",
        'op.drop_column("item", "note")',
        'op.add_column("item", sa.Column("note", sa.String(20), nullable=True))',
        "drop note",
    ),
    (
        "eee555",
        "ccc333",
        'op.create_table("label", sa.Column("id", sa.Integer(), primary_key=True))',
        'op.drop_table("label")',
        "create label",
    ),
]


def test_each_test_fails_with_its_message_on_a_broken_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    migrations = write_project(pytester.path, FAULTS, models=FAULT_MODELS)
    fixture_conftest(pytester.path)
    configure(pytester, server(database_url))
    result = run(pytester, monkeypatch, "-v")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["migrations::test_upgrade PASSED*"])
    assert failure(result, "single_head") == [
        "The migrations folder has 2 heads: ddd444 (drop note), eee555 (create label); join "
        "them with 'flask db merge heads -m \"merge\"'."
    ]
    models = failure(result, "models_match")
    assert models[0] == (
        "The models differ from the schema the migrations build; 'flask db migrate' would "
        "write a revision for:"
    )
    assert "    Detected added table 'orphan'" in models
    assert failure(result, "up_down_up") == [
        "Revision bbb222 (extra and note): the schema after its downgrade differs from the "
        "schema before its upgrade:",
        "    table item: column extra was left behind",
    ]
    ccc333 = migrations / "versions" / "ccc333_create_tag.py"
    assert failure(result, "downgrade") == [
        "Every revision needs a downgrade that undoes its upgrade; these do not have one:",
        f"    ccc333 (create tag) has no downgrade() ({ccc333})",
    ]
    lint = failure(result, "lint")
    assert lint[0] == (
        "'flask db lint' finds 1 unsuppressed problem (each revision judged alone, the "
        "tables it does not create assumed big and busy):"
    )
    ddd444 = migrations / "versions" / "ddd444_drop_note.py"
    line = ddd444.read_text().splitlines().index('    op.drop_column("item", "note")') + 1
    assert lint[1] == (
        f"    {ddd444}:{line}: drop-column (ddd444 upgrade): Column 'item.note' is dropped."
    )
    assert lint[-1] == (
        "Fix them, or suppress one with a reason: '# migrate-lint: ignore[rule-id] reason' on "
        "the line of its op call."
    )
    # The messages stand alone: no traceback of the plugin's code.
    assert "checks.py" not in result.stdout.str()


FAILING = [
    ("aaa111", None, ITEM, 'op.drop_table("item")', "create item"),
    (
        "bbb222",
        "aaa111",
        'op.execute("INSERT INTO no_such_table (id) VALUES (1)")',
        'op.execute("DELETE FROM item")',
        "broken insert",
    ),
]


def test_a_revision_that_fails_to_upgrade(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    write_project(pytester.path, FAILING, models=GOOD_MODELS)
    fixture_conftest(pytester.path)
    configure(pytester, server(database_url), migrations_tests="upgrade up_down_up")
    result = run(pytester, monkeypatch, "-v")
    assert result.ret == 1
    upgrade = failure(result, "upgrade")
    assert upgrade[0].startswith(
        "Upgrade to head: the upgrade from an empty database failed at revision bbb222 "
        "(broken insert): "
    )
    assert "no_such_table" in "\n".join(upgrade)
    assert failure(result, "up_down_up")[0].startswith(
        "Revision bbb222 (broken insert): its upgrade failed: "
    )
    result.stdout.fnmatch_lines(["*2 failed*"])
    assert "test_single_head" not in result.stdout.str()


LEFT_BEHIND = [
    (
        "aaa111",
        None,
        ITEM + '\nop.create_table("extra", sa.Column("id", sa.Integer(), primary_key=True))',
        'op.drop_table("item")',
        "item and extra",
    ),
]


def test_a_downgrade_that_leaves_a_table(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    write_project(pytester.path, LEFT_BEHIND)
    fixture_conftest(pytester.path)
    configure(pytester, server(database_url), migrations_skip="lint models_match")
    result = run(pytester, monkeypatch, "-v")
    assert result.ret == 1
    assert failure(result, "downgrade") == [
        "After 'downgrade base' the database still holds tables besides the version table: "
        "extra; the downgrades that created them must drop them."
    ]
    assert failure(result, "up_down_up") == [
        "Revision aaa111 (item and extra): the schema after its downgrade differs from the "
        "schema before its upgrade:",
        "    table extra was left behind",
    ]
    result.stdout.fnmatch_lines(["*2 failed, 2 passed*"])


def test_up_down_up_from_a_revision(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The revision before the one named is only upgraded: its faulty downgrade is not tried.
    write_project(pytester.path, FAULTS[:3])
    fixture_conftest(pytester.path)
    configure(pytester, None, migrations_tests="up_down_up", migrations_up_down_up_from="ccc")
    result = run(pytester, monkeypatch, "-v")
    # ccc333 has no downgrade() at all: running it fails.
    assert failure(result, "up_down_up")[0].startswith(
        "Revision ccc333 (create tag): its downgrade failed: "
    )
    configure(pytester, None, migrations_tests="up_down_up", migrations_up_down_up_from="zzz")
    result = run(pytester, monkeypatch, "-v")
    assert failure(result, "up_down_up") == [
        "migrations_up_down_up_from is 'zzz', which names no revision of "
        f"{pytester.path / 'migrations'}; give a revision id or a unique prefix of one."
    ]


SUPPRESSED = [
    ("aaa111", None, ITEM, "pass", "create item"),
    (
        "bbb222",
        "aaa111",
        'op.drop_column("item", "name")  # migrate-lint: ignore[drop-column] no reader left',
        'op.add_column("item", sa.Column("name", sa.String(50), nullable=True))',
        "drop name",
    ),
]


def test_a_suppressed_finding_passes_and_an_empty_downgrade_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations = write_project(pytester.path, SUPPRESSED)
    fixture_conftest(pytester.path)
    configure(pytester, None, migrations_tests="lint downgrade")
    result = run(pytester, monkeypatch, "-v")
    result.stdout.fnmatch_lines(["migrations::test_lint PASSED*"])
    aaa111 = migrations / "versions" / "aaa111_create_item.py"
    assert failure(result, "downgrade") == [
        "Every revision needs a downgrade that undoes its upgrade; these do not have one:",
        f"    aaa111 (create item): downgrade() does nothing ({aaa111})",
    ]
