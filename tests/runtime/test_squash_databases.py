"""``squash`` on real databases: a fresh database built through the squash and one stopped
inside the range and brought up through the original files end with the same schema; the
squash's downgrade works; ``heads``, ``current`` and ``validate`` after a squash.

Every test runs on SQLite, PostgreSQL and MariaDB against the real servers.
"""

from __future__ import annotations

from pathlib import Path

from flask_migrate_lite import commands
from tests.databases import reset, snapshot, tables
from tests.runtime._support import App, app, make_folder, version_rows
from tests.runtime._support import write_revision as write

ACCOUNT = (
    "op.create_table('account', sa.Column('id', sa.Integer(), primary_key=True), "
    "sa.Column('name', sa.String(50), nullable=True))"
)
POST = (
    "op.create_table('post', sa.Column('id', sa.Integer(), primary_key=True), "
    "sa.Column('account_id', sa.Integer(), sa.ForeignKey('account.id'), nullable=False))"
)
TMP = "op.create_table('tmp', sa.Column('id', sa.Integer(), primary_key=True))"


def _batch(table: str, line: str) -> str:
    return f"with op.batch_alter_table('{table}') as batch_op:\n    batch_op.{line}"


# (id, upgrade, downgrade), each on the one before.
HISTORY = [
    ("s01", ACCOUNT, "op.drop_table('account')"),
    (
        "s02",
        "op.add_column('account', sa.Column('email', sa.String(100), nullable=True))",
        _batch("account", "drop_column('email')"),
    ),
    (
        "s03",
        _batch("account", "alter_column('name', existing_type=sa.String(50), nullable=False)"),
        _batch("account", "alter_column('name', existing_type=sa.String(50), nullable=True)"),
    ),
    ("s04", POST, "op.drop_table('post')"),
    (
        "s05",
        "op.create_index('ix_post_account', 'post', ['account_id'])",
        "op.drop_index('ix_post_account', table_name='post')",
    ),
    ("s06", TMP, "op.drop_table('tmp')"),
    ("s07", "op.drop_table('tmp')", TMP),
    (
        "s08",
        "op.add_column('account', sa.Column('old', sa.Integer(), nullable=True))",
        _batch("account", "drop_column('old')"),
    ),
    (
        "s09",
        _batch("account", "drop_column('old')"),
        "op.add_column('account', sa.Column('old', sa.Integer(), nullable=True))",
    ),
    ("s10", "op.execute(\"UPDATE account SET name = 'x' WHERE name = ''\")", "pass"),
    ("s11", "op.rename_table('post', 'article')", "op.rename_table('article', 'post')"),
    ("s12", "op.rename_table('article', 'story')", "op.rename_table('story', 'article')"),
    (
        "s13",
        _batch("account", "create_unique_constraint('uq_account_email', ['email'])"),
        _batch("account", "drop_constraint('uq_account_email', type_='unique')"),
    ),
    (
        "s14",
        "op.add_column('story', sa.Column('title', sa.String(20), nullable=True))",
        _batch("story", "drop_column('title')"),
    ),
]
SQUASH = "sq0000000001"


def _folder(path: Path) -> Path:
    migrations = make_folder(path)
    down = None
    for rev_id, up, down_body in HISTORY:
        write(migrations, rev_id, down, up, down_body, message=f"step {rev_id}")
        down = rev_id
    return migrations


def _upgrade(made: App, target: str = "head") -> list[str]:
    lines: list[str] = []
    made.upgrade(target, report=lines.append)
    return [line for line in lines if line.startswith("Running ")]


def _squash(made: App, rev_range: str) -> list[str]:
    lines: list[str] = []
    with made.flask.app_context():
        commands.squash(rev_range=rev_range, rev_id=SQUASH, report=lines.append)
    return lines


def test_fresh_and_old_databases_end_with_the_same_schema(
    tmp_path: Path, database_url: str
) -> None:
    migrations = _folder(tmp_path)
    with app(database_url, migrations) as made:
        _upgrade(made, "s05")  # an old database, stopped inside the range
        lines = _squash(made, "s01:s13")
        assert lines[1] == (
            "Replaces 13 revisions (s01 to s13); 6 operations remain, "
            "1 of them kept as written (s10)."
        )
        ran = _upgrade(made)
        assert ran == [
            f"Running upgrade s{n:02d} -> s{n + 1:02d}, step s{n + 1:02d}" for n in range(5, 14)
        ]
        assert version_rows(database_url) == ["s14"]
        old = snapshot(database_url, rows=False)

        reset(database_url)
        ran = _upgrade(made)
        assert ran == [
            f"Running upgrade  -> {SQUASH}, squash s01 to s13",
            f"Running upgrade {SQUASH} -> s14, step s14",
        ]
        assert version_rows(database_url) == ["s14"]
        fresh = snapshot(database_url, rows=False)
    assert fresh == old
    assert set(fresh) >= {"account", "story"}
    assert "tmp" not in fresh


def test_the_squash_downgrades_a_database_that_ran_either_way(
    tmp_path: Path, database_url: str
) -> None:
    migrations = _folder(tmp_path)
    with app(database_url, migrations) as made:
        _upgrade(made, "s13")  # ran the originals
        _squash(made, "s01:s13")
        _upgrade(made)
        made.downgrade("base")
        assert tables(database_url) - {"alembic_version", "alembic_version_log"} == set()

        reset(database_url)
        assert [line.split(",")[0] for line in _upgrade(made)] == [
            f"Running upgrade  -> {SQUASH}",
            f"Running upgrade {SQUASH} -> s14",
        ]
        lines: list[str] = []
        made.downgrade("base", report=lines.append)
        assert [line.split(",")[0] for line in lines if line.startswith("Running")] == [
            f"Running downgrade s14 -> {SQUASH}",
            f"Running downgrade {SQUASH} -> ",
        ]
        assert tables(database_url) - {"alembic_version", "alembic_version_log"} == set()


def test_heads_current_and_validate_after_a_squash(tmp_path: Path, database_url: str) -> None:
    migrations = _folder(tmp_path)
    with app(database_url, migrations) as made:
        _upgrade(made, "s13")
        _squash(made, "s01:s13")
        assert made.cli("heads").stdout == "s14 (head)\n"
        assert made.cli("current").stdout == "s13\n"
        assert "s13" in made.cli("history", "--indicate-current").stdout
        _upgrade(made)
        assert made.cli("current").stdout == "s14 (head)\n"
        assert made.cli("history").stdout.splitlines() == [
            f"{SQUASH} -> s14 (head), step s14",
            f"<base> -> {SQUASH}, squash s01 to s13",
        ]
        # No finding and no note: the log's rows of the originals stand for the squash.
        assert made.cli("validate").stdout == ""


COLUMNS = [
    (
        "c01",
        "op.create_table('item', sa.Column('id', sa.Integer(), primary_key=True), "
        "sa.Column('n', sa.Integer(), nullable=True))",
        "op.drop_table('item')",
    ),
    (
        "c02",
        _batch("item", "alter_column('n', existing_type=sa.Integer(), type_=sa.BigInteger())"),
        _batch("item", "alter_column('n', existing_type=sa.BigInteger(), type_=sa.Integer())"),
    ),
    (
        "c03",
        "op.add_column('item', sa.Column('label', sa.String(10), nullable=True))",
        _batch("item", "drop_column('label')"),
    ),
    (
        "c04",
        _batch("item", "alter_column('label', existing_type=sa.String(10), nullable=False)"),
        _batch("item", "alter_column('label', existing_type=sa.String(10), nullable=True)"),
    ),
    (
        "c05",
        _batch(
            "item",
            "alter_column('label', new_column_name='title', existing_type=sa.String(10), "
            "existing_nullable=False)",
        ),
        _batch(
            "item",
            "alter_column('title', new_column_name='label', existing_type=sa.String(10), "
            "existing_nullable=False)",
        ),
    ),
    (
        "c06",
        _batch(
            "item",
            "alter_column('title', existing_type=sa.String(10), type_=sa.String(40), "
            "existing_nullable=False)",
        ),
        _batch(
            "item",
            "alter_column('title', existing_type=sa.String(40), type_=sa.String(10), "
            "existing_nullable=False)",
        ),
    ),
    (
        "c07",
        "op.create_index('ix_item_n', 'item', ['n'])",
        "op.drop_index('ix_item_n', table_name='item')",
    ),
    (
        "c08",
        "op.drop_index('ix_item_n', table_name='item')",
        "op.create_index('ix_item_n', 'item', ['n'])",
    ),
    (
        "c09",
        "op.create_index('ix_item_title', 'item', ['title'], unique=True)",
        "op.drop_index('ix_item_title', table_name='item')",
    ),
]


def test_columns_changed_along_the_way_end_the_same(tmp_path: Path, database_url: str) -> None:
    migrations = make_folder(tmp_path)
    down = None
    for rev_id, up, down_body in COLUMNS:
        write(migrations, rev_id, down, up, down_body, message=f"step {rev_id}")
        down = rev_id
    with app(database_url, migrations) as made:
        _upgrade(made, "c02")
        lines = _squash(made, "c01:c09")
        assert lines[1] == "Replaces 9 revisions (c01 to c09); 3 operations remain."
        text = next((migrations / "versions").glob(f"{SQUASH}_*.py")).read_text()
        assert "sa.Column('n', sa.BigInteger(), nullable=True)" in text
        # The three changes of 'label' (not null, renamed, widened) are one alter_column.
        assert "sa.Column('label', sa.String(length=10), nullable=True)" in text
        assert text.count("alter_column(") == 1
        assert "type_=sa.String(length=40),\n            nullable=False," in text
        assert "ix_item_n" not in text.split("def downgrade")[0]
        assert len(_upgrade(made)) == 7
        old = snapshot(database_url, rows=False)
        reset(database_url)
        assert len(_upgrade(made)) == 1
        fresh = snapshot(database_url, rows=False)
        assert fresh == old
        made.downgrade("base")
        assert tables(database_url) - {"alembic_version", "alembic_version_log"} == set()
