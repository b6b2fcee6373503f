"""The CLI's small lies and rough edges that a newcomer met, each reproduced the way a user runs it."""

from __future__ import annotations

import json
import re
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenantdb.cli.app import app
from tenantdb.db import Session, connect
from tenantdb.db.locks import acquire_runner_lock, lock_holder, release_runner_lock
from tenantdb.errors import ExitCode
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction
from tenantdb.modules import module_migrations, resolve_modules
from tests.helpers import FAST, cli, cli_interrupted_when_sleeping, write_files

EXAMPLES = Path(__file__).parents[2] / "examples"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_modules_say_what_the_configured_database_has_applied(dsn: str, tmp_path: Path) -> None:
    with connect(dsn) as session:
        sets = [module_migrations(spec) for spec in resolve_modules(("core",))]
        migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    env = {"TENANTDB_DSN": dsn}
    code, output = run("modules", "list", "-C", str(tmp_path), "--json", env=env)
    assert code == 0, output
    modules = {module["name"]: module for module in json.loads(output)}
    assert modules["core"]["applied"] == len(modules["core"]["migrations"]) and modules["billing"]["applied"] == 0
    assert modules["core"]["enabled"] is False  # no tenantdb.toml lists it

    code, output = run("modules", "list", "-C", str(tmp_path), env=env | {"COLUMNS": "200"})
    assert code == 0, output
    core = next(line for line in output.splitlines() if line.startswith("│ core "))
    assert "5 of 5" in core

    code, output = run("modules", "show", "core", "-C", str(tmp_path), env=env)
    assert code == 0, output
    assert "False" not in output and "True" not in output
    assert "enabled in tenantdb.toml: no" in output and "5 of 5 migrations" in output


def test_modules_without_a_configured_database_list_offline(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text('modules = ["billing"]\n', encoding="utf-8")
    code, output = run("modules", "show", "core", "-C", str(tmp_path), env={"TENANTDB_DSN": "", "DATABASE_URL": ""})
    assert code == 0, output
    assert "enabled in tenantdb.toml: yes" in output  # billing requires security, which requires core


def test_an_unreachable_server_keeps_libpq_s_cause_and_json_has_a_clean_message(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    args = ["migrate", "status", "--dsn", "postgresql://nobody@127.0.0.1:1/none", "-C", str(tmp_path)]
    code, output = run(*args)
    assert code == ExitCode.CONNECTION
    assert "cannot connect to nobody@127.0.0.1:1/none: Connection refused (is the server running" in output
    code, output = run(*args, "--json")
    message = json.loads(output)["message"]
    assert code == ExitCode.CONNECTION and "Connection refused" in message
    assert message == " ".join(message.split())  # no tab, no newline


def test_a_dsn_that_is_not_one_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    code, output = run("migrate", "status", "--dsn", "not a dsn", "-C", str(tmp_path), "--json")
    assert code == ExitCode.BAD_INPUT
    assert json.loads(output)["message"] == 'invalid DSN: missing "=" after "not" in connection info string'


@pytest.mark.parametrize(
    ("files", "reported", "other"),
    [
        ({"1_a.up.sql": "SELECT 1;", "1_b.up.sql": "SELECT 2;"}, "1_b.up.sql", "1_a.up.sql"),
        ({"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "", "1_b.down.sql": ""}, "1_b.down.sql", "1_a.down.sql"),
        ({"V1__a.sql": "SELECT 1;", "V1.0__c.sql": "SELECT 2;"}, "V1__a.sql", "V1.0__c.sql"),
        ({"2024-01-01-000000_a/up.sql": "SELECT 1;", "2024-01-01-000000_b/up.sql": "SELECT 2;"},
         "2024-01-01-000000_b", "2024-01-01-000000_a"),
    ],
    ids=["golang-migrate", "golang-migrate down", "flyway", "diesel"],
)  # fmt: skip
def test_a_duplicate_version_names_both_files(tmp_path: Path, files: dict[str, str], reported: str, other: str) -> None:
    write_files(tmp_path / "migrations", files)
    code, output = run("lint", "-C", str(tmp_path), "--json")
    assert code == ExitCode.BAD_INPUT, output
    error = json.loads(output)
    assert Path(error["path"]).name == reported and error["message"].endswith(f"(also {other})")


def test_archive_purge_suggests_only_units_it_accepts_and_counts_copies_in_english(dsn: str) -> None:
    code, output = run("archive", "purge", "--older-than", "banana", "--dsn", dsn, "--json")
    assert code == ExitCode.BAD_INPUT
    hint = json.loads(output)["hint"]
    suggested = re.findall(r"\b(?:d|h|min|s|ms)\b", hint.split("e.g.")[0])
    examples = re.findall(r"\d+[a-z]+", hint)
    assert suggested and examples
    for age in [f"3{unit}" for unit in suggested] + examples:
        code, output = run("archive", "purge", "--older-than", age, "--dsn", dsn)
        assert code == 0, (age, output)
        assert output.strip() == "purged 0 archive copies"


STATUS_KEYS = {"database", "directory", "layout", "pending", "broken", "rows", "adoptable", "foreign_drift"}
ROW_KEYS = {"source", "version", "name", "state", "statements_done", "path", "checksum", "error", "applied"}
APPLIED_KEYS = {"checksum", "applied_by", "host", "started_at", "finished_at", "duration_ms", "execution_mode",
                "statements_total", "statements_done", "note"}  # fmt: skip


def test_status_json_carries_the_documented_fields_only(dsn: str) -> None:
    code, output = run("migrate", "up", "--dsn", dsn, "-C", str(EXAMPLES))
    assert code == 0, output
    code, output = run("migrate", "status", "--dsn", dsn, "-C", str(EXAMPLES), "--json")
    assert code == 0, output
    assert len(output.encode()) < 1_000 * 7  # 108 KB for these 6 migrations before: each text 4 times, parse trees
    document = json.loads(output)
    assert set(document) == STATUS_KEYS
    assert all(set(row) == ROW_KEYS and set(row["applied"]) == APPLIED_KEYS for row in document["rows"])
    documented = (Path(__file__).parents[2] / "docs" / "json.md").read_text(encoding="utf-8")
    for key in STATUS_KEYS | ROW_KEYS | APPLIED_KEYS:
        assert f"`{key}`" in documented, key


PLAN_KEYS = {"ok", "server_version", "preview", "findings"}
PREVIEW_KEYS = {"database", "migrations", "statement_timeout", "stopped_at"}
PENDING_KEYS = {"version", "name", "path", "statements", "rewrites"}
STATEMENT_KEYS = {"line", "statement", "locks", "rewritten", "scanned", "sizes", "unanalyzed", "if_existing",
                  "outside_transaction", "done_before", "stopped", "skipped", "repairs", "error",
                  "sqlstate", "changes_rows", "rows_changed"}  # fmt: skip


def test_plan_json_carries_the_documented_fields_only(dsn: str, tmp_path: Path) -> None:
    write_files(
        tmp_path / "migrations",
        {"0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int PRIMARY KEY);\nSELECT pg_sleep(5);\n"},
    )
    code, output = run("plan", "--dsn", dsn, "-C", str(tmp_path), "--statement-timeout", "200ms", "--json")
    assert code == 0, output
    document = json.loads(output)
    assert set(document) == PLAN_KEYS and set(document["preview"]) == PREVIEW_KEYS
    (pending,) = document["preview"]["migrations"]
    assert set(pending) == PENDING_KEYS and all(set(s) == STATEMENT_KEYS for s in pending["statements"])
    assert set(document["preview"]["stopped_at"]) == {"path", "line"}
    documented = (Path(__file__).parents[2] / "docs" / "json.md").read_text(encoding="utf-8")
    plan_section = documented[documented.index("## `tenantdb plan --json`") :]
    for key in PLAN_KEYS | PREVIEW_KEYS | PENDING_KEYS | STATEMENT_KEYS:
        assert f"`{key}`" in plan_section, key


def test_status_shows_the_database_state_beside_a_file_with_a_syntax_error(dsn: str, tmp_path: Path) -> None:
    write_files(
        tmp_path / "migrations",
        {"0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n"},
    )
    code, output = run("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))
    assert code == 0, output
    write_files(tmp_path / "migrations", {"0002_b.sql": "-- migrate:up\nCREATE TABLE b (id int);\nSELEC 1;\n"})

    code, output = run("migrate", "status", "--dsn", dsn, "-C", str(tmp_path), env={"COLUMNS": "120"})
    assert code == 0, output
    assert re.search(r"│ 0001 +│ a +│ applied ", output)
    assert re.search(r"│ 0002 +│ b +│ pending, file broken ", output)
    assert '0002_b.sql:3: syntax error at or near "SELEC"' in " ".join(output.split())  # the path may wrap
    assert "syntax error: syntax error" not in output

    code, output = run("migrate", "status", "--dsn", dsn, "-C", str(tmp_path), "--json")
    document = json.loads(output)
    rows = {row["version"]: row for row in document["rows"]}
    assert code == 0 and document["broken"] == 1 and rows["0001"]["error"] is None
    assert rows["0002"]["state"] == "pending"
    assert rows["0002"]["error"] == {"line": 3, "message": 'syntax error at or near "SELEC"'}

    code, output = run("migrate", "up", "--dsn", dsn, "-C", str(tmp_path), "--json")  # up still refuses
    assert code == ExitCode.BAD_INPUT and json.loads(output)["line"] == 3


def test_an_applied_file_broken_since_is_changed_not_missing(dsn: str, tmp_path: Path) -> None:
    migration = "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n"
    write_files(tmp_path / "migrations", {"0001_a.sql": migration})
    assert run("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))[0] == 0
    write_files(tmp_path / "migrations", {"0001_a.sql": migration.replace("CREATE", "CRATE")})
    code, output = run("migrate", "status", "--dsn", dsn, "-C", str(tmp_path), "--json")
    assert code == 0, output
    (row,) = json.loads(output)["rows"]
    assert row["state"] == "changed" and row["error"]["line"] == 2 and row["applied"] is not None


def test_an_empty_migrations_directory_says_no_migrations_were_found(dsn: str, tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    result = cli("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "up to date" not in result.stdout + result.stderr
    assert " ".join(result.stdout.split()).startswith(f"no migrations found in {tmp_path / 'migrations'}:")
    code, output = run("migrate", "status", "--dsn", dsn, "-C", str(tmp_path))
    assert code == 0 and output.startswith("no migrations found in"), output


def test_module_migrations_are_named_with_their_module(dsn: str, tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text('modules = ["core"]\n', encoding="utf-8")
    result = cli("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "applied core 0001_companies" in result.stderr
    code, output = run("migrate", "status", "--dsn", dsn, "-C", str(tmp_path))
    assert code == 0, output
    assert output.startswith("enabled modules on ") and "site-packages" not in output and "src/tenantdb" not in output


def test_ctrl_c_under_json_still_prints_one_json_document(session: Session, dsn: str, tmp_path: Path) -> None:
    directory = write_files(tmp_path / "migrations", {"1_a.up.sql": "SELECT pg_sleep(30);\n"})
    interrupted = cli_interrupted_when_sleeping(
        "migrate", "up", "--dsn", dsn, "--dir", str(directory), "--json", session=session
    )
    assert interrupted.returncode == 130
    document = json.loads(interrupted.stdout)
    assert document["ok"] is False and document["exit_code"] == 130


def test_new_refuses_a_second_migration_of_the_same_name(tmp_path: Path) -> None:
    assert run("new", "add costs", "-C", str(tmp_path))[0] == 0
    code, output = run("new", "add_costs", "-C", str(tmp_path), "--json")
    assert code == ExitCode.BAD_INPUT
    assert "a migration named 'add_costs' exists already: 0001_add_costs.sql" in json.loads(output)["message"]
    assert sorted(path.name for path in (tmp_path / "migrations").iterdir()) == ["0001_add_costs.sql"]


def test_an_unfilled_template_is_applied_with_a_warning(dsn: str, tmp_path: Path) -> None:
    assert run("new", "add costs", "-C", str(tmp_path))[0] == 0
    for args in (["--dry-run"], []):
        result = cli("migrate", "up", *args, "--dsn", dsn, "-C", str(tmp_path))
        assert result.returncode == 0, result.stderr
        assert "warning: 0001_add_costs: its up section has no statement (an unfilled template?)" in result.stderr
    document = json.loads(cli("migrate", "down", "--dsn", dsn, "-C", str(tmp_path), "--json").stdout)
    assert document["empty"] == []  # a down is no template to fill


def test_a_re_apply_that_restores_nothing_says_nothing(dsn: str, tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text('modules = ["core"]\n', encoding="utf-8")
    for args in (["up"], ["down", "--steps", "2"]):
        assert cli("migrate", *args, "--dsn", dsn, "-C", str(tmp_path)).returncode == 0
    again = cli("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))
    assert again.returncode == 0, again.stderr
    assert "applied core 0005_audit_logs" in again.stderr
    assert "restored 0 of 0" not in again.stderr


def test_the_lock_holder_is_told_with_one_since_even_from_a_long_host_name(
    dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: "ip-10-0-12-34.eu-west-1.compute.internal.example")
    with connect(dsn) as holder, connect(dsn) as waiter:
        acquire_runner_lock(holder, wait=timedelta(seconds=1), poll=timedelta(milliseconds=50))
        found = lock_holder(waiter)
        assert found is not None
        told = found.describe()
        assert told.count(" since ") == 1 and re.search(r" since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", told), told
        release_runner_lock(holder)


def test_status_check_fails_while_anything_is_pending_and_passes_once_applied(dsn: str, tmp_path: Path) -> None:
    write_files(tmp_path / "migrations", {"0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n"})
    base = ["migrate", "status", "--check", "--dsn", dsn, "-C", str(tmp_path)]
    assert run(*base)[0] == ExitCode.VIOLATIONS
    assert run("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))[0] == 0
    assert run(*base) == (0, run(*base[:2], *base[3:])[1])  # same output as without --check
    write_files(tmp_path / "migrations", {"0001_a.sql": "-- migrate:up\nCREATE TABLE a (id bigint);\n"})
    code, output = run(*base, "--json")
    assert code == ExitCode.VIOLATIONS and json.loads(output)["rows"][0]["state"] == "changed"


def test_rolling_back_a_phase_warns_about_the_newer_phases_left_applied(dsn: str) -> None:
    example = EXAMPLES / "saas_phases"
    assert cli("migrate", "up", "--dsn", dsn, "-C", str(example)).returncode == 0
    result = cli("rollback", "--phase", "user migration", "--level", "schema", "--dsn", dsn, "-C", str(example))
    assert result.returncode == 0, result.stderr
    assert (
        "warning: newer migrations stay applied above phase user migration: 0005_ai_analysis, "
        "0006_portfolios_and_reports" in " ".join(result.stderr.split())
    )
    document = json.loads(
        cli(
            "rollback", "--phase", "AI enhancement", "--level", "schema", "--dsn", dsn, "-C", str(example), "--json"
        ).stdout
    )
    assert document["rolled_back"] == ["0006_portfolios_and_reports", "0005_ai_analysis"]
    assert document["left_applied"] == []


def test_status_names_what_is_not_as_applied_below_a_long_table(dsn: str, tmp_path: Path) -> None:
    """Found adopting rust-lang/crates.io: one edited file among 285 was a word in one row of the table, and the
    footer said "285 migrations, 0 pending". The footer counts every state that needs attention and names them."""
    files = {f"{n:04d}_t{n}.sql": f"-- migrate:up\nCREATE TABLE t{n} (id int);\n" for n in range(1, 9)}
    write_files(tmp_path / "migrations", files)
    code, output = run("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))
    assert code == 0, output
    write_files(tmp_path / "migrations", {"0003_t3.sql": "-- migrate:up\nCREATE TABLE t3 (id bigint);\n"})
    (tmp_path / "migrations" / "0005_t5.sql").unlink()
    code, output = run("migrate", "status", "--dsn", dsn, "-C", str(tmp_path), env={"COLUMNS": "120"})
    assert code == 0, output
    assert "8 migrations, 0 pending, 1 changed, 1 missing" in output
    assert "changed: 0003_t3: the file was edited after it was applied" in output
    assert "missing: 0005_t5: applied, but its file is gone" in output


def test_plan_and_status_name_diesel_files_by_their_directory(dsn: str, tmp_path: Path) -> None:
    """Found on rust-lang/crates.io: plan's lint findings and status's broken files said "up.sql:3", the name every
    diesel migration's file shares."""
    migrations = tmp_path / "migrations"
    write_files(
        migrations,
        {
            "2024-01-01-000000_a/up.sql": "CREATE TABLE a (id int PRIMARY KEY, at timestamp);\n",
            "2024-01-01-000000_a/down.sql": "DROP TABLE a;\n",
        },
    )
    (tmp_path / "tenantdb.toml").write_text('[migrations]\nlayout = "diesel"\n')
    code, output = run("plan", "--dsn", dsn, "-C", str(tmp_path), env={"COLUMNS": "200"})
    assert code == 0, output
    assert "2024-01-01-000000_a/up.sql:1 prefer-timestamptz" in output.replace("\n", " ")
    write_files(migrations, {"2024-01-02-000000_b/up.sql": "CREATE TABLE b (id int);\nSELEC 1;\n"})
    code, output = run("migrate", "status", "--dsn", dsn, "-C", str(tmp_path), env={"COLUMNS": "200"})
    assert code == 0, output
    assert "2024-01-02-000000_b/up.sql:2: syntax error" in output


def test_verify_says_what_it_held_against_the_database(dsn: str, tmp_path: Path) -> None:
    """Found adopting kestra-io/kestra (Flyway, no verify blocks): after baseline and up, verify printed "verified 0
    migration(s), 0 verify queries", as if it had checked nothing, while it had held the ledger against the catalog."""
    write_files(
        tmp_path / "migrations",
        {
            "0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int PRIMARY KEY);\nCREATE INDEX a_id ON a (id);\n",
            "0002_b.sql": "-- migrate:up\nCREATE TABLE b (id int);\n",
        },
    )
    code, output = run("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))
    assert code == 0, output
    code, output = run("migrate", "verify", "--dsn", dsn, "-C", str(tmp_path), env={"COLUMNS": "200"})
    assert code == 0, output
    assert "2 applied migration(s)" in output and "3 object(s) the ledger says exist" in output, output
    assert "0 verify queries" in output
    code, output = run("migrate", "verify", "--dsn", dsn, "-C", str(tmp_path), "--json")
    document = json.loads(output)
    assert (document["applied"], document["ledger_objects"], document["migrations_checked"]) == (2, 3, 0)


def test_a_failed_migration_says_what_it_left_and_what_to_do(dsn: str, tmp_path: Path) -> None:
    """Found walking kestra-io/kestra: a failed statement printed PostgreSQL's error alone; a newcomer could not tell
    whether the statements before it were applied, nor what to run once the file was fixed."""
    directory = write_files(
        tmp_path / "migrations",
        {
            "0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\nUPDATE a SET idd = 1;\n",
            "0002_b.sql": "-- migrate:up transaction:false\nCREATE TABLE b (id int);\nUPDATE b SET idd = 1;\n",
        },
    )
    code, output = run("migrate", "up", "--dsn", dsn, "-C", str(tmp_path), env={"COLUMNS": "200"})
    said = " ".join(output.split())
    assert code == 1 and 'column "idd" of relation "a" does not exist' in said, said
    assert "nothing of 0001_a is applied (its transaction was rolled back)" in said, said
    assert "fix it and run `tenantdb migrate up` again" in said, said
    (directory / "0001_a.sql").write_text("-- migrate:up\nCREATE TABLE a (id int);\n")
    code, output = run("migrate", "up", "--dsn", dsn, "-C", str(tmp_path), "--json")
    document = json.loads(output)
    assert code == 1 and "statement 1 of 0002_b stays applied" in document["hint"], document
    assert "`tenantdb migrate up` resumes it at statement 2" in document["hint"], document


def test_a_failure_inside_the_files_own_transaction_resumes_at_its_begin(dsn: str, tmp_path: Path) -> None:
    write_files(
        tmp_path / "migrations",
        {
            "0001_a.sql": "-- migrate:up transaction:false\nCREATE TABLE a (id int);\nBEGIN;\n"
            "INSERT INTO a VALUES (1);\nUPDATE a SET idd = 1;\nCOMMIT;\n"
        },
    )
    code, output = run("migrate", "up", "--dsn", dsn, "-C", str(tmp_path), "--json")
    document = json.loads(output)
    assert code == 1 and "statement 1 of 0001_a stays applied" in document["hint"], document
    assert "resumes it at statement 2" in document["hint"], document  # the BEGIN: its block rolled back whole


def test_plan_says_how_many_rows_an_update_changes_and_that_they_stay_locked(dsn: str, tmp_path: Path) -> None:
    """Found walking Permify/permify: a one-statement UPDATE of 1.5 million rows (each row locked until the migration
    commits, 36 s) showed an empty locks column and no effect in plan, or only "stopped after 5 s"."""
    with connect(dsn) as session:
        session.execute("CREATE TABLE tuples (id int PRIMARY KEY, expired int)")
        session.execute("INSERT INTO tuples SELECT g, 0 FROM generate_series(1, 12000) g")
    write_files(
        tmp_path / "migrations",
        {
            "0001_a.sql": "-- migrate:up\nUPDATE tuples SET expired = 1 WHERE expired = 0;\n"
            "DELETE FROM tuples WHERE id > 11990;\n",
            "0002_b.sql": "-- migrate:up\nUPDATE tuples SET expired = 2 WHERE pg_sleep(0.001) IS NOT NULL;\n",
        },
    )
    code, output = run("plan", "--dsn", dsn, "-C", str(tmp_path), "--statement-timeout", "1s", env={"COLUMNS": "250"})
    said = " ".join(output.split())
    assert code == 0, output
    assert "changes 12,000 rows, each locked until the migration commits" in said, said
    assert "changes 10 rows" in said, said
    assert "stopped after 1 s: it locks every row it changes until the migration commits" in said, said
    code, output = run("plan", "--dsn", dsn, "-C", str(tmp_path), "--statement-timeout", "1s", "--json")
    first = json.loads(output)["preview"]["migrations"][0]["statements"]
    assert [statement["rows_changed"] for statement in first] == [12000, 10]
