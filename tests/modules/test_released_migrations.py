"""A bundled migration, once released, never changes: databases that applied it keep its checksum in their ledger,
and an edit (even a comment: a lint suppression) makes `migrate up` refuse with "was edited after it was applied"
on every upgrade. Lint findings a released file deliberately has are accepted in its module.toml instead.

tests/modules/released_migrations.json pins each released file's checksum; a new migration is added to it when it
ships (the test says so)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tenantdb
from tenantdb.migrations import Layout, load_migrations

PINNED = Path(__file__).with_name("released_migrations.json")
PACKAGE = Path(tenantdb.__file__).parent


def _bundled() -> dict[str, str]:
    found = {}
    for directory in sorted({path.parent for path in PACKAGE.glob("*/**/migrations/*.sql")}):
        for migration in load_migrations(directory, layout=Layout.NATIVE.value):
            found[migration.path.relative_to(PACKAGE).as_posix()] = migration.checksum
    return found


def test_no_released_migration_was_edited() -> None:
    pinned: dict[str, str] = json.loads(PINNED.read_text(encoding="utf-8"))
    bundled = _bundled()
    edited = sorted(path for path, digest in pinned.items() if path in bundled and bundled[path] != digest)
    assert not edited, f"released migrations edited (put the change in a new migration): {edited}"
    removed = sorted(set(pinned) - set(bundled))
    assert not removed, f"released migrations removed: {removed}"


def test_every_bundled_migration_is_pinned() -> None:
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    new = sorted(set(_bundled()) - set(pinned))
    if new:
        pytest.fail(f"add the new migrations' checksums to {PINNED.name} when they ship: {new}")


def _module(tmp_path: Path, accepted: str) -> Path:
    folder = tmp_path / "mymod"
    (folder / "migrations").mkdir(parents=True)
    (folder / "migrations" / "0001_t.sql").write_text(
        "-- migrate:up\nCREATE TABLE t (id bigint PRIMARY KEY, v text);\n-- migrate:down\nDROP TABLE t;\n"
    )
    (folder / "migrations" / "0002_w.sql").write_text(
        "-- migrate:up\nALTER TABLE t RENAME COLUMN v TO w;\n-- migrate:down\nALTER TABLE t RENAME COLUMN w TO v;\n"
    )
    (folder / "module.toml").write_text(f'name = "mymod"\nversion = "1"\n{accepted}')
    return folder / "module.toml"


def test_a_finding_accepted_in_module_toml_is_suppressed_and_an_idle_acceptance_is_reported(tmp_path: Path) -> None:
    from tenantdb.lint import lint_migration_sets
    from tenantdb.modules.catalog import _read_manifest, module_migrations

    rule = "ban-rename-column"
    accepted = f'[lint.accepted."0002_w.sql"]\n{rule} = "no application reads t yet"\n'
    spec = _read_manifest(_module(tmp_path, accepted))
    report = lint_migration_sets([module_migrations(spec)])
    assert rule not in {f.rule for f in report.findings}
    assert report.suppressed == 1

    idle = f'[lint.accepted."0002_w.sql"]\nban-drop-database = "nothing of the kind here"\n{rule} = "as above"\n'
    report = lint_migration_sets([module_migrations(_read_manifest(_module(tmp_path / "2", idle)))])
    unused = [f for f in report.findings if f.rule == "unused-ignore"]
    assert [f.message for f in unused] == [
        "the module accepts ban-drop-database for this file, but it finds nothing here"
    ]


def test_an_acceptance_naming_no_migration_or_no_reason_is_a_clear_error(tmp_path: Path) -> None:
    from tenantdb.errors import ConfigError
    from tenantdb.modules.catalog import _read_manifest

    with pytest.raises(ConfigError, match=r"'0002_x\.sql', which is not one of its migrations"):
        _read_manifest(_module(tmp_path, '[lint.accepted."0002_x.sql"]\nban-drop-database = "why"\n'))
    with pytest.raises(ConfigError, match="must map rule ids to the reason"):
        _read_manifest(_module(tmp_path / "2", '[lint.accepted."0001_t.sql"]\nban-drop-database = ""\n'))
