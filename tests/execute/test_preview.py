"""``tenantdb plan`` reports the locks PostgreSQL really takes (RELIABILITY.md §1.3), and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.db import Session, catalog_snapshot, state_exists
from tenantdb.execute import first_difference
from tenantdb.execute.preview import Preview, preview
from tenantdb.migrations import load_migrations
from tests.helpers import up, with_runner, write_files

SETUP = """-- migrate:up
CREATE TABLE parents (id int PRIMARY KEY);
INSERT INTO parents SELECT g FROM generate_series(1, 100) g;
CREATE TABLE orders (id int PRIMARY KEY, parent_id int, total int, code varchar(10), note text);
INSERT INTO orders SELECT g, 1 + g % 100, g, 'c' || g, 'n' FROM generate_series(1, 5000) g;
CREATE INDEX orders_total_idx ON orders (total);
CREATE MATERIALIZED VIEW order_totals AS SELECT parent_id, sum(total) AS total FROM orders GROUP BY parent_id;
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
CREATE TABLE events (at date NOT NULL, n int) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
"""

AEL, SHARE, SUE, SRE, AS = (
    "AccessExclusiveLock",
    "ShareLock",
    "ShareUpdateExclusiveLock",
    "ShareRowExclusiveLock",
    "AccessShareLock",
)

# (row of RELIABILITY.md §1.3, statement, relation, strongest lock on it, rewrite, scan)
L_TABLE = [
    ("L1", "ALTER TABLE orders ADD COLUMN q1 int", "orders", AEL, False, False),
    ("L2", "ALTER TABLE orders ADD COLUMN q2 int NOT NULL DEFAULT 0", "orders", AEL, False, False),
    ("L3", "ALTER TABLE orders ADD COLUMN q3 float8 DEFAULT random()", "orders", AEL, True, False),
    ("L5", "ALTER TABLE parents ALTER COLUMN id TYPE bigint", "parents", AEL, True, False),
    ("L6", "ALTER TABLE orders ALTER COLUMN code TYPE varchar(20)", "orders", AEL, False, False),
    ("L7", "ALTER TABLE orders ALTER COLUMN parent_id SET NOT NULL", "orders", AEL, False, True),
    ("L8", "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0)", "orders", AEL, False, True),
    ("L10", "ALTER TABLE orders ADD FOREIGN KEY (parent_id) REFERENCES parents (id)", "orders", SRE, False, True),
    ("L10", "ALTER TABLE orders ADD FOREIGN KEY (parent_id) REFERENCES parents (id)", "parents", SRE, False, False),
    ("L11", "ALTER TABLE orders ADD UNIQUE (code)", "orders", AEL, False, False),
    ("L12", "CREATE INDEX orders_note_idx ON orders (note)", "orders", SHARE, False, False),
    ("L13", "CREATE INDEX CONCURRENTLY orders_code_idx ON orders (code)", "orders", SUE, False, False),
    ("L14", "DROP INDEX orders_total_idx", "orders", AEL, False, False),
    ("L16", "ALTER TABLE orders DROP COLUMN note", "orders", AEL, False, False),
    ("L17", "ALTER TABLE orders RENAME COLUMN note TO remark", "orders", AEL, False, False),
    ("L18", "ALTER TABLE orders ALTER COLUMN total SET DEFAULT 1", "orders", AEL, False, False),
    ("L19", "ALTER TABLE orders ENABLE ROW LEVEL SECURITY", "orders", AEL, False, False),
    ("L19", "CREATE POLICY orders_all ON orders USING (true)", "orders", AEL, False, False),
    (
        "L20",
        "CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch()",
        "orders",
        SRE,
        False,
        False,
    ),
    ("L21", "ALTER TABLE orders SET (fillfactor = 90)", "orders", SUE, False, False),
    ("L22", "CREATE VIEW small_orders AS SELECT * FROM orders WHERE total < 10", "orders", AS, False, False),
    (
        "L22",
        "CREATE OR REPLACE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 101",
        "big_orders",
        AEL,
        False,
        False,
    ),
    ("L24", "ALTER TABLE events DETACH PARTITION events_2024", "events", AEL, False, False),
    ("L25", "REFRESH MATERIALIZED VIEW order_totals", "order_totals", AEL, True, False),
    ("L26", "TRUNCATE orders CASCADE", "orders", AEL, True, False),
]

STRENGTH = [AS, "RowShareLock", "RowExclusiveLock", SUE, SHARE, SRE, "ExclusiveLock", AEL]


def run_preview(session: Session, tmp_path: Path, statement: str, *, online: bool = False) -> Preview:
    files = {"0001_setup.sql": SETUP, "0002_change.sql": f"-- migrate:up\n{statement};\n"}
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations, target=migrations.versions[0])
    return preview(session, migrations, with_runner(online=online))


@pytest.mark.parametrize(
    ("row", "statement", "relation", "mode", "rewrite", "scan"), L_TABLE, ids=[f"{r[0]}-{r[2]}" for r in L_TABLE]
)
def test_plan_reports_the_lock_postgresql_takes(
    session: Session, tmp_path: Path, row: str, statement: str, relation: str, mode: str, rewrite: bool, scan: bool
) -> None:
    result = run_preview(session, tmp_path, statement)
    (migration,) = result.migrations
    (previewed,) = migration.statements
    assert previewed.error is None, previewed.error
    modes = [lock.mode for lock in previewed.locks if lock.relation == relation]
    assert modes, f"{row}: no lock on {relation}: {previewed.locks}"
    assert max(modes, key=STRENGTH.index) == mode, f"{row}: {previewed.locks}"
    assert (relation in previewed.rewritten) is rewrite, f"{row}: rewritten {previewed.rewritten}"
    if scan:
        assert relation in previewed.scanned, f"{row}: scanned {previewed.scanned}"
    if relation in ("orders", "parents") and not any(lock.new_relation for lock in previewed.locks):
        assert previewed.sizes[relation][0] > 0


def test_plan_changes_nothing(session: Session, tmp_path: Path) -> None:
    files = {"0001_setup.sql": SETUP}
    migrations = load_migrations(write_files(tmp_path, files))
    before = catalog_snapshot(session)
    result = preview(session, migrations, with_runner())
    assert [m.version for m in result.migrations] == ["0001"]
    assert first_difference("after plan", before, catalog_snapshot(session)) is None
    assert not state_exists(session)


def test_plan_reports_every_error_with_its_line(session: Session, tmp_path: Path) -> None:
    change = (
        "GRANT SELECT ON orders TO reporting_role_that_does_not_exist;\n"
        "CREATE VIEW v AS SELECT missing_column FROM orders;\n"
        "CREATE INDEX v_idx ON big_orders (total);\n"
        "ALTER TABLE orders ADD COLUMN fine int"
    )
    result = run_preview(session, tmp_path, change)
    errors = [(s.line, s.sqlstate) for s in result.migrations[0].statements if s.error]
    assert errors == [(2, "42704"), (3, "42703"), (4, "42809")]
    assert result.errors == 3


def test_plan_shows_online_rewrites_and_their_gentler_locks(session: Session, tmp_path: Path) -> None:
    result = run_preview(session, tmp_path, "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0)", online=True)
    (migration,) = result.migrations
    assert migration.rewrites and migration.rewrites[0].startswith("not-valid-constraint")
    add, validate = migration.statements
    assert "orders" not in add.scanned
    assert [lock.mode for lock in validate.locks if lock.relation == "orders"] == [SUE]
