"""pglast trees, built and walked quickly: parsing without re-validating pglast's own values, and a walk over
only the attributes that can hold nodes, with no recursion limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pglast import ast, parser

_VALIDATING_SETATTR = ast.Node.__dict__["__setattr__"]
_GIVEN_RAW = (ast.Boolean,)  # pglast builds A_Const's Boolean from the C int: its setattr makes it a bool


class _Window:
    lock = threading.RLock()
    depth = 0


@contextmanager
def fast_trees() -> Iterator[None]:
    """Within this block pglast builds trees about three times faster, equal to the trees it builds outside.

    pglast's C code converts every value (enums, booleans, tuples of nodes) before calling the node classes,
    whose ``__setattr__`` then checks and adapts each attribute again: two thirds of the time of a parse. In the
    block that check is switched off (plain slot assignment) except for the classes pglast hands raw C values;
    ``tests/sql/test_tree.py`` proves the trees identical, types included, over all shipped SQL and every rule
    example. Switching costs a quarter of a millisecond (Python updates every node class), so a caller that
    parses many texts (the linter) holds one block around all of them; blocks nest, and the lock keeps other
    threads' blocks out. Nodes built by hand inside a block are not checked: build them outside.
    """
    with _Window.lock:
        _Window.depth += 1
        if _Window.depth == 1:
            setattr(ast.Node, "__setattr__", object.__setattr__)  # noqa: B010 (mypy refuses assigning a method)
            for cls in _GIVEN_RAW:
                setattr(cls, "__setattr__", _VALIDATING_SETATTR)  # noqa: B010
        try:
            yield
        finally:
            _Window.depth -= 1
            if _Window.depth == 0:
                for cls in _GIVEN_RAW:
                    delattr(cls, "__setattr__")
                setattr(ast.Node, "__setattr__", _VALIDATING_SETATTR)  # noqa: B010


def parse_trees(text: str) -> tuple[ast.RawStmt, ...]:
    """The statements of ``text`` as pglast trees (fast inside a :func:`fast_trees` block)."""
    return parser.parse_sql(text)


def _can_hold_nodes(info: Any) -> bool:
    kinds = info.py_type if isinstance(info.py_type, tuple) else (info.py_type,)
    return any(kind in (tuple, list) or (isinstance(kind, type) and issubclass(kind, ast.Node)) for kind in kinds)


_CHILD_SLOTS: dict[type, tuple[str, ...]] = {}


def child_slots(cls: type) -> tuple[str, ...]:
    """Attributes of a node class that may hold nodes or tuples of them, in declaration order (cached)."""
    names = _CHILD_SLOTS.get(cls)
    if names is None:
        slots = getattr(cls, "__slots__", None) or {}
        names = tuple(name for name in slots if not isinstance(slots, dict) or _can_hold_nodes(slots[name]))
        _CHILD_SLOTS[cls] = names
    return names


def iter_nodes(root: Any) -> Iterator[ast.Node]:
    """Every ``ast.Node`` in ``root`` (itself included), depth first."""
    node_type = ast.Node
    stack = [root]
    pop = stack.pop
    push = stack.append
    while stack:
        item = pop()
        if isinstance(item, node_type):
            yield item
            cls = type(item)
            names = _CHILD_SLOTS.get(cls)
            for name in child_slots(cls) if names is None else names:
                value = getattr(item, name, None)
                if value is not None and isinstance(value, node_type | tuple | list):
                    push(value)
        elif isinstance(item, tuple | list):
            stack.extend(reversed(item))


def all_nodes(root: Any) -> list[ast.Node]:
    """``list(iter_nodes(root))``, built without a generator (the linter walks every statement once this way)."""
    node_type = ast.Node
    found: list[ast.Node] = []
    keep = found.append
    stack = [root]
    pop = stack.pop
    push = stack.append
    extend = stack.extend
    slots = _CHILD_SLOTS
    while stack:
        item = pop()
        if isinstance(item, node_type):
            keep(item)
            cls = type(item)
            names = slots.get(cls)
            for name in child_slots(cls) if names is None else names:
                value = getattr(item, name, None)
                if value is not None and isinstance(value, node_type | tuple | list):
                    push(value)
        elif isinstance(item, tuple | list):
            extend(reversed(item))
    return found
