"""One database table as reflection describes it, with SQLAlchemy's types for each kind of row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine.interfaces import (
    ReflectedCheckConstraint,
    ReflectedColumn,
    ReflectedForeignKeyConstraint,
    ReflectedIndex,
    ReflectedPrimaryKeyConstraint,
    ReflectedUniqueConstraint,
)

from .facts import TableFacts

__all__ = ["ReflectedTable", "from_facts"]


@dataclass
class ReflectedTable:
    """One database table: its rows as the inspector's methods give them."""

    schema: str | None
    name: str
    columns: list[ReflectedColumn]
    pk: ReflectedPrimaryKeyConstraint
    fks: list[ReflectedForeignKeyConstraint]
    indexes: list[ReflectedIndex]
    uniques: list[ReflectedUniqueConstraint]
    checks: list[ReflectedCheckConstraint]
    comment: str | None


def from_facts(
    schema: str | None, names: Sequence[str], facts: TableFacts
) -> dict[str, ReflectedTable]:
    """The tables ``names`` of ``schema`` as ``facts`` describes them, by name."""
    result = {}
    for name in names:
        key = (schema, name)
        pk: ReflectedPrimaryKeyConstraint | None = facts.pks.get(key)
        if not pk:
            pk = {"name": None, "constrained_columns": []}
        result[name] = ReflectedTable(
            schema=schema,
            name=name,
            columns=list(facts.columns.get(key, [])),
            pk=pk,
            fks=list(facts.fks.get(key, [])),
            indexes=list(facts.indexes.get(key, [])),
            uniques=list(facts.uniques.get(key, [])),
            checks=list(facts.checks.get(key, [])),
            comment=(facts.comments.get(key) or {}).get("text"),
        )
    return result
