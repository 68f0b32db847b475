"""What a database reports back about the schema it holds, and which differences are none.

Autogenerate compares the models with what the database's catalog says. Databases differ in
what they report: MySQL adds an index for each foreign key and treats RESTRICT as its default
rule, SQLite keeps constraints unnamed, PostgreSQL keeps enum types apart from tables and adds
casts to defaults, and each spells types its own way. :class:`CompareRules` holds the
standard-SQL answers; :class:`~.base.DefaultImpl` inherits them and each dialect's
implementation overrides what its database does differently, so that a new dialect states its
rules next to its DDL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import ClassVar

from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import ReflectedForeignKeyConstraint, ReflectedIndex

from .sql_expressions import spelling

__all__ = ["CompareRules", "outside_literals", "without_parentheses"]

_SPACES = re.compile(r"\s+")
# A compiled type: its name, then optional "(arguments)", then optional words after them.
_SHAPE = re.compile(r"^(?P<name>[^(]+)\s*(\((?P<args>[^)]*)\))?\s*(?P<rest>[^()]*)$")
# Words after a type's name that modify it rather than name it.
_MODIFIERS = (
    " UNSIGNED ZEROFILL",
    " UNSIGNED",
    " ZEROFILL",
    " WITH TIME ZONE",
    " WITHOUT TIME ZONE",
)
_LITERAL = re.compile(r"'(?:[^']|'')*'")

#: A type's name, its arguments and the words after them, as :meth:`CompareRules.type_parts`
#: takes and returns them.
TypeParts = tuple[str, list[str], str]


class CompareRules:
    """The standard-SQL answers of a database's catalog; dialects override what differs."""

    dialect: Dialect

    #: Schemas holding the database's own catalog: never compared, even with
    #: ``include_schemas``.
    system_schemas: ClassVar[frozenset[str]] = frozenset({"information_schema"})
    #: Schemas whose name starts with this are the database's own too.
    system_schema_prefix: ClassVar[str | None] = None
    #: Enum types are schema objects of their own, created and given values apart from the
    #: columns that use them (a column's enum type is compared by name only).
    named_enum_types: ClassVar[bool] = False
    #: Every text type is stored alike: two text types differ only by their declared length.
    text_types_alike: ClassVar[bool] = False
    #: The database makes an index for a foreign key's columns when none starts with them,
    #: and keeps that index when the key is dropped.
    indexes_foreign_keys: ClassVar[bool] = False
    #: The naming convention under which batch mode names the constraints the database keeps
    #: unnamed, so that a migration can drop them; ``None``: such constraints cannot be
    #: dropped by name.
    unnamed_constraint_convention: ClassVar[Mapping[str, str] | None] = None
    #: Whether a column generates its values by a flag of its own that ``alter_column``
    #: sets (MySQL's ``AUTO_INCREMENT``), compared as ``autoincrement``.
    autoincrement_flag: ClassVar[bool] = False
    #: Upper-case type names that spell the same stored type as another name.
    type_aliases: ClassVar[Mapping[str, str]] = {}

    def is_system_schema(self, name: str) -> bool:
        """Whether schema ``name`` holds the database's own catalog."""
        prefix = self.system_schema_prefix
        return name in self.system_schemas or (prefix is not None and name.startswith(prefix))

    def foreign_key_rule(self, rule: str | None) -> str | None:
        """An ON DELETE/ON UPDATE rule as compared: ``None`` for the default (NO ACTION)."""
        if rule is None:
            return None
        upper = rule.upper()
        return None if upper == "NO ACTION" else upper

    def foreign_key_timing(
        self, deferrable: bool | None, initially: str | None
    ) -> tuple[bool, str]:
        """When a foreign key is checked, as compared: ``(deferrable, initially)`` with the
        defaults (NOT DEFERRABLE, INITIALLY IMMEDIATE) spelled one way."""
        if not deferrable:
            return False, "IMMEDIATE"
        return True, (initially or "IMMEDIATE").upper()

    def is_foreign_key_index(
        self, index: ReflectedIndex, foreign_key: ReflectedForeignKeyConstraint
    ) -> bool:
        """Whether the database made ``index`` itself for ``foreign_key`` (not the models)."""
        return False

    def reflected_foreign_key_name(self, table_name: str, name: str | None) -> str | None:
        """A reflected foreign key's name as the models would give it: ``None`` for a name
        the database generates (creating the key unnamed gives it the same name back)."""
        return name

    def default_sql(self, sql: str) -> str:
        """A server default's SQL text without what the database adds to it when it reports
        it (PostgreSQL's casts); the outer parentheses are already removed."""
        return sql

    def expression_sql(self, sql: str) -> str:
        """A check condition, index expression or partial-index predicate in one spelling
        (see :mod:`.sql_expressions`), the same for the models' text and the database's."""
        return spelling(sql)

    # -- types ------------------------------------------------------------------------------

    def canonical_type(self, compiled: str) -> str:
        """One spelling of a compiled type, the same for every way of writing one stored type."""
        # A schema spells few distinct types many times: each spelling is worked out once.
        spellings: dict[str, str] = self.__dict__.setdefault("_type_spellings", {})
        canonical = spellings.get(compiled)
        if canonical is None:
            canonical = spellings[compiled] = self._canonical_type(compiled)
        return canonical

    def _canonical_type(self, compiled: str) -> str:
        text = self.type_text(_SPACES.sub(" ", compiled).strip().upper())
        match = _SHAPE.match(text)
        if match is None:
            return text
        name = match["name"].strip()
        args = [a.strip() for a in (match["args"] or "").split(",") if a.strip()]
        rest = (match["rest"] or "").strip()
        for modifier in _MODIFIERS:
            if name.endswith(modifier):
                name = name[: -len(modifier)]
                rest = f"{modifier.strip()} {rest}".strip()
                break
        name, args, rest = self.type_parts(name, args, rest)
        out = name
        if args:
            out += "(" + ",".join(args) + ")"
        if rest:
            out += " " + rest
        return out

    def type_text(self, text: str) -> str:
        """A compiled type (upper case, single spaces) without the words that do not change
        what is stored (MySQL's character set and collation)."""
        return text

    def type_parts(self, name: str, args: list[str], rest: str) -> TypeParts:
        """A type's name, arguments and trailing words in one spelling (aliases resolved,
        default arguments made explicit or left out)."""
        return self.type_aliases.get(name, name), args, rest


def outside_literals(sql: str, change: Callable[[str], str]) -> str:
    """``sql`` with ``change`` applied to everything but its quoted string literals."""
    parts = _LITERAL.split(sql)
    literals = _LITERAL.findall(sql)
    out = [change(parts[0])]
    for literal, part in zip(literals, parts[1:], strict=True):
        out += [literal, change(part)]
    return "".join(out)


def without_parentheses(sql: str) -> str:
    """``sql`` without the parentheses that enclose all of it."""
    while sql.startswith("(") and sql.endswith(")") and _balanced(sql[1:-1]):
        sql = sql[1:-1].strip()
    return sql


def _balanced(inner: str) -> bool:
    depth = 0
    quoted = False
    for char in inner:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and not quoted
