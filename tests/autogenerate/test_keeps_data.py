"""Autogenerate that keeps the data: renamed columns and tables, NOT NULL on tables with rows.

Each case runs on SQLite, PostgreSQL and MariaDB with rows in the tables before ``migrate``:
after ``upgrade`` every row and value is there (compared), ``check`` is clean, and
``downgrade`` restores the schema as it was and the values it can hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_lite import commands
from flask_migrate_lite.commands import autogenerate as autogenerate_command
from flask_migrate_lite.commands.decisions import ValueNeeded
from flask_migrate_lite.engine.autogenerate.compare import CompareOptions
from tests.autogenerate.harness import Build, Workbench, schema_differences

DIALECTS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite),
    pytest.param("postgresql", marks=pytest.mark.postgresql),
    pytest.param("mysql", marks=pytest.mark.mysql),
]

CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

USERS = [
    {"id": 1, "name": "Ann", "nick": None, "score": 10},
    {"id": 2, "name": "Bob", "nick": "b", "score": 20},
    {"id": 3, "name": "Cy'rus", "nick": None, "score": 30},
]
POSTS = [
    {"id": 1, "author_id": 2, "title": "On keeping data"},
    {"id": 2, "author_id": 3, "title": "x"},
]


class Answers:
    """Answers the questions as a developer at a terminal would, and records them."""

    def __init__(self, yes: bool = True, values: list[str] | None = None) -> None:
        self.yes = yes
        self.values = list(values or [])
        self.questions: list[str] = []
        self.told: list[str] = []

    def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.yes

    def ask(self, question: str) -> str:
        self.questions.append(question)
        return self.values.pop(0)

    def tell(self, line: str) -> None:
        self.told.append(line)


def _user(md: sa.MetaData, table: str = "user", name: str = "name", **extra: Any) -> sa.Table:
    columns = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(name, sa.String(50), nullable=False, index=True),
        sa.Column("nick", sa.String(20), nullable=extra.pop("nick_nullable", True)),
        sa.Column("score", sa.Integer, nullable=False, server_default="0"),
        *extra.pop("more", []),
    ]
    return sa.Table(table, md, *columns)


def _post(md: sa.MetaData, target: str = "user") -> sa.Table:
    return sa.Table(
        "post",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey(f"{target}.id"), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
    )


def before(md: sa.MetaData, dialect: str) -> None:
    md.naming_convention = CONVENTION
    _user(md)
    _post(md)


def renamed_column(md: sa.MetaData, dialect: str) -> None:
    md.naming_convention = CONVENTION
    _user(md, name="full_name")
    _post(md)


def renamed_table(md: sa.MetaData, dialect: str) -> None:
    md.naming_convention = CONVENTION
    _user(md, table="account")
    _post(md, "account")


def renamed_both(md: sa.MetaData, dialect: str) -> None:
    md.naming_convention = CONVENTION
    _user(md, table="account", name="full_name")
    _post(md, "account")


def required_columns(md: sa.MetaData, dialect: str) -> None:
    md.naming_convention = CONVENTION
    more = [
        sa.Column("age", sa.Integer, nullable=False),
        sa.Column("label", sa.String(80), nullable=False),
    ]
    _user(md, nick_nullable=False, more=more)
    _post(md)


class Run:
    """One database, its migrations folder, and the rows put in before ``migrate``."""

    def __init__(self, tmp_path: Path, url: str) -> None:
        self.bench = Workbench(tmp_path, url)
        self.bench.init()
        assert self.bench.migrate(before, "before") is not None
        self.bench.upgrade(before)
        self.bench.insert({"user": USERS, "post": POSTS})
        self.schema = self.bench.snapshot()
        self.users = self.bench.select("user", ["id", "name", "nick", "score"])
        self.posts = self.bench.select("post", ["id", "author_id", "title"])

    def migrate(self, build: Build, **decisions: Any) -> str:
        del self.bench.lines[:]
        with self.bench.context(build):
            created = commands.migrate(
                self.bench.folder, "second", report=self.bench.report, **decisions
            )
        assert created is not None and created.path is not None, self.bench.lines
        return Path(created.path).read_text()

    def upgrade_check_downgrade(self, build: Build, table: str, columns: list[str]) -> None:
        self.bench.upgrade(build)
        assert self.bench.select(table, columns) == self.users
        assert self.bench.select("post", ["id", "author_id", "title"]) == self.posts
        assert self.bench.check(build) == []
        self.bench.downgrade(build)
        assert schema_differences(self.bench.snapshot(), self.schema) == []
        assert self.bench.select("user", ["id", "name", "nick", "score"]) == self.users
        assert self.bench.select("post", ["id", "author_id", "title"]) == self.posts


def _url(request: pytest.FixtureRequest, dialect: str) -> str:
    return str(request.getfixturevalue(f"{dialect}_url"))


@pytest.mark.parametrize("dialect", DIALECTS)
def test_column_renamed_by_flag(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run = Run(tmp_path, _url(request, dialect))
    source = run.migrate(renamed_column, renames=["user.name:user.full_name"])
    assert "Detected renamed column 'user.name' to 'user.full_name'" in run.bench.lines
    assert "new_column_name='full_name'" in source
    assert "drop_column" not in source and "add_column" not in source
    # The convention-named index follows the column: renamed where the database can.
    renamed_index = {
        "postgresql": "op.execute('ALTER INDEX ix_user_name RENAME TO ix_user_full_name')",
        "mysql": "op.execute('ALTER TABLE user RENAME INDEX ix_user_name TO ix_user_full_name')",
        "sqlite": "op.create_index(op.f('ix_user_full_name'), 'user', ['full_name'], unique=False)",
    }[dialect]
    assert renamed_index in source
    run.bench.upgrade(renamed_column)
    assert run.bench.snapshot()["user"]["indexes"] == [("ix_user_full_name", ("full_name",), False)]
    run.bench.downgrade(renamed_column)
    run.upgrade_check_downgrade(renamed_column, "user", ["id", "full_name", "nick", "score"])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_column_renamed_by_answer(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run = Run(tmp_path, _url(request, dialect))
    answers = Answers(yes=True)
    run.migrate(renamed_column, asker=answers)
    assert answers.questions == ["Was user.name renamed to user.full_name?"]
    run.upgrade_check_downgrade(renamed_column, "user", ["id", "full_name", "nick", "score"])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_table_renamed_by_answer(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run = Run(tmp_path, _url(request, dialect))
    answers = Answers(yes=True)
    source = run.migrate(renamed_table, asker=answers)
    assert answers.questions == ["Was table user renamed to account?"]
    assert "Detected renamed table 'user' to 'account'" in run.bench.lines
    assert "op.rename_table('user', 'account')" in source
    assert "drop_table" not in source and "create_table" not in source
    # The key of post follows the table: no change to it.
    assert "foreign" not in source
    if dialect == "postgresql":
        assert "ALTER SEQUENCE user_id_seq RENAME TO account_id_seq" in source
        assert "ALTER TABLE account RENAME CONSTRAINT pk_user TO pk_account" in source
    else:
        assert "RENAME CONSTRAINT" not in source
    run.bench.upgrade(renamed_table)
    if dialect == "postgresql":
        engine = run.bench.engine()
        with engine.connect() as conn:
            sequence = conn.scalar(sa.text("SELECT pg_get_serial_sequence('account', 'id')"))
        engine.dispose()
        assert sequence == "public.account_id_seq"
        with engine.connect() as conn:
            key = sa.inspect(conn).get_pk_constraint("account")["name"]
        engine.dispose()
        assert key == "pk_account"
    run.bench.downgrade(renamed_table)
    run.upgrade_check_downgrade(renamed_table, "account", ["id", "name", "nick", "score"])
    if dialect == "postgresql":
        engine = run.bench.engine()
        with engine.connect() as conn:
            key = sa.inspect(conn).get_pk_constraint("user")["name"]
            sequence = conn.scalar(sa.text("SELECT pg_get_serial_sequence('\"user\"', 'id')"))
        engine.dispose()
        assert (key, sequence) == ("pk_user", "public.user_id_seq")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_table_and_column_renamed_by_flags(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run = Run(tmp_path, _url(request, dialect))
    source = run.migrate(
        renamed_both,
        table_renames=["user:account"],
        renames=["account.name:account.full_name"],
        no_input=True,
    )
    assert "op.rename_table('user', 'account')" in source
    assert "new_column_name='full_name'" in source
    run.upgrade_check_downgrade(renamed_both, "account", ["id", "full_name", "nick", "score"])


def renamed_nick(md: sa.MetaData, dialect: str) -> None:
    md.naming_convention = CONVENTION
    sa.Table(
        "user",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, index=True),
        sa.Column("nickname", sa.String(20)),
        sa.Column("score", sa.Integer, nullable=False, server_default="0"),
    )
    _post(md)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rename_not_asked_drops_and_adds_with_a_warning(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run = Run(tmp_path, _url(request, dialect))
    source = run.migrate(renamed_nick)  # no terminal, no flag
    assert "drop_column('nick')" in source
    assert (
        "Warning: The migration drops column 'user.nick' with the 1 value it holds and adds "
        "'user.nickname' empty; if the column was renamed, its data is lost."
    ) in run.bench.lines
    assert (
        "To keep the data of what was renamed, run 'flask db migrate' in a terminal and answer "
        "its questions, or pass --rename user.nick:user.nickname."
    ) in run.bench.lines


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rename_refused_at_the_terminal(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run = Run(tmp_path, _url(request, dialect))
    answers = Answers(yes=False)
    source = run.migrate(renamed_nick, asker=answers)
    assert answers.questions == ["Was user.nick renamed to user.nickname?"]
    assert "drop_column('nick')" in source and "To keep the data" not in "".join(run.bench.lines)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_required_columns_filled_from_flags_and_answers(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run = Run(tmp_path, _url(request, dialect))
    answers = Answers(values=["score + 1"])
    source = run.migrate(
        required_columns,
        defaults=["user.label='n/a:none'", "user.nick=upper(name)"],
        asker=answers,
    )
    assert answers.told == ["Column user.age is added NOT NULL to a table with 3 rows."]
    assert "add_column(sa.Column('age', sa.Integer(), nullable=True))" in source
    run.bench.upgrade(required_columns)
    rows = run.bench.select("user", ["id", "name", "nick", "score", "age", "label"])
    assert rows == [
        (1, "Ann", "ANN", 10, 11, "n/a:none"),
        (2, "Bob", "b", 20, 21, "n/a:none"),
        (3, "Cy'rus", "CY'RUS", 30, 31, "n/a:none"),
    ]
    assert run.bench.check(required_columns) == []
    engine = run.bench.engine()
    with engine.connect() as conn:
        columns = {c["name"]: c["nullable"] for c in sa.inspect(conn).get_columns("user")}
    engine.dispose()
    assert (columns["age"], columns["label"], columns["nick"]) == (False, False, False)
    run.bench.downgrade(required_columns)
    assert schema_differences(run.bench.snapshot(), run.schema) == []
    # The filled nicknames stay: the old schema can hold them.
    assert run.bench.select("user", ["id", "name", "nick", "score"]) == [
        (1, "Ann", "ANN", 10),
        (2, "Bob", "b", 20),
        (3, "Cy'rus", "CY'RUS", 30),
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_big_table_filled_in_batches(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = Run(tmp_path, _url(request, dialect))
    run.bench.insert(
        {"user": [{"id": i, "name": f"u{i}", "score": i} for i in range(10, 35)], "post": []}
    )
    options = autogenerate_command._compare_options

    def small_batches(*args: Any) -> CompareOptions:
        found = options(*args)
        found.fill_batch_rows = 10
        return found

    monkeypatch.setattr(autogenerate_command, "_compare_options", small_batches)

    def with_age(md: sa.MetaData, dialect: str) -> None:
        md.naming_convention = CONVENTION
        _user(md, more=[sa.Column("age", sa.Integer, nullable=False)])
        _post(md)

    source = run.migrate(with_age, defaults=["user.age=score * 2"])
    assert "for start in range(low or 0, (high or -1) + 1, 10):" in source
    run.bench.upgrade(with_age)
    rows = run.bench.select("user", ["id", "score", "age"])
    assert len(rows) == 28
    assert all(age == score * 2 for _, score, age in rows)
    assert run.bench.check(with_age) == []
    run.bench.downgrade(with_age)
    assert schema_differences(run.bench.snapshot(), run.schema) == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_required_column_without_value_stops(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run = Run(tmp_path, _url(request, dialect))
    before_files = sorted(run.bench.folder.glob("versions/*.py"))
    with pytest.raises(ValueNeeded) as caught, run.bench.context(required_columns):
        commands.migrate(run.bench.folder, "x", no_input=True, defaults=["user.nick='-'"])
    assert caught.value.exit_status == 3
    assert str(caught.value) == (
        "Column user.age needs a value for the 3 rows of the database that it is added to "
        "before it can be NOT NULL; run 'flask db migrate' in a terminal to be asked for one, "
        "or pass --default user.age=VALUE."
    )
    assert sorted(run.bench.folder.glob("versions/*.py")) == before_files


@pytest.mark.parametrize("dialect", DIALECTS)
def test_value_the_database_cannot_read_is_asked_again(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run = Run(tmp_path, _url(request, dialect))
    answers = Answers(values=["no_such_column + 1", "7"])

    def with_age(md: sa.MetaData, dialect: str) -> None:
        md.naming_convention = CONVENTION
        _user(md, more=[sa.Column("age", sa.Integer, nullable=False)])
        _post(md)

    run.migrate(with_age, asker=answers)
    assert len(answers.told) == 2
    assert answers.told[1].startswith("The database cannot read no_such_column + 1: ")
    run.bench.upgrade(with_age)
    assert [age for (age,) in run.bench.select("user", ["age"])] == [7, 7, 7]


def keyed(md: sa.MetaData, dialect: str, renamed: bool = False) -> None:
    md.naming_convention = CONVENTION
    score, email, author = (
        ("points", "mail", "writer_id") if renamed else ("score", "email", "author_id")
    )
    sa.Table(
        "member",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(score, sa.Integer, nullable=False, server_default="0"),
        sa.Column(email, sa.String(50), unique=True),
    )
    sa.Table(
        "entry",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(author, sa.Integer, sa.ForeignKey("member.id"), nullable=False),
    )


def keyed_renamed(md: sa.MetaData, dialect: str) -> None:
    keyed(md, dialect, renamed=True)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_renamed_columns_with_keys_and_defaults(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    bench = Workbench(tmp_path, _url(request, dialect))
    bench.init()
    assert bench.migrate(keyed, "before") is not None
    bench.upgrade(keyed)
    bench.insert(
        {
            "member": [{"id": 1, "score": 5, "email": "a@x"}, {"id": 2, "score": 7, "email": None}],
            "entry": [{"id": 1, "author_id": 2}, {"id": 2, "author_id": 2}],
        }
    )
    schema = bench.snapshot()
    answers = Answers(yes=True)
    with bench.context(keyed_renamed):
        assert commands.migrate(bench.folder, "renames", asker=answers) is not None
    assert sorted(answers.questions) == [
        "Was entry.author_id renamed to entry.writer_id?",
        "Was member.email renamed to member.mail?",
        "Was member.score renamed to member.points?",
    ]
    bench.upgrade(keyed_renamed)
    assert bench.select("member", ["id", "points", "mail"]) == [(1, 5, "a@x"), (2, 7, None)]
    assert bench.select("entry", ["id", "writer_id"]) == [(1, 2), (2, 2)]
    assert bench.check(keyed_renamed) == []
    bench.downgrade(keyed_renamed)
    assert schema_differences(bench.snapshot(), schema) == []
    assert bench.select("member", ["id", "score", "email"]) == [(1, 5, "a@x"), (2, 7, None)]
    assert bench.select("entry", ["id", "author_id"]) == [(1, 2), (2, 2)]
