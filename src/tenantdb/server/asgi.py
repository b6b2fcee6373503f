"""The shape of the server's middleware: pure ASGI (no task or stream per request, unlike Starlette's
``@app.middleware("http")``), acting on HTTP requests and passing everything else (lifespan) through."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """Subclasses implement :meth:`http`; other ASGI scopes go straight to the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
