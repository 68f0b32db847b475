"""The migrations folder: its revisions, and the writing of new revision files.

:class:`ScriptDirectory` reads a folder laid out the way Alembic and Flask-Migrate lay it out
(``alembic.ini``, ``script.py.mako``, ``versions/``) and writes new revision files in the
same format: the same ids, file names, header and Mako template, so the folder stays usable
by either tool.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import os
import re
import types
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..advice import Run
from ..config import ScriptConfig, read_script_config
from ..errors import (
    CommandError,
    DuplicateBranchLabel,
    InvalidRevisionId,
    NoMigrationsFolder,
    ScriptError,
)
from . import loader, rendering, scanning, writing
from .graph import Revision, RevisionGraph

__all__ = [
    "MAX_REV_ID_LENGTH",
    "ScriptDirectory",
    "create_date",
    "new_rev_id",
    "revision_file_name",
    "slugify",
    "validate_rev_id",
]

MAX_REV_ID_LENGTH = 32
"""Longest revision id: the width of ``alembic_version.version_num``."""

MAX_FILE_NAME_BYTES = 255
"""Longest file name most file systems accept; a longer slug is cut to fit."""

_REV_ID = re.compile(r"[A-Za-z0-9_]+")
_RESERVED = frozenset({"head", "heads", "base", "current"})
_WORD = re.compile(r"\w+")


# --- ids, slugs, file names, dates --------------------------------------------------------


def new_rev_id() -> str:
    """A new random revision id: 12 lowercase hex digits, as Alembic makes them."""
    return uuid.uuid4().hex[-12:]


def validate_rev_id(rev_id: str) -> None:
    """Check an id given with ``--rev-id``; raise :class:`InvalidRevisionId` if unusable.

    Alembic itself only refuses ids holding ``@``, ``-``, ``+`` or ``:``, the characters of
    its identifier grammar. This engine is stricter, so that every id can be typed on the
    command line, named in a file name and stored in the version table: an id is 1 to 32
    ASCII letters, digits or underscores, and not one of the words ``head``, ``heads``,
    ``base`` and ``current``, which would always mean something else. (Files already on
    disk are read whatever their ids.)
    """
    if not rev_id:
        raise InvalidRevisionId(rev_id, "it is empty")
    if len(rev_id) > MAX_REV_ID_LENGTH:
        raise InvalidRevisionId(
            rev_id, f"it is longer than {MAX_REV_ID_LENGTH} characters, the version table's width"
        )
    if not _REV_ID.fullmatch(rev_id) or not rev_id.isascii():
        bad = sorted({c for c in rev_id if not (c.isascii() and (c.isalnum() or c == "_"))})
        raise InvalidRevisionId(
            rev_id,
            f"it contains {', '.join(repr(c) for c in bad)}; use only letters, digits and '_'",
        )
    if rev_id in _RESERVED:
        raise InvalidRevisionId(rev_id, f"'{rev_id}' is a reserved word in revision identifiers")


def slugify(message: str | None, truncate_slug_length: int = 40) -> str:
    """The file-name slug of a message, as Alembic forms it.

    The words (runs of letters, digits and ``_``) joined by ``_`` and lowercased; a slug
    longer than ``truncate_slug_length`` is cut at that length, back to the last ``_``
    before the cut, and ends with ``_`` to show it was cut.
    """
    return _truncated("_".join(_WORD.findall(message or "")).lower(), truncate_slug_length)


def _truncated(slug: str, length: int) -> str:
    if len(slug) > length:
        head = slug[:length]
        slug = (head.rsplit("_", 1)[0] if "_" in head else head) + "_"
    return slug


def revision_file_name(
    file_template: str,
    rev_id: str,
    message: str | None,
    when: datetime.datetime,
    truncate_slug_length: int = 40,
) -> str:
    """The file name (with ``.py``) of a new revision, from ``file_template``.

    The template may use ``%(rev)s``, ``%(slug)s``, ``%(epoch)s`` and the parts of the
    creation date ``%(year)d``, ``%(month).2d``, ``%(day).2d``, ``%(hour).2d``,
    ``%(minute).2d`` and ``%(second).2d``. The slug holds only word characters (no path
    separator, dot or control character) and is cut further when the name would pass
    :data:`MAX_FILE_NAME_BYTES`. A name the revision scanner would skip (empty, hidden, or
    an ``__init__`` module) is refused.
    """
    full_slug = "_".join(_WORD.findall(message or "")).lower()
    length = min(truncate_slug_length, MAX_FILE_NAME_BYTES)
    while True:
        name = _format_name(file_template, rev_id, _truncated(full_slug, length), when)
        base = os.path.basename(name)
        if len(os.fsencode(base)) <= MAX_FILE_NAME_BYTES or length <= 1:
            break
        length -= 1
    if len(os.fsencode(base)) > MAX_FILE_NAME_BYTES:
        raise CommandError(
            f"The file_template '{file_template}' makes file names longer than "
            f"{MAX_FILE_NAME_BYTES} bytes; shorten it in alembic.ini."
        )
    if base.startswith((".", "__init__")):
        raise CommandError(
            f"The file name '{base}' made from file_template '{file_template}' would be "
            "skipped as a revision file; start file_template with %(rev)s, or give a "
            "message with words in it."
        )
    return name


def _format_name(file_template: str, rev_id: str, slug: str, when: datetime.datetime) -> str:
    values: dict[str, object] = {
        "rev": rev_id,
        "slug": slug,
        "epoch": int(when.timestamp()),
        "year": when.year,
        "month": when.month,
        "day": when.day,
        "hour": when.hour,
        "minute": when.minute,
        "second": when.second,
    }
    try:
        return f"{file_template % values}.py"
    except KeyError as exc:
        raise CommandError(
            f"The file_template '{file_template}' uses the unknown key {exc.args[0]!r}; "
            f"the keys are {', '.join(values)}."
        ) from None
    except (TypeError, ValueError) as exc:
        raise CommandError(f"The file_template '{file_template}' is not valid: {exc}.") from None


def create_date(timezone: str | None = None) -> datetime.datetime:
    """Now, for the ``Create Date`` of a new revision: local time, or aware in ``timezone``.

    As in Alembic, a zone name that is not found is tried again in upper case (``utc``).
    """
    if timezone is None:
        return datetime.datetime.now()
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for name in (timezone, timezone.upper()):
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return datetime.datetime.now(tz=datetime.timezone.utc).astimezone(zone)
    raise CommandError(
        f"The timezone '{timezone}' of alembic.ini is unknown; "
        "use a zone name such as 'UTC' or 'Europe/Paris'."
    )


def _as_tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(v for v in value if v)


# --- the folder ---------------------------------------------------------------------------


class ScriptDirectory:
    """A migrations folder: reads its revisions, runs their files, writes new ones.

    The revisions are read from the files' headers once per object (see :meth:`graph`);
    writing a revision through the object refreshes them. Files are run with ``run_file``
    (the runtime's ``load_module``), which only :meth:`load_module` and compiled files whose
    header is more than constants need.
    """

    def __init__(self, config: ScriptConfig, run_file: loader.RunFile | None = None) -> None:
        self.config = config
        self._run_file = run_file
        self._revisions: list[Revision] | None = None
        self._graph: RevisionGraph | None = None
        self._modules: dict[str, types.ModuleType] = {}

    @classmethod
    def from_path(
        cls,
        directory: str | os.PathLike[str],
        *,
        config: ScriptConfig | None = None,
        run_file: loader.RunFile | None = None,
    ) -> ScriptDirectory:
        """The folder at ``directory``, with ``config`` or the settings of its ``alembic.ini``.

        Raises :class:`NoMigrationsFolder` when the folder, or its ``versions`` folder when
        no ``version_locations`` are configured, does not exist.
        """
        root = Path(directory)
        if not root.is_dir():
            raise NoMigrationsFolder(str(root))
        conf = config if config is not None else read_script_config(root)
        if not conf.version_locations and not (conf.directory / "versions").is_dir():
            if not (root / "alembic.ini").is_file():
                raise NoMigrationsFolder(str(root))
            raise CommandError(
                f"The migrations folder '{root}' has no versions/ folder; create it "
                f"(mkdir '{conf.directory / 'versions'}') or set version_locations in "
                "alembic.ini."
            )
        return cls(conf, run_file)

    @property
    def directory(self) -> Path:
        """The migrations folder."""
        return self.config.directory

    # --- reading ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Forget the revisions read so far (after files changed behind this object)."""
        self._revisions = None
        self._graph = None
        self._modules.clear()

    def revisions(self) -> list[Revision]:
        """Every revision, in file order, read from the headers without running anything."""
        if self._revisions is None:
            self._revisions = scanning.scan(self.config, self._run_file)
        return self._revisions

    def graph(self) -> RevisionGraph:
        """The validated graph of the folder's revisions (built once, then kept)."""
        if self._graph is None:
            # Thousands of small objects without reference cycles: the cyclic collector
            # would only walk them over and over while they are made.
            with _collector_paused():
                self._graph = RevisionGraph(self.revisions())
        return self._graph

    def revision(self, rev_id: str) -> Revision:
        """The revision with the full id ``rev_id`` (:class:`UnknownRevision` if none)."""
        return self.graph().get(rev_id)

    def longdoc(self, rev_id: str) -> str:
        """The whole docstring of the revision's file (``show``, ``history --verbose``)."""
        rev = self.revision(rev_id)
        if not rev.path:
            return rev.doc
        try:
            return loader.read_longdoc(rev.path, self._run_file)
        except OSError as exc:
            raise scanning.read_fault(exc, rev.path) from None
        except (RecursionError, MemoryError):
            raise ScriptError(rev.path, "it is nested too deeply to be parsed") from None

    def load_module(self, rev_id: str) -> types.ModuleType:
        """Run the revision's file and return its module (each file runs once per object)."""
        module = self._modules.get(rev_id)
        if module is None:
            rev = self.revision(rev_id)
            if rev.path is None:
                raise CommandError(f"Revision {rev_id} has no file to run.")
            try:
                module = loader.run(rev.path, self._run_file)
            except (RecursionError, MemoryError):
                raise ScriptError(rev.path, "it is nested too deeply to be compiled") from None
            self._modules[rev_id] = module
        return module

    # --- writing ------------------------------------------------------------------------

    def generate_revision(
        self,
        *,
        message: str | None,
        head: str = "head",
        splice: bool = False,
        branch_label: str | Sequence[str] | None = None,
        version_path: str | os.PathLike[str] | None = None,
        rev_id: str | None = None,
        depends_on: str | Sequence[str] | None = None,
        upgrades: str | None = None,
        downgrades: str | None = None,
        imports: Sequence[str] = (),
        template_args: Mapping[str, object] | None = None,
    ) -> Revision:
        """Write a new revision file on top of ``head`` and return its revision.

        ``head`` is any identifier (``head``, ``base``, ``label@head``, an id ...); each
        revision it names must be a head unless ``splice`` is given, and ``head`` with
        several heads is refused (:class:`MultipleHeads`): name one, or merge first.
        ``base`` starts a new, independent branch (give it a ``branch_label``).
        ``depends_on`` entries are stored as full ids, or as written when they are branch
        labels. ``template_args`` are extra names for ``script.py.mako``.
        """
        graph = self.graph()
        parents = graph.resolve(head)
        if not splice:
            for parent in parents:
                if graph.children(parent):
                    raise CommandError(
                        f"Revision {parent} is not a head revision; pass --splice to start "
                        "a new branch from it, or name a head with --head."
                    )
        return self._write(
            graph,
            parents,
            message=message,
            branch_label=branch_label,
            version_path=version_path,
            rev_id=rev_id,
            depends_on=depends_on,
            upgrades=upgrades,
            downgrades=downgrades,
            imports=imports,
            template_args=template_args,
        )

    def generate_merge(
        self,
        revisions: Sequence[str],
        message: str | None = None,
        branch_label: str | Sequence[str] | None = None,
        rev_id: str | None = None,
        *,
        template_args: Mapping[str, object] | None = None,
    ) -> Revision:
        """Write a revision whose parents are ``revisions`` (identifiers; ``heads`` for all).

        Each revision merged must be a head, as in Alembic.
        """
        graph = self.graph()
        parents: list[str] = []
        for identifier in revisions:
            parents.extend(graph.resolve(identifier))
        if not parents:
            raise CommandError("There is nothing to merge: the revisions named are all base.")
        for parent in parents:
            if graph.children(parent):
                raise CommandError(
                    f"Revision {parent} is not a head revision; only heads can be merged."
                )
        return self._write(
            graph,
            tuple(parents),
            message=message,
            branch_label=branch_label,
            rev_id=rev_id,
            template_args=template_args,
        )

    def _new_id(self, graph: RevisionGraph, rev_id: str | None) -> str:
        if rev_id is None:
            rev_id = new_rev_id()
            while rev_id in graph:  # one chance in 2**48; cheap to rule out
                rev_id = new_rev_id()
            return rev_id
        validate_rev_id(rev_id)
        if rev_id in graph:
            raise InvalidRevisionId(
                rev_id, f"the revision file {graph.get(rev_id).path} already has this id"
            )
        return rev_id

    def _labels(
        self, graph: RevisionGraph, rev_id: str, value: str | Sequence[str] | None
    ) -> tuple[str, ...]:
        labels = _as_tuple(value)
        for label in labels:
            rendering.validate_branch_label(label)
        if len(set(labels)) != len(labels):
            raise CommandError("The same branch label is given twice; give each label once.")
        for label in labels:
            owners = [rev.revision for rev in graph if label in rev.branch_labels]
            if label in graph:
                owners.append(label)
            if owners:
                raise DuplicateBranchLabel(label, [owners[0], rev_id])
        return labels

    def _dependencies(
        self, graph: RevisionGraph, value: str | Sequence[str] | None
    ) -> tuple[str, ...]:
        resolved: list[str] = []
        for dep in _as_tuple(value):
            target = graph.resolve_one(dep)
            if target is None:
                raise CommandError("A revision cannot depend on 'base'; name a revision.")
            # A branch label stays a label (the dependency follows the branch); anything
            # else (a prefix, 'x@head' ...) is written as the full id it names now.
            resolved.append(dep if dep in graph.get(target).branch_labels else target)
        return tuple(dict.fromkeys(resolved))

    def _version_folder(
        self,
        graph: RevisionGraph,
        parents: Sequence[str],
        version_path: str | os.PathLike[str] | None,
    ) -> Path:
        locations = self.config.versions
        if version_path is None:
            if len(locations) == 1:
                return locations[0]
            for parent in parents:
                path = graph.get(parent).path
                if path is not None:
                    # The parent's own version folder (its file may sit in a sub-folder).
                    folder = Path(path).parent.absolute()
                    for location in locations:
                        if folder == location.absolute() or location.absolute() in folder.parents:
                            return location
            raise CommandError(
                "There are several version locations; choose one with --version-path."
            )
        wanted = Path(version_path).absolute()
        for location in locations:
            if location.absolute() == wanted:
                return location
        listed = ", ".join(str(location) for location in locations)
        raise CommandError(
            f"The path {version_path} is not a version location of this folder ({listed}); "
            "add it to version_locations in alembic.ini first."
        )

    def _write(
        self,
        graph: RevisionGraph,
        parents: tuple[str, ...],
        *,
        message: str | None,
        branch_label: str | Sequence[str] | None = None,
        version_path: str | os.PathLike[str] | None = None,
        rev_id: str | None = None,
        depends_on: str | Sequence[str] | None = None,
        upgrades: str | None = None,
        downgrades: str | None = None,
        imports: Sequence[str] = (),
        template_args: Mapping[str, object] | None = None,
    ) -> Revision:
        if len(set(parents)) != len(parents):
            raise CommandError("A revision is named twice as a parent; name each one once.")
        new_id = self._new_id(graph, rev_id)
        labels = self._labels(graph, new_id, branch_label)
        deps = self._dependencies(graph, depends_on)
        folder = self._version_folder(graph, parents, version_path)
        template = self.config.template_path
        if not template.is_file():
            raise CommandError(
                f"The migrations folder has no template {template}; copy script.py.mako "
                "from a folder made by " + Run("init") + "."
            )
        text = rendering.message_text(message)
        when = create_date(self.config.timezone)
        name = revision_file_name(
            self.config.file_template, new_id, message, when, self.config.truncate_slug_length
        )
        target = folder / name
        if os.path.lexists(target):
            raise CommandError(f"The file {target} already exists; give another --rev-id.")
        header = rendering.Header(new_id, parents, labels, deps)
        names: dict[str, object] = dict(template_args or {})
        names.update(
            config=self.config,
            create_date=when,
            imports="\n".join(imports),
            upgrades=upgrades or "",
            downgrades=downgrades or "",
        )
        data = rendering.render_revision(template, names, header, text, self.config.output_encoding)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise writing.os_error("create the folder", folder, exc) from None
        lock_folders = [self.config.versions[0], folder] if self.config.versions else [folder]
        with writing.folder_lock(lock_folders):
            # Another run may have written a revision since this one read the folder.
            self._check_still_free(new_id, labels)
            created = writing.create_file(
                target, data, lambda path: scanning.read_new_file(path, data, header, template)
            )
        self.refresh()
        return dataclasses.replace(created, path=str(target))

    def _check_still_free(self, rev_id: str, labels: Sequence[str]) -> None:
        known = {rev.path for rev in self.revisions() if rev.path is not None}
        for rev in scanning.scan_added(self.config, known, self._run_file):
            if rev.revision == rev_id:
                raise InvalidRevisionId(rev_id, f"the revision file {rev.path} already has this id")
            for label in labels:
                if label in rev.branch_labels or label == rev.revision:
                    raise DuplicateBranchLabel(label, [rev.revision, rev_id])


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
