"""The configuration object ``@migrate.configure`` callbacks receive: :class:`MigrateConfig`.

It offers the methods Flask-Migrate users call on Alembic's ``Config`` in those callbacks
(``set_main_option``, ``get_main_option``, ``attributes``, ``cmd_opts``), so their code keeps
working. What a callback leaves in it reaches the run two ways: the ``[alembic]`` overrides
become the folder's :class:`~.engine.config.ScriptConfig` (:meth:`MigrateConfig.script_config`),
and the options left in ``configure_args`` (checked after each callback) become the run's
:class:`~.options.MigrateOptions` (see :func:`~.appstate.app_state`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .engine.config import INI_NAME, ScriptConfig, read_script_config

__all__ = ["MigrateConfig", "parse_x_args"]


def parse_x_args(values: tuple[str, ...] | list[str] | None) -> dict[str, str]:
    """Turn ``-x key=value`` arguments into a dict; a bare ``-x key`` maps to ``""``."""
    result: dict[str, str] = {}
    for item in values or ():
        key, _, value = item.partition("=")
        result[key.strip()] = value
    return result


class MigrateConfig:
    """Settings of one command run, adjustable by ``@migrate.configure`` callbacks.

    :meth:`get_main_option` reads the ``[alembic]`` keys of ``alembic.ini`` and
    :meth:`set_main_option` changes them for the run; ``attributes`` is a free dict shared
    with the run; ``cmd_opts.x`` lists the raw ``-x`` arguments.
    """

    def __init__(
        self,
        directory: str,
        *,
        x_args: tuple[str, ...] | list[str] | None = None,
        configure_args: Mapping[str, Any] | None = None,
    ) -> None:
        self.directory = directory
        self.config_file_name = os.path.join(directory, INI_NAME)
        self.cmd_opts = SimpleNamespace(x=list(x_args or ()), directory=directory)
        self.attributes: dict[str, Any] = {}
        self.configure_args: dict[str, Any] = dict(configure_args or {})
        self._overrides: dict[tuple[str, str], str] = {}
        self._script_config: ScriptConfig | None = None

    # --- Alembic-compatible accessors ----------------------------------------------------

    def set_main_option(self, name: str, value: str) -> None:
        """Override a key of the ``[alembic]`` section for this run.

        As in ``alembic.ini`` (and Alembic's own ``set_main_option``), a literal ``%`` is
        written ``%%``: ``set_main_option("file_template", "%%(rev)s_%%(slug)s")``.
        """
        self.set_section_option("alembic", name, value)

    def get_main_option(self, name: str, default: str | None = None) -> str | None:
        """Read a key of the ``[alembic]`` section (overrides first, then the file)."""
        return self.get_section_option("alembic", name, default)

    def set_section_option(self, section: str, name: str, value: str) -> None:
        """Override a key of any section of ``alembic.ini`` for this run (``%%`` is ``%``)."""
        self._overrides[(section, name)] = value.replace("%%", "%")
        self._script_config = None

    def get_section_option(self, section: str, name: str, default: str | None = None) -> str | None:
        """Read a key of a section of ``alembic.ini``."""
        if (section, name) in self._overrides:
            return self._overrides[(section, name)]
        if section == "alembic":
            if name == "script_location":
                return self.directory
            return self.script_config().ini_options.get(name, default)
        return default

    @property
    def x_args(self) -> dict[str, str]:
        """The ``-x key=value`` arguments as a dict."""
        return parse_x_args(self.cmd_opts.x)

    # --- engine options --------------------------------------------------------------------

    def script_config(self) -> ScriptConfig:
        """The folder's settings: ``alembic.ini`` with this run's overrides applied."""
        if self._script_config is None:
            base = read_script_config(self.directory)
            self._script_config = _apply_overrides(base, self._main_overrides())
        return self._script_config

    def _main_overrides(self) -> dict[str, str]:
        return {
            name: value
            for (section, name), value in self._overrides.items()
            if section == "alembic"
        }


def _apply_overrides(base: ScriptConfig, overrides: Mapping[str, str]) -> ScriptConfig:
    if not overrides:
        return base
    options = dict(base.ini_options)
    options.update(overrides)
    changes: dict[str, Any] = {"ini_options": options}
    if "file_template" in overrides:
        changes["file_template"] = overrides["file_template"]
    if "truncate_slug_length" in overrides:
        changes["truncate_slug_length"] = int(overrides["truncate_slug_length"])
    if "timezone" in overrides:
        changes["timezone"] = overrides["timezone"] or None
    if "revision_environment" in overrides:
        changes["revision_environment"] = overrides["revision_environment"].lower() in {
            "1",
            "true",
            "yes",
            "on",
        }
    if "version_locations" in overrides:
        changes["version_locations"] = tuple(
            Path(part) if Path(part).is_absolute() else base.directory / part
            for part in overrides["version_locations"].replace(",", " ").split()
        )
    return dataclasses.replace(base, **changes)
