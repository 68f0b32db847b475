"""The workers of a run on targets spread over processes, so that the command's own work
(planning, building and compiling each statement, the version and log rows) runs on every
core instead of on the one core that threads of one interpreter share.

On Linux, where processes can be forked safely, a run with ``-j N`` forks
:func:`worker_processes` processes after the app and the revision files are loaded, and the
``N`` workers are shared out among them as threads; each process claims the next target from
a counter they share, and sends back what happened. The parent draws the progress, prints
the notes (each line once) and builds the table, as a run of threads does. The workers
ignore Ctrl-C (a terminal sends it to every process of the command): the parent tells them
to stop, and each finishes the migration it is running. A worker process that dies
(killed, out of memory) leaves the target it held marked failed, read again from its
database.

Internal: the names here may change.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from .fleet import TICK, FleetResult, Notes, TargetOutcome, Work, one_target, read_after
from .targets import Target

if TYPE_CHECKING:
    from ..appstate import AppState

__all__ = ["fork_available", "run_in_processes", "worker_processes"]


def fork_available() -> bool:
    """Whether worker processes can be forked here: on Linux. (macOS offers ``fork`` too,
    but its system libraries are not safe to use in a forked child, so it runs threads.)"""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def worker_processes(jobs: int) -> int:
    """How many processes ``jobs`` workers are spread over: one per core, at most one per
    worker; 1 (threads only) where processes cannot be forked."""
    if jobs < 2 or not fork_available():
        return 1
    return max(1, min(jobs, os.cpu_count() or 1))


def _child(
    state: AppState,
    targets: Sequence[Target],
    work: Work,
    threads: int,
    claim: Any,
    claimed: Any,
    stop: Any,
    writer: Connection,
    fail_fast: bool,
    notes: Notes | None,
) -> None:
    """A worker process: ``threads`` workers claim targets until none is left, and tell the
    parent of each (over a pipe: a message is the parent's once sent)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _forget_parent_connections(state, targets)
    sending = threading.Lock()

    def send(kind: str, value: Any, outcome: TargetOutcome | None) -> None:
        with sending:
            writer.send((kind, value, outcome))

    if notes is not None:
        notes.redirect(lambda line: send("note", line, None))

    def worker() -> None:
        while not stop.is_set():
            with claim.get_lock():
                index = claim.value
                if index >= len(targets):
                    return
                claim.value = index + 1
                claimed[index] = 1  # shared memory: seen by the parent even if this dies
            outcome = TargetOutcome(targets[index].name)
            one_target(state, targets[index], outcome, work, stop.is_set)
            if fail_fast and outcome.result == "failed":
                stop.set()
            send("done", index, outcome)

    running = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    writer.close()


def _forget_parent_connections(state: AppState, targets: Sequence[Target]) -> None:
    """A forked process must never use a connection its parent opened: pooled ones are
    dropped here without being closed (they stay the parent's)."""
    engines = {id(target.database.engine): target.database.engine for target in targets}
    try:
        for database in state.databases():
            engines[id(database.engine)] = database.engine
    except Exception:  # noqa: BLE001  (outside the app's context: the targets' engines only)
        pass
    for engine in engines.values():
        engine.dispose(close=False)


def run_in_processes(
    state: AppState,
    targets: Sequence[Target],
    work: Work,
    *,
    jobs: int,
    processes: int,
    fail_fast: bool = False,
    on_event: Callable[[FleetResult, TargetOutcome | None], None] | None = None,
    notes: Notes | None = None,
) -> FleetResult:
    """:func:`.fleet.run_fleet` with its ``jobs`` workers spread over ``processes``
    forked processes (see the module's documentation)."""
    context = multiprocessing.get_context("fork")
    outcomes = [TargetOutcome(target.name) for target in targets]
    result = FleetResult(outcomes)
    claim = context.Value("i", 0)
    claimed = context.Array("b", len(targets))
    stop = context.Event()
    count = max(1, min(processes, jobs, len(targets)))
    shares = [jobs // count + (1 if n < jobs % count else 0) for n in range(count)]
    started = time.monotonic()
    children = []
    readers: list[Connection] = []
    for n, share in enumerate(shares):
        reader, writer = context.Pipe(duplex=False)
        child = context.Process(
            target=_child,
            args=(state, targets, work, share, claim, claimed, stop, writer, fail_fast, notes),
            name=f"flask-db-targets-{n}",
            daemon=True,
        )
        child.start()
        writer.close()  # the child's end: closed here, so its exit reads as the end
        children.append(child)
        readers.append(reader)
    done: set[int] = set()

    def handle(message: tuple[str, Any, Any]) -> TargetOutcome | None:
        kind, value, outcome = message
        if kind == "note" and notes is not None:
            notes(str(value))
        elif kind == "done":
            ended: TargetOutcome = outcome
            done.add(value)
            outcomes[value] = ended  # the list the result holds
            if fail_fast and ended.result == "failed":
                stop.set()
            return ended
        return None

    while readers:
        # As with threads, Ctrl-C anywhere in this loop only sets the stop flag.
        try:
            finished: list[TargetOutcome] = []
            for ready in wait(readers, timeout=TICK):
                assert isinstance(ready, Connection)
                try:
                    found = handle(ready.recv())
                except EOFError:
                    readers.remove(ready)
                    ready.close()
                    continue
                if found is not None:
                    finished.append(found)
            result.seconds = time.monotonic() - started
            if on_event is not None:
                if not finished:
                    on_event(result, None)
                for outcome in finished:
                    on_event(result, outcome)
        except KeyboardInterrupt:
            result.interrupted = True
            stop.set()
    for child in children:
        child.join()
    codes = sorted({child.exitcode for child in children if child.exitcode})
    held = [index for index in range(len(targets)) if claimed[index] and index not in done]
    for index in held:
        outcome = outcomes[index]
        outcome.result = "failed"
        outcome.error = (
            f"its worker process ended before the target did (exit code {codes[0]})"
            if codes
            else "its worker process ended before the target did"
        )
        outcome.after = read_after(state, targets[index])
        if outcome.before is None:
            outcome.before = outcome.after
        if on_event is not None:
            on_event(result, outcome)
    result.seconds = time.monotonic() - started
    return result
