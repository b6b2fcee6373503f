"""A report's main table as CSV on stdout (the table itself: :mod:`tenantdb.bi.reports.table`, shared with the
HTTP API's ``text/csv``)."""

from __future__ import annotations

import sys
from typing import Any

from tenantdb.bi.reports.table import cell, csv_text, main_table, table_rows


def emit_csv(report: Any) -> None:
    """Write the report's main table to stdout; a table with revenue ends with a ``revenue_basis`` column."""
    header, rows = table_rows(report)
    sys.stdout.write(csv_text(header, rows))
    sys.stdout.flush()


__all__ = ["cell", "emit_csv", "main_table"]
