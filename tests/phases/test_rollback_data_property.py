"""Property: whatever the application does after a phase, ``rollback --level data`` removes only phase rows.

Random application activity (inserts, updates, deletes, references to the phase's rows) runs after a phase
that seeded parents and children. A model tracks where every row came from; after the data rollback the
application's rows are all there and unchanged, phase rows survive exactly when the application changed them or
a surviving row references them, and restoring the archive gives back the data as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from tenantdb import commands
from tenantdb.config import load_settings
from tenantdb.db import Session, table_digest
from tests.helpers import FAST, write_files

BASE = """-- migrate:up
CREATE TABLE parents (id int PRIMARY KEY, v int NOT NULL);
CREATE TABLE children (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parents ON DELETE CASCADE, v int NOT NULL);
INSERT INTO parents SELECT g, 0 FROM generate_series(100, 104) g;
-- migrate:down
DROP TABLE children;
DROP TABLE parents;
"""
SEED = """-- migrate:up
INSERT INTO parents SELECT g, 0 FROM generate_series(1, 6) g;
INSERT INTO children SELECT g, g, 0 FROM generate_series(1, 6) g;
-- migrate:down
SELECT 1;
"""

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["insert parent", "insert child", "update parent", "update child", "delete child"]),
        st.integers(min_value=0, max_value=50),
    ),
    max_size=12,
)


@dataclass
class Model:
    """Where each row came from, and whether the application changed it."""

    parents: dict[int, str] = field(default_factory=dict)  # id -> "base" | "phase" | "app" | "changed"
    children: dict[int, tuple[str, int]] = field(default_factory=dict)  # id -> (origin, parent id)
    next_id: int = 200

    def apply(self, session: Session, operation: str, pick: int) -> None:
        parents, children = sorted(self.parents), sorted(self.children)
        if operation == "insert parent":
            session.execute("INSERT INTO parents VALUES (%s, 1)", (self.next_id,))
            self.parents[self.next_id] = "app"
            self.next_id += 1
        elif operation == "insert child":
            parent = parents[pick % len(parents)]
            session.execute("INSERT INTO children VALUES (%s, %s, 1)", (self.next_id, parent))
            self.children[self.next_id] = ("app", parent)
            self.next_id += 1
        elif operation == "update parent":
            parent = parents[pick % len(parents)]
            session.execute("UPDATE parents SET v = v + 1 WHERE id = %s", (parent,))
            self.parents[parent] = "changed" if self.parents[parent] == "phase" else self.parents[parent]
        elif children and operation == "update child":
            child = children[pick % len(children)]
            session.execute("UPDATE children SET v = v + 1 WHERE id = %s", (child,))
            origin, parent = self.children[child]
            self.children[child] = ("changed" if origin == "phase" else origin, parent)
        elif children and operation == "delete child":
            child = children[pick % len(children)]
            session.execute("DELETE FROM children WHERE id = %s", (child,))
            del self.children[child]

    def expected(self) -> tuple[list[int], list[int]]:
        """Parents and children that must remain after the data rollback."""
        children = sorted(c for c, (origin, _) in self.children.items() if origin != "phase")
        referenced = {self.children[c][1] for c in children}
        parents = sorted(p for p, origin in self.parents.items() if origin != "phase" or p in referenced)
        return parents, children


def ids(session: Session, table: str) -> list[int]:
    rows = session.fetch_all(
        "SELECT id FROM parents ORDER BY id" if table == "parents" else "SELECT id FROM children ORDER BY id"
    )
    return [int(row[0]) for row in rows]


def reset(session: Session) -> None:
    schemas = session.fetch_all("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenantdb%'")
    for (name,) in schemas:
        session.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))
    session.execute("DROP SCHEMA public CASCADE")
    session.execute("CREATE SCHEMA public")


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_data_rollback_never_removes_what_the_application_wrote(
    session: Session, dsn: str, tmp_path: Path, operations: list[tuple[str, int]]
) -> None:
    reset(session)
    write_files(tmp_path / "migrations", {"0001_base.sql": BASE, "0002_seed.sql": SEED})
    (tmp_path / "tenantdb.toml").write_text(
        '[[phases]]\nname = "base"\nmigrations = ["0001"]\n\n[[phases]]\nname = "seed"\nmigrations = ["0002"]\n'
    )
    project = replace(load_settings(tmp_path), dsn=dsn, runner=FAST)
    assert commands.migrate_phases(project, dry_run=False).ok
    model = Model(
        parents={**dict.fromkeys(range(100, 105), "base"), **dict.fromkeys(range(1, 7), "phase")},
        children={c: ("phase", c) for c in range(1, 7)},
    )
    for operation, pick in operations:
        model.apply(session, operation, pick)
    before = {table: table_digest(session, "public", table) for table in ("parents", "children")}

    report = commands.rollback(project, "seed", "data")

    assert (ids(session, "parents"), ids(session, "children")) == model.expected()
    assert report.data is not None
    for entry in sorted((t.archive_id for t in report.data.tables if t.archive_id is not None), reverse=True):
        commands.archive_restore(project, entry)
    assert {table: table_digest(session, "public", table) for table in ("parents", "children")} == before
