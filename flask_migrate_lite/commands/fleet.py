"""Running one command on many targets at once: ``upgrade``/``downgrade``/``stamp --all-targets``.

Each target runs in a worker thread of its own (``jobs`` of them at a time), on a connection
of its own and under its own migration lock; the ``op`` of a migration lives in a context
variable, which each thread has apart. A target that fails does not stop the others
(unless ``fail_fast``). When the caller's thread is interrupted (Ctrl-C), no new target
starts, and each running one stops before its next migration: the one under way finishes.

Internal: the names here may change.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..appstate import AppState
from ..engine.errors import MigrateError, MigrationFailed
from .advice import in_flask_terms, on_target
from .running import database_heads
from .targets import Target

if TYPE_CHECKING:
    from ..engine.runtime.plan import Step

__all__ = [
    "FleetResult",
    "Interrupted",
    "Notes",
    "TargetOutcome",
    "Work",
    "describe_error",
    "one_target",
    "read_after",
    "run_fleet",
]

#: How often (seconds) the caller's thread wakes to redraw progress while it waits.
TICK = 0.2


class Interrupted(Exception):
    """A target stopped before its next migration because the run is being stopped."""

    def __init__(self, heads: tuple[str, ...]) -> None:
        super().__init__("stopped before its next migration")
        self.heads = heads


@dataclass
class TargetOutcome:
    """What happened to one target."""

    name: str
    #: ``ok``, ``failed``, ``stopped`` (interrupted between two migrations) or ``not started``.
    result: str = "not started"
    before: tuple[str, ...] | None = None
    after: tuple[str, ...] | None = None
    seconds: float = 0.0
    error: str = ""


@dataclass
class FleetResult:
    """Every target's outcome, in the targets' order, and whether the run was interrupted."""

    outcomes: list[TargetOutcome]
    interrupted: bool = False
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[TargetOutcome]:
        """The targets that failed."""
        return [outcome for outcome in self.outcomes if outcome.result == "failed"]


def describe_error(error: BaseException, target: str | None = None) -> str:
    """A target's error as one sentence; its advice names ``target`` (when given)."""
    if isinstance(error, MigrationFailed):
        return f"the {error.direction} of {error.revision} failed: {error.cause}"
    if isinstance(error, MigrateError):
        if target is None:
            in_flask_terms(error)
        else:
            on_target(error, target)
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    if not isinstance(error, MigrateError):
        first = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return first.rstrip(".")


#: A target's work: given the target, the function telling whether to stop (called before
#: each migration, see :func:`step_guard`) and its outcome, it sets the outcome's heads
#: ``before`` (as soon as it knows them) and ``after``.
Work = Callable[[Target, Callable[[], bool], "TargetOutcome"], None]


def step_guard(stop: Callable[[], bool]) -> Callable[[Step], None]:
    """The ``on_step`` of a target's run: raise :class:`Interrupted` when told to stop."""

    def on_step(step: Step) -> None:
        if stop():
            raise Interrupted(step.heads_before)

    return on_step


def run_fleet(
    state: AppState,
    targets: Sequence[Target],
    work: Work,
    *,
    jobs: int = 1,
    fail_fast: bool = False,
    on_event: Callable[[FleetResult, TargetOutcome | None], None] | None = None,
) -> FleetResult:
    """Run ``work`` on every target with ``jobs`` worker threads.

    ``on_event`` is called in the caller's thread: with the finished target's outcome as
    each ends, and with None every :data:`TICK` seconds in between (to redraw a progress
    line). A :class:`KeyboardInterrupt` in the caller's thread stops new targets from
    starting and lets each running one finish its current migration.
    """
    outcomes = [TargetOutcome(target.name) for target in targets]
    result = FleetResult(outcomes)
    stop = threading.Event()
    finished: queue.Queue[int | None] = queue.Queue()
    next_index = iter(range(len(targets)))
    claim = threading.Lock()
    started = time.monotonic()

    def worker() -> None:
        while not stop.is_set():
            with claim:
                index = next(next_index, None)
            if index is None:
                return
            one_target(state, targets[index], outcomes[index], work, stop.is_set)
            if fail_fast and outcomes[index].result == "failed":
                stop.set()
            finished.put(index)

    count = max(1, min(jobs, len(targets)))
    threads = [
        threading.Thread(target=worker, name=f"flask-db-target-{n}", daemon=True)
        for n in range(count)
    ]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads) or not finished.empty():
        # Ctrl-C may come at any point of this loop: it only sets the stop flag, and the
        # loop goes on until every worker has ended.
        try:
            try:
                item: int | None = finished.get(timeout=TICK)
            except queue.Empty:
                item = None
            result.seconds = time.monotonic() - started
            if on_event is not None:
                on_event(result, outcomes[item] if item is not None else None)
        except KeyboardInterrupt:
            result.interrupted = True
            stop.set()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


def one_target(
    state: AppState,
    target: Target,
    outcome: TargetOutcome,
    work: Work,
    stop: Callable[[], bool],
) -> None:
    """Run ``work`` on one target, recording what happened in ``outcome``."""
    began = time.monotonic()
    try:
        work(target, stop, outcome)
        outcome.result = "ok"
    except Interrupted as exc:
        outcome.result = "stopped"
        outcome.after = exc.heads
        outcome.error = "interrupted before its next migration"
    except Exception as exc:  # noqa: BLE001  (one target's failure never stops the others)
        outcome.result = "failed"
        outcome.error = describe_error(exc, target.name)
        outcome.after = read_after(state, target)
        if outcome.before is None:  # no migration started: nothing changed
            outcome.before = outcome.after
    outcome.seconds = time.monotonic() - began


def read_after(state: AppState, target: Target) -> tuple[str, ...] | None:
    """Where a failure left ``target``, read again (None when it cannot be read)."""
    try:
        options = target.run_options(state.run_options())
        return database_heads(state, target.database, options)
    except Exception:  # noqa: BLE001  (the database may be gone: shown as '?')
        return None


class Notes:
    """What the targets' runs say beyond their progress (warnings), each line once.

    Lines a run on one database writes that the table of a run on targets replaces are
    dropped. A worker process :meth:`redirect` s its notes to the parent, which prints them.
    """

    QUIET = ("Database: ", "Running ", "Nothing to ", "Stamped ", "Offline SQL for ", "Generating ")

    def __init__(self, report: Callable[[str], None]) -> None:
        self._report = report
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def redirect(self, report: Callable[[str], None]) -> None:
        """Send the lines to ``report`` from now on."""
        self._report = report

    def __call__(self, line: str) -> None:
        if line.startswith(self.QUIET):
            return
        with self._lock:
            if line in self._seen:
                return
            self._seen.add(line)
        self._report(line)
