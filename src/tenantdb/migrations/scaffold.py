"""``tenantdb new NAME``: create the next migration file in the directory's layout."""

from __future__ import annotations

from pathlib import Path

from tenantdb.errors import MigrationFileError
from tenantdb.migrations.loader import load_migrations
from tenantdb.migrations.model import Layout, MigrationSet

_NATIVE_TEMPLATE = """-- migrate:up


-- migrate:down


-- migrate:verify
-- Every row a query here returns is a violation, e.g.:
-- SELECT 'orders.total is missing' WHERE NOT EXISTS (
--   SELECT FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'total');
"""


def _slug(name: str) -> str:
    slug = "".join(ch if ch.isalnum() else "_" for ch in name.strip().lower()).strip("_")
    while "__" in slug:
        slug = slug.replace("__", "_")
    return slug


def _refuse_a_second(existing: MigrationSet, slug: str) -> None:
    """Two migrations of one name: ``migrate status`` and the ledger could not tell them apart by eye."""
    same = next((m for m in existing if m.name == slug), None)
    if same is not None:
        raise MigrationFileError(
            f"a migration named {slug!r} exists already: {same.path.name}",
            path=existing.directory,
            hint="choose another name, or edit that migration if it is not applied yet",
        )


def new_migration_file(directory: Path, name: str, *, layout: str = "auto") -> list[Path]:
    """Create the files of the next migration and return their paths."""
    slug = _slug(name)
    if not slug:
        raise MigrationFileError(f"{name!r} is not usable as a migration name", path=directory)
    directory.mkdir(parents=True, exist_ok=True)
    existing = load_migrations(directory, layout=layout)
    _refuse_a_second(existing, slug)
    width = max((len(m.version.text) for m in existing), default=4)
    number = (existing.migrations[-1].version.key[0] + 1) if len(existing) else 1
    version = str(number).zfill(width)
    match existing.layout:
        case Layout.GOLANG_MIGRATE:
            paths = [directory / f"{version}_{slug}.up.sql", directory / f"{version}_{slug}.down.sql"]
        case Layout.FLYWAY:
            paths = [directory / f"V{number}__{slug}.sql", directory / f"U{number}__{slug}.sql"]
        case Layout.GOOSE:
            paths = [directory / f"{version}_{slug}.sql"]
        case Layout.NATIVE:
            paths = [directory / f"{version}_{slug}.sql"]
        case _:
            raise MigrationFileError(f"`new` does not write {existing.layout} migrations yet", path=directory)
    for path in paths:
        if path.exists():
            raise MigrationFileError("already exists", path=path)
    if existing.layout is Layout.GOOSE:
        paths[0].write_text("-- +goose Up\n\n\n-- +goose Down\n\n", encoding="utf-8")
    elif existing.layout is Layout.NATIVE:
        paths[0].write_text(_NATIVE_TEMPLATE, encoding="utf-8")
    else:
        for path in paths:
            path.write_text("", encoding="utf-8")
    return paths
