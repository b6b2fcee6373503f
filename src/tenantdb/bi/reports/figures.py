"""Per-tenant figures of a month (``sql/tenant_figures.sql``): the rows most reports are made of."""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, LiteralString, TypeVar, cast, get_type_hints
from uuid import UUID

from tenantdb.bi.reports.common import ReportScope, query, scope_params
from tenantdb.bi.reports.health import HealthStatus
from tenantdb.db import Session

M = TypeVar("M")

HEALTH_STATUSES = tuple(status.value for status in HealthStatus)
RISK_LEVELS = ("critical_action_required", "monitoring_needed", "acceptable", "insufficient_data")
REASON_CODES = (
    "margin_below_target",
    "unprofitable",
    "no_revenue",
    "bounce_near_limit",
    "bounce_over_limit",
    "complaints_near_limit",
    "complaints_over_limit",
    "idle_dedicated_capacity",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantFigures:
    """One customer's month, with every ratio of docs/business-metrics.md and its health reason codes."""

    tenant_id: UUID
    company_name: str
    slug: str
    plan_name: str | None
    price_monthly: Decimal | None  # None: the plan's currency has no rate to USD
    recognized_revenue: Decimal
    infrastructure_cost: Decimal
    email_service_cost: Decimal
    total_cost: Decimal
    profit: Decimal
    gross_margin_ratio: Decimal | None
    cost_efficiency_score: Decimal
    business_efficiency_ratio: Decimal | None
    business_health_status: str
    margin_not_applicable_reason: str | None
    emails_sent: int
    emails_delivered: int
    emails_bounced: int
    spam_complaints: int
    bounce_rate: Decimal | None
    spam_rate: Decimal | None
    business_risk_level: str
    below_min_volume: bool
    estimated_revenue_loss: Decimal
    revenue_at_risk: Decimal
    potential_savings: Decimal
    cost_per_email_delivered: Decimal | None
    cost_per_1000_delivered: Decimal | None
    dedicated_capacity: int
    dedicated_utilization: Decimal | None
    reasons: tuple[str, ...]


# One query's rows as one JSON array (jsonb keeps numerics' exact text), in the query's order.
_SECTION_OPEN: LiteralString = "(SELECT coalesce(jsonb_agg(to_jsonb(s)), '[]')::text FROM (\n"
_SECTION_CLOSE: LiteralString = "\n) AS s)"

# Pieces the composed queries are made of (package SQL only: values go through placeholders).
_FROM_SUBQUERY: LiteralString = "SELECT * FROM (\n"
_WITH_FIGURES: LiteralString = "WITH figures AS (\n"
_WITH_FIGURES_MATERIALIZED: LiteralString = "WITH figures AS MATERIALIZED (\n"
_WITH_SELECTED: LiteralString = "WITH selected AS (\n"
_ALL_FIGURES: LiteralString = "SELECT * FROM figures"
_ALL_CANDIDATES: LiteralString = "SELECT * FROM candidates"
_FIRST_CANDIDATES: LiteralString = (
    "SELECT * FROM candidates ORDER BY idle_bound DESC, tenant_id LIMIT %(idle_candidates)s"
)
# The largest bound of the candidates left out (NULL when none was): it proves the first actions exact.
NEXT_IDLE_BOUND: LiteralString = (
    "SELECT idle_bound FROM candidates ORDER BY idle_bound DESC, tenant_id OFFSET %(idle_candidates)s LIMIT 1"
)

# The executive summary's tenants: worst health first, then largest loss (columns of figures and of details alike).
ATTENTION_ORDER: LiteralString = (
    "CASE business_health_status WHEN 'Critical Action Required' THEN 0 WHEN 'Monitor' THEN 1 WHEN 'Good' THEN 2 "
    "WHEN 'Not Applicable' THEN 3 ELSE 4 END, profit, company_name, tenant_id"
)


def _ctes(*, materialized: bool, idle_candidates: bool = False, figures: LiteralString | None = None) -> LiteralString:
    """``figures`` (lean rows of every customer: ``sql/tenant_figures.sql``, or the query ``figures`` of rows
    already computed), ``tenants`` (their report-ready details), ``candidates`` (idle dedicated capacity with an
    upper bound of its saving), ``idle_dedicated`` (the exact saving, for every candidate or, with
    ``idle_candidates``, for the ``%(idle_candidates)s`` largest bounds), ``idle_pools`` and ``pools``: what report
    queries select from. PostgreSQL computes only those referenced."""
    return (
        (_WITH_FIGURES_MATERIALIZED if materialized else _WITH_FIGURES)
        + (query("tenant_figures") if figures is None else figures)
        + "\n), tenants AS (\n"
        + details(_ALL_FIGURES)
        + "\n), candidates AS (\n"
        + query("idle_candidates")
        + "\n), idle_scope AS (\n"
        + (_FIRST_CANDIDATES if idle_candidates else _ALL_CANDIDATES)
        + "\n), idle_dedicated AS (\n"
        + query("idle_dedicated")
        + "\n), idle_pools AS (\n"
        + query("idle_pools")
        + "\n), pools AS (\n"
        + query("pool_figures")
        + "\n)\n"
    )


def details(source: LiteralString) -> LiteralString:
    """``sql/tenant_details.sql`` over the figures rows ``source`` selects (TenantFigures columns)."""
    return _WITH_SELECTED + source + "\n)\n" + query("tenant_details")


def first_details(source: LiteralString, order: LiteralString, limit: LiteralString) -> LiteralString:
    """Details of the first rows of ``source`` in ``order`` (placeholder ``limit``), computed for those rows only."""
    picked = _FROM_SUBQUERY + source + "\n) AS p ORDER BY " + order + " LIMIT %(" + limit + ")s"
    return _FROM_SUBQUERY + details(picked) + "\n) AS d ORDER BY " + order


def with_context(name: str, figures: LiteralString | None = None) -> LiteralString:
    """The query ``sql/<name>.sql`` with the CTEs it may select from (see :func:`_ctes`; ``figures``: a query of
    the month's figures rows already computed, instead of computing them again)."""
    return _ctes(materialized=False, figures=figures) + _FROM_SUBQUERY + query(name) + "\n) AS report"


def over_figures(text: LiteralString) -> LiteralString:
    """The query ``text`` with the CTEs it may select from (:func:`_ctes`), like :func:`with_context`."""
    return _ctes(materialized=False) + _FROM_SUBQUERY + text + "\n) AS report"


def rows_as(model: type[M], columns: list[str], rows: list[tuple[Any, ...]]) -> tuple[M, ...]:
    """Rows whose columns are exactly the model's fields (any order), as model instances."""
    names = {field.name for field in fields(model)}  # type: ignore[arg-type]
    if set(columns) != names:
        raise AssertionError(f"query columns {sorted(set(columns) ^ names)} do not match {model.__name__}")
    return tuple(model(**{name: _plain(value) for name, value in zip(columns, row, strict=True)}) for row in rows)


def _plain(value: Any) -> Any:
    """Arrays as tuples: models are frozen."""
    return tuple(value) if isinstance(value, list) else value


def fetch_models(session: Session, model: type[M], name: str, scope: ReportScope, **params: Any) -> tuple[M, ...]:
    """Run ``sql/<name>.sql`` over the month's figures and map its rows onto ``model``."""
    columns, rows = session.fetch_named(with_context(name), scope_params(scope) | params)
    return rows_as(model, columns, rows)


def fetch_sections(
    session: Session,
    queries: tuple[LiteralString, ...],
    scope: ReportScope,
    *,
    idle_candidates: int | None = None,
    **params: Any,
) -> list[list[dict[str, Any]]]:
    """Several report queries in one statement over one materialized ``figures``: each query's rows, in order.

    With ``idle_candidates``, exact idle-dedicated savings are computed for that many candidates only (largest
    bounds first). The rows travel as JSON text parsed with exact decimals; :func:`model_from` types them.
    """
    texts = fetch_section_texts(session, queries, scope, idle_candidates=idle_candidates, **params)
    return [parse_section(text) for text in texts]


def fetch_section_texts(
    session: Session,
    queries: tuple[LiteralString, ...],
    scope: ReportScope,
    *,
    idle_candidates: int | None = None,
    **params: Any,
) -> list[str]:
    """:func:`fetch_sections` before parsing: each query's rows as one JSON array text (what a summary stores)."""
    sections = ",\n".join(_SECTION_OPEN + text + _SECTION_CLOSE for text in queries)  # package SQL only
    ctes = _ctes(materialized=True, idle_candidates=idle_candidates is not None)
    values = scope_params(scope) | params | {"idle_candidates": idle_candidates}
    row = session.fetch_one(ctes + "SELECT " + sections, values)
    assert row is not None
    return [str(value) for value in row]


def parse_section(text: str) -> list[dict[str, Any]]:
    """A JSON array of rows with exact decimals (:func:`model_from` types them)."""
    rows: list[dict[str, Any]] = json.loads(text, parse_float=Decimal)
    return rows


def model_from(model: type[M], row: dict[str, Any]) -> M:
    """A JSON row of :func:`fetch_sections` as ``model``: uuids, dates, decimals and tuples restored by field type."""
    kinds = _kinds(cast(Hashable, model))
    values: dict[str, Any] = {}
    for name, value in row.items():
        kind = kinds[name]
        if value is None:
            values[name] = None
        elif kind is _Kind.UUID and isinstance(value, str):
            values[name] = UUID(value)
        elif kind is _Kind.DATE and isinstance(value, str):
            values[name] = date.fromisoformat(value)
        elif kind is _Kind.DECIMAL and isinstance(value, int) and not isinstance(value, bool):
            values[name] = Decimal(value)
        elif isinstance(value, list):
            values[name] = tuple(value)
        else:
            values[name] = value
    return model(**values)


class _Kind(Enum):
    """What a JSON value of a field is restored to, by the field's type."""

    UUID = "UUID"
    DATE = "date"
    DECIMAL = "Decimal"
    OTHER = ""


@cache
def _kinds(model: Hashable) -> dict[str, _Kind]:
    """Each field's :class:`_Kind` (resolved once per model: get_type_hints costs more than the rest of a row)."""

    def kind(hint: str) -> _Kind:
        return next((k for k in (_Kind.UUID, _Kind.DATE, _Kind.DECIMAL) if k.value in hint), _Kind.OTHER)

    return {name: kind(str(hint)) for name, hint in get_type_hints(model).items()}


def fetch_dicts(session: Session, name: str, scope: ReportScope, **params: Any) -> list[dict[str, Any]]:
    """Run ``sql/<name>.sql`` over the month's figures; rows as dicts keyed by column name."""
    columns, rows = session.fetch_named(with_context(name), scope_params(scope) | params)
    return [dict(zip(columns, row, strict=True)) for row in rows]
