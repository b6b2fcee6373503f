"""``tenantdb seed``: every module's seed.sql on a real PostgreSQL, with all of the modules' rules holding after it.

The data is checked for what the demo and the BI benchmarks rely on: one subscription per company, ledger
entries that match the payments, monthly e-mail volumes that add up the same in usage_metrics, the daily
deliverability and billing_analytics, and the same rows for the same seed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tenantdb import commands
from tenantdb.commands import seeding
from tenantdb.config import Settings, load_settings
from tenantdb.db import Session, connect, table_digest
from tenantdb.errors import ConfigError, DatabaseError, DatabaseStateError, ExitCode, MigrationFileError
from tenantdb.modules import ModuleSpec, available_modules, resolve_modules, seed_script
from tests import recipes
from tests.database_cache import DatabaseCache
from tests.helpers import cli
from tests.modules.support import fetch_as

ALL_MODULES = tuple(sorted(available_modules()))
AS_OF = date(2025, 6, 30)  # a fixed end of history, so the expected data does not move with the calendar
DIGESTED = ("companies", "users", "subscriptions", "payments", "billing_transactions", "deliverability_daily")


def project_settings(tmp_path: Path, dsn: str) -> Settings:
    modules = ", ".join(f'"{name}"' for name in ALL_MODULES)
    (tmp_path / "tenantdb.toml").write_text(f"modules = [{modules}]\n", encoding="utf-8")
    return load_settings(tmp_path, environ={}).with_overrides(dsn=dsn)


def seed(settings: Settings, tenants: int = 50, random_seed: int = 7, *, append: bool = False) -> commands.SeedReport:
    return commands.seed(settings, tenants=tenants, random_seed=random_seed, append=append, as_of=AS_OF)


def value(session: Session, query: str, params: tuple[object, ...] | None = None) -> Any:
    return session.fetch_value(query, params)


SEEDED = recipes.seeded(None, tenants=50, random_seed=7, as_of=AS_OF)  # what ``seed(settings)`` makes


@pytest.fixture
def seeded(database_cache: DatabaseCache, tmp_path: Path) -> Iterator[tuple[Settings, commands.SeedReport]]:
    """Every module applied and seeded with ``seed``'s defaults: a copy of a database seeded once per process."""
    for built in database_cache.copy(SEEDED):
        yield project_settings(tmp_path, built.dsn), built.result


def test_every_module_with_tables_ships_seed_data(tmp_path: Path) -> None:
    for module in commands.modules_info(load_settings(tmp_path, environ={})):
        spec = available_modules()[module.name]
        data_tables = set(module.tables) - set(spec.configuration_tables)
        assert (seed_script(spec) is not None) == bool(data_tables), module.name


def test_seed_fills_every_table_and_every_verify_block_holds(seeded: tuple[Settings, commands.SeedReport]) -> None:
    settings, report = seeded
    assert [module.module for module in report.modules] == [
        spec.name for spec in resolve_modules(ALL_MODULES) if seed_script(spec) is not None
    ]
    assert report.tenants == 50 and report.as_of == AS_OF and not report.appended
    added: dict[str, int] = {}
    for module in report.modules:
        for table in module.tables:
            added[table.table] = added.get(table.table, 0) + table.rows
    configuration = {name for spec in available_modules().values() for name in spec.configuration_tables}
    every_table = {name for info in commands.modules_info(settings) for name in info.tables} - configuration
    assert {name for name, rows in added.items() if rows > 0} == every_table
    assert added["companies"] == 51  # the batch, and the platform operator that owns the shared servers
    assert added["subscriptions"] == 50 and added["plans"] == 5

    verified = commands.migrate_verify(settings)
    assert verified.ok, [violation.message for violation in verified.violations]


def test_seeded_data_is_internally_consistent(seeded: tuple[Settings, commands.SeedReport]) -> None:
    dsn = seeded[0].dsn
    assert dsn is not None
    with connect(dsn) as session:
        checks = {
            "a customer without exactly one subscription": """
                SELECT count(*) FROM companies c
                WHERE c.slug <> 'platform-operator'
                  AND (SELECT count(*) FROM subscriptions s WHERE s.tenant_id = c.id) <> 1""",
            "a company without exactly one owner, or with more than 20 users": """
                SELECT count(*) FROM companies c
                WHERE c.slug <> 'platform-operator'
                  AND ((SELECT count(*) FROM users u WHERE u.tenant_id = c.id AND u.role = 'owner') <> 1
                       OR (SELECT count(*) FROM users u WHERE u.tenant_id = c.id) NOT BETWEEN 1 AND 20)""",
            "a captured payment whose charge does not match it": """
                SELECT count(*) FROM payments p
                WHERE p.status IN ('succeeded', 'refunded')
                  AND (SELECT sum(t.amount) FROM billing_transactions t
                       WHERE t.tenant_id = p.tenant_id AND t.payment_id = p.payment_id AND t.kind = 'charge')
                      IS DISTINCT FROM p.amount""",
            "a refunded payment not refunded in full": """
                SELECT count(*) FROM payments p
                WHERE p.status = 'refunded'
                  AND (SELECT -sum(t.amount) FROM billing_transactions t
                       WHERE t.tenant_id = p.tenant_id AND t.payment_id = p.payment_id AND t.kind = 'refund')
                      IS DISTINCT FROM p.amount""",
            "a free or trialing subscription that paid": """
                SELECT count(*) FROM payments p
                JOIN subscriptions s ON s.tenant_id = p.tenant_id AND s.subscription_id = p.subscription_id
                JOIN plans pl ON pl.plan_id = s.plan_id
                WHERE pl.price_monthly = 0 OR s.status = 'trialing'""",
            "a month whose e-mails differ between usage_metrics and billing_analytics": """
                SELECT count(*) FROM usage_metrics m
                FULL JOIN billing_analytics a ON a.tenant_id = m.tenant_id AND a.period_start = m.period_start
                WHERE m.metric IS DISTINCT FROM 'contacts_stored'
                  AND (m.quantity IS DISTINCT FROM a.emails_sent)""",
            "a month fully inside the 90 days whose daily sends do not add up to the month": """
                SELECT count(*) FROM billing_analytics a
                WHERE a.period_start >= DATE '2025-06-30' - 90 AND a.period_end <= DATE '2025-07-01'
                  AND (SELECT coalesce(sum(d.sent), 0) FROM deliverability_daily d
                       WHERE d.tenant_id = a.tenant_id AND d.day >= a.period_start AND d.day < a.period_end)
                      <> a.emails_sent""",
            "a deliverability day outside the last 90 days": """
                SELECT count(*) FROM deliverability_daily
                WHERE day NOT BETWEEN DATE '2025-06-30' - 90 AND DATE '2025-06-29'""",
            "a usage event outside the last 60 days": """
                SELECT count(*) FROM usage_events
                WHERE occurred_at NOT BETWEEN TIMESTAMPTZ '2025-06-30 00:00Z' - interval '60 days'
                                          AND TIMESTAMPTZ '2025-06-30 00:00Z'""",
            "daily aggregates that are not the events counted": """
                SELECT count(*) FROM (
                    SELECT tenant_id, (occurred_at AT TIME ZONE 'UTC')::date AS day, event_type, count(*) AS n
                    FROM usage_events GROUP BY 1, 2, 3
                ) e
                FULL JOIN usage_aggregates_daily a USING (tenant_id, day, event_type)
                WHERE e.n IS DISTINCT FROM a.event_count""",
            "a shared server not owned by the platform operator": """
                SELECT count(*) FROM vps_instances v JOIN companies c ON c.id = v.tenant_id
                WHERE (v.tenancy = 'shared') <> (c.slug = 'platform-operator')""",
            "a dedicated customer with no or more than 8 addresses": """
                SELECT count(*) FROM (
                    SELECT a.tenant_id, count(*) AS n FROM smtp_ip_addresses a
                    JOIN companies c ON c.id = a.tenant_id AND c.slug <> 'platform-operator'
                    GROUP BY a.tenant_id
                ) x WHERE n NOT BETWEEN 1 AND 8""",
            "a commission on a payment of another tenant or above the payment": """
                SELECT count(*) FROM affiliate_commissions c
                JOIN payments p ON p.tenant_id = c.tenant_id AND p.payment_id = c.payment_id
                WHERE c.amount > p.amount""",
            "an AI usage month that is not the sessions created in it": """
                SELECT count(*) FROM (
                    SELECT tenant_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date AS month, count(*) AS n
                    FROM ai_analysis_sessions GROUP BY 1, 2
                ) s
                FULL JOIN ai_session_usage u USING (tenant_id, month)
                WHERE s.n IS DISTINCT FROM u.sessions_created""",
            "a generated history beyond its end": """
                SELECT count(*) FROM payments WHERE created_at > TIMESTAMPTZ '2025-06-30 00:00Z'""",
        }
        found = {problem: int(value(session, query)) for problem, query in checks.items()}
        assert {problem: count for problem, count in found.items() if count} == {}

        plans = session.fetch_all("SELECT name, price_monthly FROM plans ORDER BY price_monthly")
        assert [(name, float(price)) for name, price in plans] == [
            ("Free", 0.0),
            ("Starter", 29.0),
            ("Growth", 99.0),
            ("Scale", 299.0),
            ("Enterprise", 999.0),
        ]
        active = value(session, "SELECT avg((status = 'active')::int) FROM subscriptions")
        assert 0.6 < float(active) < 0.95
        bounce = value(session, "SELECT sum(bounced_hard + bounced_soft)::float / sum(sent) FROM deliverability_daily")
        assert 0.002 < float(bounce) < 0.05
        tenant = str(value(session, "SELECT tenant_id FROM users GROUP BY tenant_id ORDER BY count(*) DESC LIMIT 1"))
        users = int(value(session, "SELECT count(*) FROM users WHERE tenant_id = %s", (tenant,)))
    # Row-level security applies to the seeded rows like to any other: a tenant sees its own users only.
    assert fetch_as(dsn, "tenant_api", tenant, "SELECT count(*), count(DISTINCT tenant_id) FROM users") == [(users, 1)]


def test_same_seed_gives_the_same_data(
    modules_dsn: str, tmp_path: Path, seeded: tuple[Settings, commands.SeedReport]
) -> None:
    (tmp_path / "other").mkdir()
    other = project_settings(tmp_path / "other", modules_dsn)
    again = seed(other)
    assert [(m.module, m.tables) for m in again.modules] == [(m.module, m.tables) for m in seeded[1].modules]
    assert seeded[0].dsn is not None
    with connect(seeded[0].dsn) as first, connect(modules_dsn) as second:
        for table in DIGESTED:
            assert table_digest(first, "public", table) == table_digest(second, "public", table), table


def test_another_seed_gives_other_data(modules_dsn: str, other_modules_dsn: str, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    seed(project_settings(tmp_path, modules_dsn), tenants=5, random_seed=1)
    seed(project_settings(tmp_path / "other", other_modules_dsn), tenants=5, random_seed=2)
    with connect(modules_dsn) as first, connect(other_modules_dsn) as second:
        assert table_digest(first, "public", "companies") != table_digest(second, "public", "companies")


def test_a_seeded_database_is_refused_unless_append(modules_dsn: str, tmp_path: Path) -> None:
    dsn = modules_dsn
    settings = project_settings(tmp_path, dsn)
    seed(settings, tenants=5)
    with pytest.raises(DatabaseStateError, match="already has 6 companies") as refused:
        seed(settings, tenants=5)
    assert refused.value.remedy == "append"

    appended = seed(settings, tenants=5, append=True)
    assert appended.appended
    with connect(dsn) as session:
        assert value(session, "SELECT count(*) FROM companies") == 11
        assert value(session, "SELECT count(*) FROM subscriptions") == 10
        assert value(session, "SELECT count(*) FROM companies WHERE slug = 'platform-operator'") == 1
    verified = commands.migrate_verify(settings)
    assert verified.ok, [violation.message for violation in verified.violations]


def test_seeding_needs_the_modules_applied(dsn: str, tmp_path: Path) -> None:
    with pytest.raises(DatabaseStateError, match="module core is not applied") as refused:
        seed(project_settings(tmp_path, dsn), tenants=5)
    assert refused.value.hint is not None and "migrate up" in refused.value.hint


def test_a_failing_statement_names_its_file_and_line_and_keeps_earlier_modules(
    modules_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn = modules_dsn
    settings = project_settings(tmp_path, dsn)
    real = seed_script

    def broken_billing(spec: ModuleSpec) -> str | None:
        return "SELECT 1;\n\nSELECT 1 / 0;\n" if spec.name == "billing" else real(spec)

    monkeypatch.setattr(seeding, "seed_script", broken_billing)
    with pytest.raises(
        DatabaseError, match=r"billing/seed\.sql:3: seeding module billing failed: division by zero"
    ) as failed:
        seed(settings, tenants=5)
    assert failed.value.sqlstate == "22012"
    assert failed.value.hint is not None and failed.value.hint.endswith("before it: core")
    with connect(dsn) as session:
        assert value(session, "SELECT count(*) FROM companies") == 5  # core committed in its own transaction
        assert value(session, "SELECT count(*) FROM plans") == 0  # billing rolled back as a whole

    monkeypatch.setattr(seeding, "seed_script", lambda spec: "SELEC 1;" if spec.name == "core" else None)
    with pytest.raises(MigrationFileError, match=r"core/seed\.sql:1"):
        seed(settings, tenants=5, append=True)


def test_a_role_subject_to_row_level_security_is_refused(modules_dsn: str, tmp_path: Path) -> None:
    dsn = modules_dsn
    role = f"tenantdb_seeder_{secrets.token_hex(4)}"
    with connect(dsn) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        settings = project_settings(tmp_path, make_conninfo(dsn, user=role))
        with pytest.raises(ConfigError, match="subject to row-level security") as refused:
            seed(settings, tenants=5)
        assert refused.value.hint is not None and "BYPASSRLS" in refused.value.hint
    finally:
        with connect(dsn) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_seeding_needs_an_enabled_module(dsn: str, tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={}).with_overrides(dsn=dsn)
    with pytest.raises(ConfigError, match="no enabled module"):
        seed(settings, tenants=5)


@pytest.mark.slow
@pytest.mark.one_server_version  # seeding, verifying and the refusal run on both versions in this file's other tests
def test_cli_seeds_verifies_and_refuses_a_second_run(dsn: str, tmp_path: Path) -> None:
    project_settings(tmp_path, dsn)
    base = ("--dsn", dsn, "-C", str(tmp_path))
    assert cli("migrate", "up", *base).returncode == 0
    result = cli("seed", "--tenants", "3", "--seed", "5", "--as-of", "2025-06-30", *base, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["tenants"] == 3 and document["random_seed"] == 5 and document["as_of"] == "2025-06-30"
    assert document["modules"][0]["module"] == "core"
    assert {"table": "companies", "rows": 3} in document["modules"][0]["tables"]

    verified = cli("migrate", "verify", *base)
    assert verified.returncode == 0, verified.stdout

    text = cli("seed", "--tenants", "2", "--append", *base)
    assert text.returncode == 0, text.stderr
    assert "seeding core for 2 tenant(s)" in text.stderr and "seeded email_infra:" in text.stderr
    assert "added 2 tenant(s) with seed 0" in text.stdout

    refused = cli("seed", "--tenants", "2", *base)
    assert refused.returncode == ExitCode.BAD_INPUT
    assert "already has" in refused.stderr and "--append" in refused.stderr
