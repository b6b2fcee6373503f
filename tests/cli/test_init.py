"""``tenantdb init``: a project a Flyway or Atlas user expects to start with; bad input changes nothing."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from tenantdb.config import load_settings
from tenantdb.migrations import load_project_migrations
from tests.helpers import cli


def test_init_creates_a_working_project_with_the_modules_and_their_requirements(tmp_path: Path) -> None:
    done = cli("init", str(tmp_path / "app"), "--module", "billing", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["modules"] == ["core", "security", "billing"]  # requirements first
    config = tomllib.loads((tmp_path / "app" / "tenantdb.toml").read_text())
    assert config["modules"] == ["core", "security", "billing"]
    assert config["migrations"] == {"dir": "migrations", "layout": "native"}
    assert (tmp_path / "app" / "migrations").is_dir()
    created = cli("new", "create accounts", "--json", cwd=tmp_path / "app")
    assert created.returncode == 0, created.stderr
    assert len(json.loads(created.stdout)["created"]) >= 1
    linted = cli("lint", cwd=tmp_path / "app")
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_init_in_the_current_directory_with_another_layout(tmp_path: Path) -> None:
    done = cli("init", "--layout", "golang-migrate", "--migrations-dir", "db/migrations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "tenantdb new" in done.stdout and "cd " not in done.stdout
    config = tomllib.loads((tmp_path / "tenantdb.toml").read_text())
    assert config["migrations"] == {"dir": "db/migrations", "layout": "golang-migrate"}
    assert config["modules"] == []
    assert (tmp_path / "db" / "migrations").is_dir()


def test_init_refuses_an_existing_project_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text("# mine\n")
    done = cli("init", cwd=tmp_path)
    assert done.returncode == 3
    assert "already is a tenantdb project" in done.stderr
    assert (tmp_path / "tenantdb.toml").read_text() == "# mine\n"
    assert not (tmp_path / "migrations").exists()


def test_init_refuses_bad_arguments_before_writing_anything(tmp_path: Path) -> None:
    for arguments, message in [
        (["--module", "nope"], "unknown module 'nope'"),
        (["--migrations-dir", "../elsewhere"], "expected a path inside the project"),
        (["--layout", "custom"], "custom layout needs a file pattern"),
    ]:
        done = cli("init", str(tmp_path / "p"), *arguments, cwd=tmp_path)
        assert done.returncode == 3, (arguments, done.stderr)
        assert message in done.stderr
        assert not (tmp_path / "p").exists(), arguments
    unknown_layout = cli("init", str(tmp_path / "p"), "--layout", "liquibase", cwd=tmp_path)
    assert unknown_layout.returncode == 2 and "liquibase" in unknown_layout.stderr
    assert not (tmp_path / "p").exists()


def test_init_in_a_git_work_tree_keeps_the_embedded_server_out_of_git(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("node_modules/")  # no final newline
    done = cli("init", "--all-modules", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / ".gitignore").read_text() == "node_modules/\n.tenantdb/\n"
    assert ".tenantdb/ is listed in" in done.stdout


def _diesel_project(root: Path) -> Path:
    """Two diesel migrations (a directory each with up.sql and down.sql), as a Rust project keeps them."""
    for version, name, table in [
        ("2019-02-26-002946", "create_person", "person"),
        ("2019-02-27-170003", "create_post", "post"),
    ]:
        directory = root / "migrations" / f"{version}_{name}"
        directory.mkdir(parents=True)
        (directory / "up.sql").write_text(f"CREATE TABLE {table} (id serial PRIMARY KEY);\n")
        (directory / "down.sql").write_text(f"DROP TABLE {table};\n")
    return root


def test_init_in_a_project_with_migrations_keeps_their_layout_and_says_what_it_found(tmp_path: Path) -> None:
    """Seen adopting a diesel project (342 migrations): init said "created migrations/ (native layout)" and wrote
    layout = "native", so `migrate status` then found no migrations at all."""
    project = _diesel_project(tmp_path)
    done = cli("init", "--json", cwd=project)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["layout"] == "diesel" and report["migrations_found"] == 2
    config = tomllib.loads((project / "tenantdb.toml").read_text())
    assert config["migrations"] == {"dir": "migrations", "layout": "diesel"}
    settings = load_settings(project, environ={})
    assert [m.name for m in load_project_migrations(settings).migrations] == ["create_person", "create_post"]
    lines = cli("init", str(_diesel_project(tmp_path / "again")), cwd=tmp_path).stdout.splitlines()
    assert any("found 2 migrations" in line and "(diesel layout)" in line for line in lines), lines
    assert not any(line.startswith("created") and "migrations" in line for line in lines), lines
    assert any("tenantdb migrate status" in line for line in lines), lines


def test_init_refuses_a_layout_that_finds_none_of_the_existing_files(tmp_path: Path) -> None:
    project = _diesel_project(tmp_path)
    done = cli("init", "--layout", "native", cwd=project)
    assert done.returncode == 3
    assert "diesel" in done.stderr and "--layout" in done.stderr
    assert not (project / "tenantdb.toml").exists()
