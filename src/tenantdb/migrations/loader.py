"""Load a migration directory, in any supported layout, into a :class:`MigrationSet`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from tenantdb.config import PlaceholderSettings, Settings
from tenantdb.errors import MigrationFileError
from tenantdb.identity import Version
from tenantdb.migrations.layouts import FileGroup, detect_layout, find_groups
from tenantdb.migrations.marked import MarkedFile, parse_goose, parse_native
from tenantdb.migrations.model import (
    PROJECT_SOURCE,
    BrokenMigration,
    Layout,
    Migration,
    MigrationSet,
    Script,
    ScriptProblem,
    checksum,
    normalize,
)
from tenantdb.migrations.scripts import (
    DIRECTIVE_PREFIX,
    Directives,
    apply_placeholders,
    build_script,
    read_directives,
    read_text,
    scan_comments,
)
from tenantdb.sql.tree import fast_trees


# Layouts whose own tools replace ${placeholders}; the others run files exactly as written.
def _placeholders_for(layout: Layout, settings: PlaceholderSettings | None) -> PlaceholderSettings | None:
    """Placeholders replace only where the layout's own tool replaces them, or where the project asked for it.

    Flyway (and custom layouts, which follow it) always replace; native files only once the project defines
    values or sets ``enabled = true``, so dbmate files with ``${...}`` in their SQL run exactly as written.
    golang-migrate, goose and diesel never replace.
    """
    if settings is None or settings.enabled is False:
        return None
    if layout is Layout.FLYWAY:
        return replace(settings, values={**flyway_builtins(), **settings.values})
    if layout is Layout.CUSTOM or (layout is Layout.NATIVE and (settings.enabled or settings.values)):
        return settings
    return None


def flyway_builtins() -> dict[str, str]:
    """Flyway's built-in placeholders with values that mean the same on any PostgreSQL database."""
    return {
        "flyway:defaultSchema": "public",
        "flyway:user": "CURRENT_USER",
        "flyway:table": "flyway_schema_history",
        "flyway:timestamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }


def load_project_migrations(settings: Settings, *, keep_broken: bool = False) -> MigrationSet:
    """The project's migrations as configured in ``settings``."""
    return load_migrations(
        settings.migrations_dir,
        layout=settings.layout,
        file_pattern=settings.file_pattern,
        placeholders=settings.placeholders,
        keep_broken=keep_broken,
    )


def load_migrations(
    directory: Path,
    *,
    layout: str = "auto",
    file_pattern: str | None = None,
    placeholders: PlaceholderSettings | None = None,
    source: str = PROJECT_SOURCE,
    keep_broken: bool = False,
) -> MigrationSet:
    """Read every migration of ``directory``; any bad file raises :class:`MigrationFileError`.

    ``keep_broken``: a file that cannot be read or parsed goes into :attr:`MigrationSet.broken` instead, so
    ``migrate status`` can still show the database's state (the directory's layout errors still raise)."""
    if not directory.is_dir():
        raise MigrationFileError(
            "migrations directory not found",
            path=directory,
            remedy="directory",
            hint="to name it, set [migrations] dir in tenantdb.toml, or create one with `tenantdb new NAME`",
        )
    chosen = _choose_layout(directory, layout, file_pattern)
    placeholders = _placeholders_for(chosen, placeholders)
    built: list[Migration] = []
    broken: list[BrokenMigration] = []
    with fast_trees():  # one switch to pglast's fast node construction for every file
        for group in find_groups(directory, chosen, file_pattern):
            try:
                built.append(_build(group, chosen, placeholders, source))
            except MigrationFileError as error:
                if not keep_broken:
                    raise
                broken.append(_broken(group, error))
    migrations = sorted(built, key=lambda migration: migration.version)
    for previous, current in pairwise(migrations):
        if previous.version == current.version:
            raise MigrationFileError(
                f"duplicate version {current.version} (also {previous.path.name})",
                path=current.path,
                hint="every migration needs its own version number",
            )
    return MigrationSet(
        directory=directory, layout=chosen, migrations=tuple(migrations), source=source, broken=tuple(broken)
    )


def _broken(group: FileGroup, error: MigrationFileError) -> BrokenMigration:
    try:
        file_checksum: str | None = checksum(normalize(read_text(group.up)))
    except MigrationFileError:
        file_checksum = None
    return BrokenMigration(
        version=group.version,
        name=group.name,
        path=error.path,
        line=error.line,
        reason=error.reason,
        checksum=file_checksum,
    )


def _choose_layout(directory: Path, layout: str, file_pattern: str | None) -> Layout:
    if layout == "auto":
        return Layout.CUSTOM if file_pattern else detect_layout(directory)
    if layout == "dbmate":
        return Layout.NATIVE
    try:
        return Layout(layout)
    except ValueError:
        known = ", ".join(["auto", "dbmate", *Layout])
        raise MigrationFileError(f"unknown layout {layout!r}", path=directory, hint=f"use one of: {known}") from None


def _build(group: FileGroup, layout: Layout, placeholders: PlaceholderSettings | None, source: str) -> Migration:
    raw = read_text(group.up)
    normalized = normalize(raw)
    text = apply_placeholders(group.up, raw, placeholders)
    if group.marked:
        goose = layout is Layout.GOOSE or (layout is Layout.CUSTOM and _goose_marked(group.up, text))
        marked = parse_goose(group.up, text) if goose else parse_native(group.up, text)
    else:
        marked = _split_file_migration(group, text, placeholders)
    return Migration(
        version=group.version,
        name=group.name,
        layout=layout,
        up=marked.up,
        down=marked.down,
        down_problem=marked.down_problem,
        verify=marked.verify,
        checksum=checksum(normalized),
        normalized_text=normalized,
        source=source,
        lock_timeout=marked.directives.lock_timeout,
        statement_timeout=marked.directives.statement_timeout,
    )


def _goose_marked(path: Path, text: str) -> bool:
    """A custom layout's single file in goose's format (``-- +goose Up``) rather than the native one."""
    return any(
        c.starts_line and " ".join(c.text.lower().split()).startswith("+goose up") for c in scan_comments(path, text)
    )


def _split_file_migration(group: FileGroup, up_text: str, placeholders: PlaceholderSettings | None) -> MarkedFile:
    """An up file and its optional down file. Without a down file the migration is irreversible (``down`` refuses
    it unless told ``--ledger-only``), except when the up file itself is empty: nothing to undo."""
    directives = read_directives(group.up, scan_comments(group.up, up_text, starting=(DIRECTIVE_PREFIX,)))
    no_transaction = group.no_transaction or directives.no_transaction
    down: Script | None = None
    problem: ScriptProblem | None = None
    if group.down is not None:
        down_text = apply_placeholders(group.down, read_text(group.down), placeholders)
        down_directives = read_directives(
            group.down, scan_comments(group.down, down_text, starting=(DIRECTIVE_PREFIX,))
        )
        try:
            down = build_script(group.down, down_text, no_transaction=no_transaction or down_directives.no_transaction)
        except MigrationFileError as error:  # as the layout's own tool, apply without reading the down file
            problem = ScriptProblem(path=group.down, line=error.line, message=error.message.split(": ", 1)[-1])
    up = build_script(group.up, up_text, no_transaction=no_transaction)
    if down is None and problem is None and not up.statements:
        down = build_script(group.up, "")
    return MarkedFile(
        up=up,
        down=down,
        down_problem=problem,
        verify=None,
        directives=Directives(
            no_transaction=no_transaction,
            lock_timeout=directives.lock_timeout,
            statement_timeout=directives.statement_timeout,
            ignores=directives.ignores,
        ),
    )


def load_single_file(path: Path, placeholders: PlaceholderSettings | None = None) -> Migration:
    """One SQL file outside a migration directory (for ``lint``): native if it has markers, else plain SQL."""
    if not path.is_file():
        raise MigrationFileError("file not found", path=path)
    raw = read_text(path)
    placeholders = _placeholders_for(Layout.NATIVE, placeholders)
    text = apply_placeholders(path, raw, placeholders)
    if scan_comments(path, text, starting=("migrate:up", "+goose Up")):
        marked = parse_goose(path, text) if "+goose" in text else parse_native(path, text)
    else:
        group = FileGroup(version=Version.parse("0"), name=path.stem, up=path, marked=False)
        marked = _split_file_migration(group, text, placeholders)
    normalized = normalize(raw)
    return Migration(
        version=Version.parse("0"),
        name=path.stem,
        layout=Layout.NATIVE,
        up=marked.up,
        down=marked.down,
        verify=marked.verify,
        checksum=checksum(normalized),
        normalized_text=normalized,
        lock_timeout=marked.directives.lock_timeout,
        statement_timeout=marked.directives.statement_timeout,
    )


def load_plain_scripts(directory: Path, placeholders: PlaceholderSettings | None = None) -> list[Migration] | None:
    """A folder of plain SQL scripts, none with a migration marker, in natural name order (for ``lint``).

    ``None`` when the folder is not one (it holds no ``.sql`` file, or a file is written in a migration layout).
    """
    files = sorted(directory.glob("*.sql"), key=_natural_key)
    if not files or any(_marked(path) for path in files):
        return None
    return [load_single_file(path, placeholders) for path in files]


def _marked(path: Path) -> bool:
    return bool(scan_comments(path, read_text(path), starting=("migrate:", "+goose")))


def _natural_key(path: Path) -> tuple[int, str]:
    digits = path.name[: len(path.name) - len(path.name.lstrip("0123456789"))]
    return (int(digits) if digits else -1, path.name)
