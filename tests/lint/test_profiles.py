"""Less noise: opinions only on request, per-rule levels from tenantdb.toml, and info for what the runner rewrites."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tenantdb.config import LintProfile, LintSettings, RuleLevel, load_settings
from tenantdb.errors import ConfigError, ExitCode
from tenantdb.lint import Category, Severity, lint_migration_sets
from tenantdb.lint.model import RuleId
from tenantdb.lint.rules import RULES_BY_ID
from tenantdb.migrations import load_migrations
from tests.helpers import cli

VARCHAR = "CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(255));"
OPINIONS = {"prefer-text-over-varchar", "prefer-bigint-over-int", "prefer-identity-over-serial"}


def findings(folder: Path, *scripts: str, **options: object) -> list[tuple[str, str]]:
    for number, script in enumerate(scripts, 1):
        (folder / f"{number:04d}_step.up.sql").write_text(script, encoding="utf-8")
    report = lint_migration_sets([load_migrations(folder)], **options)  # type: ignore[arg-type]
    return [(f.rule, f.severity) for f in report.findings]


def test_opinions_are_opinions_and_hazards_are_the_default() -> None:
    assert {rule.id for rule in RULES_BY_ID.values() if rule.category is Category.OPINION} == OPINIONS
    assert RULES_BY_ID[RuleId("prefer-jsonb-over-json")].category is Category.HAZARD


def test_opinions_do_not_run_under_the_default_profile(tmp_path: Path) -> None:
    assert findings(tmp_path, VARCHAR) == []


def test_opinions_run_under_the_strict_profile(tmp_path: Path) -> None:
    strict = LintSettings(profile=LintProfile.STRICT)
    assert findings(tmp_path, VARCHAR, lint=strict) == [("prefer-text-over-varchar", "warning")]


def test_a_rule_enabled_in_config_runs_at_its_configured_level(tmp_path: Path) -> None:
    settings = LintSettings(rules={"prefer-text-over-varchar": RuleLevel.ERROR})
    assert findings(tmp_path, VARCHAR, lint=settings) == [("prefer-text-over-varchar", "error")]


def test_a_rule_turned_off_in_config_does_not_run(tmp_path: Path) -> None:
    settings = LintSettings(profile=LintProfile.STRICT, rules={"prefer-text-over-varchar": RuleLevel.OFF})
    assert findings(tmp_path, VARCHAR, lint=settings) == []
    assert findings(tmp_path, "TRUNCATE orders;", lint=LintSettings(rules={"ban-truncate": RuleLevel.OFF})) == []


def test_an_info_level_never_fails(tmp_path: Path) -> None:
    (tmp_path / "0001_step.up.sql").write_text("TRUNCATE orders;", encoding="utf-8")
    report = lint_migration_sets([load_migrations(tmp_path)], lint=LintSettings(rules={"ban-truncate": RuleLevel.INFO}))
    assert [f.severity for f in report.findings if f.rule == "ban-truncate"] == [Severity.INFO]
    assert report.failing("warning") == 0


def test_a_suppression_of_a_rule_that_does_not_run_is_not_unused(tmp_path: Path) -> None:
    sql = f"-- tenantdb: ignore[prefer-text-over-varchar] matches the CRM's limit\n{VARCHAR}"
    assert findings(tmp_path, sql) == []


def test_a_plain_index_on_an_existing_table_is_info_when_the_runner_rewrites_it(tmp_path: Path) -> None:
    (tmp_path / "0001_step.up.sql").write_text(
        "CREATE INDEX orders_tenant_idx ON orders (tenant_id);", encoding="utf-8"
    )
    report = lint_migration_sets([load_migrations(tmp_path)])
    (finding,) = report.findings
    assert (finding.rule, finding.severity) == ("require-concurrent-index-creation", Severity.INFO)
    assert "the runner rewrites this to CREATE INDEX CONCURRENTLY" in finding.message
    assert report.failing("warning") == 0


def test_the_same_index_is_a_warning_when_online_rewrites_are_off(tmp_path: Path) -> None:
    sql = "CREATE INDEX orders_tenant_idx ON orders (tenant_id);"
    assert findings(tmp_path, sql, online=False) == [("require-concurrent-index-creation", "warning")]


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);", "require-not-valid-constraint"),
        ("ALTER TABLE orders ALTER COLUMN tenant_id SET NOT NULL;", "ban-set-not-null"),
        ("ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);", "ban-add-unique-constraint"),
    ],
)
def test_every_online_rewrite_is_reported_as_info(tmp_path: Path, sql: str, rule: str) -> None:
    assert findings(tmp_path, sql) == [(rule, "info")]
    assert findings(tmp_path, sql, online=False) == [(rule, "warning")]


def test_a_statement_the_runner_leaves_as_written_keeps_its_severity(tmp_path: Path) -> None:
    # inside the file's own BEGIN ... COMMIT nothing is rewritten: it must stay one transaction
    sql = "BEGIN;\nCREATE INDEX orders_tenant_idx ON orders (tenant_id);\nCOMMIT;"
    assert ("require-concurrent-index-creation", "warning") in findings(tmp_path, sql)


# DROP TABLE IF EXISTS as an idempotency guard
@pytest.mark.parametrize(
    ("scripts", "expected"),
    [
        (("DROP TABLE IF EXISTS staging_import;\nCREATE TABLE staging_import (id bigint PRIMARY KEY);",), []),
        (("DROP TABLE IF EXISTS never_created;",), ["ban-drop-table"]),
        (("DROP TABLE legacy_invoices;",), ["ban-drop-table"]),
        (
            ("CREATE TABLE invoices (id bigint PRIMARY KEY);", "DROP TABLE IF EXISTS invoices;"),
            ["ban-drop-table"],
        ),
        (
            (
                "CREATE TABLE invoices (id bigint PRIMARY KEY);",
                "DROP TABLE IF EXISTS invoices;\nCREATE TABLE invoices (id bigint PRIMARY KEY, total numeric);",
            ),
            ["ban-drop-table"],
        ),
    ],
    ids=[
        "guard-before-create",
        "guard-without-create",
        "plain-drop",
        "if-exists-of-a-table-with-data",
        "recreated-table",
    ],
)
def test_drop_table_if_exists_as_an_idempotency_guard(
    tmp_path: Path, scripts: tuple[str, ...], expected: list[str]
) -> None:
    assert [rule for rule, _ in findings(tmp_path, *scripts) if rule == "ban-drop-table"] == expected


# tenantdb.toml
def settings_from(tmp_path: Path, toml: str) -> LintSettings:
    (tmp_path / "tenantdb.toml").write_text(toml, encoding="utf-8")
    return load_settings(tmp_path, environ={}).lint


def test_lint_settings_are_read_from_tenantdb_toml(tmp_path: Path) -> None:
    lint = settings_from(tmp_path, '[lint]\nprofile = "strict"\n[lint.rules]\nban-truncate = "info"\n')
    assert lint.profile is LintProfile.STRICT
    assert lint.rules == {"ban-truncate": RuleLevel.INFO}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[lint]\nprofile = "pedantic"\n', "lint.profile must be one of default, strict"),
        ('[lint]\nprofil = "strict"\n', "unknown [lint] setting(s): profil"),
        ('[lint.rules]\nban-truncate = "loud"\n', "lint.rules.ban-truncate must be one of off, info, warning, error"),
    ],
)
def test_bad_lint_settings_are_a_clear_error(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        settings_from(tmp_path, toml)


def test_an_unknown_rule_id_in_config_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "0001_step.up.sql").write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown rule id.*ban-truncat\b"):
        lint_migration_sets([load_migrations(tmp_path)], lint=LintSettings(rules={"ban-truncat": RuleLevel.OFF}))


# the command line
def test_cli_profile_and_json_output(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_customers.sql").write_text(f"-- migrate:up\n{VARCHAR}\n", encoding="utf-8")
    default = cli("lint", "-C", str(tmp_path), "--format", "json")
    assert default.returncode == 0, default.stdout + default.stderr
    strict = cli("lint", "-C", str(tmp_path), "--format", "json", "--profile", "strict")
    assert strict.returncode == ExitCode.VIOLATIONS
    (finding,) = json.loads(strict.stdout)["findings"]
    assert (finding["rule"], finding["severity"], finding["category"]) == (
        "prefer-text-over-varchar",
        "warning",
        "opinion",
    )


def test_cli_help_documents_the_profile() -> None:
    result = cli("lint", "--help")
    assert "--profile" in result.stdout and "strict" in result.stdout


def test_plan_reports_what_the_runner_rewrites_as_info_and_passes(dsn: str, tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_orders.sql").write_text(
        "-- migrate:up\nCREATE TABLE orders (id bigint PRIMARY KEY, tenant_id uuid);\n", encoding="utf-8"
    )
    base = ("--dsn", dsn, "-C", str(tmp_path), "--json")
    assert cli("migrate", "up", *base).returncode == 0
    (migrations / "0002_orders_idx.sql").write_text(
        "-- migrate:up\nCREATE INDEX orders_tenant_idx ON orders (tenant_id);\n", encoding="utf-8"
    )
    planned = cli("plan", *base)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    (finding,) = json.loads(planned.stdout)["findings"]
    assert (finding["rule"], finding["severity"]) == ("require-concurrent-index-creation", "info")
