"""``tenantdb init``: a new project directory with ``tenantdb.toml``, a migrations directory and chosen modules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tenantdb.config import CONFIG_FILE
from tenantdb.errors import ConfigError, MigrationFileError
from tenantdb.migrations import Layout
from tenantdb.migrations.layouts import detect_layout, find_groups
from tenantdb.modules import resolve_modules

STATE_DIR_IGNORE = ".tenantdb/"  # the embedded server's data directory: never committed


@dataclass(frozen=True, slots=True, kw_only=True)
class InitReport:
    """What ``tenantdb init`` created."""

    config_file: Path
    migrations_dir: Path
    layout: Layout  # given, else the existing migrations' layout, else native
    migrations_found: int  # migrations already in the directory (a project adopting tenantdb); 0 when created
    modules: tuple[str, ...]  # as written: the chosen ones and what they require, requirements first
    gitignore: Path | None  # the .gitignore that now lists .tenantdb/, when the project is a git work tree


def init_project(project_dir: Path, *, modules: tuple[str, ...], directory: str, layout: Layout | None) -> InitReport:
    """Create the project; refuse (changing nothing) when ``tenantdb.toml`` exists or an argument is wrong.

    A migrations directory that exists already keeps its files: without ``layout`` theirs is detected (diesel,
    golang-migrate, Flyway, goose, native), and a ``layout`` that finds none of them is refused."""
    project_dir = project_dir.resolve()
    config_file = project_dir / CONFIG_FILE
    if config_file.exists():
        raise ConfigError(
            f"{config_file} exists: this directory already is a tenantdb project",
            hint="edit it, or run init in a new directory",
        )
    if layout is Layout.CUSTOM:
        raise ConfigError("the custom layout needs a file pattern: write [migrations] file_pattern by hand")
    relative = Path(directory)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ConfigError(f"migrations directory {directory!r}: expected a path inside the project, e.g. migrations")
    chosen = tuple(spec.name for spec in resolve_modules(modules))  # unknown names fail here, before any write
    migrations_dir = project_dir / relative
    if migrations_dir.exists() and not migrations_dir.is_dir():
        raise ConfigError(f"{migrations_dir} exists and is not a directory")
    layout, found = _existing_migrations(migrations_dir, layout)
    project_dir.mkdir(parents=True, exist_ok=True)
    with config_file.open("x", encoding="utf-8") as file:  # exclusive: a concurrent init cannot be overwritten
        file.write(_config_text(chosen, relative.as_posix(), layout))
    migrations_dir.mkdir(parents=True, exist_ok=True)
    return InitReport(
        config_file=config_file,
        migrations_dir=migrations_dir,
        layout=layout,
        migrations_found=found,
        modules=chosen,
        gitignore=_ignore_state(project_dir),
    )


def _existing_migrations(directory: Path, layout: Layout | None) -> tuple[Layout, int]:
    """The layout to write and how many migrations ``directory`` holds already (none when it is new or empty)."""
    if not directory.is_dir() or not any(not entry.name.startswith(".") for entry in directory.iterdir()):
        return layout or Layout.NATIVE, 0
    detected = detect_layout(directory)
    chosen = layout or detected
    try:
        found = len(find_groups(directory, chosen))
    except MigrationFileError as error:
        found, problem = 0, f": {error}"
    else:
        problem = ""
    if not found:
        hint = f"its files look like the {detected.value} layout: leave the layout out to use it"
        if layout is not None:
            raise ConfigError(f"{layout.value} finds no migration in {directory}{problem}", hint=hint, option="layout")
        raise ConfigError(f"{directory} holds files but no migration of the {chosen.value} layout{problem}")
    return chosen, found


def _config_text(modules: tuple[str, ...], directory: str, layout: Layout) -> str:
    listed = ", ".join(f'"{name}"' for name in modules)
    return (
        "# tenantdb project settings (every key is optional; see `tenantdb --help` and the README).\n"
        f"modules = [{listed}]  # bundled schema modules, applied before the migrations below\n\n"
        "[migrations]\n"
        f'dir = "{directory}"\n'
        f'layout = "{layout.value}"\n\n'
        "[database]\n"
        "# Without a dsn, commands use this directory's embedded PostgreSQL (started on first use).\n"
        "# Prefer TENANTDB_DSN in the environment over a password in this file.\n"
        '# dsn = "postgresql://app@localhost/app"\n'
    )


def _ignore_state(project_dir: Path) -> Path | None:
    """List the embedded server's data directory in ``.gitignore`` of a git work tree (once)."""
    if not (project_dir / ".git").exists():
        return None
    gitignore = project_dir / ".gitignore"
    text = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else ""
    if STATE_DIR_IGNORE in text.splitlines():
        return gitignore
    separator = "" if not text or text.endswith("\n") else "\n"
    gitignore.write_text(f"{text}{separator}{STATE_DIR_IGNORE}\n", encoding="utf-8")
    return gitignore
