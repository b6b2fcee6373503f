"""The reference customer's plan-migration documents: every class the issue lists as missed is reported, with its line.

The fixture (tests/fixtures/customer_plan) is written the way the customer wrote theirs: a schema file, a re-runnable
reporting script, a plan change with its rollback and verification, and a maintenance file.
"""

from __future__ import annotations

from pathlib import Path

from tenantdb.commands.linting import lint
from tenantdb.config import load_settings
from tenantdb.lint import lint_migrations
from tenantdb.migrations import load_project_migrations

PROJECT = Path(__file__).parents[1] / "fixtures" / "customer_plan"

EXPECTED = {
    # 0002: a script meant to be re-run (it guards some statements) that stops half-applied on its second run
    ("require-consistent-rerun-guards", "0002_reporting.sql", 7),  # ADD COLUMN
    ("require-consistent-rerun-guards", "0002_reporting.sql", 8),  # ADD CONSTRAINT
    ("require-consistent-rerun-guards", "0002_reporting.sql", 11),  # CREATE VIEW
    ("require-consistent-rerun-guards", "0002_reporting.sql", 22),  # CREATE POLICY
    ("require-security-invoker-view", "0002_reporting.sql", 11),  # reads subscriptions, whose RLS 0001 enabled
    ("ban-policy-without-rls", "0002_reporting.sql", 22),  # email_costs never gets ENABLE ROW LEVEL SECURITY
    ("ban-grant-all-on-view", "0002_reporting.sql", 24),
    ("ban-tenant-role-grant-without-rls", "0002_reporting.sql", 25),  # email_costs: company_id, no RLS
    ("ban-tenant-role-grant-without-rls", "0002_reporting.sql", 26),  # invoices (0001): company_id, no RLS
    # 0003: the plan change
    ("ban-irreversible-update", "0003_enterprise_plan.sql", 3),
    ("ban-nullable-scalar-subquery-insert", "0003_enterprise_plan.sql", 5),
    ("ban-nullable-scalar-subquery-insert", "0003_enterprise_plan.sql", 8),
    ("ban-unordered-limit-subquery", "0003_enterprise_plan.sql", 8),
    ("ban-irreversible-update", "0003_enterprise_plan.sql", 10),
    ("ban-case-without-else", "0003_enterprise_plan.sql", 10),
    ("ban-not-in-subquery", "0003_enterprise_plan.sql", 11),
    # its rollback
    ("ban-down-deletes-new-rows", "0003_enterprise_plan.sql", 13),  # created_at >= a date
    ("ban-down-delete-order", "0003_enterprise_plan.sql", 14),  # plans before their subscriptions
    ("ban-down-deletes-new-rows", "0003_enterprise_plan.sql", 15),  # by plan name
    ("ban-down-deletes-new-rows", "0003_enterprise_plan.sql", 16),
    # its verification
    ("verify-cannot-fail", "0003_enterprise_plan.sql", 18),  # count(*): always one row
    ("verify-cannot-fail", "0003_enterprise_plan.sql", 19),  # CASE ... 'PASS' ELSE 'PASS'
    ("verify-cannot-fail", "0003_enterprise_plan.sql", 20),  # OR 1 = 1
    ("verify-cannot-fail", "0003_enterprise_plan.sql", 21),  # stat_date defaults to CURRENT_DATE
    ("verify-cannot-fail", "0003_enterprise_plan.sql", 22),  # WHERE false
    ("ban-case-without-else", "0003_enterprise_plan.sql", 23),
    ("ban-self-comparison", "0003_enterprise_plan.sql", 24),  # x = x: reported by that rule, not twice
    # 0004: maintenance
    ("ban-string-built-sql", "0004_maintenance.sql", 4),
    ("ban-string-built-sql", "0004_maintenance.sql", 5),
    ("ban-concurrently-in-transaction", "0004_maintenance.sql", 11),  # VACUUM inside a DO block
    ("ban-concurrently-in-transaction", "0004_maintenance.sql", 15),
    ("ban-reindex-other-database", "0004_maintenance.sql", 17),
    ("ban-drop-schema-public-cascade", "0004_maintenance.sql", 18),
}
RULES = {rule for rule, _, _ in EXPECTED}


def test_lint_reports_every_missed_class_of_the_customer_documents_with_its_line() -> None:
    report = lint_migrations(load_project_migrations(load_settings(PROJECT)))
    found = {(f.rule, f.path.name, f.line) for f in report.findings if f.path and f.rule in RULES}
    assert found == EXPECTED, (sorted(EXPECTED - found), sorted(found - EXPECTED))


def test_phase_checks_are_linted_like_verify_blocks(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_plans.sql").write_text(
        "-- migrate:up\nCREATE TABLE plans (plan_id bigint PRIMARY KEY, name text NOT NULL);\n", encoding="utf-8"
    )
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "plans_named.sql").write_text(
        "-- every plan has a name\nSELECT count(*) FROM plans WHERE name = '';\n", encoding="utf-8"
    )
    (tmp_path / "tenantdb.toml").write_text(
        '[migrations]\ndir = "migrations"\n\n[[phases]]\nname = "plans"\nmigrations = "0001-0001"\n'
        'pre_checks = ["checks/plans_named.sql"]\n'
        'post_checks = ["SELECT plan_id FROM plans WHERE false", "SELECT plan_id FROM plans WHERE name = \'\'"]\n',
        encoding="utf-8",
    )
    report = lint(load_settings(tmp_path), [], 16)
    found = {(f.rule, f.path.name if f.path else "", f.line) for f in report.findings if f.rule == "verify-cannot-fail"}
    assert found == {
        ("verify-cannot-fail", "plans_named.sql", 2),  # count(*): one row, always a violation
        ("verify-cannot-fail", "tenantdb.toml", 8),  # the inline post-check WHERE false never fails
    }


def test_reindex_of_the_configured_database_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_reindex.sql").write_text(
        "-- migrate:up\nREINDEX DATABASE customer_prod;\nREINDEX SYSTEM staging;\n", encoding="utf-8"
    )
    (tmp_path / "tenantdb.toml").write_text(
        '[migrations]\ndir = "migrations"\n\n[database]\ndsn = "postgresql://app@db.internal/customer_prod"\n',
        encoding="utf-8",
    )
    report = lint(load_settings(tmp_path, environ={}), [], 16)
    assert [(f.rule, f.line) for f in report.findings if f.rule == "ban-reindex-other-database"] == [
        ("ban-reindex-other-database", 3)
    ]
