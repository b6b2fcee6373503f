"""A database with every bundled module applied and three tenants' canary rows, and the helpers the tenant-isolation
attack matrix (RELIABILITY.md §3.3) uses to act as the tenant roles against it.

Three tenants hold rows of the same shapes in every tenant table of every module — the same secondary keys,
e-mail addresses and names — each row marked with its tenant's canary (and its tenant id). Every attack runs as
the roles services use (``SET LOCAL ROLE tenant_api`` etc.) with the tenant set the way the application sets it,
and passes only when no byte of another tenant's canary or id comes back.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tenantdb.db import Session, connect
from tenantdb.errors import DatabaseError
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction, MigrationSet
from tenantdb.modules import available_modules, module_migrations, resolve_modules
from tenantdb.sql.describe import describe
from tests.conftest import TEMPLATE
from tests.helpers import FAST
from tests.postgres import PgServer

TENANT_ROLES = ("tenant_api", "application_service")
ALL_ROLES = (*TENANT_ROLES, "business_analysts", "db_administrators")
SETTING = "app.current_tenant_id"
INSUFFICIENT_PRIVILEGE = "42501"  # also what a row-level security WITH CHECK failure raises


def every_module_set() -> list[MigrationSet]:
    return [module_migrations(spec) for spec in resolve_modules(available_modules())]


def _tenant_tables() -> tuple[str, ...]:
    """Every table of every module that holds tenants' rows (tenant_id, or companies itself), from the SQL."""
    statements = (s for ms in every_module_set() for m in ms for s in m.up.statements)
    tables = describe(statements)
    return tuple(sorted(name for name, doc in tables.items() if doc.tenant_owned or name == "companies"))


TENANT_TABLES = _tenant_tables()
# Tables that hold a tenant's rows no tenant role may read at all, not even its own: the operator's judgement of a
# customer (module events: "reprice this customer", decisions about it). The read attacks run on the others;
# test_security checks that this list is exactly the tables without a tenant reader.
OPERATOR_ONLY_TABLES = ("cost_optimization_results", "cost_optimizations", "strategic_decisions")
TENANT_READ_TABLES = tuple(table for table in TENANT_TABLES if table not in OPERATOR_ONLY_TABLES)
# Tables that triggers fill from the other tables' seeds, with the rows each tenant then holds there and the
# platform's (tenant_id NULL): billing_audit_log records the INSERT of each tenant's subscription, payment and
# ledger entry, and of the shared plan. Every other tenant table holds one row per tenant and none of the platform.
TRIGGER_FILLED = {"billing_audit_log": (3, 1)}
# Tables whose rows no role may delete, and which keep a deleted tenant's rows: the billing audit trail.
NEVER_DELETED = ("billing_audit_log",)


def rows_per_tenant(table: str) -> int:
    """The rows of each tenant in ``table`` in the world."""
    return TRIGGER_FILLED.get(table, (1, 0))[0]


def rows_in_all(table: str) -> int:
    """Every row of ``table`` in the world: the three tenants' and the platform's."""
    per_tenant, platform = TRIGGER_FILLED.get(table, (1, 0))
    return 3 * per_tenant + platform


def key_column(table: str) -> str:
    """The column naming a row's tenant: companies' own id, tenant_id everywhere else."""
    return "id" if table == "companies" else "tenant_id"


# Secondary keys are the same in every tenant: (tenant_id, user_id) is the key, so tenants never collide, and an
# attack that names a key without the tenant must still reach only the caller's own row.
KEYS = {
    name: f"00000000-0000-4000-8000-{index:012d}"
    for index, name in enumerate(
        [
            "user", "team", "license", "audit", "plan", "subscription", "payment", "transaction", "vps", "ip",
            "portfolio", "business", "session", "report", "affiliate", "referral", "commission", "event", "error",
            "pool", "line", "batch", "impact",
        ],
        start=1,
    )
}  # fmt: skip

SHARED_SEEDS = {
    "plans": "INSERT INTO plans (plan_id, name, price_monthly) VALUES (%(plan)s, 'Pro', 49.00)",
    "affiliates": "INSERT INTO affiliates (affiliate_id, code, name, email)"
    " VALUES (%(affiliate)s, 'partner-1', 'Partner', 'partner@example.com')",
    "cost_pools": "INSERT INTO cost_pools (pool_id, name) VALUES (%(pool)s, 'shared-sending')",
    "allocation_rules": "INSERT INTO allocation_rules (pool_id, effective_from, rule) VALUES (%(pool)s, '2026-01-01',"
    " 'even')",
}

MONTH = "date_trunc('month', now())"

# One row per tenant table and tenant, in dependency order; %(canary)s marks the tenant in a text column where
# the table has one, and tenant_id marks every row.
TENANT_SEEDS = {
    "companies": "INSERT INTO companies (id, name, slug) VALUES (%(tenant)s, %(canary)s, %(slug)s)",
    "users": "INSERT INTO users (tenant_id, user_id, email, full_name, role)"
    " VALUES (%(tenant)s, %(user)s, 'owner@example.com', %(canary)s, 'owner')",
    "teams": "INSERT INTO teams (tenant_id, team_id, name) VALUES (%(tenant)s, %(team)s, 'Ops ' || %(canary)s)",
    "team_members": "INSERT INTO team_members (tenant_id, team_id, user_id, role)"
    " VALUES (%(tenant)s, %(team)s, %(user)s, 'lead')",
    "licenses": "INSERT INTO licenses (tenant_id, license_id, product, seats_total, seats_used)"
    " VALUES (%(tenant)s, %(license)s, %(canary)s, 10, 1)",
    "audit_logs": "INSERT INTO audit_logs (tenant_id, audit_log_id, actor_user_id, actor_email, action, object_type,"
    " object_id, details) VALUES (%(tenant)s, %(audit)s, %(user)s, 'owner@example.com', 'login', 'user',"
    " %(canary)s, jsonb_build_object('canary', %(canary)s::text))",
    "subscriptions": "INSERT INTO subscriptions (tenant_id, subscription_id, plan_id, status, current_period_start,"
    f" current_period_end, stripe_customer_id) VALUES (%(tenant)s, %(subscription)s, %(plan)s, 'active', {MONTH},"
    f" {MONTH} + interval '1 month', %(canary)s)",
    "payments": "INSERT INTO payments (tenant_id, payment_id, subscription_id, amount, currency, status,"
    " billing_period_start, billing_period_end, paid_at, external_payment_id) VALUES (%(tenant)s, %(payment)s,"
    f" %(subscription)s, 49.00, 'USD', 'succeeded', {MONTH}, {MONTH} + interval '1 month', now(), %(canary)s)",
    "billing_transactions": "INSERT INTO billing_transactions (tenant_id, transaction_id, payment_id, kind, amount,"
    " currency, description) VALUES (%(tenant)s, %(transaction)s, %(payment)s, 'charge', 49.00, 'USD', %(canary)s)",
    "usage_metrics": "INSERT INTO usage_metrics (tenant_id, metric, period_start, quantity)"
    f" VALUES (%(tenant)s, 'emails.sent', {MONTH}::date, 1000)",
    "vps_instances": "INSERT INTO vps_instances (tenant_id, vps_instance_id, hostname, tenancy, status, provider,"
    " region, capacity_emails_per_hour) VALUES (%(tenant)s, %(vps)s, %(canary)s || '.mail.example.com',"
    " 'dedicated', 'active', 'hetzner', 'eu-central', 5000)",
    "smtp_ip_addresses": "INSERT INTO smtp_ip_addresses (tenant_id, ip_id, vps_instance_id, ip, status,"
    " warmup_started_at, reputation_score) VALUES (%(tenant)s, %(ip)s, %(vps)s, %(address)s::inet, 'warmed',"
    " now() - interval '30 days', 97.5)",
    "deliverability_daily": "INSERT INTO deliverability_daily (tenant_id, day, sent, delivered, bounced_hard,"
    " bounced_soft, spam_complaints, blocked) VALUES (%(tenant)s, current_date - 1, 1000, 950, 20, 10, 1, 5)",
    "billing_analytics": "INSERT INTO billing_analytics (tenant_id, subscription_id, period_start, period_end,"
    " emails_sent, emails_delivered, emails_bounced, spam_complaints, revenue, infrastructure_cost, currency)"
    f" VALUES (%(tenant)s, %(subscription)s, {MONTH}::date, ({MONTH} + interval '1 month')::date, 1000, 950, 30, 1,"
    " 49.00, 12.34, 'USD')",
    "portfolios": "INSERT INTO portfolios (tenant_id, portfolio_id, name)"
    " VALUES (%(tenant)s, %(portfolio)s, 'Growth ' || %(canary)s)",
    "portfolio_businesses": "INSERT INTO portfolio_businesses (tenant_id, business_id, portfolio_id, business_name,"
    " country, employees, annual_revenue, currency) VALUES (%(tenant)s, %(business)s, %(portfolio)s, %(canary)s,"
    " 'DE', 120, 1000000.00, 'EUR')",
    "ai_analysis_sessions": "INSERT INTO ai_analysis_sessions (tenant_id, session_id, portfolio_id, analysis_type,"
    " model, status, progress, results, confidence, processing_time_ms, started_at, finished_at)"
    " VALUES (%(tenant)s, %(session)s, %(portfolio)s, 'valuation', 'model-x', 'succeeded', 100,"
    " jsonb_build_object('summary', %(canary)s::text), 0.875, 1200, now() - interval '1 hour', now())",
    # the limits trigger (ai_saas 0004) counted the session above in this month's row: this only says so
    "ai_session_usage": "INSERT INTO ai_session_usage (tenant_id, month, sessions_created)"
    " VALUES (%(tenant)s, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 1) ON CONFLICT DO NOTHING",
    "generated_reports": "INSERT INTO generated_reports (tenant_id, report_id, session_id, title, report_type,"
    " format, status, content, generated_at) VALUES (%(tenant)s, %(report)s, %(session)s, %(canary)s,"
    " 'executive_summary', 'pdf', 'ready', jsonb_build_object('canary', %(canary)s::text), now())",
    "affiliate_referrals": "INSERT INTO affiliate_referrals (tenant_id, referral_id, affiliate_id, status)"
    " VALUES (%(tenant)s, %(referral)s, %(affiliate)s, 'converted')",
    "affiliate_commissions": "INSERT INTO affiliate_commissions (tenant_id, commission_id, affiliate_id, referral_id,"
    " payment_id, amount, status) VALUES (%(tenant)s, %(commission)s, %(affiliate)s, %(referral)s, %(payment)s,"
    " 9.80, 'approved')",
    "usage_events": "INSERT INTO usage_events (tenant_id, event_id, occurred_at, event_type, user_id, properties)"
    " VALUES (%(tenant)s, %(event)s, now(), 'email.sent', %(user)s, jsonb_build_object('canary', %(canary)s::text))",
    "usage_aggregates_daily": "INSERT INTO usage_aggregates_daily (tenant_id, day, event_type, event_count, quantity)"
    " VALUES (%(tenant)s, current_date, 'email.sent', 1, 1)",
    "usage_aggregates_monthly": "INSERT INTO usage_aggregates_monthly (tenant_id, month, event_type, event_count,"
    f" quantity) VALUES (%(tenant)s, {MONTH}::date, 'email.sent', 1, 1)",
    "feature_usage": "INSERT INTO feature_usage (tenant_id, feature, day, usage_count, unique_users, last_used_at)"
    " VALUES (%(tenant)s, 'reports.export', current_date, 3, 1, now())",
    "api_usage": "INSERT INTO api_usage (tenant_id, endpoint, day, calls, errors, p95_ms)"
    " VALUES (%(tenant)s, '/v1/reports', current_date, 10, 1, 120)",
    "error_logs": "INSERT INTO error_logs (tenant_id, error_log_id, level, source, message, user_id)"
    " VALUES (%(tenant)s, %(error)s, 'error', 'api', %(canary)s, %(user)s)",
    "cost_pool_members": "INSERT INTO cost_pool_members (tenant_id, pool_id, weight) VALUES (%(tenant)s, %(pool)s, 1)",
    "bi_cost_allocation_lines": "INSERT INTO bi_cost_allocation_lines (tenant_id, month, line_id, resource_kind,"
    f" resource_id, cost_kind, category, rule, driver, unit_cost, amount) VALUES (%(tenant)s, {MONTH}::date,"
    " %(line)s, 'vps', %(vps)s, 'infrastructure', 'dedicated', 'dedicated', %(canary)s, 150, 150)",
    "bi_tenant_monthly": "INSERT INTO bi_tenant_monthly (tenant_id, month, company_name, recognized_revenue,"
    f" infrastructure_cost, email_service_cost, total_cost) VALUES (%(tenant)s, {MONTH}::date, %(canary)s, 49.00,"
    " 150.00, 0, 150.00)",
    # module events: the operator tables (business_events, cost_optimizations and their results, strategic_decisions)
    # are keyed by tenant_id and an id of their own; each tenant's canary row gets an id derived from the tenant
    "business_events": "INSERT INTO business_events (event_id, occurred_at, event, tenant_id, properties)"
    " VALUES (tenantdb_events_stable_id('canary', %(tenant)s::uuid::text), now(), 'revenue_impact', %(tenant)s,"
    " jsonb_build_object('canary', %(canary)s::text))",
    "email_delivery_batches": "INSERT INTO email_delivery_batches (tenant_id, day, batch_id, sent, delivered, bounced,"
    " spam, blocked, cost_impact) VALUES (%(tenant)s, current_date - 1, %(batch)s, 1000, 950, 30, 1, 19, 0.05)",
    "email_delivery_daily": "INSERT INTO email_delivery_daily (tenant_id, day, batches, sent, delivered, bounced, spam,"
    " blocked, cost_impact) VALUES (%(tenant)s, current_date - 1, 1, 1000, 950, 30, 1, 19, 0.05)",
    "revenue_impacts": "INSERT INTO revenue_impacts (tenant_id, impact_id, impact_type, amount, urgency,"
    f" affected_customer_value, month, detected_at, source, details) VALUES (%(tenant)s, %(impact)s, 'churn',"
    f" -49.00, 'high', 49.00, {MONTH}::date, now() - interval '1 hour', 'application',"
    " jsonb_build_object('canary', %(canary)s::text))",
    "cost_optimizations": "INSERT INTO cost_optimizations (optimization_id, tenant_id, kind, subject, month,"
    " expected_savings, recommended_at) VALUES (tenantdb_events_stable_id('canary', %(tenant)s::uuid::text),"
    f" %(tenant)s, 'reprice_unprofitable_tenant', %(canary)s, {MONTH}::date, 101.00, now())",
    "cost_optimization_results": "INSERT INTO cost_optimization_results (tenant_id, optimization_id, month,"
    f" remaining, realized) VALUES (%(tenant)s, tenantdb_events_stable_id('canary', %(tenant)s::uuid::text),"
    f" {MONTH}::date, 1.00, 100.00)",
    "efficiency_metrics": "INSERT INTO efficiency_metrics (tenant_id, month, capacity, used, utilization, score)"
    f" VALUES (%(tenant)s, {MONTH}::date, 5000, 4000, 0.8, 80)",
    "strategic_decisions": "INSERT INTO strategic_decisions (decision_id, tenant_id, title, category, opened_at)"
    " VALUES (tenantdb_events_stable_id('canary', %(tenant)s::uuid::text), %(tenant)s, %(canary)s, 'pricing', now())",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Tenant:
    number: int
    id: str
    canary: str


@dataclass(frozen=True, slots=True, kw_only=True)
class World:
    """A database with every module applied and three tenants' canary rows."""

    dsn: str
    server: PgServer
    tenants: tuple[Tenant, ...]

    @property
    def t1(self) -> Tenant:
        return self.tenants[0]

    @property
    def t2(self) -> Tenant:
        return self.tenants[1]

    def markers_of_others(self, tenant: Tenant) -> list[str]:
        return [marker for other in self.tenants if other != tenant for marker in (other.id, other.canary)]


@pytest.fixture(scope="module")
def world(pg_server: PgServer) -> Iterator[World]:
    name = f"t_security_{secrets.token_hex(5)}"
    with connect(pg_server.dsn) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE)))
    dsn = make_conninfo(pg_server.dsn, dbname=name)
    try:
        with connect(dsn) as session:
            migrate(session, every_module_set(), FAST, RunRequest(direction=Direction.UP))
            tenants = tuple(
                Tenant(number=n, id=str(session.fetch_value("SELECT gen_random_uuid()")), canary=f"canary-T{n}")
                for n in (1, 2, 3)
            )
            seed(session, tenants)
        yield World(dsn=dsn, server=pg_server, tenants=tenants)
    finally:
        with connect(pg_server.dsn) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def seed(session: Session, tenants: tuple[Tenant, ...]) -> None:
    """The shared catalogs once, then each tenant's rows (as the migration role: row-level security bypassed)."""
    for table, statement in SHARED_SEEDS.items():
        if exists(session, table):
            session.execute(statement, KEYS)
    for tenant in tenants:
        values = {
            **KEYS,
            "tenant": tenant.id,
            "canary": tenant.canary,
            "slug": f"tenant-{tenant.number}",
            "address": f"192.0.2.{tenant.number}",
        }
        for table, statement in TENANT_SEEDS.items():
            if exists(session, table):
                session.execute(statement, values)
    # the runner leaves its short lock_timeout on the session; ANALYZE must outwait an autovacuum of the same table
    # (which yields to it after deadlock_timeout), as CI27 showed
    session.execute("RESET lock_timeout")
    session.execute("ANALYZE")


def exists(session: Session, table: str) -> bool:
    return bool(session.fetch_value("SELECT to_regclass(%s) IS NOT NULL", (table,)))


@pytest.fixture
def admin(world: World) -> Iterator[Session]:
    """The migration role's session on the world (superuser in the tests: row-level security does not apply)."""
    with connect(world.dsn, application_name="tenantdb security test") as session:
        yield session


@contextmanager
def acting(session: Session, role: str, tenant: Tenant | str | None, *, begin: bool = True) -> Iterator[Session]:
    """One transaction as ``role``, with the tenant set transaction-locally; always rolled back.

    ``begin=False`` continues the transaction the caller opened (to plant something first).
    """
    if begin:
        session.execute("BEGIN")
    try:
        session.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        if tenant is not None:
            session.execute(
                "SELECT set_config(%s, %s, true)", (SETTING, tenant.id if isinstance(tenant, Tenant) else tenant)
            )
        yield session
    finally:
        session.rollback()


def switch_tenant(session: Session, tenant: Tenant) -> None:
    session.execute("SELECT set_config(%s, %s, true)", (SETTING, tenant.id))


def readable_columns(session: Session, table: str, role: str | None = None) -> tuple[list[str], bool]:
    """The columns of ``table`` that ``role`` (default: the current role) may read, and whether that is all of them."""
    columns = session.fetch_all(
        "SELECT attname, has_column_privilege(coalesce(%(role)s::name, current_user), attrelid, attnum, 'SELECT')"
        " FROM pg_attribute WHERE attrelid = to_regclass(%(table)s) AND attnum > 0 AND NOT attisdropped"
        " ORDER BY attnum",
        {"table": table, "role": role},
    )
    return [str(name) for name, granted in columns if granted], all(granted for _, granted in columns)


def readable_rows(session: Session, table: str, role: str | None = None) -> sql.Composable:
    """``table`` as ``role`` may read it: the table itself, or a subquery of the columns granted to the role where
    it may read only some (R27: bi_cost_allocation_lines without the pools' totals)."""
    names, everything = readable_columns(session, table, role)
    if everything:
        return sql.Identifier(table)
    return sql.SQL("(SELECT {} FROM {})").format(sql.SQL(", ").join(map(sql.Identifier, names)), sql.Identifier(table))


def rows_as_text(session: Session, table: str) -> list[str]:
    """Every row of ``table`` the current role sees, as JSON of the columns it may read."""
    query = sql.SQL("SELECT row_to_json(t)::text FROM {} AS t").format(readable_rows(session, table))
    return [str(row[0]) for row in session.fetch_all(query)]


def count_of(session: Session, table: str, tenant: Tenant) -> int:
    query = sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(
        sql.Identifier(table), sql.Identifier(key_column(table))
    )
    return int(session.fetch_value(query, (tenant.id,)))


def digest(session: Session, table: str) -> str:
    """Every visible row of ``table``, as one string (what the current role and tenant see)."""
    return "\n".join(sorted(rows_as_text(session, table)))


def leaked(world: World, tenant: Tenant, texts: list[str]) -> list[str]:
    return [text for text in texts if any(marker in text for marker in world.markers_of_others(tenant))]


def assert_denied(error: pytest.ExceptionInfo[DatabaseError], world: World, tenant: Tenant) -> None:
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE, error.value
    assert leaked(world, tenant, [str(error.value), error.value.hint or ""]) == []


def writable_columns(session: Session, table: str) -> list[str]:
    rows = session.fetch_all(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped"
        " AND attgenerated = '' AND attidentity <> 'a' ORDER BY attnum",
        (table,),
    )
    return [str(row[0]) for row in rows]


def privileged(session: Session, role: str, table: str, privilege: str) -> bool:
    return bool(session.fetch_value("SELECT has_table_privilege(%s, %s, %s)", (role, table, privilege)))


def readable(session: Session, role: str, table: str) -> bool:
    """Whether ``role`` may read ``table``, all of it or some of its columns."""
    return bool(session.fetch_value("SELECT has_any_column_privilege(%s, %s, 'SELECT')", (role, table)))


def visible_rows(session: Session, role: str, tenant: Tenant | str | None, table: str) -> list[str] | None:
    """What ``role`` sees of ``table`` with ``tenant`` set; None when the role may not read the table at all."""
    if not readable(session, role, table):
        with acting(session, role, tenant), pytest.raises(DatabaseError) as error:
            rows_as_text(session, table)
        assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
        return None
    with acting(session, role, tenant):
        return rows_as_text(session, table)


def a_reader(session: Session, table: str) -> str:
    """A tenant role that may read ``table``, or some of its columns (every tenant table has one)."""
    readers = [role for role in TENANT_ROLES if readable(session, role, table)]
    assert readers, f"no tenant role may read {table}"
    return readers[0]
