"""Scopes of API tokens, the principal a request acts for, and the database role each scope runs as."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tenantdb.db.api_tokens import Scope, TokenOwner

ROLES: dict[Scope, str] = {
    Scope.EXECUTIVE: "business_analysts",
    Scope.ANALYST: "business_analysts",
    Scope.ADMIN: "db_administrators",
    Scope.TENANT: "tenant_api",
}

OPERATORS = frozenset({Scope.EXECUTIVE, Scope.ANALYST, Scope.ADMIN})  # the portfolio: every tenant's figures
EVERYONE = frozenset(Scope)


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who a request acts for, from the token record only (never from the request)."""

    token_id: UUID
    scope: Scope
    tenant_id: UUID | None
    tenant_slug: str | None
    via_session: bool = False  # a dashboard cookie (CSRF applies) rather than a bearer token

    @classmethod
    def of(cls, owner: TokenOwner, *, via_session: bool) -> Principal:
        return cls(
            token_id=owner.token_id,
            scope=owner.scope,
            tenant_id=owner.tenant_id,
            tenant_slug=owner.tenant_slug,
            via_session=via_session,
        )

    @property
    def role(self) -> str:
        return ROLES[self.scope]

    @property
    def owner(self) -> TokenOwner:
        return TokenOwner(
            token_id=self.token_id, scope=self.scope, tenant_id=self.tenant_id, tenant_slug=self.tenant_slug
        )


__all__ = ["EVERYONE", "OPERATORS", "ROLES", "Principal", "Scope"]
