"""The response cache of one worker process: finished response bodies of the read-only report routes, least
recently used first out, bounded by entries and bytes (``[server] cache_entries``, ``cache_bytes``; 0 entries turns
it off). What goes in and under which key is :mod:`tenantdb.server.api.cached`'s business; this is the store.
Behind it, the operator scopes' answers are also shared by the workers in PostgreSQL
(:mod:`tenantdb.db.response_store`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedResponse:
    """A ``200`` as sent: body, media type and headers (``ETag`` among them)."""

    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...]

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)

    @classmethod
    def of(cls, response: Response) -> CachedResponse:
        kept = tuple(
            (name, value) for name, value in response.headers.items() if name not in ("content-length", "content-type")
        )
        return cls(body=bytes(response.body), media_type=response.media_type or "", headers=kept)

    def response(self, request: Request) -> Response:
        """The response to ``request``: a ``304`` without a body when its ``If-None-Match`` names our ETag."""
        headers = dict(self.headers)
        etag = headers.get("etag")
        wanted = request.headers.get("if-none-match")
        if etag is not None and wanted is not None and any(t.strip() in (etag, "*") for t in wanted.split(",")):
            return Response(status_code=304, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


@dataclass(slots=True)
class CacheStats:
    """Counters of one cache: ``computed`` counts the routes that ran (a miss, or the cache turned off);
    ``shared_hits`` the misses answered from the store the workers share (:mod:`tenantdb.db.response_store`)."""

    hits: int = 0
    misses: int = 0
    shared_hits: int = 0
    computed: int = 0
    evictions: int = 0


class ResponseCache:
    """A thread-safe LRU of :class:`CachedResponse` by key, within ``max_entries`` and ``max_bytes``."""

    def __init__(self, *, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self.size_bytes = 0
        self._entries: OrderedDict[Hashable, CachedResponse] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> CachedResponse | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.stats.misses += 1
                return None
            self._entries.move_to_end(key)
            self.stats.hits += 1
            return found

    def put(self, key: Hashable, response: CachedResponse) -> None:
        if not self.enabled or response.size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size_bytes -= old.size
            self._entries[key] = response
            self.size_bytes += response.size
            while len(self._entries) > self.max_entries or self.size_bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self.size_bytes -= evicted.size
                self.stats.evictions += 1

    def count_computed(self) -> None:
        with self._lock:
            self.stats.computed += 1

    def count_shared_hit(self) -> None:
        with self._lock:
            self.stats.shared_hits += 1
