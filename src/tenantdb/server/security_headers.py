"""Headers on every response: no sniffing, no referrer, no framing, a CSP without inline scripts, and no caching
of anything but static assets.

Caching choice: ``Cache-Control: private, no-store`` on every page and API response (tenant data is never kept by
a shared cache, nor by the browser's disk cache); ``/static/`` assets are public and cacheable for an hour.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from tenantdb.server.asgi import HttpMiddleware

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


class SecurityHeaders(HttpMiddleware):
    """The headers above on every HTTP response's start; a header a route set itself is kept, except
    ``Cache-Control``."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                headers["Cache-Control"] = STATIC_CACHE if static and message["status"] == 200 else NO_STORE
            await send(message)

        await self.app(scope, receive, with_headers)
