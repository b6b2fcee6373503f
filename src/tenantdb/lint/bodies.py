"""The statements inside SQL and PL/pgSQL function bodies and DO blocks, parsed for rules to inspect."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pglast
from pglast import ast

from tenantdb.sql.tree import parse_trees


def embedded_trees(node: ast.CreateFunctionStmt | ast.DoStmt, statement_text: str = "") -> list[Any]:
    """The statements and expressions inside a SQL or PL/pgSQL function body or DO block that pglast can parse."""
    options = node.args if isinstance(node, ast.DoStmt) else node.options
    values = {option.defname: option.arg for option in options or () if isinstance(option, ast.DefElem)}
    default = "plpgsql" if isinstance(node, ast.DoStmt) else "sql"
    language = str(getattr(values.get("language"), "sval", default)).lower()
    body = values.get("as")
    if isinstance(body, tuple):
        body = body[0] if len(body) == 1 else None
    text = getattr(body, "sval", None)
    if not text:
        return []
    if language == "sql":
        return list(_parse(text))
    if language != "plpgsql":
        return []
    if isinstance(node, ast.DoStmt) or not statement_text:
        tag = "$tenantdb_body$"
        statement_text = f"CREATE FUNCTION tenantdb_do() RETURNS void LANGUAGE plpgsql AS {tag}{text}{tag}"
    return list(_plpgsql_trees(statement_text))


@lru_cache(maxsize=256)
def _plpgsql_trees(statement_text: str) -> tuple[Any, ...]:
    """Cached: several rules look into the same body (the trees are shared and read, never changed)."""
    return tuple(tree for query in _plpgsql_queries(statement_text) for tree in query)


@lru_cache(maxsize=1024)
def _parse(text: str) -> tuple[Any, ...]:
    try:
        return tuple(raw.stmt for raw in parse_trees(text))
    except pglast.parser.ParseError:
        return ()


def _plpgsql_queries(statement_text: str) -> Iterator[list[Any]]:
    try:
        function = pglast.parse_plpgsql(statement_text)
    except pglast.parser.ParseError:
        return
    stack: list[Any] = [function]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            expr = item.get("PLpgSQL_expr")
            if isinstance(expr, dict) and isinstance(expr.get("query"), str):
                yield _parse_plpgsql_expr(expr["query"], int(expr.get("parseMode", 0)))
            stack.extend(value for key, value in item.items() if key != "PLpgSQL_expr")


def _parse_plpgsql_expr(query: str, mode: int) -> list[Any]:
    """Mode 0 is a whole statement, 2 an expression, 3-5 an assignment ``target := expression``."""
    if mode == 0:
        return list(_parse(query))
    trees = list(_parse(f"SELECT {query}"))
    if not trees and mode >= 3 and ":=" in query:
        trees = list(_parse(f"SELECT {query.partition(':=')[2]}"))
    constant = _string_constant(trees)
    return trees + (list(_parse(constant)) if constant else [])  # EXECUTE 'CREATE ROLE ...'


def _string_constant(trees: list[Any]) -> str | None:
    targets = trees[0].targetList or () if len(trees) == 1 and isinstance(trees[0], ast.SelectStmt) else ()
    if len(targets) != 1:
        return None
    value = targets[0].val
    return getattr(value.val, "sval", None) if isinstance(value, ast.A_Const) else None
