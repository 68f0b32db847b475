"""Compare the models' MetaData with the live database and produce the operations between.

:func:`compare_metadata` (:mod:`.metadata`) walks the schemas and tables; each kind of object
is compared by a module of its own, which returns what differs: :mod:`.columns` (with
:mod:`.types`, :mod:`.server_defaults` and :mod:`.comments`), :mod:`.keys` (primary keys,
and the order new tables are created in), :mod:`.indexes` (with unique constraints),
:mod:`.foreign_keys`, :mod:`.checks`, :mod:`.enums` (PostgreSQL enum types),
:mod:`.enum_checks` (enum values on the column), :mod:`.enum_values` (enum values renamed)
and :mod:`.tables` (whole tables).
What each database reports differently comes from its DDL implementation
(:mod:`flask_migrate_lite.engine.ddl.compare_rules`). The result is
:class:`~..directives.UpgradeOps`; its reverse is the downgrade. Messages follow Alembic's
wording, one per change.
"""

from __future__ import annotations

from .context import CompareOptions
from .metadata import Comparison, compare_metadata

__all__ = ["CompareOptions", "Comparison", "compare_metadata"]
