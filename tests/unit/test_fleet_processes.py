"""The workers of a run on targets spread over forked processes, without a database: each
target runs once, in a process other than the command's, failures stay with their target,
--fail-fast, notes printed once, and a worker process that dies."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import cast

import pytest
import sqlalchemy as sa

from flask_migrate_lite.appstate import AppState, Database
from flask_migrate_lite.commands.fleet import Notes, TargetOutcome
from flask_migrate_lite.commands.fleet_processes import (
    fork_available,
    run_in_processes,
    worker_processes,
)
from flask_migrate_lite.commands.targets import Target

pytestmark = pytest.mark.skipif(not fork_available(), reason="processes cannot be forked here")

# Read only to say where a failed target was left: with no state, that reads as unknown.
STATE = cast(AppState, None)


def _targets(count: int) -> list[Target]:
    engine = sa.create_engine("sqlite://")
    return [Target(f"t{n}", Database("", engine, sa.MetaData())) for n in range(count)]


Work = Callable[[Target, Callable[[], bool], TargetOutcome], None]


def _work(body: Callable[[Target], None]) -> Work:
    def work(target: Target, stop: Callable[[], bool], outcome: TargetOutcome) -> None:
        outcome.before = ()
        body(target)
        outcome.after = ("0001",)

    return work


def test_processes_follow_the_cores_and_the_workers() -> None:
    cores = os.cpu_count() or 1
    assert worker_processes(1) == 1
    assert worker_processes(2) == min(2, cores)
    assert worker_processes(64) == cores


def test_every_target_runs_once_in_a_worker_process(tmp_path: os.PathLike[str]) -> None:
    marks = os.fspath(tmp_path)

    def body(target: Target) -> None:
        with open(os.path.join(marks, target.name), "a") as mark:
            mark.write(f"{os.getpid()}\n")

    events: list[str | None] = []
    result = run_in_processes(
        STATE,
        _targets(6),
        _work(body),
        jobs=4,
        processes=2,
        on_event=lambda _, outcome: events.append(None if outcome is None else outcome.name),
    )
    assert [o.result for o in result.outcomes] == ["ok"] * 6
    assert [o.after for o in result.outcomes] == [("0001",)] * 6
    pids = []
    for n in range(6):
        with open(os.path.join(marks, f"t{n}")) as mark:
            lines = mark.read().split()
        assert len(lines) == 1  # once
        pids.append(int(lines[0]))
    assert os.getpid() not in pids
    assert sorted(name for name in events if name is not None) == [f"t{n}" for n in range(6)]
    assert not result.interrupted


def test_a_failure_stays_with_its_target_unless_fail_fast() -> None:
    def body(target: Target) -> None:
        if target.name == "t1":
            raise RuntimeError("boom")

    result = run_in_processes(STATE, _targets(5), _work(body), jobs=2, processes=2)
    assert [o.result for o in result.outcomes] == ["ok", "failed", "ok", "ok", "ok"]
    assert result.outcomes[1].error == "RuntimeError: boom"
    assert result.outcomes[1].after is None  # could not be read again: no state

    def slow_failure(target: Target) -> None:
        if target.name == "t0":
            raise RuntimeError("first")

    fast = run_in_processes(
        STATE, _targets(40), _work(slow_failure), jobs=1, processes=1, fail_fast=True
    )
    assert fast.outcomes[0].result == "failed"
    assert [o.result for o in fast.outcomes[1:]] == ["not started"] * 39


def test_notes_from_every_process_are_printed_once() -> None:
    printed: list[str] = []
    notes = Notes(printed.append)

    def body(target: Target) -> None:
        notes("WARNING: the same for every target")
        notes(f"Running upgrade on {target.name}")  # replaced by the table: dropped
        notes(f"note of {target.name}")

    run_in_processes(STATE, _targets(4), _work(body), jobs=2, processes=2, notes=notes)
    assert printed.count("WARNING: the same for every target") == 1
    assert sorted(line for line in printed if line.startswith("note of")) == [
        f"note of t{n}" for n in range(4)
    ]
    assert not [line for line in printed if line.startswith("Running ")]


def test_a_worker_process_that_dies_fails_its_target_and_the_rest_go_on() -> None:
    def body(target: Target) -> None:
        if target.name == "t2":
            os._exit(9)  # as if killed: nothing is reported for it

    result = run_in_processes(STATE, _targets(6), _work(body), jobs=2, processes=2)
    outcome = result.outcomes[2]
    assert outcome.result == "failed"
    assert outcome.error == "its worker process ended before the target did (exit code 9)"
    others = [o.result for n, o in enumerate(result.outcomes) if n != 2]
    assert others == ["ok"] * 5
