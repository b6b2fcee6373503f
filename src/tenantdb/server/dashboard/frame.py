"""What every dashboard page has around its content: the month it shows (complete months by default), the month
picker, navigation, "data as of" and the live-refresh version, built from the request's session.

    frame = page_frame(db, View.REVENUE_HEALTH, month)      # month: the ?month=YYYY-MM text or None
    report = build(db.session, frame.options)
    return page("revenue.html", **frame.context(title="Revenue Health Monitor", as_of=report.scope.refreshed_at), ...)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from tenantdb.bi.months import months_with_data
from tenantdb.bi.reports import ReportOptions, parse_month
from tenantdb.db import Session
from tenantdb.server.dashboard.components import Layout, MonthOption, View, month_options, navigation
from tenantdb.server.dashboard.live import LIVE_URL, data_version
from tenantdb.server.dashboard.sql_files import sql_text
from tenantdb.server.request_db import RequestDb
from tenantdb.server.scopes import Scope

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


@dataclass(frozen=True, slots=True, kw_only=True)
class PageFrame:
    """The month a page shows, the report options for it, and the layout pieces that do not depend on the report."""

    view: View | None
    month: date | None
    months: tuple[MonthOption, ...]
    options: ReportOptions
    version: str
    user: str
    tenant_only: bool
    csrf_token: str
    action: str

    @property
    def month_value(self) -> str | None:
        return None if self.month is None else f"{self.month:%Y-%m}"

    def context(self, *, title: str, as_of: datetime | None, keep: dict[str, str] | None = None) -> dict[str, Any]:
        """``layout``, ``csrf_token`` and ``month`` for :func:`render`; ``keep``: other query values the month
        picker sends back (empty values are left out)."""
        layout = Layout(
            title=title,
            nav=() if self.tenant_only else navigation(self.view, month=self.month_value),
            months=self.months,
            month=self.month_value,
            month_action=self.action,
            month_keep=tuple((name, value) for name, value in (keep or {}).items() if value),
            data_as_of=as_of or datetime.now(UTC),
            live_url=LIVE_URL,
            live_version=self.version,
            user=self.user,
        )
        return {"layout": layout, "csrf_token": self.csrf_token, "month": self.month_value}

    def with_options(self, **changes: Any) -> PageFrame:
        return replace(self, options=replace(self.options, **changes))


def rollup_months(session: Session) -> list[date]:
    """The months of the rollups the session's role can see (a tenant login: its own rows only)."""
    return [row[0] for row in session.fetch_all(sql_text("rollup_months"))]


def page_frame(db: RequestDb, view: View | None, month: str | None, *, action: str) -> PageFrame:
    """The frame of a page of ``view`` for ``?month=`` (validated by the route's pattern)."""
    current = datetime.now(UTC).date().replace(day=1)
    tenant_only = db.principal.scope is Scope.TENANT
    found = set(rollup_months(db.session))  # months with figures (a tenant login: its own)
    if not tenant_only:
        found.update(months_with_data(db.session))  # and months with source data not yet refreshed
    chosen = None if month is None else parse_month(month)
    if chosen is not None:
        found.add(chosen)  # a month asked for by its URL stays chosen in the picker
    options = month_options((value, value < current) for value in found)
    if chosen is None:
        default = next((option for option in options if option.default), None)
        chosen = None if default is None else parse_month(default.value)
    principal = db.principal
    user = f"{principal.scope} token" + (f" of {principal.tenant_slug}" if principal.tenant_slug else "")
    return PageFrame(
        view=view,
        month=chosen,
        months=options,
        options=ReportOptions(month=chosen),
        version=data_version(db.session),
        user=user,
        tenant_only=tenant_only,
        csrf_token=db.csrf_token or "",
        action=action,
    )
