"""Generate a deterministic chain of realistic PostgreSQL migration files for a multi-tenant SaaS schema.

Each file holds 5 to 39 statements around one theme, the way a team's migrations look after a few years:

* ``feature``: new tables (``bigint`` identity or ``uuid`` keys, ``tenant_id``, foreign keys to earlier
  tables, some partitioned by month) with their indexes, row-level security, policies, grants, comments
  and ``updated_at`` triggers;
* ``indexes``: ``CREATE [UNIQUE] INDEX CONCURRENTLY`` (partial, expression and GIN indexes),
  ``DROP INDEX CONCURRENTLY``, ``REINDEX ... CONCURRENTLY``;
* ``evolve``: ``ALTER TABLE`` ``ADD COLUMN`` (constant and volatile defaults), ``ADD CONSTRAINT`` (checks,
  foreign keys and unique keys, with and without ``NOT VALID`` + ``VALIDATE``), ``SET NOT NULL`` (directly or
  through a validated check), column ``TYPE`` changes, defaults, renames, dropped columns and tables,
  monthly partitions attached and detached;
* ``reporting``: views with joins, aggregates, ``FILTER``, CTEs and window functions, materialized views
  with a unique index and ``REFRESH ... CONCURRENTLY``;
* ``functions``: PL/pgSQL and SQL functions with dollar-quoted bodies (``$$``, ``$fn$``), ``SECURITY
  DEFINER`` with a pinned ``search_path``, audit triggers, ``DO`` blocks;
* ``data``: backfills, batched ``DO`` loops, ``INSERT ... SELECT``, ``INSERT ... ON CONFLICT``,
  ``UPDATE ... FROM``, ``DELETE``, ``ANALYZE``;
* ``security``: ``ENABLE``/``FORCE ROW LEVEL SECURITY``, policies replaced and altered, ``GRANT``,
  ``REVOKE``, ``ALTER DEFAULT PRIVILEGES``;
* ``types``: enums, ``ALTER TYPE ... ADD VALUE``, domains, and columns using them.

The generator tracks the schema it builds, so every statement refers to tables, columns, indexes,
constraints, policies and functions that exist at that point: applied in order by ``psql`` to an empty
PostgreSQL 16+ server, the files run without error (``run.py --validate`` checks exactly that). The same
``(count, seed)`` always gives byte-identical files.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

MAX_IDENTIFIER = 63
MIN_STATEMENTS = 5
MAX_TARGET = 33
"""A file grows while it has fewer statements than its target; a unit adds at most 6, BEGIN/COMMIT 2 more."""
MAX_UNIT = 6
PICK_TRIES = 40
"""Random tables a unit looks at for a column it can act on before giving up."""
ROLES = ("app_user", "app_readonly", "app_admin", "reporting")
START_YEAR = 2021

NOUNS = (
    "accounts", "projects", "invoices", "invoice_lines", "subscriptions", "plans", "payments", "events",
    "api_keys", "webhooks", "webhook_deliveries", "tickets", "comments", "attachments", "feature_flags",
    "usage_records", "teams", "memberships", "workspaces", "documents", "tags", "notifications",
    "integrations", "credits", "refunds", "coupons", "sessions", "exports", "reports", "contacts",
    "companies", "deals", "pipelines", "tasks", "orders", "order_items", "products", "prices",
    "shipments", "warehouses", "inventory_moves", "audit_trails", "forms", "form_responses",
)  # fmt: skip

PARTITIONED_NOUNS = ("page_views", "metric_samples", "activity", "delivery_logs", "clicks")


@dataclass(frozen=True, slots=True)
class ColumnKind:
    """A kind of column: its SQL type, how it is declared, a value of it, and what it may become."""

    sql: str
    not_null: bool = False
    default: str | None = None
    value: str = "NULL"  # a constant of the type, for backfills
    numeric: bool = False
    widen: str | None = None  # a wider type ``ALTER COLUMN ... TYPE`` may change it to
    using: str | None = None  # ``USING`` expression for that change ({col} is the column)
    text_like: bool = False
    timestamp: bool = False


KINDS: dict[str, ColumnKind] = {
    "name": ColumnKind("text", True, "''", "'unnamed'", text_like=True),
    "title": ColumnKind("varchar(200)", True, "''", "'untitled'", widen="text", text_like=True),
    "email": ColumnKind("text", value="'unknown@example.com'", text_like=True),
    "status": ColumnKind("text", True, "'active'", "'active'", text_like=True),
    "external_id": ColumnKind("varchar(64)", value="'legacy'", widen="varchar(128)", text_like=True),
    "description": ColumnKind("varchar(255)", value="''", widen="text", text_like=True),
    "currency": ColumnKind("char(3)", True, "'USD'", "'USD'", widen="text", text_like=True),
    "country_code": ColumnKind("char(2)", value="'US'", widen="varchar(3)", text_like=True),
    "amount_cents": ColumnKind("bigint", True, "0", "0", numeric=True),
    "quantity": ColumnKind("integer", True, "1", "1", numeric=True, widen="bigint"),
    "counter": ColumnKind("integer", True, "0", "0", numeric=True, widen="bigint"),
    "priority": ColumnKind("smallint", True, "0", "0", numeric=True, widen="integer"),
    "unit_price": ColumnKind("numeric(10, 2)", True, "0", "0", numeric=True, widen="numeric(14, 2)"),
    "score": ColumnKind("real", value="0", numeric=True, widen="double precision"),
    "is_archived": ColumnKind("boolean", True, "false", "false"),
    "is_enabled": ColumnKind("boolean", True, "true", "true"),
    "metadata": ColumnKind("jsonb", True, "'{}'::jsonb", "'{}'::jsonb"),
    "settings": ColumnKind("jsonb", value="'{}'::jsonb"),
    "tags": ColumnKind("text[]", True, "'{}'", "'{}'"),
    "processed_at": ColumnKind("timestamptz", value="now()", timestamp=True),
    "legacy_synced_at": ColumnKind(
        "timestamp", value="localtimestamp", widen="timestamptz", using="{col} AT TIME ZONE 'UTC'"
    ),
    "due_on": ColumnKind("date", value="current_date"),
    "ip_address": ColumnKind("inet", value="'0.0.0.0'::inet"),
    "phone": ColumnKind("varchar(32)", value="''", widen="varchar(64)", text_like=True),
    "legacy_code": ColumnKind("integer", value="0", numeric=True, widen="text", using="{col}::text"),
}

DOMAINS = {
    "email_address": ("text", r"VALUE ~* '^[^@\s]+@[^@\s]+$'"),
    "positive_cents": ("bigint", "VALUE >= 0"),
    "country_iso": ("char(2)", "VALUE ~ '^[A-Z]{2}$'"),
}

VOLATILE_DEFAULTS = {"uuid": "gen_random_uuid()", "timestamptz": "clock_timestamp()"}


@dataclass(slots=True)
class Column:
    """A column as it is now."""

    name: str
    sql: str
    kind: str | None  # key of ``KINDS``; None for keys, foreign keys and bookkeeping columns
    not_null: bool = False

    @property
    def info(self) -> ColumnKind | None:
        """The column's kind, while its type is still the kind's."""
        kind = KINDS.get(self.kind or "")
        return kind if kind is not None and kind.sql == self.sql else None


@dataclass(slots=True)
class Table:
    """Generator state for one table."""

    name: str
    key: str  # "bigint" or "uuid"
    columns: dict[str, Column] = field(default_factory=dict)
    foreign_keys: dict[str, str] = field(default_factory=dict)  # column -> parent table
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> columns
    constraints: set[str] = field(default_factory=set)
    checked: set[str] = field(default_factory=set)  # columns with a check constraint
    unique: set[tuple[str, ...]] = field(default_factory=set)
    policies: set[str] = field(default_factory=set)
    rls: bool = False
    forced: bool = False
    audited: bool = False
    partitioned: bool = False
    partitions: list[str] = field(default_factory=list)
    next_month: int = 0  # months since START_YEAR-01 of the next partition to create
    tenant_scoped: bool = True

    def plain_columns(self) -> list[Column]:
        """Columns a migration may change: not keys, foreign keys or bookkeeping."""
        return [column for column in self.columns.values() if column.kind is not None]


@dataclass(frozen=True, slots=True)
class MigrationFile:
    """One generated migration: number, name, theme and statements (each ending with ``;``)."""

    number: int
    name: str
    theme: str
    statements: tuple[str, ...]
    comments: tuple[tuple[int, str], ...] = ()  # (statement index, comment line) shown before it

    @property
    def stem(self) -> str:
        """File name without ``.sql``, e.g. ``0042_evolve_invoices``."""
        return f"{self.number:04d}_{self.name}"

    def plain(self) -> str:
        """The file as plain SQL, as squawk and psql read it."""
        notes: dict[int, list[str]] = {}
        for index, text in self.comments:
            notes.setdefault(index, []).append(f"-- {text}")
        parts = [f"-- {self.stem}: {self.theme} migration (generated)"]
        for index, statement in enumerate(self.statements):
            parts.append("\n".join([*notes.get(index, []), statement]))
        return "\n\n".join(parts) + "\n"

    def native(self) -> str:
        """The same file in tenantdb's native layout (an ``up`` section only, so both tools lint the same SQL)."""
        return "-- migrate:up\n" + self.plain()


@dataclass(frozen=True, slots=True)
class MigrationSet:
    """The generated files."""

    files: tuple[MigrationFile, ...]
    seed: int

    @property
    def statements(self) -> int:
        """Statements over all files."""
        return sum(len(migration.statements) for migration in self.files)

    def themes(self) -> dict[str, int]:
        """Files per theme."""
        counts: dict[str, int] = {}
        for migration in self.files:
            counts[migration.theme] = counts.get(migration.theme, 0) + 1
        return dict(sorted(counts.items()))


def _singular(noun: str) -> str:
    return noun.removesuffix("s")


class _Builder:
    """The statements of the file being written."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.comments: list[tuple[int, str]] = []

    def add(self, *statements: str, comment: str | None = None) -> None:
        if comment:
            self.comments.append((len(self.statements), comment))
        self.statements.extend(statement if statement.endswith(";") else statement + ";" for statement in statements)

    def __len__(self) -> int:
        return len(self.statements)


Unit = Callable[[_Builder], bool]
"""Adds up to ``MAX_UNIT`` statements to the file; False if it found nothing to act on."""


class SaaSSchema:
    """Produce migration files one after the other, tracking the schema they build."""

    THEMES = ("feature", "indexes", "evolve", "reporting", "functions", "data", "security", "types")
    WEIGHTS = (18, 10, 24, 11, 10, 14, 9, 4)
    TARGET_CAP: ClassVar[dict[str, int]] = {"feature": 24, "indexes": 12, "types": 10, "security": 24}

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._tables: dict[str, Table] = {}
        self._names: set[str] = set()
        self._noun_uses: dict[str, int] = {}
        self._views: dict[str, set[tuple[str, str]]] = {}  # view -> (table, column) it reads
        self._pins: set[tuple[str, str]] | None = None  # union of the above, while valid
        self._matviews: dict[str, str] = {}  # matview -> the column of its unique index
        self._functions: dict[str, str] = {}  # name -> argument types, for GRANT EXECUTE
        self._enums: dict[str, list[str]] = {}
        self._catalog_keys = 0
        self._counter = 0

    # -- the chain ---------------------------------------------------------------------------------

    def generate(self, count: int) -> tuple[MigrationFile, ...]:
        """The first ``count`` files, starting with the bootstrap."""
        files = [self._bootstrap()]
        for number in range(2, count + 1):
            files.append(self._next(number))
        return tuple(files[:count])

    def _next(self, number: int) -> MigrationFile:
        theme = self._random.choices(self.THEMES, weights=self.WEIGHTS)[0]
        units: dict[str, list[tuple[Unit, int]]] = {
            "feature": [
                (self._feature_table, 6), (self._partitioned_table, 1), (self._index_unit, 4), (self._add_columns, 3),
                (self._sql_function, 2), (self._grants, 2), (self._enable_rls, 2),
            ],
            "indexes": [(self._concurrent_index, 8), (self._drop_index_concurrently, 2), (self._reindex, 1)],
            "evolve": [
                (self._add_columns, 6), (self._set_not_null, 3), (self._add_check, 3), (self._add_foreign_key, 2),
                (self._add_unique, 1), (self._change_type, 3), (self._change_default, 2), (self._rename_column, 1),
                (self._drop_column, 1), (self._index_unit, 2), (self._next_partition, 1), (self._detach_partition, 1),
                (self._drop_table, 1), (self._comment_column, 1),
            ],
            "reporting": [(self._view, 5), (self._cte_view, 3), (self._replace_view, 2), (self._matview, 2)],
            "functions": [
                (self._plpgsql_function, 4), (self._sql_function, 3), (self._audit_trigger, 2), (self._do_block, 1),
                (self._definer_function, 2),
            ],
            "data": [
                (self._backfill, 4), (self._batched_backfill, 2), (self._catalog_upsert, 2), (self._copy_to_audit, 2),
                (self._update_from, 2), (self._purge, 1), (self._analyze, 1),
            ],
            "security": [
                (self._enable_rls, 4), (self._replace_policy, 2), (self._grants, 4), (self._default_privileges, 1),
            ],
            "types": [(self._enum_type, 3), (self._enum_value, 2), (self._domain, 1), (self._enum_column, 3)],
        }  # fmt: skip
        choices = [unit for unit, _ in units[theme]]
        weights = [weight for _, weight in units[theme]]
        target = min(self.TARGET_CAP.get(theme, MAX_TARGET), MIN_STATEMENTS + int(self._random.expovariate(1 / 9)))
        target = max(MIN_STATEMENTS, min(MAX_TARGET, target))
        out = _Builder()
        if theme in ("evolve", "data") and self._random.random() < 0.5:
            out.add("SET lock_timeout = '5s'", "SET statement_timeout = '15min'", comment="fail fast on busy tables")
        touched: list[str] = []
        attempts = 0
        while len(out) < target:
            unit = self._random.choices(choices, weights=weights)[0]
            before = len(out)
            if not unit(out):
                attempts += 1
                if attempts > 50:  # nothing to act on for this theme yet: fall back to a new table
                    self._feature_table(out)
                continue
            if len(out) - before > MAX_UNIT:
                raise AssertionError(f"{unit.__name__} added more than {MAX_UNIT} statements")
            touched.append(unit.__name__.lstrip("_"))
        wrap = theme in ("evolve", "data", "reporting") and self._random.random() < 0.12
        if wrap and not any("CONCURRENTLY" in statement for statement in out.statements):
            out.statements.insert(0, "BEGIN;")
            out.comments = [(index + 1, text) for index, text in out.comments]
            out.statements.append("COMMIT;")
        name = f"{theme}_{touched[0] if touched else 'misc'}"[:60]
        return MigrationFile(number, name, theme, tuple(out.statements), tuple(out.comments))

    # -- helpers -------------------------------------------------------------------------------------

    def _unique_name(self, base: str) -> str:
        base = base[: MAX_IDENTIFIER - 6]
        name = base
        while name in self._names:
            self._counter += 1
            name = f"{base}_{self._counter}"
        self._names.add(name)
        return name

    def _pick(self, predicate: Callable[[Table], bool] = lambda table: True) -> Table | None:
        candidates = [table for table in self._tables.values() if predicate(table)]
        return self._random.choice(candidates) if candidates else None

    def _pick_column(
        self, table_ok: Callable[[Table], bool], column_ok: Callable[[Table, Column], bool], *, changeable: bool = False
    ) -> tuple[Table, Column] | None:
        """A random (table, column) that satisfies both predicates, looking at up to ``PICK_TRIES`` random tables."""
        tables = list(self._tables.values())
        for _ in range(PICK_TRIES):
            table = self._random.choice(tables)
            if not table_ok(table):
                continue
            pool = self._changeable(table) if changeable else table.plain_columns()
            columns = [column for column in pool if column_ok(table, column)]
            if columns:
                return table, self._random.choice(columns)
        return None

    def _pinned(self) -> set[tuple[str, str]]:
        if self._pins is None:
            self._pins = set().union(*self._views.values()) if self._views else set()
        return self._pins

    def _set_view(self, view: str, pins: set[tuple[str, str]]) -> None:
        self._views[view] = pins
        self._pins = None

    def _changeable(self, table: Table) -> list[Column]:
        pinned = self._pinned()
        return [column for column in table.plain_columns() if (table.name, column.name) not in pinned]

    def _tenant_predicate(self, alias: str = "") -> str:
        prefix = f"{alias}." if alias else ""
        return f"{prefix}tenant_id = current_tenant_id()"

    def _column_sql(self, column: Column, kind: ColumnKind) -> str:
        parts = [column.name, kind.sql]
        if kind.not_null:
            parts.append("NOT NULL")
        if kind.default is not None:
            parts.append(f"DEFAULT {kind.default}")
        return " ".join(parts)

    def _new_column(self, table: Table, kind_name: str) -> Column:
        name = self._unique_column(table, kind_name)
        kind = KINDS[kind_name]
        column = Column(name, kind.sql, kind_name, kind.not_null)
        table.columns[name] = column
        return column

    # -- bootstrap -----------------------------------------------------------------------------------

    def _bootstrap(self) -> MigrationFile:
        out = _Builder()
        out.add(*(f"CREATE ROLE {role} NOLOGIN" for role in ROLES), comment="application roles (NOLOGIN groups)")
        out.add("CREATE SCHEMA IF NOT EXISTS analytics", "GRANT USAGE ON SCHEMA analytics TO reporting, app_readonly")
        out.add(
            "CREATE FUNCTION current_tenant_id() RETURNS bigint\n"
            "LANGUAGE sql STABLE PARALLEL SAFE\n"
            "AS $$\n    SELECT nullif(current_setting('app.tenant_id', true), '')::bigint\n$$",
            "CREATE FUNCTION set_updated_at() RETURNS trigger\n"
            "LANGUAGE plpgsql\n"
            "AS $$\nBEGIN\n    NEW.updated_at := now();\n    RETURN NEW;\nEND;\n$$",
            comment="helpers every tenant table uses",
        )
        out.add(
            "CREATE TABLE tenants (\n"
            "    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
            "    slug text NOT NULL UNIQUE,\n"
            "    name text NOT NULL DEFAULT '',\n"
            "    plan text NOT NULL DEFAULT 'free',\n"
            "    created_at timestamptz NOT NULL DEFAULT now(),\n"
            "    updated_at timestamptz NOT NULL DEFAULT now()\n"
            ")",
            "CREATE TABLE audit_events (\n"
            "    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
            "    tenant_id bigint NOT NULL REFERENCES tenants (id),\n"
            "    table_name text NOT NULL,\n"
            "    op text NOT NULL,\n"
            "    row_data jsonb,\n"
            "    created_at timestamptz NOT NULL DEFAULT now()\n"
            ")",
            "CREATE INDEX audit_events_tenant_created_idx ON audit_events (tenant_id, created_at)",
            "CREATE TABLE feature_catalog (\n"
            "    key text PRIMARY KEY,\n"
            "    description text NOT NULL,\n"
            "    enabled_by_default boolean NOT NULL DEFAULT false\n"
            ")",
            "GRANT SELECT ON feature_catalog TO app_user, app_readonly",
            "GRANT SELECT ON tenants TO app_user, app_readonly",
        )
        tenants = Table("tenants", "bigint", tenant_scoped=False)
        for name, sql in (("id", "bigint"), ("slug", "text"), ("created_at", "timestamptz")):
            tenants.columns[name] = Column(name, sql, None, True)
        tenants.columns["name"] = Column("name", "text", "name", True)
        self._tables["tenants"] = tenants
        self._names.update(
            {"tenants", "tenants_pkey", "tenants_slug_key", "audit_events", "audit_events_pkey", "feature_catalog"}
        )
        self._names.update({"audit_events_tenant_created_idx", "feature_catalog_pkey"})
        self._functions |= {"current_tenant_id": "", "set_updated_at": ""}
        self._feature_table(out, noun="users")
        return MigrationFile(1, "bootstrap", "feature", tuple(out.statements), tuple(out.comments))

    # -- feature -------------------------------------------------------------------------------------

    def _table_name(self, nouns: tuple[str, ...]) -> str:
        noun = self._random.choice(nouns)
        uses = self._noun_uses.get(noun, 0) + 1
        self._noun_uses[noun] = uses
        return self._unique_name(noun if uses == 1 else f"{noun}_v{uses}")

    def _feature_table(self, out: _Builder, noun: str | None = None) -> bool:
        name = self._unique_name(noun) if noun else self._table_name(NOUNS)
        table = Table(name, self._random.choice(("bigint", "bigint", "uuid")))
        key = (
            "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
            if table.key == "bigint"
            else "id uuid PRIMARY KEY DEFAULT gen_random_uuid()"
        )
        lines = [key, "tenant_id bigint NOT NULL REFERENCES tenants (id)"]
        table.columns["id"] = Column("id", table.key, None, True)
        table.columns["tenant_id"] = Column("tenant_id", "bigint", None, True)
        parents = [t for t in self._tables.values() if t.tenant_scoped and not t.partitioned]
        for parent in self._random.sample(parents, k=min(len(parents), self._random.choice((0, 1, 1, 2)))):
            fk = f"{_singular(parent.name)}_id"[:MAX_IDENTIFIER]
            if fk in table.columns:
                continue
            action = self._random.choice(("ON DELETE CASCADE", "ON DELETE SET NULL", "ON DELETE RESTRICT", ""))
            lines.append(f"{fk} {parent.key} REFERENCES {parent.name} (id) {action}".rstrip())
            table.columns[fk] = Column(fk, parent.key, None)
            table.foreign_keys[fk] = parent.name
        for kind_name in self._random.sample(sorted(KINDS), k=self._random.randint(2, 7)):
            column = self._new_column(table, kind_name)
            lines.append(self._column_sql(column, KINDS[kind_name]))
        lines += ["created_at timestamptz NOT NULL DEFAULT now()", "updated_at timestamptz NOT NULL DEFAULT now()"]
        table.columns["created_at"] = Column("created_at", "timestamptz", None, True)
        table.columns["updated_at"] = Column("updated_at", "timestamptz", None, True)
        self._names.add(f"{name}_pkey")
        self._tables[name] = table
        body = ",\n    ".join(lines)
        out.add(f"CREATE TABLE {name} (\n    {body}\n)", comment=f"{name}: one row per tenant-owned {name}")
        index = self._unique_name(f"{name}_tenant_id_idx")
        table.indexes[index] = ("tenant_id",)
        out.add(f"CREATE INDEX {index} ON {name} (tenant_id, created_at DESC)")
        extras = [self._rls_statements, self._grant_statements, self._trigger_statements, self._comment_statement]
        room = MAX_UNIT - 2
        for extra in self._random.sample(extras, k=self._random.randint(1, len(extras))):
            statements = extra(table, room)
            out.add(*statements)
            room -= len(statements)
        return True

    def _rls_statements(self, table: Table, room: int) -> list[str]:
        if room < 2 or table.rls:
            return []
        table.rls = True
        statements = [f"ALTER TABLE {table.name} ENABLE ROW LEVEL SECURITY"]
        if room >= 3 and self._random.random() < 0.7:
            table.forced = True
            statements.append(f"ALTER TABLE {table.name} FORCE ROW LEVEL SECURITY")
        statements.append(self._policy(table, "tenant_isolation"))
        return statements

    def _policy(self, table: Table, base: str) -> str:
        name = base if base not in table.policies else f"{base}_{len(table.policies)}"
        table.policies.add(name)
        predicate = self._tenant_predicate()
        style = self._random.randrange(3)
        if style == 0:
            return f"CREATE POLICY {name} ON {table.name}\n    USING ({predicate})\n    WITH CHECK ({predicate})"
        if style == 1:
            return f"CREATE POLICY {name} ON {table.name} FOR ALL TO app_user\n    USING ({predicate})"
        return (
            f"CREATE POLICY {name} ON {table.name} FOR SELECT TO app_readonly, reporting\n"
            f"    USING ({predicate} OR current_setting('app.bypass_tenant', true) = 'on')"
        )

    def _grant_statements(self, table: Table, room: int) -> list[str]:
        options = [
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table.name} TO app_user",
            f"GRANT SELECT ON {table.name} TO app_readonly, reporting",
            f"GRANT ALL ON {table.name} TO app_admin",
        ]
        return options[: min(room, self._random.randint(1, 3))]

    def _trigger_statements(self, table: Table, room: int) -> list[str]:
        if room < 1:
            return []
        trigger = self._unique_name(f"{table.name}_set_updated_at")
        return [
            f"CREATE TRIGGER {trigger}\n    BEFORE UPDATE ON {table.name}\n"
            "    FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        ]

    def _comment_statement(self, table: Table, room: int) -> list[str]:
        if room < 1:
            return []
        text = f"Tenant-owned {table.name.replace('_', ' ')}; rows are isolated by the tenant_isolation policy."
        return [f"COMMENT ON TABLE {table.name} IS '{text}'"]

    def _partitioned_table(self, out: _Builder) -> bool:
        name = self._table_name(PARTITIONED_NOUNS)
        table = Table(name, "uuid", partitioned=True)
        for key, sql in (("id", "uuid"), ("tenant_id", "bigint"), ("created_at", "timestamptz")):
            table.columns[key] = Column(key, sql, None, True)
        lines = [
            "id uuid NOT NULL DEFAULT gen_random_uuid()",
            "tenant_id bigint NOT NULL REFERENCES tenants (id)",
            "created_at timestamptz NOT NULL DEFAULT now()",
        ]
        for kind_name in self._random.sample(
            ["name", "status", "metadata", "amount_cents", "ip_address", "counter"], 3
        ):
            column = self._new_column(table, kind_name)
            lines.append(self._column_sql(column, KINDS[kind_name]))
        lines.append("PRIMARY KEY (id, created_at)")
        self._names.add(f"{name}_pkey")
        self._tables[name] = table
        body = ",\n    ".join(lines)
        out.add(
            f"CREATE TABLE {name} (\n    {body}\n) PARTITION BY RANGE (created_at)",
            comment="append-only, partitioned by month",
        )
        table.next_month = self._random.randrange(0, 36)
        for _ in range(3):
            out.add(self._partition_sql(table))
        index = self._unique_name(f"{name}_tenant_created_idx")
        table.indexes[index] = ("tenant_id", "created_at")
        out.add(f"CREATE INDEX {index} ON {name} (tenant_id, created_at)")
        out.add(f"GRANT SELECT, INSERT ON {name} TO app_user")
        return True

    def _partition_sql(self, table: Table) -> str:
        month = table.next_month
        table.next_month += 1
        year, index = START_YEAR + month // 12, month % 12
        upper_year, upper = START_YEAR + (month + 1) // 12, (month + 1) % 12
        partition = self._unique_name(f"{table.name}_{year}_{index + 1:02d}")
        table.partitions.append(partition)
        return (
            f"CREATE TABLE {partition} PARTITION OF {table.name}\n"
            f"    FOR VALUES FROM ('{year}-{index + 1:02d}-01') TO ('{upper_year}-{upper + 1:02d}-01')"
        )

    def _next_partition(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.partitioned)
        if table is None:
            return False
        out.add(self._partition_sql(table), comment="next month's partition")
        return True

    def _detach_partition(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.partitioned and len(t.partitions) > 2)
        if table is None:
            return False
        oldest = table.partitions.pop(0)
        self._names.discard(oldest)
        out.add(
            f"ALTER TABLE {table.name} DETACH PARTITION {oldest} CONCURRENTLY",
            f"DROP TABLE {oldest}",
            comment="retention: drop the oldest month",
        )
        return True

    # -- indexes -------------------------------------------------------------------------------------

    def _index_columns(self, table: Table) -> tuple[str, tuple[str, ...], str] | None:
        """(column list SQL, columns, WHERE clause) of a plausible new index on ``table``."""
        columns = [column for column in table.columns.values() if column.name not in ("id", "tenant_id")]
        if not columns:
            return None
        column = self._random.choice(columns)
        where = ""
        info = column.info
        if info is not None and info.sql == "jsonb":
            return f"USING gin ({column.name} jsonb_path_ops)", (column.name,), ""
        if column.name == "email" and column.sql == "text":
            return "(tenant_id, lower(email))", ("tenant_id", "email"), ""
        if info is not None and info.sql == "boolean":
            where = f" WHERE NOT {column.name}" if self._random.random() < 0.5 else f" WHERE {column.name}"
        elif not column.not_null and self._random.random() < 0.5:
            where = f" WHERE {column.name} IS NOT NULL"
        return f"(tenant_id, {column.name})", ("tenant_id", column.name), where

    def _index_unit(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped)
        shape = self._index_columns(table) if table else None
        if table is None or shape is None:
            return False
        columns_sql, columns, where = shape
        index = self._unique_name(f"{table.name}_{'_'.join(columns)}_idx")
        table.indexes[index] = columns
        out.add(f"CREATE INDEX {index} ON {table.name} {columns_sql}{where}")
        return True

    def _concurrent_index(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped and not t.partitioned)
        shape = self._index_columns(table) if table else None
        if table is None or shape is None:
            return False
        columns_sql, columns, where = shape
        unique = (
            len(columns) == 2
            and not where
            and columns not in table.unique
            and columns[1] in ("external_id", "email", "name", "title")
            and self._random.random() < 0.5
        )
        index = self._unique_name(f"{table.name}_{'_'.join(columns)}_{'key' if unique else 'idx'}")
        table.indexes[index] = columns
        if unique:
            table.unique.add(columns)
        kind = "UNIQUE INDEX" if unique else "INDEX"
        out.add(f"CREATE {kind} CONCURRENTLY IF NOT EXISTS {index}\n    ON {table.name} {columns_sql}{where}")
        return True

    def _drop_index_concurrently(self, out: _Builder) -> bool:
        options = [
            (table, index)
            for table in self._tables.values()
            if not table.partitioned
            for index in table.indexes
            if not index.endswith("_tenant_id_idx") and not index.endswith("_key")
        ]
        if not options:
            return False
        table, index = self._random.choice(options)
        del table.indexes[index]
        self._names.discard(index)
        out.add(f"DROP INDEX CONCURRENTLY IF EXISTS {index}", comment="superseded by a composite index")
        return True

    def _reindex(self, out: _Builder) -> bool:
        options = [(t, i) for t in self._tables.values() if not t.partitioned for i in t.indexes]
        if not options:
            return False
        _, index = self._random.choice(options)
        out.add(f"REINDEX INDEX CONCURRENTLY {index}", comment="bloated after the backfill")
        return True

    # -- evolve --------------------------------------------------------------------------------------

    def _add_columns(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped)
        if table is None:
            return False
        clauses = []
        for kind_name in self._random.sample(sorted(KINDS), k=self._random.choice((1, 1, 1, 2, 3))):
            kind = KINDS[kind_name]
            column = self._new_column(table, kind_name)
            style = self._random.random()
            if style < 0.45:  # nullable, no default: the cheap kind
                column.not_null = False
                clauses.append(f"ADD COLUMN {column.name} {kind.sql}")
            elif style < 0.9 or kind.sql not in VOLATILE_DEFAULTS:
                clauses.append(f"ADD COLUMN IF NOT EXISTS {self._column_sql(column, kind)}")
            else:
                column.not_null = True
                default = VOLATILE_DEFAULTS[kind.sql]
                clauses.append(f"ADD COLUMN {column.name} {kind.sql} NOT NULL DEFAULT {default}")
        if self._random.random() < 0.08:
            column = self._new_column(table, "processed_at")
            column.sql, column.kind = "timestamptz", None
            clauses.append(f"ADD COLUMN {column.name} timestamptz NOT NULL DEFAULT clock_timestamp()")
        out.add(f"ALTER TABLE {table.name}\n    " + ",\n    ".join(clauses))
        return True

    def _set_not_null(self, out: _Builder) -> bool:
        picked = self._pick_column(
            lambda t: t.tenant_scoped and not t.partitioned, lambda _, c: not c.not_null and c.info is not None
        )
        if picked is None:
            return False
        table, column = picked
        info = column.info
        assert info is not None
        column.not_null = True
        backfill = f"UPDATE {table.name} SET {column.name} = {info.value} WHERE {column.name} IS NULL"
        if self._random.random() < 0.5:
            out.add(backfill, comment=f"{column.name} is required from now on")
            out.add(f"ALTER TABLE {table.name} ALTER COLUMN {column.name} SET NOT NULL")
            return True
        check = self._unique_name(f"{table.name}_{column.name}_not_null")
        out.add(
            backfill,
            f"ALTER TABLE {table.name} ADD CONSTRAINT {check} CHECK ({column.name} IS NOT NULL) NOT VALID",
            f"ALTER TABLE {table.name} VALIDATE CONSTRAINT {check}",
            f"ALTER TABLE {table.name} ALTER COLUMN {column.name} SET NOT NULL",
            f"ALTER TABLE {table.name} DROP CONSTRAINT {check}",
            comment="SET NOT NULL without a full-table scan under ACCESS EXCLUSIVE",
        )
        self._names.discard(check)
        return True

    def _add_check(self, out: _Builder) -> bool:
        picked = self._pick_column(
            lambda t: not t.partitioned,
            lambda t, c: c.info is not None and c.info.numeric and c.name not in t.checked,
        )
        if picked is None:
            return False
        table, column = picked
        table.checked.add(column.name)
        check = self._unique_name(f"{table.name}_{column.name}_check")
        table.constraints.add(check)
        condition = f"{column.name} >= 0" if self._random.random() < 0.7 else f"{column.name} BETWEEN 0 AND 1000000"
        if self._random.random() < 0.5:
            out.add(f"ALTER TABLE {table.name}\n    ADD CONSTRAINT {check} CHECK ({condition})")
        else:
            out.add(
                f"ALTER TABLE {table.name}\n    ADD CONSTRAINT {check} CHECK ({condition}) NOT VALID",
                f"ALTER TABLE {table.name} VALIDATE CONSTRAINT {check}",
            )
        return True

    def _add_foreign_key(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped and not t.partitioned)
        parents = [
            t for t in self._tables.values() if t.tenant_scoped and not t.partitioned and table and t.name != table.name
        ]
        if table is None or not parents:
            return False
        parent = self._random.choice(parents)
        column = self._unique_column(table, f"{_singular(parent.name)}_id")
        table.columns[column] = Column(column, parent.key, None)
        table.foreign_keys[column] = parent.name
        constraint = self._unique_name(f"{table.name}_{column}_fkey")
        table.constraints.add(constraint)
        out.add(f"ALTER TABLE {table.name} ADD COLUMN {column} {parent.key}")
        if self._random.random() < 0.4:
            out.add(
                f"ALTER TABLE {table.name}\n    ADD CONSTRAINT {constraint} FOREIGN KEY ({column}) "
                f"REFERENCES {parent.name} (id) ON DELETE SET NULL"
            )
        else:
            out.add(
                f"ALTER TABLE {table.name}\n    ADD CONSTRAINT {constraint} FOREIGN KEY ({column}) "
                f"REFERENCES {parent.name} (id) ON DELETE SET NULL NOT VALID",
                f"ALTER TABLE {table.name} VALIDATE CONSTRAINT {constraint}",
            )
        index = self._unique_name(f"{table.name}_{column}_idx")
        table.indexes[index] = (column,)
        out.add(f"CREATE INDEX {index} ON {table.name} ({column})")
        return True

    @staticmethod
    def _unique_column(table: Table, base: str) -> str:
        base = base[: MAX_IDENTIFIER - 4]
        name, suffix = base, 1
        while name in table.columns:
            suffix += 1
            name = f"{base}_{suffix}"
        return name

    def _add_unique(self, out: _Builder) -> bool:
        picked = self._pick_column(
            lambda t: t.tenant_scoped and not t.partitioned,
            lambda t, c: c.kind in ("external_id", "email", "title", "name") and ("tenant_id", c.name) not in t.unique,
        )
        if picked is None:
            return False
        table, column = picked
        table.unique.add(("tenant_id", column.name))
        constraint = self._unique_name(f"{table.name}_tenant_{column.name}_key")
        table.constraints.add(constraint)
        out.add(
            f"ALTER TABLE {table.name} ADD CONSTRAINT {constraint} UNIQUE (tenant_id, {column.name})",
            comment="one per tenant",
        )
        return True

    def _change_type(self, out: _Builder) -> bool:
        picked = self._pick_column(
            lambda _: True, lambda _, c: c.info is not None and c.info.widen is not None, changeable=True
        )
        if picked is None:
            return False
        table, column = picked
        info = column.info
        assert info is not None and info.widen is not None
        if column.name in table.checked and "text" in info.widen:
            return False  # a numeric check would no longer type-check
        using = f" USING {info.using.format(col=column.name)}" if info.using else ""
        column.sql = info.widen
        out.add(f"ALTER TABLE {table.name} ALTER COLUMN {column.name} TYPE {info.widen}{using}")
        return True

    def _change_default(self, out: _Builder) -> bool:
        table = self._pick(lambda t: bool(t.plain_columns()))
        if table is None:
            return False
        column = self._random.choice(table.plain_columns())
        info = column.info
        if info is None or self._random.random() < 0.3:
            out.add(f"ALTER TABLE {table.name} ALTER COLUMN {column.name} DROP DEFAULT")
        else:
            out.add(f"ALTER TABLE {table.name} ALTER COLUMN {column.name} SET DEFAULT {info.value}")
        return True

    def _rename_column(self, out: _Builder) -> bool:
        table = self._pick(lambda t: bool(self._changeable(t)))
        if table is None:
            return False
        column = self._random.choice(self._changeable(table))
        if column.name in table.checked:
            return False
        new_name = self._unique_column(table, f"{column.name}_legacy")
        del table.columns[column.name]
        table.unique = {tuple(new_name if c == column.name else c for c in key) for key in table.unique}
        table.indexes = {
            name: tuple(new_name if c == column.name else c for c in columns) for name, columns in table.indexes.items()
        }
        old = column.name
        column.name = new_name
        table.columns[new_name] = column
        out.add(f"ALTER TABLE {table.name} RENAME COLUMN {old} TO {new_name}")
        return True

    def _drop_column(self, out: _Builder) -> bool:
        table = self._pick(lambda t: bool(self._changeable(t)) and t.tenant_scoped)
        if table is None:
            return False
        column = self._random.choice(self._changeable(table))
        if column.name in table.checked or any(column.name in key for key in table.unique):
            return False
        del table.columns[column.name]
        for index in [name for name, columns in table.indexes.items() if column.name in columns]:
            del table.indexes[index]
            self._names.discard(index)
        out.add(f"ALTER TABLE {table.name} DROP COLUMN IF EXISTS {column.name}", comment="no longer read since v2")
        return True

    def _drop_table(self, out: _Builder) -> bool:
        referenced = {parent for table in self._tables.values() for parent in table.foreign_keys.values()}
        in_views = {table for pins in self._views.values() for table, _ in pins}
        table = self._pick(
            lambda t: (
                t.tenant_scoped
                and t.name not in referenced
                and t.name not in in_views
                and t.name != "users"
                and not t.audited
            )
        )
        if table is None or self._random.random() < 0.5:
            return False
        del self._tables[table.name]
        out.add(f"DROP TABLE IF EXISTS {table.name}", comment=f"{table.name} was replaced; data archived in S3")
        return True

    def _comment_column(self, out: _Builder) -> bool:
        table = self._pick(lambda t: bool(t.plain_columns()))
        if table is None:
            return False
        column = self._random.choice(table.plain_columns())
        text = f"{column.name.replace('_', ' ')} of the {table.name.replace('_', ' ')} row; see the data dictionary"
        out.add(f"COMMENT ON COLUMN {table.name}.{column.name} IS '{text}'")
        return True

    # -- reporting -----------------------------------------------------------------------------------

    def _join_pair(self) -> tuple[Table, str, Table] | None:
        options = [
            (table, column, self._tables[parent])
            for table in self._tables.values()
            for column, parent in table.foreign_keys.items()
            if parent in self._tables
        ]
        return self._random.choice(options) if options else None

    def _view_sql(self, view: str | None) -> tuple[str, str, set[tuple[str, str]]] | None:
        """(view name, CREATE VIEW, columns it reads) of a rollup over a table joined to its parent."""
        pair = self._join_pair()
        if pair is None:
            return None
        child, fk, parent = pair
        if view is None:
            view = f"analytics.{self._unique_name(f'v_{child.name}_by_{_singular(parent.name)}')}"
        pins = {(child.name, "tenant_id"), (child.name, fk), (child.name, "created_at"), (parent.name, "id")}
        measures = [
            "count(*) AS row_count",
            "count(DISTINCT c.id) AS distinct_rows",
            "max(c.created_at) AS last_seen_at",
        ]
        for column in child.plain_columns():
            info = column.info
            if info is not None and info.numeric and len(measures) < 6:
                measures.append(f"sum(c.{column.name}) AS total_{column.name}")
                pins.add((child.name, column.name))
            elif info is not None and info.sql == "boolean" and len(measures) < 6:
                measures.append(f"count(*) FILTER (WHERE c.{column.name}) AS {column.name}_count")
                pins.add((child.name, column.name))
        label = next((c for c in parent.plain_columns() if c.info is not None and c.info.text_like), None)
        group = ["c.tenant_id", "p.id"]
        select = ["c.tenant_id", f"p.id AS {_singular(parent.name)}_id"[:MAX_IDENTIFIER]]
        if label is not None:
            select.append(f"p.{label.name} AS {label.name}")
            group.append(f"p.{label.name}")
            pins.add((parent.name, label.name))
        pins.add((parent.name, "tenant_id") if parent.tenant_scoped else (parent.name, "id"))
        tenant_join = " AND p.tenant_id = c.tenant_id" if parent.tenant_scoped else ""
        invoker = " WITH (security_invoker = true)" if self._random.random() < 0.5 else ""
        sql = (
            f"CREATE VIEW {view}{invoker} AS\n"
            f"SELECT {', '.join(select)},\n    " + ",\n    ".join(measures) + "\n"
            f"FROM {child.name} AS c\n"
            f"JOIN {parent.name} AS p ON p.id = c.{fk}{tenant_join}\n"
            f"LEFT JOIN tenants AS t ON t.id = c.tenant_id\n"
            f"WHERE c.created_at >= now() - interval '90 days'\n"
            f"GROUP BY {', '.join(group)}"
        )
        pins.add(("tenants", "id"))
        return view, sql, pins

    def _view(self, out: _Builder) -> bool:
        built = self._view_sql(None)
        if built is None:
            return False
        view, sql, pins = built
        self._set_view(view, pins)
        out.add(sql, f"GRANT SELECT ON {view} TO reporting", comment="dashboard: per-tenant rollup")
        return True

    def _cte_view(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped and "created_at" in t.columns)
        if table is None:
            return False
        numeric = next((c for c in table.plain_columns() if c.info is not None and c.info.numeric), None)
        view = f"analytics.{self._unique_name(f'v_{table.name}_daily')}"
        amount = f",\n        sum({numeric.name}) AS total" if numeric else ",\n        count(*) AS total"
        pins = {(table.name, "tenant_id"), (table.name, "created_at")} | (
            {(table.name, numeric.name)} if numeric else set()
        )
        self._set_view(view, pins)
        out.add(
            f"CREATE VIEW {view} AS\n"
            f"WITH daily AS (\n"
            f"    SELECT tenant_id, date_trunc('day', created_at) AS day,\n"
            f"        count(*) AS n{amount}\n"
            f"    FROM {table.name}\n"
            f"    GROUP BY tenant_id, date_trunc('day', created_at)\n"
            f")\n"
            f"SELECT tenant_id, day, n, total,\n"
            f"    sum(n) OVER (PARTITION BY tenant_id ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS n_7d,\n"
            f"    rank() OVER (PARTITION BY day ORDER BY total DESC) AS rank_of_day\n"
            f"FROM daily",
            f"GRANT SELECT ON {view} TO reporting, app_readonly",
        )
        return True

    def _replace_view(self, out: _Builder) -> bool:
        plain = [view for view in self._views if view not in self._matviews]
        if not plain:
            return False
        view = self._random.choice(plain)
        built = self._view_sql(view)
        if built is None:
            return False
        _, sql, pins = built
        self._set_view(view, pins)
        out.add(f"DROP VIEW IF EXISTS {view}", sql, f"GRANT SELECT ON {view} TO reporting", comment="redefined")
        return True

    def _matview(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped)
        if table is None:
            return False
        name = self._unique_name(f"mv_{table.name}_by_tenant")
        view = f"analytics.{name}"
        index = self._unique_name(f"{name}_tenant_key")
        self._set_view(view, {(table.name, "tenant_id"), (table.name, "created_at"), ("tenants", "id")})
        self._matviews[view] = index
        out.add(
            f"CREATE MATERIALIZED VIEW {view} AS\n"
            f"SELECT t.id AS tenant_id, count(x.tenant_id) AS row_count, max(x.created_at) AS last_created_at\n"
            f"FROM tenants AS t\nLEFT JOIN {table.name} AS x ON x.tenant_id = t.id\nGROUP BY t.id\nWITH DATA",
            f"CREATE UNIQUE INDEX {index} ON {view} (tenant_id)",
            f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}",
            f"GRANT SELECT ON {view} TO reporting",
            comment="refreshed nightly by the scheduler",
        )
        return True

    # -- functions -----------------------------------------------------------------------------------

    def _function_name(self, base: str) -> str:
        name = self._unique_name(base)
        self._names.discard(name)  # functions live in pg_proc, not pg_class
        return name

    def _plpgsql_function(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped and not t.partitioned)
        if table is None:
            return False
        name = self._function_name(f"archive_stale_{table.name}")
        self._functions[name] = "bigint, interval"
        text = next((c for c in table.plain_columns() if c.info is not None and c.info.text_like), None)
        note = (
            f"        UPDATE {table.name} SET {text.name} = {text.name} WHERE false;  -- touch; keeps plans warm\n"
            if text
            else ""
        )
        out.add(
            f"CREATE OR REPLACE FUNCTION {name}(p_tenant_id bigint, p_older_than interval DEFAULT '1 year')\n"
            f"RETURNS integer\nLANGUAGE plpgsql\nAS $fn$\n"
            f"DECLARE\n    v_deleted integer := 0;\n    v_batch integer;\n"
            f"BEGIN\n"
            f"    IF p_tenant_id IS NULL THEN\n"
            f"        RAISE EXCEPTION 'tenant id is required; got %', p_tenant_id USING ERRCODE = '22004';\n"
            f"    END IF;\n"
            f"    LOOP\n"
            f"        DELETE FROM {table.name}\n"
            f"        WHERE id IN (\n"
            f"            SELECT id FROM {table.name}\n"
            f"            WHERE tenant_id = p_tenant_id AND created_at < now() - p_older_than\n"
            f"            LIMIT 1000\n"
            f"        );\n"
            f"        GET DIAGNOSTICS v_batch = ROW_COUNT;\n"
            f"{note}"
            f"        v_deleted := v_deleted + v_batch;\n"
            f"        EXIT WHEN v_batch < 1000;\n"
            f"    END LOOP;\n"
            f"    RAISE NOTICE 'archived % rows of {table.name} for tenant %', v_deleted, p_tenant_id;\n"
            f"    RETURN v_deleted;\n"
            f"END;\n$fn$",
            f"REVOKE ALL ON FUNCTION {name}(bigint, interval) FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {name}(bigint, interval) TO app_admin",
        )
        return True

    def _sql_function(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped)
        if table is None:
            return False
        name = self._function_name(f"{table.name}_count_since")
        self._functions[name] = "timestamptz"
        out.add(
            f"CREATE OR REPLACE FUNCTION {name}(p_since timestamptz)\n"
            f"RETURNS bigint\nLANGUAGE sql STABLE\nAS $$\n"
            f"    SELECT count(*)\n    FROM {table.name}\n"
            f"    WHERE tenant_id = current_tenant_id() AND created_at >= p_since\n$$",
            f"GRANT EXECUTE ON FUNCTION {name}(timestamptz) TO app_user, reporting",
            comment="used by the usage dashboard",
        )
        return True

    def _definer_function(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped and not t.partitioned)
        if table is None:
            return False
        name = self._function_name(f"{table.name}_tenant_stats")
        self._functions[name] = "bigint"
        out.add(
            f"CREATE OR REPLACE FUNCTION {name}(p_tenant_id bigint)\n"
            f"RETURNS TABLE (total bigint, last_created_at timestamptz)\n"
            f"LANGUAGE plpgsql STABLE SECURITY DEFINER\n"
            f"SET search_path = public, pg_temp\n"
            f"AS $body$\nBEGIN\n"
            f"    RETURN QUERY\n"
            f"    SELECT count(*)::bigint, max(x.created_at)\n"
            f"    FROM {table.name} AS x\n"
            f"    WHERE x.tenant_id = p_tenant_id;\n"
            f"END;\n$body$",
            f"REVOKE ALL ON FUNCTION {name}(bigint) FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {name}(bigint) TO reporting",
        )
        return True

    def _audit_trigger(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped and not t.audited and not t.partitioned)
        if table is None:
            return False
        table.audited = True
        name = self._function_name(f"audit_{table.name}")
        trigger = self._function_name(f"{table.name}_audit")
        self._functions[name] = ""
        out.add(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger\n"
            f"LANGUAGE plpgsql\nAS $$\n"
            f"BEGIN\n"
            f"    INSERT INTO audit_events (tenant_id, table_name, op, row_data)\n"
            f"    VALUES (\n"
            f"        CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END,\n"
            f"        TG_TABLE_NAME,\n"
            f"        TG_OP,\n"
            f"        CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END\n"
            f"    );\n"
            f"    RETURN NULL;  -- AFTER trigger: the result is ignored\n"
            f"END;\n$$",
            f"CREATE TRIGGER {trigger}\n    AFTER INSERT OR UPDATE OR DELETE ON {table.name}\n"
            f"    FOR EACH ROW EXECUTE FUNCTION {name}()",
            comment=f"audit every change to {table.name}",
        )
        return True

    def _do_block(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped)
        if table is None:
            return False
        out.add(
            "DO $$\nDECLARE\n    r record;\nBEGIN\n"
            f"    FOR r IN SELECT tenant_id, count(*) AS n FROM {table.name} GROUP BY tenant_id LOOP\n"
            "        IF r.n > 100000 THEN\n"
            f"            RAISE NOTICE 'tenant % has % rows in {table.name}; schedule a backfill', r.tenant_id, r.n;\n"
            "        END IF;\n"
            "    END LOOP;\nEND\n$$",
            comment="report large tenants before the next step",
        )
        return True

    # -- data ----------------------------------------------------------------------------------------

    def _data_column(self) -> tuple[Table, Column, ColumnKind] | None:
        picked = self._pick_column(lambda t: t.tenant_scoped, lambda _, c: c.info is not None)
        if picked is None:
            return None
        table, column = picked
        info = column.info
        assert info is not None
        return table, column, info

    def _backfill(self, out: _Builder) -> bool:
        picked = self._data_column()
        if picked is None:
            return False
        table, column, info = picked
        touch = ", updated_at = now()" if "updated_at" in table.columns else ""
        if column.not_null:
            out.add(
                f"UPDATE {table.name}\nSET {column.name} = {info.value}{touch}\n"
                f"WHERE created_at < '2023-01-01' AND tenant_id IN (SELECT id FROM tenants WHERE plan = 'legacy')",
                comment="legacy tenants get the new default",
            )
        else:
            out.add(f"UPDATE {table.name} SET {column.name} = {info.value} WHERE {column.name} IS NULL")
        return True

    def _batched_backfill(self, out: _Builder) -> bool:
        picked = self._data_column()
        if picked is None:
            return False
        table, column, info = picked
        out.add(
            "DO $$\nDECLARE\n    batch_size constant integer := 5000;\n    affected integer;\nBEGIN\n"
            "    LOOP\n"
            f"        UPDATE {table.name}\n"
            f"        SET {column.name} = {info.value}\n"
            f"        WHERE id IN (\n"
            f"            SELECT id FROM {table.name}\n"
            f"            WHERE {column.name} IS DISTINCT FROM {info.value}\n"
            f"            LIMIT batch_size\n"
            f"            FOR UPDATE SKIP LOCKED\n"
            f"        );\n"
            "        GET DIAGNOSTICS affected = ROW_COUNT;\n"
            "        EXIT WHEN affected < batch_size;\n"
            "        PERFORM pg_sleep(0.05);  -- let replicas keep up\n"
            "    END LOOP;\nEND\n$$",
            comment="batched so no single transaction holds row locks for long",
        )
        return True

    def _catalog_upsert(self, out: _Builder) -> bool:
        rows = []
        for _ in range(self._random.randint(2, 6)):
            self._catalog_keys += 1
            key = f"feature_{self._catalog_keys:05d}"
            enabled = "true" if self._random.random() < 0.3 else "false"
            rows.append(f"    ('{key}', 'Feature {self._catalog_keys}: it''s behind a flag', {enabled})")
        out.add(
            "INSERT INTO feature_catalog (key, description, enabled_by_default)\nVALUES\n"
            + ",\n".join(rows)
            + "\nON CONFLICT (key) DO UPDATE\n    SET description = EXCLUDED.description, "
            "enabled_by_default = EXCLUDED.enabled_by_default",
        )
        return True

    def _copy_to_audit(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped)
        if table is None:
            return False
        out.add(
            f"INSERT INTO audit_events (tenant_id, table_name, op, row_data)\n"
            f"SELECT x.tenant_id, '{table.name}', 'SNAPSHOT', to_jsonb(x)\n"
            f"FROM {table.name} AS x\nWHERE x.created_at >= now() - interval '30 days'"
        )
        return True

    def _update_from(self, out: _Builder) -> bool:
        pair = self._join_pair()
        if pair is None:
            return False
        child, fk, parent = pair
        if child.partitioned:
            return False
        out.add(
            f"UPDATE {child.name} AS c\nSET updated_at = now()\nFROM {parent.name} AS p\n"
            f"WHERE p.id = c.{fk} AND p.created_at < c.created_at",
            comment=f"touch {child.name} rows whose {parent.name} changed",
        )
        return True

    def _purge(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped and t.name != "users")
        if table is None:
            return False
        out.add(
            f"DELETE FROM {table.name}\nWHERE created_at < now() - interval '7 years'\n"
            f"  AND tenant_id IN (SELECT id FROM tenants WHERE plan = 'deleted')",
            comment="GDPR retention",
        )
        return True

    def _analyze(self, out: _Builder) -> bool:
        table = self._pick()
        if table is None:
            return False
        out.add(f"ANALYZE {table.name}")
        return True

    # -- security ------------------------------------------------------------------------------------

    def _enable_rls(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped and not t.rls)
        if table is None:
            return False
        out.add(*self._rls_statements(table, 3), comment=f"{table.name} is tenant data")
        return True

    def _replace_policy(self, out: _Builder) -> bool:
        table = self._pick(lambda t: bool(t.policies))
        if table is None:
            return False
        policy = self._random.choice(sorted(table.policies))
        if self._random.random() < 0.3:
            out.add(f"ALTER POLICY {policy} ON {table.name} TO app_user, app_admin")
            return True
        table.policies.discard(policy)
        predicate = self._tenant_predicate()
        table.policies.add(policy)
        out.add(
            f"DROP POLICY IF EXISTS {policy} ON {table.name}",
            f"CREATE POLICY {policy} ON {table.name}\n"
            f"    USING ({predicate} OR pg_has_role(current_user, 'app_admin', 'MEMBER'))\n"
            f"    WITH CHECK ({predicate})",
            comment="admins may read across tenants",
        )
        return True

    def _grants(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped)
        if table is None:
            return False
        statements = [
            f"GRANT SELECT ON {table.name} TO app_readonly",
            f"GRANT SELECT, INSERT, UPDATE ON {table.name} TO app_user",
            f"REVOKE DELETE ON {table.name} FROM app_user",
            f"REVOKE ALL ON {table.name} FROM PUBLIC",
        ]
        if table.key == "bigint" and not table.partitioned:
            statements.append(f"GRANT USAGE, SELECT ON SEQUENCE {table.name}_id_seq TO app_user")
        if self._functions:
            function, arguments = self._random.choice(sorted(self._functions.items()))
            statements.append(f"GRANT EXECUTE ON FUNCTION {function}({arguments}) TO app_user")
        out.add(*self._random.sample(statements, k=self._random.randint(1, min(4, len(statements)))))
        return True

    def _default_privileges(self, out: _Builder) -> bool:
        out.add(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO app_readonly",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO reporting",
        )
        return True

    # -- types ---------------------------------------------------------------------------------------

    def _enum_type(self, out: _Builder) -> bool:
        name = self._unique_name(f"{self._random.choice(('ticket', 'order', 'invoice', 'job', 'sync'))}_state")
        values = self._random.sample(["draft", "open", "pending", "active", "blocked", "done", "failed"], 4)
        self._enums[name] = values
        quoted = ", ".join(f"'{value}'" for value in values)
        out.add(f"CREATE TYPE {name} AS ENUM ({quoted})")
        return True

    def _enum_value(self, out: _Builder) -> bool:
        if not self._enums:
            return False
        name = self._random.choice(sorted(self._enums))
        value = f"state_{len(self._enums[name])}"
        self._enums[name].append(value)
        anchor = self._enums[name][0]
        out.add(f"ALTER TYPE {name} ADD VALUE IF NOT EXISTS '{value}' AFTER '{anchor}'")
        return True

    def _domain(self, out: _Builder) -> bool:
        kind = self._random.choice(sorted(DOMAINS))
        base, check = DOMAINS[kind]
        out.add(f"CREATE DOMAIN {self._unique_name(kind)} AS {base} CHECK ({check})")
        return True

    def _enum_column(self, out: _Builder) -> bool:
        table = self._pick(lambda t: t.tenant_scoped)
        if table is None or not self._enums:
            return False
        enum = self._random.choice(sorted(self._enums))
        column = self._unique_column(table, enum)
        table.columns[column] = Column(column, enum, None)
        first = self._enums[enum][0]
        out.add(f"ALTER TABLE {table.name} ADD COLUMN {column} {enum} NOT NULL DEFAULT '{first}'")
        return True


def generate(count: int, seed: int) -> MigrationSet:
    """``count`` migration files generated from ``seed`` (same arguments, same bytes)."""
    if count < 1:
        raise ValueError("at least one migration file is needed")
    return MigrationSet(files=SaaSSchema(seed).generate(count), seed=seed)
