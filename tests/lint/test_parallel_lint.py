"""Linting with several processes reports exactly what one process reports: same findings, same order, same exit.

The files are every rule's documented bad and good examples (so every rule finds something), suppressions used and
unused, and objects created in one file and used in later ones (directory-aware rules), in a native migration
directory of more files than the parallel run needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenantdb.cli.app import app
from tenantdb.commands.linting import lint
from tenantdb.config import LintProfile, load_settings
from tenantdb.lint import LintReport, bodies, lint_migrations
from tenantdb.lint.context import LintContext
from tenantdb.lint.engine import PARALLEL_FROM, _shares
from tenantdb.lint.model import Derived, Rule
from tenantdb.lint.rules import RULES
from tenantdb.migrations import load_migrations
from tests.helpers import write_files

TENANT = "NULLIF(current_setting('app.current_tenant_id', true), '')::uuid"
CROSS_FILE = {
    "base": """CREATE ROLE reporting NOLOGIN;
CREATE TABLE orders (tenant_id uuid NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
ALTER TABLE orders ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE TABLE notes (tenant_id uuid NOT NULL, body text);
CREATE VIEW order_totals WITH (security_invoker = true) AS SELECT tenant_id, count(*) AS n FROM orders GROUP BY 1;
""",
    "security": f"""CREATE INDEX order_totals_idx ON order_totals (tenant_id);
CREATE POLICY totals_isolation ON order_totals USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT});
CREATE POLICY notes_isolation ON notes USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT});
-- tenantdb: ignore[ban-drop-table] the table was never used
DROP TABLE notes;
-- tenantdb: ignore[ban-truncate] nothing to suppress here
GRANT SELECT ON order_totals TO reporting;
CREATE VIEW order_report AS SELECT tenant_id, id FROM orders;
""",
}


def _files() -> dict[str, str]:
    bodies = [text for rule in RULES for text in (*rule.bad, *rule.good)]
    bodies.insert(len(bodies) // 3, CROSS_FILE["base"])
    bodies.insert(2 * len(bodies) // 3, CROSS_FILE["security"])
    files = {}
    for number, body in enumerate(bodies, start=1):
        native = body if "-- migrate:up" in body else f"-- migrate:up\n{body}"
        files[f"{number:04d}_case.sql"] = native
    return files


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_files(tmp_path_factory.mktemp("parallel") / "migrations", _files())
    assert len(list(folder.iterdir())) > 2 * PARALLEL_FROM
    return folder


def _report(directory: Path, jobs: int) -> LintReport:
    migrations = list(load_migrations(directory, layout="auto"))
    return lint_migrations(migrations, pg_version=16, jobs=jobs, lint=load_settings(directory).lint)


@pytest.mark.parametrize("jobs", [2, 3])
def test_several_processes_report_what_one_reports(directory: Path, jobs: int) -> None:
    serial = _report(directory, 1)
    assert {finding.rule for finding in serial.findings} >= {"ban-index-on-view", "ban-policy-on-view", "unused-ignore"}
    assert serial.suppressed
    assert _report(directory, jobs) == serial


def test_the_strict_profile_in_parallel_too(directory: Path) -> None:
    settings = load_settings(directory.parent)
    serial = lint(settings, [directory], 16, LintProfile.STRICT, jobs=1)
    assert lint(settings, [directory], 16, LintProfile.STRICT, jobs=2) == serial


def test_the_command_prints_the_same_document_and_exits_alike(directory: Path) -> None:
    outputs = []
    for jobs in ("1", "2"):
        result = CliRunner().invoke(app, ["lint", str(directory), "--format", "json", "--jobs", jobs])
        outputs.append((result.exit_code, json.loads(result.stdout)))
    assert outputs[0][0] == 6
    assert outputs[1] == outputs[0]


def test_jobs_must_be_at_least_one(directory: Path) -> None:
    result = CliRunner().invoke(app, ["lint", str(directory), "--jobs", "0"])
    assert result.exit_code == 2
    assert "--jobs" in result.output


def _read_by_each_rule(directory: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, set[Derived]]:
    """Which shared work each rule's checks asked for, over every rule's examples, run one rule at a time."""
    reading: set[Derived] = set()
    rewrites, body = LintContext._rewrites, bodies._body

    def rewrites_read(context: LintContext) -> object:
        reading.add(Derived.ONLINE_REWRITES)
        return rewrites(context)

    def body_read(node: object) -> tuple[str, str]:
        reading.add(Derived.FUNCTION_BODIES)
        return body(node)  # type: ignore[arg-type]

    monkeypatch.setattr(LintContext, "_rewrites", rewrites_read)
    monkeypatch.setattr(bodies, "_body", body_read)
    migrations = list(load_migrations(directory, layout="auto"))
    read: dict[str, set[Derived]] = {}
    for rule in RULES:
        reading.clear()
        lint_migrations(migrations, rules=[rule], pg_version=16, jobs=1)
        read[rule.id] = set(reading)
    return read


def test_each_rule_declares_the_shared_work_it_reads(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A parallel lint keeps the readers of the same shared work in one process (else each process computes it):
    a rule that reads it without declaring it, or declares what it never reads, fails here."""
    read = _read_by_each_rule(directory, monkeypatch)
    assert {rule.id: set(rule.reads) for rule in RULES} == read
    assert any(read.values())


@pytest.mark.parametrize("jobs", [2, 3, 5])
def test_the_readers_of_shared_work_share_a_process(jobs: int) -> None:
    shares = _shares(RULES, jobs)
    assert sorted(rule.id for share in shares for rule in share) == sorted(rule.id for rule in RULES)
    assert len(shares) == jobs
    readers: list[Rule] = [rule for rule in RULES if rule.reads]
    assert shares[0] == readers
