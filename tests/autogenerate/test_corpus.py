"""A corpus of model changes, each migrated up and down on SQLite, PostgreSQL and MariaDB.

For each case: the "before" models are migrated (``migrate`` + ``upgrade``) and given a few
rows; the models become "after"; ``migrate`` writes the revision, ``upgrade`` runs it, and
``check`` must then find nothing; ``downgrade -1`` must bring back exactly the schema there
was before (as reflected: columns and their compiled types, nullability, defaults, comments,
indexes, unique constraints, foreign keys, named checks, PostgreSQL enum types), and the rows
survive wherever the change keeps them. Commands run in-process (the command functions in an
app context); ``test_e2e`` runs the same flow through real ``flask db`` subprocesses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.autogenerate.harness import Build, Rows, Workbench, schema_differences
from tests.project import make_project

DIALECTS = ("sqlite", "postgresql", "mysql")
SERVERS = ("postgresql", "mysql")  # the databases with comments


@dataclass(frozen=True)
class Case:
    """One change of the models."""

    id: str
    before: Build
    after: Build
    #: Rows inserted once the "before" schema exists.
    rows: Rows = field(default_factory=dict)
    #: Per table, the columns whose values must survive the upgrade and the downgrade
    #: (default: every column of the inserted rows; an empty list: the rows are lost).
    kept: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: Lines ``migrate`` must report (each one exactly, among the others).
    expect: Sequence[str] = ()
    dialects: Sequence[str] = DIALECTS
    options: Mapping[str, Any] = field(default_factory=dict)
    #: Whether the downgrade restores PostgreSQL enum values (it cannot remove a value).
    enums_restored: bool = True
    #: Known failures outside autogenerate, per dialect: the reason (strict xfail).
    broken: Mapping[str, str] = field(default_factory=dict)


# --- the models ------------------------------------------------------------------------------


def org(md: sa.MetaData, *items: Any) -> sa.Table:
    return sa.Table(
        "org",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(50), nullable=False),
        *items,
    )


def user(
    md: sa.MetaData,
    *items: Any,
    name: sa.types.TypeEngine[Any] | None = None,
    name_nullable: bool = False,
    age: sa.Column[Any] | None = None,
    email: sa.Column[Any] | None = None,
    **kw: Any,
) -> sa.Table:
    return sa.Table(
        "user",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", name if name is not None else sa.String(128), nullable=name_nullable),
        age if age is not None else sa.Column("age", sa.Integer),
        email if email is not None else sa.Column("email", sa.String(120)),
        *items,
        **kw,
    )


def base(md: sa.MetaData, dialect: str) -> None:
    org(md)
    user(md)


ORGS = [{"id": 1, "title": "Acme"}, {"id": 2, "title": "Globex"}]
USERS = [
    {"id": 1, "name": "ann", "age": 31, "email": "ann@example.com"},
    {"id": 2, "name": "bob", "age": 42, "email": "bob@example.com"},
    {"id": 3, "name": "cyd", "age": 27, "email": "cyd@example.com"},
]
BASE_ROWS: Rows = {"org": ORGS, "user": USERS}


def with_user(**columns: Any) -> list[dict[str, Any]]:
    """The users with more columns: ``name=[v1, v2, v3]``."""
    return [{**row, **{k: v[i] for k, v in columns.items()}} for i, row in enumerate(USERS)]


def tag_table(md: sa.MetaData) -> sa.Table:
    return sa.Table(
        "tag",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(30), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE")),
        sa.Column("weight", sa.Numeric(6, 2), server_default="1.00"),
        sa.Index("ix_tag_user_id", "user_id"),
    )


def with_tag(md: sa.MetaData, dialect: str) -> None:
    base(md, dialect)
    tag_table(md)


def models(**user_kw: Any) -> Build:
    """org + user, with ``user(...)`` given these keyword arguments (items as ``items=``)."""

    def build(md: sa.MetaData, dialect: str) -> None:
        kw = dict(user_kw)
        items = kw.pop("items", ())
        org(md)
        user(md, *[item() for item in items], **{k: v() for k, v in kw.items()})

    return build


def col(*args: Any, **kw: Any) -> Any:
    """A column factory (each MetaData needs its own Column objects)."""
    return lambda: sa.Column(
        *[arg._copy() if isinstance(arg, sa.ForeignKey) else arg for arg in args], **kw
    )


def item(factory: Any, *args: Any, **kw: Any) -> Any:
    return lambda: factory(*args, **kw)


def ticket(values: Sequence[str]) -> Build:
    def build(md: sa.MetaData, dialect: str) -> None:
        base(md, dialect)
        sa.Table(
            "ticket",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("state", sa.Enum(*values, name="ticket_state"), nullable=False),
        )

    return build


def user_with_enum(md: sa.MetaData, dialect: str) -> None:
    org(md)
    user(md, sa.Column("mood", sa.Enum("calm", "busy", name="mood")))


def with_naming_convention(md: sa.MetaData, dialect: str) -> None:
    md.naming_convention = {
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
    org(md)
    user(
        md,
        sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id"), index=True),
        sa.CheckConstraint("age > 0", name="adult"),
        email=sa.Column("email", sa.String(120), unique=True),
    )


SD = {"compare_server_default": True}

CASES = [
    # -- tables
    Case(
        "add-table",
        base,
        with_tag,
        BASE_ROWS,
        expect=[
            "Detected added table 'tag'",
            "Detected added index 'ix_tag_user_id' on '['user_id']'",
        ],
    ),
    Case(
        "remove-table",
        with_tag,
        base,
        {**BASE_ROWS, "tag": [{"id": 1, "label": "x", "user_id": 1, "weight": 2}]},
        kept={"tag": []},
        expect=["Detected removed table 'tag'"],
    ),
    # -- columns
    Case(
        "add-column",
        base,
        models(items=[col("nickname", sa.String(40))]),
        BASE_ROWS,
        expect=["Detected added column 'user.nickname'"],
    ),
    Case(
        "add-not-null-column-with-default",
        base,
        models(items=[col("score", sa.Integer, nullable=False, server_default="0")]),
        BASE_ROWS,
        expect=["Detected added column 'user.score'"],
    ),
    Case(
        "remove-column",
        models(items=[col("nickname", sa.String(40))]),
        base,
        {"org": ORGS, "user": with_user(nickname=["a", "b", "c"])},
        kept={"user": ["id", "name", "age", "email"]},
        expect=["Detected removed column 'user.nickname'"],
    ),
    # -- types
    Case(
        "string-length",
        base,
        models(name=lambda: sa.String(60)),
        BASE_ROWS,
        expect=[
            "Detected type change from VARCHAR(length=128) to String(length=60) on 'user.name'"
        ],
    ),
    Case(
        "integer-to-biginteger",
        base,
        models(age=col("age", sa.BigInteger)),
        BASE_ROWS,
    ),
    Case(
        "string-to-text",
        base,
        models(email=col("email", sa.Text)),
        BASE_ROWS,
    ),
    # -- nullability
    Case(
        "nullable-to-not-null",
        base,
        models(age=col("age", sa.Integer, nullable=False)),
        BASE_ROWS,
        expect=["Detected NOT NULL on column 'user.age'"],
    ),
    Case(
        "not-null-to-nullable",
        base,
        models(name_nullable=lambda: True),
        BASE_ROWS,
        expect=["Detected NULL on column 'user.name'"],
    ),
    # -- server defaults
    Case(
        "server-default-added",
        base,
        models(age=col("age", sa.Integer, server_default="18")),
        BASE_ROWS,
        options=SD,
        expect=["Detected server default on column 'user.age'"],
    ),
    Case(
        "server-default-changed",
        models(email=col("email", sa.String(120), server_default="none@example.com")),
        models(email=col("email", sa.String(120), server_default="nobody@example.com")),
        BASE_ROWS,
        options=SD,
        expect=["Detected server default on column 'user.email'"],
    ),
    Case(
        "server-default-removed",
        models(age=col("age", sa.Integer, server_default=sa.text("18"))),
        base,
        BASE_ROWS,
        options=SD,
    ),
    Case(
        "server-default-function",
        base,
        models(items=[col("created", sa.DateTime, server_default=sa.func.now())]),
        BASE_ROWS,
        options=SD,
    ),
    # -- indexes
    Case(
        "index-added",
        base,
        models(items=[item(sa.Index, "ix_user_name", "name")]),
        BASE_ROWS,
        expect=["Detected added index 'ix_user_name' on '['name']'"],
    ),
    Case(
        "index-removed",
        models(items=[item(sa.Index, "ix_user_name", "name")]),
        base,
        BASE_ROWS,
        expect=["Detected removed index 'ix_user_name' on 'user'"],
    ),
    Case(
        "index-columns-changed",
        models(items=[item(sa.Index, "ix_user_name", "name")]),
        models(items=[item(sa.Index, "ix_user_name", "name", "age")]),
        BASE_ROWS,
        expect=["Detected changed index 'ix_user_name' on 'user'"],
    ),
    Case(
        "index-made-unique",
        models(items=[item(sa.Index, "ix_user_email", "email")]),
        models(items=[item(sa.Index, "ix_user_email", "email", unique=True)]),
        BASE_ROWS,
    ),
    Case(
        "multi-column-index-added",
        base,
        models(items=[item(sa.Index, "ix_user_name_email", "name", "email")]),
        BASE_ROWS,
    ),
    Case(
        "unique-index-added",
        base,
        models(items=[item(sa.Index, "ux_user_email", "email", unique=True)]),
        BASE_ROWS,
    ),
    Case(
        "index-true-column",
        base,
        models(age=col("age", sa.Integer, index=True)),
        BASE_ROWS,
    ),
    # -- unique constraints
    Case(
        "unique-constraint-added",
        base,
        models(items=[item(sa.UniqueConstraint, "name", "email", name="uq_user_name_email")]),
        BASE_ROWS,
        expect=["Detected added unique constraint 'uq_user_name_email' on '['name', 'email']'"],
    ),
    Case(
        "unique-constraint-removed",
        models(items=[item(sa.UniqueConstraint, "name", "email", name="uq_user_name_email")]),
        base,
        BASE_ROWS,
    ),
    Case(
        "unnamed-unique-removed",
        models(email=col("email", sa.String(120), unique=True)),
        base,
        BASE_ROWS,
    ),
    Case(
        "unnamed-multi-column-unique-removed",
        models(items=[item(sa.UniqueConstraint, "name", "email")]),
        base,
        BASE_ROWS,
    ),
    Case(
        "unique-true-column-added",
        base,
        models(email=col("email", sa.String(120), unique=True)),
        BASE_ROWS,
    ),
    # -- foreign keys
    Case(
        "foreign-key-added",
        models(items=[col("org_id", sa.Integer)]),
        models(items=[col("org_id", sa.Integer, sa.ForeignKey("org.id"))]),
        {"org": ORGS, "user": with_user(org_id=[1, 2, None])},
        expect=["Detected added foreign key (org_id)(id) on table user"],
    ),
    Case(
        "named-foreign-key-removed",
        models(items=[col("org_id", sa.Integer, sa.ForeignKey("org.id", name="fk_user_org"))]),
        models(items=[col("org_id", sa.Integer)]),
        {"org": ORGS, "user": with_user(org_id=[1, 2, None])},
        expect=["Detected removed foreign key (org_id)(id) on table user"],
    ),
    Case(
        "foreign-key-with-rules-added",
        models(items=[col("org_id", sa.Integer)]),
        models(
            items=[
                col(
                    "org_id",
                    sa.Integer,
                    sa.ForeignKey(
                        "org.id", name="fk_user_org", ondelete="CASCADE", onupdate="CASCADE"
                    ),
                )
            ]
        ),
        {"org": ORGS, "user": with_user(org_id=[1, 2, None])},
    ),
    Case(
        "foreign-key-ondelete-changed",
        models(items=[col("org_id", sa.Integer, sa.ForeignKey("org.id", name="fk_user_org"))]),
        models(
            items=[
                col(
                    "org_id",
                    sa.Integer,
                    sa.ForeignKey("org.id", name="fk_user_org", ondelete="SET NULL"),
                )
            ]
        ),
        {"org": ORGS, "user": with_user(org_id=[1, 2, None])},
    ),
    Case(
        "new-column-with-unnamed-foreign-key",
        base,
        models(items=[col("org_id", sa.Integer, sa.ForeignKey("org.id"))]),
        BASE_ROWS,
        expect=[
            "Detected added column 'user.org_id'",
            "Detected added foreign key (org_id)(id) on table user",
        ],
    ),
    Case(
        "new-self-referencing-column",
        base,
        models(items=[col("boss_id", sa.Integer, sa.ForeignKey("user.id"))]),
        BASE_ROWS,
    ),
    Case(
        "unnamed-foreign-key-removed",
        models(items=[col("org_id", sa.Integer, sa.ForeignKey("org.id"))]),
        models(items=[col("org_id", sa.Integer)]),
        {"org": ORGS, "user": with_user(org_id=[1, 2, None])},
        expect=["Detected removed foreign key (org_id)(id) on table user"],
    ),
    Case(
        "column-with-foreign-key-and-index-removed",
        models(items=[col("org_id", sa.Integer, sa.ForeignKey("org.id"), index=True)]),
        base,
        {"org": ORGS, "user": with_user(org_id=[1, 2, None])},
        kept={"user": ["id", "name", "age", "email"]},
    ),
    Case(
        "columns-with-unique-and-index-added",
        base,
        models(
            items=[
                col("code", sa.String(10), unique=True),
                col("rank", sa.Integer, index=True),
            ]
        ),
        BASE_ROWS,
    ),
    # -- check constraints
    Case(
        "check-added",
        base,
        models(items=[item(sa.CheckConstraint, "age >= 0", name="ck_user_age")]),
        BASE_ROWS,
        expect=["Detected added check constraint 'ck_user_age' on 'user'"],
    ),
    Case(
        "check-removed",
        models(items=[item(sa.CheckConstraint, "age >= 0", name="ck_user_age")]),
        base,
        BASE_ROWS,
        expect=["Detected removed check constraint 'ck_user_age' on 'user'"],
    ),
    # -- comments
    Case(
        "table-comment-added",
        base,
        models(comment=lambda: "People"),
        BASE_ROWS,
        dialects=SERVERS,
    ),
    Case(
        "table-comment-changed",
        models(comment=lambda: "People"),
        models(comment=lambda: "Users of the site"),
        BASE_ROWS,
        dialects=SERVERS,
    ),
    Case(
        "table-comment-removed",
        models(comment=lambda: "People"),
        base,
        BASE_ROWS,
        dialects=SERVERS,
    ),
    Case(
        "column-comment-added-and-changed",
        models(age=col("age", sa.Integer, comment="years")),
        models(
            age=col("age", sa.Integer, comment="in years"),
            email=col("email", sa.String(120), comment="where to write"),
        ),
        BASE_ROWS,
        dialects=SERVERS,
    ),
    Case(
        "column-comment-removed",
        models(age=col("age", sa.Integer, comment="years")),
        base,
        BASE_ROWS,
        dialects=SERVERS,
    ),
    # -- enums
    Case(
        "table-with-new-enum-type",
        base,
        ticket(["open", "closed"]),
        BASE_ROWS,
        expect=["Detected added table 'ticket'"],
    ),
    Case(
        "new-enum-value",
        ticket(["open", "closed"]),
        ticket(["open", "closed", "stale"]),
        {**BASE_ROWS, "ticket": [{"id": 1, "state": "open"}, {"id": 2, "state": "closed"}]},
        dialects=("postgresql",),
        enums_restored=False,
        expect=["Detected new values ['stale'] of enum type 'ticket_state'"],
    ),
    Case(
        "new-enum-value-mysql",
        ticket(["open", "closed"]),
        ticket(["open", "closed", "stale"]),
        {**BASE_ROWS, "ticket": [{"id": 1, "state": "open"}, {"id": 2, "state": "closed"}]},
        dialects=("mysql",),
    ),
    Case(
        "column-with-new-enum-type",
        base,
        user_with_enum,
        BASE_ROWS,
    ),
    # -- several at once
    Case(
        "type-nullable-and-default-together",
        models(age=col("age", sa.Integer, server_default="1")),
        models(age=col("age", sa.BigInteger, nullable=False, server_default="2")),
        BASE_ROWS,
        options=SD,
        expect=[
            "Detected NOT NULL on column 'user.age'",
            "Detected server default on column 'user.age'",
        ],
    ),
    Case(
        "boolean-column-added",
        base,
        models(
            items=[
                col("active", sa.Boolean, nullable=False, server_default=sa.false()),
                col("staff", sa.Boolean(create_constraint=True, name="ck_user_staff")),
            ]
        ),
        BASE_ROWS,
        options=SD,
    ),
    Case(
        "referencing-tables-removed",
        lambda md, dialect: (
            with_tag(md, dialect),  # type: ignore[func-returns-value]
            sa.Table(
                "tag_note",
                md,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("tag_id", sa.Integer, sa.ForeignKey("tag.id"), nullable=False),
                sa.Column("text", sa.Text),
            ),
        ),
        base,
        {
            **BASE_ROWS,
            "tag": [{"id": 1, "label": "x", "user_id": 1}],
            "tag_note": [{"id": 1, "tag_id": 1, "text": "note"}],
        },
        kept={"tag": [], "tag_note": []},
    ),
    Case(
        "composite-key-table-added",
        base,
        lambda md, dialect: (
            base(md, dialect),  # type: ignore[func-returns-value]
            sa.Table(
                "follow",
                md,
                sa.Column("follower_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
                sa.Column("followed_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
                sa.Column("since", sa.DateTime, server_default=sa.func.now(), nullable=False),
            ),
        ),
        BASE_ROWS,
        options=SD,
    ),
    Case(
        "combined-columns-index-foreign-key",
        models(items=[col("nickname", sa.String(40)), item(sa.Index, "ix_user_age", "age")]),
        models(
            name=lambda: sa.String(80),
            items=[
                col("org_id", sa.Integer, sa.ForeignKey("org.id")),
                col("active", sa.Boolean, nullable=False, server_default=sa.true()),
                item(sa.Index, "ix_user_name", "name"),
                item(sa.UniqueConstraint, "email", name="uq_user_email"),
            ],
        ),
        {"org": ORGS, "user": with_user(nickname=["a", "b", "c"])},
        kept={"user": ["id", "name", "age", "email"]},
        options=SD,
        expect=[
            "Detected added column 'user.org_id'",
            "Detected added column 'user.active'",
            "Detected removed column 'user.nickname'",
            "Detected removed index 'ix_user_age' on 'user'",
            "Detected added index 'ix_user_name' on '['name']'",
        ],
    ),
    Case(
        "combined-tables",
        with_tag,
        lambda md, dialect: (
            base(md, dialect),  # type: ignore[func-returns-value]
            sa.Table(
                "project",
                md,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id"), nullable=False),
            ),
            sa.Table(
                "membership",
                md,
                sa.Column("project_id", sa.Integer, sa.ForeignKey("project.id"), primary_key=True),
                sa.Column("user_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
                sa.Column("role", sa.String(20), nullable=False, server_default="member"),
            ),
        ),
        {**BASE_ROWS, "tag": [{"id": 1, "label": "x", "user_id": 1}]},
        kept={"tag": []},
        expect=[
            "Detected added table 'project'",
            "Detected added table 'membership'",
            "Detected removed table 'tag'",
        ],
    ),
    Case(
        "combined-without-batch",
        models(items=[col("nickname", sa.String(40)), item(sa.Index, "ix_user_age", "age")]),
        models(
            name=lambda: sa.String(80),
            items=[
                col("org_id", sa.Integer, sa.ForeignKey("org.id")),
                item(sa.Index, "ix_user_name", "name"),
                item(sa.UniqueConstraint, "email", name="uq_user_email"),
                item(sa.CheckConstraint, "age >= 0", name="ck_user_age"),
            ],
        ),
        {"org": ORGS, "user": with_user(nickname=["a", "b", "c"])},
        kept={"user": ["id", "name", "age", "email"]},
        dialects=SERVERS,
        options={"render_as_batch": False},
    ),
    Case(
        "table-with-computed-and-identity-columns",
        base,
        lambda md, dialect: (
            base(md, dialect),  # type: ignore[func-returns-value]
            sa.Table(
                "line",
                md,
                sa.Column(
                    "id",
                    sa.Integer,
                    *([sa.Identity()] if dialect == "postgresql" else []),
                    primary_key=True,
                ),
                sa.Column("price", sa.Integer, nullable=False),
                sa.Column("doubled", sa.Integer, sa.Computed("price * 2", persisted=True)),
            ),
        ),
        BASE_ROWS,
        options=SD,
    ),
    Case(
        "naming-convention",
        base,
        with_naming_convention,
        BASE_ROWS,
        expect=[
            "Detected added unique constraint 'uq_user_email' on '['email']'",
            "Detected added check constraint 'ck_user_adult' on 'user'",
        ],
    ),
]


def _params() -> list[Any]:
    params = []
    for case in CASES:
        for dialect in case.dialects:
            marks = [getattr(pytest.mark, dialect)]
            if dialect in case.broken:
                marks.append(pytest.mark.xfail(reason=case.broken[dialect], strict=True))
            params.append(pytest.param(case, dialect, marks=marks, id=f"{case.id}-{dialect}"))
    return params


def _kept(case: Case) -> dict[str, list[str]]:
    kept: dict[str, list[str]] = {}
    for table, rows in case.rows.items():
        columns = case.kept.get(table)
        kept[table] = list(columns if columns is not None else (rows[0] if rows else []))
    return kept


def _values(bench: Workbench, kept: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    return {table: bench.select(table, columns) for table, columns in kept.items() if columns}


@pytest.mark.parametrize(("case", "dialect"), _params())
def test_change(case: Case, dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = str(request.getfixturevalue(f"{dialect}_url"))
    bench = Workbench(tmp_path, url, **case.options)
    bench.init()
    assert bench.migrate(case.before, "before") is not None
    bench.upgrade(case.before)
    bench.insert(case.rows)
    kept = _kept(case)
    schema_before = bench.snapshot(enums=case.enums_restored)
    values_before = _values(bench, kept)

    del bench.lines[:]
    assert bench.migrate(case.after, "x") is not None, bench.lines
    detected = [line for line in bench.lines if line.startswith("Detected")]
    assert detected, bench.lines
    for line in case.expect:
        assert line in detected
    bench.upgrade(case.after)
    assert _values(bench, kept) == values_before
    assert bench.check(case.after) == []

    bench.downgrade(case.after)
    assert schema_differences(bench.snapshot(enums=case.enums_restored), schema_before) == []
    assert _values(bench, kept) == values_before


# --- the same through the flask command ------------------------------------------------------

E2E_BEFORE = """
class Org(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(50), nullable=False)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(128), nullable=False)
    nickname = db.Column(db.String(40))
"""

E2E_AFTER = """
class Org(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(50), nullable=False)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), nullable=False, index=True)
    org_id = db.Column(db.Integer, db.ForeignKey("org.id"))
    score = db.Column(db.Integer, nullable=False, server_default="0")


class Tag(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    label = db.Column(db.String(30), unique=True)
"""


def _generated(output: str) -> Path:
    match = re.search(r"^Generating (\S+\.py) \.\.\.  done$", output, re.MULTILINE)
    assert match, output
    return Path(match.group(1))


@pytest.mark.e2e
def test_e2e(tmp_path: Path, database_url: str) -> None:
    project = make_project(tmp_path / "proj", database_url, models=E2E_BEFORE)
    bench = Workbench(project.path, database_url)
    bench.init()  # in-process: the folder is not what this test is about
    first = project.run("db", "migrate", "-m", "initial")
    assert "Detected added table 'user'" in first.stderr.splitlines()
    project.run("db", "upgrade")
    bench.insert(
        {
            "org": ORGS,
            "user": [
                {"id": 1, "name": "ann", "nickname": "a"},
                {"id": 2, "name": "bob", "nickname": None},
            ],
        }
    )
    schema_before = bench.snapshot()

    make_project(tmp_path / "proj", database_url, models=E2E_AFTER)
    second = project.run("db", "migrate", "-m", "tags")
    lines = second.stderr.splitlines()
    assert "Detected added table 'tag'" in lines
    assert "Detected added column 'user.org_id'" in lines
    assert "Detected removed column 'user.nickname'" in lines
    source = _generated(second.stderr).read_text()
    compile(source, "revision", "exec")
    project.run("db", "upgrade")
    assert bench.select("user", ["id", "name"]) == [(1, "ann"), (2, "bob")]
    check = project.run("db", "check")
    assert check.stdout.strip() == "No new upgrade operations detected."
    project.run("db", "downgrade")
    assert schema_differences(bench.snapshot(), schema_before) == []
    assert bench.select("user", ["id", "name"]) == [(1, "ann"), (2, "bob")]
