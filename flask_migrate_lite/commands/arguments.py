"""Checks of command arguments made before the folder or the database is read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..engine.errors import InvalidRevisionId, MalformedRevisionId, RangeNotAllowed, UsageError
from ..engine.script.ranges import RangeText

if TYPE_CHECKING:
    from .decisions import Asker, CommandDecisions

__all__ = [
    "Answers",
    "Placement",
    "check_placement",
    "check_rev_id",
    "check_target",
    "one_revision",
    "refuse_sql",
]


def one_revision(identifier: str, what: str) -> None:
    """Refuse a range ``a:b`` where the command takes a single revision (and, as everywhere,
    a text with more than one ``:``)."""
    if RangeText.parse(identifier).is_range:
        raise RangeNotAllowed(
            identifier, f"{what} takes a revision, not a range start:end; name one revision"
        )


def check_rev_id(rev_id: str | None) -> None:
    """Refuse a ``--rev-id`` of a form that is not allowed, before anything is read."""
    if rev_id is None:
        return
    from ..engine.script.directory import validate_rev_id

    try:
        validate_rev_id(rev_id)
    except InvalidRevisionId as exc:
        raise MalformedRevisionId(exc.rev_id, exc.reason) from exc


@dataclass(frozen=True)
class Placement:
    """A new revision's message and where it goes: what ``revision`` and ``migrate`` share.

    The fields are the arguments (and command-line options) of the same names.
    """

    message: str | None = None
    head: str = "head"
    splice: bool = False
    branch_label: str | Sequence[str] | None = None
    version_path: str | None = None
    rev_id: str | None = None
    depends_on: str | Sequence[str] | None = None


def check_placement(placement: Placement) -> None:
    """Refuse, before anything is read (or compared), a new revision's message, labels or
    placement of the wrong form."""
    from ..engine.script.rendering import message_text, validate_branch_label

    one_revision(placement.head, "--head")
    check_rev_id(placement.rev_id)
    depends_on = placement.depends_on
    for dep in [depends_on] if isinstance(depends_on, str) else depends_on or ():
        one_revision(dep, "--depends-on")
    message_text(placement.message)
    labels = placement.branch_label
    for label in [labels] if isinstance(labels, str) else labels or ():
        validate_branch_label(label)


@dataclass(frozen=True)
class Answers:
    """What answers autogenerate's questions: what ``revision --autogenerate`` and
    ``migrate`` share.

    The fields are the arguments of the same names (the options ``--rename``,
    ``--rename-table``, ``--default``, ``--rename-value`` and ``--no-input``; ``asker``
    puts the questions no flag answers to the developer).
    """

    renames: Sequence[str] = ()
    table_renames: Sequence[str] = ()
    defaults: Sequence[str] = ()
    value_renames: Sequence[str] = ()
    no_input: bool = False
    asker: Asker | None = None

    @property
    def any_flag(self) -> bool:
        """Whether a rename or a default is given."""
        return bool(self.renames or self.table_renames or self.defaults or self.value_renames)

    def decisions(self) -> CommandDecisions:
        """The flags checked for their form (before anything is read), with the asker."""
        from .decisions import CommandDecisions, parse_decision_flags

        flags = parse_decision_flags(
            self.renames, self.table_renames, self.defaults, self.no_input, self.value_renames
        )
        return CommandDecisions(flags, self.asker)


def refuse_sql(command: str, sql: bool) -> None:
    """Refuse ``--sql`` for a command that compares the models with a live database."""
    if sql:
        raise UsageError(
            f"{command} compares with a live database and cannot use --sql; leave out --sql."
        )


# --- upgrade and downgrade -------------------------------------------------------------------

_STEP = re.compile(r"([+-])(\d+)")
_CURRENT = re.compile(r"(?:.+@)?current(?:[+-]\d+)?")


def check_target(revision: str, *, upgrade: bool, sql: bool) -> None:
    """Refuse a target ``upgrade``/``downgrade`` cannot take, from its text alone.

    Raises :class:`RangeNotAllowed` for a text with more than one ``:`` and for a range
    without ``--sql``, and :class:`UsageError` for a step in the other command's direction
    (``upgrade -1``), ``current`` with ``--sql`` (nothing is read from the database) and a
    ``--sql`` downgrade without its starting revision.
    """
    command, other = ("upgrade", "downgrade") if upgrade else ("downgrade", "upgrade")
    given = RangeText.parse(revision)
    text = given.text
    if given.is_range and not sql:
        end = given.end or ("head" if upgrade else "base")
        raise RangeNotAllowed(
            text,
            f"{command} takes one revision, not a range (a range start:end is for --sql, "
            f"which does not read the database); run 'flask db {command} {end}'",
        )
    if sql:
        if any(_CURRENT.fullmatch(name) for name in given.named):
            end = (given.end or "") if given.is_range else ""
            if not end or _CURRENT.fullmatch(end):
                end = "head" if upgrade else "base"
            raise UsageError(
                f"'{text}' names the current revision, which --sql cannot know since it does "
                f"not read the database; write the revision the database is at instead "
                f"('flask db {command} --sql <revision>:{end}')."
            )
        if not given.is_range and not upgrade:
            raise UsageError(
                f"A downgrade with --sql needs the revision to start from: write "
                f"'flask db downgrade --sql <from>:{text}' (for example head:{text})."
            )
    target = given.end or ""
    step = _STEP.fullmatch(target)
    if step and int(step[2]) and (step[1] == "-") == upgrade:
        way = "down" if upgrade else "up"
        option = "--sql " if sql else ""
        raise UsageError(
            f"'{target}' is a step {way}, and {command} only goes "
            f"{'up' if upgrade else 'down'}; run 'flask db {other} {option}{text}' instead."
        )
