"""``tenantdb context``: the mode of the tenant context and the keys tenant tokens are signed with."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from tenantdb.commands.connection import open_session
from tenantdb.config import Settings
from tenantdb.db.context_keys import ContextKey, NewContextKey, add_context_key, list_context_keys, remove_context_key


class ContextMode(StrEnum):
    """How the policies learn the tenant of a request."""

    PLAIN = "plain"  # app.current_tenant_id, for deployments whose tenants never run SQL
    SIGNED = "signed"  # app.tenant_context, a token signed with one of the keys


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextStatus:
    mode: ContextMode
    keys: tuple[ContextKey, ...]


def _status(keys: list[ContextKey]) -> ContextStatus:
    """Signed mode exactly when a key exists (the trigger on tenantdb_context_keys keeps the policies in step)."""
    return ContextStatus(mode=ContextMode.SIGNED if keys else ContextMode.PLAIN, keys=tuple(keys))


def context_status(settings: Settings) -> ContextStatus:
    with open_session(settings, "context") as session:
        return _status(list_context_keys(session))


def context_key_add(settings: Settings) -> NewContextKey:
    with open_session(settings, "context") as session:
        return add_context_key(session)


def context_key_remove(settings: Settings, key_id: UUID) -> ContextStatus:
    with open_session(settings, "context") as session:
        remove_context_key(session, key_id)
        return _status(list_context_keys(session))
