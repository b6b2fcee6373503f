"""``tenantdb audit``: the billing audit trail of a tenant over a period, as text, JSON and CSV, as a user runs it."""

from __future__ import annotations

import csv
import io
import json

from tenantdb.db import Session, connect
from tests import recipes
from tests.helpers import cli
from tests.modules.support import acting_as, apply_modules, new_company

PERIOD = "now() - interval '1 day', now() + interval '29 days'"


dsn = recipes.database_fixture(recipes.modules_applied(["billing"]))  # every test starts with billing applied


def billing_history(session: Session, dsn: str) -> tuple[str, str]:
    """Two tenants with a subscription each; acme's is then paused by its checkout service."""
    plan = session.fetch_value("INSERT INTO plans (name, price_monthly) VALUES ('pro', 49.00) RETURNING plan_id")
    tenants = []
    for slug in ("acme", "globex"):
        tenant = new_company(session, slug)
        session.execute(
            "INSERT INTO subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end)"
            f" VALUES (%s, %s, 'active', {PERIOD})",
            (tenant, plan),
        )
        tenants.append(tenant)
    with acting_as(dsn, "application_service", tenants[0]) as app:
        app.execute("SET LOCAL application_name = 'checkout'")
        app.execute("UPDATE subscriptions SET status = 'paused'")
    return tenants[0], tenants[1]


def test_a_tenants_trail_as_json_text_and_csv(session: Session, dsn: str) -> None:
    acme, globex = billing_history(session, dsn)
    result = cli("audit", "--tenant", "acme", "--since", "2020-01-01", "--dsn", dsn, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["tenant_slug"] == "acme" and report["more"] is False
    entries = report["entries"]
    assert [(e["table_name"], e["operation"]) for e in entries] == [
        ("subscriptions", "INSERT"),
        ("subscriptions", "UPDATE"),
    ]
    assert {e["tenant_id"] for e in entries} == {acme} and globex not in result.stdout
    update = entries[1]
    assert update["current_role_name"] == "application_service" and update["application_name"] == "checkout"
    assert update["old_values"]["status"] == "active" and update["new_values"]["status"] == "paused"
    assert update["changed_columns"] == ["status", "updated_at"]

    text = cli("audit", "--tenant", acme, "--since", "2020-01-01", "--dsn", dsn)
    assert text.returncode == 0, text.stderr
    assert "subscriptions UPDATE" in text.stdout and "status: active -> paused" in text.stdout
    assert "as application_service (checkout)" in text.stdout

    table = cli("audit", "--tenant", "acme", "--since", "2020-01-01", "--dsn", dsn, "--csv")
    assert table.returncode == 0, table.stderr
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [(r["table_name"], r["operation"]) for r in rows] == [
        ("subscriptions", "INSERT"),
        ("subscriptions", "UPDATE"),
    ]
    assert json.loads(rows[1]["new_values"])["status"] == "paused" and rows[1]["changed_columns"] == "status updated_at"


def test_filters_by_table_period_and_limit_and_reads_every_tenant_without_one(session: Session, dsn: str) -> None:
    acme, _ = billing_history(session, dsn)
    everyone = json.loads(cli("audit", "--since", "2020-01-01", "--dsn", dsn, "--json").stdout)
    assert [(e["table_name"], e["operation"]) for e in everyone["entries"]] == [
        ("plans", "INSERT"),
        ("subscriptions", "INSERT"),
        ("subscriptions", "INSERT"),
        ("subscriptions", "UPDATE"),
    ]
    plans = json.loads(cli("audit", "--since", "2020-01-01", "--table", "plans", "--dsn", dsn, "--json").stdout)
    assert [e["table_name"] for e in plans["entries"]] == ["plans"]
    limited = json.loads(cli("audit", "--since", "2020-01-01", "--limit", "2", "--dsn", dsn, "--json").stdout)
    assert len(limited["entries"]) == 2 and limited["more"] is True
    before = json.loads(cli("audit", "--since", "2020-01-01", "--until", "2020-12-31", "--dsn", dsn, "--json").stdout)
    assert before["entries"] == [] and before["more"] is False
    text = cli("audit", "--since", "2020-01-01", "--dsn", dsn).stdout
    assert "platform  plans INSERT" in text and f"{acme}  subscriptions UPDATE" in text
    future = cli("audit", "--since", "2999-01-01", "--dsn", dsn)
    assert future.returncode == 0 and "no change recorded" in future.stdout


def test_a_bad_tenant_date_or_option_is_a_clear_error(session: Session, dsn: str) -> None:
    billing_history(session, dsn)
    unknown = cli("audit", "--tenant", "initech", "--since", "2020-01-01", "--dsn", dsn)
    assert unknown.returncode == 3 and "no tenant 'initech'" in unknown.stderr
    bad_date = cli("audit", "--tenant", "acme", "--since", "last tuesday", "--dsn", dsn, "--json")
    assert bad_date.returncode == 3
    assert "--since 'last tuesday': expected a UTC day" in json.loads(bad_date.stdout)["message"]
    backwards = cli("audit", "--since", "2026-02-01", "--until", "2026-01-01", "--dsn", dsn)
    assert backwards.returncode == 3 and "is not after --since" in backwards.stderr
    both = cli("audit", "--since", "2026-02-01", "--json", "--csv", "--dsn", dsn)
    assert both.returncode == 2 and "choose one of --json and --csv" in both.stderr
    table = cli("audit", "--since", "2026-02-01", "--table", "invoices", "--dsn", dsn)
    assert table.returncode == 2 and "invoices" in table.stderr


def test_a_database_without_the_trail_says_which_module_to_apply(empty_dsn: str) -> None:
    with connect(empty_dsn) as session:
        apply_modules(session, "security")
    result = cli("audit", "--since", "2020-01-01", "--dsn", empty_dsn)
    assert result.returncode == 3 and "module billing (0009 or later) is not applied" in result.stderr
