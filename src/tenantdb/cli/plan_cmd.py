"""``tenantdb plan``: preview pending migrations against the real database."""

from __future__ import annotations

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.options import MIGRATION, Common, shared


@shared(*MIGRATION)
def plan(common: Common) -> None:
    """Preview pending migrations against the real database, in a transaction that is always rolled back.

    Per statement: the locks PostgreSQL took, table rewrites and scans, sizes, errors (with file and line),
    online rewrites, and lint findings. Exits 6 when a statement fails or the linter reports an error.
    """
    common.run(lambda: commands.plan(common.settings()), views.show_plan)
