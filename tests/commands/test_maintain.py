"""``tenantdb db maintain``: the plan chosen from the catalog's statistics, and how it runs."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from psycopg import sql

from tenantdb.commands.maintain import MaintainKind, MaintainReport, Outcome, TableSizes, db_maintain
from tenantdb.config import MaintainSettings, Settings, load_settings, parse_size
from tenantdb.db import Session, connect
from tenantdb.errors import ConfigError

FAST_RUNNER = """
[runner]
lock_timeout_start = "20ms"
lock_timeout = "100ms"
lock_retry_budget = "1s"
retry_base_delay = "50ms"
retry_max_delay = "200ms"
"""


def settings_for(tmp_path: Path, dsn: str, maintain: str = "") -> Settings:
    (tmp_path / "tenantdb.toml").write_text(f"{FAST_RUNNER}\n[maintain]\n{maintain}\n", encoding="utf-8")
    return load_settings(tmp_path).with_overrides(dsn=dsn)


def make_table(session: Session, name: str, rows: int, *, schema: str = "public", index: bool = False) -> None:
    """A table with autovacuum off (the test decides what the statistics say), filled with ``rows`` rows."""
    table = sql.Identifier(schema, name)
    session.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    session.execute(
        sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, val text NOT NULL) WITH (autovacuum_enabled = false)").format(
            table
        )
    )
    write(
        session, sql.SQL("INSERT INTO {} SELECT n, md5(n::text) FROM generate_series(1, %s) AS n").format(table), rows
    )
    if index:
        session.execute(sql.SQL("CREATE INDEX {} ON {} (val)").format(sql.Identifier(f"{name}_val_idx"), table))


def write(session: Session, statement: sql.Composed | sql.SQL, *params: object) -> None:
    """Run a write whose counts reach the shared statistics at once (they are otherwise flushed up to 1 s late):
    the flush is forced when the session goes idle after the next statement."""
    session.execute(statement, params or None)
    session.execute("SELECT pg_stat_force_next_flush()")


def stats(session: Session, schema: str, table: str) -> tuple[int, int, object, object]:
    row = session.fetch_one(
        "SELECT n_dead_tup, n_live_tup, last_vacuum, last_analyze FROM pg_stat_user_tables"
        " WHERE schemaname = %s AND relname = %s",
        (schema, table),
    )
    assert row is not None
    return row[0], row[1], row[2], row[3]


def kinds(report: MaintainReport, table: str) -> list[MaintainKind]:
    return [action.kind for action in report.actions if action.table == table]


def test_dead_rows_get_vacuum_and_a_dry_run_changes_nothing(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, "items", 20_000)
    session.execute("ANALYZE items")
    write(session, sql.SQL("DELETE FROM items WHERE id % 2 = 0"))

    report = db_maintain(settings_for(tmp_path, dsn), dry_run=True)

    (action,) = [action for action in report.actions if action.table == "items"]
    assert action.kind is MaintainKind.VACUUM_ANALYZE
    assert action.outcome is Outcome.PLANNED
    assert "10000 dead rows" in action.reason
    assert action.statement == 'VACUUM (ANALYZE) "public"."items"'
    assert stats(session, "public", "items")[2] is None  # never vacuumed
    assert session.fetch_value("SELECT to_regnamespace('tenantdb')") is None  # no state written by a dry run


def test_a_never_analyzed_table_gets_analyze(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, "fresh", 500)

    report = db_maintain(settings_for(tmp_path, dsn), dry_run=True)

    (action,) = [action for action in report.actions if action.table == "fresh"]
    assert action.kind is MaintainKind.ANALYZE
    assert "never analyzed" in action.reason


def test_a_quiet_table_is_left_alone(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, "quiet", 5_000)
    session.execute("VACUUM ANALYZE quiet")

    report = db_maintain(settings_for(tmp_path, dsn), dry_run=True)

    assert kinds(report, "quiet") == []
    assert [table.name for table in report.tables] == ["quiet"]  # its sizes are still reported


def test_the_run_vacuums_and_analyzes_outside_a_transaction(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, "items", 20_000)
    session.execute("ANALYZE items")
    write(session, sql.SQL("DELETE FROM items WHERE id % 2 = 0"))

    report = db_maintain(settings_for(tmp_path, dsn))

    (action,) = [action for action in report.actions if action.table == "items"]
    assert action.outcome is Outcome.DONE, action.error
    dead, live, last_vacuum, last_analyze = stats(session, "public", "items")
    assert (dead, live) == (0, 10_000)
    assert last_vacuum is not None and last_analyze is not None


def test_thresholds_come_from_the_maintain_settings(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, "items", 20_000)
    session.execute("ANALYZE items")
    write(session, sql.SQL("DELETE FROM items WHERE id <= 1000"))  # 1,000 dead rows: 5 % of the live ones

    default = db_maintain(settings_for(tmp_path, dsn), dry_run=True)
    strict = db_maintain(settings_for(tmp_path, dsn, "vacuum_dead_ratio = 0.01"), dry_run=True)

    assert kinds(default, "items") == []
    assert kinds(strict, "items") == [MaintainKind.VACUUM]


def bloat_index(session: Session) -> None:
    """An index left with a tenth of its entries after most rows were deleted and vacuumed."""
    make_table(session, "events", 100_000, index=True)
    write(session, sql.SQL("DELETE FROM events WHERE id % 10 <> 0"))
    session.execute("VACUUM ANALYZE events")


def index_size(session: Session, name: str) -> int:
    return int(session.fetch_value("SELECT pg_relation_size(%s::regclass)", (name,)))


def test_a_bloated_index_is_rebuilt_concurrently(session: Session, dsn: str, tmp_path: Path) -> None:
    bloat_index(session)
    before = index_size(session, "events_val_idx")
    settings = settings_for(tmp_path, dsn, 'index_min_bloat = "0"')

    planned = db_maintain(settings, dry_run=True)
    reindex = [action for action in planned.actions if action.kind is MaintainKind.REINDEX]
    assert {action.index for action in reindex} == {"events_val_idx", "events_pkey"}
    assert reindex[0].statement.startswith('REINDEX INDEX CONCURRENTLY "public".')
    assert "estimated bloat" in reindex[0].reason
    (sizes,) = planned.tables
    assert {index.name: index.bloat_ratio is not None and index.bloat_ratio > 0.5 for index in sizes.indexes} == {
        "events_val_idx": True,
        "events_pkey": True,
    }

    report = db_maintain(settings)

    assert all(action.outcome is Outcome.DONE for action in report.actions), report.actions
    assert index_size(session, "events_val_idx") < before / 3
    again = db_maintain(settings, dry_run=True)
    assert [action for action in again.actions if action.kind is MaintainKind.REINDEX] == []
    assert session.fetch_all("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid") == []
    assert (
        session.fetch_all("SELECT relname FROM pg_class WHERE relname LIKE '%ccnew%' OR relname LIKE '%ccold%'") == []
    )


def test_a_bloated_index_of_few_distinct_keys_is_found_despite_deduplication(
    session: Session, dsn: str, tmp_path: Path
) -> None:
    """A tenant_id index has many rows per key: B-tree deduplication stores each key once, so the plain estimate
    (one entry per row) would call a bloated index lean."""
    session.execute("CREATE TABLE usage (id bigint PRIMARY KEY, tenant_id int NOT NULL)")
    write(session, sql.SQL("INSERT INTO usage SELECT n, n % 100 FROM generate_series(1, 200000) AS n"))
    session.execute("CREATE INDEX usage_tenant_idx ON usage (tenant_id)")
    write(session, sql.SQL("DELETE FROM usage WHERE id % 5 IN (1, 2)"))
    session.execute("VACUUM ANALYZE usage")
    before = index_size(session, "usage_tenant_idx")

    report = db_maintain(settings_for(tmp_path, dsn, 'index_min_bloat = "0"'))

    reindexed = [action.index for action in report.actions if action.kind is MaintainKind.REINDEX]
    assert "usage_tenant_idx" in reindexed
    assert index_size(session, "usage_tenant_idx") < before * 0.7
    again = db_maintain(settings_for(tmp_path, dsn, 'index_min_bloat = "0"'), dry_run=True)
    assert [action for action in again.actions if action.kind is MaintainKind.REINDEX] == []  # a fresh build is lean


def test_an_index_that_grew_since_the_last_analyze_is_not_called_bloated(
    session: Session, dsn: str, tmp_path: Path
) -> None:
    """pg_class.reltuples is as old as the last ANALYZE; the live rows counted since are what a rebuild holds."""
    make_table(session, "growing", 1_000, index=True)
    session.execute("VACUUM ANALYZE growing")
    write(session, sql.SQL("INSERT INTO growing SELECT n, md5(n::text) FROM generate_series(1001, 50000) AS n"))

    report = db_maintain(settings_for(tmp_path, dsn, 'index_min_bloat = "0"'), dry_run=True)

    assert [action.index for action in report.actions if action.kind is MaintainKind.REINDEX] == []
    (table,) = report.tables  # random keys leave B-tree pages about 70 % full: ~20 % over a fresh build's size
    assert all(index.bloat_ratio is not None and index.bloat_ratio < 0.3 for index in table.indexes), table.indexes


def test_a_small_bloated_index_is_left_under_the_size_threshold(session: Session, dsn: str, tmp_path: Path) -> None:
    bloat_index(session)

    report = db_maintain(settings_for(tmp_path, dsn), dry_run=True)  # index_min_bloat 10MB by default

    assert [action for action in report.actions if action.kind is MaintainKind.REINDEX] == []


def invalid_unique_index(session: Session, *, rebuildable: bool = True) -> None:
    """``codes_val_key``, INVALID: its CREATE UNIQUE INDEX CONCURRENTLY met a duplicate; ``rebuildable``: the
    duplicate is gone afterwards, so a rebuild succeeds."""
    make_table(session, "codes", 1_000)
    session.execute("ANALYZE codes")
    session.execute("UPDATE codes SET val = 'same' WHERE id <= 2")
    with pytest.raises(Exception, match="could not create unique index"):
        session.execute("CREATE UNIQUE INDEX CONCURRENTLY codes_val_key ON codes (val)")
    if rebuildable:
        session.execute("UPDATE codes SET val = 'other' WHERE id = 2")


def test_an_invalid_index_is_rebuilt(session: Session, dsn: str, tmp_path: Path) -> None:
    invalid_unique_index(session)

    report = db_maintain(settings_for(tmp_path, dsn))

    (action,) = [action for action in report.actions if action.kind is MaintainKind.REINDEX]
    assert action.index == "codes_val_key" and "INVALID" in action.reason
    assert action.outcome is Outcome.DONE, action.error
    assert session.fetch_value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'codes_val_key'::regclass")


def test_a_failed_rebuild_leaves_no_invalid_copy_and_the_run_goes_on(
    session: Session, dsn: str, tmp_path: Path
) -> None:
    make_table(session, "fresh", 10)
    invalid_unique_index(session, rebuildable=False)

    report = db_maintain(settings_for(tmp_path, dsn))  # the duplicates are still there

    outcomes = {(action.table, action.kind): action for action in report.actions}
    failed = outcomes[("codes", MaintainKind.REINDEX)]
    assert failed.outcome is Outcome.FAILED and failed.error is not None and "codes_val_key" in failed.error
    assert outcomes[("fresh", MaintainKind.ANALYZE)].outcome is Outcome.DONE
    assert report.failed
    indexes = session.fetch_all("SELECT relname FROM pg_class WHERE relname LIKE 'codes_val_key%' ORDER BY 1")
    assert indexes == [("codes_val_key",)]  # no codes_val_key_ccnew left behind


def test_a_long_statement_reports_its_progress(session: Session, dsn: str, tmp_path: Path) -> None:
    """REINDEX CONCURRENTLY waits for older snapshots: the progress lines say so while it waits."""
    invalid_unique_index(session)
    messages: list[str] = []
    settings = settings_for(tmp_path, dsn)
    run = threading.Thread(
        target=lambda: db_maintain(settings, progress=messages.append, progress_every=timedelta(milliseconds=50))
    )
    with connect(dsn) as reader:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        reader.execute("SELECT 1")  # a snapshot the rebuild waits for
        run.start()
        deadline = time.monotonic() + 30
        while not any("waiting for old snapshots" in message for message in messages):
            assert time.monotonic() < deadline, messages
            time.sleep(0.05)
        reader.execute("COMMIT")
    run.join()
    assert any("done in" in message for message in messages), messages


def test_vacuum_full_needs_the_flag_and_comes_with_a_warning(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, "items", 20_000)
    session.execute("ANALYZE items")
    write(session, sql.SQL("DELETE FROM items WHERE id % 4 <> 0"))  # 15,000 dead, 5,000 live
    settings = settings_for(tmp_path, dsn)

    plain = db_maintain(settings, dry_run=True)
    full = db_maintain(settings, dry_run=True, full=True)

    assert kinds(plain, "items") == [MaintainKind.VACUUM_ANALYZE] and plain.warnings == ()
    assert kinds(full, "items") == [MaintainKind.VACUUM_FULL]
    assert full.actions[0].statement == 'VACUUM (FULL, ANALYZE) "public"."items"'
    assert any("ACCESS EXCLUSIVE" in warning and "public.items" in warning for warning in full.warnings)


def test_sizes_are_reported_with_the_growth_since_the_last_run(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, "items", 5_000, index=True)
    settings = settings_for(tmp_path, dsn)

    first = db_maintain(settings)
    table = items(first)
    assert table.previous_bytes is None and table.growth_bytes is None and first.previous_run_at is None
    write(session, sql.SQL("INSERT INTO items SELECT n, md5(n::text) FROM generate_series(5001, 50000) AS n"))

    second = db_maintain(settings, dry_run=True)

    table = items(second)
    assert second.previous_run_at is not None
    assert table.previous_bytes is not None and table.previous_bytes == items(first).bytes_after
    assert table.growth_bytes == table.bytes - table.previous_bytes > 0
    grown = {index.name: index.growth_bytes for index in table.indexes}
    assert set(grown) == {"items_pkey", "items_val_idx"} and all(value and value > 0 for value in grown.values())


def items(report: MaintainReport) -> TableSizes:
    (table,) = [table for table in report.tables if (table.schema, table.name) == ("public", "items")]
    return table


def test_tenantdb_state_tables_are_maintained_too(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, "items", 100)

    report = db_maintain(settings_for(tmp_path, dsn))

    assert ("tenantdb", "maintenance_sizes") in {(table.schema, table.name) for table in report.tables}


def test_an_unknown_table_is_a_clear_error_and_changes_nothing(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, "items", 100)

    with pytest.raises(ConfigError, match="no table named 'nope'"):
        db_maintain(settings_for(tmp_path, dsn), tables=("items", "nope"))

    assert stats(session, "public", "items")[3] is None
    assert session.fetch_value("SELECT to_regnamespace('tenantdb')") is None


def test_the_table_option_limits_the_plan(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, "one", 100)
    make_table(session, "two", 100, schema="other")

    report = db_maintain(settings_for(tmp_path, dsn), dry_run=True, tables=("other.two",))

    assert [(action.schema, action.table) for action in report.actions] == [("other", "two")]
    assert [table.name for table in report.tables] == ["two"]


def test_odd_names_are_quoted(session: Session, dsn: str, tmp_path: Path) -> None:
    make_table(session, 'Odd "Name"', 100, schema="My Schema", index=True)

    report = db_maintain(settings_for(tmp_path, dsn), tables=('My Schema.Odd "Name"',))

    (action,) = report.actions
    assert action.statement == 'ANALYZE "My Schema"."Odd ""Name"""'
    assert action.outcome is Outcome.DONE, action.error


def test_a_locked_table_is_given_up_after_the_retry_budget_and_the_rest_runs(
    session: Session, dsn: str, tmp_path: Path
) -> None:
    make_table(session, "busy", 100)
    make_table(session, "free", 100)
    with connect(dsn, application_name="holder") as holder:
        pid = holder.pid
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE busy IN SHARE UPDATE EXCLUSIVE MODE")

        report = db_maintain(settings_for(tmp_path, dsn))

        holder.execute("ROLLBACK")
    outcomes = {action.table: action for action in report.actions}
    assert outcomes["busy"].outcome is Outcome.GAVE_UP
    assert outcomes["busy"].error is not None and f"pid {pid}" in outcomes["busy"].error
    assert outcomes["free"].outcome is Outcome.DONE
    assert report.failed


def test_another_database_is_never_touched(session: Session, dsn: str, other_dsn: str, tmp_path: Path) -> None:
    for target in (dsn, other_dsn):
        with connect(target) as opened:
            make_table(opened, "items", 20_000)
            opened.execute("ANALYZE items")
            write(opened, sql.SQL("DELETE FROM items WHERE id % 2 = 0"))

    db_maintain(settings_for(tmp_path, dsn))

    with connect(other_dsn) as other:
        dead, _, last_vacuum, _ = stats(other, "public", "items")
        assert (dead, last_vacuum) == (10_000, None)
        assert other.fetch_value("SELECT to_regnamespace('tenantdb')") is None


def test_two_runs_at_once_take_turns(session: Session, dsn: str, tmp_path: Path) -> None:
    bloat_index(session)
    settings = settings_for(tmp_path, dsn, 'index_min_bloat = "0"')
    reports: list[MaintainReport] = []
    threads = [threading.Thread(target=lambda: reports.append(db_maintain(settings))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reports) == 2 and not any(report.failed for report in reports)


def test_unknown_maintain_settings_are_refused(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text("[maintain]\nvacuum_ratio = 0.2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown \\[maintain\\] setting"):
        load_settings(tmp_path)
    (tmp_path / "tenantdb.toml").write_text("[maintain]\nvacuum_dead_ratio = 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="between 0 and 1"):
        load_settings(tmp_path)


def test_maintain_settings_read_sizes_and_ratios(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text(
        '[maintain]\nindex_min_bloat = "512kB"\nindex_bloat_ratio = 0.5\nvacuum_min_dead_rows = 10\n', encoding="utf-8"
    )
    assert load_settings(tmp_path).maintain == MaintainSettings(
        index_min_bloat=512 * 1024, index_bloat_ratio=0.5, vacuum_min_dead_rows=10
    )
    assert parse_size("1GB", key="k") == 1024**3
    with pytest.raises(ConfigError, match="is not a size"):
        parse_size("ten", key="k")
