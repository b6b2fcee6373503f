"""The ledger, the journal and the database agree after ordinary sequences of up, down, failures and fixes.

Each test reproduces a finding of issue 10 (found by trying tenantdb from outside) before it was fixed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.db import Session
from tenantdb.errors import ExitCode, LedgerStateError, MigrationFailed, MigrationFileError
from tenantdb.execute.runner import Runner
from tenantdb.migrations import Direction, load_migrations
from tenantdb.plan import Step
from tenantdb.verify import verify
from tests.helpers import FAST, cli, cli_interrupted_when_sleeping, down, ledger_versions, up, write_files

T_UP = "CREATE TABLE t (id int PRIMARY KEY, v int);\nINSERT INTO t VALUES (1, 10), (2, 20);\n"
NONTX_UP = (
    "CREATE INDEX CONCURRENTLY t_v_idx ON t (v);\n"
    "INSERT INTO t VALUES (3, 30);\n"
    "UPDATE t SET v = v / 0;\n"
    "INSERT INTO t VALUES (4, 40);\n"
)
NONTX_DOWN = "DROP INDEX IF EXISTS t_v_idx;\nDELETE FROM t WHERE id IN (3, 4);\n"


def _interrupted_project(tmp_path: Path) -> Path:
    files = {
        "1_t.up.sql": T_UP,
        "1_t.down.sql": "DROP TABLE t;\n",
        "2_nontx.up.sql": NONTX_UP,
        "2_nontx.down.sql": NONTX_DOWN,
    }
    return write_files(tmp_path / "migrations", files)


def _index_exists(session: Session, name: str) -> bool:
    return bool(session.fetch_value("SELECT to_regclass(%s) IS NOT NULL", (name,)))


def _fix(directory: Path) -> None:
    path = directory / "2_nontx.up.sql"
    path.write_text(path.read_text().replace("v / 0", "v / 1"))


def test_down_refuses_to_roll_back_under_an_interrupted_migration(session: Session, tmp_path: Path) -> None:
    """Finding 1: `down` rolled back 1_t under the interrupted 2_nontx; the resumed run then skipped its index."""
    directory = _interrupted_project(tmp_path)
    with pytest.raises(MigrationFailed):
        up(session, load_migrations(directory))
    with pytest.raises(LedgerStateError, match="2_nontx was interrupted after 2 of 4 statements") as raised:
        down(session, load_migrations(directory))
    assert raised.value.exit_code is ExitCode.BAD_INPUT
    assert ledger_versions(session) == ["1"]
    assert session.fetch_value("SELECT count(*) FROM t") == 3  # nothing changed
    _fix(directory)
    up(session, load_migrations(directory))
    assert _index_exists(session, "t_v_idx")
    assert session.fetch_value("SELECT count(*) FROM t") == 4
    assert verify(session, load_migrations(directory)).ok


def test_down_can_roll_back_the_interrupted_migration_itself(session: Session, tmp_path: Path) -> None:
    """`--include-interrupted` runs the interrupted migration's down first; its journal goes with it."""
    directory = _interrupted_project(tmp_path)
    with pytest.raises(MigrationFailed):
        up(session, load_migrations(directory))
    result = down(session, load_migrations(directory), steps=2, include_interrupted=True)
    assert [step.version for step in result.steps] == ["2", "1"]
    assert ledger_versions(session) == []
    assert session.fetch_value("SELECT count(*) FROM tenantdb.statement_journal") == 0
    _fix(directory)
    up(session, load_migrations(directory))
    assert _index_exists(session, "t_v_idx")  # run from its first statement, not resumed at the third
    assert session.fetch_value("SELECT count(*) FROM t") == 4


def test_a_journal_is_void_once_a_migration_before_it_is_rolled_back(session: Session, tmp_path: Path) -> None:
    """Rolling back 1_t by a path that plans no down (a phase rollback runs steps itself) voids 2_nontx's journal."""
    directory = _interrupted_project(tmp_path)
    with pytest.raises(MigrationFailed):
        up(session, load_migrations(directory))
    first = load_migrations(directory).migrations[0]
    Runner(session, FAST).run_step(Step(migration=first, direction=Direction.DOWN))
    assert session.fetch_value("SELECT count(*) FROM tenantdb.statement_journal") == 0
    kinds = [row[0] for row in session.fetch_all("SELECT kind FROM tenantdb.events ORDER BY id")]
    assert "journal_void" in kinds
    _fix(directory)
    up(session, load_migrations(directory))
    assert _index_exists(session, "t_v_idx")
    assert session.fetch_value("SELECT count(*) FROM t") == 4


def test_verify_reports_an_applied_migration_the_database_contradicts(session: Session, tmp_path: Path) -> None:
    """The ledger records what each migration created; verify finds what went missing (exit 6 in the CLI)."""
    directory = _interrupted_project(tmp_path)
    _fix(directory)
    up(session, load_migrations(directory))
    assert verify(session, load_migrations(directory)).ok
    session.execute("DROP INDEX t_v_idx")
    report = verify(session, load_migrations(directory))
    assert not report.ok
    (claim,) = [v for v in report.violations if v.check == "ledger-contradiction"]
    assert claim.subject == "2" and "t_v_idx" in claim.message and "2_nontx" in claim.message


def test_verify_follows_later_migrations_that_drop_or_rename(session: Session, tmp_path: Path) -> None:
    files = {
        "1_a.up.sql": "CREATE TABLE a (id int PRIMARY KEY, note text);\nCREATE INDEX a_note_idx ON a (note);\n",
        "2_b.up.sql": "DROP INDEX a_note_idx;\nALTER TABLE a RENAME TO b;\nALTER TABLE b ADD COLUMN extra int;\n",
        "3_c.up.sql": "ALTER TABLE b DROP COLUMN extra;\nCREATE TYPE mood AS ENUM ('ok');\nDROP TYPE mood;\n",
    }
    directory = write_files(tmp_path / "migrations", files)
    up(session, load_migrations(directory))
    assert verify(session, load_migrations(directory)).ok


def _contradictions(session: Session, directory: Path) -> list[str]:
    """What ``migrate verify`` says the database contradicts in the ledger."""
    report = verify(session, load_migrations(directory))
    return [v.message for v in report.violations if v.check == "ledger-contradiction"]


def test_verify_knows_a_dropped_column_takes_its_indexes_and_constraints(session: Session, tmp_path: Path) -> None:
    """Found adopting rust-lang/crates.io: ``DROP COLUMN`` drops the indexes and constraints of its table that use
    the column, without naming them; verify called those migrations contradicted by the database."""
    files = {
        "1_a.up.sql": "CREATE TABLE crates (id int PRIMARY KEY, name text, downloads int, semver text);\n"
        "CREATE INDEX crates_id_downloads_name ON crates (id, downloads, name);\n"
        "CREATE INDEX crates_semver ON crates (lower(semver)) WHERE semver IS NOT NULL;\n"
        "CREATE INDEX crates_name_incl ON crates (name) INCLUDE (downloads);\n"
        "ALTER TABLE crates ADD CONSTRAINT downloads_positive CHECK (downloads >= 0);\n"
        "ALTER TABLE crates ADD CONSTRAINT name_semver_unique UNIQUE (name, semver);\n"
        "CREATE INDEX crates_name ON crates (name);\n",
        "2_b.up.sql": "ALTER TABLE crates RENAME COLUMN semver TO version_text;\n",
        "3_c.up.sql": "ALTER TABLE crates DROP COLUMN downloads;\nALTER TABLE crates DROP COLUMN version_text;\n",
    }
    directory = write_files(tmp_path / "migrations", files)
    up(session, load_migrations(directory))
    assert _contradictions(session, directory) == []
    session.execute("DROP INDEX crates_name")  # an index on a column still there is still claimed
    (claim,) = _contradictions(session, directory)
    assert "crates_name " in claim


def test_verify_knows_dropping_a_partitioned_table_takes_its_partitions_and_their_indexes(
    session: Session, tmp_path: Path
) -> None:
    """Found on hatchet-dev/hatchet: partitions made by a function, indexes built on each partition, then the
    partitioned table dropped (and with it every partition); verify called the index migration contradicted."""
    files = {
        "1_a.up.sql": "CREATE TABLE wal (id int, t int) PARTITION BY HASH (id);\n"
        "DO $$ BEGIN FOR i IN 0..1 LOOP EXECUTE format("
        "'CREATE TABLE wal_%s PARTITION OF wal FOR VALUES WITH (MODULUS 2, REMAINDER %s)', i, i); END LOOP; END $$;\n"
        "CREATE TABLE logs (id int, at date) PARTITION BY RANGE (at);\n"
        "CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n",
        "2_b.up.sql": "CREATE INDEX wal_0_t ON wal_0 (t);\nCREATE INDEX wal_1_t ON wal_1 (t);\n"
        "CREATE INDEX logs_2024_at ON logs_2024 (at);\n",
        "3_c.up.sql": "DROP TABLE wal;\nALTER TABLE logs RENAME TO old_logs;\nDROP TABLE old_logs;\n"
        "CREATE TABLE kept (id int);\n"
        "CREATE INDEX kept_id ON kept (id);\n",
    }
    directory = write_files(tmp_path / "migrations", files)
    up(session, load_migrations(directory))
    assert _contradictions(session, directory) == []
    session.execute("DROP TABLE kept")  # what a migration the ledger knows created is still expected
    (claim,) = _contradictions(session, directory)
    assert "relation kept " in claim  # the table, not also its index: an index goes with its table


def test_verify_follows_partitions_attached_and_detached_later(session: Session, tmp_path: Path) -> None:
    """A table created on its own, attached to a partitioned table by a later migration, goes when that table is
    dropped; a detached one stays. Verify expected the attached table still (left alone in the last round)."""
    files = {
        "1_a.up.sql": "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);\n"
        "CREATE TABLE events_2024 (id int, at date);\nCREATE INDEX events_2024_at ON events_2024 (at);\n"
        "CREATE TABLE events_2025 (id int, at date);\n",
        "2_b.up.sql": "ALTER TABLE events ATTACH PARTITION events_2024\n"
        " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
        "ALTER TABLE public.events ATTACH PARTITION public.events_2025"
        " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n",
        "3_c.up.sql": "ALTER TABLE events DETACH PARTITION events_2025;\nDROP TABLE events;\n",
    }
    directory = write_files(tmp_path / "migrations", files)
    up(session, load_migrations(directory))
    assert _contradictions(session, directory) == []
    session.execute("DROP TABLE events_2025")  # detached before its parent was dropped: still expected
    (claim,) = _contradictions(session, directory)
    assert "relation events_2025 " in claim


def test_a_ledger_row_written_before_columns_were_recorded_expects_nothing_a_dropped_column_may_have_taken(
    session: Session, tmp_path: Path
) -> None:
    files = {
        "1_a.up.sql": "CREATE TABLE t (id int PRIMARY KEY, a int, b int);\nCREATE INDEX t_a ON t (a);\n"
        "CREATE INDEX t_b ON t (b);\n",
        "2_b.up.sql": "ALTER TABLE t DROP COLUMN a;\n",
    }
    directory = write_files(tmp_path / "migrations", files)
    up(session, load_migrations(directory))
    session.execute(
        "UPDATE tenantdb.applied_migrations SET catalog_effects ="
        " (SELECT jsonb_agg(e - 'columns') FROM jsonb_array_elements(catalog_effects) e)"
    )
    assert verify(session, load_migrations(directory)).ok  # t_b may have gone with a, as far as the rows tell


def test_missing_down_file_is_irreversible(session: Session, tmp_path: Path) -> None:
    """Finding 7: `down --to 0` over golang-migrate files without down files said "rolled back 3"."""
    files = {f"{i}_t{i}.up.sql": f"CREATE TABLE t{i} (id int);\n" for i in (1, 2, 3)}
    directory = write_files(tmp_path / "migrations", files)
    up(session, load_migrations(directory))
    with pytest.raises(MigrationFileError, match="3_t3 has no down migration") as raised:
        down(session, load_migrations(directory), target=load_migrations(directory).version_of("0"))
    assert raised.value.exit_code is ExitCode.BAD_INPUT
    assert ledger_versions(session) == ["1", "2", "3"]


def test_ledger_only_down_says_the_schema_was_not_changed(tmp_path: Path, dsn: str) -> None:
    files = {f"{i}_t{i}.up.sql": f"CREATE TABLE t{i} (id int);\n" for i in (1, 2)}
    write_files(tmp_path / "migrations", files)
    assert cli("migrate", "up", "--dsn", dsn, cwd=tmp_path).returncode == 0
    refused = cli("migrate", "down", "--to", "0", "--dsn", dsn, cwd=tmp_path)
    assert refused.returncode == ExitCode.BAD_INPUT, refused.stderr
    assert "--ledger-only" in refused.stderr
    forgot = cli("migrate", "down", "--to", "0", "--ledger-only", "--dsn", dsn, cwd=tmp_path)
    assert forgot.returncode == 0, forgot.stderr
    assert "schema was not changed" in forgot.stdout + forgot.stderr
    status = cli("migrate", "status", "--json", "--dsn", dsn, cwd=tmp_path)
    assert '"pending"' in status.stdout


def test_ctrl_c_leaves_ledger_and_journal_true_and_resumable(session: Session, dsn: str, tmp_path: Path) -> None:
    """SIGINT during a transactional migration records nothing; during a statement-by-statement one, the journal
    keeps the finished statements, the server stops the running one, and the next up resumes and completes."""
    files = {
        "1_a.up.sql": "CREATE TABLE a (id int PRIMARY KEY);\nSELECT pg_sleep(30);\n",
        "1_a.down.sql": "DROP TABLE a;\n",
        "2_b.up.sql": "CREATE INDEX CONCURRENTLY a_id_idx ON a (id);\nSELECT pg_sleep(30);\n"
        "INSERT INTO a VALUES (2);\n",
        "2_b.down.sql": "DROP INDEX a_id_idx;\nDELETE FROM a WHERE id = 2;\n",
    }
    directory = write_files(tmp_path / "migrations", files)
    base = ["migrate", "up", "--dsn", dsn, "--dir", str(directory)]
    first = cli_interrupted_when_sleeping(*base, session=session)
    assert first.returncode == 130 and "interrupted" in first.stderr, first.stderr
    # what Ctrl-C left is said, not only that it happened
    said = " ".join(first.stderr.split())
    assert "1_a (up) was interrupted and rolled back: nothing of it is applied" in said, said
    assert "0 of 2 migration(s) applied before it" in said, said
    assert ledger_versions(session) == []
    assert not session.fetch_value("SELECT to_regclass('a') IS NOT NULL")
    (directory / "1_a.up.sql").write_text("CREATE TABLE a (id int PRIMARY KEY);\n")
    second = cli_interrupted_when_sleeping(*base, session=session)
    assert second.returncode == 130, second.stderr
    said = " ".join(second.stderr.split())
    assert "2_b (up) was interrupted after statement 1 of 3" in said, said
    assert "`tenantdb migrate up` resumes it at statement 2" in said, said
    assert "1 of 2 migration(s) applied before it" in said, said
    assert ledger_versions(session) == ["1"]
    assert not session.fetch_value(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database()"
    )
    (directory / "2_b.up.sql").write_text(files["2_b.up.sql"].replace("pg_sleep(30)", "pg_sleep(0)"))
    third = cli(*base)
    assert third.returncode == 0, third.stderr
    assert "resuming at statement 2 of 3" in third.stderr
    assert ledger_versions(session) == ["1", "2"]
    assert _index_exists(session, "a_id_idx")
    assert verify(session, load_migrations(directory)).ok


def test_verify_finds_unqualified_objects_where_the_search_path_put_them(session: Session, tmp_path: Path) -> None:
    files = {
        "1_app.up.sql": "CREATE SCHEMA app;\nSET search_path TO app, public;\nCREATE TABLE widgets (id int);\n"
        "RESET search_path;\n",
    }
    directory = write_files(tmp_path / "migrations", files)
    up(session, load_migrations(directory))
    assert verify(session, load_migrations(directory)).ok
    session.execute("DROP TABLE app.widgets")
    (claim,) = [v for v in verify(session, load_migrations(directory)).violations if v.check == "ledger-contradiction"]
    assert "widgets" in claim.message
