"""Constraint names: the database's, the models' (own or by naming convention), and generated.

A name from a naming convention is a :class:`~sqlalchemy.sql.elements.conv`, which renders
as ``op.f(...)``. A constraint the database keeps unnamed is dropped by the name its batch's
naming convention gives it where the database needs one (SQLite), else the migration cannot
drop it and the user is told.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ForeignKeyConstraint, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql.elements import conv

from ...ddl.compare_rules import CompareRules
from .found import Found

__all__ = [
    "constraint_columns",
    "constraint_name",
    "drop_name",
    "final_name",
    "looks_user_named",
]

_DEFAULT_DIALECT = DefaultDialect()


def constraint_name(constraint: Any, dialect: Dialect | None = None) -> str | None:
    """The name the database gives ``constraint``: its own, or its naming convention's.

    ``None`` when it has neither (the database names it). Convention names are returned as
    :class:`~sqlalchemy.sql.elements.conv` so that they are rendered ``op.f(...)``.
    """
    name = constraint.name
    if name is None:
        return None
    if isinstance(name, conv):
        return name
    if isinstance(name, str) and type(name) is str:
        return name
    # A deferred name (a type's constraint, an unnamed one under a convention).
    if getattr(constraint, "table", None) is None:
        return None if str(name).startswith("_unnamed_") else str(name)
    preparer = (dialect or _DEFAULT_DIALECT).identifier_preparer
    try:
        final = preparer.format_constraint(constraint, _alembic_quote=False)
    except (AssertionError, exc.InvalidRequestError):
        return None
    if final is None or str(final).startswith("_unnamed_"):
        return None
    return conv(str(final))


def final_name(constraint: Any, fallback: str, dialect: Dialect | None = None) -> str:
    """The constraint's name, or a generated one marked final (rendered ``op.f(...)``)."""
    name = constraint_name(constraint, dialect)
    if name is not None:
        return name
    return conv(fallback[:63])


def constraint_columns(constraint: Any) -> tuple[str, ...]:
    """The names of the columns a model's constraint covers (a foreign key's local ones)."""
    if isinstance(constraint, ForeignKeyConstraint):
        return tuple(str(element.parent.name) for element in constraint.elements)
    return tuple(str(column.name) for column in constraint.columns)


def looks_user_named(name: str | None) -> bool:
    """Whether a reflected constraint's name is one a user gave, not the database's own."""
    if not name:
        return False
    lowered = name.lower()
    if re.fullmatch(r"constraint_\d+|.+_chk_\d+", lowered):
        return False  # MariaDB's and MySQL's names for unnamed checks
    return not (
        lowered.endswith(("_key", "_check", "_fkey", "_pkey"))
        and not lowered.startswith(("uq_", "ck_", "fk_"))
    )


def drop_name(
    found: Found,
    rules: CompareRules,
    kind: str,
    generated: str,
    what: str,
    columns: Sequence[str],
    label: str,
) -> str:
    """The name to drop a constraint by that the database keeps unnamed.

    Where the database's batch can name it (``rules.unnamed_constraint_convention``, keyed
    by ``kind``: ``"uq"``, ``"fk"``), ``generated``, with the convention added to ``found``;
    else ``""``, with a warning that the migration cannot drop it.
    """
    convention = rules.unnamed_constraint_convention
    if convention is not None:
        found.naming_convention[kind] = convention[kind]
        return generated
    found.warnings.append(
        f"The {what} on ({', '.join(columns)}) of '{label}' has no name in the database, "
        "so the migration cannot drop it by name: edit the revision (with SQLite, "
        "batch_alter_table(..., naming_convention=...) names reflected constraints), "
        "and name constraints in the models, e.g. with a MetaData naming_convention."
    )
    return ""
