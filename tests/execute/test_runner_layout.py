"""The runner does one job (ordering and applying steps): archiving, restoring, index repair and the event log are
modules of their own, and every event the runner writes is an ``EventKind``."""

from __future__ import annotations

import ast
from pathlib import Path

from tenantdb.db import EventKind, Session
from tenantdb.execute import runner
from tests.helpers import everything_down, load, up

EXAMPLES = Path(__file__).parents[2] / "examples"
ELSEWHERE = {  # what the runner leaves to the modules beside it
    "archive",
    "restore",
    "list_entries",
    "drop_index_concurrently",
    "find_index",
    "invalid_indexes_on",
    "record_event",
    "record_applied",
    "journal_mark",
}


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}


def test_the_runner_module_only_orders_and_applies_steps() -> None:
    path = Path(runner.__file__)
    assert len(path.read_text(encoding="utf-8").splitlines()) < 350
    assert _imported_names(path) & ELSEWHERE == set()


def test_every_event_of_a_run_is_an_event_kind(session: Session) -> None:
    migrations = load(EXAMPLES / "migrations")
    up(session, migrations)
    everything_down(session, migrations)
    up(session, migrations)
    kinds = {str(kind) for (kind,) in session.fetch_all("SELECT DISTINCT kind FROM tenantdb.events")}
    assert {"apply", "rollback", "archive"} <= kinds
    assert kinds <= {kind.value for kind in EventKind}
