"""The benchmark's own virtual environment, holding the tools tenantdb is compared with: yoyo-migrations,
Alembic and SQLAlchemy."""

from __future__ import annotations

from pathlib import Path

from common.venv import BenchVenv

BENCH_VENV = BenchVenv(
    Path(__file__).resolve().parent, ("yoyo-migrations", "alembic", "SQLAlchemy", "psycopg", "sqlparse")
)
