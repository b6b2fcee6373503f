"""Use cases: what the CLI (and later the API) call, and nothing lower.

Each function takes :class:`Settings`, opens what it needs, closes it, and returns a report value. One module
per command group; everything public is re-exported here, so callers write ``commands.migrate_run``.
"""

from tenantdb.commands.actions import ActionsList, actions_list, actions_transition
from tenantdb.commands.archive import (
    ArchiveView,
    RestoreReport,
    archive_list,
    archive_purge,
    archive_restore,
    archive_show,
)
from tenantdb.commands.bi import bi_forget, bi_refresh, report
from tenantdb.commands.connection import db_status, db_stop, db_url, describe_target, open_session, resolve_dsn
from tenantdb.commands.context import (
    ContextMode,
    ContextStatus,
    context_key_add,
    context_key_remove,
    context_status,
)
from tenantdb.commands.demo import DEMO_DATABASE, DEMO_TENANTS, DemoObserver, DemoReport, DemoStage, run_demo
from tenantdb.commands.migrations import (
    BaselineReport,
    HistoryReport,
    PlanReport,
    RunReport,
    StatusReport,
    lint,
    load_sources,
    migrate_baseline,
    migrate_history,
    migrate_phases,
    migrate_redo,
    migrate_run,
    migrate_status,
    migrate_test,
    migrate_verify,
    new_migration,
    parse_version,
    plan,
)
from tenantdb.commands.modules import ModuleInfo, modules_info
from tenantdb.commands.roles import roles_list, roles_login
from tenantdb.commands.rollback_levels import ROLLBACK_LEVELS, RollbackReport, rollback
from tenantdb.commands.seeding import MAX_SEED_TENANTS, SeededModule, SeededTable, SeedObserver, SeedReport, seed
from tenantdb.commands.tokens import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    TokenList,
    api_ready,
    tokens_create,
    tokens_list,
    tokens_revoke,
)

__all__ = [
    "DEFAULT_LIFETIME",
    "DEMO_DATABASE",
    "DEMO_TENANTS",
    "MAX_LIFETIME",
    "MAX_SEED_TENANTS",
    "ROLLBACK_LEVELS",
    "ActionsList",
    "ArchiveView",
    "BaselineReport",
    "ContextMode",
    "ContextStatus",
    "DemoObserver",
    "DemoReport",
    "DemoStage",
    "HistoryReport",
    "ModuleInfo",
    "PlanReport",
    "RestoreReport",
    "RollbackReport",
    "RunReport",
    "SeedObserver",
    "SeedReport",
    "SeededModule",
    "SeededTable",
    "StatusReport",
    "TokenList",
    "actions_list",
    "actions_transition",
    "api_ready",
    "archive_list",
    "archive_purge",
    "archive_restore",
    "archive_show",
    "bi_forget",
    "bi_refresh",
    "context_key_add",
    "context_key_remove",
    "context_status",
    "db_status",
    "db_stop",
    "db_url",
    "describe_target",
    "lint",
    "load_sources",
    "migrate_baseline",
    "migrate_history",
    "migrate_phases",
    "migrate_redo",
    "migrate_run",
    "migrate_status",
    "migrate_test",
    "migrate_verify",
    "modules_info",
    "new_migration",
    "open_session",
    "parse_version",
    "plan",
    "report",
    "resolve_dsn",
    "roles_list",
    "roles_login",
    "rollback",
    "run_demo",
    "seed",
    "tokens_create",
    "tokens_list",
    "tokens_revoke",
]
