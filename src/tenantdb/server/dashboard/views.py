"""The views' content from the report models: each function turns one report (tenantdb.bi.reports) into the
key figures, charts and tables of its page. The routes (:mod:`.view_routes`) render them and export their tables.

overview       executive + trend      how is the portfolio doing this month, compared with last month
revenue        revenue_health         which revenue is at risk from deliverability, and whose
costs          cost_center            which savings were identified, taken and realized; which actions are open
efficiency     efficiency             how much capacity is used, what sits idle, what 1,000 e-mails cost
decisions      decisions              what was decided, how fast, with which outcome
benchmarks     benchmarks             each tenant against the published limits and against the other tenants
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tenantdb.bi.reports.benchmarks import BenchmarksReport, Distribution, TenantBenchmark
from tenantdb.bi.reports.cost_center import CostCenterReport
from tenantdb.bi.reports.decisions import DecisionsReport
from tenantdb.bi.reports.deliverability import ProviderLimits
from tenantdb.bi.reports.efficiency import EfficiencyReport
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.bi.reports.portfolio_trend import TrendMonth
from tenantdb.bi.reports.revenue_health import RevenueHealthReport
from tenantdb.server.charts import Bin, Marker, Series, Threshold, bar_chart, histogram, line_chart
from tenantdb.server.dashboard.components import Column, Level, Link, Status, View
from tenantdb.server.dashboard.formats import ValueKind, money, month_text
from tenantdb.server.dashboard.sections import Kpi, Table, ViewContent

MONEY = ValueKind.MONEY
PERCENT = ValueKind.PERCENT
NUMBER = ValueKind.NUMBER
DATE = ValueKind.DATE
THOUSAND = Decimal(1000)

_LEVELS = {
    "within": Level.OK,
    "healthy": Level.OK,
    "excellent": Level.OK,
    "good": Level.OK,
    "monitor": Level.WARNING,
    "near_limit": Level.WARNING,
    "warning": Level.WARNING,
    "needs_attention": Level.WARNING,
    "over_limit": Level.CRITICAL,
    "over_maximum": Level.CRITICAL,
    "critical": Level.CRITICAL,
    "critical_action_required": Level.CRITICAL,
    "unprofitable": Level.CRITICAL,
}


def status(value: str | None) -> Status:
    """A report's status text as a badge: the level from the words, the words spelled out."""
    text = (value or "not applicable").replace("_", " ")
    level = _LEVELS.get(text.lower().replace(" ", "_"), Level.NEUTRAL)
    return Status(level=level, text=text[:1].upper() + text[1:])


def tenant_link(name: str | None, slug: str | None) -> Link | str:
    return Link(text=name or slug or "", href=f"/tenants/{slug}") if slug else (name or "Shared / provider")


def export_url(view: View, month: str | None) -> str:
    return f"{view.path.rstrip('/')}/export.csv" + (f"?month={month}" if month else "")


def _labels(months: Sequence[TrendMonth]) -> list[str]:
    return [f"{item.month:%Y-%m}" for item in months]


def attention_table(report: ExecutiveReport, month: str | None) -> Table:
    columns = [
        Column(label="Tenant"),
        Column(label="Revenue", kind=MONEY),
        Column(label="Cost", kind=MONEY),
        Column(label="Margin", kind=PERCENT),
        Column(label="Health"),
        Column(label="Why"),
    ]
    rows = [
        [
            tenant_link(t.company_name, t.slug),
            t.recognized_revenue,
            t.total_cost,
            t.gross_margin_ratio,
            status(t.business_health_status),
            "; ".join(reason.replace("_", " ") for reason in t.reasons),
        ]
        for t in report.tenants
    ]
    return Table(
        caption="Tenants needing attention",
        columns=columns,
        rows=rows,
        csv_url=export_url(View.OVERVIEW, month),
        empty="No tenant needs attention this month.",
    )


def overview(report: ExecutiveReport, trend: Sequence[TrendMonth], month: str | None) -> ViewContent:
    totals, delta = report.key_metrics, report.trend
    before = f"{month_text(delta.previous_month)}" if delta else None
    kpis = [
        Kpi(
            label="Revenue (recognized)",
            value=totals.revenue,
            kind=MONEY,
            delta=None if delta is None else delta.revenue,
            better="up",
        ),
        Kpi(
            label="Cost (modeled)",
            value=totals.cost,
            kind=MONEY,
            delta=None if delta is None else delta.cost,
            better="down",
        ),
        Kpi(
            label="Profit", value=totals.profit, kind=MONEY, delta=None if delta is None else delta.profit, better="up"
        ),
        Kpi(
            label="Gross margin",
            value=totals.gross_margin_ratio,
            kind=PERCENT,
            delta=None if delta is None else delta.gross_margin_ratio,
            better="up",
        ),
        Kpi(
            label="Revenue at risk",
            value=totals.revenue_at_risk,
            kind=MONEY,
            delta=None if delta is None else delta.revenue_at_risk,
            better="down",
        ),
        Kpi(
            label="Tenants",
            value=totals.tenants,
            delta=None if delta is None else delta.tenants,
            note=f"{report.tenants_needing_attention} need attention",
        ),
    ]
    charts = []
    if trend:
        charts.append(
            line_chart(
                title="Revenue, cost and profit by month",
                labels=_labels(trend),
                series=[
                    Series(name="Revenue", values=tuple(item.revenue for item in trend)),
                    Series(name="Cost", values=tuple(item.cost for item in trend)),
                    Series(name="Profit", values=tuple(item.profit for item in trend)),
                ],
                kind=MONEY,
            )
        )
    intro = "How the portfolio did in the month" + (f", compared with {before}" if before else "") + "."
    return ViewContent(intro=intro, kpis=kpis, charts=charts, tables=[attention_table(report, month)])


def revenue(report: RevenueHealthReport, month: str | None) -> ViewContent:
    p = report.portfolio
    kpis = [
        Kpi(label="Revenue (recognized)", value=p.revenue, kind=MONEY),
        Kpi(label="Revenue at risk", value=p.revenue_at_risk, kind=MONEY, note=f"{p.at_risk_tenants} tenants"),
        Kpi(
            label="Bounce rate",
            value=p.bounce_rate,
            kind=PERCENT,
            note=f"{p.tenants_over_bounce_limit} tenants over the 5% limit",
        ),
        Kpi(
            label="Spam complaint rate",
            value=p.spam_rate,
            kind=PERCENT,
            note=f"{p.tenants_over_spam_limit} tenants over the 0.1% limit",
        ),
        Kpi(label="E-mails delivered", value=p.emails_delivered, note=f"of {p.emails_sent:,} sent"),
    ]
    charts = []
    if report.trend:
        charts.append(
            line_chart(
                title="Revenue at risk by month",
                labels=_labels(report.trend),
                kind=MONEY,
                series=[Series(name="Revenue at risk", values=tuple(m.revenue_at_risk for m in report.trend))],
            )
        )
    return ViewContent(
        intro="Which revenue is at risk because of deliverability: bounce and spam rates against the providers' "
        "published limits, tenant by tenant.",
        kpis=kpis,
        charts=charts,
        tables=[revenue_table(report, month)],
    )


def revenue_table(report: RevenueHealthReport, month: str | None) -> Table:
    columns = [
        Column(label="Tenant"),
        Column(label="Plan"),
        Column(label="Revenue", kind=MONEY),
        Column(label="Sent", kind=NUMBER),
        Column(label="Bounce rate", kind=PERCENT),
        Column(label="Bounce"),
        Column(label="Spam rate", kind=PERCENT),
        Column(label="Spam"),
        Column(label="Health"),
        Column(label="Revenue at risk", kind=MONEY),
    ]
    rows = [
        [
            tenant_link(t.company_name, t.slug),
            t.plan_name,
            t.revenue,
            t.emails_sent,
            t.bounce_rate,
            status(t.bounce_status),
            t.spam_rate,
            status(t.spam_status),
            status(t.business_health_status),
            t.revenue_at_risk,
        ]
        for t in report.tenants
    ]
    return Table(
        caption="Tenants by revenue at risk",
        columns=columns,
        rows=rows,
        csv_url=export_url(View.REVENUE_HEALTH, month),
        note=_more(len(rows), report.tenants_total),
    )


def _more(shown: int, total: int) -> str | None:
    return None if shown >= total else f"The first {shown:,} of {total:,} rows."


def costs(report: CostCenterReport, month: str | None) -> ViewContent:
    chosen = next(
        (m for m in report.months if f"{m.month:%Y-%m}" == month), report.months[-1] if report.months else None
    )
    kpis = []
    if chosen is not None:
        kpis = [
            Kpi(
                label="Savings identified",
                value=chosen.identified,
                kind=MONEY,
                note=f"{money(chosen.identified_cumulative)} to date",
            ),
            Kpi(
                label="Savings taken",
                value=chosen.taken,
                kind=MONEY,
                note=f"{money(chosen.taken_cumulative)} to date",
            ),
            Kpi(
                label="Savings realized",
                value=chosen.realized,
                kind=MONEY,
                note=f"{money(chosen.realized_cumulative)} to date",
            ),
        ]
    kpis.append(Kpi(label="Open actions", value=report.open_actions_total))
    charts = []
    if report.months:
        labels = [f"{m.month:%Y-%m}" for m in report.months]
        charts.append(
            line_chart(
                title="Savings to date: identified, taken, realized",
                labels=labels,
                kind=MONEY,
                series=[
                    Series(name="Identified", values=tuple(m.identified_cumulative for m in report.months)),
                    Series(name="Taken", values=tuple(m.taken_cumulative for m in report.months)),
                    Series(name="Realized", values=tuple(m.realized_cumulative for m in report.months)),
                ],
            )
        )
    kinds = Table(
        caption="Savings by kind",
        columns=[
            Column(label="Kind"),
            Column(label="Actions", kind=NUMBER),
            Column(label="Identified", kind=MONEY),
            Column(label="Taken", kind=MONEY),
            Column(label="Realized", kind=MONEY),
        ],
        rows=[[k.kind.replace("_", " "), k.actions, k.identified, k.taken, k.realized] for k in report.kinds],
        empty="No savings identified yet.",
    )
    return ViewContent(
        intro="Which savings the refresh identified, which were taken and which were realized; the actions still "
        "open, oldest first.",
        kpis=kpis,
        charts=charts,
        tables=[kinds, actions_table(report, month)],
    )


def actions_table(report: CostCenterReport, month: str | None) -> Table:
    columns = [
        Column(label="Tenant"),
        Column(label="Kind"),
        Column(label="Subject"),
        Column(label="Month"),
        Column(label="Expected savings", kind=MONEY),
        Column(label="Status"),
        Column(label="Age (days)", kind=NUMBER),
    ]
    rows = [
        [
            tenant_link(a.company_name, a.slug),
            a.kind.replace("_", " "),
            a.subject,
            f"{a.month:%Y-%m}",
            a.expected_savings,
            a.status,
            a.age_days,
        ]
        for a in report.open_actions
    ]
    return Table(
        caption="Open actions",
        columns=columns,
        rows=rows,
        csv_url=export_url(View.COST_OPTIMIZATION, month),
        note=_more(len(rows), report.open_actions_total),
        empty="No open actions.",
    )


def efficiency(report: EfficiencyReport, month: str | None) -> ViewContent:
    d = report.dedicated
    idle = sum((pool.idle_cost for pool in report.pools), Decimal("0.00"))
    kpis = [
        Kpi(
            label="Dedicated utilization",
            value=d.utilization,
            kind=PERCENT,
            note=f"{d.used:,} of {d.capacity:,} e-mails/month of capacity",
        ),
        Kpi(label="Idle dedicated tenants", value=d.idle_tenants, note=f"of {d.tenants} with dedicated servers"),
        Kpi(label="Idle shared capacity", value=idle, kind=MONEY),
    ]
    if report.efficiency_metrics is not None and report.efficiency_metrics.score is not None:
        # a capacity-weighted score from 0 to 100, not a ratio: written as a number "out of 100"
        kpis.append(
            Kpi(label="Efficiency score", value=report.efficiency_metrics.score, kind=NUMBER, note="out of 100")
        )
    charts = []
    if report.trend:
        charts.append(
            line_chart(
                title="Cost per 1,000 delivered e-mails by month",
                labels=_labels(report.trend),
                kind=MONEY,
                series=[Series(name="Cost per 1,000", values=tuple(m.cost_per_1000_delivered for m in report.trend))],
            )
        )
    pools = Table(
        caption="Shared pools",
        columns=[
            Column(label="Pool"),
            Column(label="Cost", kind=MONEY),
            Column(label="Idle cost", kind=MONEY),
            Column(label="Idle share", kind=PERCENT),
            Column(label="Utilization", kind=PERCENT),
            Column(label="Members", kind=NUMBER),
        ],
        rows=[[p.pool_name, p.cost, p.idle_cost, p.idle_share, p.utilization, p.members] for p in report.pools],
        empty="No shared pools this month.",
    )
    return ViewContent(
        intro="How much of the capacity paid for is used, what sits idle, and what 1,000 delivered e-mails cost.",
        kpis=kpis,
        charts=charts,
        tables=[pools, efficiency_table(report, month)],
    )


def efficiency_table(report: EfficiencyReport, month: str | None) -> Table:
    columns = [
        Column(label="Tenant"),
        Column(label="Plan"),
        Column(label="Delivered", kind=NUMBER),
        Column(label="Cost", kind=MONEY),
        Column(label="Cost per 1,000", kind=MONEY),
        Column(label="Dedicated utilization", kind=PERCENT),
    ]
    rows = [
        [
            tenant_link(t.company_name, t.slug),
            t.plan_name,
            t.emails_delivered,
            t.total_cost,
            t.cost_per_1000_delivered,
            t.dedicated_utilization,
        ]
        for t in report.tenants
    ]
    return Table(
        caption="Tenants by cost per 1,000 e-mails",
        columns=columns,
        rows=rows,
        csv_url=export_url(View.EFFICIENCY, month),
        note=_more(len(rows), report.tenants_total),
    )


def decisions(report: DecisionsReport, month: str | None) -> ViewContent:
    kpis = [
        Kpi(label="Decisions opened", value=report.opened),
        Kpi(label="Decisions made", value=report.decided),
        Kpi(label="Open at month end", value=report.open_at_month_end),
        Kpi(label="Median days to decide", value=report.median_days),
    ]
    charts = []
    if report.trend:
        labels = [f"{m.month:%Y-%m}" for m in report.trend]
        charts.append(
            line_chart(
                title="Decisions opened and made by month",
                labels=labels,
                series=[
                    Series(name="Opened", values=tuple(m.opened for m in report.trend)),
                    Series(name="Made", values=tuple(m.decided for m in report.trend)),
                ],
            )
        )
    if report.outcomes:
        charts.append(
            bar_chart(
                title="Outcomes of the month's decisions",
                labels=[o.outcome for o in report.outcomes],
                values=[o.decisions for o in report.outcomes],
                label_heading="Outcome",
                value_heading="Decisions",
            )
        )
    return ViewContent(
        intro="What was decided, how fast, and with which outcome.",
        kpis=kpis,
        charts=charts,
        tables=[decisions_table(report, month)],
    )


def decisions_table(report: DecisionsReport, month: str | None) -> Table:
    columns = [
        Column(label="Decision"),
        Column(label="Tenant"),
        Column(label="Category"),
        Column(label="Opened", kind=DATE),
        Column(label="Decided", kind=DATE),
        Column(label="Outcome"),
        Column(label="Expected value", kind=MONEY),
        Column(label="Days to decide", kind=NUMBER),
    ]
    rows = [
        [
            d.title,
            d.company_name or "Company-wide",
            d.category,
            d.opened_at,
            d.decided_at,
            d.outcome or "open",
            d.expected_value,
            d.days_to_decide,
        ]
        for d in report.decisions
    ]
    return Table(
        caption="Decisions",
        columns=columns,
        rows=rows,
        csv_url=export_url(View.DECISIONS, month),
        note=_more(len(rows), report.decisions_total),
        empty="No decisions in this month.",
    )


_METRICS = {  # metric: (title, kind, the tenant's value)
    "gross_margin_ratio": ("Gross margin", PERCENT),
    "cost_per_1000_delivered": ("Cost per 1,000 delivered e-mails", MONEY),
    "bounce_rate": ("Bounce rate", PERCENT),
    "spam_rate": ("Spam complaint rate", PERCENT),
}


def _thresholds(metric: str, limits: ProviderLimits) -> list[Threshold]:
    if metric == "bounce_rate":
        return [
            Threshold(label="SES review 5%", value=limits.bounce_review),
            Threshold(label="SES suspension 10%", value=limits.bounce_suspension),
        ]
    if metric == "spam_rate":
        return [
            Threshold(label="Gmail limit 0.1%", value=limits.complaints_limit),
            Threshold(label="Gmail never 0.3%", value=limits.complaints_never),
        ]
    return []


def _bins(distribution: Distribution) -> list[Bin]:
    """The report's bins, the open-ended first and last closed at one step beyond their edge (for drawing)."""
    bins = distribution.bins
    result = []
    for index, item in enumerate(bins):
        lower, upper = item.lower, item.upper
        if lower is None and upper is not None:
            step = (bins[index + 1].upper or upper) - upper if index + 1 < len(bins) else Decimal(1)
            lower = upper - (step or Decimal(1))
        if upper is None and lower is not None:
            step = lower - (bins[index - 1].lower or lower) if index > 0 else Decimal(1)
            upper = lower + (step or Decimal(1))
        if lower is not None and upper is not None:
            result.append(
                Bin(
                    lower=lower,
                    upper=upper,
                    count=item.tenants,
                    open_lower=item.lower is None,
                    open_upper=item.upper is None,
                )
            )
    return result


def benchmarks(report: BenchmarksReport, month: str | None, chosen: TenantBenchmark | None) -> ViewContent:
    charts = []
    for distribution in report.distributions:
        title, kind = _METRICS.get(distribution.metric, (distribution.metric.replace("_", " "), NUMBER))
        value = None if chosen is None else getattr(chosen, distribution.metric, None)
        marker = None if value is None or chosen is None else Marker(label=chosen.company_name, value=value)
        charts.append(
            histogram(
                title=f"{title}: tenants per range",
                bins=_bins(distribution),
                kind=kind,
                marker=marker,
                thresholds=_thresholds(distribution.metric, report.limits),
            )
        )
    limits = report.limits
    kpis = [
        Kpi(
            label="Bounce limit (Amazon SES review)",
            value=limits.bounce_review,
            kind=PERCENT,
            note=f"suspension risk above {limits.bounce_suspension * 100:.0f}%",
        ),
        Kpi(
            label="Spam complaint limit (Gmail)",
            value=limits.complaints_limit,
            kind=PERCENT,
            note=f"never reach {limits.complaints_never * 100:.1f}%",
        ),
        Kpi(label="Tenants compared", value=report.tenants_total),
    ]
    intro = (
        "Each tenant against the mailbox providers' published limits and against the other tenants: "
        "histograms of the distribution with the limits drawn as lines"
    )
    intro += f", and {chosen.company_name} marked." if chosen else "; choose a tenant to mark it."
    return ViewContent(intro=intro, kpis=kpis, charts=charts, tables=[benchmarks_table(report, month)])


def benchmarks_table(report: BenchmarksReport, month: str | None) -> Table:
    columns = [
        Column(label="Tenant"),
        Column(label="Plan"),
        Column(label="Margin", kind=PERCENT),
        Column(label="Margin rank", kind=PERCENT),
        Column(label="Cost per 1,000", kind=MONEY),
        Column(label="Bounce rate", kind=PERCENT),
        Column(label="Bounce"),
        Column(label="Spam rate", kind=PERCENT),
        Column(label="Spam"),
    ]
    rows = [
        [
            tenant_link(t.company_name, t.slug),
            t.plan_name,
            t.gross_margin_ratio,
            t.margin_rank,
            t.cost_per_1000_delivered,
            t.bounce_rate,
            status(t.bounce_status),
            t.spam_rate,
            status(t.spam_status),
        ]
        for t in report.tenants
    ]
    return Table(
        caption="Tenants against the limits and each other",
        columns=columns,
        rows=rows,
        csv_url=export_url(View.BENCHMARKS, month),
        note=_more(len(rows), report.tenants_total),
    )
