"""The command line of targets: ``--target``, ``--targets``, ``--all-targets``, ``-j``,
``--fail-fast``, and what a run on targets prints.

:func:`on_targets` adds the options to a command of :mod:`.cli`; without them the command
runs exactly as it always has. With them the command acts on the targets: a progress line
redrawn in place on a terminal (plain lines, one per finished target, otherwise) on stderr,
then a table of the targets on stdout; exit status 1 when a target failed, 130 when Ctrl-C
stopped the run.
"""

from __future__ import annotations

import functools
import shlex
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from .cli_errors import MigrateCommandError
from .cli_errors import progress as _progress
from .engine.errors import UsageError

if TYPE_CHECKING:
    from .commands.fleet import FleetResult, TargetOutcome
    from .commands.targets import Selection

__all__ = ["Display", "on_targets", "outcome_line", "table_lines"]

F = TypeVar("F", bound=Callable[..., Any])

#: The exit status of a run stopped by Ctrl-C (as a shell reports SIGINT).
INTERRUPTED = 130


def _heads(heads: Sequence[str] | None) -> str:
    if heads is None:
        return "?"
    return ",".join(heads) or "base"


def outcome_line(outcome: TargetOutcome) -> str:
    """One finished target: ``name: base -> 0002 (0.12s)``, or its error in a sentence."""
    if outcome.result == "failed":
        return f"{outcome.name}: failed: {outcome.error}."
    if outcome.result == "stopped":
        return (
            f"{outcome.name}: stopped at {_heads(outcome.after)} before its next migration "
            f"({outcome.seconds:.2f}s)."
        )
    return (
        f"{outcome.name}: {_heads(outcome.before)} -> {_heads(outcome.after)} "
        f"({outcome.seconds:.2f}s)"
    )


def table_lines(outcomes: Sequence[TargetOutcome]) -> list[str]:
    """The final table: target, from, to, time, result."""
    rows = [("target", "from", "to", "time", "result")]
    for outcome in outcomes:
        started = outcome.result != "not started"
        rows.append(
            (
                outcome.name,
                _heads(outcome.before) if started else "-",
                _heads(outcome.after) if started else "-",
                f"{outcome.seconds:.2f}s" if started else "-",
                outcome.result,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


class Display:
    """What a run on targets shows on stderr while it goes."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = self.stream.isatty()
        self._lock = threading.Lock()
        self._drawn = False
        self._text = ""
        self._counts = {"ok": 0, "failed": 0, "stopped": 0}

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self._drawn = False

    def _draw(self) -> None:
        if self.terminal and self._text:
            self.stream.write(self._text)
            self._drawn = True
        self.stream.flush()

    def event(self, result: FleetResult, outcome: TargetOutcome | None) -> None:
        """A target finished (``outcome``), or time passed (None)."""
        with self._lock:
            counts = self._counts
            if outcome is not None and outcome.result in counts:
                counts[outcome.result] += 1
            finished = sum(counts.values())
            self._text = (
                f"{counts['ok']} done, {counts['failed']} failed, "
                f"{self.total - finished} remaining, {result.seconds:.1f}s"
            )
            self._clear()
            if outcome is not None and (not self.terminal or outcome.result != "ok"):
                self.stream.write(outcome_line(outcome) + "\n")
            self._draw()

    def note(self, line: str) -> None:
        """A line the runs say beyond their progress (a warning)."""
        with self._lock:
            self._clear()
            self.stream.write(line + "\n")
            self._draw()

    def finish(self) -> None:
        """Take the progress line away before the table is printed."""
        with self._lock:
            self._clear()
            self.stream.flush()


def _finish(result: FleetResult, display: Display, verb: str) -> None:
    """Print the table, say how the run ended, and exit 1 (a target failed) or 130 (Ctrl-C)."""
    from .commands.targets import shortened

    display.finish()
    for line in table_lines(result.outcomes):
        click.echo(line)
    total = len(result.outcomes)
    failed = result.failed
    if result.interrupted:
        left = sum(1 for outcome in result.outcomes if outcome.result in ("not started", "stopped"))
        _progress(
            f"Interrupted: {left} of {total} target{'s' if total != 1 else ''} not "
            f"{verb} to the end; run the command again to go on from where each stands."
        )
        raise click.exceptions.Exit(INTERRUPTED)
    if failed:
        names = shortened([outcome.name for outcome in failed])
        raise MigrateCommandError(
            f"{len(failed)} of {total} target{'s' if total != 1 else ''} failed ({names}); "
            "the lines above say why."
        )


def _upgrade_or_downgrade(upgrade: bool) -> Callable[..., None]:
    def handle(
        selection: Selection,
        jobs: int,
        fail_fast: bool,
        *,
        directory: str | None,
        sql: bool,
        tag: str | None,
        plan: bool,
        bind: str | None,
        x_arg: tuple[str, ...],
        revision: str,
    ) -> None:
        from .cli_options import group_directory, group_x_args
        from .commands import on_targets

        if plan:
            raise UsageError(
                "--plan shows one database and the targets are many; run 'flask db status "
                "--target NAME' to see what one target would run."
            )
        if sql:
            on_targets.offline_targets(
                group_directory(directory),
                revision,
                selection,
                upgrade=upgrade,
                tag=tag,
                x_arg=group_x_args(x_arg),
                report=_progress,
            )
            return
        display = Display(0)
        result = on_targets.move_targets(
            group_directory(directory),
            revision,
            selection,
            upgrade=upgrade,
            tag=tag,
            x_arg=group_x_args(x_arg),
            jobs=jobs,
            fail_fast=fail_fast,
            on_event=display.event,
            report=display.note,
        )
        display.total = len(result.outcomes)
        _finish(result, display, "upgraded" if upgrade else "downgraded")

    return handle


def _stamp(
    selection: Selection,
    jobs: int,
    fail_fast: bool,
    *,
    directory: str | None,
    sql: bool,
    tag: str | None,
    purge: bool,
    bind: str | None,
    revision: tuple[str, ...],
) -> None:
    from .cli_options import group_directory
    from .commands import on_targets

    if sql:
        if purge:
            raise UsageError(
                "stamp --purge empties the version table it reads from the database, so it "
                "cannot be combined with --sql; leave out one of them."
            )
        on_targets.stamp_offline_targets(
            group_directory(directory), list(revision), selection, tag=tag, report=_progress
        )
        return
    display = Display(0)
    result = on_targets.stamp_targets(
        group_directory(directory),
        list(revision),
        selection,
        purge=purge,
        tag=tag,
        jobs=jobs,
        fail_fast=fail_fast,
        on_event=display.event,
        report=display.note,
    )
    display.total = len(result.outcomes)
    _finish(result, display, "stamped")


def _current(
    selection: Selection,
    jobs: int,
    fail_fast: bool,
    *,
    directory: str | None,
    verbose: bool,
    check_heads: bool,
    bind: str | None,
) -> None:
    from .cli_options import group_directory
    from .commands import on_targets
    from .commands.targets import shortened

    found = on_targets.current_targets(group_directory(directory), selection)
    for each in found:
        click.echo(each.line)
    unread = [each.name for each in found if each.problem]
    if unread:
        raise MigrateCommandError(
            f"{len(unread)} target{'s' if len(unread) != 1 else ''} could not be read "
            f"({shortened(unread)}); the lines above say why."
        )
    behind = [each.name for each in found if not each.at_head]
    if check_heads and behind:
        raise MigrateCommandError(
            f"{len(behind)} target{'s are' if len(behind) != 1 else ' is'} not at the head "
            f"revision ({shortened(behind)}); run '{_upgrade_them(behind)}'."
        )


def _upgrade_them(behind: list[str]) -> str:
    """The command that brings the targets ``behind`` up: named, when they are few."""
    if len(behind) > 3:
        return "flask db upgrade --all-targets"
    return " ".join(["flask db upgrade", *(f"--target {shlex.quote(name)}" for name in behind)])


def _status(
    selection: Selection,
    jobs: int,
    fail_fast: bool,
    *,
    directory: str | None,
    check: bool,
    bind: str | None,
    verbose: bool,
) -> None:
    from .cli_options import group_directory
    from .commands import on_targets
    from .commands.targets import shortened

    results = on_targets.status_targets(group_directory(directory), selection, verbose)
    for result in results:
        for line in result.lines():
            click.echo(line)
    for result in results:
        if result.broken:
            raise result.broken[0]
    behind = [result.heading.removeprefix("Target: ") for result in results if result.pending]
    if check and behind:
        raise MigrateCommandError(
            f"{len(behind)} target{'s have' if len(behind) != 1 else ' has'} pending "
            f"migrations ({shortened(behind)}); run '{_upgrade_them(behind)}'."
        )


def _check(selection: Selection, jobs: int, fail_fast: bool, *, directory: str | None) -> None:
    from .cli_options import group_directory
    from .commands import on_targets
    from .commands.targets import shortened

    found = on_targets.check_targets(group_directory(directory), selection)
    for each in found:
        if each.problem:
            click.echo(f"{each.name}: not compared: {each.problem}.")
        elif each.messages:
            count = len(each.messages)
            click.echo(f"{each.name}: {count} change{'s' if count != 1 else ''}")
            for line in each.messages:
                click.echo(f"  {line}")
        else:
            click.echo(f"{each.name}: in sync")
    drifted = [each.name for each in found if each.messages]
    unknown = [each.name for each in found if each.problem]
    if drifted or unknown:
        parts = []
        if drifted:
            parts.append(
                f"{len(drifted)} target{'s' if len(drifted) != 1 else ''} drifted from the "
                f"models ({shortened(drifted)})"
            )
        if unknown:
            parts.append(
                f"{len(unknown)} target{'s' if len(unknown) != 1 else ''} could not be "
                f"compared ({shortened(unknown)})"
            )
        raise MigrateCommandError("; ".join(parts) + "; the lines above say why.")


_HANDLERS: dict[str, Callable[..., None]] = {
    "check": _check,
    "upgrade": _upgrade_or_downgrade(True),
    "downgrade": _upgrade_or_downgrade(False),
    "stamp": _stamp,
    "current": _current,
    "status": _status,
}


def on_targets(kind: str, *, parallel: bool = True) -> Callable[[F], F]:
    """Add the target options to the command ``kind``; with them given, run it on targets.

    ``parallel`` also adds ``-j/--jobs`` and ``--fail-fast``.
    """

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(
            *args: Any,
            target: tuple[str, ...],
            targets: str | None,
            all_targets: bool,
            jobs: int = 1,
            fail_fast: bool = False,
            **kwargs: Any,
        ) -> Any:
            from .commands.targets import Selection, check_selection

            selection = Selection(tuple(target), targets, all_targets)
            if not selection.given:
                if jobs != 1 or fail_fast:
                    raise UsageError(
                        "-j and --fail-fast act on targets; add --target, --targets or "
                        "--all-targets."
                    )
                return command(*args, **kwargs)
            check_selection(selection, kwargs.get("bind"))
            return _HANDLERS[kind](selection, jobs, fail_fast, **kwargs)

        options = [
            click.option(
                "--target",
                "target",
                multiple=True,
                metavar="NAME",
                help="Act on this target (repeatable).",
            ),
            click.option(
                "--targets",
                "targets",
                default=None,
                metavar="GLOB",
                help="Act on the targets whose names match this pattern ('tenant_*').",
            ),
            click.option("--all-targets", is_flag=True, help="Act on every target."),
        ]
        if parallel:
            options += [
                click.option(
                    "-j",
                    "--jobs",
                    type=click.IntRange(min=1),
                    default=1,
                    help="Targets migrated at once, each on its own connection (default 1).",
                ),
                click.option(
                    "--fail-fast",
                    is_flag=True,
                    help=(
                        "Once a target has failed, start no new one (the running ones stop "
                        "before their next migration)."
                    ),
                ),
            ]
        decorated: Any = wrapper
        for option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate
