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
