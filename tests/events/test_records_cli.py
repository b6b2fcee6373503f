"""``tenantdb decisions open|decide|list`` from the command line: text or JSON, clear errors, nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tenantdb.db import connect
from tenantdb.errors import ExitCode
from tests import recipes
from tests.helpers import cli

dsn = recipes.database_fixture(recipes.modules_applied(["events"]))  # `migrate up` in each test finds it applied


def project(tmp_path: Path, dsn: str) -> tuple[str, ...]:
    (tmp_path / "tenantdb.toml").write_text('modules = ["events"]\n', encoding="utf-8")
    return ("--dsn", dsn, "-C", str(tmp_path))


@pytest.mark.slow
def test_open_decide_and_list_decisions(dsn: str, tmp_path: Path) -> None:
    base = project(tmp_path, dsn)
    assert cli("migrate", "up", *base).returncode == 0
    with connect(dsn) as session:
        session.execute("INSERT INTO companies (name, slug) VALUES ('Acme', 'acme')")

    opened = cli("decisions", "open", "Reprice Acme", "--category", "pricing", "--tenant", "acme",
                 "--expected-value", "1200", *base, "--json")  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    decision = json.loads(opened.stdout)
    assert decision["title"] == "Reprice Acme" and decision["tenant"] == "acme" and decision["outcome"] is None
    assert decision["expected_value"] == "1200.00"
    company_wide = cli("decisions", "open", "Second region", "--category", "infrastructure", *base)
    assert company_wide.returncode == 0, company_wide.stderr
    assert "opened decision" in company_wide.stdout and "Second region" in company_wide.stdout

    listed = cli("decisions", "list", "--open", *base, "--json")
    assert listed.returncode == 0, listed.stderr
    assert sorted(d["title"] for d in json.loads(listed.stdout)) == ["Reprice Acme", "Second region"]

    decided = cli("decisions", "decide", decision["decision_id"], "--outcome", "approved", "--note", "from June", *base)
    assert decided.returncode == 0, decided.stderr
    assert "approved" in decided.stdout and "Reprice Acme" in decided.stdout

    still_open = json.loads(cli("decisions", "list", "--open", *base, "--json").stdout)
    assert [d["title"] for d in still_open] == ["Second region"]
    table = cli("decisions", "list", *base)
    assert table.returncode == 0 and "Reprice Acme" in table.stdout and "Second region" in table.stdout
    with connect(dsn) as session:
        assert session.fetch_value("SELECT count(*) FROM business_events WHERE event = 'strategic_decision'") == 3


@pytest.mark.slow
def test_bad_input_is_a_clear_error_and_changes_nothing(dsn: str, tmp_path: Path) -> None:
    base = project(tmp_path, dsn)
    assert cli("migrate", "up", *base).returncode == 0
    unknown_tenant = cli("decisions", "open", "X", "--category", "pricing", "--tenant", "nobody", *base)
    assert unknown_tenant.returncode == ExitCode.BAD_INPUT and "no tenant nobody" in unknown_tenant.stderr
    bad_category = cli("decisions", "open", "X", "--category", "astrology", *base)
    assert bad_category.returncode == ExitCode.USAGE
    bad_value = cli("decisions", "open", "X", "--category", "pricing", "--expected-value", "lots", *base)
    assert bad_value.returncode == ExitCode.BAD_INPUT and "--expected-value" in bad_value.stderr
    decision = json.loads(cli("decisions", "open", "Y", "--category", "other", *base, "--json").stdout)
    cli("decisions", "decide", decision["decision_id"], "--outcome", "rejected", *base)
    twice = cli("decisions", "decide", decision["decision_id"], "--outcome", "approved", *base, "--json")
    assert twice.returncode == ExitCode.BAD_INPUT
    error = json.loads(twice.stdout)
    assert error["ok"] is False and "already decided" in error["message"]
    unknown = cli("decisions", "decide", "00000000-0000-4000-8000-000000000000", "--outcome", "approved", *base)
    assert unknown.returncode == ExitCode.BAD_INPUT and "no strategic decision" in unknown.stderr
    with connect(dsn) as session:
        assert session.fetch_value("SELECT count(*) FROM strategic_decisions") == 1
        assert session.fetch_value("SELECT outcome FROM strategic_decisions") == "rejected"


def test_a_decision_names_its_tenant_as_every_tenant_option_does_by_id_slug_or_name(dsn: str, tmp_path: Path) -> None:
    """Seen trying the demo: `report executive --tenant "Granite Homes"` works, `decisions open --tenant "Granite
    Homes"` said 'no tenant'."""
    base = project(tmp_path, dsn)
    assert cli("migrate", "up", *base).returncode == 0
    with connect(dsn) as session:
        session.execute("INSERT INTO companies (name, slug) VALUES ('Granite Homes', 'granite-homes-27'),"
                        " ('Twin Co', 'twin-1'), ('Twin Co', 'twin-2')")  # fmt: skip
    by_name = cli("decisions", "open", "Dedicated IP", "--category", "deliverability", "--tenant", "granite homes",
                  *base, "--json")  # fmt: skip
    assert by_name.returncode == 0, by_name.stderr
    assert json.loads(by_name.stdout)["tenant"] == "granite-homes-27"
    ambiguous = cli("decisions", "open", "X", "--category", "pricing", "--tenant", "Twin Co", *base)
    assert ambiguous.returncode == ExitCode.BAD_INPUT
    assert "twin-1" in ambiguous.stderr and "twin-2" in ambiguous.stderr
    with connect(dsn) as session:
        assert session.fetch_value("SELECT count(*) FROM strategic_decisions") == 1
