"""A cost-tracking guide as SaaS teams write it: lint and plan together report every problem with its line."""

from __future__ import annotations

from pathlib import Path

from tenantdb.config import load_settings
from tenantdb.db import Session
from tenantdb.execute.preview import preview
from tenantdb.lint import lint_migrations
from tenantdb.migrations import load_project_migrations
from tests.helpers import up, with_runner

GUIDE = Path(__file__).parents[1] / "fixtures" / "cost_guide"

EXPECTED_LINT = {
    ("require-not-valid-constraint", 3),  # CHECK on the cost column scans under ACCESS EXCLUSIVE
    ("require-not-valid-constraint", 4),
    ("require-security-invoker-view", 6),  # the BI view bypasses the tables' RLS
    ("ban-aggregate-fanout", 9),  # payments summed once per IP address
    ("ban-left-join-unrelated-condition", 11),  # VPS joined on status alone: every tenant pays for every server
    ("ban-index-on-view", 16),
    ("ban-policy-on-view", 17),
    ("ban-policy-on-view", 18),
    ("require-missing-ok-current-setting", 19),
    ("ban-grant-to-unknown-role", 20),
    ("ban-grant-to-unknown-role", 21),
}
# The down section drops the cost columns: tenantdb archives them itself, so that is no finding (see
# tests/execute/test_archive.py); with the archive turned off, the linter asks for a manual archive instead.


def test_lint_reports_every_problem_of_the_guide_with_its_line() -> None:
    migrations = load_project_migrations(load_settings(GUIDE))
    report = lint_migrations(migrations)
    found = {(f.rule, f.line) for f in report.findings if f.path and f.path.name == "0002_cost_tracking.sql"}
    assert found >= EXPECTED_LINT, sorted(EXPECTED_LINT - found)


def test_plan_reports_what_postgresql_rejects_with_its_line(session: Session) -> None:
    migrations = load_project_migrations(load_settings(GUIDE))
    up(session, migrations, target=migrations.versions[0])
    result = preview(session, migrations, with_runner(online=True))
    (guide,) = result.migrations
    errors = {(s.line, s.sqlstate) for s in guide.statements if s.error}
    expected = {
        (16, "42809"),  # index on a view
        (17, "42809"),  # RLS on a view
        (18, "42809"),  # policy on a view
        (21, "42704"),  # role executive_dashboard does not exist
    }
    # Roles are cluster-wide: business_analysts exists once any database of the server has the security module.
    if not session.fetch_value("SELECT count(*) FROM pg_roles WHERE rolname = 'business_analysts'"):
        expected.add((20, "42704"))  # role business_analysts does not exist
    assert errors == expected
    assert any(rewrite.startswith("not-valid-constraint") for rewrite in guide.rewrites)
