"""The event loop and HTTP parser ``tenantdb serve`` runs uvicorn with: uvloop and httptools (C; both installed with
tenantdb), named explicitly so a missing one fails at start instead of falling back to asyncio's loop and the
pure-Python h11 parser, which cost a cached answer most of its CPU (issue 14's executive summary p95). Windows,
which uvloop does not support, gets asyncio's loop."""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Protocols:
    """uvicorn's ``loop`` and ``http`` settings."""

    loop: str
    http: str

    def describe(self) -> str:
        return f"{self.loop} + {self.http}"


def server_protocols(platform: str = sys.platform) -> Protocols:
    return Protocols(loop="asyncio" if platform == "win32" else "uvloop", http="httptools")
