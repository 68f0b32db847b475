"""Reading revision files: their headers without running them, and their code to run it.

Listing a history needs only what each file's header assigns (``revision``,
``down_revision``, ``branch_labels``, ``depends_on``) and its docstring, so
:func:`scan_locations` reads those from the text: a quick line scan, with a full
:func:`ast.parse` only when the quick scan cannot be sure. Nothing is executed, so a file
whose body fails still shows in the history. The results are cached per version folder in
``__pycache__/fml-revisions.json``, keyed on each file's name, size, inode, modification
and change times; a file changed in any way is read again.

:func:`load_module` executes one file for ``upgrade``/``downgrade``. Inside that file (and
only there) ``import alembic``, ``from alembic import op`` and ``from alembic import
context`` resolve to this engine, even when Alembic itself is installed, so revision files
written by Flask-Migrate run unchanged.
"""

from __future__ import annotations

import ast
import builtins
import dis
import importlib.util
import io
import itertools
import json
import marshal
import os
import re
import tempfile
import time
import tokenize
import traceback
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..config import ScriptConfig
from ..errors import ScriptError
from .graph import Revision

__all__ = [
    "CACHE_NAME",
    "RevisionFile",
    "list_revision_files",
    "load_module",
    "read_longdoc",
    "scan_file",
    "scan_locations",
]

CACHE_NAME = "fml-revisions.json"
"""File name of the header cache, kept in each version folder's ``__pycache__``."""

_CACHE_FORMAT = 1
# A file changed less than this long ago is not cached: a second write within the same
# timestamp tick would keep its size and times, so only settled files can be trusted.
_SETTLE_NS = 2_000_000_000
_MAX_VALUE_LINES = 200

_KEYS = ("revision", "down_revision", "branch_labels", "depends_on")
# A module-level assignment to one of the header names, optionally annotated
# (``down_revision: Union[str, None] = ...``); ``==`` is a comparison, not an assignment.
_ASSIGN = re.compile(
    r"^(revision|down_revision|branch_labels|depends_on)[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*",
    re.MULTILINE,
)
# What headers nearly always assign: None or a plain quoted id, maybe with a comment. These
# are read directly; anything else goes through ast.literal_eval.
_SIMPLE_VALUE = re.compile(r"""(?:'([^'\\\n]*)'|"([^"\\\n]*)"|None)[ \t]*(?:#[^\n]*)?(?=\n|$)""")
_CREATE_DATE = re.compile(r"^Create Date:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_LEGACY_NAME = re.compile(r"([a-f0-9]+)\.py$")
_MISSING = object()


class _Undecided(Exception):
    """The quick scan cannot be sure; the caller parses the whole file."""


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


def _decode(data: bytes, path: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            text = data.decode(encoding)
        except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
            raise ScriptError(path, f"it cannot be decoded ({exc})") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _skip_preamble(text: str) -> int:
    # Blank lines and comments (a shebang, a coding cookie) may precede the docstring.
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end].strip()
        if line and not line.startswith("#"):
            return pos + (len(text[pos:end]) - len(text[pos:end].lstrip()))
        pos = end + 1
    return len(text)


def _quick_docstring(text: str) -> tuple[str | None, int]:
    """The module docstring and the offset just after it; :class:`_Undecided` if unsure."""
    pos = _skip_preamble(text)
    quote = text[pos : pos + 3]
    if quote in ('"""', "'''"):
        end = text.find(quote, pos + 3)
        if end < 0:
            raise _Undecided
        body = text[pos + 3 : end]
        if "\\" in body:
            raise _Undecided  # escapes: let the parser interpret them
        return body, end + 3
    if text[pos : pos + 1] in ("'", '"') or re.match(r"[rRuUbBfF]{1,2}['\"]", text[pos : pos + 3]):
        raise _Undecided
    return None, pos


def _quick_scan(text: str) -> tuple[dict[str, tuple[object, int | None]], str | None]:
    """Header values by name with their line numbers, and the docstring, from the text."""
    doc, start = _quick_docstring(text)
    # Past another triple-quoted string a line that looks like an assignment may be inside
    # that string, so matches after one are not trusted.
    fences = [i for i in (text.find('"""', start), text.find("'''", start)) if i >= 0]
    fence = min(fences) if fences else len(text)
    values: dict[str, tuple[object, int | None]] = {}
    for match in _ASSIGN.finditer(text, start):
        if match.start() > fence:
            raise _Undecided
        if match.start() >= 2 and text[match.start() - 2] == "\\":
            raise _Undecided  # a continued line: the match is not a statement start
        name = match.group(1)
        if name in values:
            raise _Undecided  # assigned twice: the parser knows which one wins
        lineno = text.count("\n", 0, match.start()) + 1
        values[name] = (_literal_at(text, match.end()), lineno)
    if "revision" not in values:
        raise _Undecided
    return values, doc


def _literal_at(text: str, pos: int) -> object:
    simple = _SIMPLE_VALUE.match(text, pos)
    if simple:
        if simple.group(1) is not None:
            return simple.group(1)
        return simple.group(2)  # None when the value is None
    # The value may span several lines (a tuple); grow it a line at a time until it parses.
    end = pos
    for _ in range(_MAX_VALUE_LINES):
        nl = text.find("\n", end)
        end = len(text) if nl < 0 else nl
        try:
            return ast.literal_eval(text[pos:end])
        except SyntaxError:
            if nl < 0:
                break
            end = nl + 1
        except (ValueError, TypeError, MemoryError, RecursionError):
            break
    raise _Undecided


def _full_scan(text: str, path: str) -> tuple[dict[str, tuple[object, int | None]], str | None]:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise ScriptError(path, exc.msg, exc.lineno) from None
    values: dict[str, tuple[object, int | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target.id] if isinstance(node.target, ast.Name) else []
        else:
            continue
        value = node.value
        assert value is not None
        for name in targets:
            if name not in _KEYS:
                continue
            try:
                values[name] = (ast.literal_eval(value), node.lineno)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                raise ScriptError(
                    path,
                    f"{name} must be written as a literal (a string, a tuple of strings "
                    "or None) so that it can be read without running the file",
                    node.lineno,
                ) from None
    return values, ast.get_docstring(tree, clean=False)


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
        "doc": longdoc.split("\n\n")[0],
        "create_date": date.group(1) if date else None,
    }


def _scan_pyc(data: bytes, path: str) -> tuple[dict[str, tuple[object, int | None]], str | None]:
    """Header values from a compiled file's bytecode: constants stored to the names."""
    if data[:4] != importlib.util.MAGIC_NUMBER or len(data) < 16:
        raise ScriptError(path, "it was compiled by another Python version")
    try:
        code = marshal.loads(data[16:])
    except (EOFError, ValueError, TypeError) as exc:
        raise ScriptError(path, f"its bytecode cannot be read ({exc})") from None
    values: dict[str, tuple[object, int | None]] = {}
    doc: str | None = None
    last: object = _MISSING
    for ins in dis.get_instructions(code):
        if ins.opname == "LOAD_CONST":
            last = ins.argval
            continue
        if ins.opname == "STORE_NAME" and (ins.argval in _KEYS or ins.argval == "__doc__"):
            if last is _MISSING:
                raise _Undecided
            if ins.argval == "__doc__":
                doc = last if isinstance(last, str) else None
            else:
                values[ins.argval] = (last, None)
        last = _MISSING
    return values, doc


def _scan_executed(path: str) -> tuple[dict[str, tuple[object, int | None]], str | None]:
    # Sourceless files whose bytecode is not a plain header: run them, as Alembic does.
    module = load_module(path)
    values: dict[str, tuple[object, int | None]] = {
        key: (getattr(module, key), None) for key in _KEYS if hasattr(module, key)
    }
    return values, module.__doc__


def _read_header(path: Path) -> dict[str, Any]:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScriptError(name, f"it cannot be read ({exc.strerror or exc})") from None
    if path.suffix in (".pyc", ".pyo"):
        try:
            values, doc = _scan_pyc(data, name)
        except _Undecided:
            values, doc = _scan_executed(name)
        return _header(values, doc, name, path.name.split(".")[0] + ".py")
    text = _decode(data, name)
    try:
        values, doc = _quick_scan(text)
    except _Undecided:
        values, doc = _full_scan(text, name)
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
    )


def scan_file(path: str | os.PathLike[str]) -> Revision:
    """The :class:`Revision` one file declares, read from its text without running it.

    Raises :class:`ScriptError` (with the line where known) when the file cannot be parsed,
    declares no ``revision`` (a legacy ``<hex id>.py`` name stands for it, as in Alembic)
    or no ``down_revision``, or assigns them something other than literal ids.
    """
    file = Path(path)
    return _revision(_read_header(file), str(file))


def read_longdoc(path: str | os.PathLike[str]) -> str:
    """The whole docstring of a revision file, stripped (``show`` and ``history -v``)."""
    file = Path(path)
    name = str(file)
    if file.suffix in (".pyc", ".pyo"):
        doc = load_module(name).__doc__
        return (doc or "").strip()
    text = _decode(file.read_bytes(), name)
    try:
        doc = _quick_docstring(text)[0]
    except _Undecided:
        doc = _full_scan(text, name)[1]
    return (doc or "").strip()


# --- the cache -----------------------------------------------------------------------------


def _cache_path(root: Path) -> Path:
    return root / "__pycache__" / CACHE_NAME


def _load_cache(root: Path) -> dict[str, Any]:
    try:
        with open(_cache_path(root), encoding="utf-8") as stream:
            data = json.load(stream)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def _save_cache(root: Path, entries: Mapping[str, Any]) -> None:
    # Written to a temporary file and renamed over the old one, so a reader never sees half
    # a file; a folder that cannot be written just goes without a cache.
    target = _cache_path(root)
    try:
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".fml-", suffix=".tmp", dir=target.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump({"format": _CACHE_FORMAT, "entries": entries}, stream, separators=(",", ":"))
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
    )


def _scan_root(root: Path, files: Sequence[RevisionFile], use_cache: bool) -> list[Revision]:
    cached = _load_cache(root) if use_cache else {}
    entries: dict[str, Any] = {}
    revisions = []
    settled = time.time_ns() - _SETTLE_NS
    for item in files:
        key = item.key
        hit = cached.get(item.relpath)
        if isinstance(hit, list) and len(hit) == 10 and hit[:4] == key:
            try:
                revisions.append(_from_entry(hit, item.path))
                entries[item.relpath] = hit
                continue
            except TypeError:  # a damaged entry: read the file itself
                pass
        header = _read_header(Path(item.path))
        revisions.append(_revision(header, item.path))
        if max(item.stat.st_mtime_ns, item.stat.st_ctime_ns) < settled:
            entries[item.relpath] = _entry(key, header)
    if use_cache and entries != cached:
        _save_cache(root, entries)
    return revisions


def scan_locations(config: ScriptConfig, *, use_cache: bool = True) -> list[Revision]:
    """Every revision of the folder described by ``config``, in file order, unexecuted.

    Raises :class:`ScriptError` for the first file that cannot be read.
    """
    files = list_revision_files(config)
    revisions: list[Revision] = []
    for root, group in itertools.groupby(files, key=lambda item: item.root):
        revisions.extend(_scan_root(root, list(group), use_cache))
    for root in config.versions:
        if use_cache and root.is_dir() and not any(item.root == root for item in files):
            # An emptied folder: forget what the cache held about it.
            if _load_cache(root):
                _save_cache(root, {})
    return revisions


# --- running a file ------------------------------------------------------------------------

_counter = itertools.count(1)


def _shim_import(
    real: Callable[..., types.ModuleType],
) -> Callable[..., object]:
    def import_(
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> object:
        if level == 0 and (name == "alembic" or name.startswith("alembic.")):
            from . import alembic_shim

            return alembic_shim.import_name(name, fromlist)
        return real(name, globals, locals, fromlist, level)

    return import_


def _error_line(exc: BaseException, path: str) -> int | None:
    # The innermost frame of the revision file itself: where its code raised.
    found = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == path:
            found = lineno
    return found


def load_module(path: str | os.PathLike[str]) -> types.ModuleType:
    """Execute a revision file as a new module object and return it.

    The module gets a unique name and is not added to ``sys.modules``. Its own
    ``__builtins__`` sends imports of ``alembic`` and ``alembic.*`` to this engine's shim
    (:mod:`.alembic_shim`); every other import is the normal one and ``sys.modules`` is left
    as it is. A syntax error raises :class:`ScriptError` with the file and line; any other
    exception while the module runs, :class:`ScriptError` naming the file and the exception.
    """
    file = Path(path)
    name = str(file)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ScriptError(name, f"it cannot be read ({exc.strerror or exc})") from None
    # A fresh name each time: two files (or two loads of one) never share a module.
    stem = re.sub(r"\W", "_", file.stem)
    module = types.ModuleType(f"fml_revision_{next(_counter)}_{stem}")
    own_builtins = dict(builtins.__dict__)
    own_builtins["__import__"] = _shim_import(builtins.__import__)
    module.__dict__["__builtins__"] = own_builtins
    module.__file__ = name
    if file.suffix in (".pyc", ".pyo"):
        if data[:4] != importlib.util.MAGIC_NUMBER:
            raise ScriptError(name, "it was compiled by another Python version")
        code = marshal.loads(data[16:])
    else:
        try:
            code = compile(data, name, "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise ScriptError(name, exc.msg, exc.lineno) from None
        except ValueError as exc:  # null bytes
            raise ScriptError(name, str(exc)) from None
    try:
        exec(code, module.__dict__)
    except Exception as exc:
        raise ScriptError(
            name, f"running it raised {type(exc).__name__}: {exc}", _error_line(exc, name)
        ) from exc
    return module
