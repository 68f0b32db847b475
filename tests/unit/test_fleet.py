"""The runner of commands on targets, without a database: worker threads, ``op`` per thread,
--fail-fast, and what is printed (the per-target lines, the progress line, the table)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import pytest
import sqlalchemy as sa

from flask_migrate_lite import op
from flask_migrate_lite.appstate import AppState, Database
from flask_migrate_lite.cli_fleet import Display, outcome_line, table_lines
from flask_migrate_lite.commands.fleet import FleetResult, TargetOutcome, run_fleet
from flask_migrate_lite.commands.targets import Target
from flask_migrate_lite.engine.ddl import impl_for
from flask_migrate_lite.engine.operations.api import Operations, running
from tests.fakes import FakeMigration

# The runner reads the app state only to say where a failed target was left; these works
# never fail that way, and the state is never touched.
STATE = cast(AppState, None)


def _targets(count: int) -> list[Target]:
    engine = sa.create_engine("sqlite://")
    return [Target(f"t{n}", Database("", engine, sa.MetaData())) for n in range(count)]


def _work(
    body: Callable[[Target], None],
) -> Callable[[Target, Callable[[], bool], TargetOutcome], None]:
    def work(target: Target, stop: Callable[[], bool], outcome: TargetOutcome) -> None:
        outcome.before = ()
        body(target)
        outcome.after = ("0001",)

    return work


def test_each_worker_thread_has_its_own_op() -> None:
    seen: dict[str, Any] = {}
    barrier = threading.Barrier(4)

    def body(target: Target) -> None:
        operations = Operations(
            FakeMigration(
                impl_for(
                    sa.create_engine("sqlite://").dialect, None, as_sql=True, output=io.StringIO()
                )
            )
        )
        with running(operations):
            barrier.wait(timeout=30)  # all four are inside running() at once
            seen[target.name] = op.get_context()
            barrier.wait(timeout=30)

    result = run_fleet(STATE, _targets(4), _work(body), jobs=4)
    assert [outcome.result for outcome in result.outcomes] == ["ok"] * 4
    assert len({id(handle) for handle in seen.values()}) == 4


def test_a_failure_does_not_stop_the_others_unless_fail_fast() -> None:
    def body(target: Target) -> None:
        if target.name == "t1":
            raise RuntimeError("boom")

    result = run_fleet(STATE, _targets(4), _work(body), jobs=1)
    assert [outcome.result for outcome in result.outcomes] == ["ok", "failed", "ok", "ok"]
    assert result.outcomes[1].error == "RuntimeError: boom"
    fast = run_fleet(STATE, _targets(4), _work(body), jobs=1, fail_fast=True)
    assert [outcome.result for outcome in fast.outcomes] == [
        "ok",
        "failed",
        "not started",
        "not started",
    ]


def test_jobs_run_at_once() -> None:
    peak = []
    lock = threading.Lock()
    count = [0]

    def body(target: Target) -> None:
        with lock:
            count[0] += 1
            peak.append(count[0])
        time.sleep(0.05)
        with lock:
            count[0] -= 1

    run_fleet(STATE, _targets(6), _work(body), jobs=3)
    assert max(peak) > 1


def _outcome(
    name: str, result: str, before: tuple[str, ...] | None, after: tuple[str, ...] | None
) -> TargetOutcome:
    return TargetOutcome(name, result, before, after, 0.5, "the upgrade of 0002 failed: boom")


def test_lines_and_table() -> None:
    outcomes = [
        _outcome("tenant_a", "ok", (), ("0002",)),
        _outcome("tenant_b", "failed", ("0001",), ("0001",)),
        _outcome("c", "stopped", (), ("0001",)),
        TargetOutcome("d"),
    ]
    assert [outcome_line(outcome) for outcome in outcomes[:3]] == [
        "tenant_a: base -> 0002 (0.50s)",
        "tenant_b: failed: the upgrade of 0002 failed: boom.",
        "c: stopped at 0001 before its next migration (0.50s).",
    ]
    assert table_lines(outcomes) == [
        "target    from  to    time   result",
        "tenant_a  base  0002  0.50s  ok",
        "tenant_b  0001  0001  0.50s  failed",
        "c         base  0001  0.50s  stopped",
        "d         -     -     -      not started",
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_on_a_terminal_and_plain_lines_elsewhere(terminal: bool) -> None:
    stream = _Terminal() if terminal else io.StringIO()
    display = Display(3, stream)
    ok = _outcome("a", "ok", (), ("0002",))
    failed = _outcome("b", "failed", (), ())
    result = FleetResult([ok, failed, TargetOutcome("c")], seconds=1.25)
    display.event(result, ok)
    display.event(result, failed)
    display.event(result, None)
    display.finish()
    if terminal:
        assert stream.getvalue() == (
            "1 done, 0 failed, 2 remaining, 1.2s"
            "\r\033[Kb: failed: the upgrade of 0002 failed: boom.\n"
            "1 done, 1 failed, 1 remaining, 1.2s"
            "\r\033[K1 done, 1 failed, 1 remaining, 1.2s"
            "\r\033[K"
        )
    else:
        assert stream.getvalue() == (
            "a: base -> 0002 (0.50s)\nb: failed: the upgrade of 0002 failed: boom.\n"
        )
