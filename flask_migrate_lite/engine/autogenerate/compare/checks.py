"""Check constraints, compared by name: one the database named itself cannot be told apart.

A check both sides have is compared by its condition, each side in one spelling
(:meth:`~...ddl.compare_rules.CompareRules.expression_sql`): a changed condition is written
as the old check dropped and the new one created.

The checks a type brings (a Boolean's, an Enum's) are never compared, nor those the database
adds on its own (MariaDB's ``json_valid()`` for a JSON column).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Table

from ...operations.ops import CreateCheckConstraintOp, DropConstraintOp
from ..reflect import ReflectedTable
from .context import CompareContext, parents
from .found import Found
from .naming import constraint_name, final_name, looks_user_named

__all__ = ["compare_checks"]


def compare_checks(ctx: CompareContext, table: Table, item: ReflectedTable, label: str) -> Found:
    """The named check constraints to create and drop."""
    found = Found()
    schema = item.schema
    parent_names = parents(schema, table.name)
    named: dict[str, CheckConstraint] = {}
    of_types: set[str] = set()
    for constraint in table.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        model_name = constraint_name(constraint, ctx.dialect)
        if model_name is None:
            continue  # the database names it; it cannot be told apart from others
        if getattr(constraint, "_type_bound", False):
            of_types.add(str(model_name))  # a Boolean's or an Enum's own check: never compared
        else:
            named[str(model_name)] = constraint
    theirs = {
        reflected_name: check
        for check in item.checks
        if (reflected_name := check.get("name")) and reflected_name not in of_types
    }
    for name, constraint in sorted(named.items()):
        existing_check = theirs.pop(name, None)
        if existing_check is not None and not _changed(ctx, constraint, existing_check["sqltext"]):
            continue
        if not ctx.name_ok(name, "check_constraint", parent_names):
            continue
        if existing_check is None:
            if not ctx.object_ok(constraint, name, "check_constraint", False, None):
                continue
            found.messages.append(f"Detected added check constraint '{name}' on '{label}'")
        else:
            existing = ctx.reflected_object(item, CheckConstraint, name, ())
            if not ctx.object_ok(constraint, name, "check_constraint", False, existing):
                continue
            found.messages.append(f"Detected changed check constraint '{name}' on '{label}'")
            original = CreateCheckConstraintOp(name, table.name, existing_check["sqltext"], schema)
            found.drops.append(DropConstraintOp(name, table.name, "check", schema, original))
        found.creates.append(
            CreateCheckConstraintOp(
                final_name(constraint, name, ctx.dialect),
                table.name,
                _check_sql(ctx, constraint),
                schema,
            )
        )
    column_names = {col["name"] for col in item.columns}
    for name, check in sorted(theirs.items()):
        if name in column_names or not looks_user_named(name):
            continue  # MariaDB's json_valid() checks, the database's own names
        if not ctx.name_ok(name, "check_constraint", parent_names):
            continue
        existing = ctx.reflected_object(item, CheckConstraint, name, ())
        if not ctx.object_ok(existing, name, "check_constraint", True, None):
            continue
        found.messages.append(f"Detected removed check constraint '{name}' on '{label}'")
        original = CreateCheckConstraintOp(name, table.name, check["sqltext"], schema)
        found.drops.append(DropConstraintOp(name, table.name, "check", schema, original))
    return found


def _changed(ctx: CompareContext, constraint: CheckConstraint, reflected: str) -> bool:
    """Whether the models' condition differs from the database's (both in one spelling)."""
    sql = _check_sql(ctx, constraint)
    if ctx.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%%", "%")  # escaped for the driver, not stored so
    ours = ctx.rules.expression_sql(sql)
    return ours != ctx.rules.expression_sql(str(reflected))


def _check_sql(ctx: CompareContext, constraint: CheckConstraint) -> str:
    """The condition as the database's DDL writes it (columns without their table)."""
    dialect = ctx.dialect
    compiler = dialect.statement_compiler(dialect, None)
    return str(compiler.process(constraint.sqltext, include_table=False, literal_binds=True))
