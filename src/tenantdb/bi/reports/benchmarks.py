"""``tenantdb report benchmarks``: each customer against the mailbox providers' published limits (spam 0.1% / 0.3%,
bounce 5% / 10%) and against the other customers: its percentile rank for gross margin, cost per 1,000 delivered
e-mails, bounce rate and spam rate; and each metric's distribution (percentiles and a histogram with fixed bins)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope
from tenantdb.bi.reports.deliverability import ProviderLimits
from tenantdb.bi.reports.figures import fetch_sections, model_from
from tenantdb.db import Session


def _edges(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(value) for value in values)


# The histogram's fixed bin edges per metric (charts compare months and tenants on the same bins).
BIN_EDGES: dict[str, tuple[Decimal, ...]] = {
    "gross_margin_ratio": _edges("-1", "-0.5", "0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"),
    "cost_per_1000_delivered": _edges("0", "0.5", "1", "2", "5", "10", "20", "50", "100"),
    "bounce_rate": _edges("0", "0.01", "0.02", "0.03", "0.04", "0.05", "0.10"),
    "spam_rate": _edges("0", "0.0005", "0.0008", "0.001", "0.002", "0.003"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantBenchmark:
    """Ranks are the share of the other customers (with a value) strictly below this one, 0 to 1; statuses are
    :class:`~tenantdb.bi.reports.limits.LimitStatus` values."""

    tenant_id: UUID
    company_name: str
    slug: str
    plan_name: str | None
    below_min_volume: bool
    gross_margin_ratio: Decimal | None
    cost_per_1000_delivered: Decimal | None
    bounce_rate: Decimal | None
    spam_rate: Decimal | None
    bounce_status: str
    spam_status: str
    margin_rank: Decimal | None
    cost_per_1000_rank: Decimal | None
    bounce_rank: Decimal | None
    spam_rank: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Bin:
    """Customers with lower <= value < upper (no lower: below the first edge; no upper: at or above the last)."""

    lower: Decimal | None
    upper: Decimal | None
    tenants: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Distribution:
    metric: str
    tenants: int
    p10: Decimal | None
    p25: Decimal | None
    p50: Decimal | None
    p75: Decimal | None
    p90: Decimal | None
    bins: tuple[Bin, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchmarksReport:
    """``tenants``: the first ``limit`` customers in keyset order ``(company_name, tenant_id)`` after
    the tenant ``after`` (the cursor: the last row's tenant_id), of
    ``tenants_total``; ``distributions``: one per metric of :data:`BIN_EDGES`, in that order."""

    report: str
    scope: ReportScope
    limits: ProviderLimits
    tenants_total: int
    tenants: tuple[TenantBenchmark, ...]
    distributions: tuple[Distribution, ...]


def _bins(metric: str, buckets: dict[str, int]) -> tuple[Bin, ...]:
    edges = BIN_EDGES[metric]
    bounds = [None, *edges, None]
    return tuple(
        Bin(lower=bounds[i], upper=bounds[i + 1], tenants=buckets.get(str(i), 0)) for i in range(len(edges) + 1)
    )


def _distribution(metric: str, row: dict[str, object] | None) -> Distribution:
    if row is None:
        return Distribution(
            metric=metric, tenants=0, p10=None, p25=None, p50=None, p75=None, p90=None, bins=_bins(metric, {})
        )
    buckets = json.loads(str(row.pop("buckets")))
    return model_from(Distribution, row | {"bins": _bins(metric, buckets)})


def build(session: Session, options: ReportOptions) -> BenchmarksReport:
    scope = resolve_scope(session, options)
    edges: dict[str, Any] = {f"{metric}_edges": list(values) for metric, values in BIN_EDGES.items()}
    tenants, values, count = fetch_sections(
        session,
        (query("dash_benchmark_tenants"), query("dash_benchmark_values"), "SELECT count(*) AS tenants FROM figures"),
        scope,
        limit=options.limit,
        after=options.after,
        **edges,
    )
    by_metric = {row["metric"]: row for row in values}
    return BenchmarksReport(
        report="benchmarks",
        scope=scope,
        limits=ProviderLimits(),
        tenants_total=count[0]["tenants"],
        tenants=tuple(model_from(TenantBenchmark, row) for row in tenants),
        distributions=tuple(_distribution(metric, by_metric.get(metric)) for metric in BIN_EDGES),
    )
