"""The errors the engine raises.

Every error a user can cause is a :class:`MigrateError`. Each carries structured fields (the
revision, the candidates, the path ...) and a message that is one sentence naming the thing
and the fix, so that the command line can print it as it is. A command the message advises
running is kept in it as data (a :class:`~.advice.Run`): ``str(error)`` names it in the
engine's terms, and a command line writes it the way its program is typed
(:meth:`MigrateError.show_advice_as`).

Errors that say the command itself was called wrongly, whatever the migrations folder and the
database hold (options that cannot go together, a range where one revision is needed, a
revision id of a form that is not allowed), are :class:`UsageError` subclasses: the command
line exits with status 2 for them, as for the options click rejects itself, and with status 1
for every other error.
"""

from __future__ import annotations

from collections.abc import Sequence

from .advice import Renderer, Run, Text, engine_terms


class MigrateError(Exception):
    """Base class of every error a user can cause.

    ``message`` is the one sentence the command line prints after ``Error:``; it exits with
    status 1, or 2 for a :class:`UsageError`. ``text`` holds it with its ``advice`` as data.
    """

    def __init__(self, message: str | Text) -> None:
        super().__init__(str(message))
        self.text = Text(message)
        self.shown_as: Renderer = engine_terms

    @property
    def advice(self) -> tuple[Run, ...]:
        """The commands the message advises running."""
        return self.text.advice

    @property
    def message(self) -> str:
        """The sentence, its advice written as :meth:`show_advice_as` was told."""
        return self.text.render(self.shown_as)

    def show_advice_as(self, show: Renderer) -> None:
        """Write the advice with ``show`` from now on, in ``str(error)`` too."""
        self.shown_as = show

    def __str__(self) -> str:
        return self.message


class CommandError(MigrateError):
    """A command cannot do what was asked (a generic, message-only error)."""


class OptionError(MigrateError):
    """An option given to ``Migrate(...)``/``init_app(...)``, or set by a configure callback,
    is misspelt, not implemented by this engine, or of the wrong type.

    ``problems`` holds, for each, what was given and what to do; ``names`` the options.
    """

    def __init__(
        self, head: str, problems: Sequence[tuple[str, str]], names: Sequence[str]
    ) -> None:
        if len(problems) == 1:
            given, fix = problems[0]
            end = "" if fix.endswith("?") else "."
            message = f"{head} {given}; {fix}{end}"
        else:
            parts = [f"{given} ({fix})" for given, fix in problems]
            message = f"{head} {', '.join(parts[:-1])} and {parts[-1]}."
        super().__init__(message)
        self.names = tuple(names)
        self.problems = tuple(problems)


class UsageError(CommandError):
    """The command was called wrongly: options that cannot go together, a value missing or
    of a form the command does not take. Found from the arguments alone, before the folder
    or the database is consulted; the command line exits with status 2.
    """


# --- the migrations folder and its scripts ---------------------------------------------


class NoMigrationsFolder(MigrateError):
    """The migrations folder does not exist or is not a migrations folder."""

    def __init__(self, directory: str) -> None:
        super().__init__(
            f"No migrations folder at '{directory}'; run "
            + Run("init")
            + " to create one, or pass its location with --directory."
        )
        self.directory = directory


class FolderNotEmpty(MigrateError):
    """``init`` was asked to write into a folder that already has files."""

    def __init__(self, directory: str) -> None:
        super().__init__(
            f"The folder '{directory}' already exists and is not empty; "
            "choose another --directory or remove it first."
        )
        self.directory = directory


class UnknownTemplate(MigrateError):
    """``init -t NAME`` named a template that does not exist."""

    def __init__(self, name: str, available: Sequence[str]) -> None:
        names = ", ".join(available) or "none"
        super().__init__(
            f"No template named '{name}' (available: {names}); run "
            + Run("list-templates")
            + " or pass a path to a template folder."
        )
        self.name = name
        self.available = tuple(available)


class ScriptError(MigrateError):
    """A revision file cannot be read: a syntax error or a malformed header."""

    def __init__(self, path: str, problem: str | Text, lineno: int | None = None) -> None:
        where = f"{path}, line {lineno}" if lineno is not None else path
        super().__init__(
            f"Cannot read the revision file {where}: " + problem + "; fix or remove it."
        )
        self.path = path
        self.lineno = lineno
        self.problem = str(problem)
        self.problem_text = Text(problem)


class RevisionNotLoadable(ScriptError):
    """A revision file a command needs does not load (a syntax error, an exception at module
    level, no ``upgrade()``/``downgrade()``), found before anything ran.

    ``outcome`` says what that means for the command (nothing applied, no SQL written ...).
    """

    def __init__(self, error: ScriptError, outcome: str, revision: str | None = None) -> None:
        super().__init__(error.path, error.problem_text, error.lineno)
        where = f"{error.path}, line {error.lineno}" if error.lineno is not None else error.path
        self.text = (
            f"Cannot load the revision file {where}: " + error.problem_text + f"; {outcome}."
        )
        self.args = (str(self.text),)
        self.outcome = outcome
        self.revision = revision


class InvalidRevisionId(MigrateError):
    """A revision id given with ``--rev-id`` is not usable (its form, or a file has it)."""

    def __init__(self, rev_id: str, reason: str) -> None:
        # The reason may already say what to do ("...; use only letters ...").
        fix = "" if ";" in reason else "; give another --rev-id, or none for a random id"
        super().__init__(f"Invalid revision id '{shown(rev_id)}': {reason}{fix}.")
        self.rev_id = rev_id
        self.reason = reason


class MalformedRevisionId(InvalidRevisionId, UsageError):
    """A revision id given with ``--rev-id`` has a form that is not allowed (exit status 2)."""


class InvalidBranchLabel(UsageError):
    """A branch label given with ``--branch-label`` has a form that is not allowed."""

    def __init__(self, label: str, reason: str) -> None:
        super().__init__(f"Invalid branch label '{shown(label)}': {reason}.")
        self.label = label
        self.reason = reason


class InvalidMessage(MigrateError):
    """A revision message (``-m``) that cannot be written into a revision file as text by
    the folder's template."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The revision message cannot be used because {reason}.")
        self.reason = reason


class MalformedMessage(InvalidMessage, UsageError):
    """A revision message (``-m``) that is not text at all (exit status 2)."""


class TemplateError(CommandError):
    """The folder's ``script.py.mako`` does not render a usable revision file."""

    def __init__(self, template: str, problem: str, fix: str | Text) -> None:
        super().__init__(f"The template {template} {problem}; " + fix + ".")
        self.template = template
        self.problem = problem


class FileSystemError(MigrateError):
    """A file or folder cannot be written; whatever was started is undone."""

    def __init__(self, action: str, path: str, reason: str, fix: str) -> None:
        super().__init__(f"Cannot {action} {path}: {reason}; {fix}.")
        self.action = action
        self.path = path
        self.reason = reason


def shown(text: str) -> str:
    """``text`` with control characters, line separators and invalid code points escaped,
    so that an error quoting what a user typed stays one printable line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


# --- the revision graph ------------------------------------------------------------------


class RevisionError(MigrateError):
    """Base class of errors about revisions and the graph they form."""


class UnknownRevision(RevisionError):
    """No revision, prefix or branch label matches the identifier."""

    def __init__(self, identifier: str, hint: str | Text | None = None) -> None:
        fix = hint or "run " + Run("history") + " to see the known revisions"
        super().__init__(f"No revision matches '{identifier}'; " + fix + ".")
        self.identifier = identifier


class UnknownDatabaseRevision(UnknownRevision):
    """The version table names a revision that no revision file has."""

    def __init__(self, url: str, unknown: Sequence[str], directory: str) -> None:
        ids = ", ".join(unknown)
        self.identifier = ids
        RevisionError.__init__(
            self,
            f"The database {url} is at revision {ids}, which no file in {directory} has; "
            "restore that revision file (another branch or checkout may have it), or set the "
            "database's revision with " + Run("stamp", ("--purge", "<revision>")) + ".",
        )
        self.url = url
        self.unknown = tuple(unknown)


class AmbiguousRevision(RevisionError):
    """A prefix matches more than one revision."""

    def __init__(self, identifier: str, candidates: Sequence[str]) -> None:
        listed = ", ".join(sorted(candidates))
        super().__init__(
            f"The prefix '{identifier}' matches several revisions ({listed}); "
            "type more characters of the one you mean."
        )
        self.identifier = identifier
        self.candidates = tuple(sorted(candidates))


class MultipleHeads(RevisionError):
    """A single revision was needed but the identifier names several heads."""

    def __init__(self, identifier: str, heads: Sequence[str]) -> None:
        listed = ", ".join(heads)
        super().__init__(
            f"'{identifier}' is ambiguous because there are several heads ({listed}); "
            "name one of them, use 'heads' to act on all of them, "
            "or run " + Run("merge") + " to join them."
        )
        self.identifier = identifier
        self.heads = tuple(heads)


class RelativeOutOfRange(RevisionError):
    """A relative step (``+N``, ``-N``, ``rev+N``) goes past base or past a head."""

    def __init__(self, identifier: str, direction: str) -> None:
        past = "base" if direction == "down" else "the head"
        super().__init__(
            f"'{identifier}' goes past {past}; use a smaller step "
            "or " + Run("history") + " to count the revisions."
        )
        self.identifier = identifier
        self.direction = direction


class DuplicateRevision(RevisionError):
    """Two revision files declare the same revision id."""

    def __init__(self, revision: str, paths: Sequence[str]) -> None:
        super().__init__(
            f"Revision '{revision}' is declared by more than one file "
            f"({', '.join(paths)}); give one of them a new id."
        )
        self.revision = revision
        self.paths = tuple(paths)


class DuplicateBranchLabel(RevisionError):
    """Two revisions carry the same branch label."""

    def __init__(self, label: str, revisions: Sequence[str]) -> None:
        super().__init__(
            f"The branch label '{label}' is used by more than one revision "
            f"({', '.join(revisions)}); labels must be unique, so choose another one."
        )
        self.label = label
        self.revisions = tuple(revisions)


class MissingParent(RevisionError):
    """A revision names a parent (down_revision or depends_on) that does not exist."""

    def __init__(self, revision: str, missing: str, path: str | None = None) -> None:
        where = f" (in {path})" if path else ""
        super().__init__(
            f"Revision '{revision}'{where} refers to '{missing}', which does not exist; "
            "restore that file or correct the reference."
        )
        self.revision = revision
        self.missing = missing
        self.path = path


class CycleDetected(RevisionError):
    """The revisions' parent links form a cycle."""

    def __init__(self, revisions: Sequence[str]) -> None:
        super().__init__(
            f"The revisions {', '.join(revisions)} form a cycle; "
            "correct their down_revision so that the history has a beginning."
        )
        self.revisions = tuple(revisions)


class RangeNotAllowed(RevisionError, UsageError):
    """A range ``a:b`` was given where a single target is needed, or a range is malformed."""

    def __init__(self, identifier: str, context: str | Text) -> None:
        super().__init__(f"'{identifier}': " + context + ".")
        self.identifier = identifier


class TargetIsNotAncestor(RevisionError):
    """The target of a downgrade/upgrade lies in the wrong direction."""

    def __init__(self, target: str, direction: str, current: Sequence[str]) -> None:
        now = ", ".join(current) or "base"
        if direction == "upgrade":
            where = f"it is below the current revision ({now}), which already includes it"
            fix = "to go back to it, run " + Run("downgrade", (target,))
        else:
            where = f"it is not below the current revision ({now})"
            fix = "to go up to it, run " + Run("upgrade", (target,))
        super().__init__(f"Cannot {direction} to '{target}': {where}; " + fix + ".")
        self.target = target
        self.direction = direction
        self.current = tuple(current)


# --- the database ------------------------------------------------------------------------


class DatabaseUnavailable(MigrateError):
    """The database cannot be reached or refuses the connection."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"Cannot connect to the database {url}: {reason}; {_connection_fix(reason)}."
        )
        self.url = url
        self.reason = reason


def _connection_fix(reason: str) -> str:
    """What to do about a connection failure, from the driver's reason."""
    lowered = reason.lower()
    if "does not exist" in lowered and "database" in lowered or "unknown database" in lowered:
        return "create that database, or fix the name in SQLALCHEMY_DATABASE_URI"
    if any(
        word in lowered
        for word in ("password", "access denied", "authentication", "role", "not permitted")
    ):
        return "check the user name and password in SQLALCHEMY_DATABASE_URI"
    if "unable to open database file" in lowered:
        return "check that the folder of the SQLite file exists and is writable"
    if "driver" in lowered or "no module named" in lowered:
        return "install the driver named in SQLALCHEMY_DATABASE_URI"
    return "check SQLALCHEMY_DATABASE_URI and that the server is running"


class MigrationFailed(MigrateError):
    """A migration script raised; the database was left as described by ``state``."""

    def __init__(self, revision: str, direction: str, cause: str | Text, state: str) -> None:
        super().__init__(f"The {direction} of revision {revision} failed: " + cause + f"; {state}")
        self.revision = revision
        self.direction = direction
        self.cause = str(cause)
        self.state = state


class TargetNotUpToDate(MigrateError):
    """The database is not at the head revisions (``migrate``, ``check`` need it there;
    ``current --check-heads`` tests it).

    ``pending`` lists the revisions an upgrade would apply, oldest first; ``database`` names
    the database in a multi-database project.
    """

    _LISTED = 5

    def __init__(
        self,
        pending: Sequence[str] = (),
        current: Sequence[str] = (),
        heads: Sequence[str] = (),
        database: str | None = None,
    ) -> None:
        where = f" on {database}" if database else ""
        count = len(pending)
        detail: str | Text = ""
        if count == 1:
            detail = (
                f"revision {pending[0]} is pending{where}; run " + Run("upgrade") + " to apply it"
            )
        elif count:
            shown = ", ".join(pending[: self._LISTED])
            if count > self._LISTED:
                shown += f" and {count - self._LISTED} more"
            detail = (
                f"{count} revisions are pending{where} ({shown}); "
                "run " + Run("upgrade") + " to apply them"
            )
        elif heads or current:
            detail = (
                f"the version table{where} holds {', '.join(current) or 'nothing'} rather than "
                f"the head revisions {', '.join(heads) or 'base'}; if it was edited by hand, "
                "set it with " + Run("stamp", ("--purge", "heads"))
            )
        super().__init__(
            "Target database is not up to date: " + detail + "."
            if detail
            else "Target database is not up to date."
        )
        self.pending = tuple(pending)
        self.current = tuple(current)
        self.heads = tuple(heads)
        self.database = database


class LockTimeout(MigrateError):
    """Another process holds the migration lock for longer than allowed."""

    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(
            f"Could not take the migration lock on {url} within {seconds:g} "
            f"second{'' if seconds == 1 else 's'} because "
            "another process is migrating it; wait and retry, or raise MIGRATE_LOCK_TIMEOUT."
        )
        self.url = url
        self.seconds = seconds


class DatabaseFault(MigrateError):
    """The database stopped serving a run: its connection dropped, or SQLite would not write.

    ``doing`` is what the run was doing (``"running upgrade a1 -> b2 \\"add users\\""``),
    ``state`` what it left behind, both as they appear in the message.
    """

    def __init__(self, message: str | Text, url: str, doing: str, state: str) -> None:
        super().__init__(message)
        self.url = url
        self.doing = doing
        self.state = state


class ConnectionLost(DatabaseFault):
    """The connection dropped (server restart, ``pg_terminate_backend``, ``KILL``) in a run."""

    def __init__(self, url: str, doing: str, reason: str, state: str, fix: str | Text) -> None:
        super().__init__(
            f"Lost the connection to the database {url} while {doing} ({reason}); {state}; "
            + fix
            + ".",
            url,
            doing,
            state,
        )
        self.reason = reason


class DatabaseReadOnly(DatabaseFault):
    """SQLite cannot write the database file or create its journal next to it."""

    def __init__(self, url: str, doing: str, reason: str, state: str, fix: str | Text) -> None:
        super().__init__(
            f"Cannot write to the SQLite database {url} while {doing} because {reason}; "
            f"{state}; " + fix + ".",
            url,
            doing,
            state,
        )
        self.reason = reason


class DatabaseLocked(DatabaseFault):
    """Another connection kept a SQLite database locked (a reader at ``COMMIT``) too long."""

    def __init__(self, url: str, doing: str, seconds: float, state: str, fix: str | Text) -> None:
        super().__init__(
            f"Could not write to the SQLite database {url} while {doing} because another "
            f"connection kept reading it for more than {seconds:g} "
            f"second{'' if seconds == 1 else 's'} (database is locked); {state}; " + fix + ".",
            url,
            doing,
            state,
        )
        self.seconds = seconds


class VersionTableError(MigrateError):
    """The version table does not hold what a step expected (changed by someone else)."""


class OperationOutsideMigration(MigrateError):
    """``op`` was used while no migration is running."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"'op.{name}' can only be called from a migration's upgrade() or downgrade() "
            "while " + Run("upgrade") + " or 'downgrade' runs it."
        )
        self.name = name


# --- operations ----------------------------------------------------------------------------


class IrreversibleOperation(MigrateError):
    """An operation cannot be reversed from what it records (for a generated downgrade)."""

    def __init__(self, operation: str, reason: str) -> None:
        super().__init__(f"Cannot reverse {operation}: {reason}; write the downgrade step by hand.")
        self.operation = operation
        self.reason = reason


class UnsupportedOperation(MigrateError):
    """The database cannot perform an operation the way it was asked."""

    def __init__(self, dialect: str, operation: str, fix: str) -> None:
        super().__init__(f"{dialect} cannot {operation}; {fix}.")
        self.dialect = dialect
        self.operation = operation
        self.fix = fix


# --- the revision graph (continued) ---------------------------------------------------------


class AmbiguousStep(RevisionError):
    """A relative step (``+N``, ``-N``) reaches a branch point or a merge point."""

    def __init__(self, identifier: str, at: str, choices: Sequence[str]) -> None:
        super().__init__(
            f"'{identifier}' is ambiguous at revision {at}, which leads to several revisions "
            f"({', '.join(choices)}); name the branch ('label@+N') or the revision to go to."
        )
        self.identifier = identifier
        self.at = at
        self.choices = tuple(choices)


class RangeNotAncestor(RevisionError):
    """A range ``lower:upper`` whose lower end is not an ancestor of its upper end."""

    def __init__(self, lower: str, upper: str) -> None:
        super().__init__(
            f"The range '{lower}:{upper}' is empty because '{lower}' is not an ancestor of "
            f"'{upper}'; swap the two ends or check " + Run("history") + "."
        )
        self.lower = lower
        self.upper = upper
