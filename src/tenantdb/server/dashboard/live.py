"""Live refresh: each page embeds the version of the data it was rendered from; the layout's live.js polls
``GET /api/v1/data-version`` (:mod:`tenantdb.server.api.data_version`, with the session cookie) and offers "new data
— reload" when the version differs.
"""

from __future__ import annotations

from tenantdb.db import Session
from tenantdb.server.api.data_version import current_version

LIVE_URL = "/api/v1/data-version"


def data_version(session: Session) -> str:
    """The version a page embeds: the same fingerprint the polled route answers."""
    return current_version(session).version
