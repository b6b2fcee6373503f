"""The programs benchmarks run: psql (the embedded PostgreSQL's first) and the tenantdb CLI."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path


def default_psql() -> Path:
    """The psql shipped with tenantdb's embedded PostgreSQL, else the one on PATH."""
    from tenantdb.db.embedded import find_binaries
    from tenantdb.errors import TenantdbError

    try:
        bundled = find_binaries().bin_dir / "psql"
    except TenantdbError:
        bundled = None
    if bundled is not None and bundled.exists():
        return bundled
    return Path(shutil.which("psql") or "/usr/bin/psql")


def default_tenantdb() -> Path:
    """The tenantdb CLI installed beside this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "tenantdb"
    return beside if beside.exists() else Path(shutil.which("tenantdb") or "tenantdb")


@dataclass(frozen=True, slots=True)
class Binaries:
    """The psql and tenantdb a benchmark runs."""

    psql: Path
    tenantdb: Path

    @classmethod
    def chosen(cls, psql: Path | None, tenantdb: Path | None) -> Binaries:
        """``--psql`` and ``--tenantdb`` where given, else the defaults."""
        return cls(psql=psql or default_psql(), tenantdb=tenantdb or default_tenantdb())
