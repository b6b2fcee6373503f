"""Generate a deterministic, realistic chain of PostgreSQL migrations for a multi-tenant SaaS schema.

Every migration is a list of ``up`` statements and the ``down`` statements that undo them, in the order
they must run.  The mix follows what a SaaS schema accumulates over a few years: tables keyed by
``bigint`` identities or ``uuid``\\ s, each with a ``tenant_id`` and foreign keys to earlier tables,
plain ``CREATE INDEX``, ``ADD COLUMN``, ``ADD CONSTRAINT ... CHECK``, reporting views and seed data
(``INSERT ... SELECT ... FROM generate_series``).

The SQL avoids ``%`` and ``:name`` so that drivers which interpolate parameters (psycopg through
SQLAlchemy's ``text()``, yoyo's ``cursor.execute``) run it verbatim.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

TENANTS = 25
"""Rows in ``tenants``; every ``tenant_id`` of the seed data is one of them."""

MAX_IDENTIFIER = 63
"""PostgreSQL truncates longer identifiers, which could make two generated names collide."""

NOUNS = (
    "accounts", "users", "projects", "invoices", "invoice_lines", "subscriptions", "plans", "payments",
    "events", "audit_log", "api_keys", "webhooks", "tickets", "comments", "attachments", "feature_flags",
    "usage_records", "teams", "memberships", "workspaces", "documents", "tags", "notifications",
    "integrations", "credits", "refunds", "coupons", "sessions", "exports", "reports",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ColumnType:
    """A column type, its definition in ``CREATE``/``ADD COLUMN`` and how seed rows fill it."""

    sql: str
    seed: str  # expression over the series value ``g``
    numeric: bool = False  # values are >= 0, so a ``CHECK (col >= 0)`` holds


COLUMN_TYPES: dict[str, ColumnType] = {
    "name": ColumnType("text NOT NULL DEFAULT ''", "'name-' || g"),
    "status": ColumnType("text NOT NULL DEFAULT 'active'", "(ARRAY['active', 'paused', 'closed'])[1 + mod(g, 3)]"),
    "email": ColumnType("text", "'user' || g || '@example.com'"),
    "external_ref": ColumnType("text", "md5(cast(g AS text))"),
    "amount_cents": ColumnType("bigint NOT NULL DEFAULT 0", "mod(g * 7919, 100000)", numeric=True),
    "quantity": ColumnType("integer NOT NULL DEFAULT 1", "1 + mod(g, 50)", numeric=True),
    "score": ColumnType("numeric(12, 2) NOT NULL DEFAULT 0", "round(g * 1.25, 2)", numeric=True),
    "is_active": ColumnType("boolean NOT NULL DEFAULT true", "mod(g, 4) <> 0"),
    "metadata": ColumnType("jsonb NOT NULL DEFAULT '{}'", "jsonb_build_object('n', g, 'even', mod(g, 2) = 0)"),
    "occurred_at": ColumnType("timestamptz NOT NULL DEFAULT now()", "now() - make_interval(mins => g)"),
    "due_on": ColumnType("date", "current_date + mod(g, 90)"),
    "priority": ColumnType("smallint NOT NULL DEFAULT 0", "mod(g, 5)", numeric=True),
}


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration: its number, a file-name-friendly name, and its statements (without ``;``)."""

    number: int
    name: str
    up: tuple[str, ...]
    down: tuple[str, ...]

    @property
    def stem(self) -> str:
        """The file name without extension, e.g. ``0007_create_invoices``."""
        return f"{self.number:04d}_{self.name}"


@dataclass(frozen=True, slots=True)
class Expected:
    """What the database must contain once every ``up`` has run (to check that a tool really did it)."""

    relations: tuple[str, ...]  # tables, views and indexes
    columns: tuple[str, ...]  # ``table.column``
    checks: tuple[str, ...]  # check constraint names
    tables: tuple[str, ...]
    rows: int


@dataclass(slots=True)
class Table:
    """Generator state for one table."""

    name: str
    key_type: str  # "bigint" or "uuid"
    columns: dict[str, ColumnType] = field(default_factory=dict)  # besides id and tenant_id
    foreign_keys: dict[str, Table] = field(default_factory=dict)  # column -> parent
    rows: int = 0
    checked: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class MigrationSet:
    """The generated migrations and what applying them must produce."""

    migrations: tuple[Migration, ...]
    expected: Expected
    seed: int

    @property
    def statements(self) -> int:
        """Number of ``up`` statements over all migrations."""
        return sum(len(migration.up) for migration in self.migrations)


def _identifier(name: str) -> str:
    if len(name) > MAX_IDENTIFIER:
        raise ValueError(f"identifier too long for PostgreSQL: {name}")
    return name


def _singular(table: str) -> str:
    return table[:-1] if table.endswith("s") else table


class SchemaGenerator:
    """Produce migrations one after the other, tracking the schema they build."""

    KINDS = ("create_table", "create_index", "add_column", "add_check", "create_view", "seed_data")
    WEIGHTS = (22, 20, 20, 10, 10, 18)

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._tables: list[Table] = []
        self._noun_uses: dict[str, int] = {}
        self._relations: list[str] = []
        self._checks: list[str] = []

    def generate(self, count: int) -> tuple[tuple[Migration, ...], Expected]:
        """The first ``count`` migrations, starting with the ``tenants`` table."""
        migrations = [self._create_tenants()]
        for number in range(2, count + 1):
            migrations.append(self._next(number))
        return tuple(migrations[:count]), self._expected()

    def _expected(self) -> Expected:
        columns = [f"{table.name}.{column}" for table in self._tables for column in self._all_columns(table)]
        return Expected(
            relations=tuple(self._relations),
            columns=tuple(columns),
            checks=tuple(self._checks),
            tables=tuple(table.name for table in self._tables),
            rows=sum(table.rows for table in self._tables),
        )

    @staticmethod
    def _all_columns(table: Table) -> list[str]:
        extra = [] if table.name == "tenants" else ["tenant_id"]
        return ["id", *extra, *table.foreign_keys, *table.columns]

    def _next(self, number: int) -> Migration:
        makers: dict[str, Callable[[int], Migration | None]] = {
            "create_table": self._create_table,
            "create_index": self._create_index,
            "add_column": self._add_column,
            "add_check": self._add_check,
            "create_view": self._create_view,
            "seed_data": self._seed_data,
        }
        while True:  # a kind with nothing to act on yet (no table to index, ...) draws again
            kind = self._random.choices(self.KINDS, weights=self.WEIGHTS)[0]
            migration = makers[kind](number)
            if migration is not None:
                return migration

    def _create_tenants(self) -> Migration:
        tenants = Table("tenants", "bigint", columns={"name": COLUMN_TYPES["name"]}, rows=TENANTS)
        self._tables.append(tenants)
        self._relations.extend(["tenants", "tenants_pkey", "tenants_slug_key"])
        up = (
            "CREATE TABLE tenants (\n"
            "    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
            "    slug text NOT NULL UNIQUE,\n"
            "    name text NOT NULL DEFAULT '',\n"
            "    created_at timestamptz NOT NULL DEFAULT now()\n"
            ")",
            f"INSERT INTO tenants (slug, name)\nSELECT 'tenant-' || g, 'Tenant ' || g\n"
            f"FROM generate_series(1, {TENANTS}) AS g",
        )
        return Migration(1, "create_tenants", up, ("DROP TABLE tenants",))

    def _new_table_name(self) -> str:
        noun = self._random.choice(NOUNS)
        uses = self._noun_uses.get(noun, 0) + 1
        self._noun_uses[noun] = uses
        return noun if uses == 1 else f"{noun}_{uses}"

    def _create_table(self, number: int) -> Migration:
        name = _identifier(self._new_table_name())
        table = Table(name, self._random.choice(("bigint", "bigint", "uuid")))
        parents = [t for t in self._tables if t.name != "tenants"]
        for parent in self._random.sample(parents, k=min(len(parents), self._random.randint(0, 2))):
            table.foreign_keys[_identifier(f"{_singular(parent.name)}_id")] = parent
        for column in self._random.sample(sorted(COLUMN_TYPES), k=self._random.randint(2, 6)):
            table.columns[column] = COLUMN_TYPES[column]
        index = _identifier(f"{name}_tenant_id_idx")
        self._tables.append(table)
        self._relations.extend([name, f"{name}_pkey", index])
        up = (self._create_table_sql(table), f"CREATE INDEX {index} ON {name} (tenant_id)")
        return Migration(number, f"create_{name}", up, (f"DROP TABLE {name}",))

    @staticmethod
    def _create_table_sql(table: Table) -> str:
        key = (
            "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
            if table.key_type == "bigint"
            else "id uuid PRIMARY KEY DEFAULT gen_random_uuid()"
        )
        lines = [key, "tenant_id bigint NOT NULL REFERENCES tenants (id)"]
        lines += [
            f"{column} {parent.key_type} REFERENCES {parent.name} (id) ON DELETE CASCADE"
            for column, parent in table.foreign_keys.items()
        ]
        lines += [f"{column} {kind.sql}" for column, kind in table.columns.items()]
        body = ",\n    ".join(lines)
        return f"CREATE TABLE {table.name} (\n    {body}\n)"

    def _pick_table(self) -> Table | None:
        candidates = [t for t in self._tables if t.name != "tenants"]
        return self._random.choice(candidates) if candidates else None

    def _create_index(self, number: int) -> Migration | None:
        table = self._pick_table()
        if table is None:
            return None
        column = self._random.choice([*table.foreign_keys, *table.columns])
        index = _identifier(f"ix{number:04d}_{table.name}_{column}"[:MAX_IDENTIFIER])
        self._relations.append(index)
        up = (f"CREATE INDEX {index} ON {table.name} (tenant_id, {column})",)
        return Migration(number, f"index_{table.name}_{column}", up, (f"DROP INDEX {index}",))

    def _add_column(self, number: int) -> Migration | None:
        table = self._pick_table()
        if table is None:
            return None
        base = self._random.choice(sorted(COLUMN_TYPES))
        column = _identifier(base if base not in table.columns else f"{base}_{number}")
        table.columns[column] = COLUMN_TYPES[base]
        up = (f"ALTER TABLE {table.name} ADD COLUMN {column} {COLUMN_TYPES[base].sql}",)
        down = (f"ALTER TABLE {table.name} DROP COLUMN {column}",)
        return Migration(number, f"add_{column}_to_{table.name}", up, down)

    def _add_check(self, number: int) -> Migration | None:
        options = [
            (table, column)
            for table in self._tables
            for column, kind in table.columns.items()
            if kind.numeric and column not in table.checked
        ]
        if not options:
            return None
        table, column = self._random.choice(options)
        table.checked.add(column)
        check = _identifier(f"ck{number:04d}_{table.name}_{column}"[:MAX_IDENTIFIER])
        self._checks.append(check)
        up = (f"ALTER TABLE {table.name} ADD CONSTRAINT {check} CHECK ({column} >= 0)",)
        down = (f"ALTER TABLE {table.name} DROP CONSTRAINT {check}",)
        return Migration(number, f"check_{table.name}_{column}", up, down)

    def _create_view(self, number: int) -> Migration | None:
        table = self._pick_table()
        if table is None:
            return None
        view = _identifier(f"v{number:04d}_{table.name}_by_tenant")
        numeric = [column for column, kind in table.columns.items() if kind.numeric]
        aggregate = f",\n    sum(x.{numeric[0]}) AS total_{numeric[0]}" if numeric else ""
        up = (
            f"CREATE VIEW {view} AS\n"
            f"SELECT t.id AS tenant_id, t.slug,\n    count(x.id) AS row_count{aggregate}\n"
            f"FROM tenants AS t\n"
            f"LEFT JOIN {table.name} AS x ON x.tenant_id = t.id\n"
            "GROUP BY t.id, t.slug",
        )
        self._relations.append(view)
        return Migration(number, f"view_{table.name}_by_tenant", up, (f"DROP VIEW {view}",))

    def _seed_data(self, number: int) -> Migration | None:
        empty = [t for t in self._tables if t.rows == 0]
        if not empty:
            return None
        table = self._random.choice(empty)
        rows = self._random.randint(100, 400)
        table.rows = rows
        columns = ["tenant_id"]
        values = [f"1 + mod(g, {TENANTS})"]
        for column, parent in table.foreign_keys.items():
            if parent.key_type == "bigint" and parent.rows:
                columns.append(column)
                values.append(f"1 + mod(g, {parent.rows})")
        for column, kind in table.columns.items():
            columns.append(column)
            values.append(kind.seed)
        up = (
            f"INSERT INTO {table.name} ({', '.join(columns)})\nSELECT {', '.join(values)}\n"
            f"FROM generate_series(1, {rows}) AS g",
        )
        return Migration(number, f"seed_{table.name}", up, (f"DELETE FROM {table.name}",))


def generate(count: int, seed: int) -> MigrationSet:
    """``count`` migrations generated from ``seed`` (same arguments, same SQL)."""
    if count < 1:
        raise ValueError("at least one migration is needed")
    migrations, expected = SchemaGenerator(seed).generate(count)
    return MigrationSet(migrations=migrations, expected=expected, seed=seed)
