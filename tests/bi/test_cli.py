"""``tenantdb bi refresh`` from the command line: progress on stderr, a summary or JSON on stdout, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tenantdb.db import connect
from tenantdb.errors import ExitCode
from tests.helpers import cli

MODULES = ("core", "billing", "email_infra", "cost_tracking", "bi")


def project(tmp_path: Path, dsn: str) -> tuple[str, ...]:
    modules = ", ".join(f'"{name}"' for name in MODULES)
    (tmp_path / "tenantdb.toml").write_text(f"modules = [{modules}]\n", encoding="utf-8")
    return ("--dsn", dsn, "-C", str(tmp_path))


@pytest.mark.slow
def test_refresh_recomputes_changed_months_only_and_reports_them(dsn: str, tmp_path: Path) -> None:
    base = project(tmp_path, dsn)
    assert cli("migrate", "up", *base).returncode == 0
    seeded = cli("seed", "--tenants", "5", "--as-of", "2025-06-30", *base)
    assert seeded.returncode == 0, seeded.stderr

    unchanged = cli("bi", "refresh", *base)  # the seed computed every month already
    assert unchanged.returncode == 0, unchanged.stderr
    assert "refreshing 0 month(s), 12 unchanged" in unchanged.stderr
    assert "refreshed 0 month(s), 12 unchanged and skipped" in unchanged.stdout

    named = cli("bi", "refresh", "--month", "2025-06", "--month", "2025-05", *base, "--json")
    assert named.returncode == 0, named.stderr
    document = json.loads(named.stdout)
    assert [month["month"] for month in document["refreshed"]] == ["2025-05-01", "2025-06-01"]
    assert document["skipped"] == [] and all(month["lines"] > 0 for month in document["refreshed"])
    assert named.stderr == ""  # --json keeps stderr quiet

    everything = cli("bi", "refresh", "--all", *base)
    assert everything.returncode == 0, everything.stderr
    assert "(12/12) refreshing 2025-06" in everything.stderr and "refreshed 12 month(s)" in everything.stdout


def test_refresh_refuses_bad_input_and_a_database_without_the_module(dsn: str, tmp_path: Path) -> None:
    base = project(tmp_path, dsn)
    bad_month = cli("bi", "refresh", "--month", "2025-13", *base)
    assert bad_month.returncode == ExitCode.BAD_INPUT and "expected a month like 2025-06" in bad_month.stderr
    both = cli("bi", "refresh", "--month", "2025-06", "--all", *base)
    assert both.returncode == ExitCode.BAD_INPUT and "exclude each other" in both.stderr
    tolerance = cli("bi", "refresh", "--tolerance", "150%", *base)
    assert tolerance.returncode == ExitCode.BAD_INPUT and "--tolerance" in tolerance.stderr
    missing = cli("bi", "refresh", *base)  # nothing applied yet
    assert missing.returncode == ExitCode.BAD_INPUT and "module bi is not applied" in missing.stderr


@pytest.mark.slow
def test_the_summary_says_what_was_recomputed_after_a_ledger_change(dsn: str, tmp_path: Path) -> None:
    """Seen trying the demo: after moving one ledger entry, `bi refresh` said "536 allocation lines" as if it had
    written them; only the customers' figures were recomputed."""
    base = project(tmp_path, dsn)
    assert cli("migrate", "up", *base).returncode == 0
    assert cli("seed", "--tenants", "5", "--as-of", "2025-06-30", *base).returncode == 0
    with connect(dsn) as session:
        session.execute(
            "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at)"
            " SELECT id, 'credit', -5, 'USD', '2025-06-10 12:00Z' FROM companies WHERE NOT is_platform_operator"
            " ORDER BY id LIMIT 1"
        )
    done = cli("bi", "refresh", *base)
    assert done.returncode == 0, done.stderr
    assert "refreshed 2025-06 (customers): the month holds" in done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.startswith("refreshed 1 month(s), 11 unchanged and skipped: recomputed customers in ")
    assert "allocation lines" not in summary
