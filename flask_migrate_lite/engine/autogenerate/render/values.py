"""Python source that rebuilds a value: literals, SQL text, and types with their arguments.

Types render as constructor calls with the arguments that differ from the defaults, found
from the type's ``__init__`` signature (``sa.String(length=120)``, ``postgresql.JSONB(...)``);
import lines the code needs beyond ``op`` and ``sa`` are added to the context's ``imports``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ClauseElement, TextClause
from sqlalchemy.types import TypeDecorator, TypeEngine

from .context import RenderContext
from .layout import Kwargs, Unrenderable

__all__ = ["ValueWriter"]


class ValueWriter:
    """Values, SQL text and types as Python, with the ``render_item`` hook."""

    def __init__(self, context: RenderContext) -> None:
        self.context = context
        self.opts = context.opts

    def hook(self, kind: str, obj: Any) -> str | None:
        render_item = self.opts.render_item
        if render_item is None:
            return None
        rendered = render_item(kind, obj, self.context)
        return None if rendered is False or rendered is None else str(rendered)

    def sql(self, clause: str | ClauseElement) -> str:
        """The SQL text of a default, condition or index expression."""
        if isinstance(clause, str):
            return clause
        if isinstance(clause, TextClause):
            return clause.text
        compiled = clause.compile(
            dialect=self.context.dialect,
            compile_kwargs={"literal_binds": True, "include_table": False},
        )
        return str(compiled)

    def prefixed(self, name: str) -> str:
        return f"{self.opts.sqlalchemy_module_prefix}{name}"

    # -- values and keyword arguments ---------------------------------------------------------

    def keywords(self, options: Mapping[str, Any], skip: Iterable[str] = ()) -> Kwargs:
        """Keyword arguments (dialect options...) whose values can be written as Python."""
        kwargs: Kwargs = []
        for key, value in options.items():
            if key in skip or value is None:
                continue
            try:
                kwargs.append((key, self.value(value)))
            except Unrenderable:
                continue
        return kwargs

    def value(self, value: Any) -> str:
        """Python source that rebuilds ``value``; raises :class:`Unrenderable` otherwise."""
        if value is None or isinstance(value, (bool, int, str, bytes)):
            return repr(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise Unrenderable(value)
            return repr(value)
        if isinstance(value, TypeEngine):
            return self.render_type(value)
        if isinstance(value, type) and issubclass(value, TypeEngine):
            return self.type_path(value)
        if isinstance(value, ClauseElement):
            return f"{self.prefixed('text')}({self.sql(value)!r})"
        if isinstance(value, (list, tuple)):
            items = [self.value(item) for item in value]
            if isinstance(value, list):
                return f"[{', '.join(items)}]"
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        if isinstance(value, Mapping):
            pairs = [f"{self.value(k)}: {self.value(v)}" for k, v in value.items()]
            return "{" + ", ".join(pairs) + "}"
        raise Unrenderable(value)

    # -- types --------------------------------------------------------------------------------

    def render_type(self, type_: TypeEngine[Any]) -> str:
        """``sa.String(length=64)``, ``postgresql.JSONB(astext_type=sa.Text())``, ..."""
        hooked = self.hook("type", type_)
        if hooked is not None:
            return hooked
        if isinstance(type_, sa.Enum):
            arguments = self.enum_arguments(type_)
        else:
            source: TypeEngine[Any] = type_
            if isinstance(type_, TypeDecorator) and _init_owner(type(type_)) is TypeDecorator:
                source = type_.impl_instance  # arguments went to the implementation type
            arguments = self.signature_arguments(source)
        rendered = f"{self.type_path(type(type_))}({', '.join(arguments)})"
        for dialect, variant in getattr(type_, "_variant_mapping", {}).items():
            rendered += f".with_variant({self.render_type(variant)}, {dialect!r})"
        return rendered

    def type_path(self, cls: type) -> str:
        """Where the type class is found from the revision file, adding the import it needs."""
        module, name = cls.__module__, cls.__name__
        if module.startswith("sqlalchemy.dialects."):
            dialect = module.split(".")[2]
            self.context.imports.add(f"from sqlalchemy.dialects import {dialect}")
            package = getattr(sa.dialects, dialect, None)
            if getattr(package, name, None) is cls:
                return f"{dialect}.{name}"
            return f"{dialect}.{module.split('.', 3)[3]}.{name}"
        if module == "sqlalchemy" or module.startswith("sqlalchemy."):
            if getattr(sa, name, None) is cls:
                return self.prefixed(name)
            if getattr(sa.types, name, None) is cls:
                return self.prefixed(f"types.{name}")
            return self.prefixed(f"{module.removeprefix('sqlalchemy.')}.{name}")
        if self.opts.user_module_prefix is not None:
            return f"{self.opts.user_module_prefix}{name}"
        self.context.imports.add(f"import {module}")
        return f"{module}.{name}"

    def enum_arguments(self, type_: sa.Enum) -> list[str]:
        """``'a', 'b', name='mood'``: the values, then the options that differ."""
        arguments = [repr(value) for value in type_.enums]
        options: dict[str, Any] = {
            "name": None if type_.name is None else str(type_.name),
            "schema": type_.schema,
            "native_enum": None if type_.native_enum else False,
            "create_constraint": type_.create_constraint or None,
            "length": None
            if type_.length == getattr(type_, "_default_length", None)
            else type_.length,
            "inherit_schema": getattr(type_, "_inherit_schema", False) or None,
            "validate_strings": type_.validate_strings or None,
            "create_type": None if getattr(type_, "create_type", True) else False,
        }
        arguments += [
            f"{key}={self.value(value)}" for key, value in options.items() if value is not None
        ]
        # Dialect options (MySQL's charset...) come from the classes below sa.Enum.
        skip = (sa.Enum, sa.String, sa.types.SchemaType)
        return arguments + self.signature_arguments(type_, skip=skip, seen={"enums", *options})

    def signature_arguments(
        self,
        type_: TypeEngine[Any],
        skip: tuple[type, ...] = (),
        seen: set[str] | None = None,
    ) -> list[str]:
        """The constructor arguments that rebuild ``type_``, read back from its attributes.

        Follows ``**kw`` up the class hierarchy (``mysql.VARCHAR`` passes ``charset`` on to
        its base class); an argument whose value differs from the default is rendered, by
        keyword, unless its value cannot be written as Python.
        """
        seen = set() if seen is None else seen
        positional: list[str] = []
        keywords: list[str] = []
        first = True
        for klass in type(type_).__mro__:
            init = klass.__dict__.get("__init__")
            if init is None or klass in skip:
                continue
            if klass in (TypeDecorator, TypeEngine, object):
                break
            try:
                parameters = list(inspect.signature(init).parameters.values())[1:]
            except (TypeError, ValueError):
                break
            more = False
            for parameter in parameters:
                if parameter.kind is parameter.VAR_KEYWORD:
                    more = True
                    continue
                if parameter.name.startswith("_") or parameter.name in seen:
                    continue
                seen.add(parameter.name)
                try:
                    value = getattr(type_, parameter.name)
                except AttributeError:
                    continue
                try:
                    if parameter.kind is parameter.VAR_POSITIONAL:
                        if first and isinstance(value, (list, tuple)):
                            positional += [self.value(item) for item in value]
                            # Types of listed values (mysql.SET) size themselves from them.
                            longest = max((len(str(item)) for item in value), default=0)
                            if getattr(type_, "length", None) == longest:
                                seen.add("length")
                    elif parameter.default is parameter.empty and first:
                        positional.append(self.value(value))
                    elif not _same(value, parameter.default):
                        keywords.append(f"{parameter.name}={self.value(value)}")
                except Unrenderable:
                    continue
            first = False
            if not more:
                break
        return positional + keywords


def _same(value: Any, default: Any) -> bool:
    if value is default:
        return True
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:  # noqa: BLE001  (an odd __eq__ means: not the default)
        return False


def _init_owner(cls: type) -> type:
    return next(klass for klass in cls.__mro__ if "__init__" in klass.__dict__)
