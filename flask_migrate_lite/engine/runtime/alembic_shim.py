"""What ``alembic``, ``alembic.op`` and ``alembic.context`` mean inside a revision file.

Revision files written by Flask-Migrate start with ``from alembic import op``. When the
engine runs such a file (:func:`.modules.load_module`), that file's imports of ``alembic``
come here instead, whether or not Alembic is installed, and so do those of the helper
modules it imports from the migrations folder: ``op`` is this engine's
:data:`~flask_migrate_lite.engine.operations.api.op` and ``context`` a small stand-in for
the calls a revision file may make on Alembic's ``context`` while it runs. Nothing is added
to ``sys.modules``: other code importing ``alembic`` gets the real one.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any

from ..operations.api import op

__all__ = ["alembic", "context", "import_name", "op"]


class _Context(types.ModuleType):
    """The parts of ``alembic.context`` that make sense inside ``upgrade()``/``downgrade()``."""

    def get_context(self) -> Any:
        """The running migration (what ``op.get_context()`` returns)."""
        return op.get_context()

    def get_bind(self) -> Any:
        """The connection of the running migration."""
        return op.get_bind()

    def is_offline_mode(self) -> bool:
        """True while SQL is written to a script (``--sql``) instead of run."""
        return bool(op.get_context().impl.as_sql)

    def get_x_argument(self, as_dictionary: bool = False) -> Any:
        """The ``-x`` options: ``['key=value', ...]``, or a dict with ``as_dictionary``."""
        x_args = dict(op.get_context().x_args)
        if as_dictionary:
            return x_args
        return [f"{key}={value}" for key, value in x_args.items()]

    def get_tag_argument(self) -> str | None:
        """The ``--tag`` argument of the command line."""
        return getattr(op.get_context(), "tag", None)

    def get_revision_argument(self) -> Any:
        """Not known inside a migration; ``None`` (Alembic gives the command's target)."""
        return None

    def execute(self, sql: Any, execution_options: Any = None) -> None:
        """Run ``sql`` in the migration (as ``op.execute``)."""
        op.execute(sql, execution_options=execution_options)


context = _Context("alembic.context")
context.__doc__ = "Stand-in for alembic.context inside revision files run by flask-migrate-lite."

alembic = types.ModuleType("alembic")
alembic.__doc__ = "Stand-in for alembic inside revision files run by flask-migrate-lite."
alembic.op = op  # type: ignore[attr-defined]
alembic.context = context  # type: ignore[attr-defined]

_SUBMODULES: dict[str, object] = {"alembic.op": op, "alembic.context": context}


def import_name(name: str, fromlist: Sequence[str] | None) -> object:
    """What ``__import__(name, fromlist=fromlist)`` returns for an ``alembic`` name.

    As with real packages, ``import alembic.op`` gets the top-level ``alembic`` (the name it
    binds) while ``from alembic.op import x`` gets ``alembic.op`` itself.
    """
    if name == "alembic":
        return alembic
    if name not in _SUBMODULES:
        raise ModuleNotFoundError(
            f"No module named '{name}': revision files run by flask-migrate-lite can import "
            "only alembic, alembic.op and alembic.context",
            name=name,
        )
    return _SUBMODULES[name] if fromlist else alembic
