"""Robustness, destructive, types and rejected-statement rules: tricky cases beyond their documented examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.lint import Rule, check_example, lint_migrations
from tenantdb.lint.rules import (
    RULES,
    ban_char_type,
    ban_concurrently_in_transaction,
    ban_drop_cascade,
    ban_drop_column,
    ban_drop_schema,
    ban_drop_schema_public_cascade,
    ban_drop_table,
    ban_long_identifier,
    ban_mismatched_key_default,
    ban_nested_transaction,
    ban_policy_on_view,
    ban_truncate,
    ban_unclosed_transaction,
    prefer_bigint_over_int,
    prefer_identity_over_serial,
    prefer_text_over_varchar,
    prefer_timestamptz,
    require_if_not_exists_outside_transaction,
)
from tenantdb.migrations import load_migrations

NO_TX = "-- tenantdb: no-transaction\n"
UP_DOWN = "-- migrate:up\nSELECT 1;\n-- migrate:down\n"
LONG = "subscription_invoice_line_items_tenant_id_created_at_status_open_idx"  # 68 bytes
EXACT = "subscription_invoice_line_items_with_a_name_of_exactly_63_bytes"  # 63 bytes

# (rule, SQL, lines of the expected findings)
CASES: list[tuple[Rule, str, list[int]]] = [
    # require-if-not-exists-outside-transaction
    (require_if_not_exists_outside_transaction.RULE, NO_TX + "CREATE TABLE a (id bigint);", [2]),
    (require_if_not_exists_outside_transaction.RULE, NO_TX + "CREATE TABLE IF NOT EXISTS a (id bigint);", []),
    (require_if_not_exists_outside_transaction.RULE, NO_TX + "CREATE TEMP TABLE scratch (id bigint);", []),
    (require_if_not_exists_outside_transaction.RULE, NO_TX + "CREATE SCHEMA audit;\nCREATE SEQUENCE s;", [2, 3]),
    (require_if_not_exists_outside_transaction.RULE, NO_TX + "CREATE SCHEMA audit CREATE TABLE log (id int);", [2]),
    (require_if_not_exists_outside_transaction.RULE, NO_TX + "DROP TABLE IF EXISTS a;\nDROP FUNCTION f();", [3]),
    (require_if_not_exists_outside_transaction.RULE, "CREATE TABLE a (id bigint);\nDROP TABLE b;", []),
    (
        require_if_not_exists_outside_transaction.RULE,
        "BEGIN;\nCREATE TABLE a (id bigint);\nCOMMIT;\nCREATE TABLE b (id bigint);",
        [4],
    ),
    # ban-concurrently-in-transaction
    (ban_concurrently_in_transaction.RULE, "BEGIN;\nREINDEX INDEX CONCURRENTLY orders_pkey;\nCOMMIT;", [2]),
    (ban_concurrently_in_transaction.RULE, "BEGIN;\nDROP INDEX CONCURRENTLY orders_idx;\nCOMMIT;", [2]),
    (ban_concurrently_in_transaction.RULE, "BEGIN;\nALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY;\nCOMMIT;", [2]),
    (ban_concurrently_in_transaction.RULE, "BEGIN;\nREINDEX SCHEMA public;\nCOMMIT;", [2]),
    (ban_concurrently_in_transaction.RULE, "BEGIN;\nDROP INDEX orders_idx;\nANALYZE orders;\nCOMMIT;", []),
    (ban_concurrently_in_transaction.RULE, "CREATE INDEX CONCURRENTLY i ON orders (id);\nVACUUM orders;", []),
    # ban-unclosed-transaction
    (ban_unclosed_transaction.RULE, "BEGIN;\nCOMMIT;\nBEGIN;\nDELETE FROM jobs;", [3]),
    (ban_unclosed_transaction.RULE, "BEGIN;\nSAVEPOINT s;\nROLLBACK TO SAVEPOINT s;", [1]),
    (ban_unclosed_transaction.RULE, "BEGIN;\nDELETE FROM jobs;\nEND;", []),
    (ban_unclosed_transaction.RULE, "BEGIN;\nDELETE FROM jobs;\nABORT;", []),
    (ban_unclosed_transaction.RULE, "-- migrate:up\nBEGIN;\nSELECT 1;\n-- migrate:down\nCOMMIT;", [2]),
    (ban_unclosed_transaction.RULE, "-- migrate:up\nSELECT 1;\n-- migrate:down\nBEGIN;\nSELECT 2;", [4]),
    # ban-nested-transaction
    (ban_nested_transaction.RULE, "BEGIN;\nSTART TRANSACTION;\nCOMMIT;", [2]),
    (ban_nested_transaction.RULE, "BEGIN;\nCOMMIT;\nBEGIN;\nCOMMIT;", []),
    # ban-drop-table
    (ban_drop_table.RULE, "CREATE TABLE tmp (id bigint);\nDROP TABLE tmp, legacy;", [2]),
    (ban_drop_table.RULE, "DROP VIEW legacy_view;\nDROP INDEX CONCURRENTLY legacy_idx;", []),
    (ban_drop_table.RULE, UP_DOWN + "DROP TABLE orders;", []),
    # ban-drop-column
    (ban_drop_column.RULE, "ALTER TABLE orders\n    ADD COLUMN status text,\n    DROP COLUMN state;", [1]),
    (ban_drop_column.RULE, UP_DOWN + "ALTER TABLE orders DROP COLUMN status;", []),
    # ban-drop-schema
    (ban_drop_schema.RULE, "DROP SCHEMA public CASCADE;", []),  # ban-drop-schema-public-cascade's error
    (ban_drop_schema.RULE, "DROP SCHEMA public;", [1]),
    (ban_drop_schema.RULE, "CREATE SCHEMA staging;\nDROP SCHEMA staging, legacy CASCADE;", [2]),
    (ban_drop_schema.RULE, UP_DOWN + "DROP SCHEMA reporting CASCADE;", []),
    # ban-truncate
    (ban_truncate.RULE, "CREATE TABLE tmp (id bigint);\nTRUNCATE tmp, orders;", [2]),
    (ban_truncate.RULE, UP_DOWN + "TRUNCATE orders;", []),
    # ban-drop-cascade
    (ban_drop_cascade.RULE, "DROP TABLE orders CASCADE;", [1]),
    (ban_drop_cascade.RULE, "CREATE TABLE tmp (id bigint);\nDROP TABLE tmp CASCADE;", []),
    (ban_drop_cascade.RULE, "CREATE SCHEMA staging;\nDROP SCHEMA staging CASCADE;", []),
    (ban_drop_cascade.RULE, "DROP SCHEMA public CASCADE;", []),
    (ban_drop_cascade.RULE, "DROP OWNED BY legacy_app CASCADE;", [1]),
    (ban_drop_cascade.RULE, "ALTER TABLE orders DROP CONSTRAINT orders_customer_fkey CASCADE;", [1]),
    (ban_drop_cascade.RULE, "TRUNCATE orders CASCADE;", []),  # ban-truncate says it
    (ban_drop_cascade.RULE, UP_DOWN + "DROP VIEW order_totals CASCADE;", []),
    # ban-drop-schema-public-cascade
    (ban_drop_schema_public_cascade.RULE, 'DROP SCHEMA "public" CASCADE;', [1]),
    (ban_drop_schema_public_cascade.RULE, "DROP SCHEMA public;", []),
    (
        ban_drop_schema_public_cascade.RULE,
        "-- migrate:up\nSELECT 1;\n-- migrate:verify\nDROP SCHEMA public CASCADE;",
        [4],
    ),
    # prefer-timestamptz
    (prefer_timestamptz.RULE, "CREATE TABLE e (\n  id bigint,\n  at timestamp(3),\n  at2 timestamp[]\n);", [3, 4]),
    (prefer_timestamptz.RULE, "CREATE TABLE e (id bigint, opens time);", []),
    (prefer_timestamptz.RULE, "ALTER TABLE e ALTER COLUMN at TYPE timestamp;", []),
    (prefer_timestamptz.RULE, "CREATE TYPE period AS (starts timestamp, ends timestamp);", []),
    (prefer_timestamptz.RULE, UP_DOWN + "ALTER TABLE e ADD COLUMN at timestamp;", []),
    # prefer-bigint-over-int
    (prefer_bigint_over_int.RULE, "CREATE TABLE t (id smallint PRIMARY KEY, tenant_id int4);", [1, 1]),
    (prefer_bigint_over_int.RULE, "CREATE TABLE t (code int PRIMARY KEY);", [1]),
    (prefer_bigint_over_int.RULE, "CREATE TABLE t (id bigint, attempts int, valid boolean, ids int[]);", []),
    (prefer_bigint_over_int.RULE, "CREATE TABLE t (paid bool, invalid int);", []),
    (prefer_bigint_over_int.RULE, "ALTER TABLE t ADD COLUMN parent_id int8, ADD COLUMN retries smallint;", []),
    # prefer-text-over-varchar
    (prefer_text_over_varchar.RULE, "CREATE TABLE c (a varchar, b text, c character varying(10));", [1]),
    # prefer-identity-over-serial
    (prefer_identity_over_serial.RULE, "CREATE TABLE t (a serial, b smallserial, c serial4);", [1, 1, 1]),
    # ban-char-type
    (ban_char_type.RULE, "CREATE TABLE t (a char, b bpchar, c character(2));", [1, 1, 1]),
    (ban_char_type.RULE, 'CREATE TABLE t (a "char", b varchar(2));', []),
    # ban-long-identifier
    (ban_long_identifier.RULE, f"CREATE TABLE orders (\n  id bigint,\n  {'é' * 32} text\n);", [3]),
    (ban_long_identifier.RULE, f"CREATE TABLE orders (id bigint, {'é' * 31}a text);", []),
    (ban_long_identifier.RULE, f"CREATE TABLE {EXACT} (id bigint);", []),
    (ban_long_identifier.RULE, f'CREATE TABLE "{LONG.upper()}" (id bigint);', [1]),
    (ban_long_identifier.RULE, f"ALTER TABLE orders RENAME COLUMN note TO {LONG};", [1]),
    (ban_long_identifier.RULE, f"CREATE POLICY {LONG} ON orders USING (true);", [1]),
    (ban_long_identifier.RULE, f"CREATE VIEW {LONG} AS SELECT 1;", [1]),
    (ban_long_identifier.RULE, f"CREATE TABLE t (\n  id bigint CONSTRAINT {LONG} PRIMARY KEY\n);", [2]),
    (ban_long_identifier.RULE, f"CREATE INDEX short_idx ON {LONG} (id);", []),  # a reference, not a new name
    (ban_long_identifier.RULE, UP_DOWN + f"CREATE TABLE {LONG} (id bigint);", []),
    # ban-policy-on-view
    (ban_policy_on_view.RULE, "CREATE VIEW v AS SELECT 1 AS tenant_id;\nALTER TABLE v FORCE ROW LEVEL SECURITY;", [2]),
    (ban_policy_on_view.RULE, "DROP VIEW v;\nCREATE TABLE v (tenant_id uuid);\nCREATE POLICY p ON v USING (true);", []),
    (ban_policy_on_view.RULE, "CREATE VIEW v AS SELECT 1 AS id;\nALTER TABLE v RENAME TO w;", []),
    # ban-mismatched-key-default: defaults
    (ban_mismatched_key_default.RULE, "CREATE TABLE t (\n  id text\n  DEFAULT uuid_generate_v4()\n);", [3]),
    (ban_mismatched_key_default.RULE, "CREATE TABLE t (id uuid DEFAULT gen_random_uuid()::text);", [1]),
    (ban_mismatched_key_default.RULE, "CREATE TABLE t (id uuid DEFAULT nextval('t_seq'));", [1]),
    (ban_mismatched_key_default.RULE, "CREATE TABLE t (id uuid GENERATED ALWAYS AS IDENTITY);", [1]),
    (ban_mismatched_key_default.RULE, "CREATE TABLE t (id tenant_key DEFAULT gen_random_uuid());", []),  # a domain
    (ban_mismatched_key_default.RULE, "CREATE TABLE t (id bigint DEFAULT nextval('s'), code text DEFAULT 'x');", []),
    (
        ban_mismatched_key_default.RULE,
        "CREATE TABLE t (id bigint, ref text);\nALTER TABLE t ALTER COLUMN ref SET DEFAULT gen_random_uuid();",
        [2],
    ),
    # ban-mismatched-key-default: foreign keys
    (
        ban_mismatched_key_default.RULE,
        "CREATE TABLE nodes (\n  id uuid PRIMARY KEY,\n  parent_id text REFERENCES nodes\n);",
        [3],
    ),
    (
        ban_mismatched_key_default.RULE,
        "CREATE TABLE a (id uuid, code text, PRIMARY KEY (id));\n"
        "CREATE TABLE b (a_id uuid, a_code bigint,\n  FOREIGN KEY (a_code) REFERENCES a (code));",
        [3],
    ),
    (
        ban_mismatched_key_default.RULE,
        "CREATE TABLE a (id uuid PRIMARY KEY);\nCREATE TABLE b (id bigint);\n"
        "ALTER TABLE b ADD COLUMN a_id text, ADD CONSTRAINT b_a_fkey FOREIGN KEY (a_id) REFERENCES a;",
        [3],
    ),
    (
        ban_mismatched_key_default.RULE,
        "CREATE TABLE a (code varchar(10) PRIMARY KEY);\nCREATE TABLE b (a_code text REFERENCES a);",
        [],
    ),
    (ban_mismatched_key_default.RULE, "CREATE TABLE b (a_id text REFERENCES somewhere_else);", []),
    (
        ban_mismatched_key_default.RULE,
        "CREATE TABLE a (id bigint PRIMARY KEY);\nCREATE TABLE b (a numeric REFERENCES a);",
        [2],
    ),
    (
        ban_mismatched_key_default.RULE,
        "CREATE TABLE a (id numeric PRIMARY KEY);\nCREATE TABLE b (a int REFERENCES a);",
        [],
    ),
    (
        ban_mismatched_key_default.RULE,
        "CREATE TABLE a (at timestamptz PRIMARY KEY);\nCREATE TABLE b (d date REFERENCES a);",
        [],
    ),
    (
        ban_mismatched_key_default.RULE,
        "CREATE TABLE a (c char(3) PRIMARY KEY);\nCREATE TABLE b (c text REFERENCES a);",
        [],
    ),
    (ban_mismatched_key_default.RULE, "CREATE TABLE a (id uuid);\nCREATE TABLE b (a_id text REFERENCES a);", []),
]


@pytest.mark.parametrize(("rule", "sql", "lines"), CASES, ids=lambda v: getattr(v, "id", None) or str(v)[:40])
def test_rule_case(rule: Rule, sql: str, lines: list[int]) -> None:
    findings = check_example(rule, sql)
    assert sorted(f.line for f in findings) == lines, [f.message for f in findings]


def _lint_files(folder: Path, rule: Rule, files: dict[str, str]) -> list[tuple[str, int]]:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = lint_migrations(list(load_migrations(folder)), rules=RULES if rule in RULES else (*RULES, rule))
    return [(f.path.name if f.path else "", f.line) for f in report.findings if f.rule == rule.id]


def test_a_table_from_an_earlier_migration_is_existing(tmp_path: Path) -> None:
    files = {
        "0001_orders.sql": "-- migrate:up\nCREATE TABLE orders (id bigint, note text);\n"
        "-- migrate:down\nDROP TABLE orders;",
        "0002_cleanup.sql": "-- migrate:up\nALTER TABLE orders DROP COLUMN note;\n-- migrate:down\nSELECT 1;",
    }
    assert _lint_files(tmp_path, ban_drop_column.RULE, files) == [("0002_cleanup.sql", 2)]


def test_a_view_from_an_earlier_migration_cannot_get_a_policy(tmp_path: Path) -> None:
    files = {
        "0001_view.sql": "-- migrate:up\nCREATE VIEW tenant_orders AS SELECT 1 AS tenant_id;\n"
        "-- migrate:down\nDROP VIEW tenant_orders;",
        "0002_policy.sql": "-- migrate:up\nCREATE POLICY p ON tenant_orders USING (true);\n"
        "-- migrate:down\nDROP POLICY p ON tenant_orders;",
    }
    assert _lint_files(tmp_path, ban_policy_on_view.RULE, files) == [("0002_policy.sql", 2)]


def test_a_foreign_key_to_a_key_declared_in_an_earlier_migration(tmp_path: Path) -> None:
    files = {
        "0001_customers.sql": "-- migrate:up\nCREATE TABLE customers (id bigint);\n"
        "ALTER TABLE customers ADD CONSTRAINT customers_pkey PRIMARY KEY (id);\n-- migrate:down\nSELECT 1;",
        "0002_orders.sql": "-- migrate:up\nCREATE TABLE orders (id bigint, customer_id uuid REFERENCES customers);\n"
        "-- migrate:down\nSELECT 1;",
    }
    assert _lint_files(tmp_path, ban_mismatched_key_default.RULE, files) == [("0002_orders.sql", 2)]


def test_unclosed_transactions_are_reported_per_file(tmp_path: Path) -> None:
    files = {
        "0001_a.sql": "-- migrate:up\nBEGIN;\nSELECT 1;\n-- migrate:down\nSELECT 1;",
        "0002_b.sql": "-- migrate:up\nCOMMIT;\n-- migrate:down\nSELECT 1;",
    }
    assert _lint_files(tmp_path, ban_unclosed_transaction.RULE, files) == [("0001_a.sql", 2)]


def test_serial_is_fine_before_postgresql_10() -> None:
    assert not check_example(prefer_identity_over_serial.RULE, "CREATE TABLE t (id bigserial);", pg_version=9)


def test_hints_say_what_to_write() -> None:
    (finding,) = check_example(prefer_text_over_varchar.RULE, "CREATE TABLE c (email varchar(255));")
    assert finding.hint == "email text CHECK (char_length(email) <= 255)"
    serial, integer = sorted(
        check_example(prefer_bigint_over_int.RULE, "CREATE TABLE t (id serial PRIMARY KEY, customer_id integer);"),
        key=lambda f: f.column,
    )
    assert serial.hint == "id bigint GENERATED ALWAYS AS IDENTITY"
    assert integer.hint == "customer_id bigint"
    (drop,) = check_example(require_if_not_exists_outside_transaction.RULE, "DROP INDEX CONCURRENTLY a_idx;")
    assert drop.hint == "DROP INDEX CONCURRENTLY IF EXISTS a_idx"


def test_long_identifier_points_at_the_name_and_says_what_is_dropped() -> None:
    sql = f"CREATE TABLE orders (id bigint);\nCREATE INDEX\n    {LONG} ON orders (id);"
    (finding,) = check_example(ban_long_identifier.RULE, sql)
    assert (finding.line, finding.column) == (3, 5)
    assert "68 bytes" in finding.message
    assert "'n_idx'" in finding.message


def test_truncate_cascade_says_it_reaches_other_tables() -> None:
    (finding,) = check_example(ban_truncate.RULE, "TRUNCATE customers CASCADE;")
    assert "foreign key" in finding.message
