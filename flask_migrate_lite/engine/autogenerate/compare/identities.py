"""Identity columns (``sa.Identity()``) added, dropped or changed, where the database has
them (PostgreSQL), and MySQL's ``AUTO_INCREMENT`` added to or removed from a key column.

An identity is compared by what decides the values it gives: ``always`` (or ``BY
DEFAULT``), ``start`` and ``increment``. A change is written as ``alter_column`` with
``server_default=sa.Identity(...)`` (``None`` to drop it), as Alembic writes it; the
database's DDL adds, changes or drops the identity, and an identity added to a column
holding values continues after the largest of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Identity
from sqlalchemy.engine.interfaces import ReflectedColumn

from .context import CompareContext

__all__ = ["IdentityChange", "autoincrement_change", "identity_change"]


@dataclass(frozen=True)
class IdentityChange:
    """The identity to have (``None``: none), the one the column has, and a message."""

    identity: Identity | None
    existing: Identity | None
    message: str


def _key(always: Any, start: Any, increment: Any) -> tuple[bool, int, int]:
    return bool(always), int(start if start is not None else 1), int(increment or 1)


def identity_change(
    ctx: CompareContext, column: Column[Any], found: ReflectedColumn, where: str
) -> IdentityChange | None:
    """The change to ``column``'s identity, on a database with identity columns."""
    if not getattr(ctx.dialect, "supports_identity_columns", False):
        return None
    ours = column.identity
    theirs: Any = found.get("identity")
    our_key = None if ours is None else _key(ours.always, ours.start, ours.increment)
    their_key = None
    existing = None
    if theirs:
        their_key = _key(theirs.get("always"), theirs.get("start"), theirs.get("increment"))
        existing = Identity(always=their_key[0], start=their_key[1], increment=their_key[2])
    if our_key == their_key:
        return None
    if ours is None:
        message = f"Detected removed identity on column {where}"
    elif existing is None:
        message = f"Detected added identity on column {where}"
    else:
        message = f"Detected changed identity on column {where}"
    return IdentityChange(None if ours is None else ours._copy(), existing, message)


def autoincrement_change(
    ctx: CompareContext, column: Column[Any], found: ReflectedColumn, where: str, keyed: bool
) -> dict[str, bool] | None:
    """``alter_column``'s ``autoincrement``/``existing_autoincrement`` when the key column
    ``column`` (``keyed``: in the primary key of both) should generate its values and does
    not, or the other way round, on a database with such a flag (MySQL's AUTO_INCREMENT).

    Only a model that says so (``autoincrement=True`` or ``False``) is compared: the default
    ``"auto"`` leaves a key made without the flag, by hand or by another tool, as it is."""
    if not ctx.rules.autoincrement_flag or not keyed or column.autoincrement == "auto":
        return None
    theirs = found.get("autoincrement")
    if not isinstance(theirs, bool):
        return None
    ours = column.table.autoincrement_column is column
    if ours == theirs:
        return None
    return {"autoincrement": ours, "existing_autoincrement": theirs}
