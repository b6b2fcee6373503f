"""``tenantdb init``: a project a Flyway or Atlas user expects to start with; bad input changes nothing."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

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
