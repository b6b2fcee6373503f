"""The statements inside SQL and PL/pgSQL function bodies and DO blocks, parsed for rules to inspect."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pglast
from pglast import ast

from tenantdb.sql.tree import parse_trees


@dataclass(frozen=True, slots=True)
class BodyStatement:
    """A statement of a PL/pgSQL body: static SQL (``execute`` False) or the expression an ``EXECUTE`` runs."""

    text: str
    execute: bool
    offset: int  # character offset of the start of its line within the statement text, -1 when unknown


def _body(node: ast.CreateFunctionStmt | ast.DoStmt) -> tuple[str, str]:
    """``(language, body text)`` of a function or DO block (empty text when there is none)."""
    options = node.args if isinstance(node, ast.DoStmt) else node.options
    values = {option.defname: option.arg for option in options or () if isinstance(option, ast.DefElem)}
    default = "plpgsql" if isinstance(node, ast.DoStmt) else "sql"
    language = str(getattr(values.get("language"), "sval", default)).lower()
    body = values.get("as")
    if isinstance(body, tuple):
        body = body[0] if len(body) == 1 else None
    return language, str(getattr(body, "sval", None) or "")


def plpgsql_statements(node: ast.CreateFunctionStmt | ast.DoStmt, statement_text: str) -> list[BodyStatement]:
    """The static SQL statements and ``EXECUTE`` expressions of a PL/pgSQL body, with where their lines start."""
    text, function = _plpgsql(node)
    if function is None:
        return []
    start = statement_text.find(text)
    found: list[BodyStatement] = []
    stack: list[Any] = [function]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            for kind, key in (("PLpgSQL_stmt_execsql", "sqlstmt"), ("PLpgSQL_stmt_dynexecute", "query")):
                inner = item.get(kind)
                if not isinstance(inner, dict):
                    continue
                query = inner.get(key, {}).get("PLpgSQL_expr", {}).get("query")
                if isinstance(query, str):
                    offset = _line_start(statement_text, start, int(inner.get("lineno", 1))) if start >= 0 else -1
                    found.append(BodyStatement(text=query, execute=kind.endswith("dynexecute"), offset=offset))
            stack.extend(reversed(list(item.values())))
    return found


@dataclass(frozen=True, slots=True)
class Variable:
    """A variable declared in a PL/pgSQL body: its type as written and its default expression."""

    type_name: str
    default: str | None


def plpgsql_variables(node: ast.CreateFunctionStmt | ast.DoStmt) -> dict[str, Variable]:
    """The variables (and parameters) of a PL/pgSQL body by name."""
    _, function = _plpgsql(node)
    found: dict[str, Variable] = {}
    for item in function[0].get("PLpgSQL_function", {}).get("datums", []) if function else []:
        var = item.get("PLpgSQL_var") if isinstance(item, dict) else None
        if isinstance(var, dict) and isinstance(var.get("refname"), str):
            type_name = var.get("datatype", {}).get("PLpgSQL_type", {}).get("typname", "")
            default = var.get("default_val", {}).get("PLpgSQL_expr", {}).get("query")
            found[var["refname"]] = Variable(type_name=str(type_name).lower(), default=default)
    return found


def _plpgsql(node: ast.CreateFunctionStmt | ast.DoStmt) -> tuple[str, Any]:
    """The body text and pglast's PL/pgSQL parse of it (None when it is not PL/pgSQL or does not parse)."""
    language, text = _body(node)
    if language != "plpgsql" or not text:
        return text, None
    tag = "$tenantdb_body$"
    return text, _parse_plpgsql(f"CREATE FUNCTION tenantdb_do() RETURNS void LANGUAGE plpgsql AS {tag}{text}{tag}")


@lru_cache(maxsize=256)
def _parse_plpgsql(statement_text: str) -> Any:
    """pglast's PL/pgSQL parse of a function (None when it does not parse); cached: several rules read the same
    body, and the parse is shared and read, never changed."""
    try:
        return pglast.parse_plpgsql(statement_text)
    except pglast.parser.ParseError:
        return None


def _line_start(text: str, start: int, lineno: int) -> int:
    offset = start
    for _ in range(lineno - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return -1
    while offset < len(text) and text[offset] in " \t":
        offset += 1
    return offset


def parse_expression(text: str) -> Any:
    """An SQL expression as a pglast node, or None when it does not parse."""
    trees = _parse(f"SELECT {text}")
    targets = trees[0].targetList or () if len(trees) == 1 and isinstance(trees[0], ast.SelectStmt) else ()
    return targets[0].val if len(targets) == 1 else None


def embedded_trees(node: ast.CreateFunctionStmt | ast.DoStmt, statement_text: str = "") -> list[Any]:
    """The statements and expressions inside a SQL or PL/pgSQL function body or DO block that pglast can parse."""
    language, text = _body(node)
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
    function = _parse_plpgsql(statement_text)
    if function is None:
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
