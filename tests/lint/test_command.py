"""``flask db lint``, and the lint that ``migrate``/``revision --autogenerate`` and ``upgrade``
run."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tests.builder import write_revision
from tests.databases import version_rows
from tests.lint._support import BASE, CHANGE, base_app

DROP = 'op.drop_column("item", "n")'
INDEX = 'op.create_index("ix_item_name", "item", ["name"])'
ADD_NOTE = 'op.add_column("item", sa.Column("note", sa.String(10), nullable=True))'


def line_of(path: Path, code: str) -> int:
    """The line number of ``code`` in the file."""
    return path.read_text().splitlines().index(f"    {code}") + 1


def test_lint_lists_the_pending_findings_and_exits_1(tmp_path: Path, sqlite_url: str) -> None:
    with base_app(sqlite_url, tmp_path) as made:
        path = write_revision(made.migrations, CHANGE, BASE, DROP)
        result = made.cli("lint", code=1)
    assert result.stdout.splitlines() == [
        f"{path}:{line_of(path, DROP)}: drop-column ({CHANGE} upgrade): "
        "Column 'item.n' is dropped.",
        "    locks: a brief exclusive lock; the harm is not the lock: the release still running "
        "queries the old name between the migration and its own restart, and fails",
        "    safe recipe: expand and contract: first release code that no longer uses it (for "
        "SQLAlchemy models, remove the attribute or mark it deferred), then drop it in a later "
        "revision, and suppress this finding there with the reason",
        "lint: 1 problem in 1 revision.",
    ]


def test_lint_exits_0_when_nothing_is_found(tmp_path: Path, sqlite_url: str) -> None:
    with base_app(sqlite_url, tmp_path) as made:
        result = made.cli("lint")
        assert result.stdout == "lint: 0 problems in 0 revisions.\n"
        result = made.cli("lint", "--all")
    assert result.stdout == "lint: 0 problems in 1 revision.\n"


def test_lint_json_for_ci(tmp_path: Path, postgresql_url: str) -> None:
    with base_app(postgresql_url, tmp_path) as made:
        path = write_revision(made.migrations, CHANGE, BASE, INDEX)
        result = made.cli("lint", "--format", "json", code=1)
    document = json.loads(result.stdout)
    assert document["failed"] is True
    (database,) = document["databases"]
    assert database["revisions"] == [CHANGE]
    assert database["with_database"] is True
    (finding,) = database["findings"]
    assert finding["rule"] == "create-index"
    assert finding["path"] == str(path)
    assert finding["line"] == line_of(path, INDEX)
    assert finding["severity"] == "error" and finding["suppressed"] is None
    assert "CONCURRENTLY" in finding["message"]
    assert "postgresql_concurrently=True" in finding["recipe"]
    assert "SHARE lock" in finding["locks"]


def test_lint_a_range_and_a_single_revision(tmp_path: Path, postgresql_url: str) -> None:
    with base_app(postgresql_url, tmp_path) as made:
        write_revision(made.migrations, CHANGE, BASE, INDEX)
        made.cli("lint", f"{BASE}:{CHANGE}", code=1)
        result = made.cli("lint", BASE)
        assert result.stdout == "lint: 0 problems in 1 revision.\n"
        made.cli("lint", CHANGE, code=1)


def test_upgrade_warns_by_default_and_applies(tmp_path: Path, sqlite_url: str) -> None:
    with base_app(sqlite_url, tmp_path) as made:
        write_revision(made.migrations, CHANGE, BASE, DROP)
        result = made.cli("upgrade")
        assert f"Lint warning: {made.migrations}" in result.stderr
        assert "drop-column" in result.stderr
    assert version_rows(sqlite_url) == [CHANGE]


def test_upgrade_refuses_with_nothing_applied(tmp_path: Path, sqlite_url: str) -> None:
    config = {"MIGRATE_LINT_ON_UPGRADE": "refuse"}
    with base_app(sqlite_url, tmp_path, config=config) as made:
        write_revision(made.migrations, CHANGE, BASE, DROP)
        result = made.cli("upgrade", code=1)
    assert result.stderr.splitlines()[-1] == (
        "Error: Nothing was applied: lint found 1 problem in the pending migrations "
        f"(drop-column ({CHANGE})); fix them, suppress them with a reason "
        "('# migrate-lint: ignore[rule-id] reason'), or set MIGRATE_LINT_ON_UPGRADE to 'warn'."
    )
    assert version_rows(sqlite_url) == [BASE]
    columns = {
        column["name"] for column in sa.inspect(sa.create_engine(sqlite_url)).get_columns("item")
    }
    assert "n" in columns


def test_upgrade_refuse_applies_a_clean_revision(tmp_path: Path, sqlite_url: str) -> None:
    with base_app(sqlite_url, tmp_path, lint_on_upgrade="refuse") as made:
        write_revision(
            made.migrations,
            CHANGE,
            BASE,
            f"{DROP}  # migrate-lint: ignore[drop-column] gone in 2.3",
        )
        made.cli("upgrade")
    assert version_rows(sqlite_url) == [CHANGE]


def test_upgrade_with_lint_off_says_nothing(tmp_path: Path, sqlite_url: str) -> None:
    with base_app(sqlite_url, tmp_path, lint_on_upgrade="off") as made:
        write_revision(made.migrations, CHANGE, BASE, DROP)
        result = made.cli("upgrade")
    assert "Lint" not in result.stderr


def test_a_bad_lint_on_upgrade_setting_is_one_sentence(tmp_path: Path, sqlite_url: str) -> None:
    with base_app(sqlite_url, tmp_path) as made:
        made.flask.config["MIGRATE_LINT_ON_UPGRADE"] = "loud"
        result = made.cli("upgrade", code=1)
    assert result.stderr.splitlines()[-1] == (
        "Error: MIGRATE_LINT_ON_UPGRADE (or lint_on_upgrade) is 'loud'; set it to off, warn "
        "or refuse."
    )


def test_autogenerate_lints_the_file_it_wrote(tmp_path: Path, postgresql_url: str) -> None:
    with base_app(postgresql_url, tmp_path) as made:
        with made.flask.app_context():
            sa.Table(
                "item",
                made.db.metadata,
                sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
                sa.Column("name", sa.String(50), nullable=True, index=True),
                sa.Column("n", sa.Integer(), nullable=True),
                sa.Column("owner_id", sa.Integer(), nullable=True),
            )
            sa.Table(
                "owner",
                made.db.metadata,
                sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
            )
        result = made.cli("migrate", "-m", "index")
    lines = result.stderr.splitlines()
    warning = next(line for line in lines if line.startswith("Lint warning:"))
    assert "create-index (" in warning
    assert warning.endswith(
        "CREATE INDEX on existing table 'item' without CONCURRENTLY blocks writes to it while "
        "the index is built."
    )
    assert result.exit_code == 0


def test_upgrade_lints_only_what_it_will_apply(tmp_path: Path, sqlite_url: str) -> None:
    with base_app(sqlite_url, tmp_path, lint_on_upgrade="refuse") as made:
        write_revision(made.migrations, CHANGE, BASE, ADD_NOTE)
        write_revision(made.migrations, "11aa00000003", CHANGE, DROP)
        made.cli("upgrade", CHANGE)
        assert version_rows(sqlite_url) == [CHANGE]
        made.cli("upgrade", code=1)
    assert version_rows(sqlite_url) == [CHANGE]
