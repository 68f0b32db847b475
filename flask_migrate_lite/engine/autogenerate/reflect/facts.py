"""What reflection found about a set of tables, keyed as the inspector's multi methods."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Key", "TableFacts"]

#: ``(schema, table)``, with ``None`` for the default schema.
Key = tuple[str | None, str]


@dataclass
class TableFacts:
    """The inspector's ``get_multi_*`` answers for some tables, one mapping per kind.

    Values are lists of dicts (one dict for ``pks`` and ``comments``), as the inspector's.
    """

    columns: dict[Key, Any] = field(default_factory=dict)
    pks: dict[Key, Any] = field(default_factory=dict)
    fks: dict[Key, Any] = field(default_factory=dict)
    indexes: dict[Key, Any] = field(default_factory=dict)
    uniques: dict[Key, Any] = field(default_factory=dict)
    checks: dict[Key, Any] = field(default_factory=dict)
    comments: dict[Key, Any] = field(default_factory=dict)
    #: Tables these answers do not describe (to be read another way).
    others: set[str] = field(default_factory=set)
