"""``lint``: judge revisions for what they would lock on a big, busy table.

The revisions' ``upgrade()``/``downgrade()`` run against the engine's recording context
(:mod:`flask_migrate_lite.engine.lint`), never on the database; the database, when it can be
reached, only answers questions (does the table exist, has it rows, which server version).
The same lint runs on the file ``migrate``/``revision --autogenerate`` just wrote and before
``upgrade`` (``lint_on_upgrade``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app

from ..appstate import AppState, Database, app_state
from ..engine.errors import CommandError, DatabaseUnavailable, MigrateError
from ..engine.lint.facts import ConnectionFacts
from ..engine.script.ranges import RangeText
from .advice import flask_advice

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ..engine.lint.facts import Facts
    from ..engine.lint.findings import Finding
    from ..engine.lint.run import LintTarget
    from ..engine.runtime.plan import Step

__all__ = [
    "LintRefused",
    "LintResult",
    "lint",
    "upgrade_lint",
    "lint_files",
    "lint_mode",
    "lint_pending",
    "lint_written",
]

Directory = str | os.PathLike[str] | None

#: What ``lint_on_upgrade`` / ``MIGRATE_LINT_ON_UPGRADE`` may be.
MODES = ("off", "warn", "refuse")


class LintRefused(MigrateError):
    """``upgrade`` with ``lint_on_upgrade='refuse'`` found what the lint reports."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        names = ", ".join(sorted({f"{f.rule} ({f.revision})" for f in findings}))
        super().__init__(
            f"Nothing was applied: lint found {len(findings)} problem"
            f"{'s' if len(findings) != 1 else ''} in the pending migrations ({names}); "
            "fix them, suppress them with a reason ('# migrate-lint: ignore[rule-id] reason'), "
            "or set MIGRATE_LINT_ON_UPGRADE to 'warn'."
        )


@dataclass
class LintResult:
    """The lint of one database's revisions."""

    database: str
    revisions: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: Whether facts were read from the database (else tables are assumed to have rows).
    with_database: bool = False

    @property
    def failing(self) -> list[Finding]:
        """The findings that make the lint fail (unsuppressed errors)."""
        return [finding for finding in self.findings if finding.fails]


def lint_mode(state: AppState) -> str:
    """``off``, ``warn`` or ``refuse``: ``MIGRATE_LINT_ON_UPGRADE``, else the option."""
    mode = str(current_app.config.get("MIGRATE_LINT_ON_UPGRADE") or state.options.lint_on_upgrade)
    mode = mode.strip().lower()
    if mode not in MODES:
        raise CommandError(
            f"MIGRATE_LINT_ON_UPGRADE (or lint_on_upgrade) is '{mode}'; set it to off, warn "
            "or refuse."
        )
    return mode


def _ignore(state: AppState) -> list[str]:
    ignore = list(state.options.lint_ignore or ())
    configured = current_app.config.get("MIGRATE_LINT_IGNORE") or ()
    if isinstance(configured, str):
        configured = [part.strip() for part in configured.split(",") if part.strip()]
    return ignore + list(configured)


def _lock_timeout_configured(state: AppState) -> bool:
    """Whether ``upgrade`` sets a lock timeout on its statements itself (``ddl_lock_timeout``,
    500 ms unless turned off; ``MIGRATE_DDL_LOCK_TIMEOUT`` is already applied)."""
    return bool(state.options.ddl_lock_timeout)


def _targets(state: AppState, rev_ids: Sequence[str], database: Database) -> list[LintTarget]:
    from ..engine.lint.run import LintTarget

    scripts = state.scripts
    targets = []
    for rev_id in rev_ids:
        rev = scripts.revision(rev_id)
        module = scripts.load_module(rev_id)
        up, down = "upgrade", "downgrade"
        if state.multidb:
            up, down = f"upgrade_{database.name}", f"downgrade_{database.name}"
        targets.append(
            LintTarget(
                rev_id,
                rev.path or rev_id,
                getattr(module, up, None),
                getattr(module, down, None),
            )
        )
    return targets


def _selected(state: AppState, revision: str | None, all_revisions: bool) -> list[str] | None:
    """The revisions named on the command line, oldest first; None: the pending ones."""
    from ..engine.runtime.plan import plan_upgrade

    graph = state.scripts.graph()
    if all_revisions:
        return [rev.revision for rev in graph]
    if revision is None:
        return None
    given = RangeText.parse(revision)
    if given.is_range:
        start = graph.resolve(given.start or "base")
        steps = plan_upgrade(graph, start, given.end or "heads")
        return [step.revision.revision for step in steps]
    found = graph.resolve_one(revision)
    return [found] if found is not None else []


@contextlib.contextmanager
def _facts(database: Database, required: bool, wanted: bool = True) -> Iterator[Facts | None]:
    if not wanted:
        yield None
        return
    with contextlib.ExitStack() as stack:
        try:
            connection = stack.enter_context(database.connect())
        except DatabaseUnavailable:
            if required:
                raise
            yield None
            return
        yield ConnectionFacts(connection)


def _lint_database(
    state: AppState,
    database: Database,
    rev_ids: Sequence[str] | None,
    target: str = "heads",
    with_database: bool = True,
) -> LintResult:
    from ..engine.errors import UnknownDatabaseRevision
    from ..engine.lint.run import lint as run_lint
    from ..engine.runtime.plan import plan_upgrade
    from ..engine.runtime.version import read_heads, version_table

    result = LintResult(database=database.url)
    with _facts(database, rev_ids is None, with_database or rev_ids is None) as facts:
        if rev_ids is None:
            assert isinstance(facts, ConnectionFacts)
            graph = state.scripts.graph()
            options = state.run_options()
            table = version_table(options.version_table, options.version_table_schema)
            graph, heads = state.scripts.graph_for(read_heads(facts.connection, table))
            unknown = [rev_id for rev_id in heads if rev_id not in graph]
            if unknown:
                raise UnknownDatabaseRevision(database.url, unknown, state.directory)
            rev_ids = [step.revision.revision for step in plan_upgrade(graph, heads, target)]
        result.revisions = list(rev_ids)
        result.with_database = facts is not None
        result.findings = run_lint(
            _targets(state, rev_ids, database),
            database.engine.dialect,
            facts,
            ignore=_ignore(state),
            lock_timeout=_lock_timeout_configured(state),
            x_args=state.config.x_args,
        )
    return result


@flask_advice
def lint(
    directory: Directory = None,
    revision: str | None = None,
    all_revisions: bool = False,
    x_arg: Sequence[str] | None = None,
    *,
    bind: str | None = None,
    with_database: bool = True,
) -> list[LintResult]:
    """Lint ``revision`` (one id, or ``start:end``), every revision, or by default the
    revisions not yet applied to the database; one result per database.

    ``with_database=False`` (with revisions given) reads nothing from the database: every
    table is assumed to exist and hold rows, as when the database cannot be reached.
    """
    state = app_state(directory, x_arg)
    rev_ids = _selected(state, revision, all_revisions)
    return [
        _lint_database(state, db, rev_ids, with_database=with_database)
        for db in state.target_databases(bind)
    ]


def lint_pending(
    state: AppState, bind: str | None = None, target: str = "heads"
) -> list[LintResult]:
    """The lint of what ``upgrade`` to ``target`` would apply (before it runs)."""
    return [_lint_database(state, db, None, target) for db in state.target_databases(bind)]


def lint_files(state: AppState, rev_ids: Sequence[str]) -> list[LintResult]:
    """The lint of revisions just written (no database needed)."""
    return [_lint_database(state, db, rev_ids) for db in state.target_databases()]


def render_text(results: Sequence[LintResult]) -> list[str]:
    """The findings as text blocks, and a closing summary line."""
    lines = [finding.describe() for result in results for finding in result.findings]
    failing = sum(len(result.failing) for result in results)
    revisions = len({rev for result in results for rev in result.revisions})
    others = sum(len(result.findings) for result in results) - failing
    where = f"{revisions} revision{'s' if revisions != 1 else ''}"
    if not any(result.with_database for result in results):
        where += " (no database: every table assumed to exist and hold rows)"
    summary = f"lint: {failing} problem{'s' if failing != 1 else ''} in {where}"
    if others:
        summary += f"; {others} suppressed or informational"
    lines.append(summary + ".")
    return lines


def render_json(results: Sequence[LintResult]) -> str:
    """The findings as one JSON document (``--format json``)."""
    import json

    document = {
        "failed": any(result.failing for result in results),
        "databases": [
            {
                "database": result.database,
                "with_database": result.with_database,
                "revisions": result.revisions,
                "findings": [finding.to_json() for finding in result.findings],
            }
            for result in results
        ],
    }
    return json.dumps(document, indent=2)


def warn_findings(results: Sequence[LintResult], echo: Callable[[str], None]) -> None:
    """Write each failing finding as a warning (one block per finding)."""
    for result in results:
        for finding in result.failing:
            echo(f"Lint warning: {finding.describe()}")


def lint_written(state: AppState, rev_id: str, echo: Callable[[str], None]) -> None:
    """Lint the revision ``migrate``/``revision --autogenerate`` just wrote; warnings only.

    The exit status of the command does not change, so a lint that cannot run says why
    and goes no further.
    """
    try:
        results = lint_files(state, [rev_id])
    except Exception as exc:  # noqa: BLE001  (the file is written; the lint only warns)
        echo(f"Lint warning: the new revision was not linted: {exc}")
        return
    warn_findings(results, echo)


def upgrade_lint(
    state: AppState, echo: Callable[[str], None]
) -> Callable[[Database, list[Step], Connection | None], None] | None:
    """What ``upgrade`` calls, under the migration lock, with the steps it is about to run:
    the lint of their revisions as ``lint_on_upgrade`` says (None when ``off``). ``warn``
    writes the findings; ``refuse`` raises :class:`LintRefused` before any step runs."""
    from ..engine.lint.run import lint as run_lint

    mode = lint_mode(state)
    if mode == "off":
        return None
    ignore = _ignore(state)
    lock_timeout = _lock_timeout_configured(state)

    def before(database: Database, steps: list[Step], connection: Connection | None) -> None:
        rev_ids = [step.revision.revision for step in steps if step.is_upgrade]
        try:
            findings = run_lint(
                _targets(state, rev_ids, database),
                database.engine.dialect,
                ConnectionFacts(connection) if connection is not None else None,
                ignore=ignore,
                lock_timeout=lock_timeout,
                x_args=state.config.x_args,
            )
        except Exception as exc:  # noqa: BLE001  (a lint that cannot run never stops a warn)
            if mode == "refuse":
                raise
            echo(f"Lint warning: the migrations were not linted: {exc}")
            return
        result = LintResult(database.url, rev_ids, findings, connection is not None)
        warn_findings([result], echo)
        if mode == "refuse" and result.failing:
            raise LintRefused(result.failing)

    return before
