"""Options of the engine, as frozen dataclasses passed explicitly.

:class:`ScriptConfig` describes a migrations folder; :func:`read_script_config` builds it from
the folder's ``alembic.ini`` the way Alembic reads the keys that matter, so an existing
Flask-Migrate folder works as it is. :class:`RunOptions` describes one run against a database.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CommandError

DEFAULT_FILE_TEMPLATE = "%(rev)s_%(slug)s"
DEFAULT_TRUNCATE_SLUG_LENGTH = 40
DEFAULT_VERSION_TABLE = "alembic_version"
LOG_SUFFIX = "_log"
INI_NAME = "alembic.ini"


@dataclass(frozen=True)
class ScriptConfig:
    """Where the scripts live and how new ones are named.

    ``directory`` is the migrations folder; ``version_locations`` the folders holding revision
    files (by default ``<directory>/versions``); the other fields mirror the ``[alembic]``
    keys of ``alembic.ini`` with Alembic's defaults.
    """

    directory: Path
    version_locations: tuple[Path, ...] = ()
    file_template: str = DEFAULT_FILE_TEMPLATE
    truncate_slug_length: int = DEFAULT_TRUNCATE_SLUG_LENGTH
    timezone: str | None = None
    revision_environment: bool = False
    sourceless: bool = False
    recursive_version_locations: bool = False
    output_encoding: str = "utf-8"
    ini_options: Mapping[str, str] = field(default_factory=dict)

    @property
    def versions(self) -> tuple[Path, ...]:
        """The folders scanned for revision files, the default one first."""
        return self.version_locations or (self.directory / "versions",)

    @property
    def template_path(self) -> Path:
        """The Mako template new revision files are rendered from."""
        return self.directory / "script.py.mako"


def _split_locations(value: str, ini: configparser.ConfigParser) -> list[str]:
    # Newer Alembic names the key path_separator; older ones version_path_separator.
    sep = ini.get("alembic", "path_separator", fallback=None) or ini.get(
        "alembic", "version_path_separator", fallback=None
    )
    if sep is None or sep == "legacy":
        return [part for chunk in value.split(",") for part in chunk.split() if part]
    separators = {"space": " ", "newline": "\n", "colon": ":", "semicolon": ";", "os": os.pathsep}
    char = separators.get(sep, sep)
    return [part.strip() for part in value.split(char) if part.strip()]


def read_script_config(directory: str | os.PathLike[str]) -> ScriptConfig:
    """Read ``<directory>/alembic.ini`` (if present) into a :class:`ScriptConfig`.

    ``%(here)s`` expands to the folder holding the ini file, as in Alembic. Keys this engine
    does not use are kept in ``ini_options`` so that callers can still read them.
    """
    root = Path(directory)
    ini_path = root / INI_NAME
    if not ini_path.is_file():
        return ScriptConfig(directory=root)
    ini = configparser.ConfigParser(defaults={"here": str(root.resolve())})
    try:
        ini.read(ini_path, encoding="utf-8")
        if not ini.has_section("alembic"):
            return ScriptConfig(directory=root)
        section = ini["alembic"]
        options = {key: section.get(key, raw=False) or "" for key in section if key != "here"}
    except (configparser.Error, UnicodeDecodeError) as exc:
        # A '%' must be written '%%' in this file; say so rather than show a traceback.
        problem = str(exc).splitlines()[0]
        raise CommandError(
            f"Cannot read {ini_path}: {problem} (write a literal '%' as '%%')."
        ) from None
    locations: tuple[Path, ...] = ()
    raw_locations = options.get("version_locations")
    if raw_locations:
        locations = tuple(_resolve(root, part) for part in _split_locations(raw_locations, ini))
    return ScriptConfig(
        directory=root,
        version_locations=locations,
        file_template=options.get("file_template") or DEFAULT_FILE_TEMPLATE,
        truncate_slug_length=_positive_int(
            ini_path, "truncate_slug_length", options.get("truncate_slug_length")
        ),
        timezone=options.get("timezone") or None,
        revision_environment=_truthy(options.get("revision_environment")),
        sourceless=_truthy(options.get("sourceless")),
        recursive_version_locations=_truthy(options.get("recursive_version_locations")),
        output_encoding=options.get("output_encoding") or "utf-8",
        ini_options=options,
    )


def _positive_int(ini_path: Path, key: str, value: str | None) -> int:
    # As in Alembic, an empty value or 0 means the default.
    if not value:
        return DEFAULT_TRUNCATE_SLUG_LENGTH
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number == 0:
        return DEFAULT_TRUNCATE_SLUG_LENGTH
    if number < 0:
        raise CommandError(f"{key} in {ini_path} must be a positive whole number, not '{value}'.")
    return number


def _resolve(root: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else root / path


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class RunOptions:
    """Options of one run of migrations against a database.

    ``transaction_per_migration`` commits after each migration (the default, so a failure
    keeps every migration before it); when false the whole run is one transaction where the
    dialect allows it. ``x_args`` are the ``-x key=value`` arguments of the command line.
    """

    version_table: str = DEFAULT_VERSION_TABLE
    version_table_schema: str | None = None
    transaction_per_migration: bool = True
    as_sql: bool = False
    tag: str | None = None
    x_args: Mapping[str, str] = field(default_factory=dict)
    lock_timeout: float = 60.0
    #: Milliseconds a migration's statement may wait for a table lock (None: no limit).
    ddl_lock_timeout: float | None = None
    #: How many times a migration (or, on MySQL/MariaDB, its statement) is retried after that.
    ddl_lock_retries: int = 0

    #: The applied log's name (in the version table's schema); None keeps no log, and ""
    #: names it after the version table (``alembic_version_log``).
    applied_log_table: str | None = None

    @property
    def log_table_name(self) -> str | None:
        """The applied log's name, or None when no log is kept."""
        if self.applied_log_table is None:
            return None
        return self.applied_log_table or self.version_table + LOG_SUFFIX
