"""``tenantdb audit``: the billing audit trail — who changed which plan, subscription, payment or ledger entry, when,
and from what to what (docs/billing-audit.md)."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated, Any

import typer
from rich.markup import escape

from tenantdb.cli.documents import jsonable
from tenantdb.cli.options import DATABASE, Common, shared
from tenantdb.cli.render import stdout
from tenantdb.commands.audit import DEFAULT_LIMIT, AuditReport, billing_audit
from tenantdb.db.billing_audit import AuditedTable, AuditEntry, AuditOperation

CSV_COLUMNS = (
    "at", "seq", "audit_id", "xact", "tenant_id", "table_name", "operation", "row_key", "changed_columns",
    "old_values", "new_values", "session_user_name", "current_role_name", "application_name", "context_tenant_id",
)  # fmt: skip


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(jsonable(value), sort_keys=True)


def emit_audit_csv(report: AuditReport) -> None:
    """The entries as CSV, header first; keys and values as JSON text, changed columns space-separated."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in report.entries:
        writer.writerow([
            e.at.isoformat(), e.seq, e.audit_id, e.xact, e.tenant_id or "", e.table_name, e.operation,
            _json_text(e.row_key), " ".join(e.changed_columns), _json_text(e.old_values), _json_text(e.new_values),
            e.session_user_name, e.current_role_name, e.application_name, e.context_tenant_id or "",
        ])  # fmt: skip
    sys.stdout.flush()


def _what(entry: AuditEntry) -> str:
    if entry.operation is AuditOperation.UPDATE:
        old, new = entry.old_values or {}, entry.new_values or {}
        changes = [f"{c}: {_short(old.get(c))} -> {_short(new.get(c))}" for c in entry.changed_columns]
        return "; ".join(changes) or "no column changed"
    if entry.operation is AuditOperation.TRUNCATE:
        return "every row removed"
    return "new row" if entry.operation is AuditOperation.INSERT else "row deleted"


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


def show_audit(report: AuditReport) -> None:
    scope = f"tenant {report.tenant_slug}" if report.tenant_slug else "every tenant and the shared plans"
    until = f" to {report.until:%Y-%m-%d %H:%M}" if report.until else ""
    table = f", {report.table} only" if report.table else ""
    stdout.print(escape(f"billing audit of {scope} from {report.since:%Y-%m-%d %H:%M}{until} UTC{table}"))
    if not report.entries:
        stdout.print("no change recorded in that period")
        return
    for e in report.entries:
        key = ", ".join(f"{name}={value}" for name, value in (e.row_key or {}).items() if name != "tenant_id")
        who = (
            e.current_role_name
            if e.current_role_name == e.session_user_name
            else (f"{e.session_user_name} as {e.current_role_name}")
        )
        app = f" ({e.application_name})" if e.application_name else ""
        whose = "" if report.tenant_id else f"{e.tenant_id or 'platform'}  "  # every tenant's: say whose
        line = f"{e.at:%Y-%m-%d %H:%M:%S}  {whose}{e.table_name} {e.operation} {key}  by {who}{app}: {_what(e)}"
        stdout.print(escape(line))
    if report.more:
        stdout.print(f"[yellow]more changes after these {report.limit}:[/] raise --limit or narrow the period")


@shared(*DATABASE)
def audit(
    since: Annotated[
        str, typer.Option("--since", help="First UTC day (2026-06-01) or timestamp (2026-06-01T12:00Z) to show.")
    ],
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", help="The tenant (id, slug or name) \\[default: every tenant and the shared plans]."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Last UTC day, included (2026-06-30), or a timestamp, excluded \\[default: now]."),
    ] = None,
    table: Annotated[
        AuditedTable | None, typer.Option("--table", help="Only the changes of this table.", case_sensitive=False)
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many changes, oldest first.")] = (
        DEFAULT_LIMIT
    ),
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the changes as CSV (header row first).")] = False,
    *,
    common: Common,
) -> None:
    """The billing audit trail: every change to plans, subscriptions, payments and the ledger in a period, with
    who made it (login, role, application), old and new values (secrets redacted). Reads as the connecting role,
    through its row-level security."""
    if common.as_json and as_csv:
        raise typer.BadParameter("choose one of --json and --csv")
    common.run(
        lambda: billing_audit(common.settings(), tenant=tenant, since=since, until=until, table=table, limit=limit),
        emit_audit_csv if as_csv else show_audit,
    )
