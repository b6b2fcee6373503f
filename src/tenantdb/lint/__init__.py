"""Static analysis of migrations over the PostgreSQL AST: one module per rule in ``rules/``."""

from tenantdb.lint.engine import DEFAULT_PG_VERSION, LintReport, check_example, lint_migration_sets, lint_migrations
from tenantdb.lint.model import Category, Family, Finding, Hit, Rule, RuleId, Severity

__all__ = [
    "DEFAULT_PG_VERSION",
    "Category",
    "Family",
    "Finding",
    "Hit",
    "LintReport",
    "Rule",
    "RuleId",
    "Severity",
    "check_example",
    "lint_migration_sets",
    "lint_migrations",
]
