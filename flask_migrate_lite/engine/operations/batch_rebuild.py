"""The move and copy: the table rebuilt from its model, rows and all.

:func:`rebuild_table` emits the "move and copy" SQLite needs for most changes, for a
:class:`~.batch_model.TableModel`: ``CREATE TABLE _alembic_tmp_<name>``,
``INSERT ... SELECT`` (a column whose type changes is converted as the implementation's
``copy_value`` says, once its ``check_copy`` found every stored value convertible),
``DROP TABLE``, ``ALTER TABLE ... RENAME TO`` and the indexes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import MetaData, Table, select, text
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.schema import SchemaItem
from sqlalchemy.sql.elements import ClauseElement, TextClause

from ..ddl.base import DefaultImpl
from ..ddl.offline import script_dialect
from .batch_model import TableModel

__all__ = ["TEMP_PREFIX", "rebuild_table"]

#: The temporary table is named like Alembic's, so a half-finished rebuild is recognisable.
TEMP_PREFIX = "_alembic_tmp_"


def _one_line(impl: DefaultImpl, statement: ClauseElement) -> TextClause:
    # SQLAlchemy breaks INSERT ... SELECT before FROM; one line reads better in a script.
    # The statement has no parameters, so colons in names are escaped rather than bound; it
    # is compiled without doubling '%' (as for a script), since text() doubles it for the
    # driver once when the statement runs.
    # Values in conversions (``date(c) || ' 00:00:00.000000'``) are written as literals.
    compiled = str(
        statement.compile(
            dialect=script_dialect(impl.dialect), compile_kwargs={"literal_binds": True}
        )
    )
    return text(re.sub(r"\s*\n\s*", " ", compiled).strip().replace(":", "\\:"))


def rebuild_table(
    impl: DefaultImpl,
    model: TableModel,
    *,
    partial_reordering: Sequence[Sequence[str]] | None = None,
    table_args: Sequence[SchemaItem] = (),
    table_kwargs: Mapping[str, Any] | None = None,
) -> Table:
    """Emit the move and copy of ``model``'s table; returns the new table (temp name)."""
    order = model.column_order(partial_reordering)
    temp_name = TEMP_PREFIX + model.name
    transfers = [(n, model.columns[n]) for n in order if model.columns[n].source is not None]
    old = sql_table(
        model.name, *[sql_column(s.source or "") for _, s in transfers], schema=model.schema
    )
    values: list[Any] = []
    for _, spec in transfers:
        value: Any = old.c[spec.source or ""]
        if spec.source_type is not None:
            copied = impl.copy_value(value, spec.source_type, spec.column.type)
            # Before anything changes: values the new type could not read stop it.
            impl.check_copy(
                model.name, spec.source or "", value, copied, spec.source_type, spec.column.type
            )
            value = copied
        values.append(value)
    new_table = model.build_table(temp_name, MetaData(), order, table_args, table_kwargs)
    impl.create_table(new_table)
    if transfers:
        target = sql_table(temp_name, *[sql_column(n) for n, _ in transfers], schema=model.schema)
        statement = target.insert().from_select([n for n, _ in transfers], select(*values))
        impl.execute(_one_line(impl, statement))
    impl.drop_table(Table(model.name, MetaData(), schema=model.schema))
    impl.rename_table(temp_name, model.name, schema=model.schema)
    indexes, raw = model.build_indexes()
    for index in indexes:
        impl.create_index(index)
    for sql in raw:
        impl.execute(sql)
    return new_table
