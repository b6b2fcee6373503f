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


def test_plan_shows_each_rewritten_statement_with_its_own_locks(session: Session, tmp_path: Path) -> None:
    """After ADD COLUMN holds ACCESS EXCLUSIVE, the NOT VALID + VALIDATE pairs still show what each one takes."""
    change = (
        "ALTER TABLE orders ADD COLUMN cost int NOT NULL DEFAULT 0;\n"
        "ALTER TABLE orders ADD CONSTRAINT cost_positive CHECK (cost >= 0);\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_parent_fk FOREIGN KEY (parent_id) REFERENCES parents (id)"
    )
    result = run_preview(session, tmp_path, change, online=True)
    (migration,) = result.migrations
    texts = [statement.statement for statement in migration.statements]
    assert len(texts) == 5, texts  # ADD COLUMN, CHECK NOT VALID, VALIDATE, FOREIGN KEY NOT VALID, VALIDATE
    modes = [{(lock.relation, lock.mode) for lock in statement.locks} for statement in migration.statements]
    assert ("orders", AEL) in modes[1], f"CHECK ... NOT VALID: {migration.statements[1]}"
    assert ("orders", SUE) in modes[2], f"VALIDATE: {migration.statements[2]}"
    assert {("orders", SRE), ("parents", SRE)} <= modes[3], f"FOREIGN KEY ... NOT VALID: {migration.statements[3]}"
    assert ("orders", SUE) in modes[4], f"VALIDATE: {migration.statements[4]}"
    assert ("parents", "RowShareLock") in modes[4], f"VALIDATE: {migration.statements[4]}"
    assert all(modes), f"a statement shows no lock: {modes}"


def test_plan_says_what_a_statement_on_a_table_created_in_the_same_run_would_do_to_an_existing_one(
    session: Session, tmp_path: Path
) -> None:
    files = {
        "0001_setup.sql": SETUP,
        "0002_fresh.sql": "-- migrate:up\nCREATE TABLE fresh (id int PRIMARY KEY, v int, w int);\n",
        "0003_change.sql": "-- migrate:up\n"
        "ALTER TABLE fresh ADD CONSTRAINT v_positive CHECK (v > 0);\n"
        "ALTER TABLE fresh ALTER COLUMN w TYPE bigint;\n"
        "CREATE INDEX fresh_v_idx ON fresh (v);\n"
        "COMMENT ON TABLE fresh IS 'fine';\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations, target=migrations.versions[0])
    result = preview(session, migrations, with_runner(online=False))
    change = result.migrations[-1]
    check, retype, index, comment = change.statements
    (on_check,) = check.if_existing
    assert on_check.relation == "fresh" and on_check.modes[0] == AEL and on_check.scan, on_check
    assert "on the table with data this would take AccessExclusiveLock and scan it" in on_check.describe()
    (on_retype,) = retype.if_existing
    assert on_retype.modes[0] == AEL and on_retype.rewrite, on_retype
    (on_index,) = index.if_existing
    assert SHARE in on_index.modes and on_index.blocks_writes, on_index
    assert not any(hazard.blocks_writes for hazard in comment.if_existing), comment.if_existing
    assert all(not statement.if_existing for statement in result.migrations[0].statements), "CREATE TABLE itself"


def test_plan_estimates_rows_of_a_table_never_analyzed(session: Session, tmp_path: Path) -> None:
    session.execute("CREATE TABLE big (id int PRIMARY KEY, payload text) WITH (autovacuum_enabled = off)")
    session.execute("INSERT INTO big SELECT g, 'row ' || g FROM generate_series(1, 300000) g")
    assert session.fetch_value("SELECT reltuples FROM pg_class WHERE relname = 'big'") <= 0  # never analyzed
    files = {"0001_change.sql": "-- migrate:up\nALTER TABLE big ADD COLUMN note text;\n"}
    result = preview(session, load_migrations(write_files(tmp_path, files)), with_runner())
    (statement,) = result.migrations[0].statements
    size, rows = statement.sizes["big"]
    assert size > 0
    assert rows is None or 100_000 <= rows <= 900_000, f"~{rows} rows for a 300,000-row table never analyzed"
    assert rows is not None or "big" in statement.unanalyzed
