"""Fixtures of the server's tests: the browser ones come from tests/server/browser.py."""

from tests.server.browser import browser, page, page_errors, playwright_driver

__all__ = ["browser", "page", "page_errors", "playwright_driver"]
