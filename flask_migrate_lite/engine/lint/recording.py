"""Running a revision's function against a context that records instead of executing.

:func:`record` calls ``upgrade()`` (or ``downgrade()``) with :data:`~..operations.api.op`
bound to :class:`RecordingOperations`: every operation object is kept, with the line of the
revision file whose ``op.`` call made it, and nothing reaches a database. A batch that would
rebuild its table is kept as one :class:`BatchRebuild`; ``op.get_context().autocommit_block()``
is entered and marks the operations inside it.
"""

from __future__ import annotations

import functools
import io
import os
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from ..ddl import DefaultImpl, impl_for
from ..operations import ops
from ..operations.api import Operations, running

__all__ = ["BatchRebuild", "Recorded", "Recording", "RecordingOperations", "record"]


@dataclass(frozen=True)
class BatchRebuild:
    """A ``batch_alter_table()`` block that copies its table into a new one (SQLite)."""

    table_name: str
    schema: str | None
    operations: tuple[ops.MigrateOp, ...]


@dataclass(frozen=True)
class AutocommitBlock:
    """The start of an ``autocommit_block()``: what follows runs outside a transaction."""


@dataclass(frozen=True)
class Recorded:
    """One recorded operation and the revision line that made it."""

    operation: ops.MigrateOp | BatchRebuild | AutocommitBlock
    line: int
    #: Whether it ran inside ``autocommit_block()``.
    autocommit: bool = False


@dataclass
class Recording:
    """What one function of one revision did, in order."""

    path: str
    entries: list[Recorded] = field(default_factory=list)
    #: The error that stopped the function before its end (it needed a database, ...).
    error: str | None = None


@functools.lru_cache(maxsize=512)
def _real_path(filename: str) -> str:
    # Kept: the same few files (the engine's, the revision's) are resolved for every call.
    return os.path.normcase(os.path.realpath(filename))


class _Handle:
    """The migration a recording runs in: offline DDL into a buffer, ``autocommit_block()``."""

    def __init__(
        self, dialect: Dialect, recorder: RecordingOperations, x_args: Mapping[str, str]
    ) -> None:
        self._impl = impl_for(dialect, None, as_sql=True, output=io.StringIO())
        self._recorder = recorder
        self._x_args = x_args
        self.in_autocommit = False

    @property
    def impl(self) -> DefaultImpl:
        return self._impl

    @property
    def x_args(self) -> Mapping[str, str]:
        return self._x_args

    @property
    def as_sql(self) -> bool:
        return True

    @property
    def tag(self) -> str | None:
        return None

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        self._recorder.keep(AutocommitBlock())
        self.in_autocommit = True
        try:
            yield
        finally:
            self.in_autocommit = False


class RecordingOperations(Operations):
    """The ``op`` API keeping each operation instead of carrying it out."""

    def __init__(
        self, dialect: Dialect, path: str, x_args: Mapping[str, str] | None = None
    ) -> None:
        self._handle = _Handle(dialect, self, x_args or {})
        super().__init__(self._handle)
        self.recording = Recording(path)
        self._path = _real_path(path)

    def _line(self) -> int:
        # The innermost frame running the revision file: the line of its op. call.
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None:
            if _real_path(frame.f_code.co_filename) == self._path:
                return frame.f_lineno
            frame = frame.f_back
        return 0

    def keep(self, operation: ops.MigrateOp | BatchRebuild | AutocommitBlock) -> None:
        """Record ``operation`` at the current line of the revision file."""
        self.recording.entries.append(
            Recorded(operation, self._line(), autocommit=self._handle.in_autocommit)
        )

    def invoke(self, operation: ops.MigrateOp) -> Table | None:  # type: ignore[override]
        """Record ``operation``; a :class:`CreateTableOp` still returns its table."""
        self.keep(operation)
        if isinstance(operation, ops.CreateTableOp):
            return operation.to_table()
        return None

    @contextmanager
    def batch_alter_table(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """Record the batch's operations, or one :class:`BatchRebuild` when it rebuilds."""
        from ..operations.batch import BatchOperations

        batch = BatchOperations(self, *args, **kwargs)
        yield batch
        recorded = tuple(entry.operation for entry in batch._recorded)
        if batch.requires_recreate():
            self.keep(BatchRebuild(batch.table_name, batch.schema, recorded))
        else:
            for operation in recorded:
                self.keep(operation)


def record(
    function: Callable[[], Any],
    path: str,
    dialect: Dialect,
    x_args: Mapping[str, str] | None = None,
) -> Recording:
    """Run ``function`` (a revision's ``upgrade``/``downgrade``) and return what it did."""
    operations = RecordingOperations(dialect, path, x_args)
    with running(operations):
        try:
            function()
        except Exception as exc:  # noqa: BLE001  (reported as a fact of the lint)
            text = str(exc).strip().splitlines()
            operations.recording.error = f"{type(exc).__name__}: {text[0] if text else ''}"
    return operations.recording
