"""Linting a directory carries what earlier files created: a view, a table with (or without) RLS, a role.

Each case writes the object in one file and uses it in a later one, in every way lint reads a directory: a
migration layout, a folder of plain SQL scripts (the way teams keep their migration documents), and files named
on the command line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.commands.linting import lint
from tenantdb.config import load_settings
from tenantdb.lint import LintReport
from tests.helpers import write_files

TENANT = "NULLIF(current_setting('app.current_tenant_id', true), '')::uuid"
FIRST = f"""CREATE ROLE reporting NOLOGIN;
CREATE TABLE orders (tenant_id uuid NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
ALTER TABLE orders ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY orders_isolation ON orders USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT});
CREATE TABLE notes (tenant_id uuid NOT NULL, body text);
CREATE VIEW order_totals WITH (security_invoker = true) AS SELECT tenant_id, count(*) AS n FROM orders GROUP BY 1;
"""
SECOND = f"""CREATE INDEX order_totals_idx ON order_totals (tenant_id);
CREATE POLICY totals_isolation ON order_totals USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT});
CREATE POLICY notes_isolation ON notes USING (tenant_id = {TENANT}) WITH CHECK (tenant_id = {TENANT});
CREATE POLICY orders_read ON orders FOR SELECT USING (tenant_id = {TENANT});
GRANT SELECT ON order_totals TO reporting;
CREATE VIEW order_report AS SELECT tenant_id, id FROM orders;
"""
EXPECTED = {
    ("ban-index-on-view", 1),  # the view came from the first file
    ("ban-policy-on-view", 2),
    ("ban-policy-without-rls", 3),  # notes: created in the first file, RLS never enabled
    ("require-security-invoker-view", 6),  # orders' RLS was enabled in the first file
}
CROSS_FILE_RULES = {rule for rule, _ in EXPECTED} | {"ban-grant-to-unknown-role"}  # reporting exists


def _found(report: LintReport) -> set[tuple[str, int]]:
    return {
        (f.rule, f.line) for f in report.findings if f.path and "security" in f.path.name and f.rule in CROSS_FILE_RULES
    }


def _native(tmp_path: Path) -> list[Path]:
    files = {"0001_base.sql": f"-- migrate:up\n{FIRST}", "0002_security.sql": f"-- migrate:up\n{SECOND}"}
    return [write_files(tmp_path / "migrations", files)]


def _golang_migrate(tmp_path: Path) -> list[Path]:
    files = {"1_base.up.sql": FIRST, "2_security.up.sql": SECOND}
    return [write_files(tmp_path / "golang", files)]


def _plain_scripts(tmp_path: Path) -> list[Path]:
    return [write_files(tmp_path / "documents", {"01_schema.sql": FIRST, "02_security.sql": SECOND})]


def _named_files(tmp_path: Path) -> list[Path]:
    folder = write_files(tmp_path / "documents", {"schema.sql": FIRST, "security.sql": SECOND})
    return [folder / "schema.sql", folder / "security.sql"]


@pytest.mark.parametrize("layout", [_native, _golang_migrate, _plain_scripts, _named_files], ids=lambda f: f.__name__)
def test_what_an_earlier_file_created_is_known_in_a_later_one(tmp_path: Path, layout: object) -> None:
    assert callable(layout)
    paths = layout(tmp_path)
    report = lint(load_settings(tmp_path), paths, 16)
    lines = {(rule, line - 1 if paths[0].name == "migrations" else line) for rule, line in _found(report)}
    assert lines == EXPECTED


def test_enabling_rls_in_a_later_file_satisfies_a_policy_written_earlier(tmp_path: Path) -> None:
    files = {
        "01_schema.sql": "CREATE TABLE notes (tenant_id uuid NOT NULL);\n"
        f"CREATE POLICY p ON notes USING (tenant_id = {TENANT});",
        "02_rls.sql": "ALTER TABLE notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;",
    }
    report = lint(load_settings(tmp_path), [write_files(tmp_path / "documents", files)], 16)
    assert not [f for f in report.findings if f.rule == "ban-policy-without-rls"]
