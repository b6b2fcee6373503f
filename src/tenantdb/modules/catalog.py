"""Bundled schema modules: ``modules/<name>/module.toml`` plus native migrations, shipped as package data.

A project enables modules in tenantdb.toml (``modules = ["core", "billing"]``); ``migrate up`` applies them,
requirements first, before the project's own migrations. Each module has its own version line in
``tenantdb.applied_migrations`` (source = the module's name), so module versions never collide with the
project's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from tenantdb.config import PlaceholderSettings
from tenantdb.errors import ConfigError
from tenantdb.migrations import Layout, MigrationSet, load_migrations

PACKAGE = "tenantdb.modules"


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleSpec:
    """What ``module.toml`` says about a module."""

    name: str
    version: str
    description: str
    requires: tuple[str, ...]
    directory: Path
    # Tables of settings, not data (keys, modes): the seed leaves them empty, because a row changes behaviour.
    configuration_tables: tuple[str, ...] = ()
    # ``[lint.accepted]``: per migration file, the lint findings it has on purpose (rule id -> reason); released
    # files are never edited, so a suppression comment cannot be added to them
    accepted_findings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


_STACK = ExitStack()  # keeps extracted resource folders alive for the life of the process


def _root() -> Path:
    return _STACK.enter_context(resources.as_file(resources.files(PACKAGE)))


def available_modules() -> dict[str, ModuleSpec]:
    """Every bundled module, by name."""
    modules = {}
    for folder in sorted(_root().iterdir()):
        manifest = folder / "module.toml"
        if manifest.is_file():
            spec = _read_manifest(manifest)
            modules[spec.name] = spec
    return modules


def _read_manifest(path: Path) -> ModuleSpec:
    import tomllib  # only when modules are read: lint and migrate of a project without modules start faster

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    name = str(data.get("name", path.parent.name))
    if name != path.parent.name:
        raise ConfigError(f"{path}: name {name!r} does not match its folder {path.parent.name!r}")
    return ModuleSpec(
        name=name,
        version=str(data.get("version", "0")),
        description=str(data.get("description", "")),
        requires=tuple(str(item) for item in data.get("requires", ())),
        directory=path.parent,
        configuration_tables=tuple(str(item) for item in data.get("configuration-tables", ())),
        accepted_findings=_accepted_findings(path, data.get("lint", {}).get("accepted", {})),
    )


def _accepted_findings(manifest: Path, table: Any) -> dict[str, dict[str, str]]:
    """``[lint.accepted."NNNN_name.sql"] rule-id = "reason"``, checked: the file exists, each reason is given."""
    if not isinstance(table, dict):
        raise ConfigError(f"{manifest}: [lint.accepted] must be a table of migration files")
    accepted: dict[str, dict[str, str]] = {}
    for file, rules in table.items():
        if not (manifest.parent / "migrations" / file).is_file():
            raise ConfigError(f"{manifest}: [lint.accepted] names {file!r}, which is not one of its migrations")
        if not isinstance(rules, dict) or not all(isinstance(r, str) and r.strip() for r in rules.values()):
            raise ConfigError(f"{manifest}: [lint.accepted.{file!r}] must map rule ids to the reason (a sentence)")
        accepted[str(file)] = {str(rule): str(reason) for rule, reason in rules.items()}
    return accepted


def resolve_modules(names: Iterable[str]) -> list[ModuleSpec]:
    """The named modules and everything they require, requirements first (a stable topological order)."""
    available = available_modules()
    ordered: list[ModuleSpec] = []
    visiting: list[str] = []

    def visit(name: str, wanted_by: str | None) -> None:
        if any(spec.name == name for spec in ordered):
            return
        if name not in available:
            who = f" (required by {wanted_by})" if wanted_by else ""
            raise ConfigError(f"unknown module {name!r}{who}", hint=f"bundled modules: {', '.join(sorted(available))}")
        if name in visiting:
            raise ConfigError(f"modules require each other in a cycle: {' -> '.join([*visiting, name])}")
        visiting.append(name)
        for requirement in available[name].requires:
            visit(requirement, name)
        visiting.pop()
        ordered.append(available[name])

    for name in names:
        visit(name, None)
    return ordered


def module_migrations(spec: ModuleSpec, placeholders: PlaceholderSettings | None = None) -> MigrationSet:
    """A module's migrations, with the module's name as their ledger source."""
    found = load_migrations(
        spec.directory / "migrations", layout=Layout.NATIVE.value, placeholders=placeholders, source=spec.name
    )
    if not spec.accepted_findings:
        return found
    accepted = tuple(
        replace(m, accepted_findings=spec.accepted_findings.get(m.path.name, {})) for m in found.migrations
    )
    return replace(found, migrations=accepted)


def seed_script(spec: ModuleSpec) -> str | None:
    """The module's ``seed.sql`` (demo and benchmark data, run by ``tenantdb seed``), or None when it has none."""
    path = spec.directory / "seed.sql"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def iter_module_sets(names: Iterable[str]) -> Iterator[MigrationSet]:
    for spec in resolve_modules(names):
        yield module_migrations(spec)
