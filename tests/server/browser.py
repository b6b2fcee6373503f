"""A real browser for the dashboard's tests: Debian's chromium driven by playwright (never a downloaded browser).

Fixtures (wired in tests/server/conftest.py):

- ``browser``: headless chromium launched with ``executable_path`` = ``shutil.which("chromium")``, once per session.
  No chromium: the test is skipped with the reason, unless ``TENANTDB_REQUIRE_BROWSER=1`` (set by .ci/run),
  which turns that into a failure.
- ``page``: a fresh page (1366x768) that records console errors, uncaught exceptions, failed requests and HTTP
  error responses; the test fails at teardown if any occurred (``page_errors.allow(text)`` accepts one on purpose).

``screenshot(page, name)`` saves ``<artifacts>/screenshots/<name>.png``; the artifacts directory is
``TENANTDB_ARTIFACTS`` or ``test-artifacts/`` at the repository root (gitignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    ViewportSize,
    sync_playwright,
)

LAPTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
REPOSITORY = Path(__file__).resolve().parents[2]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def artifacts_dir() -> Path:
    return Path(os.environ.get("TENANTDB_ARTIFACTS") or REPOSITORY / "test-artifacts")


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    path = artifacts_dir() / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


@dataclass
class PageErrors:
    """What went wrong in a page while a test ran."""

    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, text: str) -> None:
        """Errors containing ``text`` are expected by the test."""
        self.allowed.append(text)

    def unexpected(self) -> list[str]:
        return [error for error in self.errors if not any(text in error for text in self.allowed)]

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught exception: {error}")

    def on_request_failed(self, request: Request) -> None:
        if request.failure == "net::ERR_ABORTED":
            return  # cancelled by a navigation the test made (a live-version poll in flight when a form submits)
        self.errors.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.request.method} {response.url}")


def require_chromium() -> str:
    """Chromium's path; without one, skip the test, or fail it when ``TENANTDB_REQUIRE_BROWSER=1`` (CI)."""
    executable = chromium_path()
    if executable is None:
        reason = "no chromium on this machine: apt-get install chromium (CI installs it via .ci/run)"
        if os.environ.get("TENANTDB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and TENANTDB_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    return executable


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    require_chromium()
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    executable = require_chromium()
    # --no-sandbox: chromium refuses to start its sandbox as root (CI runs as root)
    launched = playwright_driver.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
    yield launched
    launched.close()


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(browser: Browser, page_errors: PageErrors) -> Iterator[Page]:
    context = browser.new_context(viewport=LAPTOP)
    opened = context.new_page()
    opened.on("console", page_errors.on_console)
    opened.on("pageerror", page_errors.on_page_error)
    opened.on("requestfailed", page_errors.on_request_failed)
    opened.on("response", page_errors.on_response)
    yield opened
    unexpected = page_errors.unexpected()  # before closing, which aborts what is still in flight
    context.close()
    if unexpected:
        pytest.fail("the page reported errors:\n" + "\n".join(unexpected))
