"""The executive summary (the portfolio's, or one customer's) and plan profitability as rich tables."""

from __future__ import annotations

from decimal import Decimal

from rich.markup import escape

from tenantdb.bi.reports.common import RevenueBasis
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.bi.reports.executive_metrics import ExecutiveMetrics, KpiDirection, KpiTarget
from tenantdb.bi.reports.executive_tenant import TenantExecutiveReport
from tenantdb.bi.reports.plans import PlanProfitability, PlansReport
from tenantdb.cli.render import prose
from tenantdb.cli.report_format import (
    count,
    header,
    health,
    money,
    more,
    new_table,
    percent,
    show_table,
    signed_money,
)


def show_planstable(plans: tuple[PlanProfitability, ...]) -> None:
    money_cols = ("revenue", "cost", "profit")
    spread = ("min", "p25", "median", "p75", "max")
    table = new_table(
        "plan profitability (spread of tenant margins inside each plan)",
        "plan", "price", "tenants", *money_cols, "margin", "unprofitable", "cost/1k", *spread,
        right=("price", "tenants", *money_cols, "margin", "unprofitable", "cost/1k", *spread),
    )  # fmt: skip
    for plan in plans:
        table.add_row(
            escape(plan.plan_name or "(no plan)"),
            money(plan.price_monthly),
            count(plan.tenants),
            money(plan.revenue),
            money(plan.cost),
            money(plan.profit),
            percent(plan.gross_margin_ratio),
            count(plan.unprofitable_tenants),
            money(plan.cost_per_1000_delivered),
            *(percent(getattr(plan, f"margin_{name}"), 0) for name in spread),
        )
    show_table(table)


def show_executive(report: ExecutiveReport) -> None:
    header("Executive summary", report.scope)
    k = report.key_metrics
    prose(f"overall health: {health(report.overall_health)} across {k.tenants:,} customers")
    table = new_table("key metrics", "metric", "this month", "change", right=("this month", "change"))
    t = report.trend
    basis = RevenueBasis(report.scope.revenue_basis).option
    table.add_row(f"revenue ({basis})", money(k.revenue), signed_money(t.revenue if t else None))
    table.add_row("cost (the whole platform)", money(k.cost), signed_money(t.cost if t else None))
    table.add_row("  infrastructure", money(k.infrastructure_cost), "")
    table.add_row("  e-mail service", money(k.email_service_cost), "")
    table.add_row("gross profit", money(k.profit), signed_money(t.profit if t else None))
    margin_change = t.gross_margin_ratio if t else None
    table.add_row(
        "gross margin",
        percent(k.gross_margin_ratio),
        "-" if margin_change is None else f"{margin_change * 100:+.1f} pts",
    )
    table.add_row(
        "cost per 1,000 delivered",
        money(k.cost_per_1000_delivered),
        signed_money(t.cost_per_1000_delivered if t else None),
    )
    table.add_row(
        "revenue at risk (deliverability)", money(k.revenue_at_risk), signed_money(t.revenue_at_risk if t else None)
    )
    table.add_row("deferred revenue (at the month's end)", money(k.deferred_revenue), "")
    table.add_row("e-mails delivered", count(k.emails_delivered), "")
    show_table(table)
    steps = new_table("from the customers' margin to the company margin", "line", "$/month", right=("$/month",))
    for step in report.bridge:
        label = f"[bold]{escape(step.line)}[/]" if step is report.bridge[-1] else escape(step.line)
        steps.add_row(label, signed_money(step.amount))
    show_table(steps)
    if report.executive_metrics is not None:
        show_kpis(report.executive_metrics)
    prose(f"[dim]trend versus {t.previous_month:%Y-%m}[/]" if t else "[dim]no previous month refreshed: no trend[/]")
    prose(
        "tenants by health: "
        + ", ".join(f"{health(h.name)} {h.tenants:,}" for h in report.health)
        + (
            "; reasons: " + ", ".join(f"{escape(r.name)} {r.tenants:,}" for r in report.reasons)
            if report.reasons
            else ""
        )
    )
    if report.alerts:
        alerts = new_table("critical alerts", "alert", "subject", "value", "$/month", right=("value", "$/month"))
        for alert in report.alerts:
            value = (
                "-"
                if alert.value is None
                else (count(alert.value) if alert.code == "unprofitable_tenants" else percent(alert.value, 2))
            )
            alerts.add_row(
                f"[bold red]{escape(alert.code)}[/]: {escape(alert.message)}",
                escape(alert.subject),
                value,
                money(alert.dollars_per_month),
            )
        show_table(alerts)
    else:
        prose("[green]no critical alerts[/]")
    if report.actions:
        actions = new_table(
            "recommended actions (by dollars per month)", "#", "action", "subject", "$/month", right=("#", "$/month")
        )
        for action in report.actions:
            actions.add_row(
                str(action.rank), escape(action.kind), escape(action.subject), money(action.dollars_per_month)
            )
        show_table(actions)
    tenants = new_table(
        f"tenants needing attention ({report.tenants_needing_attention:,}; margin target "
        f"{percent(report.scope.margin_target, 0)}, minimum volume {report.scope.min_volume:,} e-mails)",
        "tenant", "plan", "health", "revenue", "cost", "margin", "reasons",
        right=("revenue", "cost", "margin"),
    )  # fmt: skip
    for tenant in report.tenants:
        tenants.add_row(
            escape(tenant.company_name),
            escape(tenant.plan_name or "-"),
            health(tenant.business_health_status)
            + (f" ({escape(tenant.margin_not_applicable_reason)})" if tenant.margin_not_applicable_reason else ""),
            money(tenant.recognized_revenue),
            money(tenant.total_cost),
            percent(tenant.gross_margin_ratio),
            escape(", ".join(tenant.reasons)) or "-",
        )
    show_table(tenants)
    more(
        len(report.tenants),
        report.tenants_needing_attention,
        "`tenantdb report cost-optimization` and `deliverability` list every tenant",
    )
    show_planstable(report.plans)


def show_plans(report: PlansReport) -> None:
    header("Plan profitability", report.scope)
    show_planstable(report.plans)


_KPI_LABELS = {
    "revenue_protection_rate": "revenue protection",
    "optimization_savings_rate": "optimization savings",
    "efficiency_score": "efficiency score",
    "avg_decision_time_hours": "decision time",
    "gross_margin_ratio": "customer gross margin",
}


def _kpi_value(unit: str, value: Decimal | None) -> str:
    if value is None:
        return "-"
    if unit == "ratio":
        return percent(value)
    return f"{value:,.2f} h" if unit == "hours" else f"{value:,.2f}"


def _kpi_target(kpi: KpiTarget) -> str:
    if kpi.direction is KpiDirection.BETWEEN and kpi.target_max is not None:
        return f"{_kpi_value(kpi.unit, kpi.target)} to {_kpi_value(kpi.unit, kpi.target_max)}"
    sign = "<=" if kpi.direction is KpiDirection.BELOW else ">="
    return f"{sign} {_kpi_value(kpi.unit, kpi.target)}"


def _met(kpi: KpiTarget) -> str:
    if kpi.met is None:
        return "[dim]no data[/]"
    return "[green]met[/]" if kpi.met else "[bold red]not met[/]"


def show_kpis(metrics: ExecutiveMetrics) -> None:
    """The KPI block: each KPI's actual beside the plan's target, then the figures behind them."""
    score = metrics.business_performance_score
    table = new_table(
        f"KPIs against the plan's targets (business performance {'-' if score is None else f'{score:.2f}'} / 100)",
        "KPI", "actual", "target", "weight", "status",
        right=("actual", "target", "weight"),
    )  # fmt: skip
    for kpi in metrics.targets:
        table.add_row(
            _KPI_LABELS[kpi.kpi], _kpi_value(kpi.unit, kpi.actual), _kpi_target(kpi), str(kpi.weight), _met(kpi)
        )
    show_table(table)
    protection = metrics.revenue_protection_rate
    prose(
        f"revenue protection: {money(metrics.revenue_at_risk)} of revenue impacts still open against "
        f"{money(metrics.revenue)} revenue (risk score {metrics.revenue_risk_score:.2f}); "
        + ("no loss to protect" if protection is None else f"{percent(protection)} of losses resolved within 2 h")
    )
    prose(
        f"optimization savings: {money(metrics.optimization_savings_potential)} potential, "
        f"{money(metrics.optimization_savings_realized)} realized, {metrics.optimization_actions_taken:,} action(s) "
        "taken"
    )
    trend = metrics.efficiency_trend
    prose(
        f"efficiency: {_kpi_value('points', metrics.efficiency_score)}"
        + ("" if trend is None else f" ({trend:+.2f} points on the previous month)")
        + f"; decisions tracked: {metrics.strategic_decisions_made:,} made, "
        + f"{_kpi_value('hours', metrics.avg_decision_time_hours)} on average"
    )
    prose(
        f"priority actions required: [bold]{metrics.priority_actions_required:,}[/] "
        f"({metrics.open_recommendations:,} open recommendation(s), {metrics.open_urgent_losses:,} unresolved "
        "high or critical loss(es))"
    )


def show_tenant_executive(report: TenantExecutiveReport) -> None:
    """One customer's executive summary in the plan's structure."""
    header(f"Executive summary of {report.company_name} ({report.slug})", report.scope)
    reason = f" ({escape(report.margin_not_applicable_reason)})" if report.margin_not_applicable_reason else ""
    prose(f"plan {escape(report.plan_name or '-')}; overall health: {health(report.overall_health)}{reason}")
    show_kpis(report.key_metrics)
    if report.critical_alerts:
        alerts = new_table("critical alerts", "alert", "subject", "$/month", right=("$/month",))
        for alert in report.critical_alerts:
            alerts.add_row(
                f"[bold red]{escape(alert.code)}[/]: {escape(alert.message)}"
                + (f" ({escape(alert.urgency)})" if alert.urgency else ""),
                escape(alert.subject),
                money(alert.dollars_per_month),
            )
        show_table(alerts)
    else:
        prose("[green]no critical alerts[/]")
    if report.recommended_actions:
        actions = new_table(
            "recommended actions (largest savings first)", "#", "action", "status", "$/month", right=("#", "$/month")
        )
        for rank, action in enumerate(report.recommended_actions, start=1):
            actions.add_row(
                str(rank),
                f"{escape(action.kind)}: {escape(action.subject)}",
                escape(action.status),
                money(action.expected_savings),
            )
        show_table(actions)
    else:
        prose("no open recommendation")
    t = report.trend
    if t is None:
        prose("[dim]no previous month refreshed: no trend[/]")
        return
    changes = new_table(f"trend versus {t.previous_month:%Y-%m}", "metric", "change", right=("change",))
    changes.add_row("revenue risk score", _change(t.revenue_risk_score))
    changes.add_row(
        "revenue protection",
        "-" if t.revenue_protection_rate is None else f"{t.revenue_protection_rate * 100:+.1f} pts",
    )
    changes.add_row("realized savings", signed_money(t.optimization_savings_realized))
    changes.add_row("efficiency score", _change(t.efficiency_score))
    changes.add_row("decision time (hours)", _change(t.avg_decision_time_hours))
    changes.add_row("business performance", _change(t.business_performance_score))
    changes.add_row("priority actions", f"{t.priority_actions_required:+,}")
    show_table(changes)


def _change(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:+,.2f}"
