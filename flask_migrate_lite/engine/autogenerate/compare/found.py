"""What a comparator returns: the operations it found, and what to tell the user about them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..directives import TableOp

__all__ = ["Found"]


@dataclass
class Found:
    """Changes to one table of one kind (indexes, foreign keys, ...), in the order found.

    ``drops`` run before the table's other changes and ``creates`` after its columns are
    added and altered; ``restore`` only in the downgrade (see
    :class:`~..directives.ModifyTableOps`). ``naming_convention`` names constraints the
    database keeps unnamed, for the batch that drops them.
    """

    drops: list[TableOp] = field(default_factory=list)
    creates: list[TableOp] = field(default_factory=list)
    restore: list[TableOp] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    naming_convention: dict[str, str] = field(default_factory=dict)
