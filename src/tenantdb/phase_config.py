"""``[[phases]]`` in tenantdb.toml: migrations grouped into phases with gates and rollback triggers.

[[phases]]
name = "schema preparation"
migrations = "0001-0004"             # a range, or a list of versions
pre_checks = ["checks/no_orphans.sql", "SELECT id FROM users WHERE email IS NULL"]
post_checks = ["SELECT ... "]        # every returned row is a violation
probes = { tenant_lookup = "SELECT * FROM users WHERE tenant_id = '...' LIMIT 10" }
max_regression = 0.20                # a probe more than 20% slower is a regression
rollback_on = ["failure", "violation", "regression"]
feature_off = ["UPDATE feature_flags SET enabled = false WHERE name = 'ai_reports'"]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenantdb.errors import ConfigError


def _string(value: Any, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string, got {value!r}")
    return value


ROLLBACK_TRIGGERS = ("failure", "violation", "regression")


@dataclass(frozen=True, slots=True, kw_only=True)
class NamedSql:
    """A check or probe: a name and its SQL (inline in tenantdb.toml, or read from a file next to it)."""

    name: str
    sql: str
    path: Path | None = None  # the .sql file it was read from; None when written inline in tenantdb.toml


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseSpec:
    """One ``[[phases]]`` table: which migrations, the gates around them, and when to roll back."""

    name: str
    migrations: tuple[str, ...] = ()  # explicit versions
    first: str | None = None  # or a range "0001-0004"
    last: str | None = None
    pre_checks: tuple[NamedSql, ...] = ()
    post_checks: tuple[NamedSql, ...] = ()
    probes: tuple[NamedSql, ...] = ()
    max_regression: float = 0.20
    rollback_on: frozenset[str] = frozenset(ROLLBACK_TRIGGERS)
    feature_off: tuple[NamedSql, ...] = ()
    preserve: tuple[str, ...] = ()  # tables whose existing rows the phase must leave exactly as they were


def phase_tables(data: Mapping[str, Any], path: Path) -> list[Mapping[str, Any]]:
    phases = data.get("phases", [])
    if not isinstance(phases, list) or not all(isinstance(item, dict) for item in phases):
        raise ConfigError(f"{path}: phases must be [[phases]] tables")
    return phases


_PHASE_KEYS = {
    "name",
    "migrations",
    "pre_checks",
    "post_checks",
    "probes",
    "max_regression",
    "rollback_on",
    "feature_off",
    "preserve",
}


def read_phase(table: Mapping[str, Any], project_dir: Path, index: int) -> PhaseSpec:
    name = _string(table.get("name"), f"phases[{index}].name") or f"phase {index + 1}"
    unknown = set(table) - _PHASE_KEYS
    if unknown:
        raise ConfigError(
            f"phase {name!r}: unknown key(s) {', '.join(sorted(unknown))}",
            hint=f"known: {', '.join(sorted(_PHASE_KEYS))}",
        )
    selection = table.get("migrations")
    first = last = None
    versions: tuple[str, ...] = ()
    if isinstance(selection, str) and "-" in selection.strip("-"):
        first, _, last = (part.strip() for part in selection.partition("-"))
    elif isinstance(selection, str):
        versions = (selection.strip(),)
    elif isinstance(selection, list) and all(isinstance(item, str | int) for item in selection):
        versions = tuple(str(item) for item in selection)
    else:
        raise ConfigError(f'phase {name!r}: migrations must be a range like "0001-0004" or a list of versions')
    triggers = table.get("rollback_on", list(ROLLBACK_TRIGGERS))
    if not isinstance(triggers, list) or not set(triggers) <= set(ROLLBACK_TRIGGERS):
        raise ConfigError(f"phase {name!r}: rollback_on takes any of {', '.join(ROLLBACK_TRIGGERS)}")
    regression = table.get("max_regression", 0.20)
    if not isinstance(regression, int | float) or not 0 < regression < 10:
        raise ConfigError(f"phase {name!r}: max_regression must be a fraction such as 0.2")
    return PhaseSpec(
        name=name,
        migrations=versions,
        first=first,
        last=last,
        pre_checks=_named_sql(table.get("pre_checks", []), project_dir, f"{name}: pre_checks"),
        post_checks=_named_sql(table.get("post_checks", []), project_dir, f"{name}: post_checks"),
        probes=_named_sql(table.get("probes", {}), project_dir, f"{name}: probes"),
        max_regression=float(regression),
        rollback_on=frozenset(triggers),
        feature_off=_named_sql(table.get("feature_off", []), project_dir, f"{name}: feature_off"),
        preserve=_names(table.get("preserve", []), f"phase {name!r}: preserve"),
    )


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of table names")
    return tuple(value)


def _named_sql(value: Any, project_dir: Path, where: str) -> tuple[NamedSql, ...]:
    """Inline SQL, or a ``.sql`` file relative to the project; a table gives names, a list is numbered."""
    items = list(value.items()) if isinstance(value, dict) else [(None, item) for item in value or []]
    result = []
    for number, (name, text) in enumerate(items, start=1):
        if not isinstance(text, str):
            raise ConfigError(f"{where}: expected SQL text or a .sql file, got {text!r}")
        label = str(name) if name is not None else f"#{number}"
        candidate = text.strip()
        sql, path = text, None
        if candidate.endswith(".sql") and not any(ch.isspace() for ch in candidate):
            file = project_dir / candidate
            if not file.is_file():
                raise ConfigError(f"{where}: {file} not found")
            sql, path = file.read_text(encoding="utf-8"), file
            label = str(name) if name is not None else file.stem
        result.append(NamedSql(name=label, sql=sql, path=path))
    return tuple(result)
