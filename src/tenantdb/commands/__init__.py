"""Use cases: what the CLI (and later the API) call, and nothing lower.

Each function takes :class:`Settings`, opens what it needs, closes it, and returns a report value. One module
per command group; everything public is re-exported here, so callers write ``commands.migrate_run``.

The use cases are imported on first use (PEP 562), so a command loads only its own module and what it needs:
``tenantdb lint`` never imports the database driver.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from tenantdb.commands.connection import (
        db_status,
        db_stop,
        db_stop_all,
        db_url,
        describe_target,
        open_session,
        resolve_dsn,
    )
    from tenantdb.commands.context import (
        ContextMode,
        ContextStatus,
        context_key_add,
        context_key_remove,
        context_status,
    )
    from tenantdb.commands.demo import (
        DEMO_DATABASE,
        DEMO_TENANTS,
        DemoObserver,
        DemoProject,
        DemoReport,
        DemoStage,
        ProjectFile,
        run_demo,
    )
    from tenantdb.commands.linting import lint
    from tenantdb.commands.maintain import MaintainReport, db_maintain
    from tenantdb.commands.migrations import (
        BaselineReport,
        HistoryReport,
        RunReport,
        StatusReport,
        migrate_baseline,
        migrate_history,
        migrate_redo,
        migrate_run,
        migrate_status,
        migrate_test,
        migrate_verify,
        new_migration,
        parse_version,
    )
    from tenantdb.commands.modules import ModuleInfo, modules_info
    from tenantdb.commands.phasing import migrate_phases
    from tenantdb.commands.planning import PlanReport, plan
    from tenantdb.commands.roles import roles_list, roles_login
    from tenantdb.commands.rollback_levels import ROLLBACK_LEVELS, RollbackReport, rollback
    from tenantdb.commands.seeding import MAX_SEED_TENANTS, SeededModule, SeededTable, SeedObserver, SeedReport, seed
    from tenantdb.commands.sources import load_sources
    from tenantdb.commands.tokens import (
        DEFAULT_LIFETIME,
        MAX_LIFETIME,
        TokenList,
        api_ready,
        tokens_create,
        tokens_list,
        tokens_revoke,
    )

_MODULES = {
    "ActionsList": "tenantdb.commands.actions",
    "ArchiveView": "tenantdb.commands.archive",
    "BaselineReport": "tenantdb.commands.migrations",
    "ContextMode": "tenantdb.commands.context",
    "ContextStatus": "tenantdb.commands.context",
    "DEFAULT_LIFETIME": "tenantdb.commands.tokens",
    "DEMO_DATABASE": "tenantdb.commands.demo",
    "DEMO_TENANTS": "tenantdb.commands.demo",
    "DemoObserver": "tenantdb.commands.demo",
    "DemoReport": "tenantdb.commands.demo",
    "DemoProject": "tenantdb.commands.demo",
    "ProjectFile": "tenantdb.commands.demo",
    "DemoStage": "tenantdb.commands.demo",
    "HistoryReport": "tenantdb.commands.migrations",
    "MaintainReport": "tenantdb.commands.maintain",
    "MAX_LIFETIME": "tenantdb.commands.tokens",
    "MAX_SEED_TENANTS": "tenantdb.commands.seeding",
    "ModuleInfo": "tenantdb.commands.modules",
    "PlanReport": "tenantdb.commands.planning",
    "ROLLBACK_LEVELS": "tenantdb.commands.rollback_levels",
    "RestoreReport": "tenantdb.commands.archive",
    "RollbackReport": "tenantdb.commands.rollback_levels",
    "RunReport": "tenantdb.commands.migrations",
    "SeedObserver": "tenantdb.commands.seeding",
    "SeedReport": "tenantdb.commands.seeding",
    "SeededModule": "tenantdb.commands.seeding",
    "SeededTable": "tenantdb.commands.seeding",
    "StatusReport": "tenantdb.commands.migrations",
    "TokenList": "tenantdb.commands.tokens",
    "actions_list": "tenantdb.commands.actions",
    "actions_transition": "tenantdb.commands.actions",
    "api_ready": "tenantdb.commands.tokens",
    "archive_list": "tenantdb.commands.archive",
    "archive_purge": "tenantdb.commands.archive",
    "archive_restore": "tenantdb.commands.archive",
    "archive_show": "tenantdb.commands.archive",
    "bi_forget": "tenantdb.commands.bi",
    "bi_refresh": "tenantdb.commands.bi",
    "context_key_add": "tenantdb.commands.context",
    "context_key_remove": "tenantdb.commands.context",
    "context_status": "tenantdb.commands.context",
    "db_maintain": "tenantdb.commands.maintain",
    "db_status": "tenantdb.commands.connection",
    "db_stop": "tenantdb.commands.connection",
    "db_stop_all": "tenantdb.commands.connection",
    "db_url": "tenantdb.commands.connection",
    "describe_target": "tenantdb.commands.connection",
    "lint": "tenantdb.commands.linting",
    "load_sources": "tenantdb.commands.sources",
    "migrate_baseline": "tenantdb.commands.migrations",
    "migrate_history": "tenantdb.commands.migrations",
    "migrate_phases": "tenantdb.commands.phasing",
    "migrate_redo": "tenantdb.commands.migrations",
    "migrate_run": "tenantdb.commands.migrations",
    "migrate_status": "tenantdb.commands.migrations",
    "migrate_test": "tenantdb.commands.migrations",
    "migrate_verify": "tenantdb.commands.migrations",
    "modules_info": "tenantdb.commands.modules",
    "new_migration": "tenantdb.commands.migrations",
    "open_session": "tenantdb.commands.connection",
    "parse_version": "tenantdb.commands.migrations",
    "plan": "tenantdb.commands.planning",
    "report": "tenantdb.commands.bi",
    "resolve_dsn": "tenantdb.commands.connection",
    "roles_list": "tenantdb.commands.roles",
    "roles_login": "tenantdb.commands.roles",
    "rollback": "tenantdb.commands.rollback_levels",
    "run_demo": "tenantdb.commands.demo",
    "seed": "tenantdb.commands.seeding",
    "tokens_create": "tenantdb.commands.tokens",
    "tokens_list": "tenantdb.commands.tokens",
    "tokens_revoke": "tenantdb.commands.tokens",
}
"""Every public name -> the module defining it."""


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


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
    "DemoProject",
    "DemoReport",
    "DemoStage",
    "HistoryReport",
    "MaintainReport",
    "ModuleInfo",
    "PlanReport",
    "ProjectFile",
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
    "db_maintain",
    "db_status",
    "db_stop",
    "db_stop_all",
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
