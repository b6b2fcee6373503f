"""Archive before destroy: down sections lose nothing, and re-applying puts the data back (digests equal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.db import Session, list_entries, restore, table_digest
from tenantdb.errors import DatabaseStateError, MigrationFailed
from tenantdb.migrations import load_migrations
from tests.helpers import down, event_kinds, up, with_runner, write_files

BILLING = """-- migrate:up
CREATE TABLE billing_transactions (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text, amount numeric);
-- migrate:down
DROP TABLE billing_transactions;
"""
COST = """-- migrate:up
ALTER TABLE billing_transactions ADD COLUMN approximate_cost numeric(8,2);
-- migrate:down
ALTER TABLE billing_transactions DROP COLUMN approximate_cost;
"""


def project(tmp_path: Path) -> Path:
    return write_files(tmp_path, {"0001_billing.sql": BILLING, "0002_cost.sql": COST})


def fill(session: Session) -> None:
    session.execute(
        "INSERT INTO billing_transactions (tenant, amount, approximate_cost)"
        " SELECT 't' || (g % 7), g * 1.5, g % 13 FROM generate_series(1, 500) g"
    )


def test_dropped_column_is_archived_and_restored_on_reapply(session: Session, tmp_path: Path) -> None:
    migrations = load_migrations(project(tmp_path))
    up(session, migrations)
    fill(session)  # written by the application after the migration
    before = table_digest(session, "public", "billing_transactions")
    down(session, migrations)
    (entry,) = list_entries(session)
    assert (entry.kind, entry.object_column, entry.row_count) == ("column", "approximate_cost", 500)
    assert entry.key_columns == ("id",)
    up(session, migrations)
    assert table_digest(session, "public", "billing_transactions") == before
    assert {"archive", "restore"} <= set(event_kinds(session))
    assert list_entries(session, pending_only=True) == []


def test_dropped_table_is_archived_and_restored_with_identical_digest(session: Session, tmp_path: Path) -> None:
    migrations = load_migrations(project(tmp_path))
    up(session, migrations)
    fill(session)
    before = table_digest(session, "public", "billing_transactions")
    down(session, migrations, steps=2)
    assert not session.fetch_value("SELECT to_regclass('billing_transactions') IS NOT NULL")
    kinds = sorted((entry.kind, entry.row_count) for entry in list_entries(session))
    assert kinds == [("column", 500), ("table", 500)]
    up(session, migrations)
    assert table_digest(session, "public", "billing_transactions") == before


def test_delete_archives_exactly_the_rows_it_removes(session: Session, tmp_path: Path) -> None:
    files = {
        "0001_plans.sql": "-- migrate:up\nCREATE TABLE plans (name text PRIMARY KEY, price int);\n"
        "INSERT INTO plans VALUES ('Free', 0), ('Pro', 49), ('Scale', 399);\n",
        "0002_retire.sql": "-- migrate:up\nDELETE FROM plans WHERE price > 100;\n-- migrate:down\nSELECT 1;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    (entry,) = list_entries(session)
    assert (entry.kind, entry.row_count, entry.direction) == ("rows", 1, "up")
    down(session, migrations)
    assert session.fetch_value("SELECT count(*) FROM plans") == 2  # deleted rows come back only when asked
    assert restore(session, entry).written == 1
    assert session.fetch_value("SELECT count(*) FROM plans") == 3


def test_truncate_cascade_archives_every_table_it_empties(session: Session, tmp_path: Path) -> None:
    files = {
        "0001_tables.sql": "-- migrate:up\nCREATE TABLE parents (id int PRIMARY KEY);\n"
        "CREATE TABLE kids (id int PRIMARY KEY, parent int REFERENCES parents);\n"
        "INSERT INTO parents SELECT g FROM generate_series(1, 10) g;\n"
        "INSERT INTO kids SELECT g, 1 + g % 10 FROM generate_series(1, 30) g;\n",
        "0002_reset.sql": "-- migrate:up\nTRUNCATE parents CASCADE;\n-- migrate:down\nSELECT 1;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    archived = sorted((entry.object_table, entry.row_count) for entry in list_entries(session))
    assert archived == [("kids", 30), ("parents", 10)]


def test_archive_can_be_turned_off(session: Session, tmp_path: Path) -> None:
    migrations = load_migrations(project(tmp_path))
    up(session, migrations)
    down(session, migrations, with_runner(archive=False))
    assert list_entries(session) == []


def test_failed_migration_keeps_neither_drop_nor_archive(session: Session, tmp_path: Path) -> None:
    files = {
        "0001_t.sql": "-- migrate:up\nCREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);\n",
        "0002_drop.sql": "-- migrate:up\nDROP TABLE t;\nSELECT 1 / 0;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    with pytest.raises(MigrationFailed):
        up(session, migrations)
    assert session.fetch_value("SELECT count(*) FROM t") == 1
    assert list_entries(session) == []


def test_restoring_archived_rows_does_not_fire_user_triggers(session: Session, tmp_path: Path) -> None:
    files = {
        "0001_counter.sql": "-- migrate:up\nCREATE TABLE totals (n int NOT NULL);\nINSERT INTO totals VALUES (0);\n"
        "CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE totals SET n = n + 1;"
        " RETURN NEW; END $$;\n",
        "0002_items.sql": "-- migrate:up\nCREATE TABLE items (id int PRIMARY KEY);\n"
        "CREATE TRIGGER items_bump AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION bump();\n"
        "-- migrate:down\nDROP TABLE items;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    session.execute("INSERT INTO items SELECT generate_series(1, 4)")
    assert session.fetch_value("SELECT n FROM totals") == 4
    down(session, migrations)
    up(session, migrations)
    assert session.fetch_value("SELECT count(*) FROM items") == 4
    assert session.fetch_value("SELECT n FROM totals") == 4  # not 8: restoring is not new activity
    assert session.fetch_value("SELECT tgenabled FROM pg_trigger WHERE tgname = 'items_bump'") == "O"


def test_restoring_archived_rows_keeps_each_triggers_firing_mode(session: Session, tmp_path: Path) -> None:
    """A trigger that fires ALWAYS (an append-only guard, a change note) or only on a REPLICA is disabled while the
    rows go back, then enabled in the same mode: a plain ENABLE TRIGGER would make it fire on the origin only."""
    files = {
        "0001_items.sql": "-- migrate:up\nCREATE TABLE items (id int PRIMARY KEY);\n"
        "CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
        "CREATE TRIGGER items_always BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION keep();\n"
        "CREATE TRIGGER items_replica BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION keep();\n"
        "CREATE TRIGGER items_origin BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION keep();\n"
        "ALTER TABLE items ENABLE ALWAYS TRIGGER items_always, ENABLE REPLICA TRIGGER items_replica;\n"
        "-- migrate:down\nDROP TABLE items;\nDROP FUNCTION keep();\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    session.execute("INSERT INTO items SELECT generate_series(1, 4)")
    down(session, migrations)
    up(session, migrations)
    assert session.fetch_value("SELECT count(*) FROM items") == 4
    modes = session.fetch_all("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'items'::regclass ORDER BY 1")
    assert modes == [("items_always", "A"), ("items_origin", "O"), ("items_replica", "R")]


def test_drop_cascade_archives_every_view_it_removes(session: Session, tmp_path: Path) -> None:
    """A down's DROP TABLE ... CASCADE removes the views built on the table: each definition (views on views
    too) and a materialized view's rows are archived; re-applying restores the table, never into a view."""
    files = {
        "0001_usage.sql": "-- migrate:up\nCREATE TABLE usage (tenant text, emails int);\n"
        "-- migrate:down\nDROP TABLE usage CASCADE;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    session.execute("INSERT INTO usage VALUES ('a', 10), ('a', 5), ('b', 7)")
    session.execute("CREATE VIEW usage_by_tenant AS SELECT tenant, sum(emails) AS emails FROM usage GROUP BY tenant")
    session.execute("CREATE VIEW big_tenants AS SELECT tenant FROM usage_by_tenant WHERE emails > 10")
    session.execute("CREATE MATERIALIZED VIEW usage_snapshot AS SELECT * FROM usage_by_tenant")
    down(session, migrations, steps=1)

    entries = {entry.object_table: entry for entry in list_entries(session)}
    assert set(entries) == {"usage", "usage_by_tenant", "big_tenants", "usage_snapshot"}
    assert {name: entries[name].row_count for name in entries} == {
        "usage": 3,
        "usage_by_tenant": 0,  # a view's rows are derived: only its definition is kept
        "big_tenants": 0,
        "usage_snapshot": 2,  # a materialized view's snapshot is data of its own
    }
    for name in ("usage_by_tenant", "big_tenants", "usage_snapshot"):
        entry = entries[name]
        definition = session.fetch_value(
            "SELECT obj_description((quote_ident(%s) || '.' || quote_ident(%s))::regclass, 'pg_class')",
            (entry.archive_schema, entry.archive_table),
        )
        assert str(definition).startswith(("CREATE VIEW", "CREATE MATERIALIZED VIEW")), definition
        assert name in str(definition)

    up(session, migrations)  # the table comes back with its rows; the views are left to their owner
    assert session.fetch_value("SELECT sum(emails) FROM usage") == 22
    assert session.fetch_value("SELECT to_regclass('usage_by_tenant')") is None
    with pytest.raises(DatabaseStateError, match=r"DROP \.\.\. CASCADE"):
        restore(session, entries["usage_snapshot"])
