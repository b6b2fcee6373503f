"""The labelled corpus: lint catches the unsafe migrations and leaves the safe ones alone (issue 15).

``tests/lint/corpus/unsafe/<class>/NNN_<what>.sql`` and ``safe/<class>/NNN_<what>.sql`` are small migrations
written for this project from PostgreSQL's documentation, squawk's rule docs, strong_migrations' list of
dangerous operations and pgroll's operations. Each starts with a comment saying what it does, why it is unsafe
or safe, its source, and ``-- expect: <rule-id>`` naming the rule(s) meant to catch it (``none`` for safe
cases). Every case is linted after ``corpus/base.sql`` (the objects that already exist) under the default
profile; an error or warning finding means caught (unsafe) or flagged (safe), info does not count.

The rates table, with the missed and the flagged cases::

    .venv/bin/pytest -n 0 -q -s tests/lint/test_corpus.py      # printed by test_corpus_meets_the_goals
    .venv/bin/python benchmarks/lint_speed/corpus.py            # the same table, plus timing; --help for filters

Lint needs no database, so the rates need none either (about 3 s for the whole corpus).
``test_postgresql_runs_every_case_as_labelled`` proves the corpus is real SQL: on a database holding base.sql,
every case that can run in a transaction runs (up, verify, down), each rolled back, and the ones marked
``-- postgresql: rejects <SQLSTATE>`` fail with exactly that SQLSTATE.
"""

from __future__ import annotations

import psycopg
import pytest
from pglast import ast

from tenantdb.migrations import ExecutionMode, Migration, Script, load_single_file
from tests.lint.corpus_rates import (
    BASE,
    CATCH_GOAL,
    EXPECT_PREFIX,
    FALSE_POSITIVE_GOAL,
    Case,
    Kind,
    base_findings,
    cases,
    lint_case,
    rate,
    score,
    table,
    unregistered_expectations,
)

CASES = cases()
MINIMUM_CASES = 120


def test_the_corpus_has_enough_cases_of_each_kind() -> None:
    for kind in Kind:
        count = sum(case.kind is kind for case in CASES)
        assert count >= MINIMUM_CASES, f"{kind}: {count} cases"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_case_says_what_why_and_where_from(case: Case) -> None:
    text = case.path.read_text(encoding="utf-8")
    header = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        header.append(line)
    assert header, f"{case.name}: starts with a comment"
    verdict = "-- Unsafe: " if case.kind is Kind.UNSAFE else "-- Safe: "
    assert any(line.startswith(verdict) for line in header), f"{case.name}: says why it is {case.kind}"
    assert any(line.startswith("-- Source:") for line in header), f"{case.name}: names its source"
    assert case.kind is Kind.UNSAFE or not case.expect, f"{case.name}: a safe case expects no rule"
    assert any(line.startswith(EXPECT_PREFIX) for line in header), f"{case.name}: names the rule it expects"
    assert case.path.stem[:3].isdigit() and case.path.stem[3] == "_", f"{case.name}: is named NNN_<what>.sql"
    migration = load_single_file(case.path)  # parses with PostgreSQL's parser
    assert migration.up.statements, f"{case.name}: has statements"


def test_base_lints_clean() -> None:
    assert base_findings() == (), [f"{f.line}: {f.rule}: {f.message}" for f in base_findings()]
    assert BASE.is_file()


def test_a_finding_on_an_existing_object_caused_by_the_case_counts() -> None:
    """Disabling RLS on a table of base.sql is reported where the table was created, and still counts."""
    (case,) = [c for c in CASES if c.path.name == "004_disable_rls_on_existing_table.sql"]
    outcome = lint_case(case)
    assert outcome.hit, outcome.findings


def test_corpus_meets_the_goals() -> None:
    outcomes = score(CASES)
    report = table(outcomes)
    print("\n" + report)
    assert rate(outcomes, Kind.UNSAFE) >= CATCH_GOAL, report
    assert rate(outcomes, Kind.SAFE) <= FALSE_POSITIVE_GOAL, report
    assert unregistered_expectations(CASES) == [], "every rule an `-- expect:` line names exists"


def _scripts(migration: Migration) -> list[Script]:
    return [script for script in (migration.up, migration.verify, migration.down) if script is not None]


def _runs_in_a_transaction(migration: Migration) -> bool:
    """Cases needing autocommit (CONCURRENTLY, VACUUM, DROP DATABASE) are left out: a committed base.sql would
    leave its roles behind on the shared server. Files with their own BEGIN ... COMMIT run without those."""
    return all(
        script.mode is ExecutionMode.TRANSACTION or script.manages_transactions for script in _scripts(migration)
    )


def test_postgresql_runs_every_case_as_labelled(dsn: str) -> None:
    answers: dict[str, str | None] = {}
    expected: dict[str, str | None] = {}
    with psycopg.connect(dsn) as connection:  # one transaction, rolled back: base.sql's roles never commit
        for statement in load_single_file(BASE).up.statements:
            if (
                isinstance(statement.tree, ast.CreateRoleStmt)
                and connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (statement.tree.role,)).fetchone()
            ):
                continue  # roles are cluster-wide: another test (the security module) may have created it
            connection.execute(statement.text)
        for case in CASES:
            migration = load_single_file(case.path)
            if not _runs_in_a_transaction(migration):
                continue
            expected[case.name] = case.rejects
            connection.execute("SAVEPOINT corpus_case")
            try:
                for script in _scripts(migration):
                    for statement in script.statements:
                        if not isinstance(statement.tree, ast.TransactionStmt):
                            connection.execute(statement.text)
                answers[case.name] = None
            except psycopg.Error as error:
                answers[case.name] = error.sqlstate
            connection.execute("ROLLBACK TO SAVEPOINT corpus_case")
        connection.rollback()
    assert len(expected) > 200
    assert answers == expected
