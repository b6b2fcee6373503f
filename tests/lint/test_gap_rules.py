"""The rules closing the coverage gaps against squawk and diesel-guard: migrations in, ``rule@migration:line`` out."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tenantdb.lint import Finding, lint_migration_sets
from tenantdb.migrations import load_migrations

IDS = {
    "ban-rename-column",
    "ban-rename-table",
    "ban-rename-schema",
    "ban-drop-database",
    "ban-drop-primary-key",
    "ban-drop-not-null",
    "ban-domain-constraint",
    "prefer-jsonb-over-json",
    "require-primary-key",
    "require-where-on-update-delete",
    "ban-create-extension-in-transaction",
    "ban-exclude-constraint-on-existing-table",
}
NO_TX = "-- tenantdb: no-transaction\n"


Script = str | tuple[str, str]  # an up script, or (up, down)


def lint(folder: Path, scripts: tuple[Script, ...]) -> list[str]:
    """Findings of the gap rules over migrations 1, 2, ... as ``rule@migration:line`` (``@1down:3``)."""
    for number, script in enumerate(scripts, 1):
        up, down = (script, None) if isinstance(script, str) else script
        (folder / f"{number:04d}_step.up.sql").write_text(up, encoding="utf-8")
        if down is not None:
            (folder / f"{number:04d}_step.down.sql").write_text(down, encoding="utf-8")
    report = lint_migration_sets([load_migrations(folder)])
    return sorted(f"{f.rule}@{_where(f.path)}:{f.line}" for f in report.findings if f.rule in IDS)


def _where(path: Path | None) -> str:
    name = path.name if path else "0000"
    return f"{int(name[:4])}{'down' if name.endswith('.down.sql') else ''}"


CASES: list[tuple[str, tuple[Script, ...], list[str]]] = [
    # ban-rename-column
    ("rename-column", ("ALTER TABLE orders RENAME COLUMN total TO amount;",), ["ban-rename-column@1:1"]),
    ("rename-column-of-new-table", ("CREATE TABLE t (a int PRIMARY KEY);\nALTER TABLE t RENAME a TO b;",), []),
    (
        "rename-column-of-table-from-earlier-migration",
        ("CREATE TABLE t (a int PRIMARY KEY);", "ALTER TABLE t RENAME COLUMN a TO b;"),
        ["ban-rename-column@2:1"],
    ),
    ("rename-column-in-down", (("SELECT 1;", "ALTER TABLE t RENAME a TO b;"),), []),
    # ban-rename-table
    ("rename-table", ("ALTER TABLE orders RENAME TO purchases;",), ["ban-rename-table@1:1"]),
    ("rename-view", ("ALTER VIEW order_totals RENAME TO purchase_totals;",), ["ban-rename-table@1:1"]),
    ("rename-new-table", ("CREATE TABLE t_new (a int PRIMARY KEY);\nALTER TABLE t_new RENAME TO t;",), []),
    ("rename-new-view", ("CREATE VIEW v_new AS SELECT 1 AS a;\nALTER VIEW v_new RENAME TO v;",), []),
    ("rename-column-of-new-view", ("CREATE VIEW v AS SELECT 1 AS a;\nALTER VIEW v RENAME COLUMN a TO b;",), []),
    ("rename-constraint-is-not-a-table-rename", ("ALTER TABLE orders RENAME CONSTRAINT a TO b;",), []),
    # ban-rename-schema
    ("rename-schema", ("ALTER SCHEMA billing RENAME TO invoicing;",), ["ban-rename-schema@1:1"]),
    ("rename-new-schema", ("CREATE SCHEMA staging;\nALTER SCHEMA staging RENAME TO billing;",), []),
    # ban-drop-database
    ("drop-database", (NO_TX + "DROP DATABASE IF EXISTS analytics;",), ["ban-drop-database@1:2"]),
    # ban-drop-primary-key
    ("drop-default-pkey", ("ALTER TABLE orders DROP CONSTRAINT orders_pkey;",), ["ban-drop-primary-key@1:1"]),
    ("drop-other-constraint", ("ALTER TABLE orders DROP CONSTRAINT orders_total_check;",), []),
    (
        "drop-named-pkey-known-from-earlier-migration",
        (
            "CREATE TABLE orders (id bigint, CONSTRAINT orders_pk PRIMARY KEY (id));",
            "ALTER TABLE orders DROP CONSTRAINT orders_pk;",
        ),
        ["ban-drop-primary-key@2:1"],
    ),
    (
        "drop-pkey-added-by-alter-in-earlier-migration",
        (
            "CREATE TABLE orders (id bigint);\nALTER TABLE orders ADD CONSTRAINT pk_orders PRIMARY KEY (id);",
            "ALTER TABLE orders DROP CONSTRAINT IF EXISTS pk_orders;",
        ),
        ["ban-drop-primary-key@2:1"],
    ),
    (
        "drop-pkey-of-new-table",
        ("CREATE TABLE t (id bigint PRIMARY KEY);\nALTER TABLE t DROP CONSTRAINT t_pkey;",),
        [],
    ),
    # ban-drop-not-null
    ("drop-not-null", ("ALTER TABLE orders ALTER COLUMN total DROP NOT NULL;",), ["ban-drop-not-null@1:1"]),
    (
        "drop-not-null-new-table",
        ("CREATE TABLE t (id int PRIMARY KEY, c int NOT NULL);\nALTER TABLE t ALTER c DROP NOT NULL;",),
        [],
    ),
    ("drop-not-null-in-down", (("SELECT 1;", "ALTER TABLE t ALTER c DROP NOT NULL;"),), []),
    # ban-domain-constraint
    (
        "alter-domain-add-check",
        ("ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%');",),
        ["ban-domain-constraint@1:1"],
    ),
    (
        "alter-domain-add-check-not-valid",
        ("ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%') NOT VALID;",),
        [],
    ),
    ("create-domain-check", ("CREATE DOMAIN positive AS numeric CHECK (VALUE > 0);",), ["ban-domain-constraint@1:1"]),
    ("create-domain-plain", ("CREATE DOMAIN amount AS numeric(12, 2);",), []),
    ("domain-set-not-null", ("ALTER DOMAIN amount SET NOT NULL;",), ["ban-domain-constraint@1:1"]),
    ("domain-drop-not-null", ("ALTER DOMAIN amount DROP NOT NULL;",), []),
    (
        "validate-domain-constraint",
        ("ALTER DOMAIN email VALIDATE CONSTRAINT email_at;",),
        ["ban-domain-constraint@1:1"],
    ),
    # prefer-jsonb-over-json
    ("json-column", ("CREATE TABLE e (id bigint PRIMARY KEY, payload json);",), ["prefer-jsonb-over-json@1:1"]),
    ("json-added-column", ("ALTER TABLE e ADD COLUMN payload json;",), ["prefer-jsonb-over-json@1:1"]),
    ("json-type-change", ("ALTER TABLE e ALTER COLUMN payload TYPE json;",), ["prefer-jsonb-over-json@1:1"]),
    ("jsonb-column", ("CREATE TABLE e (id bigint PRIMARY KEY, payload jsonb);",), []),
    # require-primary-key
    ("table-without-pk", ("CREATE TABLE events (tenant_id uuid, body text);",), ["require-primary-key@1:1"]),
    ("table-with-pk", ("CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);",), []),
    ("table-with-table-pk", ("CREATE TABLE events (a int, b int, PRIMARY KEY (a, b));",), []),
    (
        "pk-added-later-in-the-run",
        ("CREATE TABLE events (id bigint);", "ALTER TABLE events ADD PRIMARY KEY (id);"),
        [],
    ),
    (
        "pk-added-using-index",
        (
            "CREATE TABLE events (id bigint);\nCREATE UNIQUE INDEX events_id ON events (id);\n"
            "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_id;",
        ),
        [],
    ),
    (
        "partition-of",
        ("CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",),
        [],
    ),
    ("like-including-all", ("CREATE TABLE events_copy (LIKE events INCLUDING ALL);",), []),
    ("like-without-indexes", ("CREATE TABLE events_copy (LIKE events);",), ["require-primary-key@1:1"]),
    ("temporary-table", ("CREATE TEMPORARY TABLE scratch (a int);",), []),
    ("table-dropped-again", ("CREATE TABLE scratch (a int);\nDROP TABLE scratch;",), []),
    # require-where-on-update-delete
    ("update-without-where", ("UPDATE orders SET total = 0;",), ["require-where-on-update-delete@1:1"]),
    ("delete-without-where", ("DELETE FROM orders;",), ["require-where-on-update-delete@1:1"]),
    ("update-with-where", ("UPDATE orders SET total = 0 WHERE total IS NULL;",), []),
    (
        "delete-in-function-body",
        ("CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS $$ DELETE FROM scratch $$;",),
        [],
    ),
    ("update-of-new-table", ("CREATE TABLE t (id int PRIMARY KEY, c int);\nUPDATE t SET c = 1;",), []),
    # ban-create-extension-in-transaction
    (
        "extension-in-transaction",
        ("CREATE EXTENSION IF NOT EXISTS pg_trgm;",),
        ["ban-create-extension-in-transaction@1:1"],
    ),
    ("extension-no-transaction", (NO_TX + "CREATE EXTENSION IF NOT EXISTS pg_trgm;",), []),
    (
        "extension-in-a-script-the-runner-splits-for-an-online-rewrite",
        (
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
            "CREATE INDEX orders_name_idx ON orders USING gin (name gin_trgm_ops);",
        ),
        [],
    ),
    (
        "extension-in-the-files-own-transaction",
        (NO_TX + "BEGIN;\nCREATE EXTENSION IF NOT EXISTS pg_trgm;\nCOMMIT;",),
        ["ban-create-extension-in-transaction@1:3"],
    ),
    # ban-exclude-constraint-on-existing-table
    (
        "exclude-on-existing-table",
        ("ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",),
        ["ban-exclude-constraint-on-existing-table@1:1"],
    ),
    (
        "exclude-on-new-table",
        (
            "CREATE TABLE bookings (id int PRIMARY KEY, room int, during tstzrange);\n"
            "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
        ),
        [],
    ),
]


@pytest.mark.parametrize(("scripts", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gap_rule_case(tmp_path: Path, scripts: tuple[Script, ...], expected: list[str]) -> None:
    assert lint(tmp_path, scripts) == sorted(expected)


def test_every_gap_rule_is_registered() -> None:
    from tenantdb.lint.rules import RULES_BY_ID

    assert set(RULES_BY_ID) >= IDS


def test_messages_say_what_breaks_and_hints_say_the_safe_way(tmp_path: Path) -> None:
    (tmp_path / "0001_step.up.sql").write_text(
        "ALTER TABLE orders RENAME COLUMN total TO amount;\nDELETE FROM orders;\n", encoding="utf-8"
    )
    report = lint_migration_sets([load_migrations(tmp_path)])
    by_rule: dict[str, Finding] = {f.rule: f for f in report.findings}
    assert "running" in by_rule["ban-rename-column"].message
    assert by_rule["ban-rename-column"].hint and "expand" in by_rule["ban-rename-column"].hint.lower()
    assert "every row" in by_rule["require-where-on-update-delete"].message
    assert by_rule["require-where-on-update-delete"].hint


# What the rules' docs claim, checked on a real server
CLAIMS_SETUP = """
CREATE DOMAIN positive AS int;
CREATE TABLE bookings (id int PRIMARY KEY, room int, during int4range, n positive, payload json);
CREATE TABLE other_bookings (id int PRIMARY KEY, n positive);
ALTER DOMAIN positive ADD CONSTRAINT positive_n CHECK (VALUE > 0) NOT VALID;
"""
AEL, SHARE = "AccessExclusiveLock", "ShareLock"


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&)", {"bookings": AEL}),
        (
            "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)",
            {"bookings": SHARE, "other_bookings": SHARE},
        ),
        ("ALTER DOMAIN positive VALIDATE CONSTRAINT positive_n", {"bookings": SHARE, "other_bookings": SHARE}),
        ("ALTER TABLE bookings DROP CONSTRAINT bookings_pkey", {"bookings": AEL}),
    ],
    ids=["exclude", "domain-constraint", "validate-domain-constraint", "drop-primary-key"],
)
def test_lock_modes_the_gap_rules_describe(session: Session, statement: str, expected: dict[str, str]) -> None:
    session.run_script(CLAIMS_SETUP)
    session.execute("BEGIN")
    session.execute(statement)
    held = session.fetch_all(
        "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = pg_backend_pid() AND l.granted"
    )
    session.execute("ROLLBACK")
    for relation, mode in expected.items():
        assert (relation, mode) in held, f"{statement}: {relation} {mode} not in {held}"


@pytest.mark.parametrize(
    ("statement", "sqlstate"),
    [
        ("SELECT DISTINCT payload FROM bookings", "42883"),  # could not identify an equality operator for type json
        ("SELECT payload FROM bookings UNION SELECT payload FROM bookings", "42883"),
        ("SELECT payload, count(*) FROM bookings GROUP BY payload", "42883"),
        ("ALTER TABLE bookings ADD CONSTRAINT e EXCLUDE USING gist (during WITH &&) NOT VALID", "0A000"),
    ],
    ids=["json-distinct", "json-union", "json-group-by", "exclude-not-valid"],
)
def test_what_the_gap_rules_say_fails_does_fail(session: Session, statement: str, sqlstate: str) -> None:
    session.run_script(CLAIMS_SETUP)
    with pytest.raises(DatabaseError) as failure:
        session.execute(statement)
    assert failure.value.sqlstate == sqlstate


def test_drop_database_cannot_run_in_a_transaction(session: Session) -> None:
    session.execute("BEGIN")
    with pytest.raises(DatabaseError) as failure:
        session.execute("DROP DATABASE IF EXISTS tenantdb_never_there")
    session.execute("ROLLBACK")
    assert failure.value.sqlstate == "25001"  # active_sql_transaction
