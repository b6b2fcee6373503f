"""Walk pglast trees quickly: every node below a root, with no recursion limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast


def iter_nodes(root: Any) -> Iterator[ast.Node]:
    """Every ``ast.Node`` in ``root`` (itself included), depth first."""
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            yield item
            for name in getattr(type(item), "__slots__", ()):
                value = getattr(item, name, None)
                if isinstance(value, ast.Node | tuple | list):
                    stack.append(value)
        elif isinstance(item, tuple | list):
            stack.extend(reversed(item))


def dotted(names: Any) -> str:
    """``('public', 'tenants')`` of String nodes as ``public.tenants``."""
    return ".".join(getattr(part, "sval", str(part)) for part in names or ())


def relation_name(range_var: ast.RangeVar | None) -> str:
    """A RangeVar as ``relname`` (schema dropped: the linter tracks names within one search path)."""
    return range_var.relname if range_var is not None and range_var.relname else ""


def function_name(call: ast.FuncCall) -> str:
    """The unqualified, lower-case name of a function call."""
    names = call.funcname or ()
    return getattr(names[-1], "sval", "").lower() if names else ""
