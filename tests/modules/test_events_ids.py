"""Stable event ids: tenantdb_events_stable_id in SQL and tenantdb.events.ids.stable_id agree, always."""

from __future__ import annotations

from uuid import UUID, uuid3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenantdb.db import Session
from tenantdb.events.ids import NAMESPACE, stable_id
from tests import recipes

dsn = recipes.database_fixture(recipes.modules_applied(["events"]))  # every test starts with events applied


@pytest.fixture
def events_db(session: Session) -> Session:
    return session


def test_the_namespace_is_fixed() -> None:
    assert UUID("90d0a521-1dec-5347-9421-820fb42304ea") == NAMESPACE


def test_stable_id_is_uuid3_of_the_parts_joined_with_slashes() -> None:
    assert stable_id("revenue_impact", "abc", "resolved") == uuid3(NAMESPACE, "revenue_impact/abc/resolved")
    assert stable_id("x").version == 3


# Text PostgreSQL can hold: any Unicode scalar value but NUL (surrogates cannot be encoded in UTF-8 either).
PART = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(PART, min_size=1, max_size=5))
def test_sql_and_python_agree_on_every_name(events_db: Session, parts: list[str]) -> None:
    in_sql = events_db.fetch_value("SELECT tenantdb_events_stable_id(VARIADIC %s::text[])", (parts,))
    assert in_sql == stable_id(*parts)
