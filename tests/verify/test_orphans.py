"""Orphaned references: ``*_id`` columns without a foreign key whose values match no key of the table they name."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from psycopg import sql

from tenantdb.config import VerifySettings, load_settings
from tenantdb.db import Session, connect, orphans_query, reference_catalog
from tenantdb.errors import ConfigError
from tenantdb.migrations import load_project_migrations
from tenantdb.phases import PhaseStatus, run_phases
from tenantdb.verify import Violation, verify
from tenantdb.verify.orphans import find_references, orphan_violations
from tests.helpers import FAST, up, write_files
from tests.modules.test_seed import project_settings, seed

SHOP = """
CREATE TABLE companies (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE categories (category_id int PRIMARY KEY, label text);
CREATE TABLE boxes (id int PRIMARY KEY);
CREATE TABLE users (id bigint PRIMARY KEY, company_id bigint, category_id int, box_id int, owner_id bigint);
INSERT INTO companies VALUES (1, 'a'), (2, 'b');
INSERT INTO categories VALUES (10, 'x');
INSERT INTO boxes VALUES (5);
"""


def orphans(session: Session, settings: VerifySettings | None = None) -> list[Violation]:
    return orphan_violations(session, settings or VerifySettings())[1]


def subjects(violations: list[Violation]) -> list[str]:
    return [v.subject for v in violations]


def test_no_orphans_when_every_reference_matches_a_key(session: Session) -> None:
    session.run_script(SHOP + "INSERT INTO users VALUES (1, 1, 10, 5, NULL), (2, 2, NULL, 5, NULL);")
    checked, found = orphan_violations(session, VerifySettings())
    assert found == []
    assert checked == 3  # company_id -> companies.id, category_id -> categories.category_id, box_id -> boxes.id


def test_orphans_are_counted_per_column_with_samples(session: Session) -> None:
    session.run_script(
        SHOP + "INSERT INTO users SELECT g, 1 + g % 5, 10, CASE WHEN g = 1 THEN 6 ELSE 5 END, NULL"
        " FROM generate_series(1, 100) AS g;"
    )
    found = orphans(session)
    assert subjects(found) == ["public.users.company_id", "public.users.box_id"]  # in column order
    company, box = found
    assert box.check == "orphaned-reference"
    assert box.row == (1, ("6",))
    assert "1 row(s) reference public.boxes (id)" in box.message and "e.g. 6" in box.message
    assert company.row[0] == 60  # company_id 3, 4 and 5: 20 rows each
    assert company.row[1] == ("3", "4", "5")


def test_plural_forms_find_their_tables(session: Session) -> None:
    session.run_script(
        "CREATE TABLE companies (id int PRIMARY KEY); CREATE TABLE addresses (id int PRIMARY KEY);"
        " CREATE TABLE status (id int PRIMARY KEY);"
        " CREATE TABLE t (id int PRIMARY KEY, company_id int, address_id int, status_id int);"
        " INSERT INTO t VALUES (1, 7, 8, 9);"
    )
    assert subjects(orphans(session)) == ["public.t.company_id", "public.t.address_id", "public.t.status_id"]


def test_columns_with_a_foreign_key_are_never_checked(session: Session) -> None:
    # An orphan from before a NOT VALID foreign key: the constraint's business (not-valid-constraint), not ours.
    session.run_script(SHOP + "INSERT INTO users VALUES (1, 99, 10, 5, NULL);")
    session.run_script("ALTER TABLE users ADD FOREIGN KEY (company_id) REFERENCES companies NOT VALID;")
    tables = reference_catalog(session)
    assert tables["public", "users"].foreign_key_columns == {"company_id"}
    references, _ = find_references(tables, VerifySettings())
    assert [r.columns for r in references] == [("category_id",), ("box_id",)]
    assert orphans(session) == []


def test_a_column_of_another_type_or_without_a_unique_key_is_not_a_reference(session: Session) -> None:
    session.run_script(
        "CREATE TABLE companies (id bigint PRIMARY KEY); CREATE TABLE teams (id int, name text);"
        " CREATE TABLE regions (id int); CREATE UNIQUE INDEX ON regions (id) WHERE id > 0;"
        " CREATE TABLE t (id int PRIMARY KEY, company_id text, team_id int, region_id int, stray_id int);"
        " INSERT INTO t VALUES (1, 'x', 2, 3, 4);"
    )
    references, _ = find_references(reference_catalog(session), VerifySettings())
    assert references == []


def test_ignore_list_skips_columns_by_table_or_schema_qualified_name(session: Session) -> None:
    session.run_script(SHOP + "INSERT INTO users VALUES (1, 9, 11, 6, NULL);")
    assert len(orphans(session)) == 3
    settings = VerifySettings(orphans_ignore=("users.company_id", "public.users.box_id"))
    assert subjects(orphans(session, settings)) == ["public.users.category_id"]
    assert orphans(session, VerifySettings(orphans=False)) == []


def test_map_names_references_the_naming_rule_cannot_guess(session: Session) -> None:
    session.run_script(SHOP + "INSERT INTO users VALUES (1, 1, 10, 5, 1), (2, 1, 10, 5, 7), (3, 1, 10, 5, 1);")
    assert orphans(session) == []  # owner_id names no table
    found = orphans(session, VerifySettings(orphans_map={"users.owner_id": "users.id"}))
    assert subjects(found) == ["public.users.owner_id"]
    assert found[0].row == (1, ("7",))
    wrong = VerifySettings(orphans_map={"users.owner_id": "people.id", "users.box_id": "companies.id"})
    problems = orphans(session, wrong)
    assert [(v.check, v.subject) for v in problems] == [
        ("orphans-config", "public.users.box_id"),
        ("orphans-config", "public.users.owner_id"),
    ]
    assert "different types" in problems[0].message and "people.id does not exist" in problems[1].message
    misspelt = orphans(session, VerifySettings(orphans_map={"users.ownr_id": "users.id"}))
    assert [(v.subject, v.message) for v in misspelt] == [
        ("users.ownr_id", "orphans_map: users.ownr_id names no column")
    ]


def test_composite_tenant_keys_catch_references_to_another_tenants_row(session: Session) -> None:
    session.run_script(
        "CREATE TABLE projects (tenant_id int, id int, PRIMARY KEY (tenant_id, id));"
        " CREATE TABLE tasks (tenant_id int, id int, project_id int, PRIMARY KEY (tenant_id, id));"
        " INSERT INTO projects VALUES (1, 1), (2, 2);"
        " INSERT INTO tasks VALUES (1, 1, 1), (2, 2, 2), (1, 3, 2), (2, 4, NULL);"  # (1, 2): tenant 2's project
    )
    references, _ = find_references(reference_catalog(session), VerifySettings())
    assert [(r.columns, r.target_columns) for r in references] == [(("tenant_id", "project_id"), ("tenant_id", "id"))]
    found = orphans(session)
    assert subjects(found) == ["public.tasks.project_id"]
    assert found[0].row == (1, ("(1,2)",))


def test_tenant_id_itself_references_the_tenants_table(session: Session) -> None:
    session.run_script(
        "CREATE TABLE tenants (id int PRIMARY KEY);"
        " CREATE TABLE notes (tenant_id int, id int, PRIMARY KEY (tenant_id, id));"
        " INSERT INTO tenants VALUES (1); INSERT INTO notes VALUES (1, 1), (2, 1);"
    )
    assert [v.row for v in orphans(session)] == [(1, ("2",))]


def test_orphans_are_part_of_migrate_verify(session: Session, tmp_path: Path) -> None:
    write_files(
        tmp_path / "migrations",
        {"0001_shop.sql": f"-- migrate:up\n{SHOP}\nINSERT INTO users VALUES (1, 3, 10, 5, NULL);\n"},
    )
    (tmp_path / "tenantdb.toml").write_text('[verify]\norphans_ignore = ["users.box_id"]\n')
    settings = load_settings(tmp_path, environ={})
    migrations = load_project_migrations(settings)
    up(session, migrations)
    report = verify(session, migrations, settings.verify)
    assert [(v.check, v.subject) for v in report.violations] == [("orphaned-reference", "public.users.company_id")]
    assert report.references_checked == 2


def test_a_phase_that_leaves_orphans_rolls_back(session: Session, tmp_path: Path) -> None:
    write_files(
        tmp_path / "migrations",
        {
            "0001_companies.sql": "-- migrate:up\nCREATE TABLE companies (id int PRIMARY KEY);\n"
            "INSERT INTO companies VALUES (1);\n-- migrate:down\nDROP TABLE companies;\n",
            "0002_users.sql": "-- migrate:up\nCREATE TABLE users (id int PRIMARY KEY, company_id int);\n"
            "INSERT INTO users VALUES (1, 1), (2, 2);\n-- migrate:down\nDROP TABLE users;\n",
        },
    )
    (tmp_path / "tenantdb.toml").write_text(
        '[[phases]]\nname = "companies"\nmigrations = ["0001"]\n\n[[phases]]\nname = "users"\nmigrations = ["0002"]\n'
    )
    settings = replace(load_settings(tmp_path, environ={}), runner=FAST)
    report = run_phases(session, [load_project_migrations(settings)], settings)
    assert [o.status for o in report.outcomes] == [PhaseStatus.APPLIED, PhaseStatus.ROLLED_BACK]
    assert [v.subject for v in report.outcomes[1].violations] == ["public.users.company_id"]

    (tmp_path / "tenantdb.toml").write_text(
        '[verify]\norphans = false\n\n[[phases]]\nname = "companies"\nmigrations = ["0001"]\n\n'
        '[[phases]]\nname = "users"\nmigrations = ["0002"]\n'
    )
    settings = replace(load_settings(tmp_path, environ={}), runner=FAST)
    report = run_phases(session, [load_project_migrations(settings)], settings)
    assert [o.status for o in report.outcomes] == [PhaseStatus.UP_TO_DATE, PhaseStatus.APPLIED]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("orphans = 1", "verify.orphans must be true or false"),
        ('orphans_ignore = "users.x_id"', "verify.orphans_ignore must be a list"),
        ('orphans_ignore = ["users"]', "is not a column name"),
        ('orphans_map = { "users.owner_id" = "users" }', "is not a column name"),
        ("orphan = true", "unknown [verify] setting(s): orphan"),
    ],
)
def test_bad_verify_settings_are_refused(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "tenantdb.toml").write_text(f"[verify]\n{text}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path, environ={})
    assert message in str(raised.value)


def test_bundled_modules_with_seeded_data_have_no_orphans_and_no_false_references(
    modules_dsn: str, tmp_path: Path
) -> None:
    seed(project_settings(tmp_path, modules_dsn), tenants=5)
    with connect(modules_dsn) as session:
        check_bundled_references(session)


def check_bundled_references(session: Session) -> None:
    tables = reference_catalog(session)
    references, problems = find_references(tables, VerifySettings())
    assert problems == []
    for reference in references:  # every guessed reference lands on a real key of the named table
        target = tables[reference.target_schema, reference.target_table]
        assert reference.target_columns in target.unique_keys, reference
    checked, found = orphan_violations(session, VerifySettings())
    assert found == [], [v.message for v in found]
    assert checked == len(references) > 0, "the naming rule finds the unenforced references of the modules"


def test_each_reference_is_one_anti_join(session: Session) -> None:
    """No per-row round trips: the whole referencing table against the target in one hashed or merged anti-join."""
    session.run_script(
        "CREATE TABLE companies (id bigint PRIMARY KEY);"
        " CREATE TABLE users (id bigint PRIMARY KEY, company_id bigint);"
        " INSERT INTO companies SELECT generate_series(1, 2000);"
        " INSERT INTO users SELECT n, n % 2500 FROM generate_series(1, 50000) AS n;"
        " ANALYZE companies, users;"
    )
    (reference,), _ = find_references(reference_catalog(session), VerifySettings())
    plan = "\n".join(row[0] for row in session.fetch_all(sql.SQL("EXPLAIN ") + orphans_query(reference)))
    assert "Anti Join" in plan, plan
    assert plan.count("Seq Scan on users") == 1, plan
    (found,) = orphans(session)
    assert found.row[0] == 50000 // 2500 * 500  # company_id 0 and 2001..2499 in every block of 2500
