"""``tenantdb roles``: the login roles services connect as (one per service, bounded by timeouts)."""

from __future__ import annotations

from tenantdb.commands.connection import open_session
from tenantdb.config import Settings
from tenantdb.db.service_logins import ServiceLogin, ServiceTimeouts, create_service_login, service_logins


def roles_login(settings: Settings, name: str, group: str, timeouts: ServiceTimeouts) -> ServiceLogin:
    with open_session(settings, "roles") as session:
        return create_service_login(session, name, group, timeouts)


def roles_list(settings: Settings) -> list[ServiceLogin]:
    with open_session(settings, "roles") as session:
        return service_logins(session)
