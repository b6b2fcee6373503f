"""Migration files of every supported layout, loaded into an ordered :class:`MigrationSet`."""

from tenantdb.identity import Version
from tenantdb.migrations.loader import (
    load_migrations,
    load_plain_scripts,
    load_project_migrations,
    load_single_file,
)
from tenantdb.migrations.model import (
    PROJECT_SOURCE,
    Direction,
    ExecutionMode,
    Layout,
    Migration,
    MigrationSet,
    Script,
    ScriptProblem,
)
from tenantdb.migrations.scaffold import new_migration_file
from tenantdb.migrations.scripts import build_script

__all__ = [
    "PROJECT_SOURCE",
    "Direction",
    "ExecutionMode",
    "Layout",
    "Migration",
    "MigrationSet",
    "Script",
    "ScriptProblem",
    "Version",
    "build_script",
    "load_migrations",
    "load_plain_scripts",
    "load_project_migrations",
    "load_single_file",
    "new_migration_file",
]
