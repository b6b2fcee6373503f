"""How much of a run's schema and seed rows a database holds: the check that every tool really applied it."""

from __future__ import annotations

from typing import Any

import psycopg
from common.pg import Server
from psycopg import sql

from generate import Expected


def fingerprint(target: Server, dbname: str, expected: Expected) -> dict[str, int]:
    """Count how many of the expected relations, columns, checks and seed rows ``dbname`` holds."""
    with target.connect(dbname) as connection:
        row = connection.execute(
            """
            SELECT
                (SELECT count(*) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                  WHERE n.nspname = current_schema() AND c.relname = ANY(%(relations)s)),
                (SELECT count(*) FROM information_schema.columns
                  WHERE table_schema = current_schema()
                    AND table_name || '.' || column_name = ANY(%(columns)s)),
                (SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conname = ANY(%(checks)s))
            """,
            {
                "relations": list(expected.relations),
                "columns": list(expected.columns),
                "checks": list(expected.checks),
            },
        ).fetchone()
        assert row is not None
        existing = [
            name
            for (name,) in connection.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)"
                " AND relnamespace = current_schema()::regnamespace",
                [list(expected.tables)],
            )
        ]
        rows = _count_rows(connection, existing)
    return {"relations": row[0], "columns": row[1], "checks": row[2], "rows": rows}


def _count_rows(connection: psycopg.Connection[Any], tables: list[str]) -> int:
    if not tables:
        return 0
    counts = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table)) for table in tables
    )
    result = connection.execute(sql.SQL("SELECT coalesce(sum(n), 0) FROM ({}) AS counts").format(counts)).fetchone()
    assert result is not None
    return int(result[0])


def expected_fingerprint(expected: Expected) -> dict[str, int]:
    """The fingerprint of a database where every ``up`` ran."""
    return {
        "relations": len(expected.relations),
        "columns": len(expected.columns),
        "checks": len(expected.checks),
        "rows": expected.rows,
    }
