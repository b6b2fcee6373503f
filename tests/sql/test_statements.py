"""Statement splitting and classification with PostgreSQL's parser."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantdb.sql import (
    SqlSyntaxError,
    TransactionMode,
    line_comments,
    replace_placeholders,
    resumes_at,
    rewrite_statements,
    split_statements,
)


def test_spans_are_characters_with_non_ascii_text() -> None:
    source = "INSERT INTO t VALUES ('Zürich — ✓');\nSELECT 'ok';"
    first, second = split_statements(source)
    assert source[first.start : first.end] == "INSERT INTO t VALUES ('Zürich — ✓')"
    assert source[second.start : second.end] == "SELECT 'ok'"
    assert (first.line, second.line) == (1, 2)


def test_semicolons_inside_dollar_quotes_and_strings_do_not_split() -> None:
    source = """
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;
SELECT ';' AS semicolon; -- ; in a comment
"""
    statements = split_statements(source)
    assert [s.node for s in statements] == ["CreateFunctionStmt", "SelectStmt"]
    assert statements[1].line == 3


def test_split_of_a_range_reports_lines_of_the_whole_text() -> None:
    source = "-- header\n-- more\nSELECT 1;\nSELECT 2;"
    start = source.index("SELECT 2")
    (only,) = split_statements(source, start)
    assert only.text == "SELECT 2"
    assert only.line == 4


@pytest.mark.parametrize(
    ("sql", "mode"),
    [
        ("CREATE INDEX CONCURRENTLY i ON t (a)", TransactionMode.OUTSIDE),
        ("CREATE INDEX i ON t (a)", TransactionMode.ANY),
        ("DROP INDEX CONCURRENTLY IF EXISTS i", TransactionMode.OUTSIDE),
        ("REINDEX INDEX CONCURRENTLY i", TransactionMode.OUTSIDE),
        ("REINDEX INDEX i", TransactionMode.ANY),
        ("VACUUM t", TransactionMode.OUTSIDE),
        ("VACUUM (ANALYZE) t", TransactionMode.OUTSIDE),
        ("ANALYZE t", TransactionMode.ANY),
        ("ALTER SYSTEM SET work_mem = '64MB'", TransactionMode.OUTSIDE),
        ("CREATE DATABASE x", TransactionMode.OUTSIDE),
        ("ALTER TABLE p DETACH PARTITION c CONCURRENTLY", TransactionMode.OUTSIDE),
        ("ALTER TABLE p DETACH PARTITION c", TransactionMode.ANY),
        ("ALTER TYPE mood ADD VALUE 'meh'", TransactionMode.ANY),
        ("BEGIN", TransactionMode.CONTROL),
        ("COMMIT", TransactionMode.CONTROL),
        ("SAVEPOINT s", TransactionMode.CONTROL),
    ],
)
def test_transaction_needs_come_from_the_ast(sql: str, mode: TransactionMode) -> None:
    (statement,) = split_statements(sql)
    assert statement.transaction is mode


def test_concurrent_index_target_names_index_and_table() -> None:
    (statement,) = split_statements("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON app.t (a)")
    target = statement.concurrent_index
    assert target is not None
    assert (target.schema, target.name, target.table, target.rebuild) == ("app", "ix", "t", False)


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(SqlSyntaxError) as error:
        split_statements("SELECT 1;\n\nSELECT FROM WHERE;")
    assert error.value.line == 3


def test_comments_inside_strings_are_not_comments() -> None:
    source = "SELECT '-- migrate:down';\n-- migrate:down\nSELECT $$\n-- migrate:verify\n$$;"
    assert [c.text for c in line_comments(source)] == ["migrate:down"]


def test_placeholders_are_replaced_and_undefined_ones_reported() -> None:
    text, missing = replace_placeholders("SELECT ${a}, '${b}', ${ c }", {"a": "1"})
    assert text == "SELECT 1, '${b}', ${ c }"
    assert [(m.name, m.offset) for m in missing] == [("b", 14)]


def test_placeholder_prefix_and_suffix_are_configurable() -> None:
    text, missing = replace_placeholders("SELECT %%schema%%.t", {"schema": "app"}, prefix="%%", suffix="%%")
    assert (text, missing) == ("SELECT app.t", ())


_identifier = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüé_", min_size=1, max_size=12)
_literal = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20)


@given(st.lists(st.tuples(_identifier, _literal), min_size=1, max_size=6))
def test_split_spans_recover_every_statement(items: list[tuple[str, str]]) -> None:
    statements = [f"SELECT '{value.replace(chr(39), chr(39) * 2)}' AS \"{name}\"" for name, value in items]
    source = ";\n".join(statements) + ";"
    split = split_statements(source)
    assert [source[s.start : s.end] for s in split] == statements
    assert [s.text for s in split] == statements


@pytest.mark.parametrize(
    "call",
    [
        "set_config('app.tenant', 'x', true)",
        "SET_CONFIG('app.tenant', 'x', true)",
        "pg_catalog.Set_Config('app.tenant', 'x', true)",
        "\"set_config\"('app.tenant', 'x', true)",
        "U&\"\\0073et_config\"('app.tenant', 'x', true)",
    ],
)
def test_a_transaction_scoped_set_config_keeps_the_script_whole_however_it_is_spelled(call: str) -> None:
    """The runner never splits a script that sets a setting for its transaction (the rewrite would lose it)."""
    source = f"SELECT {call};\nCREATE INDEX orders_tenant ON orders (tenant_id);\n"
    statements = split_statements(source)
    assert rewrite_statements(statements, lambda _table: True) == (statements, ())
    plain = split_statements("SELECT 1;\nCREATE INDEX orders_tenant ON orders (tenant_id);\n")
    assert rewrite_statements(plain, lambda _table: True)[1], "without the call the index build is rewritten"


def test_a_statement_by_statement_run_resumes_at_the_begin_of_the_block_a_failure_rolled_back() -> None:
    statements = split_statements(
        "CREATE TABLE a (i int); BEGIN; SAVEPOINT s; INSERT INTO a VALUES (1); UPDATE a SET x = 1; COMMIT;"
        " SELECT 2; START TRANSACTION; SELECT 3; ROLLBACK; SELECT 4;"
    )
    assert [resumes_at(statements, statement) for statement in statements] == [0, 1, 1, 1, 1, 1, 6, 7, 7, 7, 10]
