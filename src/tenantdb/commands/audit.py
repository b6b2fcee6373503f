"""``tenantdb audit``: the billing audit trail of a tenant (or of everyone) over a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tenantdb.bi.reports.explain import resolve_tenant
from tenantdb.commands.connection import resolve_dsn
from tenantdb.commands.events import parse_moment
from tenantdb.config import Settings
from tenantdb.db import connect, runner_identity
from tenantdb.db.billing_audit import AuditedTable, AuditEntry, audit_entries, require_billing_audit
from tenantdb.errors import ConfigError

DEFAULT_LIMIT = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    """The entries of the period, oldest first; ``more`` when the limit cut some off."""

    database: str
    tenant_id: UUID | None
    tenant_slug: str | None
    since: datetime
    until: datetime | None
    table: AuditedTable | None
    limit: int
    more: bool
    entries: tuple[AuditEntry, ...]


def billing_audit(
    settings: Settings,
    *,
    tenant: str | None,
    since: str,
    until: str | None = None,
    table: AuditedTable | None = None,
    limit: int = DEFAULT_LIMIT,
) -> AuditReport:
    """Read the trail as the configured role, through its row-level security (an operator's role reads every
    tenant's rows; a tenant role only its own)."""
    start = parse_moment(since, "since")
    end = parse_moment(until, "until", end_of_day=True) if until is not None else None
    if end is not None and end <= start:
        raise ConfigError(
            f"{until} is not after {{since}} {since}",
            option="until",
            refers=("since",),
            hint="the period is [since, until]",
        )
    if limit < 1:
        raise ConfigError(f"{limit}: expected at least 1", option="limit")
    with connect(
        resolve_dsn(settings),
        application_name=f"tenantdb audit {runner_identity()}"[:63],
        check_interval=settings.runner.connection_check_interval,
    ) as session:
        require_billing_audit(session)
        tenant_id, slug = None, None
        if tenant is not None:
            tenant_id, _, slug = resolve_tenant(session, tenant)
        entries = audit_entries(session, tenant_id=tenant_id, since=start, until=end, table=table, limit=limit + 1)
        return AuditReport(
            database=session.database,
            tenant_id=tenant_id,
            tenant_slug=slug,
            since=start,
            until=end,
            table=table,
            limit=limit,
            more=len(entries) > limit,
            entries=entries[:limit],
        )
