"""Databases built once per test process and copied for each test that needs one.

Applying every bundled module takes seconds and seeding fifty tenants many more; dozens of tests start from those
same states. A :class:`Recipe` names a state and how to build it (on top of another recipe's state, or on an empty
database): the first test that asks builds it into a template database of its test process, and every test,
that first one included, gets a fresh copy (``CREATE DATABASE … TEMPLATE``) it may change at will. The templates
are dropped when the test process ends.

A recipe's ``build`` must leave no connection open to its database (PostgreSQL copies a template only when nobody
is connected to it) and must not depend on the database's name: the copies have other names. A copy holds what
the template's database holds, but PostgreSQL keeps the database's own privileges and settings outside it: the
privileges (the security module revokes TEMPORARY from PUBLIC) are granted again on each copy, and a template with
``ALTER DATABASE``/``ALTER ROLE … IN DATABASE`` settings is refused rather than copied without them.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql
from psycopg.conninfo import make_conninfo

from tenantdb.db import connect
from tests.postgres import PgServer


@dataclass(frozen=True, slots=True)
class Recipe:
    """A database state: ``build`` makes it from ``base``'s state (or an empty database); ``name`` says which, and
    must change whenever what ``build`` does changes (it keys the cache)."""

    name: str
    build: Callable[[str], Any] = field(compare=False)
    base: Recipe | None = None

    @property
    def key(self) -> str:
        return self.name if self.base is None else f"{self.base.key}/{self.name}"


@dataclass(frozen=True, slots=True)
class Built:
    """A copy of a recipe's state for one test: its DSN and what the recipe's ``build`` returned."""

    dsn: str
    result: Any


class DatabaseCache:
    """The templates of one test process on one server."""

    def __init__(self, server: PgServer, empty_template: str) -> None:
        self._server = server
        self._empty = empty_template
        self._templates: dict[str, tuple[str, Any]] = {}  # recipe key -> (template database, build result)

    def _template_name(self, recipe: Recipe) -> str:
        digest = hashlib.sha256(recipe.key.encode()).hexdigest()[:10]
        return f"tenantdb_test_cache_{digest}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"

    def _template(self, recipe: Recipe) -> tuple[str, Any]:
        if recipe.key in self._templates:
            return self._templates[recipe.key]
        source = self._empty if recipe.base is None else self._template(recipe.base)[0]
        name = self._template_name(recipe)
        self._create(name, source)
        try:
            result = recipe.build(make_conninfo(self._server.dsn, dbname=name))
            self._refuse_database_settings(name)
        except BaseException:
            self._drop(name)
            raise
        self._templates[recipe.key] = (name, result)
        return name, result

    def copy(self, recipe: Recipe) -> Iterator[Built]:
        """A fresh copy of ``recipe``'s state for one test, dropped after it."""
        template, result = self._template(recipe)
        name = f"t_{secrets.token_hex(6)}"
        self._create(name, template)
        try:
            yield Built(make_conninfo(self._server.dsn, dbname=name), result)
        finally:
            self._drop(name)

    def copy_dsn(self, recipe: Recipe) -> Iterator[str]:
        """:meth:`copy` for a test that needs only the DSN."""
        for built in self.copy(recipe):
            yield built.dsn

    def close(self) -> None:
        for name, _ in reversed(list(self._templates.values())):
            self._drop(name)
        self._templates.clear()

    def _create(self, name: str, template: str) -> None:
        database = sql.Identifier(name)
        with connect(self._server.dsn) as session:
            session.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(database, sql.Identifier(template)))
            granted = session.fetch_all(
                "SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE a.grantee::regrole::text END, a.privilege_type"
                "  FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) AS a"
                " WHERE d.datname = %s",
                (template,),
            )
            session.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
            for grantee, privilege in granted:
                session.execute(
                    sql.SQL("GRANT {} ON DATABASE {} TO {}").format(
                        sql.SQL(privilege),  # CONNECT, CREATE or TEMPORARY, from aclexplode
                        database,
                        sql.SQL("PUBLIC") if grantee is None else sql.Identifier(grantee),
                    )
                )

    def _refuse_database_settings(self, template: str) -> None:
        with connect(self._server.dsn) as session:
            settings = session.fetch_value(
                "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
                " WHERE d.datname = %s",
                (template,),
            )
        if settings:
            raise AssertionError(f"{template}: a recipe set database-level settings, which a copy would not keep")

    def _drop(self, name: str) -> None:
        with connect(self._server.dsn) as session:
            session.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
