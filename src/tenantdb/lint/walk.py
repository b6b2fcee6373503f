"""Helpers for rules: walking trees and reading names out of pglast nodes."""

from __future__ import annotations

from typing import Any

from pglast import ast

from tenantdb.sql.tree import iter_nodes

__all__ = ["dotted", "function_name", "iter_nodes", "relation_name"]


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
