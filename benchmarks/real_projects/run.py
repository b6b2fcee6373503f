"""Real projects: `tenantdb migrate test` on public projects' migration directories, and `migrate up` vs psql.

For every project of projects.toml (mirrors fetched beforehand, bare git directories under --mirrors):
extract its migration directory into a temporary directory, run ``tenantdb migrate test`` on it, then time
``tenantdb migrate up`` on a fresh database against ``psql -f`` of each up file (or up section), in the
layout's order, on another fresh database. Prints a Markdown section for benchmarks/RESULTS.md::

    python benchmarks/real_projects/run.py --server default=postgresql:///postgres?host=/tmp/pg \\
        --server pg18=postgresql:///postgres?host=/tmp/pg18

The extracted files are deleted afterwards; nothing fetched is ever written inside the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common.binaries import default_tenantdb
from common.machine import load_average, machine

HERE = Path(__file__).resolve().parent
DEFAULT_CONFIG = HERE / "projects.toml"
DEFAULT_MIRRORS = Path("/work/.mirror")
TIMEOUT = 1800


@dataclass(frozen=True, slots=True, kw_only=True)
class Project:
    name: str
    repo: str
    dir: str
    layout: str
    server: str = "default"
    setup: str = ""
    teardown: str = ""
    options: str = ""
    tenantdb_toml: str = ""
    psql_replace: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Row:
    project: Project
    commit: str = "-"
    files: int = 0
    test: str = "-"
    test_s: float | None = None
    up: str = "-"
    up_s: float | None = None
    psql: str = "-"
    psql_s: float | None = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="where <owner>+<name>/repo are")
    parser.add_argument("--server", action="append", default=[], metavar="NAME=DSN", help="repeatable")
    parser.add_argument("--psql", type=Path, default=None, help="psql binary (default: the server's own)")
    parser.add_argument("--tenantdb", type=Path, default=default_tenantdb())
    parser.add_argument("--only", action="append", default=[], help="project names to run (repeatable)")
    args = parser.parse_args(argv)
    servers = dict(item.split("=", 1) for item in args.server)
    if not servers:
        parser.error("give at least one --server NAME=DSN")
    projects = [Project(**entry) for entry in tomllib.loads(args.config.read_text())["project"]]
    projects = [p for p in projects if not args.only or p.name in args.only]
    before = load_average()
    rows = []
    for project in projects:
        dsn = servers.get(project.server)
        if dsn is None:
            print(f"{project.name}: no --server {project.server}=DSN, skipped", file=sys.stderr)
            continue
        print(f"{project.name}: ...", file=sys.stderr, flush=True)
        rows.append(run_project(project, args.mirrors, dsn, args.tenantdb, args.psql))
    print_section(rows, servers, before, load_average(), sys.argv[1:])
    return 0


def run_project(project: Project, mirrors: Path, dsn: str, tenantdb: Path, psql: Path | None) -> Row:
    row = Row(project=project)
    git_dir = mirrors / project.repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        row.test = f"mirror {git_dir} not fetched"
        return row
    row.commit = git(git_dir, "rev-parse", "HEAD").strip()
    if project.options:
        dsn = make_conninfo(dsn, options=project.options)
    psql = psql or server_psql(dsn)
    with tempfile.TemporaryDirectory(prefix=f"real-{project.name}-") as temp:
        root = Path(temp)
        archive = subprocess.run(
            ["git", f"--git-dir={git_dir}", "archive", "HEAD", project.dir], capture_output=True, check=True
        ).stdout
        (root / "src").mkdir()
        subprocess.run(["tar", "-x", "-C", str(root / "src")], input=archive, check=True)
        migrations = root / "src" / project.dir
        row.files = sum(1 for path in migrations.rglob("*") if path.is_file())
        project_dir = root / "project"
        project_dir.mkdir()
        (project_dir / "tenantdb.toml").write_text(tenantdb_toml(project, migrations))
        in_template(dsn, project.setup)
        try:
            row.test, row.test_s = migrate_test(tenantdb, project_dir, dsn)
            row.up, row.up_s = timed_in_fresh_database(
                dsn,
                project,
                lambda target: tenantdb_up(tenantdb, project_dir, target),
                after=lambda target: ledger_contradictions(tenantdb, project_dir, target),
            )
            row.psql, row.psql_s = timed_in_fresh_database(
                dsn, project, lambda target: psql_files(psql, up_files(project, migrations, root / "psql"), target)
            )
        finally:
            in_template(dsn, project.teardown)
    return row


def tenantdb_toml(project: Project, migrations: Path) -> str:
    text = project.tenantdb_toml
    line = f'dir = "{migrations}"\n'
    if "[migrations]" in text:
        return text.replace("[migrations]\n", f"[migrations]\n{line}", 1)
    return f"[migrations]\n{line}\n{text}"


def migrate_test(tenantdb: Path, project_dir: Path, dsn: str) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(tenantdb), "migrate", "test", str(project_dir), "--dsn", dsn, "--json"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    elapsed = time.perf_counter() - started
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict) or "ok" not in report:
        return f"exit {done.returncode}: {first_error(done.stdout + done.stderr)}", elapsed
    return summarize(done.returncode, report), elapsed


def summarize(code: int, report: dict[str, Any]) -> str:
    """One cell: the verdict, how many migrations were rolled back and re-applied, then what the round trip
    noted (migrations without a down, what the downs leave behind, the project's failing downs)."""
    parts = ["ok" if report["ok"] else f"exit {code}"]
    if report.get("rolled_back") is not None:
        parts.append(f"{report['rolled_back']} rolled back and re-applied")
    if report.get("difference"):
        difference = report["difference"]
        parts.append(f"{difference['stage']}: {difference['kind']} differ")
    for data in report.get("data_differences") or ():
        parts.append(f"data of {data['table']} differs")
    if report.get("reapply_failure"):
        parts.append(f"applying again failed: {report['reapply_failure']}")
    if report.get("irreversible"):
        parts.append(f"{len(report['irreversible'])} without a down")
    if report.get("left_by_downs"):
        kinds = sorted({d["kind"] for d in report["left_by_downs"]})
        parts.append(f"downs leave {', '.join(kinds)}")
    for failure in report.get("down_failures") or ():
        label, _, rest = failure.partition(":")
        parts.append(f"the project's down of {label} fails:{rest.rpartition(': ')[2] if ': ' in rest else rest}")
    return shorten("; ".join(parts), 300)


def first_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if line.startswith("error:") or " differ" in line:
            text = line.removeprefix("error:").strip()
            if " differ" in line and index + 1 < len(lines):
                text += f" ({lines[index + 1]})"
            return shorten(text)
    return shorten(lines[-1] if lines else "no output")


def shorten(text: str, limit: int = 170) -> str:
    text = re.sub(r"/tmp/real-[^/ ]*/src/", "", text).replace("|", "\\|")
    text = " ".join(text.split())  # a table cell is one line (PostgreSQL's DETAIL lists dependents line by line)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timed_in_fresh_database(dsn: str, project: Project, run: Any, after: Any = None) -> tuple[str, float | None]:
    """``run(target)`` timed on a fresh database; ``after(target)``, untimed, adds to what it says."""
    name = f"real_{project.name.replace('-', '_')}_{int(time.time() * 1000) % 10**9}"
    with connect(dsn) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    target = make_conninfo(dsn, dbname=name)
    try:
        started = time.perf_counter()
        status = run(target)
        elapsed = time.perf_counter() - started
        if after is not None and status == "ok":
            status += after(target)
        return status, elapsed
    finally:
        with connect(dsn) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def tenantdb_up(tenantdb: Path, project_dir: Path, dsn: str) -> str:
    done = subprocess.run(
        [str(tenantdb), "migrate", "up", "-C", str(project_dir), "--dsn", dsn],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return "ok" if done.returncode == 0 else f"exit {done.returncode}: {first_error(done.stdout + done.stderr)}"


def ledger_contradictions(tenantdb: Path, project_dir: Path, dsn: str) -> str:
    """``migrate verify`` right after a clean ``up``: any applied migration it calls contradicted by the database
    is a false alarm of tenantdb's (the other checks report facts about the project: NOT VALID constraints...)."""
    done = subprocess.run(
        [str(tenantdb), "migrate", "verify", "-C", str(project_dir), "--dsn", dsn, "--json"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    try:
        violations = json.loads(done.stdout)["violations"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return f"; verify exit {done.returncode}: {first_error(done.stdout + done.stderr)}"
    contradicted = [v for v in violations if v.get("check") == "ledger-contradiction"]
    if not contradicted:
        return ""
    return f"; verify: {len(contradicted)} ledger contradiction(s): {shorten(contradicted[0]['message'], 120)}"


def psql_files(psql: Path, files: list[Path], dsn: str) -> str:
    """``psql -f`` of each file in order (autocommit, as each tool's own runner without its transaction)."""
    for path in files:
        done = subprocess.run(
            [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(path)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            return f"failed at {path.parent.name}/{path.name}: {shorten(done.stderr.strip().splitlines()[0])}"
    return f"ok ({len(files)} files)"


# -- the layouts' own order, independent of tenantdb's loader -----------------------------------------------

_SECTIONS = {
    "dbmate": (re.compile(r"^--\s*migrate:up\b.*$", re.M), re.compile(r"^--\s*migrate:down\b", re.M)),
    "goose": (re.compile(r"^--\s*\+goose\s+up\b.*$", re.M | re.I), re.compile(r"^--\s*\+goose\s+down\b", re.M | re.I)),
}


def up_files(project: Project, migrations: Path, out: Path) -> list[Path]:
    """The up files (or up sections, written to ``out``) in the order the project's own tool applies them."""
    layout = project.layout
    if layout == "diesel":
        # diesel's version is the name up to the first "_" without its dashes (crates.io mixes both spellings)
        files = sorted(migrations.glob("*/up.sql"), key=lambda path: path.parent.name.split("_")[0].replace("-", ""))
    elif layout == "golang-migrate":
        files = sorted(migrations.glob("*.up.sql"), key=lambda path: int(path.name.split("_", 1)[0]))
    elif layout == "flyway":
        files = sorted(migrations.rglob("V*__*.sql"), key=_flyway_version)
    elif layout in _SECTIONS:
        files = sorted(
            (path for path in migrations.glob("*.sql") if re.match(r"\d+", path.name)),
            key=lambda path: int(re.match(r"\d+", path.name)[0]),  # type: ignore[index]
        )
    elif layout == "custom":  # the up files tenantdb_toml's file_pattern matches, by numeric version
        pattern = re.compile(tomllib.loads(project.tenantdb_toml)["migrations"]["file_pattern"])
        matches = [(path, pattern.fullmatch(path.name)) for path in migrations.iterdir()]
        files = [
            path
            for path, match in sorted(
                ((path, match) for path, match in matches if match), key=lambda item: int(item[1]["version"])
            )
            if "direction" not in pattern.groupindex or match["direction"] == "up"
        ]
    else:
        raise ValueError(f"unknown layout {layout!r}")
    out.mkdir(exist_ok=True)
    result = []
    for index, path in enumerate(files):
        text = path.read_text(encoding="utf-8")
        sections = "goose" if layout == "custom" and "-- +goose" in text else layout
        if sections in _SECTIONS:
            start, end = _SECTIONS[sections]
            begin = start.search(text)
            text = text[begin.end() :] if begin else text
            stop = end.search(text)
            text = text[: stop.start()] if stop else text
        for old, new in project.psql_replace.items():
            text = text.replace(old, new)
        if sections not in _SECTIONS and not project.psql_replace:
            result.append(path)
            continue
        copy = out / f"{index:05d}" / path.name
        copy.parent.mkdir()
        copy.write_text(text, encoding="utf-8")
        result.append(copy)
    return result


def _flyway_version(path: Path) -> tuple[int, ...]:
    version = path.name[1:].split("__", 1)[0].replace("_", ".")
    return tuple(int(part) for part in version.split("."))


# -- server helpers ------------------------------------------------------------------------------------------


def connect(dsn: str, dbname: str | None = None) -> psycopg.Connection[Any]:
    params = conninfo_to_dict(dsn)
    params.pop("options", None)
    if dbname:
        params["dbname"] = dbname
    return psycopg.connect(make_conninfo("", **params), autocommit=True)


def in_template(dsn: str, statement: str) -> None:
    if statement:
        with connect(dsn, "template1") as connection:
            connection.execute(statement.encode())


def server_psql(dsn: str) -> Path:
    """The psql of the server's own major version, from its bin directory when it runs locally."""
    with connect(dsn) as connection:
        row = connection.execute("SELECT setting FROM pg_settings WHERE name = 'data_directory'").fetchone()
    data_dir = Path(str(row[0])) if row else None
    pid_file = data_dir / "postmaster.pid" if data_dir else None
    if pid_file and pid_file.exists():
        try:
            pid = pid_file.read_text().split()[0]
            binary = Path(f"/proc/{pid}/exe").resolve()
            if (binary.parent / "psql").exists():
                return binary.parent / "psql"
        except OSError:
            pass
    return Path("psql")


def git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True, text=True, check=True).stdout


def server_version(dsn: str) -> str:
    with connect(dsn) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


# -- report --------------------------------------------------------------------------------------------------


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_section(
    rows: list[Row], servers: dict[str, str], before: float | None, after: float | None, argv: list[str]
) -> None:
    facts = machine()
    today = datetime.now(UTC).date().isoformat()
    print(f"## Real projects round trip ({today})\n")
    print(
        "`tenantdb migrate test` (apply all, roll back all, apply again; defaults, archive and online rewrites on)"
        " on public projects' unedited migration directories, then the wall clock of `tenantdb migrate up` on a"
        " fresh database next to `psql -f` of each up file (or up section) in the layout's own order on another"
        " fresh database (autocommit, `ON_ERROR_STOP`). One run each. After the timed `up`, `migrate verify` on that"
        " database: an applied migration it calls contradicted by the database would be tenantdb's false alarm, and is"
        " listed in the `tenantdb up` cell.\n"
    )
    print(
        "| project | repository @ commit | directory | layout | files | server | migrate test | test s"
        " | tenantdb up | up s | psql | psql s |"
    )
    print("|---|---|---|---|---:|---|---|---:|---|---:|---|---:|")
    for row in rows:
        p = row.project
        print(
            f"| {p.name} | {p.repo} @ `{row.commit[:12]}` | `{p.dir}` | {p.layout} | {row.files} | {p.server}"
            f" | {row.test} | {seconds(row.test_s)} | {row.up} | {seconds(row.up_s)} | {row.psql}"
            f" | {seconds(row.psql_s)} |"
        )
    print()
    for name, dsn in servers.items():
        print(f"- Server `{name}`: PostgreSQL {server_version(dsn)}")
    print(
        f"- Machine: {facts['cpu']}, {facts['cores']} cores, {facts['ram_gib']} GiB RAM, {facts['os']};"
        f" 1-min load average {before} / {after} (before/after)"
    )
    print(f"- Python {facts['python']}")
    print(f"- Command: `python benchmarks/real_projects/run.py {' '.join(argv)}`")


if __name__ == "__main__":
    raise SystemExit(main())
