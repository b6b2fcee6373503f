"""A tenant login's own page, from what its role (tenant_api) may read under row-level security: its allocation
lines as ``bi_tenant_cost_lines`` shows them (its share of each pool, never the pool's total weight or cost:
RELIABILITY R27) and its own months of ``bi_tenant_monthly``. The operators' tenant page (tenant_page report) reads
portfolio tables a tenant role is not granted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tenantdb.bi.reports.common import DEFAULT_MONTHS
from tenantdb.bi.reports.portfolio_trend import first_month
from tenantdb.db import Session
from tenantdb.server.charts import Series, line_chart
from tenantdb.server.dashboard.components import Column
from tenantdb.server.dashboard.formats import ValueKind
from tenantdb.server.dashboard.sections import Kpi, Table, ViewContent, ratio
from tenantdb.server.dashboard.sql_files import sql_text

MONEY, PERCENT, NUMBER = ValueKind.MONEY, ValueKind.PERCENT, ValueKind.NUMBER


def own_lines_table(session: Session, slug: str, month: date) -> Table:
    rows = session.fetch_all(sql_text("tenant_own_lines"), {"month": month})
    columns = [
        Column(label="Category"),
        Column(label="Cost"),
        Column(label="Resource"),
        Column(label="Rule"),
        Column(label="Driver"),
        Column(label="Your driver value", kind=NUMBER),
        Column(label="Amount", kind=MONEY),
    ]
    return Table(
        caption="Cost allocation, line by line",
        columns=columns,
        rows=[
            [
                category.replace("_", " "),
                kind.replace("_", " "),
                resource or "",
                rule.replace("_", " "),
                (driver or "").replace("_", " "),
                value,
                amount,
            ]
            for category, kind, resource, rule, driver, value, amount in rows
        ],
        csv_url=f"/tenants/{slug}/export.csv?month={month:%Y-%m}",
        empty="No cost was allocated to you in the month.",
    )


def own_content(session: Session, slug: str, month: date) -> tuple[str, ViewContent]:
    """The page's title (the company's name) and content."""
    months = session.fetch_all(
        sql_text("tenant_own_trend"), {"first_month": first_month(month, DEFAULT_MONTHS), "month": month}
    )
    current = next((row for row in months if row[0] == month), None)
    name = str(months[-1][1]) if months else slug
    kpis = []
    if current is not None:
        _, _, _, revenue, cost, sent, delivered, bounced, complaints = current
        kpis = [
            Kpi(label="Billed to you (recognized)", value=revenue, kind=MONEY),
            Kpi(label="Cost allocated to you", value=cost, kind=MONEY),
            Kpi(label="E-mails delivered", value=delivered, note=f"of {sent:,} sent"),
            Kpi(label="Bounce rate", value=ratio(bounced, sent), kind=PERCENT, note="limit 5% (Amazon SES)"),
            Kpi(
                label="Spam complaint rate", value=ratio(complaints, delivered), kind=PERCENT, note="limit 0.1% (Gmail)"
            ),
        ]
    charts = []
    if months:
        labels = [f"{row[0]:%Y-%m}" for row in months]
        charts = [
            line_chart(
                title="Revenue and cost by month",
                labels=labels,
                kind=MONEY,
                series=[
                    Series(name="Revenue", values=tuple(Decimal(row[3]) for row in months)),
                    Series(name="Cost", values=tuple(Decimal(row[4]) for row in months)),
                ],
            ),
            line_chart(
                title="E-mails sent and delivered by month",
                labels=labels,
                series=[
                    Series(name="Sent", values=tuple(int(row[5]) for row in months)),
                    Series(name="Delivered", values=tuple(int(row[6]) for row in months)),
                ],
            ),
        ]
    content = ViewContent(
        intro=f"{name}: where your cost comes from, line by line, and your last 12 months.",
        kpis=kpis,
        charts=charts,
        tables=[own_lines_table(session, slug, month)],
    )
    return name, content
