"""Listing revision files and reading their headers, with a cache.

Listing a history needs only what each file's header assigns (``revision``,
``down_revision``, ``branch_labels``, ``depends_on``) and its docstring, so
:func:`scan_locations` reads those from the source without running anything (see
:mod:`.header`), and a file whose body fails still shows in the history. The results are
cached per version folder in ``__pycache__/fml-revisions.json``, keyed on each file's name,
size, inode, modification and change times, and on the cache format and Python version; a
file changed in any way is read again.

A compiled file whose bytecode is more than a plain header is run to read it, as Alembic
does; running a revision file is the runtime's business, so the caller passes the function
that does it (``run_file``: :func:`flask_migrate_lite.engine.runtime.modules.load_module`).
"""

from __future__ import annotations

import dis
import importlib.util
import itertools
import json
import marshal
import os
import re
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..config import ScriptConfig
from ..errors import CommandError, ScriptError
from .header import HEADER_NAMES, Values, read_docstring, read_header
from .revision import Revision

__all__ = [
    "CACHE_NAME",
    "RevisionFile",
    "RunFile",
    "list_revision_files",
    "read_longdoc",
    "run",
    "scan_file",
    "scan_locations",
]

#: Runs a revision file as a new module (the runtime's ``load_module``).
RunFile = Callable[[str], types.ModuleType]

CACHE_NAME = "fml-revisions.json"
"""File name of the header cache, kept in each version folder's ``__pycache__``."""

# Raised whenever what the readers return for some file changes, so that entries written by
# an older reader are not trusted.
_CACHE_FORMAT = 3
# Compiled code and the parser differ between Python versions: one cache per version.
_CACHE_PYTHON = sys.implementation.cache_tag
# A file changed less than this long ago is not cached: a second write within the same
# timestamp tick would keep its size and times, so only settled files can be trusted.
_SETTLE_NS = 2_000_000_000

_CREATE_DATE = re.compile(r"^Create Date:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_LEGACY_NAME = re.compile(r"([a-f0-9]+)\.py$")
_MISSING = object()
# Bytecode that is not straight-line module code (besides jumps and SETUP_ blocks).
_NOT_STRAIGHT = frozenset({"FOR_ITER", "IMPORT_STAR", "SEND", "YIELD_VALUE"})


# --- listing the files ---------------------------------------------------------------------


class RevisionFile(NamedTuple):
    """A candidate revision file: its version folder, its path relative to that folder and
    as a whole (a string, as listed), and its stat.

    A named tuple: thousands are made on every command, and a tuple is the cheapest to make.
    """

    root: Path
    relpath: str
    path: str
    stat: os.stat_result

    @property
    def key(self) -> list[int]:
        """What must match for a cached header to be reused."""
        st = self.stat
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _is_candidate(name: str, sourceless: bool) -> bool:
    # As Alembic: '__init__' modules and Emacs lock files ('.#x.py') are not revisions.
    # Other hidden files (macOS '._x.py' resource forks) are skipped too.
    if name.startswith(("__init__", ".")):
        return False
    if name.endswith(".py"):
        return True
    return sourceless and name.endswith((".pyc", ".pyo"))


def _walk(root: Path, rel: str, config: ScriptConfig) -> Iterator[RevisionFile]:
    folder = root / rel if rel else root
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return
    names = {entry.name for entry in entries}
    subdirs: list[str] = []
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__":
                subdirs.append(entry.name)
            continue
        if not _is_candidate(entry.name, config.sourceless):
            continue
        compiled = entry.name.endswith((".pyc", ".pyo"))
        if compiled and (
            entry.name[:-1] in names
            or (entry.name.endswith(".pyo") and entry.name[:-1] + "c" in names)
        ):
            # Prefer the source, then a .pyc (which keeps docstrings) over a .pyo.
            continue
        yield RevisionFile(root, f"{rel}{entry.name}", entry.path, entry.stat())
    if config.sourceless and "__pycache__" in names:
        stems = {name.split(".")[0] for name in names}
        cache = folder / "__pycache__"
        for entry in sorted(os.scandir(cache), key=lambda e: e.name):
            if entry.name.endswith(".pyc") and entry.is_file():
                if entry.name.split(".")[0] not in stems:
                    yield RevisionFile(
                        root, f"{rel}__pycache__/{entry.name}", entry.path, entry.stat()
                    )
    if config.recursive_version_locations:
        for name in subdirs:
            yield from _walk(root, f"{rel}{name}/", config)


def list_revision_files(config: ScriptConfig) -> list[RevisionFile]:
    """The candidate revision files of every version folder, in Alembic's order.

    Each folder's files come sorted by name, then (with ``recursive_version_locations``)
    its sub-folders' in name order. ``__pycache__`` is never walked, except for sourceless
    ``.pyc`` files that have no source next to them when ``sourceless`` is set.
    """
    return [item for root in config.versions for item in _walk(root, "", config)]


# --- reading a header ----------------------------------------------------------------------


class _Undecided(Exception):
    """A compiled file's bytecode is not a plain header; the caller runs the file."""


def _ids(path: str, name: str, entry: tuple[object, int | None] | None) -> tuple[str, ...]:
    if entry is None:
        return ()
    value, lineno = entry
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise ScriptError(
        path,
        f"{name} must be None, a revision id or a tuple of revision ids, not {value!r}",
        lineno,
    )


def _header(
    values: Mapping[str, tuple[object, int | None]], doc: str | None, path: str, filename: str
) -> dict[str, Any]:
    if "revision" in values:
        revision, lineno = values["revision"]
        if not isinstance(revision, str) or not revision:
            raise ScriptError(
                path, f"revision must be a non-empty string, not {revision!r}", lineno
            )
    else:
        legacy = _LEGACY_NAME.fullmatch(filename)
        if legacy is None:
            raise ScriptError(path, "it does not declare its revision id (revision = '...')")
        revision = legacy.group(1)
    if "down_revision" not in values:
        raise ScriptError(
            path, "it does not declare down_revision (write down_revision = None for a base)"
        )
    longdoc = (doc or "").strip()
    date = _CREATE_DATE.search(longdoc)
    return {
        "revision": revision,
        "down_revision": list(_ids(path, "down_revision", values.get("down_revision"))),
        "branch_labels": list(_ids(path, "branch_labels", values.get("branch_labels"))),
        "depends_on": list(_ids(path, "depends_on", values.get("depends_on"))),
        "replaces": list(_ids(path, "replaces", values.get("replaces"))),
        "doc": longdoc.split("\n\n")[0],
        "create_date": date.group(1) if date else None,
    }


def _binds_header_globally(code: types.CodeType) -> bool:
    """Whether a function or class in ``code`` assigns a header name as a global."""
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            for ins in dis.get_instructions(const):
                if ins.opname in ("STORE_GLOBAL", "DELETE_GLOBAL") and ins.argval in HEADER_NAMES:
                    return True
            if _binds_header_globally(const):
                return True
    return False


def _scan_pyc(data: bytes, path: str) -> tuple[Values, str | None]:
    """Header values from a compiled file's bytecode: constants stored to the names.

    Only straight-line module code is read this way; a branch, loop or ``try``, an
    ``import *``, a name stored from anything but a constant, deleted, or assigned as a
    global by a function raises :class:`_Undecided`, and the file is run instead.
    """
    if data[:4] != importlib.util.MAGIC_NUMBER or len(data) < 16:
        raise ScriptError(path, "it was compiled by another Python version")
    try:
        code = marshal.loads(data[16:])
    except (EOFError, ValueError, TypeError) as exc:
        raise ScriptError(path, f"its bytecode cannot be read ({exc})") from None
    if not isinstance(code, types.CodeType):
        raise ScriptError(path, "its bytecode is not a module")
    if getattr(code, "co_exceptiontable", b"") or _binds_header_globally(code):
        raise _Undecided
    values: Values = {}
    doc: str | None = None
    last: object = _MISSING
    for ins in dis.get_instructions(code):
        name = ins.opname
        if name == "LOAD_CONST":
            last = ins.argval
            continue
        if "JUMP" in name or name.startswith("SETUP_") or name in _NOT_STRAIGHT:
            raise _Undecided
        if ins.argval in HEADER_NAMES or ins.argval in ("__doc__", "__getattr__"):
            if name != "STORE_NAME" or last is _MISSING or ins.argval == "__getattr__":
                if name.startswith(("STORE_", "DELETE_")):
                    raise _Undecided
            elif ins.argval == "__doc__":
                doc = last if isinstance(last, str) else None
            else:
                values[ins.argval] = (last, None)
        last = _MISSING
    return values, doc


def run(path: str, run_file: RunFile | None) -> types.ModuleType:
    """Run the revision file ``path`` with ``run_file``, which must be given."""
    if run_file is None:
        raise CommandError(
            f"The revision file {path} must be run, and no run_file (the runtime's "
            "load_module) was given to run it."
        )
    return run_file(path)


def _scan_executed(path: str, run_file: RunFile | None) -> tuple[Values, str | None]:
    # Sourceless files whose bytecode is not a plain header: run them, as Alembic does.
    module = run(path, run_file)
    values: Values = {
        key: (getattr(module, key), None) for key in HEADER_NAMES if hasattr(module, key)
    }
    return values, module.__doc__


def _read_header(path: Path, run_file: RunFile | None) -> dict[str, Any]:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScriptError(name, f"it cannot be read ({exc.strerror or exc})") from None
    if path.suffix in (".pyc", ".pyo"):
        try:
            values, doc = _scan_pyc(data, name)
        except _Undecided:
            values, doc = _scan_executed(name, run_file)
        return _header(values, doc, name, path.name.split(".")[0] + ".py")
    values, doc = read_header(data, name)
    return _header(values, doc, name, path.name)


def _revision(header: Mapping[str, Any], path: str) -> Revision:
    return Revision(
        header["revision"],
        tuple(header["down_revision"]),
        frozenset(header["branch_labels"]),
        tuple(header["depends_on"]),
        header["doc"],
        path,
        header["create_date"],
        tuple(header["replaces"]),
    )


def scan_file(path: str | os.PathLike[str], run_file: RunFile | None = None) -> Revision:
    """The :class:`Revision` one file declares, read from its text without running it
    (a compiled file whose bytecode is more than a header is run with ``run_file``).

    Raises :class:`ScriptError` (with the line where known) when the file cannot be parsed,
    declares no ``revision`` (a legacy ``<hex id>.py`` name stands for it, as in Alembic)
    or no ``down_revision``, or assigns them something other than literal ids.
    """
    file = Path(path)
    return _revision(_read_header(file, run_file), str(file))


def read_longdoc(path: str | os.PathLike[str], run_file: RunFile | None = None) -> str:
    """The whole docstring of a revision file, stripped (``show`` and ``history -v``); a
    compiled file is run with ``run_file`` for it."""
    file = Path(path)
    name = str(file)
    if file.suffix in (".pyc", ".pyo"):
        doc = run(name, run_file).__doc__
        return (doc or "").strip()
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ScriptError(name, f"it cannot be read ({exc.strerror or exc})") from None
    return (read_docstring(data, name) or "").strip()


# --- the cache -----------------------------------------------------------------------------


def _cache_path(root: Path) -> Path:
    return root / "__pycache__" / CACHE_NAME


def _load_cache(root: Path) -> dict[str, Any]:
    try:
        with open(_cache_path(root), encoding="utf-8") as stream:
            data = json.load(stream)
    except (OSError, ValueError):
        return {}
    if (
        not isinstance(data, dict)
        or data.get("format") != _CACHE_FORMAT
        or data.get("python") != _CACHE_PYTHON
    ):
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def _save_cache(
    root: Path,
    kept: Mapping[str, Any],
    fresh: Mapping[str, tuple[list[Any], int]],
    cached: Mapping[str, Any],
) -> None:
    """Write the entries ``kept`` from the cache and those of ``fresh`` files (each with the
    time it last changed) that have settled, unless that is what the cache holds already.

    Written to a temporary file and renamed over the old one, so a reader never sees half a
    file; a folder that cannot be written just goes without a cache.
    """
    target = _cache_path(root)
    try:
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".fml-", suffix=".tmp", dir=target.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            # "Now" by the earlier of this machine's clock and the file system's (the time
            # it gave the file just made): a network share's clock may lag behind.
            settled = min(time.time_ns(), os.fstat(fd).st_mtime_ns) - _SETTLE_NS
            entries = dict(kept)
            entries.update(
                (relpath, entry)
                for relpath, (entry, changed) in fresh.items()
                if changed <= settled
            )
            if entries == cached:
                stream.close()
                os.unlink(tmp)
                return
            document = {"format": _CACHE_FORMAT, "python": _CACHE_PYTHON, "entries": entries}
            json.dump(document, stream, separators=(",", ":"))
        os.replace(tmp, target)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _entry(key: list[int], header: Mapping[str, Any]) -> list[Any]:
    # A flat list: several times quicker to decode than one object per file.
    return [
        *key,
        header["revision"],
        header["down_revision"],
        header["branch_labels"],
        header["depends_on"],
        header["doc"],
        header["create_date"],
        header["replaces"],
    ]


def _from_entry(entry: Sequence[Any], path: str) -> Revision:
    return Revision.normalised(
        entry[4],
        tuple(entry[5]),
        frozenset(entry[6]),
        tuple(entry[7]),
        entry[8],
        path,
        entry[9],
        tuple(entry[10]),
    )


def _scan_root(
    root: Path, files: Sequence[RevisionFile], use_cache: bool, run_file: RunFile | None
) -> list[Revision]:
    cached = _load_cache(root) if use_cache else {}
    kept: dict[str, Any] = {}
    fresh: dict[str, tuple[list[Any], int]] = {}
    revisions = []
    for item in files:
        key = item.key
        hit = cached.get(item.relpath)
        if isinstance(hit, list) and len(hit) == 11 and hit[:4] == key:
            try:
                revisions.append(_from_entry(hit, item.path))
                kept[item.relpath] = hit
                continue
            except TypeError:  # a damaged entry: read the file itself
                pass
        header = _read_header(Path(item.path), run_file)
        revisions.append(_revision(header, item.path))
        changed = max(item.stat.st_mtime_ns, item.stat.st_ctime_ns)
        fresh[item.relpath] = (_entry(key, header), changed)
    if use_cache and (fresh or kept.keys() != cached.keys()):
        _save_cache(root, kept, fresh, cached)
    return revisions


def scan_locations(
    config: ScriptConfig, *, use_cache: bool = True, run_file: RunFile | None = None
) -> list[Revision]:
    """Every revision of the folder described by ``config``, in file order, unexecuted
    (but for compiled files that :func:`scan_file` runs with ``run_file``).

    Raises :class:`ScriptError` for the first file that cannot be read.
    """
    files = list_revision_files(config)
    revisions: list[Revision] = []
    for root, group in itertools.groupby(files, key=lambda item: item.root):
        revisions.extend(_scan_root(root, list(group), use_cache, run_file))
    for root in config.versions:
        if use_cache and root.is_dir() and not any(item.root == root for item in files):
            # An emptied folder: forget what the cache held about it.
            cached = _load_cache(root)
            if cached:
                _save_cache(root, {}, {}, cached)
    return revisions
