"""The data set, the migration (as a tenantdb file and as plain SQL for psql), and the end-state checks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
from common import pg

TENANTS = 10_000
MIGRATION_FILE = "0001_vps_cost_tracking.sql"
UP = (
    "ALTER TABLE vps_instances ADD COLUMN approximate_cost numeric(8,2) NOT NULL DEFAULT 0;",
    "ALTER TABLE vps_instances ADD CONSTRAINT vps_cost_nonnegative CHECK (approximate_cost >= 0);",
    "CREATE INDEX vps_instances_tenant_idx ON vps_instances (tenant_id);",
    "ALTER TABLE vps_instances ADD CONSTRAINT vps_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id);",
)
"""The migration, byte-identical for both tools."""
DOWN = (
    "ALTER TABLE vps_instances DROP CONSTRAINT vps_tenant_fk;",
    "DROP INDEX vps_instances_tenant_idx;",
    "ALTER TABLE vps_instances DROP CONSTRAINT vps_cost_nonnegative;",
    "ALTER TABLE vps_instances DROP COLUMN approximate_cost;",
)

# Tenant n has the id md5('tenant' || n)::uuid; load.py computes the same ids, so every row it inserts
# references an existing tenant and the foreign key validates.
_SETUP = (
    "CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL)",
    f"INSERT INTO tenants (id, name) SELECT md5('tenant' || n)::uuid, 'tenant ' || n"
    f" FROM generate_series(1, {TENANTS}) AS n",
    "CREATE TABLE vps_instances (id bigint NOT NULL, tenant_id uuid NOT NULL, status text, region text,"
    " created_at timestamptz DEFAULT now()) WITH (autovacuum_enabled = false)",
)
_FILL = (
    "INSERT INTO vps_instances (id, tenant_id, status, region, created_at)"
    f" SELECT i, md5('tenant' || (1 + i %% {TENANTS}))::uuid,"
    " (ARRAY['running', 'stopped', 'provisioning'])[1 + i %% 3],"
    " (ARRAY['eu-west', 'eu-central', 'us-east', 'ap-south'])[1 + i %% 4],"
    " timestamptz '2024-01-01' + make_interval(secs => i)"
    " FROM generate_series(1, %(rows)s) AS i"
)
_FINISH = (
    "ALTER TABLE vps_instances ADD PRIMARY KEY (id)",  # built once after the fill: faster than row by row
    "VACUUM (ANALYZE) vps_instances",
    "VACUUM (ANALYZE) tenants",
    "ALTER TABLE vps_instances RESET (autovacuum_enabled)",
)


def build_template(target: pg.Server, name: str, rows: int) -> dict[str, float]:
    """Create database ``name`` holding the data set; return the seconds each phase took."""
    pg.create_database(target, name)
    timings: dict[str, float] = {}
    with target.connect(name) as connection:
        clock = time.monotonic()
        for statement in _SETUP:
            connection.execute(statement)
        connection.execute(_FILL, {"rows": rows})
        timings["insert_s"] = time.monotonic() - clock
        clock = time.monotonic()
        connection.execute(_FINISH[0])
        timings["primary_key_s"] = time.monotonic() - clock
        clock = time.monotonic()
        for statement in _FINISH[1:]:
            connection.execute(statement)
        timings["vacuum_analyze_s"] = time.monotonic() - clock
        size = connection.execute("SELECT pg_total_relation_size('vps_instances')").fetchone()
    timings["table_mib"] = round(int(size[0] if size else 0) / 2**20, 1)
    return {key: round(value, 2) for key, value in timings.items()}


def write_migrations(directory: Path) -> tuple[Path, Path]:
    """The tenantdb migrations directory (one native file) and the plain SQL file for psql."""
    native = directory / "tenantdb" / "migrations"
    native.mkdir(parents=True)
    body = "\n".join(["-- migrate:up", *UP, "-- migrate:down", *DOWN]) + "\n"
    (native / MIGRATION_FILE).write_text(body)
    plain = directory / "psql" / "migration.sql"
    plain.parent.mkdir(parents=True)
    plain.write_text("\n".join(UP) + "\n")
    return native, plain


_END_STATE = """
SELECT
    (SELECT format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
            || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
       FROM pg_attribute AS a LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = 'vps_instances'::regclass AND a.attname = 'approximate_cost' AND NOT a.attisdropped),
    (SELECT json_object_agg(conname, json_build_object('definition', pg_get_constraintdef(oid),
                                                       'validated', convalidated) ORDER BY conname)
       FROM pg_constraint WHERE conrelid = 'vps_instances'::regclass AND contype IN ('c', 'f')),
    (SELECT json_object_agg(c.relname, json_build_object('definition', pg_get_indexdef(i.indexrelid),
                                                         'valid', i.indisvalid AND i.indisready) ORDER BY c.relname)
       FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'vps_instances'::regclass)
"""
EXPECTED_CONSTRAINTS = ("vps_cost_nonnegative", "vps_tenant_fk")
EXPECTED_INDEXES = ("vps_instances_pkey", "vps_instances_tenant_idx")


def end_state(target: pg.Server, database: str) -> dict[str, Any]:
    """The column, constraints and indexes of ``vps_instances``, and whether they are what the migration wants."""
    with target.connect(database) as connection:
        row = connection.execute(_END_STATE).fetchone()
    column, constraints, indexes = row if row else (None, None, None)
    constraints, indexes = constraints or {}, indexes or {}
    problems = []
    if column != "numeric(8,2) NOT NULL DEFAULT 0":
        problems.append(f"approximate_cost is {column!r}")
    problems += [f"constraint {name} missing or NOT VALID" for name in EXPECTED_CONSTRAINTS
                 if not constraints.get(name, {}).get("validated")]  # fmt: skip
    problems += [f"index {name}: {'INVALID' if spec['valid'] is False else 'unexpected'}"
                 for name, spec in indexes.items() if name not in EXPECTED_INDEXES or not spec["valid"]]  # fmt: skip
    problems += [f"index {name} missing" for name in EXPECTED_INDEXES if name not in indexes]
    return {"column": column, "constraints": constraints, "indexes": indexes, "problems": problems}


_EVENTS = """
SELECT kind, message, statement, sqlstate, extract(epoch FROM at)::float8
  FROM tenantdb.events WHERE kind NOT IN ('apply', 'rollback') ORDER BY id
"""


def tenantdb_events(target: pg.Server, database: str) -> list[dict[str, Any]]:
    """What tenantdb recorded besides the apply itself: rewrites, lock retries, repairs, failures."""
    try:
        with target.connect(database) as connection:
            rows = connection.execute(_EVENTS).fetchall()
    except psycopg.errors.UndefinedTable:
        return []
    keys = ("kind", "message", "statement", "sqlstate", "at")
    return [dict(zip(keys, row, strict=True)) for row in rows]
