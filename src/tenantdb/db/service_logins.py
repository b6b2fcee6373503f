"""Login roles for services: one per service, a member of one group role, with timeouts that bound its requests.

Settings of a NOLOGIN group role (tenant_api ...) never apply: PostgreSQL applies a role's defaults only to the role
a session logs in as, not on ``SET ROLE``. So the timeouts go on each service's login role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from psycopg import sql

from tenantdb.db.session import Session, millis
from tenantdb.errors import ConfigError, DatabaseStateError

SERVICE_GROUPS = ("application_service", "tenant_api", "business_analysts", "db_administrators", "tenantdb_refresh")


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTimeouts:
    """Per-session defaults of a service login (a request may lower them, or raise them if it runs SQL)."""

    statement: timedelta = timedelta(seconds=5)
    lock: timedelta = timedelta(seconds=1)
    idle_in_transaction: timedelta = timedelta(seconds=10)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceLogin:
    name: str
    group: str
    settings: tuple[str, ...]


def create_service_login(session: Session, name: str, group: str, timeouts: ServiceTimeouts) -> ServiceLogin:
    """CREATE ROLE name LOGIN IN ROLE group, with the timeouts as its defaults, in one transaction.

    No password is set here (it would travel and may be logged in clear): set it with psql's ``\\password``,
    which sends it hashed, or authenticate the service by certificate.
    """
    if group not in SERVICE_GROUPS:
        raise ConfigError(f"{group!r} is not a tenantdb role", hint=f"one of: {', '.join(SERVICE_GROUPS)}")
    if not session.fetch_value("SELECT to_regrole(%s) IS NOT NULL", (group,)):
        raise DatabaseStateError(f"role {group} does not exist: module security is not applied")
    if session.fetch_value("SELECT to_regrole(%s) IS NOT NULL", (name,)):
        raise DatabaseStateError(f"role {name} exists already", hint="choose another name, or ALTER ROLE it yourself")
    role = sql.Identifier(name)
    settings = {
        "statement_timeout": millis(timeouts.statement),
        "lock_timeout": millis(timeouts.lock),
        "idle_in_transaction_session_timeout": millis(timeouts.idle_in_transaction),
    }
    with session.transaction():
        create = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE {}").format(
            role, sql.Identifier(group)
        )
        session.execute(create)
        for setting, value in settings.items():
            session.execute(
                sql.SQL("ALTER ROLE {} SET {} = {}").format(role, sql.Identifier(setting), sql.Literal(value))
            )
    return ServiceLogin(name=name, group=group, settings=tuple(f"{key}={value}" for key, value in settings.items()))


def service_logins(session: Session) -> list[ServiceLogin]:
    """Every login role that is a member of one of tenantdb's roles, with its role-level settings."""
    rows = session.fetch_all(
        "SELECT r.rolname, g.rolname, coalesce(array_agg(s.setting ORDER BY s.setting)"
        " FILTER (WHERE s.setting IS NOT NULL), '{}')"
        " FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid"
        " LEFT JOIN pg_db_role_setting d ON d.setrole = r.oid"
        "  AND d.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))"
        " LEFT JOIN LATERAL unnest(d.setconfig) AS s (setting) ON true"
        " WHERE r.rolcanlogin AND g.rolname = ANY (%s) GROUP BY r.rolname, g.rolname ORDER BY 1, 2",
        (list(SERVICE_GROUPS),),
    )
    return [ServiceLogin(name=row[0], group=row[1], settings=tuple(row[2])) for row in rows]
