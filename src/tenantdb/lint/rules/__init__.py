"""The registry: every rule, one module each, listed explicitly (a test proves none is missing)."""

from __future__ import annotations

from tenantdb.lint.model import Rule, RuleId
from tenantdb.lint.rules import (
    ban_add_unique_constraint,
    ban_blocking_refresh_materialized_view,
    ban_column_type_change,
    ban_index_on_view,
    ban_lock_table,
    ban_set_not_null,
    ban_stored_generated_column,
    ban_vacuum_full,
    ban_volatile_default,
    require_concurrent_detach_partition,
    require_concurrent_index_creation,
    require_concurrent_index_deletion,
    require_concurrent_reindex,
    require_force_rls,
    require_not_valid_constraint,
    unused_ignore,
)

RULES: tuple[Rule, ...] = (
    ban_add_unique_constraint.RULE,
    ban_blocking_refresh_materialized_view.RULE,
    ban_column_type_change.RULE,
    ban_index_on_view.RULE,
    ban_lock_table.RULE,
    ban_set_not_null.RULE,
    ban_stored_generated_column.RULE,
    ban_vacuum_full.RULE,
    ban_volatile_default.RULE,
    require_concurrent_detach_partition.RULE,
    require_concurrent_index_creation.RULE,
    require_concurrent_index_deletion.RULE,
    require_concurrent_reindex.RULE,
    require_force_rls.RULE,
    require_not_valid_constraint.RULE,
    unused_ignore.RULE,
)

RULES_BY_ID: dict[RuleId, Rule] = {rule.id: rule for rule in RULES}
