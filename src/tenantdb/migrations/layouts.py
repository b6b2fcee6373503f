"""Find the migration files of a directory in each supported layout and group them by version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tenantdb.errors import MigrationFileError
from tenantdb.identity import Version
from tenantdb.migrations.model import Layout


@dataclass(frozen=True, slots=True, kw_only=True)
class FileGroup:
    """The files that make one migration: a single marked file, or an up file with an optional down."""

    version: Version
    name: str
    up: Path
    down: Path | None = None
    marked: bool  # sections are marked inside one file
    no_transaction: bool = False  # a sidecar (Flyway .conf, diesel metadata.toml) asked for it


_NATIVE = re.compile(r"^(?P<version>\d+)(?:[_-](?P<name>.*))?\.sql$")
_GOLANG = re.compile(r"^(?P<version>\d+)_(?P<name>.*)\.(?P<direction>up|down)\.sql$")
_FLYWAY = re.compile(r"^(?P<kind>[VU])(?P<version>\d+(?:[._]\d+)*)__(?P<name>.+)\.sql$")
_DIESEL = re.compile(r"^(?P<version>\d[\d-]*)_(?P<name>.+)$")


def detect_layout(directory: Path) -> Layout:
    """Guess the layout from the names (and, for goose, the contents) of the files."""
    entries = [entry for entry in directory.iterdir() if not entry.name.startswith(".")]
    if any(entry.is_dir() and (entry / "up.sql").is_file() for entry in entries):
        return Layout.DIESEL
    sql_files = [entry for entry in entries if entry.is_file() and entry.name.endswith(".sql")]
    if any(_GOLANG.match(entry.name) for entry in sql_files):
        return Layout.GOLANG_MIGRATE
    if any(_FLYWAY.match(entry.name) or entry.name.startswith("R__") for entry in sql_files):
        return Layout.FLYWAY
    if any(b"-- +goose" in entry.read_bytes() for entry in sql_files):
        return Layout.GOOSE
    return Layout.NATIVE


def find_groups(directory: Path, layout: Layout, file_pattern: str | None = None) -> list[FileGroup]:
    """The migrations of ``directory`` as file groups, in no particular order."""
    if layout is Layout.DIESEL:
        return _diesel_groups(directory)
    files = sorted(entry for entry in directory.iterdir() if entry.is_file() and not entry.name.startswith("."))
    if layout is Layout.CUSTOM:
        if not file_pattern:
            raise MigrationFileError("layout 'custom' needs migrations.file_pattern", path=directory)
        return _custom_groups(directory, files, file_pattern)
    sql_files = [path for path in files if path.name.endswith(".sql")]
    if layout is Layout.GOLANG_MIGRATE:
        return _split_groups(sql_files, _GOLANG, layout)
    if layout is Layout.FLYWAY:  # Flyway scans its locations recursively
        nested = sorted(
            path
            for path in directory.rglob("*.sql")
            if not any(part.startswith(".") for part in path.relative_to(directory).parts)
        )
        return _flyway_groups(nested)
    return [_marked_group(path, _NATIVE, layout) for path in sql_files]


def _version(path: Path, text: str) -> Version:
    try:
        return Version.parse(text)
    except ValueError as error:
        raise MigrationFileError(str(error), path=path) from None


def _unmatched(path: Path, layout: Layout, example: str) -> MigrationFileError:
    return MigrationFileError(
        f"file name does not follow the {layout} layout",
        path=path,
        hint=f"name it like {example}, or move it out of the migrations directory",
    )


def _marked_group(path: Path, pattern: re.Pattern[str], layout: Layout) -> FileGroup:
    match = pattern.match(path.name)
    if not match:
        raise _unmatched(path, layout, "0007_add_costs.sql")
    return FileGroup(version=_version(path, match["version"]), name=match["name"] or "", up=path, marked=True)


def _split_groups(files: list[Path], pattern: re.Pattern[str], layout: Layout) -> list[FileGroup]:
    parts = []
    for path in files:
        match = pattern.match(path.name)
        if not match:
            raise _unmatched(path, layout, "7_add_costs.up.sql and 7_add_costs.down.sql")
        parts.append((path, _version(path, match["version"]), match["name"], match["direction"]))
    return _collect_split(parts)


def _collect_split(parts: list[tuple[Path, Version, str, str]]) -> list[FileGroup]:
    """Pair (path, version, name, direction) entries into up/down groups, refusing duplicates."""
    ups: dict[Version, tuple[str, Path]] = {}
    downs: dict[Version, Path] = {}
    for path, version, name, direction in parts:
        if direction not in ("up", "down"):
            raise MigrationFileError(f"direction must be 'up' or 'down', not {direction!r}", path=path)
        if direction == "up" and version in ups:
            raise _duplicate(path, version, ups[version][1])
        if direction == "down" and version in downs:
            raise _duplicate(path, version, downs[version])
        if direction == "up":
            ups[version] = (name, path)
        else:
            downs[version] = path
    return _pair(ups, downs)


def _pair(ups: dict[Version, tuple[str, Path]], downs: dict[Version, Path]) -> list[FileGroup]:
    for version, path in downs.items():
        if version not in ups:
            raise MigrationFileError(f"down migration for version {version} has no up migration", path=path)
    return [
        FileGroup(version=version, name=name, up=path, down=downs.get(version), marked=False)
        for version, (name, path) in ups.items()
    ]


def _duplicate(path: Path, version: Version, other: Path) -> MigrationFileError:
    return MigrationFileError(
        f"duplicate version {version} (also {other.name})",
        path=path,
        hint="every migration needs its own version number",
    )


def _flyway_groups(files: list[Path]) -> list[FileGroup]:
    parts = []
    for path in files:
        if path.name.startswith("R__"):
            raise MigrationFileError(
                "Flyway repeatable migrations (R__) are not supported",
                path=path,
                hint="turn it into a versioned migration (V<n>__name.sql) that uses CREATE OR REPLACE",
            )
        match = _FLYWAY.match(path.name)
        if not match:
            raise _unmatched(path, Layout.FLYWAY, "V7__add_costs.sql and U7__add_costs.sql")
        direction = "up" if match["kind"] == "V" else "down"
        parts.append((path, _version(path, match["version"]), match["name"].replace("_", " "), direction))
    groups = _collect_split(parts)
    return [
        FileGroup(
            version=group.version,
            name=group.name,
            up=group.up,
            down=group.down,
            marked=False,
            no_transaction=_flyway_no_transaction(group.up),
        )
        for group in groups
    ]


def _flyway_no_transaction(path: Path) -> bool:
    conf = path.with_name(path.name + ".conf")
    if not conf.is_file():
        return False
    for number, line in enumerate(conf.read_text(encoding="utf-8").splitlines(), start=1):
        key, _, value = line.partition("=")
        if key.strip() == "executeInTransaction":
            if value.strip().lower() not in ("true", "false"):
                raise MigrationFileError("executeInTransaction must be true or false", path=conf, line=number)
            return value.strip().lower() == "false"
    return False


def _diesel_groups(directory: Path) -> list[FileGroup]:
    groups: dict[Version, FileGroup] = {}
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        match = _DIESEL.match(entry.name)
        if not match or not (entry / "up.sql").is_file():
            raise _unmatched(entry, Layout.DIESEL, "2024-01-31-120000_add_costs/up.sql")
        try:
            version = Version.parse_lexical(match["version"])
        except ValueError as error:
            raise MigrationFileError(str(error), path=entry) from None
        if version in groups:
            raise _duplicate(entry, version, groups[version].up.parent)
        down = entry / "down.sql"
        groups[version] = FileGroup(
            version=version,
            name=match["name"],
            up=entry / "up.sql",
            down=down if down.is_file() else None,
            marked=False,
            no_transaction=_diesel_no_transaction(entry / "metadata.toml"),
        )
    return list(groups.values())


def _diesel_no_transaction(path: Path) -> bool:
    if not path.is_file():
        return False
    import tomllib  # only diesel directories with a metadata.toml read TOML here

    try:
        metadata = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise MigrationFileError(str(error), path=path) from None
    return metadata.get("run_in_transaction", True) is False


def _custom_groups(directory: Path, files: list[Path], file_pattern: str) -> list[FileGroup]:
    try:
        pattern = re.compile(file_pattern)
    except re.error as error:
        raise MigrationFileError(f"migrations.file_pattern is not a valid regex: {error}", path=directory) from None
    if "version" not in pattern.groupindex:
        raise MigrationFileError("migrations.file_pattern needs a (?P<version>...) group", path=directory)
    matching = [path for path in files if pattern.fullmatch(path.name)]
    if "direction" not in pattern.groupindex:
        groups = []
        for path in matching:
            match = pattern.fullmatch(path.name)
            assert match is not None
            name = match["name"] if "name" in pattern.groupindex else ""
            groups.append(FileGroup(version=_version(path, match["version"]), name=name, up=path, marked=True))
        return groups
    parts = []
    for path in matching:
        match = pattern.fullmatch(path.name)
        assert match is not None
        name = match["name"] if "name" in pattern.groupindex else ""
        parts.append((path, _version(path, match["version"]), name, match["direction"].lower()))
    return _collect_split(parts)
