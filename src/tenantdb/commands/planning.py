"""Use case of ``tenantdb plan``: the pending migrations previewed on the database, and linted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tenantdb.commands.connection import open_session
from tenantdb.commands.migrations import refuse_pending_adoption
from tenantdb.commands.sources import load_sources
from tenantdb.config import Settings
from tenantdb.execute.preview import PLAN_STATEMENT_TIMEOUT, Preview, preview
from tenantdb.lint import Finding, lint_migrations


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanReport:
    """``tenantdb plan``: what the pending migrations do to this database, and what the linter says."""

    preview: Preview
    findings: tuple[Finding, ...]
    server_version: int

    @property
    def ok(self) -> bool:
        return self.preview.errors == 0 and not any(f.severity == "error" for f in self.findings)


def plan(settings: Settings, *, statement_timeout: timedelta = PLAN_STATEMENT_TIMEOUT) -> PlanReport:
    """Preview the pending migrations on the target database in a rolled-back transaction, and lint them; a
    statement that runs longer than ``statement_timeout`` ends the preview."""
    sources = load_sources(settings)
    with open_session(settings, "plan") as session:
        refuse_pending_adoption(session, sources, settings)  # up would refuse: previewing what already ran misleads
        result = preview(session, sources, settings.runner, statement_timeout=statement_timeout)
        version = session.server_version
    pending = {m.path for m in result.migrations}
    migrations = [m for source in sources for m in source]
    report = lint_migrations(
        migrations,
        pg_version=version // 10000,
        archive=settings.runner.archive,
        online=settings.runner.online,
        lint=settings.lint,
    )
    findings = tuple(f for f in report.findings if f.path in pending)
    return PlanReport(preview=result, findings=findings, server_version=version)
