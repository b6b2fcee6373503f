"""``tenantdb rollback --phase NAME --level schema|data|feature``: one phase, one level of the registry."""

from __future__ import annotations

from tenantdb.commands.connection import open_session
from tenantdb.config import Settings
from tenantdb.errors import ConfigError
from tenantdb.execute import Observer, SilentObserver, runner_lock
from tenantdb.migrations import load_project_migrations
from tenantdb.phases import Level, LevelOutcome, LevelRequest, phase_set
from tenantdb.phases.levels import LEVELS, Restorable, implementation

ROLLBACK_LEVELS = tuple(Level)
RollbackReport = LevelOutcome  # what ``tenantdb rollback`` did, by level


def rollback(
    settings: Settings,
    phase: str,
    level: Level | str,
    observer: Observer | None = None,
    *,
    restore: bool = False,
    force: bool = False,
    dry_run: bool = False,
) -> LevelOutcome:
    """``tenantdb rollback --phase NAME --level schema|data|feature`` (``--restore`` turns a feature back on)."""
    spec = next((p for p in settings.phases if p.name == phase), None)
    if spec is None:
        known = ", ".join(p.name for p in settings.phases) or "none configured"
        raise ConfigError(f"no phase named {phase!r}", hint=f"phases: {known}")
    chosen = implementation(level)
    if restore and not isinstance(chosen, Restorable):
        restorable = ", ".join(f"{{level}} {name}" for name, impl in LEVELS.items() if isinstance(impl, Restorable))
        raise ConfigError(f"only applies to {restorable}", option="restore", refers=("level",))
    project = load_project_migrations(settings)
    request = LevelRequest(
        spec=spec,
        members=phase_set(spec, project),
        settings=settings,
        observer=observer or SilentObserver(),
        dry_run=dry_run,
        restore=restore,
        force=force,
    )
    chosen.validate(request)
    with open_session(settings) as session, runner_lock(session, settings.runner, request.observer):
        if isinstance(chosen, Restorable) and restore:
            return chosen.restore(session, request)
        return chosen.run(session, request)
