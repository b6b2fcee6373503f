"""The locking rules: SQL in, findings (rule@migration:line) out, and the rewrite claims checked on a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.db import Session
from tenantdb.lint import lint_migration_sets
from tenantdb.lint.model import Family, Rule, Severity
from tenantdb.lint.rules import (
    ban_add_unique_constraint,
    ban_blocking_refresh_materialized_view,
    ban_column_type_change,
    ban_lock_table,
    ban_set_not_null,
    ban_stored_generated_column,
    ban_vacuum_full,
    ban_volatile_default,
    require_concurrent_detach_partition,
    require_concurrent_index_deletion,
    require_concurrent_reindex,
    require_not_valid_constraint,
)
from tenantdb.migrations import load_migrations

LOCKING: tuple[Rule, ...] = tuple(
    module.RULE
    for module in (
        require_concurrent_index_deletion,
        require_not_valid_constraint,
        ban_set_not_null,
        ban_add_unique_constraint,
        ban_volatile_default,
        ban_stored_generated_column,
        ban_column_type_change,
        require_concurrent_reindex,
        require_concurrent_detach_partition,
        ban_vacuum_full,
        ban_blocking_refresh_materialized_view,
        ban_lock_table,
    )
)
IDS = {rule.id for rule in LOCKING}
NO_TX = "-- tenantdb: no-transaction\n"


Script = str | tuple[str, str]  # an up script, or (up, down)


def lint(folder: Path, scripts: tuple[Script, ...], pg_version: int = 16) -> list[str]:
    """Findings of the locking rules over migrations 1, 2, ... as ``rule@migration:line`` (``@1down:3``)."""
    for number, script in enumerate(scripts, 1):
        up, down = (script, None) if isinstance(script, str) else script
        (folder / f"{number:04d}_step.up.sql").write_text(up, encoding="utf-8")
        if down is not None:
            (folder / f"{number:04d}_step.down.sql").write_text(down, encoding="utf-8")
    report = lint_migration_sets([load_migrations(folder)], rules=LOCKING, pg_version=pg_version)
    return sorted(f"{f.rule}@{_where(f.path)}:{f.line}" for f in report.findings if f.rule in IDS)


def _where(path: Path | None) -> str:
    name = path.name if path else "0000"
    return f"{int(name[:4])}{'down' if name.endswith('.down.sql') else ''}"


# (case id, migrations, expected findings); every case runs all twelve rules, so cross-rule noise shows up too
CASES: list[tuple[str, tuple[Script, ...], list[str]]] = [
    # require-concurrent-index-deletion
    ("drop-index", ("DROP INDEX orders_idx;",), ["require-concurrent-index-deletion@1:1"]),
    ("drop-two-indexes", ("DROP INDEX a_idx, b_idx;",), ["require-concurrent-index-deletion@1:1"] * 2),
    ("drop-index-concurrently", ("DROP INDEX CONCURRENTLY IF EXISTS orders_idx;",), []),
    ("drop-index-of-new-table", ("CREATE TABLE t (id int);\nCREATE INDEX t_idx ON t (id);\nDROP INDEX t_idx;",), []),
    (
        "drop-index-of-table-from-earlier-migration",
        ("CREATE TABLE t (id int);\nCREATE INDEX t_idx ON t (id);", "SELECT 1;\nDROP INDEX t_idx;"),
        ["require-concurrent-index-deletion@2:2"],
    ),
    (
        "drop-index-in-down-section",
        (("CREATE TABLE t (id int);\nCREATE INDEX t_idx ON t (id);", "DROP INDEX t_idx;\nDROP TABLE t;"),),
        ["require-concurrent-index-deletion@1down:1"],
    ),
    ("drop-table-is-not-drop-index", ("DROP TABLE orders;",), []),
    # require-not-valid-constraint
    ("check", ("ALTER TABLE orders\n  ADD CONSTRAINT c CHECK (total >= 0);",), ["require-not-valid-constraint@1:2"]),
    ("check-not-valid", ("ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;",), []),
    ("check-not-enforced", ("ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT ENFORCED;",), []),
    (
        "fk",
        ("ALTER TABLE orders ADD FOREIGN KEY (tenant_id) REFERENCES tenants (id);",),
        ["require-not-valid-constraint@1:1"],
    ),
    ("fk-not-valid", ("ALTER TABLE orders ADD FOREIGN KEY (tenant_id) REFERENCES tenants (id) NOT VALID;",), []),
    (
        "fk-from-new-table-to-existing",
        ("CREATE TABLE notes (tenant_id uuid);\nALTER TABLE notes ADD FOREIGN KEY (tenant_id) REFERENCES tenants;",),
        [],
    ),
    (
        "fk-from-existing-table-to-new",
        ("CREATE TABLE kinds (id int PRIMARY KEY);\nALTER TABLE orders ADD FOREIGN KEY (kind) REFERENCES kinds;",),
        ["require-not-valid-constraint@1:2"],
    ),
    (
        "inline-references-and-check-on-add-column",
        ("ALTER TABLE orders ADD COLUMN plan_id bigint REFERENCES plans,\n  ADD COLUMN n int CHECK (n > 0);",),
        ["require-not-valid-constraint@1:1", "require-not-valid-constraint@1:2"],
    ),
    ("plain-add-column", ("ALTER TABLE orders ADD COLUMN plan_id bigint;",), []),
    (
        "not-valid-then-validate-in-one-transaction",
        (
            "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\n"
            "ALTER TABLE orders VALIDATE CONSTRAINT c;",
        ),
        ["require-not-valid-constraint@1:2"],
    ),
    (
        "not-valid-then-validate-in-two-migrations",
        (
            "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;",
            "ALTER TABLE orders VALIDATE CONSTRAINT c;",
        ),
        [],
    ),
    (
        "not-valid-then-validate-statement-by-statement",
        (
            NO_TX + "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\n"
            "ALTER TABLE orders VALIDATE CONSTRAINT c;",
        ),
        [],
    ),
    (
        "not-valid-then-validate-inside-the-files-own-begin",
        (
            "BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\n"
            "ALTER TABLE orders VALIDATE CONSTRAINT c;\nCOMMIT;",
        ),
        ["require-not-valid-constraint@1:3"],
    ),
    (
        "not-valid-commit-then-validate",
        (
            "BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nCOMMIT;\n"
            "ALTER TABLE orders VALIDATE CONSTRAINT c;",
        ),
        [],
    ),
    (
        "validate-another-tables-constraint",
        (
            "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\n"
            "ALTER TABLE items VALIDATE CONSTRAINT c;",
        ),
        [],
    ),
    # ban-set-not-null
    ("set-not-null", ("ALTER TABLE orders ALTER COLUMN tenant_id SET NOT NULL;",), ["ban-set-not-null@1:1"]),
    ("set-not-null-new-table", ("CREATE TABLE t (c int);\nALTER TABLE t ALTER COLUMN c SET NOT NULL;",), []),
    (
        "set-not-null-the-safe-way",
        (
            "ALTER TABLE orders ADD CONSTRAINT c_nn CHECK (tenant_id IS NOT NULL) NOT VALID;",
            "ALTER TABLE orders VALIDATE CONSTRAINT c_nn;",
            "ALTER TABLE orders ALTER COLUMN tenant_id SET NOT NULL;\nALTER TABLE orders DROP CONSTRAINT c_nn;",
        ),
        [],
    ),
    (
        "set-not-null-with-unnamed-check",
        (
            "ALTER TABLE orders ADD CHECK (tenant_id IS NOT NULL) NOT VALID;",
            "ALTER TABLE orders VALIDATE CONSTRAINT orders_tenant_id_check;\n"
            "ALTER TABLE orders ALTER COLUMN tenant_id SET NOT NULL;",
        ),
        [],
    ),
    (
        "set-not-null-check-never-validated",
        (
            "ALTER TABLE orders ADD CONSTRAINT c_nn CHECK (tenant_id IS NOT NULL) NOT VALID;",
            "ALTER TABLE orders ALTER COLUMN tenant_id SET NOT NULL;",
        ),
        ["ban-set-not-null@2:1"],
    ),
    (
        "set-not-null-check-on-another-column",
        (
            "ALTER TABLE orders ADD CONSTRAINT c_nn CHECK (plan_id IS NOT NULL) NOT VALID;",
            "ALTER TABLE orders VALIDATE CONSTRAINT c_nn;",
            "ALTER TABLE orders ALTER COLUMN tenant_id SET NOT NULL;",
        ),
        ["ban-set-not-null@3:1"],
    ),
    (
        "set-not-null-check-dropped-first",
        (
            "ALTER TABLE orders ADD CONSTRAINT c_nn CHECK (tenant_id IS NOT NULL) NOT VALID;",
            "ALTER TABLE orders VALIDATE CONSTRAINT c_nn;\nALTER TABLE orders DROP CONSTRAINT c_nn;",
            "ALTER TABLE orders ALTER COLUMN tenant_id SET NOT NULL;",
        ),
        ["ban-set-not-null@3:1"],
    ),
    (
        "validate-and-set-not-null-in-one-statement",
        (
            "ALTER TABLE orders ADD CONSTRAINT c_nn CHECK (tenant_id IS NOT NULL) NOT VALID;",
            "ALTER TABLE orders VALIDATE CONSTRAINT c_nn, ALTER COLUMN tenant_id SET NOT NULL;",
        ),
        ["ban-set-not-null@2:1"],
    ),
    # ban-add-unique-constraint
    ("add-primary-key", ("ALTER TABLE orders ADD PRIMARY KEY (id);",), ["ban-add-unique-constraint@1:1"]),
    ("add-unique", ("ALTER TABLE orders\n  ADD CONSTRAINT k UNIQUE (code);",), ["ban-add-unique-constraint@1:2"]),
    ("add-unique-using-index", ("ALTER TABLE orders ADD CONSTRAINT k UNIQUE USING INDEX k;",), []),
    ("add-primary-key-using-index", ("ALTER TABLE orders ADD CONSTRAINT pk PRIMARY KEY USING INDEX pk;",), []),
    ("add-column-unique", ("ALTER TABLE orders ADD COLUMN code text UNIQUE;",), ["ban-add-unique-constraint@1:1"]),
    ("add-unique-new-table", ("CREATE TABLE t (code text);\nALTER TABLE t ADD UNIQUE (code);",), []),
    (
        "exclusion-constraints-are-not-reported",
        ("ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, span WITH &&);",),
        [],
    ),
    # ban-volatile-default
    (
        "volatile-uuid",
        ("ALTER TABLE orders ADD COLUMN u uuid DEFAULT gen_random_uuid();",),
        ["ban-volatile-default@1:1"],
    ),
    (
        "volatile-nested",
        ("ALTER TABLE orders ADD COLUMN s text DEFAULT md5(random()::text);",),
        ["ban-volatile-default@1:1"],
    ),
    (
        "volatile-qualified-nextval",
        ("ALTER TABLE orders\n  ADD COLUMN n bigint DEFAULT pg_catalog.nextval('s');",),
        ["ban-volatile-default@1:2"],
    ),
    ("stable-now", ("ALTER TABLE orders ADD COLUMN at timestamptz NOT NULL DEFAULT now();",), []),
    ("stable-current-timestamp", ("ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT CURRENT_TIMESTAMP;",), []),
    ("constant-default", ("ALTER TABLE orders ADD COLUMN state text NOT NULL DEFAULT 'new';",), []),
    ("set-default-volatile", ("ALTER TABLE orders ALTER COLUMN u SET DEFAULT gen_random_uuid();",), []),
    (
        "volatile-default-new-table",
        ("CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();",),
        [],
    ),
    # ban-stored-generated-column
    (
        "stored-generated",
        ("ALTER TABLE orders ADD COLUMN c bigint GENERATED ALWAYS AS (total * 100) STORED;",),
        ["ban-stored-generated-column@1:1"],
    ),
    (
        "identity-always",
        ("ALTER TABLE orders ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;",),
        ["ban-stored-generated-column@1:1"],
    ),
    ("serial", ("ALTER TABLE orders ADD COLUMN n serial;",), ["ban-stored-generated-column@1:1"]),
    ("smallserial", ("ALTER TABLE orders ADD COLUMN n smallserial;",), ["ban-stored-generated-column@1:1"]),
    (
        "bigserial-primary-key",
        ("ALTER TABLE orders ADD COLUMN id bigserial PRIMARY KEY;",),
        ["ban-add-unique-constraint@1:1", "ban-stored-generated-column@1:1"],
    ),
    ("identity-on-existing-column", ("ALTER TABLE orders ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;",), []),
    (
        "generated-new-table",
        ("CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a) STORED;",),
        [],
    ),
    # ban-column-type-change
    ("int-to-bigint", ("ALTER TABLE orders ALTER COLUMN id TYPE bigint;",), ["ban-column-type-change@1:1"]),
    ("unknown-to-text", ("ALTER TABLE orders ALTER COLUMN note TYPE text;",), []),
    (
        "unknown-to-varchar-n",
        ("ALTER TABLE orders ALTER COLUMN note TYPE varchar(10);",),
        ["ban-column-type-change@1:1"],
    ),
    ("type-change-new-table", ("CREATE TABLE t (id int);\nALTER TABLE t ALTER COLUMN id TYPE bigint;",), []),
    (
        "type-change-line-of-the-type",
        ("ALTER TABLE orders\n  ALTER COLUMN id TYPE bigint,\n  ALTER COLUMN note TYPE text;",),
        ["ban-column-type-change@1:2"],
    ),
    (
        "type-change-tracks-earlier-changes",
        (
            "CREATE TABLE t (v varchar(50));",
            "ALTER TABLE t ALTER COLUMN v TYPE text;",
            "ALTER TABLE t ALTER COLUMN v TYPE varchar;",
            "ALTER TABLE t ALTER COLUMN v TYPE varchar(10);",
        ),
        ["ban-column-type-change@4:1"],
    ),
    (
        "type-change-of-added-column",
        (
            "CREATE TABLE t (id int);",
            "ALTER TABLE t ADD COLUMN v varchar(5);",
            "ALTER TABLE t ALTER COLUMN v TYPE varchar(9);",
        ),
        [],
    ),
    (
        "type-change-after-drop-and-recreate",
        (
            "CREATE TABLE t (v varchar(50));",
            "DROP TABLE t;\nCREATE TABLE t (v text);",
            "ALTER TABLE t ALTER COLUMN v TYPE varchar(60);",
        ),
        ["ban-column-type-change@3:1"],
    ),
    # require-concurrent-reindex
    ("reindex-index", ("REINDEX INDEX orders_idx;",), ["require-concurrent-reindex@1:1"]),
    ("reindex-table", ("REINDEX TABLE orders;",), ["require-concurrent-reindex@1:1"]),
    ("reindex-schema", ("REINDEX SCHEMA public;",), ["require-concurrent-reindex@1:1"]),
    ("reindex-system", ("REINDEX SYSTEM;",), ["require-concurrent-reindex@1:1"]),
    ("reindex-concurrently", ("REINDEX TABLE CONCURRENTLY orders;",), []),
    ("reindex-concurrently-option", ("REINDEX (CONCURRENTLY, VERBOSE) INDEX orders_idx;",), []),
    (
        "reindex-concurrently-false",
        ("REINDEX (CONCURRENTLY false) INDEX orders_idx;",),
        ["require-concurrent-reindex@1:1"],
    ),
    ("reindex-new-table", ("CREATE TABLE t (id int);\nREINDEX TABLE t;",), []),
    (
        "reindex-index-of-earlier-table",
        ("CREATE TABLE t (id int);\nCREATE INDEX t_idx ON t (id);", "REINDEX INDEX t_idx;"),
        ["require-concurrent-reindex@2:1"],
    ),
    # require-concurrent-detach-partition
    ("detach", ("ALTER TABLE events\n  DETACH PARTITION events_2023;",), ["require-concurrent-detach-partition@1:2"]),
    ("detach-concurrently", ("ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;",), []),
    ("detach-finalize", ("ALTER TABLE events DETACH PARTITION events_2023 FINALIZE;",), []),
    ("attach-is-not-detach", ("ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES IN (2024);",), []),
    # ban-vacuum-full
    ("vacuum-full", ("VACUUM FULL orders;",), ["ban-vacuum-full@1:1"]),
    ("vacuum-full-options", ("VACUUM (FULL, ANALYZE) orders, items;",), ["ban-vacuum-full@1:1"]),
    ("vacuum-full-everything", ("VACUUM FULL;",), ["ban-vacuum-full@1:1"]),
    ("vacuum-full-off", ("VACUUM (FULL off) orders;",), []),
    ("vacuum-full-zero", ("VACUUM (FULL 0) orders;",), []),
    ("vacuum-plain", ("VACUUM (ANALYZE) orders;",), []),
    ("analyze", ("ANALYZE orders;",), []),
    ("cluster", ("CLUSTER orders USING orders_pkey;",), ["ban-vacuum-full@1:1"]),
    ("cluster-everything", ("CLUSTER;",), ["ban-vacuum-full@1:1"]),
    ("vacuum-full-new-table", (NO_TX + "CREATE TABLE t (id int);\nVACUUM FULL t;",), []),
    # ban-blocking-refresh-materialized-view
    ("refresh", ("REFRESH MATERIALIZED VIEW usage_daily;",), ["ban-blocking-refresh-materialized-view@1:1"]),
    ("refresh-concurrently", ("REFRESH MATERIALIZED VIEW CONCURRENTLY usage_daily;",), []),
    ("refresh-with-no-data", ("REFRESH MATERIALIZED VIEW usage_daily WITH NO DATA;",), []),
    (
        "refresh-view-created-here",
        ("CREATE MATERIALIZED VIEW m AS SELECT 1 AS id WITH NO DATA;\nREFRESH MATERIALIZED VIEW m;",),
        [],
    ),
    (
        "refresh-view-from-earlier-migration",
        ("CREATE MATERIALIZED VIEW m AS SELECT 1 AS id;", "REFRESH MATERIALIZED VIEW m;"),
        ["ban-blocking-refresh-materialized-view@2:1"],
    ),
    # ban-lock-table
    ("lock-default-mode", ("LOCK TABLE orders;",), ["ban-lock-table@1:1"]),
    ("lock-share", ("LOCK orders IN SHARE MODE;",), ["ban-lock-table@1:1"]),
    (
        "lock-exclusive-two-tables",
        ("LOCK TABLE orders,\n  items IN EXCLUSIVE MODE;",),
        ["ban-lock-table@1:1", "ban-lock-table@1:2"],
    ),
    ("lock-share-update-exclusive", ("LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;",), []),
    ("lock-row-exclusive", ("LOCK TABLE orders IN ROW EXCLUSIVE MODE;",), []),
    ("lock-new-table", ("CREATE TABLE t (id int);\nLOCK TABLE t;",), []),
]


@pytest.mark.parametrize(("scripts", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_locking_rules(tmp_path: Path, scripts: tuple[Script, ...], expected: list[str]) -> None:
    assert lint(tmp_path, scripts) == sorted(expected)


# old type, new type (with optional USING), whether the rule calls it a rewrite
TYPE_CHANGES: list[tuple[str, str, bool]] = [
    ("varchar(10)", "varchar(20)", False),
    ("varchar(10)", "varchar(10)", False),
    ("varchar(10)", "character varying", False),
    ("varchar(10)", "text", False),
    ("text", "varchar", False),
    ("numeric(10,2)", "numeric(12,2)", False),
    ("numeric(10,2)", "numeric", False),
    ("numeric(10)", "decimal(12,0)", False),
    ("varchar(10)", "varchar(20) USING v", False),
    ("varchar(10)", "varchar(20) USING v::varchar(20)", False),
    ("varchar(20)", "varchar(10)", True),
    ("varchar", "varchar(10)", True),
    ("text", "varchar(10)", True),
    ("numeric(10,2)", "numeric(10,3)", True),
    ("numeric(10,2)", "numeric(9,2)", True),
    ("numeric", "numeric(10,2)", True),
    ("integer", "bigint", True),
    ("char(3)", "text", True),
    ("varchar(10)", "varchar(30) USING v::text", True),
    ("varchar(10)", "varchar(30) USING v || ''", True),
    ("varchar(10)[]", "varchar(20)[]", True),
    ("timestamp", "timestamptz", True),
]


def _type_change(old: str, new: str) -> tuple[str, str]:
    return f"CREATE TABLE t (v {old});\nINSERT INTO t VALUES (NULL);", f"ALTER TABLE t ALTER COLUMN v TYPE {new};"


@pytest.mark.parametrize(("old", "new", "rewrite"), TYPE_CHANGES, ids=[f"{o}->{n}" for o, n, _ in TYPE_CHANGES])
def test_column_type_change_knows_which_changes_rewrite(tmp_path: Path, old: str, new: str, rewrite: bool) -> None:
    expected = ["ban-column-type-change@2:1"] if rewrite else []
    assert lint(tmp_path, _type_change(old, new)) == expected


def test_collation_change_is_reported(tmp_path: Path) -> None:
    scripts = ("CREATE TABLE t (v varchar(10));", 'ALTER TABLE t ALTER COLUMN v TYPE text COLLATE "C";')
    assert lint(tmp_path, scripts) == ["ban-column-type-change@2:1"]


@pytest.mark.parametrize(
    ("scripts", "pg_version", "expected"),
    [
        (("REINDEX INDEX orders_idx;",), 11, []),
        (("ALTER TABLE events DETACH PARTITION events_2023;",), 13, []),
        (("ALTER TABLE events DETACH PARTITION events_2023;",), 14, ["require-concurrent-detach-partition@1:1"]),
        (("ALTER TABLE orders ADD COLUMN state text DEFAULT 'new';",), 10, ["ban-volatile-default@1:1"]),
        (("ALTER TABLE orders ADD COLUMN state text DEFAULT NULL;",), 10, []),
        (("ALTER TABLE orders ALTER COLUMN c SET NOT NULL;",), 11, ["ban-set-not-null@1:1"]),
    ],
)
def test_version_dependent_findings(
    tmp_path: Path, scripts: tuple[str, ...], pg_version: int, expected: list[str]
) -> None:
    assert lint(tmp_path, scripts, pg_version=pg_version) == expected


def test_messages_name_the_objects_and_hints_say_what_to_write(tmp_path: Path) -> None:
    (tmp_path / "0001_step.up.sql").write_text(
        "ALTER TABLE orders ADD CONSTRAINT orders_total CHECK (total >= 0);\n"
        "ALTER TABLE orders ALTER COLUMN tenant_id SET NOT NULL;\n"
        "DROP INDEX orders_idx;\n",
        encoding="utf-8",
    )
    findings = lint_migration_sets([load_migrations(tmp_path)], rules=LOCKING).findings
    by_rule = {str(f.rule): f for f in findings}
    assert "orders_total" in by_rule["require-not-valid-constraint"].message
    assert "NOT VALID" in (by_rule["require-not-valid-constraint"].hint or "")
    assert "orders.tenant_id" in by_rule["ban-set-not-null"].message
    assert "CONCURRENTLY" in (by_rule["require-concurrent-index-deletion"].hint or "")


def test_every_locking_rule_is_a_locking_warning() -> None:
    assert len(IDS) == 12
    for rule in LOCKING:
        assert rule.family is Family.LOCKING and rule.severity is Severity.WARNING, rule.id


# The claims behind the rules, checked on a real server: a statement rewrites the table iff its file node changes.


def _filenode(session: Session) -> object:
    return session.fetch_value("SELECT pg_relation_filenode('t')")


@pytest.mark.parametrize(("old", "new", "rewrite"), TYPE_CHANGES, ids=[f"{o}->{n}" for o, n, _ in TYPE_CHANGES])
def test_type_change_rewrites_exactly_when_reported(session: Session, old: str, new: str, rewrite: bool) -> None:
    create, alter = _type_change(old, new)
    session.execute("SET TimeZone = 'Europe/Berlin'")  # under UTC, PostgreSQL 12+ keeps timestamp -> timestamptz
    session.run_script(create)
    before = _filenode(session)
    session.execute(alter)
    assert (_filenode(session) != before) is rewrite


ADDED_COLUMNS: list[tuple[str, bool]] = [
    ("c uuid DEFAULT gen_random_uuid()", True),
    ("c timestamptz DEFAULT clock_timestamp()", True),
    ("c double precision DEFAULT random()", True),
    ("c bigint GENERATED ALWAYS AS (id * 2) STORED", True),
    ("c int GENERATED BY DEFAULT AS IDENTITY", True),
    ("c bigserial", True),
    ("c timestamptz NOT NULL DEFAULT now()", False),
    ("c text NOT NULL DEFAULT 'x'", False),
    ("c bigint", False),
]


@pytest.mark.parametrize(("column", "rewrite"), ADDED_COLUMNS, ids=[c for c, _ in ADDED_COLUMNS])
def test_add_column_rewrites_exactly_when_reported(
    session: Session, tmp_path: Path, column: str, rewrite: bool
) -> None:
    reported = lint(tmp_path, ("SELECT 1;", f"ALTER TABLE t ADD COLUMN {column};"))
    assert bool(reported) is rewrite
    session.run_script("CREATE TABLE t (id int);\nINSERT INTO t VALUES (1), (2);")
    before = _filenode(session)
    session.execute(f"ALTER TABLE t ADD COLUMN {column}")
    assert (_filenode(session) != before) is rewrite


LOCK_SETUP = """
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE t (id int, p int, v varchar(5));
CREATE INDEX t_idx ON t (id);
ALTER TABLE t ADD CONSTRAINT v CHECK (id > 0) NOT VALID;
CREATE TABLE parent (id int) PARTITION BY LIST (id);
CREATE TABLE part PARTITION OF parent FOR VALUES IN (1);
CREATE MATERIALIZED VIEW m AS SELECT 1 AS id;
"""
AEL, SRE, SUE, SHARE = "AccessExclusiveLock", "ShareRowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock"
LOCKS: list[tuple[str, dict[str, str]]] = [
    ("DROP INDEX t_idx", {"t": AEL}),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (id > 0) NOT VALID", {"t": AEL}),
    ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (p) REFERENCES p NOT VALID", {"t": SRE, "p": SRE}),
    ("ALTER TABLE t VALIDATE CONSTRAINT v", {"t": SUE}),
    ("ALTER TABLE t ALTER COLUMN id SET NOT NULL", {"t": AEL}),
    ("ALTER TABLE t ADD UNIQUE (id)", {"t": AEL}),
    ("ALTER TABLE t ALTER COLUMN v TYPE text", {"t": AEL}),
    ("REINDEX INDEX t_idx", {"t": SHARE, "t_idx": AEL}),
    ("ALTER TABLE parent DETACH PARTITION part", {"parent": AEL, "part": AEL}),
    ("REFRESH MATERIALIZED VIEW m", {"m": AEL}),
    ("LOCK TABLE t", {"t": AEL}),
]


@pytest.mark.parametrize(("statement", "expected"), LOCKS, ids=[statement for statement, _ in LOCKS])
def test_lock_modes_the_rules_describe(session: Session, statement: str, expected: dict[str, str]) -> None:
    session.run_script(LOCK_SETUP)
    session.execute("BEGIN")
    session.execute(statement)
    held = session.fetch_all(
        "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = pg_backend_pid() AND l.granted"
    )
    session.execute("ROLLBACK")
    for relation, mode in expected.items():
        assert (relation, mode) in held, f"{statement}: {relation} {mode} not in {held}"
