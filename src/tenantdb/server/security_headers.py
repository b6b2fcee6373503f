"""Headers on every response: no sniffing, no referrer, no framing, a CSP without inline scripts, and no caching
of anything but static assets.

Caching choice: ``Cache-Control: private, no-store`` on every page and API response (tenant data is never kept by
a shared cache, nor by the browser's disk cache); ``/static/`` assets are public and cacheable for an hour.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make a browser send `Origin: null` on our own form posts
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CSP,
    "Cross-Origin-Opener-Policy": "same-origin",
}
NO_STORE = "private, no-store"
STATIC_CACHE = "public, max-age=3600"


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        static = request.url.path.startswith("/static/")
        response.headers["Cache-Control"] = STATIC_CACHE if static and response.status_code == 200 else NO_STORE
        return response
