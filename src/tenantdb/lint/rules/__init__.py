"""The registry: every rule, one module each, listed explicitly (a test proves none is missing)."""

from __future__ import annotations

from tenantdb.lint.model import Rule, RuleId
from tenantdb.lint.rules import (
    ban_index_on_view,
    require_concurrent_index_creation,
    require_force_rls,
    unused_ignore,
)

RULES: tuple[Rule, ...] = (
    ban_index_on_view.RULE,
    require_concurrent_index_creation.RULE,
    require_force_rls.RULE,
    unused_ignore.RULE,
)

RULES_BY_ID: dict[RuleId, Rule] = {rule.id: rule for rule in RULES}
