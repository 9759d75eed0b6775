"""The response cache's ASGI layer: a GET is answered from the kept answers, or by the routes,
whose answer is then kept; every kept answer is dropped when the knowledge revision changes.

What an answer depends on, and why that is safe, is told in app/cache/__init__.py.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from functools import partial

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.cache.coding import accepts_gzip
from app.cache.entry import Entry, represent, storable
from app.cache.key import Key, PublicAddress, canonical_query, keyed_request
from app.cache.memory import SharedLines, cost
from app.cache.validators import etag_matches
from app.headers import oversized
from app.lru import LRU

# Answers about the service itself must be fresh every time; the bulk download is streamed as
# it is read, never held whole in memory.
UNCACHED_PATHS = frozenset({"/health", "/ready", "/metrics", "/export"})
# Answers larger than this are made ready to keep in a worker thread.
LARGE = 16 * 1024


# An outer layer (metrics, access log) may put a CacheReport in the scope under this key: the
# cache then says how it handled the request. A hit never reaches the routes, so the report also
# carries the route template of the answer, as recorded when the route produced it.
CACHE_REPORT = "cache_report"


@dataclass(slots=True)
class CacheReport:
    """How the cache handled one request: "hit", "miss" or None (not cacheable)."""

    outcome: str | None = None
    route: str | None = None


class ResponseCache:
    """ASGI middleware that answers repeated GETs from memory, keyed by knowledge revision."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        revision: Callable[[], str | None],
        max_age: int,
        max_bytes: int,
        public_url: str,
        uncached_paths: Collection[str] = UNCACHED_PATHS,
    ) -> None:
        self.app = app
        self.public = PublicAddress.of(public_url)
        self.read_revision = revision
        self.cache_control = f"public, max-age={max_age}".encode()
        self.max_bytes = max_bytes
        self.uncached_paths = frozenset(uncached_paths)
        self.entries: LRU[Key, Entry] = LRU(max_bytes, cost=lambda entry: entry.cost)
        self.shared_lines = SharedLines()
        self.revision: str | None = None
        # Bumped whenever the entries are dropped; an answer started under an older
        # generation may hold old knowledge and is not stored.
        self.generation = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"] in self.uncached_paths
        ):
            await self.app(scope, receive, send)
            return
        self.follow_revision()
        if self.revision is None:
            # No knowledge is served yet: nothing is cached.
            await self.app(scope, receive, send)
            return

        # The first of a repeated header counts, as it does for the routes (Starlette's
        # Headers.get): the key must name what the routes answered.
        headers = dict(reversed(scope["headers"]))
        if b"range" in headers or oversized(scope) is not None:
            # A partial answer is for this request alone; an oversized request is refused
            # by the routes, whatever the cache holds for its key.
            await self.app(scope, receive, send)
            return
        # Built here rather than by a function of app/cache/key.py: this runs for every request.
        key = (
            scope["path"],
            canonical_query(scope["query_string"]),
            headers.get(b"accept", b""),
            headers.get(b"origin", b""),
        )

        entry = self.entries.get(key)
        report: CacheReport | None = scope.get(CACHE_REPORT)
        wants_gzip = accepts_gzip(headers.get(b"accept-encoding", b""))
        if entry is None:
            if report is not None:
                report.outcome = "miss"
            # An answer that will be kept is gzipped once, for every client to come; one that
            # will not be kept, only for a client that takes gzip.
            compress = self.max_bytes > 0 or wants_gzip
            scope = keyed_request(scope, key, self.public)
            entry = await self.compute(key, scope, receive, send, compress=compress)
            if entry is None:
                return  # the routes answered and the answer is not one to keep
        else:
            if report is not None:
                report.outcome, report.route = "hit", entry.route

        chosen = entry.identity
        if entry.gzipped is not None and wants_gzip:
            chosen = entry.gzipped
        if_none_match = headers.get(b"if-none-match")
        if if_none_match is not None and etag_matches(if_none_match, chosen.etag):
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": chosen.not_modified_headers,
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {"type": "http.response.start", "status": entry.status, "headers": chosen.headers}
        )
        await send({"type": "http.response.body", "body": chosen.body})

    def follow_revision(self) -> None:
        """Drop every entry when the knowledge served has changed."""
        revision = self.read_revision()
        if revision != self.revision:
            self.revision = revision
            self.generation += 1
            self.entries.clear()
            self.shared_lines.clear()

    async def compute(
        self, key: Key, scope: Scope, receive: Receive, send: Send, *, compress: bool = True
    ) -> Entry | None:
        """Let the routes answer; keep a 2xx answer, pass any other through untouched."""
        generation, revision = self.generation, self.revision
        assert revision is not None
        start: Message | None = None
        body: list[bytes] = []
        passing = False

        async def capture(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
            elif message["type"] == "http.response.start" and storable(message):
                start = message
            elif message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
            else:
                # Not an answer to keep: forward what was held back, then everything else.
                passing = True
                if start is not None:
                    await send(start)
                    for chunk in body:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    start = None
                await send(message)

        await self.app(scope, receive, capture)
        if start is None or passing:
            return None
        whole = b"".join(body)
        answer = partial(
            represent,
            start["status"],
            start.get("headers", []),
            whole,
            revision,
            cache_control=self.cache_control,
            share=self.shared_lines.share,
            compress=compress,
        )
        # Gzipping and hashing a large answer takes milliseconds: not on the event loop, where
        # every cached answer would wait for it.
        entry = await anyio.to_thread.run_sync(answer) if len(whole) > LARGE else answer()
        entry = replace(entry, route=getattr(scope.get("route"), "path", None))
        # A snapshot swapped in while the routes answered: the answer may be of either.
        self.follow_revision()
        if generation == self.generation:
            self.store(key, entry)
        return entry

    def store(self, key: Key, entry: Entry) -> None:
        """Keep the entry, forgetting the least recently used ones beyond the memory bound."""
        entry.cost = cost(key, entry, self.shared_lines)
        self.entries.put(key, entry)

    @property
    def size(self) -> int:
        """The memory the entries hold, as `cost` counts it."""
        return self.entries.size
