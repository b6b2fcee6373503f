"""The reports as rich tables on stdout; every report opens with its month and revenue basis."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.markup import escape

from tenantdb.bi.reports.cost_optimization import CostOptimizationReport
from tenantdb.bi.reports.cost_per_email import CostPerEmailReport
from tenantdb.bi.reports.deliverability import DeliverabilityReport
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.bi.reports.executive_tenant import TenantExecutiveReport
from tenantdb.bi.reports.explain import ExplainReport
from tenantdb.bi.reports.plans import PlansReport
from tenantdb.bi.reports.reconciliation import ProviderReconciliation, ReconciliationFlag, ReconciliationReport
from tenantdb.cli.render import prose
from tenantdb.cli.report_dashboard import EXPLAIN_RENDERER, TITLES, show_dashboard_report
from tenantdb.cli.report_executive import show_executive, show_plans, show_tenant_executive
from tenantdb.cli.report_format import (
    RISK_STYLE,
    ROWS_SHOWN,
    count,
    header,
    money,
    more,
    new_table,
    percent,
    show_table,
    signed_money,
)

__all__ = ["RENDERERS", "show_executive", "show_report"]  # show_executive: views.show_demo


def show_cost_optimization(report: CostOptimizationReport) -> None:
    header("Cost optimization", report.scope)
    prose(f"[bold]{money(report.total_dollars_per_month)}[/] per month in {len(report.opportunities):,} opportunities")
    savings = new_table("by kind", "kind", "opportunities", "$/month", right=("opportunities", "$/month"))
    for item in report.savings:
        savings.add_row(escape(item.kind), count(item.opportunities), money(item.dollars_per_month))
    show_table(savings)
    table = new_table(
        "opportunities (largest first)", "#", "action", "subject", "$/month", "what", right=("#", "$/month")
    )
    for action in report.opportunities[:ROWS_SHOWN]:
        table.add_row(
            str(action.rank),
            escape(action.kind),
            escape(action.subject),
            money(action.dollars_per_month),
            escape(action.description),
        )
    show_table(table)
    more(ROWS_SHOWN, len(report.opportunities))
    idle_table = new_table(
        f"idle dedicated capacity (used below {percent(report.idle_utilization_threshold, 0)} of capacity)",
        "tenant", "capacity", "sent", "utilization", "server cost", "idle cost",
        right=("capacity", "sent", "utilization", "server cost", "idle cost"),
    )  # fmt: skip
    for idle in report.idle_dedicated[:ROWS_SHOWN]:
        table_row = (
            escape(idle.company_name),
            count(idle.dedicated_capacity),
            count(idle.emails_sent),
            percent(idle.dedicated_utilization),
            money(idle.dedicated_server_cost),
            money(idle.idle_cost),
        )
        idle_table.add_row(*table_row)
    show_table(idle_table)
    more(ROWS_SHOWN, len(report.idle_dedicated))
    losing = new_table(
        "unprofitable tenants", "tenant", "plan", "revenue", "cost", "loss", right=("revenue", "cost", "loss")
    )
    for tenant in report.unprofitable[:ROWS_SHOWN]:
        losing.add_row(
            escape(tenant.company_name),
            escape(tenant.plan_name or "-"),
            money(tenant.recognized_revenue),
            money(tenant.total_cost),
            money(-tenant.profit),
        )
    show_table(losing)
    more(ROWS_SHOWN, len(report.unprofitable))
    pools = new_table(
        f"cost pools (high idle share: above {percent(report.high_idle_share_threshold, 0)})",
        "pool", "rule", "members", "cost", "idle", "idle share",
        right=("members", "cost", "idle", "idle share"),
    )  # fmt: skip
    for pool in report.pools:
        style = "bold red" if pool.high_idle else ""
        pools.add_row(
            escape(pool.pool_name),
            escape(pool.rules),
            count(pool.members),
            money(pool.pool_cost),
            money(pool.idle_cost),
            f"[{style}]{percent(pool.idle_share)}[/]" if style else percent(pool.idle_share),
        )
    show_table(pools)


def show_cost_per_email(report: CostPerEmailReport) -> None:
    header("Cost per delivered e-mail (cost only)", report.scope)
    plans = new_table(
        "per plan", "plan", "tenants", "delivered", "cost", "cost/1k", right=("tenants", "delivered", "cost", "cost/1k")
    )
    for plan in report.plans:
        plans.add_row(
            escape(plan.plan_name or "(no plan)"),
            count(plan.tenants),
            count(plan.emails_delivered),
            money(plan.total_cost),
            money(plan.cost_per_1000_delivered),
        )
    show_table(plans)
    tenants = new_table(
        "per tenant (most expensive first)", "tenant", "plan", "delivered", "cost", "cost/1k", "revenue/1k",
        right=("delivered", "cost", "cost/1k", "revenue/1k"),
    )  # fmt: skip
    for tenant in report.tenants[:ROWS_SHOWN]:
        tenants.add_row(
            escape(tenant.company_name),
            escape(tenant.plan_name or "-"),
            count(tenant.emails_delivered),
            money(tenant.total_cost),
            money(tenant.cost_per_1000_delivered),
            money(tenant.revenue_per_1000_delivered),
        )
    show_table(tenants)
    more(ROWS_SHOWN, len(report.tenants))


def _rate(value: Decimal | None, near: Decimal, limit: Decimal) -> str:
    text = percent(value, 2 if limit >= Decimal("0.01") else 3)
    if value is None:
        return text
    if value > limit:
        return f"[bold red]{text}[/]"
    return f"[yellow]{text}[/]" if value > near else text


def show_deliverability(report: DeliverabilityReport) -> None:
    header("Deliverability", report.scope)
    limits = report.limits
    prose(
        f"limits: bounce {percent(limits.bounce_review, 0)} (SES review) / {percent(limits.bounce_suspension, 0)} "
        f"(suspension risk); complaints {percent(limits.complaints_limit, 1)} (Gmail) / "
        f"{percent(limits.complaints_never, 1)} (never reach); reasons only at {report.scope.min_volume:,}+ e-mails "
        f"({report.tenants_below_min_volume:,} tenant(s) below)"
    )
    prose(
        f"revenue at risk: [bold]{money(report.revenue_at_risk)}[/]; potential savings at 2% bounces and 0.1% "
        f"complaints: [bold]{money(report.potential_savings)}[/]"
    )
    prose(
        "risk levels: "
        + ", ".join(f"[{RISK_STYLE[r.risk_level]}]{r.risk_level}[/] {r.tenants:,}" for r in report.risk_levels)
    )
    table = new_table(
        "tenants (largest estimated loss first)", "tenant", "sent", "bounce", "spam", "risk", "reasons", "loss",
        "savings", right=("sent", "bounce", "spam", "loss", "savings"),
    )  # fmt: skip
    for tenant in report.tenants[:ROWS_SHOWN]:
        table.add_row(
            escape(tenant.company_name),
            count(tenant.emails_sent) + (" [dim](low)[/]" if tenant.below_min_volume else ""),
            _rate(tenant.bounce_rate, limits.bounce_near, limits.bounce_review),
            _rate(tenant.spam_rate, limits.complaints_near, limits.complaints_limit),
            f"[{RISK_STYLE[tenant.business_risk_level]}]{tenant.business_risk_level}[/]",
            escape(", ".join(tenant.reasons)) or "-",
            money(tenant.estimated_revenue_loss),
            money(tenant.potential_savings),
        )
    show_table(table)
    more(ROWS_SHOWN, len(report.tenants))


def show_reconciliation(report: ReconciliationReport) -> None:
    header("Reconciliation of modeled cost to invoices", report.scope, revenue=False)
    if not report.providers:
        prose(f"no invoices reconciled for {report.scope.month_label}")
        return
    table = new_table(
        "per provider, in USD: invoiced - modeled = rate drift + quantity drift + unmatched",
        "provider", "invoice currency", "modeled", "invoiced", "difference", "rate drift", "quantity drift",
        "unmatched", "scale", "flagged",
        right=("modeled", "invoiced", "difference", "rate drift", "quantity drift", "unmatched", "scale"),
    )  # fmt: skip
    for row in report.providers:
        table.add_row(
            escape(row.provider),
            _invoice_currency(row),
            money(row.modeled),
            money(row.invoiced),
            signed_money(row.difference),
            signed_money(row.rate_drift),
            signed_money(row.quantity_drift),
            money(row.unmatched),
            "-" if row.scale_factor is None else f"{row.scale_factor:.4f}",
            _flag(row),
        )
    show_table(table)
    prose(
        f"modeled {money(report.modeled)}, invoiced {money(report.invoiced)}; "
        f"{report.flagged_providers} provider(s) flagged"
    )
    if report.unconverted_providers:
        prose(
            f"[bold red]{report.unconverted_providers} provider(s) left out of the totals[/]: invoiced in a currency "
            "without a rate to USD (load fx_rates and refresh the month)"
        )


def _invoice_currency(row: ProviderReconciliation) -> str:
    """USD, or the original currency and amount with the rate used."""
    if row.currency == "USD":
        return "USD"
    original = "" if row.invoiced_original is None else f" {row.invoiced_original:,.2f}"
    rate = "" if row.fx_rate is None else f" at {row.fx_rate.normalize():f}"
    return escape(f"{row.currency}{original}{rate}")


def _flag(row: ProviderReconciliation) -> str:
    if row.flag_reason is None:
        return "[green]ok[/]"
    reason = {
        ReconciliationFlag.NO_RATE: f"no {row.currency} rate to USD",
        ReconciliationFlag.UNMATCHED_LINES: "unmatched lines",
        ReconciliationFlag.BEYOND_TOLERANCE: f"beyond {percent(row.tolerance)}",
    }[row.flag_reason]
    return f"[bold red]flagged[/] ({escape(reason)})"


def show_explain(report: ExplainReport) -> None:
    header(f"Cost of {report.company_name} ({report.slug})", report.scope)
    prose(
        f"plan {escape(report.plan_name or '-')}; revenue {money(report.recognized_revenue)} "
        f"(deferred at the month's end: {money(report.deferred_revenue)}); cost {money(report.total_cost)}"
    )
    table = new_table(
        "allocation lines", "line", "category", "kind", "pool / resource", "rule", "driver", "driver value",
        "driver total", "share", "unit cost", "amount",
        right=("line", "driver value", "driver total", "share", "unit cost", "amount"),
    )  # fmt: skip
    for number, line in enumerate(report.lines, start=1):
        table.add_row(
            str(number),
            escape(line.category),
            escape(line.cost_kind),
            escape(line.pool_name or line.resource_name or "-"),
            escape(line.rule),
            escape(line.driver or "-"),
            _number(line.driver_value),
            _number(line.driver_total),
            percent(line.share, 2),
            money(line.unit_cost),
            money(line.amount),
        )
    show_table(table)
    if report.total_cost is None:
        prose(
            f"{len(report.lines)} line(s) sum to {money(report.lines_total)} (not a customer: no rollup row to match)"
        )
        return
    verdict = "[green]equals[/]" if report.balanced else "[bold red]differs from[/]"
    prose(f"{len(report.lines)} line(s) sum to {money(report.lines_total)}, which {verdict} the tenant's cost")


def _number(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value:,}"


RENDERERS: dict[type[Any], Any] = {
    ExecutiveReport: show_executive,
    TenantExecutiveReport: show_tenant_executive,
    CostOptimizationReport: show_cost_optimization,
    CostPerEmailReport: show_cost_per_email,
    PlansReport: show_plans,
    DeliverabilityReport: show_deliverability,
    ReconciliationReport: show_reconciliation,
    ExplainReport: show_explain,
    **dict.fromkeys(TITLES, show_dashboard_report),
}


EXPLAIN_RENDERER.append(show_explain)


def show_report(report: Any) -> None:
    RENDERERS[type(report)](report)
