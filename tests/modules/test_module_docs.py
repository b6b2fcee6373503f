"""Module documentation is generated from the modules and never drifts from them."""

from __future__ import annotations

from pathlib import Path

from tenantdb.modules import available_modules
from tenantdb.modules.docs import drift, render_module

ROOT = Path(__file__).parents[2]


def test_generated_module_docs_are_current() -> None:
    assert drift(ROOT) == [], "run `python -m tenantdb.modules.docs`"


def test_module_docs_describe_keys_isolation_and_distribution() -> None:
    text = render_module(available_modules()["core"])
    assert "### `users`" in text
    assert "- tenant-owned; primary key (tenant_id, user_id)" in text
    assert "create_distributed_table('users', 'tenant_id'" in text
    assert "create_distributed_table('companies', 'id')" in text
