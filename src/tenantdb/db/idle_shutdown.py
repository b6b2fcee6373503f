"""Stop an embedded server that no client has used for a while.

``start_embedded`` launches ``python -m tenantdb.db.idle_shutdown DATA_DIR PID SECONDS`` beside each server it
starts. The watcher polls ``pg_stat_activity``; once no client session has existed for SECONDS it asks the
postmaster for a smart shutdown (SIGTERM: sessions that connect at that moment finish their work first) and
exits. It also exits when the server stops or is replaced by another process. The next tenantdb command that
needs the server starts it again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg

_MAX_POLL_SECONDS = 30.0
_CLIENT_SESSIONS = (
    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
)


def launch_watcher(data_dir: Path, pid: int, idle: timedelta) -> None:
    """Start the watcher detached: its own session, stdio on /dev/null, nothing for the caller to wait for."""
    argv = [sys.executable, "-m", __name__, str(data_dir), str(pid), str(idle.total_seconds())]
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    os.posix_spawn(sys.executable, argv, os.environ, file_actions=quiet, setsid=True)


def watch(data_dir: Path, pid: int, idle_seconds: float) -> bool:
    """Poll until the server has been idle for ``idle_seconds`` (then stop it: True) or is gone (False)."""
    from tenantdb.db.embedded import postmaster_of

    poll = min(_MAX_POLL_SECONDS, max(idle_seconds / 4, 0.1))
    idle_since = time.monotonic()
    while True:
        time.sleep(poll)
        info = postmaster_of(data_dir)
        if info is None or info.pid != pid:
            return False
        try:
            with psycopg.connect(info.url, autocommit=True, connect_timeout=10) as connection:
                row = connection.execute(_CLIENT_SESSIONS).fetchone()
        except psycopg.Error:
            continue  # starting up, shutting down, or out of connections: look again later
        if row is not None and row[0] > 0:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= idle_seconds:
            signal_server(pid)
            return True


def signal_server(pid: int) -> None:
    """Ask the postmaster for a smart shutdown."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def main(argv: list[str]) -> int:
    data_dir, pid, seconds = Path(argv[0]), int(argv[1]), float(argv[2])
    watch(data_dir, pid, seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
