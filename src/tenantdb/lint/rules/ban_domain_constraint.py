"""Do not add constraints to domains; prefer column and table constraints.

## Why

``ALTER DOMAIN ... ADD CONSTRAINT`` checks every column of every table that uses the domain, in one statement,
while holding a SHARE lock on each of those tables: writes to all of them stop until the last row is checked.
A ``CHECK`` declared in ``CREATE DOMAIN`` costs nothing today but ties every later change of that rule to
``ALTER DOMAIN`` (drop and re-add, one big scan); and PostgreSQL does not check domain constraints everywhere a
column constraint would be (a NULL from an outer join or a composite field's default bypasses them).

## Instead

Put the rule on the columns: ``CHECK`` constraints on each table, added ``NOT VALID`` and validated later
(``VALIDATE CONSTRAINT`` on a table takes SHARE UPDATE EXCLUSIVE: writes continue). On a domain, ``ADD CONSTRAINT
... NOT VALID`` is instant (new values are checked from then on), but ``ALTER DOMAIN ... VALIDATE CONSTRAINT``
still holds SHARE on every table using the domain for its whole scan (checked on PostgreSQL 18), so it is
reported too: run it when writes are quiet, with a suppression that says so.

## When this is fine

A domain that no table uses yet, or one whose tables are small, with a suppression that says so.

## See also

``require-not-valid-constraint``; squawk's ``ban-create-domain-with-constraint`` and
``ban-alter-domain-with-add-constraint``; PostgreSQL docs, ALTER DOMAIN (Notes).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import dotted

CHECKED = ("CONSTR_CHECK", "CONSTR_NOTNULL")


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.section == "down":
        return
    if isinstance(node, ast.AlterDomainStmt) and node.subtype == "V":
        name = dotted(node.typeName)
        yield Hit(
            f"ALTER DOMAIN {name} VALIDATE CONSTRAINT {node.name} checks every column of every table using {name} "
            "while blocking writes to all of them",
            hint="put the check on the columns instead (a table's VALIDATE CONSTRAINT lets writes continue), or run "
            "this when writes are quiet (suppress with a reason)",
        )
        return
    if isinstance(node, ast.AlterDomainStmt) and node.subtype == "O":  # SET NOT NULL
        name = dotted(node.typeName)
        yield Hit(
            f"ALTER DOMAIN {name} SET NOT NULL checks every column of every table using {name} while blocking "
            "writes to all of them",
            hint="put NOT NULL on the columns (a CHECK (col IS NOT NULL) NOT VALID, then VALIDATE, then SET NOT NULL)",
        )
        return
    if isinstance(node, ast.AlterDomainStmt):
        constraint = node.def_
        if node.subtype != "C" or not isinstance(constraint, ast.Constraint) or constraint.skip_validation:
            return
        if getattr(constraint.contype, "name", "") not in CHECKED:
            return
        name = dotted(node.typeName)
        yield Hit(
            f"ALTER DOMAIN {name} ADD CONSTRAINT checks every column of every table using {name} while "
            "blocking writes to all of them",
            hint="put the check on the columns (ADD CONSTRAINT ... NOT VALID, then VALIDATE); on the domain, "
            "ADD ... NOT VALID is instant but its VALIDATE still blocks writes",
            location=constraint.location,
        )
        return
    for constraint in node.constraints or ():
        if getattr(constraint.contype, "name", "") == "CONSTR_CHECK":
            name = dotted(node.domainname)
            yield Hit(
                f"domain {name} has a CHECK: every later change to it is an ALTER DOMAIN that scans every "
                "column using the domain",
                hint="put the CHECK on the columns (ADD CONSTRAINT ... NOT VALID, then VALIDATE) instead",
                location=constraint.location,
            )


RULE = Rule.for_node(
    ast.AlterDomainStmt,
    ast.CreateDomainStmt,
    id="ban-domain-constraint",
    summary="constraints on domains are checked against every column using them",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    check=check,
    bad=(
        "ALTER DOMAIN email ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');",
        "CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0);",
        "ALTER DOMAIN email VALIDATE CONSTRAINT email_has_at;",
    ),
    good=(
        "ALTER DOMAIN email ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%') NOT VALID;",
        "CREATE DOMAIN amount AS numeric(12, 2);",
    ),
)
