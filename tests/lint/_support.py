"""Linting one revision on top of a base table, on a real database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from flask_migrate_lite import commands
from flask_migrate_lite.commands.lint import LintResult
from tests.builder import App, app, make_folder, write_revision

BASE, CHANGE = "11aa00000001", "11aa00000002"

BASE_UP = """
op.create_table(
    "item",
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(50), nullable=True),
    sa.Column("n", sa.Integer(), nullable=True),
)
op.create_table(
    "owner",
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
)
op.add_column("item", sa.Column("owner_id", sa.Integer(), nullable=True))
"""


@contextmanager
def base_app(
    url: str,
    tmp_path: Path,
    *,
    rows: bool = True,
    config: Mapping[str, Any] | None = None,
    **migrate_args: Any,
) -> Iterator[App]:
    """An app whose database has ``item`` and ``owner`` (with rows unless ``rows=False``)."""
    settings = {"MIGRATE_DDL_LOCK_TIMEOUT": 2000, **(config or {})}
    with app(url, make_folder(tmp_path), config=settings, **migrate_args) as made:
        write_revision(made.migrations, BASE, None, BASE_UP, "pass")
        made.upgrade()
        if rows:
            with made.engine.begin() as connection:
                connection.execute(sa.text("INSERT INTO owner (id) VALUES (1)"))
                connection.execute(
                    sa.text("INSERT INTO item (id, name, n, owner_id) VALUES (1, 'a', 1, 1)")
                )
        yield made


def lint_change(made: App, upgrade: str, *, header: str = "", **kwargs: Any) -> LintResult:
    """Write the revision after the base with ``upgrade`` as its body; lint what is pending."""
    write_revision(made.migrations, CHANGE, BASE, upgrade, "pass", header=header, **kwargs)
    with made.flask.app_context():
        (result,) = commands.lint()
    assert result.revisions == [CHANGE]
    return result


def failing(result: LintResult) -> list[str]:
    """The rule ids of the findings that fail the lint."""
    return [finding.rule for finding in result.failing]


def rules(result: LintResult) -> list[str]:
    """Every finding's rule id (suppressed and informational ones included)."""
    return [finding.rule for finding in result.findings]
