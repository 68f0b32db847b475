"""Putting a new revision file on disk: whole or not at all, and never twice.

The bytes go to a hidden temporary file in the target folder (a name the revision scanner
skips), are flushed to disk and checked there, and are then linked under the final name,
which fails if that name exists: a reader sees either no file or the whole file, and a
failure at any step removes the temporary file, leaving the folder as it was.

Writers of one migrations folder also take a lock (:func:`folder_lock`), under which the
caller checks that its id and labels are still free before linking: two runs given the same
``--rev-id`` at once cannot both write a file, whatever their file names.
"""

from __future__ import annotations

import errno
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from ..errors import FileSystemError

__all__ = ["LOCK_NAME", "create_file", "folder_lock", "os_error"]

LOCK_NAME = "fml-write.lock"
"""File name of the writers' lock, kept in a version folder's ``__pycache__``."""

T = TypeVar("T")

_NO_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK})


def os_error(action: str, path: Path | str, exc: OSError) -> FileSystemError:
    """One sentence for an :class:`OSError` met while trying to ``action`` ``path``."""
    reason = (exc.strerror or str(exc)).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "make that folder writable, or run the command as a user who may write there"
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some disk space and run the command again"
    elif exc.errno == errno.ELOOP:
        fix = "remove the symbolic link loop on that path"
    elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
        fix = "check that the folder exists (a symbolic link on the path may be broken)"
    else:
        fix = "check that folder and run the command again"
    return FileSystemError(action, str(path), reason, fix)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError as exc:  # LK_LOCK gives up after about ten seconds: wait on
                if exc.errno != errno.EDEADLK:
                    raise

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _open_lock(folders: Sequence[Path]) -> int:
    error: OSError | None = None
    for folder in folders:
        cache = folder / "__pycache__"
        try:
            cache.mkdir(exist_ok=True)
            return os.open(cache / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            error = error or exc
    assert error is not None
    raise os_error("write in", folders[-1], error)


@contextmanager
def folder_lock(folders: Sequence[Path]) -> Iterator[None]:
    """Hold the writers' lock of a migrations folder: in the ``__pycache__`` of the first of
    ``folders`` where it can be created. Waits while another writer holds it; released when
    the block ends or the process dies."""
    fd = _open_lock(folders)
    try:
        _lock(fd)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _create_exclusive(target: Path, data: bytes) -> None:
    # Where hard links are not supported: create the name exclusively and fill it, removing
    # it again if filling fails.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        _write_all(fd, data)
    except BaseException:
        os.close(fd)
        _remove(target)
        raise
    os.close(fd)


def create_file(target: Path, data: bytes, check: Callable[[Path], T]) -> T:
    """Write ``data`` as the new file ``target`` and return ``check(temporary path)``.

    ``check`` runs on the complete temporary file before it gets its name; whatever it
    raises is raised with nothing left behind. Raises :class:`FileSystemError` when the
    folder cannot be written or ``target`` already exists.
    """
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error("create the folder", folder, exc) from None
    temporary = folder / f".fml-{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise os_error("write in", folder, exc) from None
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        result = check(temporary)
        try:
            os.link(temporary, target)
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
            _create_exclusive(target, data)
    except FileExistsError:
        raise FileSystemError(
            "write", str(target), "a file of that name already exists", "give another --rev-id"
        ) from None
    except OSError as exc:
        raise os_error("write", target, exc) from None
    finally:
        _remove(temporary)
    return result
