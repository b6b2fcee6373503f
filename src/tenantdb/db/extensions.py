"""Turn "extension ... is not available" into one message that names the extension and the fix."""

from __future__ import annotations

import re

from tenantdb.errors import DatabaseError

FEATURE_NOT_SUPPORTED = "0A000"  # PostgreSQL 18: extension "x" is not available
UNDEFINED_FILE = "58P01"  # up to 17: could not open extension control file ".../x.control"

_NOT_AVAILABLE = re.compile(r'extension "(?P<name>[^"]+)" is not available')
_NO_CONTROL_FILE = re.compile(r'could not open extension control file "(?:[^"]*/)?(?P<name>[^"/]+)\.control"')


def missing_extension(error: DatabaseError) -> str | None:
    """The extension a failed CREATE EXTENSION could not find, or None for any other error."""
    if error.sqlstate not in (FEATURE_NOT_SUPPORTED, UNDEFINED_FILE):
        return None
    match = _NOT_AVAILABLE.search(error.message) or _NO_CONTROL_FILE.search(error.message)
    return match.group("name") if match else None


def explain_missing_extension(error: DatabaseError) -> DatabaseError:
    """``error`` with a message and hint saying how to get the extension; other errors are returned as they are."""
    name = missing_extension(error)
    if name is None:
        return error
    return DatabaseError(
        f"extension {name} is not available on this PostgreSQL server",
        sqlstate=error.sqlstate,
        remedy="dsn",
        hint=f"to use a server that has it; or, on the embedded server, set TENANTDB_PG_BIN (or [database] pg_bin "
        f"in tenantdb.toml) to the bin directory of a PostgreSQL that has {name}, e.g. /usr/lib/postgresql/17/bin, "
        "and run `tenantdb db stop` first (`tenantdb db status` lists the extensions the embedded server has)",
    )
