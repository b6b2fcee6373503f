"""The copies tests start from are the state their recipe builds: a copy of "every module applied" has the same
catalog, data, database privileges and verify results as applying the modules to an empty database."""

from __future__ import annotations

import pytest

from tenantdb.db import Session, connect, table_digest
from tenantdb.execute import first_difference
from tests import recipes
from tests.database_cache import DatabaseCache, Recipe
from tests.modules.support import positional_snapshot

DATABASE_PRIVILEGES = """
SELECT coalesce(nullif(a.grantee, 0)::regrole::text, 'PUBLIC'), a.privilege_type, a.is_grantable
  FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) AS a
 WHERE d.datname = current_database() AND a.grantee <> d.datdba
 ORDER BY 1, 2
"""


def state(session: Session) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], tuple[int, str]]:
    privileges = session.fetch_all(DATABASE_PRIVILEGES)
    ledger = session.fetch_all("SELECT source, version, checksum FROM tenantdb.applied_migrations ORDER BY 1, 2")
    return privileges, ledger, table_digest(session, "public", "plans")


def test_a_copy_of_every_module_applied_is_what_applying_them_makes(dsn: str, modules_dsn: str) -> None:
    recipes.modules_applied().build(dsn)
    with connect(dsn) as built, connect(modules_dsn) as copied:
        assert first_difference("copy", positional_snapshot(built), positional_snapshot(copied)) is None
        assert state(built) == state(copied)
        assert ("PUBLIC", "TEMPORARY", False) not in state(copied)[0]  # the security module's REVOKE holds


def test_each_test_gets_its_own_copy(database_cache: DatabaseCache) -> None:
    recipe = Recipe("a table", lambda dsn: _run(dsn, "CREATE TABLE t (n int)"))
    first, second = database_cache.copy(recipe), database_cache.copy(recipe)
    one, two = next(first), next(second)
    assert one.dsn != two.dsn
    _run(one.dsn, "INSERT INTO t VALUES (1)")
    with connect(two.dsn) as session:
        assert session.fetch_value("SELECT count(*) FROM t") == 0
    for copies in (first, second):
        next(copies, None)


def test_a_recipe_that_sets_database_settings_is_refused(database_cache: DatabaseCache) -> None:
    recipe = Recipe(
        "a database setting",
        lambda dsn: _run(
            dsn, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem = ''8MB''', current_database()); END $$"
        ),
    )
    with pytest.raises(AssertionError, match="database-level settings"):
        next(database_cache.copy(recipe))


def _run(dsn: str, statement: str) -> None:
    with connect(dsn) as session:
        session.execute(statement)
