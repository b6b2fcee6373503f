"""``tenantdb report``: the unit-economics reports, as rich tables, JSON or CSV."""

from __future__ import annotations

import typer

report_app = typer.Typer(
    help="Unit economics per tenant and plan: executive summary, costs, deliverability.", no_args_is_help=True
)
