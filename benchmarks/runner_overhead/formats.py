"""Write one generated migration chain in the formats of each tool under test.

Every format holds exactly the same statements; only the wrapping differs:

* ``tenantdb/``: native files ``0001_name.sql`` with ``-- migrate:up`` and ``-- migrate:down`` sections;
* ``psql/``: the ``up`` statements only (``psql_down/`` holds the ``down`` ones, for the round-trip check);
* ``yoyo/``: ``0001_name.sql`` with a ``-- depends:`` comment naming the previous migration, and
  ``0001_name.rollback.sql``;
* ``alembic/``: ``alembic.ini``, ``env.py`` and ``versions/0001_name.py`` revisions chained by
  ``down_revision`` whose ``upgrade()``/``downgrade()`` call ``op.execute()`` once per statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generate import Migration, MigrationSet

ALEMBIC_URL_VARIABLE = "BENCH_DATABASE_URL"
"""The environment variable the generated Alembic ``env.py`` reads the database URL from."""

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s
path_separator = os
"""

ALEMBIC_ENV = f'''\
"""Minimal online-only Alembic environment for the runner-overhead benchmark."""

import os

from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(os.environ["{ALEMBIC_URL_VARIABLE}"], poolclass=pool.NullPool)
with engine.connect() as connection:
    # One transaction per migration, like tenantdb and yoyo (Alembic's default is one for the whole run).
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
'''


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each tool's copy of the migrations lives."""

    root: Path

    @property
    def tenantdb(self) -> Path:
        """Native tenantdb files."""
        return self.root / "tenantdb"

    @property
    def psql(self) -> Path:
        """Plain ``up`` files, one per migration."""
        return self.root / "psql"

    @property
    def psql_down(self) -> Path:
        """Plain ``down`` files, one per migration."""
        return self.root / "psql_down"

    @property
    def yoyo(self) -> Path:
        """yoyo-migrations SQL files."""
        return self.root / "yoyo"

    @property
    def alembic(self) -> Path:
        """Alembic script directory (holds ``alembic.ini`` too)."""
        return self.root / "alembic"

    @property
    def alembic_ini(self) -> Path:
        """The generated ``alembic.ini``."""
        return self.alembic / "alembic.ini"

    def psql_files(self) -> list[Path]:
        """The plain ``up`` files in the order they must run."""
        return sorted(self.psql.glob("*.sql"))

    def psql_down_files(self) -> list[Path]:
        """The plain ``down`` files in the order they must run (newest first)."""
        return sorted(self.psql_down.glob("*.sql"), reverse=True)


def sql_script(statements: tuple[str, ...]) -> str:
    """Statements as a script, each terminated by ``;`` and separated by a blank line."""
    return "\n\n".join(f"{statement};" for statement in statements) + "\n"


def write_all(migration_set: MigrationSet, root: Path) -> Layout:
    """Write every format under ``root`` and return where each went."""
    layout = Layout(root)
    for directory in (
        layout.tenantdb,
        layout.psql,
        layout.psql_down,
        layout.yoyo,
        layout.alembic / "versions",
    ):
        directory.mkdir(parents=True)
    previous: Migration | None = None
    for migration in migration_set.migrations:
        write_native(migration, layout.tenantdb)
        write_plain(migration, layout.psql, layout.psql_down)
        write_yoyo(migration, previous, layout.yoyo)
        write_alembic_revision(migration, previous, layout.alembic / "versions")
        previous = migration
    layout.alembic_ini.write_text(ALEMBIC_INI)
    (layout.alembic / "env.py").write_text(ALEMBIC_ENV)
    return layout


def write_native(migration: Migration, directory: Path) -> None:
    """``0001_name.sql`` with ``-- migrate:up`` and ``-- migrate:down`` sections."""
    text = f"-- migrate:up\n{sql_script(migration.up)}\n-- migrate:down\n{sql_script(migration.down)}"
    (directory / f"{migration.stem}.sql").write_text(text)


def write_plain(migration: Migration, up_directory: Path, down_directory: Path) -> None:
    """The ``up`` and ``down`` statements as two plain scripts of the same name."""
    (up_directory / f"{migration.stem}.sql").write_text(sql_script(migration.up))
    (down_directory / f"{migration.stem}.sql").write_text(sql_script(migration.down))


def write_yoyo(migration: Migration, previous: Migration | None, directory: Path) -> None:
    """``0001_name.sql`` (``-- depends: <previous>``) and ``0001_name.rollback.sql``."""
    depends = f"-- depends: {previous.stem}\n\n" if previous else ""
    (directory / f"{migration.stem}.sql").write_text(depends + sql_script(migration.up))
    (directory / f"{migration.stem}.rollback.sql").write_text(sql_script(migration.down))


def write_alembic_revision(migration: Migration, previous: Migration | None, directory: Path) -> None:
    """``versions/0001_name.py``: a revision whose functions run the raw SQL with ``op.execute``."""
    down_revision = f'"{previous.number:04d}"' if previous else "None"
    text = (
        f'"""{migration.stem}."""\n\n'
        "from alembic import op\n\n"
        f'revision = "{migration.number:04d}"\n'
        f"down_revision = {down_revision}\n"
        "branch_labels = None\n"
        "depends_on = None\n\n\n"
        f"def upgrade() -> None:\n{_op_calls(migration.up)}\n\n"
        f"def downgrade() -> None:\n{_op_calls(migration.down)}"
    )
    (directory / f"{migration.stem}.py").write_text(text)


def _op_calls(statements: tuple[str, ...]) -> str:
    return "".join(f"    op.execute({statement!r})\n" for statement in statements)
