"""Every rule is registered, documented, and does what its own examples say."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import tenantdb.lint.rules as rules_package
from tenantdb.config import load_settings
from tenantdb.lint import check_example, lint_migration_sets
from tenantdb.lint.docs import drift
from tenantdb.lint.rules import RULES
from tenantdb.migrations import load_migrations

ROOT = Path(__file__).parents[2]
SECTIONS = ("## Why", "## Instead", "## When this is fine", "## See also")


def test_every_rule_module_is_registered() -> None:
    modules = {info.name for info in pkgutil.iter_modules(rules_package.__path__)}
    registered = {rule.id.replace("-", "_") for rule in RULES}
    assert modules == registered


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_is_documented(rule: object) -> None:
    from tenantdb.lint.model import Rule

    assert isinstance(rule, Rule)
    module = importlib.import_module(f"tenantdb.lint.rules.{rule.id.replace('-', '_')}")
    assert module.RULE is rule
    assert rule.id == rule.id.lower() and " " not in rule.id
    assert rule.id.startswith(("require-", "ban-", "prefer-", "verify-")) or rule.id == "unused-ignore"
    for section in SECTIONS:
        assert section in rule.doc, f"{rule.id}: docstring lacks {section}"
    assert rule.bad and rule.good, f"{rule.id}: needs bad and good examples"


CASES = [(rule, "bad", sql) for rule in RULES for sql in rule.bad] + [
    (rule, "good", sql) for rule in RULES for sql in rule.good
]


@pytest.mark.parametrize(("rule", "kind", "sql"), CASES, ids=lambda v: getattr(v, "id", None) or str(v)[:20])
def test_rule_examples(rule: object, kind: str, sql: str) -> None:
    from tenantdb.lint.model import Rule

    assert isinstance(rule, Rule)
    findings = check_example(rule, sql)
    if kind == "bad":
        assert findings, f"{rule.id} should flag:\n{sql}"
        assert all(f.line >= 1 and f.message for f in findings)
    else:
        assert not findings, f"{rule.id} should accept:\n{sql}\nbut said: {[f.message for f in findings]}"


def test_generated_rule_docs_are_current() -> None:
    assert drift(ROOT) == [], "run `python -m tenantdb.lint.docs`"


def _sql_directories() -> list[Path]:
    folders = {path.parent for path in ROOT.glob("examples/**/*.sql") if path.parent.name != "checks"}
    folders |= {path.parent for path in (ROOT / "src" / "tenantdb").glob("**/migrations/*.sql")}
    return sorted(folder for folder in folders if not (folder / "up.sql").exists()) + sorted(
        {folder.parent for folder in folders if (folder / "up.sql").exists()}
    )


@pytest.mark.parametrize("folder", _sql_directories(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_sql_file_goes_through_every_rule_without_crashing(folder: Path) -> None:
    migrations = load_migrations(folder, placeholders=load_settings(folder).placeholders)
    report = lint_migration_sets([migrations])
    assert report.statements > 0 or not any(m.up.statements for m in migrations)
