"""What the dashboard models that read module events' tables need first: the tables, and the right to read them."""

from __future__ import annotations

from tenantdb.db import Session
from tenantdb.errors import ConfigError, DatabaseStateError


def require_readable(session: Session, *tables: str) -> None:
    """A clear error when module events is not applied or the role may not read ``tables``."""
    for table in tables:
        if not session.fetch_value("SELECT to_regclass(%s) IS NOT NULL", (table,)):
            raise DatabaseStateError(
                f"{session.database} has no {table}: module events is not applied",
                hint='enable it in tenantdb.toml (modules = [..., "bi", "events"]) and run `tenantdb migrate up`',
            )
        if not session.fetch_value("SELECT has_table_privilege(%s, 'SELECT')", (table,)):
            role = session.fetch_value("SELECT current_user")
            raise ConfigError(
                f"role {role} may not read {table}", hint="read the dashboard as a member of business_analysts"
            )
