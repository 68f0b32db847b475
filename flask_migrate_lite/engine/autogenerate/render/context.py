"""What rendering is told: the options, and the context a ``render_item`` hook receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = ["RenderContext", "RenderOptions"]


@dataclass(frozen=True)
class RenderOptions:
    """How directives become Python.

    ``render_item`` is Alembic's hook: called as ``render_item(type_, obj, context)`` with
    ``type_`` one of ``"type"``, ``"server_default"``, ``"column"``, ``"primary_key"``,
    ``"foreign_key"``, ``"unique"``, ``"check"``, ``"computed"``, ``"identity"``; a string it
    returns is used verbatim, ``False`` (or ``None``) keeps the default rendering. It may add
    import lines to ``context.imports``.
    """

    #: Render each table's changes inside ``with op.batch_alter_table(...) as batch_op:``.
    as_batch: bool = True
    #: Prefix for types from modules other than SQLAlchemy (``"app.types."``); without it they
    #: render with their module path and an ``import`` of that module.
    user_module_prefix: str | None = None
    render_item: Callable[[str, Any, RenderContext], str | Literal[False]] | None = None
    sqlalchemy_module_prefix: str = "sa."
    #: The database the revision is for: SQL expressions (defaults, checks) compile with it.
    dialect_name: str = "sqlite"
    #: Write the online-safe forms of changes to existing tables (see :mod:`.online`).
    online_safe: bool = False


class RenderContext:
    """What a ``render_item`` hook receives: the options, and the import lines to add."""

    def __init__(self, opts: RenderOptions, imports: set[str]) -> None:
        self.opts = opts
        self.imports = imports
        self._dialect: Dialect | None = None

    @property
    def dialect_name(self) -> str:
        """The name of the database the revision is for (``"postgresql"``, ...)."""
        return self.opts.dialect_name

    @property
    def dialect(self) -> Dialect:
        """A dialect object of that database (no driver needed), to compile expressions."""
        if self._dialect is None:
            try:
                dialect_class = sa.dialects.registry.load(self.dialect_name)
            except sa.exc.NoSuchModuleError:
                dialect_class = sa.engine.default.DefaultDialect
            self._dialect = dialect_class()
        return self._dialect
