"""Reading a migrations folder's revision files, with faults reported as one sentence.

The header reader (:mod:`.loader`) lists and reads the files; here an :class:`OSError` on the
way (a broken symbolic link, a link loop, a folder that cannot be read) and a header nested
too deeply for Python's parser become a :class:`ScriptError` or :class:`FileSystemError`
naming the file. :func:`read_new_file` reads a revision file just written back and checks
that the reader finds in it what Python does.
"""

from __future__ import annotations

import ast
import errno
import os
from collections.abc import Collection, Sequence
from pathlib import Path

from ..config import ScriptConfig
from ..errors import CommandError, FileSystemError, MigrateError, ScriptError, TemplateError
from . import loader, rendering
from .graph import Revision

__all__ = ["read_fault", "read_new_file", "scan", "scan_added"]


def read_fault(exc: OSError, fallback: str) -> MigrateError:
    """One sentence for an :class:`OSError` met while reading a revision file or its folder
    (``fallback`` names the path when the error does not)."""
    path = os.fsdecode(exc.filename) if exc.filename is not None else fallback
    if exc.errno == errno.ELOOP:
        reason = "it is a symbolic link loop"
    elif os.path.islink(path) and not os.path.exists(path):
        reason = "it is a broken symbolic link (its target does not exist)"
    else:
        reason = (exc.strerror or str(exc)).rstrip(".").lower()
        if os.path.isdir(path):
            return FileSystemError(
                "read the folder", path, reason, "make it readable, or correct its path"
            )
    return ScriptError(path, reason)


def scan(config: ScriptConfig, run_file: loader.RunFile | None = None) -> list[Revision]:
    """Every revision of the folder, with a fault of the file system or a header too deep
    for the parser reported as one sentence naming the file (``run_file`` runs the compiled
    files whose header can only be read that way)."""
    try:
        return loader.scan_locations(config, run_file=run_file)
    except OSError as exc:
        raise read_fault(exc, str(config.directory)) from None
    except (RecursionError, MemoryError):
        pass
    # The parser gave up on some file: find which one, to name it.
    for item in loader.list_revision_files(config):
        try:
            loader.scan_file(item.path, run_file)
        except (RecursionError, MemoryError):
            raise ScriptError(item.path, "it is nested too deeply to be parsed") from None
        except (OSError, MigrateError):
            continue
    raise ScriptError(str(config.directory), "a file is nested too deeply to be parsed")


def scan_added(
    config: ScriptConfig, known: Collection[str], run_file: loader.RunFile | None = None
) -> list[Revision]:
    """The revisions of the files that are not among the ``known`` paths: those another run
    wrote since the folder was read (runs only ever add files)."""
    try:
        return [
            loader.scan_file(item.path, run_file)
            for item in loader.list_revision_files(config)
            if item.path not in known
        ]
    except OSError as exc:
        raise read_fault(exc, str(config.directory)) from None
    except (RecursionError, MemoryError):
        return scan(config, run_file)  # names the file


def read_new_file(
    path: Path,
    data: bytes,
    header: rendering.Header,
    template: Path,
    replaces: Sequence[str] = (),
) -> Revision:
    """The revision the header reader finds in the new file, which must be what Python
    finds in it (the file has parsed already)."""
    try:
        found = loader.scan_file(path)
    except ScriptError as exc:
        raise TemplateError(
            str(template),
            f"renders a file that the revision reader cannot read ({exc.problem})",
            "write the header as the bundled template does",
        ) from None
    doc = rendering.python_header(ast.parse(data))[1]
    expected = Revision.from_header(
        header.revision,
        header.down_revision,
        branch_labels=header.branch_labels,
        depends_on=header.depends_on,
        doc=(doc or "").strip().split("\n\n")[0],
        path=found.path,
        create_date=found.create_date,
        replaces=tuple(replaces),
    )
    if found != expected:
        raise CommandError(
            f"The new revision file would be read differently by the revision reader than by "
            f"Python (reader: {found!r}; Python: {expected!r}); nothing was written, please "
            "report this with the message used."
        )
    return found
