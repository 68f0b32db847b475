"""PostgreSQL: standard ALTER COLUMN forms, ``USING`` for type changes, COMMENT ON.

The generic elements of :mod:`.base` already render PostgreSQL's syntax; this module adds
``postgresql_using=`` for type changes (``ALTER COLUMN c TYPE INTEGER USING c::integer``).
Indexes take SQLAlchemy's ``postgresql_*`` options (``postgresql_concurrently=True``,
``postgresql_where=``...); a concurrent index must be built outside a transaction, inside
``with op.get_context().autocommit_block():``. DDL is transactional.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sqlalchemy.sql.elements import TextClause

from ..errors import CommandError
from .base import DefaultImpl

__all__ = ["PostgresqlImpl"]


class PostgresqlImpl(DefaultImpl):
    """DDL for PostgreSQL."""

    display_name: ClassVar[str] = "PostgreSQL"
    transactional_ddl: ClassVar[bool] = True

    def type_using(self, kw: Mapping[str, Any]) -> str | TextClause | None:
        """``postgresql_using=`` of ``op.alter_column``: how old values convert."""
        using = kw.get("postgresql_using")
        if using is None or isinstance(using, str | TextClause):
            return using
        raise CommandError("postgresql_using= must be SQL text or a text() expression.")
