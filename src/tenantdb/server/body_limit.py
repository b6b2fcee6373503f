"""Request bodies over a limit are ``413`` in the app's error shape (JSON under /api, a page elsewhere), with the
security headers: a declared ``Content-Length`` over the limit is refused before anything reads the body, and a
streamed body is cut off once it passes the limit (the route's body read raises, the error handlers answer).

FastAPI's own ``max_body_size`` answers a plain-text 413 from outside every middleware, so it is not used.
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantdb.server.asgi import HttpMiddleware
from tenantdb.server.errors import error_response


class BodyLimit(HttpMiddleware):
    """At most ``max_body`` bytes of request body."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        super().__init__(app)
        self.max_body = max_body

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await error_response(Request(scope), 413)(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited, send)
