"""``tenantdb rollback --phase NAME --level schema|data|feature``."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tenantdb.commands.connection import open_session
from tenantdb.config import Settings
from tenantdb.errors import ConfigError
from tenantdb.execute import (
    Observer,
    SilentObserver,
    runner_lock,
)
from tenantdb.migrations import (
    load_project_migrations,
)
from tenantdb.phase_feature import FeatureReport, feature_off, feature_on
from tenantdb.phase_rollback import DataRollbackReport, rollback_data
from tenantdb.phases import phase_members, rollback_phase

ROLLBACK_LEVELS = ("schema", "data", "feature")


@dataclass(frozen=True, slots=True, kw_only=True)
class RollbackReport:
    """What ``tenantdb rollback`` did, by level: downs run, rows removed, or a feature switched."""

    phase: str
    level: str
    rolled_back: tuple[str, ...] = ()  # schema: the downs run, newest first
    data: DataRollbackReport | None = None
    feature: FeatureReport | None = None


def rollback(
    settings: Settings,
    phase: str,
    level: str,
    observer: Observer | None = None,
    *,
    restore: bool = False,
    force: bool = False,
    dry_run: bool = False,
) -> RollbackReport:
    """``tenantdb rollback --phase NAME --level schema|data|feature`` (``--restore`` turns a feature back on)."""
    spec = next((p for p in settings.phases if p.name == phase), None)
    if spec is None:
        known = ", ".join(p.name for p in settings.phases) or "none configured"
        raise ConfigError(f"no phase named {phase!r}", hint=f"phases: {known}")
    if level not in ROLLBACK_LEVELS:
        raise ConfigError(f"unknown rollback level {level!r}", hint=f"levels: {', '.join(ROLLBACK_LEVELS)}")
    if restore and level != "feature":
        raise ConfigError("--restore only applies to --level feature")
    if dry_run and level != "data":
        raise ConfigError("--dry-run only applies to --level data", hint="`tenantdb migrate up --dry-run` lists downs")
    project = load_project_migrations(settings)
    phase_set = replace(project, migrations=tuple(phase_members(spec, project)))
    observer = observer or SilentObserver()
    with open_session(settings) as session, runner_lock(session, settings.runner, observer):
        if level == "data":
            data = rollback_data(session, phase, phase_set, settings, dry_run=dry_run)
            return RollbackReport(phase=phase, level=level, data=data)
        if level == "feature":
            switch = feature_on if restore else feature_off
            return RollbackReport(phase=phase, level=level, feature=switch(session, spec, settings, force=force))
        labels = rollback_phase(session, phase_set, settings, observer)
        return RollbackReport(phase=phase, level=level, rolled_back=tuple(labels))
