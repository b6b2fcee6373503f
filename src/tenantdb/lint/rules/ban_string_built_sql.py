"""Do not build dynamic SQL by pasting strings: quote names with ``%I``, values with ``%L``, or pass ``USING``.

## Why

``EXECUTE 'DELETE FROM ' || target || ' WHERE company_id = ''' || tenant || ''''`` in a function or ``DO``
block runs whatever the pasted text says. A table name with a capital letter, a space or a quote breaks it; a
value with a quote (``O'Brien``) breaks it; a value that came from a request — a tenant id taken from a
setting, a report name — turns into SQL injection, executed with the function's rights (often ``SECURITY
DEFINER``, so past row-level security). ``format('... %s ...', x)`` pastes the same way: ``%s`` does no quoting.

## Instead

Quote identifiers with ``format('%I', name)`` (or ``quote_ident``) and pass values as parameters::

    EXECUTE format('DELETE FROM %I WHERE company_id = $1', target) USING tenant;

``%L`` (or ``quote_literal`` / ``quote_nullable``) quotes a value when a parameter is not possible (DDL).

## When this is fine

Concatenating constant strings, or text already quoted with ``quote_ident``/``quote_literal``/``quote_nullable``
or ``format`` with only ``%I``/``%L``/``%%``, is not reported; neither is ``%s`` or ``||`` of a variable whose
text is quoted already: one of a ``reg*`` type (``regclass``, ``regprocedure``: their text output quotes the
names) or one initialised only from such quoted pieces.

## See also

``require-pinned-search-path``; PostgreSQL docs, PL/pgSQL "Executing Dynamic Commands" and ``format``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.bodies import Variable, parse_expression, plpgsql_statements, plpgsql_variables
from tenantdb.lint.context import LintContext
from tenantdb.lint.expressions import constant
from tenantdb.lint.model import Derived, Family, Hit, Rule, Severity
from tenantdb.lint.walk import function_name, iter_nodes

QUOTING = frozenset({"quote_ident", "quote_literal", "quote_nullable"})
# the text of these types is already quoted: regclass 'public."Odd name"', regprocedure 'f(integer)'
QUOTED_TYPES = frozenset({"regclass", "regproc", "regprocedure", "regtype", "regrole", "regnamespace", "regoper"})


def check(node: ast.DoStmt | ast.CreateFunctionStmt, context: LintContext) -> Iterator[Hit]:
    statement = context.statement
    if statement is None or node is not statement.tree:
        return
    trusted = _trusted_variables(plpgsql_variables(node)) | _quoted_parameters(node)
    for body in plpgsql_statements(node, statement.text):
        expression = parse_expression(body.text) if body.execute else None
        problem = _problem(expression, trusted) if expression is not None else None
        if problem:
            yield Hit(
                f"EXECUTE of SQL built by {problem}: a quote or a crafted value in the pasted text changes the "
                "statement (SQL injection)",
                hint="EXECUTE format('... %I ... $1', identifier) USING value — %I for names, USING or %L for values",
                location=statement.start - statement.base + body.offset if body.offset >= 0 else None,
            )


def _quoted_parameters(node: ast.DoStmt | ast.CreateFunctionStmt) -> set[str]:
    """The function's parameters of a reg* type (``_tbl regclass``): their text is quoted already."""
    if not isinstance(node, ast.CreateFunctionStmt):
        return set()
    quoted = set()
    for parameter in node.parameters or ():
        names = getattr(getattr(parameter, "argType", None), "names", None) or ()
        type_name = str(getattr(names[-1], "sval", "")).lower() if names else ""
        if parameter.name and type_name in QUOTED_TYPES:
            quoted.add(str(parameter.name))
    return quoted


def _trusted_variables(variables: dict[str, Variable]) -> set[str]:
    """Variables whose text is quoted already: of a reg* type, or initialised from quoted pieces only."""
    trusted = {name for name, variable in variables.items() if variable.type_name in QUOTED_TYPES}
    for name, variable in variables.items():
        default = parse_expression(variable.default) if variable.default else None
        if default is not None and _safe(default, trusted):
            trusted.add(name)
    return trusted


def _problem(expression: Any, trusted: set[str]) -> str | None:
    for node in iter_nodes(expression):
        if isinstance(node, ast.A_Expr) and _is_concatenation(node) and not _safe(node, trusted):
            return "concatenation (||)"
        if isinstance(node, ast.FuncCall) and function_name(node) == "format":
            pasted = _pasted_arguments(node) or []
            if not all(_safe(argument, trusted) for argument in pasted):
                return "format() with %s"
    return None


def _is_concatenation(node: ast.A_Expr) -> bool:
    names = node.name or ()
    return bool(names) and getattr(names[-1], "sval", "") == "||"


def _pasted_arguments(call: ast.FuncCall) -> list[Any] | None:
    """The arguments of ``format`` that a ``%s`` pastes unquoted (None when the pattern is not a constant)."""
    if not call.args:
        return None
    pattern = constant(call.args[0])
    if not isinstance(pattern, str):
        return None
    arguments, pasted, position, index = list(call.args[1:]), [], 0, 0
    while (index := pattern.find("%", index)) >= 0:
        end = index + 1
        while end < len(pattern) and (pattern[end].isdigit() or pattern[end] in "$-*"):
            end += 1
        kind = pattern[end] if end < len(pattern) else ""
        if kind != "%":
            number = pattern[index + 1 : end].partition("$")
            position = int(number[0]) - 1 if number[1] and number[0].isdigit() else position
            if kind == "s" and position < len(arguments):
                pasted.append(arguments[position])
            position += 1
        index = end + 1
    return pasted


def _safe(node: Any, trusted: set[str]) -> bool:
    """A piece that cannot change the statement: a constant, quoted text, or a concatenation of those."""
    if constant(node) is not ...:
        return True
    if isinstance(node, ast.ColumnRef) and node.fields and len(node.fields) == 1:
        return getattr(node.fields[0], "sval", "") in trusted
    if isinstance(node, ast.A_Expr) and _is_concatenation(node):
        return _safe(node.lexpr, trusted) and _safe(node.rexpr, trusted)
    if isinstance(node, ast.CaseExpr):
        results = [when.result for when in node.args or () if isinstance(when, ast.CaseWhen)]
        return all(_safe(result, trusted) for result in (*results, node.defresult) if result is not None)
    if isinstance(node, ast.FuncCall):
        if function_name(node) in QUOTING:
            return True
        if function_name(node) == "format":
            pasted = _pasted_arguments(node)
            return pasted is not None and all(_safe(argument, trusted) for argument in pasted)
    return False


RULE = Rule.for_node(
    ast.DoStmt,
    ast.CreateFunctionStmt,
    id="ban-string-built-sql",
    summary="EXECUTE of SQL pasted together with || or format('%s')",
    severity=Severity.ERROR,
    family=Family.SECURITY,
    reads=(Derived.FUNCTION_BODIES,),
    check=check,
    bad=(
        "CREATE FUNCTION purge(target text) RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
        "    EXECUTE 'DELETE FROM ' || target || ' WHERE tenant_id = ''' || current_setting('app.tenant') || '''';\n"
        "END\n$$;",
        "DO $$\nDECLARE t text;\nBEGIN\n    FOR t IN SELECT tablename FROM pg_tables LOOP\n"
        "        EXECUTE format('ANALYZE %s', t);\n    END LOOP;\nEND\n$$;",
    ),
    good=(
        "CREATE FUNCTION purge(target text) RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
        "    EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', target)\n"
        "        USING current_setting('app.tenant')::uuid;\nEND\n$$;",
        "DO $$\nBEGIN\n    EXECUTE 'GRANT SELECT ON plans TO ' || quote_ident('reporting');\nEND\n$$;",
    ),
)
