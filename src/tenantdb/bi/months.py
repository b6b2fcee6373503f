"""Months of the business rollups: parsing ``YYYY-MM`` and finding the months that have data."""

from __future__ import annotations

import re
from datetime import date

from tenantdb.bi.statements import statement
from tenantdb.db import Session
from tenantdb.errors import ConfigError

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> date:
    """``2025-06`` -> 2025-06-01; anything else is a clear error."""
    match = _MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise ConfigError(f"{text!r}: expected a month like 2025-06 (YYYY-MM)", option="month")
    return date(int(match.group(1)), int(match.group(2)), 1)


def months_with_data(session: Session) -> list[date]:
    """Every month from the earliest to the latest with deliverability, billing transactions or invoices."""
    return [row[0] for row in session.fetch_all(statement("months_with_data"))]
