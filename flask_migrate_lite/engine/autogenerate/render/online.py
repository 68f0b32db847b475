"""Online-safe rendering (``Migrate(..., online_safe=True)``): the forms that keep a busy
table writable.

On PostgreSQL an index created or dropped on an existing table is written with
``postgresql_concurrently=True`` inside ``with op.get_context().autocommit_block():``, since
``CREATE INDEX CONCURRENTLY`` cannot run in a transaction; a plain ``CREATE INDEX`` blocks
every write to the table until it is built. Indexes of a table the same migration creates
stay plain (the table is empty and nobody uses it yet), and so does everything on other
databases. A revision written this way is not atomic: see the migration context.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ...operations import ops
from ..directives import TableOp

__all__ = ["Chunk", "online_chunks"]

#: Operations in their order, the online ones (``True``) apart from the others.
Chunk = tuple[bool, list[TableOp]]


def online_chunks(table_ops: Sequence[TableOp], dialect_name: str) -> list[Chunk]:
    """``table_ops`` in runs: index operations to run concurrently, and the rest."""
    chunks: list[Chunk] = []
    for op in table_ops:
        online = _online(op, dialect_name)
        concurrent = online is not None
        if chunks and chunks[-1][0] == concurrent:
            chunks[-1][1].append(online or op)
        else:
            chunks.append((concurrent, [online or op]))
    return chunks


def _online(op: TableOp, dialect_name: str) -> TableOp | None:
    """The online form of ``op``, or None when it has none (or needs none)."""
    if dialect_name != "postgresql":
        return None
    if isinstance(op, ops.CreateIndexOp | ops.DropIndexOp):
        return dataclasses.replace(op, kw={**op.kw, "postgresql_concurrently": True})
    return None
