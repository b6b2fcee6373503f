"""A dashboard page that cannot be shown says why in words a CFO understands: which parameter is wrong and what
it should look like, that a tenant is not there, that the login ended — never a bare "invalid request"."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tenantdb.db.api_tokens import Scope
from tests.server.conftest import ServerWorld
from tests.server.test_pages import logged_in


@pytest.fixture(scope="module")
def executive(server_world: ServerWorld) -> Iterator[TestClient]:
    client = logged_in(server_world, Scope.EXECUTIVE)
    yield client
    client.__exit__(None, None, None)


def main_text(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def test_a_malformed_month_names_the_parameter_and_the_expected_form(executive: TestClient) -> None:
    response = executive.get("/revenue?month=banana")
    assert response.status_code == 422
    text = main_text(response.text)
    assert "Invalid request" in text
    assert "month" in text
    assert "banana" not in text  # the input is never echoed


def test_a_month_without_data_says_so(executive: TestClient) -> None:
    response = executive.get("/?month=2020-01")
    assert response.status_code == 422
    text = main_text(response.text)
    assert "2020-01" in text or "data" in text.lower(), text


def test_an_unknown_tenant_page_says_the_tenant_is_not_there(executive: TestClient) -> None:
    response = executive.get("/tenants/no-such-tenant")
    assert response.status_code == 404
    text = main_text(response.text)
    assert "Not found" in text
    assert "tenant" in text.lower()
    assert "overview" in text.lower()  # a way back
