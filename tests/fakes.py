"""The one stand-in for the runtime's migration handle, for tests that drive ``op`` directly.

:class:`~flask_migrate_lite.engine.operations.api.Operations` takes a handle giving the DDL
implementation and the ``-x`` options; tests build one on an implementation from
:func:`~flask_migrate_lite.engine.ddl.impl_for` (a connection, or ``as_sql`` with an output
buffer) without a runtime around it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask_migrate_lite.engine.ddl import DefaultImpl

__all__ = ["FakeMigration"]


class FakeMigration:
    """The runtime's handle, reduced to what ``Operations`` uses: an impl and ``-x`` options."""

    def __init__(self, impl: DefaultImpl, x_args: Mapping[str, str] | None = None) -> None:
        self._impl = impl
        self._x_args = dict(x_args or {})

    @property
    def impl(self) -> DefaultImpl:
        return self._impl

    @property
    def x_args(self) -> Mapping[str, str]:
        return self._x_args

    @property
    def as_sql(self) -> bool:
        return self._impl.as_sql

    @property
    def tag(self) -> str | None:
        return None

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        yield
