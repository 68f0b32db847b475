"""The migrations folder: its revisions, and the writing of new revision files.

:class:`ScriptDirectory` reads a folder laid out the way Alembic and Flask-Migrate lay it out
(``alembic.ini``, ``script.py.mako``, ``versions/``) and writes new revision files in the
same format: the same ids, file names, header and Mako template, so the folder stays usable
by either tool.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import types
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
from .naming import (
    MAX_REV_ID_LENGTH,
    create_date,
    new_rev_id,
    revision_file_name,
    slugify,
    validate_rev_id,
)
from .squashes import SquashView, squash_view

__all__ = [
    "MAX_REV_ID_LENGTH",
    "ScriptDirectory",
    "create_date",
    "new_rev_id",
    "revision_file_name",
    "slugify",
    "validate_rev_id",
]


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
        self._views: dict[frozenset[str], tuple[SquashView, RevisionGraph]] = {}
        self._by_id: dict[str, Revision] | None = None
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
        self._views.clear()
        self._by_id = None
        self._modules.clear()

    def revisions(self) -> list[Revision]:
        """Every revision, in file order, read from the headers without running anything."""
        if self._revisions is None:
            self._revisions = scanning.scan(self.config, self._run_file)
        return self._revisions

    def graph(self) -> RevisionGraph:
        """The validated graph of the folder's revisions (built once, then kept), as a
        database without version rows sees it: each squash revision stands for the
        revisions it replaces (see :mod:`.squashes`)."""
        if self._graph is None:
            self._graph = self.view(())[1]
        return self._graph

    def view(self, current: Sequence[str]) -> tuple[SquashView, RevisionGraph]:
        """The graph as a database at ``current`` sees it, and the view it is built from
        (``view.translate(current)`` reads the rows as ids of that graph)."""
        view = squash_view(self.revisions(), current)
        key = frozenset(view.replaced)
        cached = self._views.get(key)
        if (
            cached is not None
            and cached[0].aliases == view.aliases
            and cached[0].equivalent == view.equivalent
        ):
            return cached
        # Thousands of small objects without reference cycles: the cyclic collector
        # would only walk them over and over while they are made.
        with _collector_paused():
            graph = RevisionGraph(view.revisions, view.replaced, view.equivalent)
        self._views[key] = (view, graph)
        return view, graph

    def graph_for(self, current: Sequence[str]) -> tuple[RevisionGraph, tuple[str, ...]]:
        """The graph for a database at ``current`` and its rows as ids of that graph."""
        view, graph = self.view(current)
        return graph, view.translate(current)

    def revision(self, rev_id: str) -> Revision:
        """The revision with the full id ``rev_id`` (:class:`UnknownRevision` if none),
        replaced revisions included (as their files declare them)."""
        if self._by_id is None:
            self._by_id = {rev.revision: rev for rev in self.revisions()}
        found = self._by_id.get(rev_id)
        return found if found is not None else self.graph().get(rev_id)

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
        replaces: Sequence[str] = (),
    ) -> Revision:
        """Write a new revision file on top of ``head`` and return its revision.

        ``head`` is any identifier (``head``, ``base``, ``label@head``, an id ...); each
        revision it names must be a head unless ``splice`` is given, and ``head`` with
        several heads is refused (:class:`MultipleHeads`): name one, or merge first.
        ``base`` starts a new, independent branch (give it a ``branch_label``).
        ``depends_on`` entries are stored as full ids, or as written when they are branch
        labels. ``template_args`` are extra names for ``script.py.mako``. ``replaces`` makes
        the new revision a squash revision (a ``replaces`` tuple after ``depends_on``).
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
            replaces=replaces,
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

    def generate_squash(
        self,
        *,
        parents: tuple[str, ...],
        replaces: Sequence[str],
        message: str | None,
        branch_label: Sequence[str] = (),
        rev_id: str | None = None,
        depends_on: Sequence[str] = (),
        upgrades: str | None = None,
        downgrades: str | None = None,
        imports: Sequence[str] = (),
        template_args: Mapping[str, object] | None = None,
    ) -> Revision:
        """Write a squash revision standing for ``replaces`` (a straight run of revisions,
        oldest first), on ``parents`` (the first replaced revision's ``down_revision``);
        it takes over their branch labels."""
        return self._write(
            self.graph(),
            parents,
            message=message,
            branch_label=branch_label,
            rev_id=rev_id,
            depends_on=depends_on,
            upgrades=upgrades,
            downgrades=downgrades,
            imports=imports,
            template_args=template_args,
            replaces=replaces,
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
        self,
        graph: RevisionGraph,
        rev_id: str,
        value: str | Sequence[str] | None,
        replaces: Sequence[str] = (),
    ) -> tuple[str, ...]:
        labels = _as_tuple(value)
        for label in labels:
            rendering.validate_branch_label(label)
        if len(set(labels)) != len(labels):
            raise CommandError("The same branch label is given twice; give each label once.")
        for label in labels:
            owners = [
                rev.revision
                for rev in graph
                if label in rev.branch_labels and rev.revision not in replaces
            ]
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
        replaces: Sequence[str] = (),
    ) -> Revision:
        if len(set(parents)) != len(parents):
            raise CommandError("A revision is named twice as a parent; name each one once.")
        new_id = self._new_id(graph, rev_id)
        labels = self._labels(graph, new_id, branch_label, replaces)
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
        if replaces:
            data = rendering.with_replaces(data, tuple(replaces))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise writing.os_error("create the folder", folder, exc) from None
        lock_folders = [self.config.versions[0], folder] if self.config.versions else [folder]
        with writing.folder_lock(lock_folders):
            # Another run may have written a revision since this one read the folder.
            self._check_still_free(new_id, labels if not replaces else ())
            created = writing.create_file(
                target,
                data,
                lambda path: scanning.read_new_file(path, data, header, template, replaces),
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
