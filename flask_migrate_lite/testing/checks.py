"""The ready-made migration tests, collected as ``migrations::test_<name>`` items.

Each test is a function of one :class:`~.migrator.Migrator` that raises
:class:`~.migrator.CheckFailed` with the whole story (which revision, what differs); the item
reports that message alone, without a traceback. Each starts from an emptied database, so
any of them can run alone, in any order, on any xdist worker.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from .migrator import CheckFailed, Migrator
from .schema import SchemaReader, Snapshot, differences

if TYPE_CHECKING:
    from flask import Flask

    from ..engine.runtime.plan import Step
    from ..engine.script.revision import Revision

__all__ = ["CHECK_FUNCTIONS", "Settings", "collect_checks", "run_check"]


def _label(rev: Revision) -> str:
    return f"{rev.revision} ({rev.doc})" if rev.doc else rev.revision


def _indent(lines: Sequence[str]) -> str:
    return "\n".join(f"    {line}" for line in lines)


def _error(exc: BaseException) -> str:
    from ..commands.advice import in_flask_terms
    from ..engine.errors import MigrateError

    text = str(in_flask_terms(exc)) if isinstance(exc, MigrateError) else str(exc)
    return text.strip() or type(exc).__name__


def _upgrade_all(migrator: Migrator, what: str) -> None:
    """Empty the database and upgrade it to every head, or fail naming the revision."""
    from ..engine.errors import MigrateError

    migrator.reset()
    path = migrator.upgrade_path()
    done: list[Step] = []
    try:
        migrator.run(lambda heads: path, done.append)
    except MigrateError as exc:
        failed = path[len(done) - 1] if done else None
        where = f" at revision {_label(failed.revision)}" if failed else ""
        raise CheckFailed(
            f"{what}: the upgrade from an empty database failed{where}: {_error(exc)}"
        ) from None


# --- the tests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What the ini settings say about the tests."""

    #: The revision from which ``up_down_up`` tests each revision ("" : from the first).
    up_down_up_from: str = ""


def check_single_head(migrator: Migrator, settings: Settings) -> None:
    heads = migrator.graph.heads
    if len(heads) > 1:
        listed = ", ".join(_label(migrator.graph.get(head)) for head in heads)
        raise CheckFailed(
            f"The migrations folder has {len(heads)} heads: {listed}; join them with "
            "'flask db merge heads -m \"merge\"'."
        )


def check_upgrade(migrator: Migrator, settings: Settings) -> None:
    _upgrade_all(migrator, "Upgrade to head")
    expected = set(migrator.graph.heads)
    found = set(migrator.heads())
    if found != expected:
        raise CheckFailed(
            f"After the upgrade to head the database is at {', '.join(sorted(found)) or 'base'}, "
            f"not at the heads {', '.join(sorted(expected))}."
        )


def check_models_match(migrator: Migrator, settings: Settings) -> None:
    from ..commands.autogenerate import check_models

    _upgrade_all(migrator, "Models against migrations")
    result = check_models(migrator.state)
    if result.messages:
        raise CheckFailed(
            "The models differ from the schema the migrations build; 'flask db migrate' "
            f"would write a revision for:\n{_indent(result.messages)}"
        )


def _from_index(migrator: Migrator, path: list[Step], settings: Settings) -> int:
    start = settings.up_down_up_from.strip()
    if not start:
        return 0
    from ..engine.errors import MigrateError

    try:
        found = migrator.graph.resolve_one(start)
    except MigrateError:
        replaced = migrator.graph.replaced.get(start)
        if replaced:
            raise CheckFailed(
                f"migrations_up_down_up_from is {start!r}, a revision that the squash "
                f"revision {replaced} replaces (a fresh database runs the squash alone); give "
                "the squash revision or a revision after it."
            ) from None
        found = None
    for index, step in enumerate(path):
        if step.revision.revision == found:
            return index
    raise CheckFailed(
        f"migrations_up_down_up_from is {start!r}, which names no revision of "
        f"{migrator.state.directory}; give a revision id or a unique prefix of one."
    )


def _reverse(step: Step) -> Step:
    """The downgrade that undoes ``step`` (its version-table changes inverted)."""
    from ..engine.runtime.plan import Step, VersionChange

    inverse = {"insert": "delete", "delete": "insert", "update": "update"}
    changes = tuple(
        VersionChange(inverse[change.kind], change.new, change.old)  # type: ignore[arg-type]
        for change in reversed(step.changes)
    )
    return Step(step.revision, False, changes, step.heads_after, step.heads_before)


def check_up_down_up(migrator: Migrator, settings: Settings) -> None:
    """Each revision is upgraded, downgraded and upgraded again, all in one run on one
    connection. The schema is read (one catalog query) before each revision's upgrade and
    after its downgrade, and the two compared."""
    from ..engine.errors import MigrateError

    migrator.reset()
    path = migrator.upgrade_path()
    start = _from_index(migrator, path, settings)
    plan: list[Step] = list(path[:start])
    for step in path[start:]:
        plan += [step, _reverse(step), step]
    reader = SchemaReader(migrator.connection, migrator.bookkeeping_tables)
    ran = [0]  # the steps begun so far
    before_up: list[Snapshot] = []

    def before_step(step: Step) -> None:
        index = ran[0]
        ran[0] += 1
        offset = index - start
        if offset < 0 or offset % 3 == 1:
            return
        if offset % 3 == 0:  # before the revision's first upgrade
            before_up[:] = [reader.snapshot()]
            return
        # After its downgrade: the schema must be what it was before the upgrade.
        found = differences(reader, before_up[0], reader.snapshot())
        if found:
            raise CheckFailed(
                f"Revision {_label(step.revision)}: the schema after its downgrade differs "
                f"from the schema before its upgrade:\n{_indent(found)}"
            )

    try:
        migrator.run(lambda heads: plan, before_step)
    except MigrateError as exc:
        offset = ran[0] - 1 - start
        what = (
            "its upgrade"
            if offset < 0 or offset % 3 == 0
            else "its downgrade"
            if offset % 3 == 1
            else "its upgrade after its downgrade"
        )
        rev = plan[ran[0] - 1].revision
        raise CheckFailed(f"Revision {_label(rev)}: {what} failed: {_error(exc)}") from None


def _does_nothing(function: ast.FunctionDef) -> bool:
    body = [
        node
        for node in function.body
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    return all(isinstance(node, ast.Pass) for node in body)


def _missing_downgrades(migrator: Migrator) -> list[str]:
    found = []
    for rev in migrator.graph:
        if not rev.path or not os.path.exists(rev.path):
            continue
        with open(rev.path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), rev.path)
        functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        upgrade, downgrade = functions.get("upgrade"), functions.get("downgrade")
        if downgrade is None:
            found.append(f"{_label(rev)} has no downgrade() ({rev.path})")
        elif upgrade is not None and _does_nothing(downgrade) and not _does_nothing(upgrade):
            found.append(f"{_label(rev)}: downgrade() does nothing ({rev.path})")
    return found


def check_downgrade(migrator: Migrator, settings: Settings) -> None:
    from ..engine.errors import MigrateError
    from ..engine.runtime.plan import plan_downgrade

    missing = _missing_downgrades(migrator)
    if missing:
        raise CheckFailed(
            "Every revision needs a downgrade that undoes its upgrade; these do not have "
            f"one:\n{_indent(missing)}"
        )
    _upgrade_all(migrator, "Downgrade to base")
    done: list[Step] = []
    try:
        migrator.run(lambda heads: plan_downgrade(migrator.graph, heads, "base"), done.append)
    except MigrateError as exc:
        rev = done[-1].revision if done else None
        where = f" at revision {_label(rev)}" if rev else ""
        raise CheckFailed(f"Downgrade to base failed{where}: {_error(exc)}") from None
    import sqlalchemy as sa

    left = sorted(
        set(sa.inspect(migrator.connection).get_table_names()) - migrator.bookkeeping_tables
    )
    migrator.connection.rollback()
    if left:
        raise CheckFailed(
            "After 'downgrade base' the database still holds tables besides the version "
            f"table: {', '.join(left)}; the downgrades that created them must drop them."
        )
    if migrator.heads():
        raise CheckFailed(
            f"After 'downgrade base' the version table still holds {', '.join(migrator.heads())}."
        )


def check_lint(migrator: Migrator, settings: Settings) -> None:
    """Each revision is linted alone, as ``flask db lint REV`` judges it before it runs on a
    database at its parent: the tables it does not create are assumed big and busy."""
    from ..commands.lint import lint

    failing = [
        finding
        for rev in migrator.graph
        for result in lint(revision=rev.revision, with_database=False)
        for finding in result.failing
    ]
    if failing:
        raise CheckFailed(
            f"'flask db lint' finds {len(failing)} unsuppressed problem"
            f"{'s' if len(failing) != 1 else ''} (each revision judged alone, the tables it "
            "does not create assumed big and busy):\n"
            + "\n".join(_indent(finding.describe().splitlines()) for finding in failing)
            + "\nFix them, or suppress one with a reason: "
            "'# migrate-lint: ignore[rule-id] reason' on the line of its op call."
        )


CHECK_FUNCTIONS: dict[str, Callable[[Migrator, Settings], None]] = {
    "single_head": check_single_head,
    "upgrade": check_upgrade,
    "models_match": check_models_match,
    "up_down_up": check_up_down_up,
    "downgrade": check_downgrade,
    "lint": check_lint,
}


def run_check(name: str, app: Flask, config: pytest.Config) -> None:
    """Run one ready-made test on ``app``; raises :class:`CheckFailed`."""
    from ..engine.errors import MigrateError

    try:
        migrator = Migrator(app)
    except MigrateError as exc:
        raise CheckFailed(f"The migrations cannot be read: {_error(exc)}") from None
    try:
        if name != "single_head" and not list(migrator.graph):
            pytest.skip(f"{migrator.state.directory} has no revision yet")
        settings = Settings(str(config.getini("migrations_up_down_up_from") or ""))
        CHECK_FUNCTIONS[name](migrator, settings)
    except MigrateError as exc:
        raise CheckFailed(_error(exc)) from None
    finally:
        migrator.close()


# --- collection -------------------------------------------------------------------------------


class MigrationCheck(pytest.Function):
    """One ready-made test; its failure is its message alone."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"migrations::{self.name}"


class MigrationChecks(pytest.Collector):
    """The synthetic ``migrations`` collector that holds the ready-made tests."""

    names: Sequence[str] = ()

    def collect(self) -> list[pytest.Item]:
        items: list[pytest.Item] = []
        for name in self.names:
            items.append(
                MigrationCheck.from_parent(self, name=f"test_{name}", callobj=_test_function(name))
            )
        for item in items:
            item.add_marker("migrations")
        return items


def _test_function(name: str) -> Callable[..., None]:
    def test(migrations_app: Flask, pytestconfig: pytest.Config) -> None:
        run_check(name, migrations_app, pytestconfig)

    test.__name__ = f"test_{name}"
    test.__doc__ = f"The ready-made migration test {name!r}."
    return test


def _parent(session: pytest.Session, items: Sequence[pytest.Item], dirs: Sequence[str]) -> Any:
    """The directory node of the conftest.py that defines ``migrations_app``, so that its
    fixture is visible to the tests (else the session)."""
    wanted = {os.path.normcase(d) for d in dirs}
    for item in items:
        for node in item.listchain():
            path = getattr(node, "path", None)
            if (
                isinstance(node, pytest.Directory)
                and path is not None
                and os.path.normcase(str(path)) in wanted
            ):
                return node
    return session


def collect_checks(
    session: pytest.Session, items: Sequence[pytest.Item], names: Sequence[str], dirs: Sequence[str]
) -> list[pytest.Item]:
    """The ready-made tests ``names``, as items of the ``migrations`` collector."""
    session.config.addinivalue_line(
        "markers", "migrations: a ready-made migration test of flask-migrate-lite"
    )
    parent = _parent(session, items, dirs)
    collector = MigrationChecks.from_parent(parent, name="migrations", nodeid="migrations")
    collector.names = list(names)
    found = collector.collect()
    # Counted in "collected N items" like the suite's own tests.
    report = pytest.CollectReport(collector.nodeid, "passed", None, list[Any](found))
    session.config.hook.pytest_collectreport(report=report)
    return found
