"""Use case of ``tenantdb migrate up`` in a project with ``[[phases]]``."""

from __future__ import annotations

from tenantdb.commands.connection import open_session
from tenantdb.commands.migrations import refuse_pending_adoption
from tenantdb.commands.sources import load_sources
from tenantdb.config import Settings
from tenantdb.execute import Observer
from tenantdb.phases import PhasesReport, run_phases


def migrate_phases(settings: Settings, *, dry_run: bool, observer: Observer | None = None) -> PhasesReport:
    """``migrate up`` for a project with ``[[phases]]``: gates, probes and automatic rollback per phase."""
    sources = load_sources(settings)
    with open_session(settings) as session:
        refuse_pending_adoption(session, sources, settings)
        return run_phases(session, sources, settings, observer, dry_run=dry_run)
