"""The answers ``migrate`` gives autogenerate: from ``--rename``, ``--rename-table``,
``--rename-value`` and ``--default`` first, else from the developer at a terminal, else none.

The engine asks (see :mod:`flask_migrate_lite.engine.autogenerate.decisions`); this module
answers from the command's flags and, when one is given, an :class:`Asker` (the command line
passes one that prompts when standard input is a terminal and ``--no-input`` is not given).
A rename flag that matches no pair, and a value the database cannot read, are usage errors
(exit status 2); a ``NOT NULL`` column that needs a value when none can be asked for stops
the command with :class:`ValueNeeded` (exit status 3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import MetaData

from ..engine.autogenerate.decisions import ColumnRename, EnumValueRename, FillNeeded, TableRename
from ..engine.errors import CommandError, UsageError

__all__ = [
    "Asker",
    "CommandDecisions",
    "DecisionFlags",
    "ValueNeeded",
    "parse_decision_flags",
]

_NAME = r"[^\s.:=]+"
_COLUMN = re.compile(rf"({_NAME}(?:\.{_NAME})?)\.({_NAME})")
_TABLE = re.compile(rf"{_NAME}(?:\.{_NAME})?")
_ENUM = re.compile(rf"{_NAME}(?:\.{_NAME}){{0,2}}")


class ValueNeeded(CommandError):
    """A ``NOT NULL`` column needs a value for existing rows and none can be asked for."""

    #: The command line's exit status for this error.
    exit_status = 3


class Asker(Protocol):
    """Puts questions to the developer."""

    def confirm(self, question: str) -> bool:
        """A yes/no question (no by default)."""

    def ask(self, question: str) -> str:
        """A question answered with text."""

    def tell(self, line: str) -> None:
        """A line for the developer (a value refused, and why)."""


@dataclass(frozen=True)
class DecisionFlags:
    """``--rename``, ``--rename-table``, ``--rename-value``, ``--default`` and
    ``--no-input``, parsed."""

    #: (old, new), both ``table.column`` (``schema.table.column`` outside the default schema).
    renames: tuple[tuple[str, str], ...] = ()
    #: (old, new) table names.
    table_renames: tuple[tuple[str, str], ...] = ()
    #: ``table.column`` to the SQL of its value.
    defaults: Mapping[str, str] = field(default_factory=dict)
    no_input: bool = False
    #: (enum, old value, new value): the enum a PostgreSQL type name (``schema.name``
    #: outside the default schema) or ``table.column``.
    value_renames: tuple[tuple[str, str, str], ...] = ()


def parse_decision_flags(
    renames: Sequence[str] = (),
    table_renames: Sequence[str] = (),
    defaults: Sequence[str] = (),
    no_input: bool = False,
    value_renames: Sequence[str] = (),
) -> DecisionFlags:
    """The flags checked for their form, before anything is read."""
    pairs = []
    for flag in renames:
        old, sep, new = flag.partition(":")
        found = [_COLUMN.fullmatch(old.strip()), _COLUMN.fullmatch(new.strip())]
        if not sep or None in found or found[0][1] != found[1][1]:  # type: ignore[index]
            raise UsageError(
                f"--rename {flag!r} is not of the form table.old:table.new (one table, e.g. "
                "--rename user.name:user.full_name)."
            )
        pairs.append((old.strip(), new.strip()))
    tables = []
    for flag in table_renames:
        old, sep, new = flag.partition(":")
        if not sep or not _TABLE.fullmatch(old.strip()) or not _TABLE.fullmatch(new.strip()):
            raise UsageError(
                f"--rename-table {flag!r} is not of the form old:new (e.g. "
                "--rename-table user:account)."
            )
        tables.append((old.strip(), new.strip()))
    values: dict[str, str] = {}
    for flag in defaults:
        target, sep, value = flag.partition("=")
        if not sep or not _COLUMN.fullmatch(target.strip()) or not value.strip():
            raise UsageError(
                f"--default {flag!r} is not of the form table.column=VALUE (SQL, e.g. "
                "--default user.age=0 or --default \"user.nick='n/a'\")."
            )
        values[target.strip()] = value.strip()
    enum_values = []
    for flag in value_renames:
        parts = [part.strip() for part in flag.split(":")]
        if len(parts) != 3 or not _ENUM.fullmatch(parts[0]) or not all(parts[1:]):
            raise UsageError(
                f"--rename-value {flag!r} is not of the form ENUM:old:new, ENUM being the "
                "enum type's name or table.column (e.g. --rename-value status:draft:pending)."
            )
        if parts[1] == parts[2]:
            raise UsageError(
                f"--rename-value {flag!r} names the same value twice; give the old value, "
                "then the new one."
            )
        enum_values.append((parts[0], parts[1], parts[2]))
    return DecisionFlags(tuple(pairs), tuple(tables), values, no_input, tuple(enum_values))


class CommandDecisions:
    """The engine's :class:`~flask_migrate_lite.engine.autogenerate.decisions.Decisions`,
    answered from the flags, then by ``asker`` (when there is one)."""

    def __init__(self, flags: DecisionFlags, asker: Asker | None = None) -> None:
        self.flags = flags
        self.asker = None if flags.no_input else asker
        self._used_renames: set[tuple[str, str]] = set()
        self._used_tables: set[tuple[str, str]] = set()
        self._used_values: set[tuple[str, str, str]] = set()
        #: Likely renames nobody was asked about: the advice printed with the warning.
        self.unasked: list[str] = []
        #: Why a column that needs a value has none (raised once the flags are checked).
        self.missing: list[str] = []

    def rename_column(self, candidate: ColumnRename) -> bool:
        pair = (candidate.old_label, candidate.new_label)
        if pair in self.flags.renames:
            self._used_renames.add(pair)
            return True
        if any(
            candidate.old_label in given or candidate.new_label in given
            for given in self.flags.renames
        ):
            return False  # the flags pair one of them with another column
        if not candidate.similar:
            return False
        if self.asker is None:
            self.unasked.append(f"--rename {candidate.old_label}:{candidate.new_label}")
            return False
        return self.asker.confirm(f"Was {candidate.old_label} renamed to {candidate.new_label}?")

    def rename_table(self, candidate: TableRename) -> bool:
        pair = (candidate.old_label, candidate.new_label)
        if pair in self.flags.table_renames:
            self._used_tables.add(pair)
            return True
        if any(
            candidate.old_label in given or candidate.new_label in given
            for given in self.flags.table_renames
        ):
            return False
        if not candidate.similar:
            return False
        if self.asker is None:
            self.unasked.append(f"--rename-table {candidate.old_label}:{candidate.new_label}")
            return False
        return self.asker.confirm(
            f"Was table {candidate.old_label} renamed to {candidate.new_label}?"
        )

    def rename_enum_value(self, candidate: EnumValueRename) -> bool:
        triple = (candidate.target, candidate.old, candidate.new)
        if triple in self.flags.value_renames:
            self._used_values.add(triple)
            return True
        if any(
            target == candidate.target and (old == candidate.old or new == candidate.new)
            for target, old, new in self.flags.value_renames
        ):
            return False  # the flags pair one of them with another value
        if not candidate.similar:
            return False
        if self.asker is None:
            self.unasked.append(
                f"--rename-value {candidate.target}:{candidate.old}:{candidate.new}"
            )
            return False
        what = "enum" if candidate.kind == "type" else "enum column"
        return self.asker.confirm(
            f"Was value {candidate.old!r} of {what} {candidate.target} renamed to "
            f"{candidate.new!r}?"
        )

    def fill_value(self, need: FillNeeded) -> str | None:
        given = self.flags.defaults.get(need.label)
        if given is not None:
            error = need.try_value(given)
            if error is not None:
                raise UsageError(
                    f"--default {need.label}={given} cannot be read by the database ({error}); "
                    "give SQL: a number, a quoted text such as 'n/a', or an expression."
                )
            return given
        rows = f"{need.rows} row{'s' if need.rows != 1 else ''}"
        if self.asker is None:
            self.missing.append(
                f"Column {need.label} needs a value for the {rows} of the database that "
                + ("it is added to" if need.added else "hold NULL in it")
                + f" before it can be NOT NULL; run 'flask db migrate' in a terminal to be "
                f"asked for one, or pass --default {need.label}=VALUE."
            )
            return None
        situation = (
            f"Column {need.label} is added NOT NULL to a table with {rows}."
            if need.added
            else f"Column {need.label} becomes NOT NULL and {rows} hold NULL in it."
        )
        self.asker.tell(situation)
        while True:
            value = self.asker.ask(
                "Value for them (SQL: a number, 'quoted text' or an expression such as lower(name))"
            ).strip()
            if not value:
                continue
            error = need.try_value(value)
            if error is None:
                return value
            self.asker.tell(f"The database cannot read {value}: {error}")

    def check_answered(self, metadatas: Sequence[MetaData]) -> None:
        """After the comparison: refuse the rename flags that matched no dropped-and-added
        pair (:class:`UsageError`), then stop if a column needed a value that nobody gave
        (:class:`ValueNeeded`)."""
        self._check_used(metadatas)
        if self.missing:
            raise ValueNeeded(self.missing[0])

    def _check_used(self, metadatas: Sequence[MetaData]) -> None:
        for old, new in self.flags.renames:
            if (old, new) not in self._used_renames:
                table, _, column = new.rpartition(".")
                known = any(table in m.tables and column in m.tables[table].c for m in metadatas)
                reason = (
                    f"the models have no column {new}"
                    if not known
                    else f"the database has no column {old} that the models no longer have"
                )
                raise UsageError(
                    f"--rename {old}:{new} cannot be applied: {reason}; name a column the "
                    "database has and the models dropped, then the one they added."
                )
        for old, new in self.flags.table_renames:
            if (old, new) not in self._used_tables:
                known = any(new in m.tables for m in metadatas)
                reason = (
                    f"the models have no table {new}"
                    if not known
                    else f"the database has no table {old} that the models no longer have"
                )
                raise UsageError(
                    f"--rename-table {old}:{new} cannot be applied: {reason}; name a table "
                    "the database has and the models dropped, then the one they added."
                )
        for triple in self.flags.value_renames:
            if triple not in self._used_values:
                target, old, new = triple
                raise UsageError(
                    f"--rename-value {target}:{old}:{new} cannot be applied: no enum "
                    f"{target} loses value {old!r} and gains {new!r}; name the enum type (or "
                    "table.column), a value the database has that the models dropped, then "
                    "the one they added."
                )

    def check_defaults(self, metadatas: Sequence[MetaData]) -> None:
        """Refuse a ``--default`` for a column the models do not have."""
        for target in self.flags.defaults:
            table, _, column = target.rpartition(".")
            if not any(table in m.tables and column in m.tables[table].c for m in metadatas):
                raise UsageError(
                    f"--default {target}=... names no column of the models; give "
                    "table.column of a column the models declare."
                )
