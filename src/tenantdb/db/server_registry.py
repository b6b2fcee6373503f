"""The embedded servers this user has started, so that ``tenantdb db stop --all`` finds every one of them.

Each started data directory leaves one small file in ``$TENANTDB_STATE_DIR`` (default
``$XDG_STATE_HOME/tenantdb``, else ``~/.local/state/tenantdb``) under ``servers/``; entries whose data directory
is gone are dropped when the registry is read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path


def state_dir() -> Path:
    """Where tenantdb keeps per-user state."""
    if explicit := os.environ.get("TENANTDB_STATE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "tenantdb"


def register(data_dir: Path) -> None:
    """Remember ``data_dir`` (idempotent; a registry that cannot be written is not an error for the server)."""
    entries = state_dir() / "servers"
    path = data_dir.resolve()
    with contextlib.suppress(OSError):
        entries.mkdir(parents=True, exist_ok=True)
        (entries / hashlib.sha256(str(path).encode()).hexdigest()[:16]).write_text(str(path), encoding="utf-8")


def registered() -> tuple[Path, ...]:
    """Every remembered data directory that still exists, sorted; stale entries are removed."""
    entries = state_dir() / "servers"
    found: list[Path] = []
    for entry in sorted(entries.glob("*")) if entries.is_dir() else ():
        with contextlib.suppress(OSError, UnicodeDecodeError):
            data_dir = Path(entry.read_text(encoding="utf-8").strip())
            if (data_dir / "PG_VERSION").is_file():
                found.append(data_dir)
            else:
                entry.unlink()
    return tuple(sorted(found))
