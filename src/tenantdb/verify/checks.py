"""``migrate verify``: every applied migration's verify block, INVALID indexes, NOT VALID constraints, orphans.

Orphaned references (``*_id`` columns without a foreign key whose values match no key) are checked by
:mod:`tenantdb.verify.orphans`, as configured in ``[verify]``.

A verify block is SQL whose every returned row is a violation. Blocks run in a read-only transaction that is
always rolled back, so a verify block can never change the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tenantdb.config import NamedSql, VerifySettings
from tenantdb.db import Session, applied_migrations, invalid_indexes, not_valid_constraints
from tenantdb.errors import DatabaseError
from tenantdb.migrations import PROJECT_SOURCE, Migration, MigrationSet
from tenantdb.verify.ledger import ledger_claims, ledger_contradictions
from tenantdb.verify.model import VerifyReport, Violation
from tenantdb.verify.orphans import orphan_violations


def verify(
    session: Session, sources: MigrationSet | Sequence[MigrationSet], settings: VerifySettings | None = None
) -> VerifyReport:
    """Run the verify blocks of every applied migration of every source, and the catalog integrity checks."""
    sets = [sources] if isinstance(sources, MigrationSet) else list(sources)
    violations: list[Violation] = []
    checked = queries = 0
    for migration_set in sets:
        applied = {migration_set.version_of(row.version) for row in applied_migrations(session, migration_set.source)}
        for migration in migration_set:
            if migration.version in applied and migration.verify is not None:
                checked += 1
                for statement in migration.verify.statements:
                    queries += 1
                    found = _run_verify_query(session, _subject(migration), statement.text, statement.line)
                    violations.extend(found)
    for index in invalid_indexes(session):
        violations.append(
            Violation(
                check="invalid-index",
                subject=f"{index.schema}.{index.name}",
                message=f"index on {index.table} is INVALID (an interrupted concurrent build); drop and rebuild it",
            )
        )
    for constraint in not_valid_constraints(session):
        violations.append(
            Violation(
                check="not-valid-constraint",
                subject=f"{constraint.schema}.{constraint.table}.{constraint.name}",
                message="constraint is NOT VALID: existing rows were never checked; run VALIDATE CONSTRAINT",
            )
        )
    rows = applied_migrations(session)
    claims = ledger_claims(rows)
    violations.extend(ledger_contradictions(session, claims))
    references, orphans = orphan_violations(session, settings or VerifySettings())
    violations.extend(orphans)
    return VerifyReport(
        migrations_checked=checked,
        queries_run=queries,
        applied=len(rows),
        ledger_objects=len(claims),
        references_checked=references,
        violations=tuple(violations),
    )


def _subject(migration: Migration) -> str:
    return str(migration.version) if migration.source == PROJECT_SOURCE else f"{migration.source}/{migration.version}"


def _run_verify_query(session: Session, version: str, text: str, line: int) -> list[Violation]:
    try:
        with session.transaction():
            session.execute("SET TRANSACTION READ ONLY")
            columns, rows = session.fetch_script(text)
            session.rollback()
    except DatabaseError as error:
        return [
            Violation(
                check="verify-error",
                subject=version,
                line=line,
                message=f"verify query failed: {error.message}",
            )
        ]
    return [
        Violation(
            check="verify-block",
            subject=version,
            line=line,
            message=", ".join(str(value) for value in row) or "violation",
            columns=tuple(columns),
            row=tuple(row),
        )
        for row in rows
    ]


def run_checks(session: Session, checks: Sequence[NamedSql], *, kind: str) -> list[Violation]:
    """Run gate checks (one query each, read-only, rolled back); every returned row is a violation."""
    violations: list[Violation] = []
    for check in checks:
        for violation in _run_verify_query(session, check.name, check.sql, 1):
            violations.append(replace(violation, check=kind, line=None))
    return violations
