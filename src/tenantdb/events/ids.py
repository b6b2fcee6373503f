"""Stable event ids: the same name always gives the same uuid, so emitting an event twice adds it once."""

from __future__ import annotations

from uuid import UUID, uuid3

NAMESPACE = UUID("90d0a521-1dec-5347-9421-820fb42304ea")


def stable_id(*parts: str) -> UUID:
    """uuid3 in tenantdb's namespace of ``parts`` joined with ``/``; SQL's tenantdb_events_stable_id is the same."""
    return uuid3(NAMESPACE, "/".join(parts))
