"""The billing audit trail (``billing_audit_log`` of module billing, migration 0009), read back.

The trail is written only by the billing tables' triggers; this module only reads it, through the row-level
security of the connected role (a tenant role sees its own tenant's rows, analysts and administrators every row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from tenantdb.db.session import Session
from tenantdb.errors import ConfigError

PLATFORM = UUID(int=0)
"""The tenant_id of the shared plans' changes (and of a TRUNCATE): the nil uuid, which no tenant has."""


class AuditedTable(StrEnum):
    """The tables whose every change the trail records."""

    PLANS = "plans"
    SUBSCRIPTIONS = "subscriptions"
    PAYMENTS = "payments"
    BILLING_TRANSACTIONS = "billing_transactions"


class AuditOperation(StrEnum):
    INSERT = "INSERT"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    TRUNCATE = "TRUNCATE"


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One change of one row (or one TRUNCATE), with secrets already redacted by the trigger that wrote it;
    ``tenant_id`` is None for the platform's (a plan's change, a TRUNCATE)."""

    audit_id: UUID
    seq: int
    at: datetime
    xact: int
    tenant_id: UUID | None
    table_name: str
    operation: AuditOperation
    row_key: dict[str, Any] | None
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    changed_columns: tuple[str, ...]
    session_user_name: str
    current_role_name: str
    application_name: str
    context_tenant_id: UUID | None


ENTRIES = """
SELECT audit_id, seq, at, xact::text::bigint, tenant_id, table_name, operation, row_key, old_values, new_values,
       coalesce(changed_columns, '{}'), session_user_name, current_role_name, application_name, context_tenant_id
FROM billing_audit_log
WHERE (%(everyone)s OR tenant_id = %(tenant_id)s)
  AND at >= %(since)s
  AND (%(until)s::timestamptz IS NULL OR at < %(until)s)
  AND (%(table)s::text IS NULL OR table_name = %(table)s)
ORDER BY seq
LIMIT %(limit)s
"""


def require_billing_audit(session: Session) -> None:
    """A clear error when the database has no trail (module billing not applied, or before its 0009)."""
    if not session.fetch_value("SELECT to_regclass('billing_audit_log') IS NOT NULL"):
        raise ConfigError(
            f"{session.database} has no billing_audit_log: module billing (0009 or later) is not applied",
            hint='enable it in tenantdb.toml (modules = ["billing", ...]) and run `tenantdb migrate up`',
        )


def audit_entries(
    session: Session,
    *,
    tenant_id: UUID | None,
    since: datetime,
    until: datetime | None = None,
    table: AuditedTable | None = None,
    limit: int,
) -> tuple[AuditEntry, ...]:
    """The trail's entries from ``since`` (included) to ``until`` (excluded), oldest first, at most ``limit``; of
    one tenant, or of every tenant and the shared plans when ``tenant_id`` is None."""
    require_billing_audit(session)
    rows = session.fetch_all(
        ENTRIES,
        {
            "everyone": tenant_id is None,
            "tenant_id": tenant_id,
            "since": since,
            "until": until,
            "table": table.value if table is not None else None,
            "limit": limit,
        },
    )
    return tuple(
        AuditEntry(
            audit_id=row[0],
            seq=int(row[1]),
            at=row[2],
            xact=int(row[3]),
            tenant_id=None if row[4] == PLATFORM else row[4],
            table_name=str(row[5]),
            operation=AuditOperation(row[6]),
            row_key=row[7],
            old_values=row[8],
            new_values=row[9],
            changed_columns=tuple(row[10]),
            session_user_name=str(row[11]),
            current_role_name=str(row[12]),
            application_name=str(row[13]),
            context_tenant_id=row[14],
        )
        for row in rows
    )
