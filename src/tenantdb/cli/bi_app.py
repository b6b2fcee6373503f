"""``tenantdb bi``: refresh the per-tenant rollups behind the reports and views."""

from __future__ import annotations

import typer

bi_app = typer.Typer(
    help="Business-intelligence rollups: allocate costs and refresh per-tenant figures.", no_args_is_help=True
)
