"""R32 of the attack matrix: no object is owned by a superuser, and nothing runs as one at run time.

Every object of every module belongs to ``tenantdb_owner``, a NOLOGIN role that is neither superuser nor BYPASSRLS
(so FORCE ROW LEVEL SECURITY binds it, and no service connection can be it); the BI refresh runs as
``tenantdb_refresh``, which reads what analysts read and writes only the rollups.
"""

from __future__ import annotations

from datetime import date

import pytest

from tenantdb.bi.refresh import RefreshRequest, refresh
from tenantdb.db import Session, connect
from tests.modules.security_world import (
    TENANT_ROLES,
    World,
)

OWN_ROLES = ("tenantdb_owner", "tenantdb_refresh")

OBJECTS = """
SELECT kind, name, pg_get_userbyid(owner) FROM (
    SELECT 'relation ' || c.relkind::text AS kind, c.oid::regclass::text AS name, c.relowner AS owner
    FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    UNION ALL
    SELECT 'function', p.oid::regprocedure::text, p.proowner FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace
    UNION ALL
    SELECT 'type', t.oid::regtype::text, t.typowner FROM pg_type t
    WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm')
) AS o ORDER BY 1, 2
"""


def test_r32_every_object_of_every_module_belongs_to_the_owner_role(world: World, admin: Session) -> None:
    objects = admin.fetch_all(OBJECTS)
    assert len(objects) > 50
    assert [(kind, name, owner) for kind, name, owner in objects if owner != "tenantdb_owner"] == []


def test_r32_the_owner_and_the_refresh_cannot_log_in_and_are_not_superusers(admin: Session) -> None:
    """The owner bypasses row-level security (its SECURITY DEFINER functions keep every tenant's rows, and an
    owner could disable its tables' policies anyway); the refresh does not: it reads through the analysts'
    policies."""
    rows = admin.fetch_all(
        "SELECT rolname, rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles"
        " WHERE rolname = ANY (%s) ORDER BY 1",
        (list(OWN_ROLES),),
    )
    assert rows == [
        ("tenantdb_owner", False, False, True, False, False),
        ("tenantdb_refresh", False, False, False, False, False),
    ]


@pytest.mark.parametrize("role", [*TENANT_ROLES, "business_analysts", "db_administrators"])
def test_r32_no_service_role_can_become_the_owner_or_the_refresh(world: World, admin: Session, role: str) -> None:
    # SET ROLE is checked against the session's login role, which a service's login inherits from these roles:
    # membership (direct or through another role) is what would let it become the owner or the refresh.
    for target in OWN_ROLES:
        assert not admin.fetch_value("SELECT pg_has_role(%s, %s, 'MEMBER')", (role, target)), (role, target)


def test_r32_the_refresh_runs_as_its_own_role_and_sees_every_tenant(world: World, admin: Session) -> None:
    admin.execute("CREATE TABLE refresh_probe (who text, tenants bigint)")
    admin.execute("GRANT INSERT ON refresh_probe TO PUBLIC")
    admin.execute(
        "CREATE FUNCTION probe_refresh() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " INSERT INTO refresh_probe SELECT current_user, count(*) FROM companies; RETURN NEW; END $$"
    )
    admin.execute(
        "CREATE TRIGGER probe BEFORE INSERT OR UPDATE ON bi_refresh_state FOR EACH ROW EXECUTE FUNCTION probe_refresh()"
    )
    try:
        month = date.today().replace(day=1)
        with connect(world.dsn) as session:
            refresh(session, RefreshRequest(months=(month,), jobs=1))
        assert admin.fetch_all("SELECT who, tenants FROM refresh_probe") == [("tenantdb_refresh", len(world.tenants))]
    finally:
        admin.execute("DROP TRIGGER probe ON bi_refresh_state")
        admin.execute("DROP FUNCTION probe_refresh()")
        admin.execute("DROP TABLE refresh_probe")
