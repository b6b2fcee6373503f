"""`tenantdb keys rotate` on a real PostgreSQL: online batches, resumable, never blocked by a writer's row lock."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tenantdb.commands.keys import RotationProgress, keys_rotate, keys_status
from tenantdb.config import Settings, load_settings
from tenantdb.db import Session, connect
from tenantdb.errors import LockTimeoutExhausted, SecretTampered, UnknownSecretKey
from tenantdb.secrets import KeyRing, Sealed, decrypt, encrypt, parse_keys
from tests import recipes
from tests.helpers import cli, cli_interrupted_when_sleeping
from tests.modules.support import new_company
from tests.modules.test_billing import new_payment, new_plan, new_subscription

dsn = recipes.database_fixture(recipes.modules_applied(["billing"]))  # every test starts with billing applied


KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(32, 64))).decode()
MAC = base64.b64encode(bytes(range(64, 96))).decode()
OLD_SPEC = f"enc:a:{KEY_A}\nmac:m:{MAC}"
NEW_SPEC = f"enc:a:{KEY_A}\nenc:b:{KEY_B}:current\nmac:m:{MAC}"
OLD, NEW = parse_keys(OLD_SPEC, source="test"), parse_keys(NEW_SPEC, source="test")
ROWS = 7


def token(number: int) -> str:
    return f"pm_secret_token_{number:04d}"


@pytest.fixture
def billing(session: Session) -> Session:
    tenant = new_company(session, "acme")
    subscription = new_subscription(session, tenant, new_plan(session))
    for number in range(ROWS):
        payment = new_payment(session, tenant, subscription)
        sealed = encrypt(token(number), OLD)
        session.execute(
            "UPDATE payments SET payment_method_ciphertext = %s, payment_method_key_id = %s WHERE payment_id = %s",
            (sealed.ciphertext, sealed.key_id, payment),
        )
    sealed = encrypt("cus_secret_customer", OLD)
    session.execute(
        "UPDATE subscriptions SET stripe_customer_ciphertext = %s, stripe_customer_key_id = %s",
        (sealed.ciphertext, sealed.key_id),
    )
    return session


@pytest.fixture
def settings(dsn: str, tmp_path: Path) -> Settings:
    return load_settings(tmp_path, environ={}).with_overrides(dsn=dsn)


def tokens(session: Session, keyring: KeyRing) -> list[str]:
    rows = session.fetch_all(
        "SELECT payment_method_ciphertext, payment_method_key_id FROM payments ORDER BY payment_method_key_id"
    )
    return sorted(decrypt(Sealed(ciphertext=bytes(c), key_id=k), keyring) for c, k in rows)


def key_ids(session: Session) -> dict[str, int]:
    return dict(session.fetch_all("SELECT payment_method_key_id, count(*) FROM payments GROUP BY 1"))


def test_rotation_moves_every_value_to_the_current_key_in_batches(billing: Session, settings: Settings) -> None:
    seen: list[RotationProgress] = []
    report = keys_rotate(settings, NEW, batch_size=3, progress=seen.append)
    assert key_ids(billing) == {"b": ROWS}
    assert tokens(billing, parse_keys(f"enc:b:{KEY_B}", source="t")) == [token(n) for n in range(ROWS)]
    by_column = {(c.table, c.column): c for c in report.columns}
    assert by_column[("payments", "payment_method")].rotated == ROWS
    assert by_column[("payments", "payment_method")].batches == 3  # 3 + 3 + 1
    assert by_column[("subscriptions", "stripe_customer")].rotated == 1
    assert report.remaining == 0
    assert [p.done for p in seen if p.column == "payment_method"] == [3, 6, 7]
    again = keys_rotate(settings, NEW, batch_size=3)
    assert sum(c.rotated for c in again.columns) == 0


def test_dry_run_counts_and_changes_nothing(billing: Session, settings: Settings) -> None:
    report = keys_rotate(settings, NEW, dry_run=True)
    assert {(c.table, c.column): c.pending for c in report.columns} == {
        ("payments", "payment_method"): ROWS,
        ("subscriptions", "stripe_customer"): 1,
    }
    assert key_ids(billing) == {"a": ROWS}


def test_an_interrupted_rotation_resumes_where_it_stopped(billing: Session, settings: Settings) -> None:
    first = keys_rotate(settings, NEW, batch_size=2, max_batches=1)
    assert key_ids(billing) == {"a": ROWS - 2, "b": 2}
    assert first.remaining == ROWS - 2 + 1
    keys_rotate(settings, NEW, batch_size=2)
    assert key_ids(billing) == {"b": ROWS}
    assert tokens(billing, NEW) == [token(n) for n in range(ROWS)]


def test_a_row_locked_by_a_writer_is_skipped_not_waited_for(billing: Session, settings: Settings, dsn: str) -> None:
    with connect(dsn) as writer, writer.transaction():
        writer.execute("SELECT 1 FROM payments ORDER BY payment_id LIMIT 1 FOR UPDATE")
        report = keys_rotate(settings, NEW, batch_size=2)
    assert report.remaining == 1
    assert key_ids(billing) == {"a": 1, "b": ROWS - 1}
    assert keys_rotate(settings, NEW).remaining == 0


def test_a_row_a_writer_updates_all_the_time_is_rotated_too(billing: Session, settings: Settings, dsn: str) -> None:
    """Seen in CI under load: a writer that holds a row most of the time (short transactions, one after the other)
    made every skip-locked walk miss it, and the rotation ended with the row left. Later walks wait for such a row
    within the lock_timeout; the writer, with a 200 ms lock_timeout, never times out behind a one-row batch."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def hot_writer() -> None:
        try:
            with connect(dsn) as writer:
                writer.execute("SET lock_timeout = '200ms'")
                while not stop.is_set():
                    with writer.transaction():
                        writer.execute(
                            "UPDATE payments SET status = status WHERE payment_id = "
                            "(SELECT payment_id FROM payments ORDER BY 1 LIMIT 1)"
                        )
                        writer.execute("SELECT pg_sleep(0.05)")  # holds the row 50 ms of every ~50 ms
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    thread = threading.Thread(target=hot_writer)
    thread.start()
    try:
        time.sleep(0.2)
        report = keys_rotate(settings, NEW, batch_size=2)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert report.remaining == 0
    assert key_ids(billing) == {"b": ROWS}


def test_a_table_lock_ends_in_a_lock_timeout_not_a_wait(billing: Session, settings: Settings, dsn: str) -> None:
    quick = replace(
        settings,
        runner=replace(
            settings.runner, lock_timeout=timedelta(milliseconds=50), lock_retry_budget=timedelta(milliseconds=300)
        ),
    )
    with connect(dsn) as blocker, blocker.transaction():
        blocker.execute("LOCK TABLE payments IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(LockTimeoutExhausted):
            keys_rotate(quick, NEW)


def test_a_writer_keeps_writing_while_batches_rotate(billing: Session, settings: Settings, dsn: str) -> None:
    """A batch holds its rows for one short transaction: a writer with a 200 ms lock_timeout never times out."""
    stop = threading.Event()
    errors: list[BaseException] = []
    first = "SELECT payment_id FROM payments ORDER BY 1 LIMIT 1"

    def write() -> None:
        try:
            with connect(dsn) as writer:
                writer.execute("SET lock_timeout = '200ms'")
                while not stop.is_set():
                    writer.execute(f"UPDATE payments SET status = status WHERE payment_id = ({first})")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    back_to_a = parse_keys(f"enc:a:{KEY_A}:current\nenc:b:{KEY_B}\nmac:m:{MAC}", source="test")
    thread = threading.Thread(target=write)
    thread.start()
    try:
        for keyring in (NEW, back_to_a, NEW):
            assert keys_rotate(settings, keyring, batch_size=1).remaining == 0
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert key_ids(billing) == {"b": ROWS}


def test_a_tampered_row_stops_the_rotation_with_its_place_and_no_plaintext(
    billing: Session, settings: Settings
) -> None:
    billing.execute(
        "UPDATE payments SET payment_method_ciphertext = overlay(payment_method_ciphertext PLACING '\\x00' FROM 80)"
        " WHERE payment_id = (SELECT payment_id FROM payments ORDER BY 1 LIMIT 1)"
    )
    with pytest.raises(SecretTampered) as caught:
        keys_rotate(settings, NEW, batch_size=100)
    assert "payments.payment_method" in str(caught.value)
    assert "pm_secret" not in str(caught.value)
    assert key_ids(billing) == {"a": ROWS}  # the batch rolled back


def test_a_value_under_a_key_the_ring_lacks_is_a_clear_error(billing: Session, settings: Settings) -> None:
    only_b = parse_keys(f"enc:b:{KEY_B}", source="test")
    with pytest.raises(UnknownSecretKey) as caught:
        keys_rotate(settings, only_b)
    assert caught.value.key_id == "a"


def test_status_counts_rows_per_key_id(billing: Session, settings: Settings) -> None:
    keys_rotate(settings, NEW, batch_size=2, max_batches=1)
    status = keys_status(settings, NEW)
    payments = next(c for c in status.columns if c.table == "payments")
    assert dict(payments.key_ids) == {"a": ROWS - 2, "b": 2}
    assert payments.current_key_id == "b"
    lacking = keys_status(settings, parse_keys(f"enc:b:{KEY_B}", source="test"))
    assert next(c for c in lacking.columns if c.table == "payments").unknown_key_ids == ("a",)
    assert {c.current_key_id for c in keys_status(settings, parse_keys(f"mac:m:{MAC}", source="t")).columns} == {None}


@pytest.fixture
def env(dsn: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TENANTDB_", "DATABASE_URL"))}
    yield base | {"TENANTDB_DSN": dsn, "HOME": str(tmp_path)}


@pytest.mark.slow
def test_the_cli_rotates_reports_json_and_never_prints_a_secret(
    billing: Session, env: dict[str, str], tmp_path: Path
) -> None:
    dry = cli("keys", "rotate", "--dry-run", "--json", cwd=tmp_path, env=env | {"TENANTDB_SECRET_KEYS": NEW_SPEC})
    assert dry.returncode == 0, dry.stderr
    document = json.loads(dry.stdout)
    assert document["dry_run"] is True
    assert {c["table"]: c["pending"] for c in document["columns"]} == {"payments": ROWS, "subscriptions": 1}
    run = cli("keys", "rotate", "--batch-size", "3", cwd=tmp_path, env=env | {"TENANTDB_SECRET_KEYS": NEW_SPEC})
    assert run.returncode == 0, run.stderr
    assert "payments.payment_method" in run.stderr  # progress
    status = cli("keys", "status", "--json", cwd=tmp_path, env=env | {"TENANTDB_SECRET_KEYS": NEW_SPEC})
    assert status.returncode == 0, status.stderr
    for output in (dry, run, status):
        for secret in (KEY_A, KEY_B, MAC, "pm_secret", "cus_secret"):
            assert secret not in output.stdout + output.stderr


@pytest.mark.slow
def test_the_cli_reports_key_errors_clearly_without_material(
    billing: Session, env: dict[str, str], tmp_path: Path
) -> None:
    short = base64.b64encode(bytes(16)).decode()
    cases = {
        "": "TENANTDB_SECRET_KEYS",
        f"enc:x:{short}": "16 bytes",
        f"enc:b:{KEY_B}": "'a'",
    }
    for spec, expected in cases.items():
        for as_json in (False, True):
            args = ["keys", "rotate", *(["--json"] if as_json else [])]
            result = cli(*args, cwd=tmp_path, env=env | {"TENANTDB_SECRET_KEYS": spec})
            assert result.returncode == 3, (spec, result.stdout, result.stderr)
            output = result.stdout + result.stderr
            assert expected in output
            assert "Traceback" not in output
            for secret in (KEY_A, KEY_B, short, "pm_secret"):
                assert secret not in output
    generated = cli("keys", "generate", "--purpose", "mac", "--id", "m2", cwd=tmp_path, env=env)
    assert generated.returncode == 0, generated.stderr
    assert parse_keys(generated.stdout, source="t").current(parse_keys(f"mac:m:{MAC}", source="t").keys[0].purpose)


@pytest.mark.slow
def test_ctrl_c_mid_batch_keeps_the_committed_batches_and_a_rerun_finishes(
    billing: Session, env: dict[str, str], tmp_path: Path
) -> None:
    """The third batch sleeps on the server (a trigger on its row); Ctrl-C then rolls back that batch only."""
    third = billing.fetch_value("SELECT payment_id FROM payments ORDER BY ctid OFFSET 2 LIMIT 1")
    billing.execute(
        "CREATE FUNCTION slow_rotation() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$"
    )
    billing.execute(
        "CREATE TRIGGER slow_rotation BEFORE UPDATE ON payments FOR EACH ROW"
        f" WHEN (OLD.payment_id = '{third}') EXECUTE FUNCTION slow_rotation()"
    )
    interrupted = cli_interrupted_when_sleeping(
        "keys",
        "rotate",
        "--batch-size",
        "1",
        session=billing,
        cwd=tmp_path,
        env=env | {"TENANTDB_SECRET_KEYS": NEW_SPEC},
    )
    out, err = interrupted.stdout, interrupted.stderr
    assert interrupted.returncode == 130, err
    assert key_ids(billing) == {"a": ROWS - 2, "b": 2}
    assert tokens(billing, NEW) == [token(n) for n in range(ROWS)]
    for secret in (KEY_A, KEY_B, "pm_secret"):
        assert secret not in out + err
    billing.execute("DROP TRIGGER slow_rotation ON payments")
    rerun = cli("keys", "rotate", cwd=tmp_path, env=env | {"TENANTDB_SECRET_KEYS": NEW_SPEC})
    assert rerun.returncode == 0, rerun.stderr
    assert key_ids(billing) == {"b": ROWS}


def test_every_keys_command_has_help_and_json() -> None:
    from typer.testing import CliRunner

    from tenantdb.cli.app import app

    for command in (["keys"], ["keys", "generate"], ["keys", "status"], ["keys", "rotate"]):
        result = CliRunner().invoke(app, [*command, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output
        if len(command) > 1:
            assert "--json" in result.output
