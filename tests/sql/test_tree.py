"""Fast trees: parsing without pglast's re-validation gives the same trees; the walk visits what it always did."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pglast
import pytest
from pglast import ast

from tenantdb.lint.rules import RULES
from tenantdb.sql.tree import all_nodes, fast_trees, iter_nodes, parse_trees

ROOT = Path(__file__).parents[2]
SHIPPED = sorted(
    [*(ROOT / "src" / "tenantdb").rglob("*.sql"), *(ROOT / "examples").rglob("*.sql"), *(ROOT / "tests").rglob("*.sql")]
)
EXAMPLES = [sql for rule in RULES for sql in (*rule.bad, *rule.good)] + [
    "SELECT true, false, 1, 1.5, B'101', 'text', NULL WHERE x IS NOT TRUE",
    "CREATE TABLE t (c \"char\" DEFAULT 'x', b boolean DEFAULT true) PARTITION BY LIST (c)",
    "SELECT 'é' AS \"ü\", 1 FROM t WHERE name = 'ß' -- non-ASCII: locations count characters",
]


def _texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in SHIPPED] + EXAMPLES


def _same(left: Any, right: Any, where: str) -> None:
    """Strict equality: same types all the way down (pglast's ``==`` lets ``True == 1`` and ignores offsets)."""
    assert type(left) is type(right), f"{where}: {type(left).__name__} != {type(right).__name__}"
    if isinstance(left, ast.Node):
        for name in cast(Any, left).__slots__:
            _same(getattr(left, name), getattr(right, name), f"{where}.{name}")
    elif isinstance(left, tuple | list):
        assert len(left) == len(right), where
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            _same(a, b, f"{where}[{index}]")
    else:
        assert left == right, f"{where}: {left!r} != {right!r}"


def test_the_corpus_is_not_empty() -> None:
    assert len(SHIPPED) > 50 and len(EXAMPLES) > 50


def test_fast_trees_equal_validated_trees_over_all_shipped_sql() -> None:
    compared = 0
    for text in _texts():
        try:
            validated = pglast.parser.parse_sql(text)
        except pglast.parser.ParseError:
            with pytest.raises(pglast.parser.ParseError), fast_trees():
                parse_trees(text)
            continue
        with fast_trees():
            fast = parse_trees(text)
        _same(fast, validated, "tree")
        compared += 1
    assert compared > 100


def test_a_boolean_constant_is_a_bool() -> None:
    with fast_trees():
        (raw,) = parse_trees("SELECT true")
    statement: Any = raw.stmt
    assert statement.targetList[0].val.val.boolval is True


def test_validation_is_back_on_after_the_block() -> None:
    with fast_trees(), fast_trees():
        parse_trees("SELECT 1")
    with pytest.raises(ValueError, match="Bad value"):
        ast.RangeVar(relname=5)  # type: ignore[call-overload]  # the wrong type is the point
    with pytest.raises(pglast.parser.ParseError), fast_trees():
        parse_trees("SELEC 1")
    with pytest.raises(ValueError, match="Bad value"):
        ast.RangeVar(relname=5)  # type: ignore[call-overload]  # the wrong type is the point
    assert "__setattr__" not in ast.Boolean.__dict__


def _reference_walk(root: Any) -> Iterator[ast.Node]:
    """Every attribute of every node, in the order the linter has always visited them."""
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            yield item
            for name in cast(Any, type(item)).__slots__:
                value = getattr(item, name, None)
                if isinstance(value, ast.Node | tuple | list):
                    stack.append(value)
        elif isinstance(item, tuple | list):
            stack.extend(reversed(item))


def test_the_walk_visits_the_same_nodes_in_the_same_order() -> None:
    for text in _texts():
        try:
            trees = parse_trees(text)
        except pglast.parser.ParseError:
            continue
        expected = [id(node) for node in _reference_walk(trees)]
        assert [id(node) for node in iter_nodes(trees)] == expected
        assert [id(node) for node in all_nodes(trees)] == expected
