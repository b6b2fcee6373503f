"""Fault rows F3, F9 and F17 of RELIABILITY.md §2.1: the runner's data steps under SIGKILL and statement timeouts.

Same technique as ``test_faults.py``: the real CLI in a subprocess, faults from outside it, and pauses that only
the faulted run sleeps in (``tenantdb_test.pause`` through ``PGOPTIONS``).

* F3: SIGKILL in the middle of batch k+1 of a batched backfill; the rerun resumes at that batch from the journal.
* F9: a tiny ``statement_timeout`` cancels ``VALIDATE CONSTRAINT`` or a backfill batch; the rerun finishes the job
  without an ACCESS EXCLUSIVE lock (observed in ``pg_locks`` from another session).
* F17: SIGKILL between the archive of a table and its ``DROP`` (an event trigger pauses right before the drop and
  checks that the archive is already complete); the rerun archives and drops exactly once.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest

from tenantdb.db import Session, connect, table_digest
from tenantdb.errors import ExitCode
from tests.execute.test_faults import (
    RUNNER_PIDS,
    WAIT,
    Finished,
    add_migrations,
    column_exists,
    events,
    exists,
    finish,
    holding,
    kill,
    ledger,
    make_project,
    migrate_up,
    native,
    reaped,
    start_up,
    wait_for,
    wait_gone,
)
from tests.helpers import cli

PAUSE_VALUE = "coalesce(nullif(current_setting('tenantdb_test.pause', true), ''), '0')::float"


def sleeping_runner(session: Session) -> int | None:
    """The backend pid of the runner while it sleeps in pg_sleep (inside a statement, trigger or function)."""
    value = session.fetch_value(
        "SELECT pid FROM pg_stat_activity WHERE pid IN (" + RUNNER_PIDS + ") AND wait_event = 'PgSleep'"
    )
    return int(value) if value is not None else None


def journal_done(session: Session, version: str) -> int:
    return int(
        session.fetch_value(
            "SELECT count(*) FROM tenantdb.statement_journal WHERE version = %s AND state = 'done'", (version,)
        )
    )


# -- F3: SIGKILL during a batched backfill ------------------------------------------------------------

ROWS, BATCH, KILLED_BATCH = 1000, 100, 4  # batches 0-3 commit; the kill lands in the middle of batch 4

ACCOUNTS = native(
    "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL, filled boolean NOT NULL DEFAULT false);\n"
    f"INSERT INTO accounts (id, balance) SELECT n, n * 7 % 1000 FROM generate_series(1, {ROWS}) AS n;\n"
    "CREATE TABLE touched (id int NOT NULL);\n"
    "CREATE FUNCTION note_touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN INSERT INTO touched VALUES (NEW.id); RETURN NEW; END $$;\n"
    "CREATE TRIGGER accounts_touched AFTER UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION note_touch();"
)


def backfill() -> str:
    """``balance = balance * 2 + 1`` (not idempotent: a batch applied twice shows) in batches of 100 ids."""
    statements = []
    for batch in range(ROWS // BATCH):
        low, high = batch * BATCH + 1, (batch + 1) * BATCH
        # Half-way through the killed batch the runner sleeps, with 50 rows of the batch updated and uncommitted.
        pause = f" + CASE WHEN id = {low + BATCH // 2} THEN (SELECT 0 FROM pg_sleep({PAUSE_VALUE})) ELSE 0 END"
        change = "balance * 2 + 1" + (pause if batch == KILLED_BATCH else "")
        statements.append(f"UPDATE accounts SET balance = {change}, filled = true WHERE id BETWEEN {low} AND {high};")
    return native("\n".join(statements), no_transaction=True)


def updated_tuples(session: Session) -> int:
    session.execute("SELECT pg_stat_clear_snapshot()")
    return int(session.fetch_value("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'accounts'::regclass"))


def test_f3_sigkill_during_batched_backfill_resumes_at_the_interrupted_batch(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    project = make_project(tmp_path, {"0001_accounts": ACCOUNTS})
    assert (first := migrate_up(dsn, project)).code == ExitCode.OK, str(first)
    expected = session.fetch_value("SELECT md5(string_agg((balance * 2 + 1)::text, ',' ORDER BY id)) FROM accounts")
    add_migrations(project, {"0002_backfill_balance": backfill()})

    proc = start_up(dsn, project, pause=30)
    with reaped(proc):
        pid = wait_for("the runner to sleep inside the batch", lambda: sleeping_runner(session), proc)
        assert session.fetch_value("SELECT count(*) FROM accounts WHERE filled") == KILLED_BATCH * BATCH
        killed = kill(proc)
    assert killed.code == -signal.SIGKILL
    wait_gone(session, pid)
    assert session.fetch_value("SELECT count(*) FROM accounts WHERE filled") == KILLED_BATCH * BATCH
    assert journal_done(session, "0002") == KILLED_BATCH
    assert ledger(session) == ["0001"]

    rerun = migrate_up(dsn, project)
    assert rerun.code == ExitCode.OK, str(rerun)
    assert rerun.document()["steps"][0]["resumed_at"] == KILLED_BATCH
    assert session.fetch_value("SELECT count(*) FROM accounts WHERE NOT filled") == 0
    actual = session.fetch_value("SELECT md5(string_agg(balance::text, ',' ORDER BY id)) FROM accounts")
    assert actual == expected, "digest(new) = f(digest(old)): no batch missed or applied twice"
    assert session.fetch_one("SELECT count(*), count(DISTINCT id) FROM touched") == (ROWS, ROWS)
    # Every committed and aborted row version: the n batches plus at most the one the kill interrupted.
    touched = wait_for("the runner's statistics to arrive", lambda: (n := updated_tuples(session)) >= ROWS and n)
    assert touched <= ROWS + BATCH, f"{touched} rows touched for {ROWS} rows in batches of {BATCH}"
    assert "resume" in events(session, "0002")
    assert ledger(session) == ["0001", "0002"]


# -- F9: statement_timeout during VALIDATE CONSTRAINT or a backfill -----------------------------------

SLOW_TABLE = native(
    "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, w int);\n"
    "INSERT INTO t (id, v) SELECT n, n FROM generate_series(1, 60) AS n;\n"
    # 20 ms per row: validating or updating 60 rows takes 1.2 s, far above the tiny timeout of the faulted run.
    "CREATE FUNCTION slow_positive(value int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$\n"
    "SELECT value > 0 FROM pg_sleep(0.02) $$;"
)
VALIDATE = native(
    "ALTER TABLE t ADD CONSTRAINT t_v_positive CHECK (slow_positive(v)) NOT VALID;\n"
    "ALTER TABLE t VALIDATE CONSTRAINT t_v_positive;",
    "ALTER TABLE t DROP CONSTRAINT t_v_positive;",
    no_transaction=True,
)
SLOW_BACKFILL = native(
    "UPDATE t SET w = v * 3 WHERE id BETWEEN 1 AND 5;\n"
    "UPDATE t SET w = v * 3 WHERE id BETWEEN 6 AND 10;\n"
    "UPDATE t SET w = v * 3 WHERE id BETWEEN 11 AND 60 AND slow_positive(v);",
    no_transaction=True,
)


def set_statement_timeout(project: Path, value: str) -> None:
    (project / "tenantdb.toml").write_text(
        f'[runner]\nstatement_timeout = "{value}"\nonline_min_size = "0"\n', encoding="utf-8"
    )


class LockWatch:
    """Samples the locks the runner holds or waits for on a table, from another session, until stopped."""

    def __init__(self, dsn: str, table: str) -> None:
        self.modes: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(dsn, table), daemon=True)

    def _run(self, dsn: str, table: str) -> None:
        with connect(dsn, application_name="tenantdb test lock watch") as watcher:
            while not self._stop.wait(0.005):
                rows = watcher.fetch_all(
                    "SELECT mode FROM pg_locks WHERE relation = to_regclass(%s) AND pid IN (" + RUNNER_PIDS + ")",
                    (table,),
                )
                self.modes.update(row[0] for row in rows)

    def __enter__(self) -> LockWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)


def assert_failed_with_statement_timeout(failed: Finished, session: Session) -> None:
    assert failed.code == ExitCode.FAILED, str(failed)
    error = failed.document()
    assert error["sqlstate"] == "57014", str(failed)
    assert "statement timeout" in error["message"], str(failed)
    kinds = session.fetch_all("SELECT kind, sqlstate FROM tenantdb.events WHERE version = '0002' ORDER BY id")
    assert ("failure", "57014") in kinds


def migration_state(project: Path, dsn: str, version: str) -> tuple[str, int | None]:
    """``migrate status``: the state of a version and, when interrupted, how many statements are done."""
    status = cli("migrate", "status", "--json", "--dsn", dsn, "-C", str(project))
    assert status.returncode == 0, status.stderr
    (row,) = [row for row in Finished(0, status.stdout, "").document()["rows"] if row["version"] == version]
    return str(row["state"]), row["statements_done"]


def time_out_second_migration(dsn: str, session: Session, tmp_path: Path, name: str, text: str) -> Path:
    """Apply ``0001_t`` (SLOW_TABLE), then fail migration ``name`` on a 300 ms statement timeout; the project."""
    project = make_project(tmp_path, {"0001_t": SLOW_TABLE})
    assert (first := migrate_up(dsn, project)).code == ExitCode.OK, str(first)
    add_migrations(project, {name: text})
    set_statement_timeout(project, "300ms")
    assert_failed_with_statement_timeout(migrate_up(dsn, project), session)
    return project


def rerun_without_timeout(dsn: str, session: Session, project: Path, resumed_at: int) -> set[str]:
    """Rerun with a 1 min statement timeout: it resumes migration 0002 at statement ``resumed_at``, records both
    migrations and never takes an ACCESS EXCLUSIVE lock on t; the lock modes a :class:`LockWatch` saw on t."""
    set_statement_timeout(project, "1min")
    with LockWatch(dsn, "t") as watch:
        rerun = finish(start_up(dsn, project))
    assert rerun.code == ExitCode.OK, str(rerun)
    assert rerun.document()["steps"][0]["resumed_at"] == resumed_at
    assert "AccessExclusiveLock" not in watch.modes
    assert ledger(session) == ["0001", "0002"]
    return watch.modes


def test_f9_statement_timeout_during_validate_leaves_not_valid_and_rerun_validates_without_access_exclusive(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    project = time_out_second_migration(dsn, session, tmp_path, "0002_validate", VALIDATE)
    validated = "SELECT convalidated FROM pg_constraint WHERE conname = 't_v_positive'"
    assert session.fetch_value(validated) is False, "the constraint stays, NOT VALID"
    assert migration_state(project, dsn, "0002") == ("interrupted", 1), "resumable after the ADD CONSTRAINT"
    assert ledger(session) == ["0001"]

    modes = rerun_without_timeout(dsn, session, project, resumed_at=1)
    assert session.fetch_value(validated) is True
    assert "ShareUpdateExclusiveLock" in modes, f"the watch saw the validation: {modes}"


def test_f9_statement_timeout_during_backfill_keeps_finished_batches_and_rerun_completes(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    project = time_out_second_migration(dsn, session, tmp_path, "0002_backfill_w", SLOW_BACKFILL)
    assert session.fetch_value("SELECT count(w) FROM t") == 10, "the two finished batches stay"
    assert migration_state(project, dsn, "0002") == ("interrupted", 2), "resumable after two batches"

    modes = rerun_without_timeout(dsn, session, project, resumed_at=2)
    assert session.fetch_one("SELECT count(*), count(w), bool_and(w = v * 3) FROM t") == (60, 60, True)
    assert "RowExclusiveLock" in modes, f"the watch saw the backfill: {modes}"


# -- F17: SIGKILL between the archive and the drop ----------------------------------------------------

ORDERS_TABLE = (
    "CREATE TABLE orders (tenant_id int NOT NULL, id int NOT NULL, amount numeric NOT NULL,"
    " PRIMARY KEY (tenant_id, id));"
)

ORDERS = native(
    f"{ORDERS_TABLE}\n"
    "INSERT INTO orders SELECT n % 3, n, n * 1.5 FROM generate_series(1, 500) AS n;\n"
    # Right before `DROP TABLE orders` or `DROP COLUMN amount` runs (after the runner archived it, in the same
    # transaction): fail loudly unless the archive is complete, then sleep so the test can kill the runner there.
    "CREATE FUNCTION pause_before_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$\n"
    "DECLARE wanted text;\n"
    "BEGIN\n"
    "  IF to_regclass('public.orders') IS NULL THEN RETURN; END IF;\n"
    "  IF current_query() ~* 'drop table orders' THEN wanted := 'table';\n"
    "  ELSIF current_query() ~* 'drop column amount' THEN wanted := 'column';\n"
    "  ELSE RETURN; END IF;\n"
    "  IF NOT EXISTS (SELECT FROM tenantdb.archive WHERE object_table = 'orders' AND kind = wanted\n"
    "                 AND restored_at IS NULL AND row_count = (SELECT count(*) FROM orders)) THEN\n"
    "    RAISE EXCEPTION 'orders is about to lose data that was not archived';\n"
    "  END IF;\n"
    f"  PERFORM pg_sleep({PAUSE_VALUE});\n"
    "END $$;\n"
    "CREATE EVENT TRIGGER pause_before_drop ON ddl_command_start WHEN TAG IN ('DROP TABLE', 'ALTER TABLE')\n"
    "  EXECUTE FUNCTION pause_before_drop();"
)


def contract(no_transaction: bool) -> str:
    if no_transaction:  # a committed statement first: the kill must not lose it, nor the drop run twice
        return native(
            "CREATE TABLE order_totals AS SELECT tenant_id, sum(amount) AS amount FROM orders GROUP BY tenant_id;\n"
            "DROP TABLE orders;",
            f"{ORDERS_TABLE}\nDROP TABLE order_totals;",
            no_transaction=True,
        )
    return native("DROP TABLE orders;", ORDERS_TABLE)


def orders_archives(session: Session, kind: str = "table") -> list[tuple[str, str, int, str]]:
    rows = session.fetch_all(
        "SELECT archive_schema, archive_table, row_count, digest FROM tenantdb.archive"
        " WHERE object_table = 'orders' AND kind = %s ORDER BY id",
        (kind,),
    )
    return [(str(s), str(t), int(n), str(d)) for s, t, n, d in rows]


def kill_right_before_the_drop(dsn: str, session: Session, project: Path) -> None:
    """``migrate up``, SIGKILLed where ``pause_before_drop`` makes it sleep; returns once its session is gone."""
    proc = start_up(dsn, project, pause=30)
    with reaped(proc):
        pid = wait_for("the runner to pause right before the drop", lambda: sleeping_runner(session), proc)
        killed = kill(proc)
    assert killed.code == -signal.SIGKILL
    wait_gone(session, pid)


@pytest.mark.parametrize("no_transaction", [False, True], ids=["transactional", "no-transaction"])
def test_f17_sigkill_between_archive_and_drop_keeps_the_table_and_rerun_drops_once(
    dsn: str, session: Session, tmp_path: Path, no_transaction: bool
) -> None:
    project = make_project(tmp_path, {"0001_orders": ORDERS})
    assert (first := migrate_up(dsn, project)).code == ExitCode.OK, str(first)
    original = table_digest(session, "public", "orders")
    add_migrations(project, {"0002_drop_orders": contract(no_transaction)})

    kill_right_before_the_drop(dsn, session, project)
    assert table_digest(session, "public", "orders") == original, "the table is untouched"
    assert orders_archives(session) == [], "the archive went with the drop's transaction"
    assert exists(session, "order_totals") is no_transaction
    assert ledger(session) == ["0001"]

    rerun = migrate_up(dsn, project)
    assert rerun.code == ExitCode.OK, str(rerun)
    assert not exists(session, "orders")
    ((schema, table, rows, digest),) = orders_archives(session)  # archived exactly once
    assert (rows, digest) == original
    assert table_digest(session, schema, table) == original
    archived = session.fetch_all("SELECT message FROM tenantdb.events WHERE version = '0002' AND kind = 'archive'")
    assert len([m for (m,) in archived if "public.orders" in m]) == 1
    assert session.fetch_value("SELECT count(*) FROM tenantdb.events WHERE version = '0002' AND kind = 'apply'") == 1
    assert ledger(session) == ["0001", "0002"]

    back = cli("migrate", "down", "--steps", "1", "--dsn", dsn, "-C", str(project))
    assert back.returncode == 0, back.stderr
    assert table_digest(session, "public", "orders") == original, "the down restores the archived rows"


def test_f17_sigkill_between_archive_and_drop_column_keeps_the_values_and_rerun_drops_once(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    project = make_project(tmp_path, {"0001_orders": ORDERS})
    assert (first := migrate_up(dsn, project)).code == ExitCode.OK, str(first)
    original = table_digest(session, "public", "orders")
    amounts = table_digest(session, "public", "orders", ("tenant_id", "id", "amount"))
    drop = native("ALTER TABLE orders DROP COLUMN amount;", "ALTER TABLE orders ADD COLUMN amount numeric;")
    add_migrations(project, {"0002_drop_amount": drop})

    kill_right_before_the_drop(dsn, session, project)
    assert table_digest(session, "public", "orders") == original, "the column and its values are untouched"
    assert orders_archives(session, "column") == []

    rerun = migrate_up(dsn, project)
    assert rerun.code == ExitCode.OK, str(rerun)
    assert not column_exists(session, "orders", "amount")
    ((schema, table, rows, digest),) = orders_archives(session, "column")  # archived exactly once
    assert rows == original[0]
    assert (rows, digest) == table_digest(session, schema, table)
    assert table_digest(session, schema, table, ("tenant_id", "id", "amount")) == amounts

    back = cli("migrate", "down", "--steps", "1", "--dsn", dsn, "-C", str(project))
    assert back.returncode == 0, back.stderr
    assert table_digest(session, "public", "orders") == original, "the down puts every value back"


def test_f9_timeout_during_an_online_validate_resumes_the_rewritten_statements(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    """``ADD CHECK`` is rewritten into ADD ... NOT VALID + VALIDATE; the rerun must resume that same rewrite.

    The interrupted run leaves its NOT VALID constraint under PostgreSQL's default name, so the rerun sees that name
    taken. Were it to leave the statement as written because of that, it would add a second constraint
    (``t_v_check1``) under an ACCESS EXCLUSIVE lock and keep the NOT VALID one.
    """
    add_check = native("ALTER TABLE t ADD CHECK (slow_positive(v));")
    project = time_out_second_migration(dsn, session, tmp_path, "0002_check", add_check)
    checks = "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 't'::regclass AND contype = 'c'"
    assert session.fetch_all(checks) == [("t_v_check", False)]
    assert migration_state(project, dsn, "0002") == ("interrupted", 1)

    rerun_without_timeout(dsn, session, project, resumed_at=1)
    assert session.fetch_all(checks) == [("t_v_check", True)]


def waiting_for(session: Session, mode: str, pids: str) -> bool:
    """Whether one of ``pids`` (a query) waits for ``mode`` on table t."""
    query = (
        "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 't'::regclass AND mode = %s AND NOT granted AND pid IN ("
    )
    return bool(session.fetch_value(query + pids + "))", (mode,)))


def test_f9_timeout_between_the_steps_of_an_online_set_not_null_resumes_them(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    """SET NOT NULL runs as ADD CHECK NOT VALID, VALIDATE, SET NOT NULL, DROP CHECK; VALIDATE times out.

    A lock queue puts a SHARE UPDATE EXCLUSIVE holder between the first two steps: a reader delays the ADD
    (ACCESS EXCLUSIVE), the holder queues behind it, and gets its lock before the VALIDATE asks for one.
    """
    table = native(
        "CREATE TABLE t (id int PRIMARY KEY, w int);\nINSERT INTO t SELECT n, n FROM generate_series(1, 50) AS n;"
    )
    project = make_project(tmp_path, {"0001_t": table})
    assert (first := migrate_up(dsn, project)).code == ExitCode.OK, str(first)
    add_migrations(project, {"0002_w_not_null": native("ALTER TABLE t ALTER COLUMN w SET NOT NULL;")})
    # the ADD must stay queued (one 10 s lock wait, not the adaptive short ones) so the holder can queue behind it
    (project / "tenantdb.toml").write_text(
        '[runner]\nlock_timeout_start = "10s"\nlock_timeout = "10s"\nstatement_timeout = "2s"\nonline_min_size = "0"\n'
    )
    holder_ready, release = threading.Event(), threading.Event()

    def hold_share_update_exclusive() -> None:
        with connect(dsn, application_name="tenantdb test holder") as holder:
            holder.execute("BEGIN")
            holder.execute("LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE")
            holder_ready.set()
            release.wait(WAIT)
            holder.rollback()

    with holding(dsn, "BEGIN", "SELECT * FROM t LIMIT 1") as reader:
        proc = start_up(dsn, project)
        with reaped(proc):
            wait_for(
                "the ADD CONSTRAINT to queue", lambda: waiting_for(session, "AccessExclusiveLock", RUNNER_PIDS), proc
            )
            thread = threading.Thread(target=hold_share_update_exclusive, daemon=True)
            thread.start()
            holder = (
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'tenantdb test holder'"
                " AND datname = current_database()"
            )
            wait_for("the holder to queue", lambda: waiting_for(session, "ShareUpdateExclusiveLock", holder), proc)
            reader.rollback()
            holder_ready.wait(WAIT)
            failed = finish(proc)
    release.set()
    thread.join(WAIT)
    assert_failed_with_statement_timeout(failed, session)
    checks = "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 't'::regclass AND contype = 'c'"
    assert session.fetch_all(checks) == [("t_w_not_null_tmp", False)]
    assert migration_state(project, dsn, "0002") == ("interrupted", 1)

    rerun = migrate_up(dsn, project)
    assert rerun.code == ExitCode.OK, str(rerun)
    assert rerun.document()["steps"][0]["resumed_at"] == 1
    assert session.fetch_all(checks) == [], "the temporary CHECK was validated, used and dropped"
    assert session.fetch_value("SELECT attnotnull FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'w'")
