"""The response cache: each GET is answered once per knowledge revision, then served as bytes.

The knowledge only changes when a migration runs, so an answer depends on nothing but the request
(path, query string and the headers it is negotiated on) and the revision of the knowledge
snapshot the routes read (app/store.py). This
layer is in front of the whole FastAPI app, its middleware included (app/main.py composes the
stack): a cached answer is sent before any routing, parameter validation, query or JSON encoding
happens. It is filled only by answers the routes produced (2xx answers to
GET, with their status, headers and body), so it can never answer what the routes would not.

The routes computing an answer to keep see only what the key holds: the path, the query string,
Accept and Origin, a request addressed to the public URL, and no client address. So no other
header (Host, X-Forwarded-*, Cookie, ...) can change what another client is served.

Staleness: the snapshot's revision is looked at on every request (an attribute, no I/O); when it
differs, every stored answer is dropped. An answer computed under an older revision is never
stored.
"""

import gzip
import hashlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from sys import getsizeof as sizeof
from urllib.parse import unquote_to_bytes, urlsplit

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.headers import oversized
from app.lru import LRU
from app.negotiation import accepts

logger = logging.getLogger(__name__)

Headers = list[tuple[bytes, bytes]]
# Path, query string, Accept, Origin. Accept-Encoding is not part of the key: each entry holds
# both codings. Origin is, because CORS answers differ between origins.
Key = tuple[str, bytes, bytes, bytes]

GZIP_MIN_BYTES = 1024
# What an answer is negotiated on; merged with any Vary the routes set.
VARY = ("Accept", "Accept-Encoding")
# Answers about the service itself must be fresh every time; the bulk download is streamed as
# it is read, never held whole in memory.
# Answers larger than this are made ready to keep in a worker thread.
LARGE = 16 * 1024
UNCACHED_PATHS = frozenset({"/health", "/ready", "/metrics", "/export"})
# What a kept answer may vary on: the headers in the key (the only ones the routes see when
# computing an answer to keep), and the coding each entry holds both of.
NEGOTIATED = frozenset({"accept", "accept-encoding", "origin"})
# Validators of the route's own, replaced by the cache's.
ROUTE_VALIDATORS = frozenset({b"etag", b"last-modified"})
# Headers that describe a body; a 304 has none.
BODY_HEADERS = frozenset({b"content-type", b"content-length", b"content-encoding"})
# What the table of entries spends on each (its slot and its place in the recency order), as
# tracemalloc measures an OrderedDict of many entries; the entry's own objects are counted one by
# one (see ResponseCache.cost).
SLOT_BYTES = 100
# Header lines that many answers carry (content type, policies, Vary) are kept once and shared by
# every entry; past this many distinct lines, each entry keeps its own.
SHARED_LINES = 1000
GZIP_LINE = (b"content-encoding", b"gzip")
# Accept-Encoding values this short are read once each: browsers send a handful of them. Longer
# or further ones are read every time, so no client can grow this memory.
MEMO_VALUE_BYTES = 64
MEMO_VALUES = 64


# An outer layer (metrics, access log) may put a CacheReport in the scope under this key: the
# cache then says how it handled the request. A hit never reaches the routes, so the report also
# carries the route template of the answer, as recorded when the route produced it.
CACHE_REPORT = "cache_report"


@dataclass(slots=True)
class CacheReport:
    """How the cache handled one request: "hit", "miss" or None (not cacheable)."""

    outcome: str | None = None
    route: str | None = None


@dataclass(frozen=True, slots=True)
class Representation:
    """One coding of an answer: its body and the headers of a 200 and of a 304."""

    etag: bytes
    body: bytes
    headers: Headers
    not_modified_headers: Headers


@dataclass(slots=True)
class Entry:
    """A stored answer, ready to send as is or gzipped; `cost` is what it and its key hold."""

    status: int
    identity: Representation
    gzipped: Representation | None
    cost: int = 0
    # The template of the route that produced the answer ("/treatments/{slug}").
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
        public = urlsplit(public_url)
        default_port = 443 if public.scheme == "https" else 80
        self.public_scheme = public.scheme
        self.public_server = (public.hostname, public.port or default_port)
        self.public_host = public.netloc.encode("ascii")
        self.read_revision = revision
        self.cache_control = f"public, max-age={max_age}".encode()
        self.max_bytes = max_bytes
        self.uncached_paths = frozenset(uncached_paths)
        self.entries: LRU[Key, Entry] = LRU(max_bytes, cost=lambda entry: entry.cost)
        self.shared_lines: dict[tuple[bytes, bytes], tuple[bytes, bytes]] = {}
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
            scope = self.keyed_request(scope, key)
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

    def keyed_request(self, scope: Scope, key: Key) -> Scope:
        """The request as the routes see it when computing an answer to keep: what the key
        holds, addressed to the public URL, from no client in particular."""
        _path, query, accept, origin = key
        headers = [(b"host", self.public_host)]
        if accept:
            headers.append((b"accept", accept))
        if origin:
            headers.append((b"origin", origin))
        return {
            **scope,
            "scheme": self.public_scheme,
            "server": self.public_server,
            "client": None,
            "headers": headers,
            "query_string": query,
        }

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
        represent = partial(
            self.represent, start["status"], start.get("headers", []), whole, revision
        )
        # Gzipping and hashing a large answer takes milliseconds: not on the event loop, where
        # every cached answer would wait for it.
        entry = (
            await anyio.to_thread.run_sync(lambda: represent(compress=compress))
            if len(whole) > LARGE
            else represent(compress=compress)
        )
        entry = replace(entry, route=getattr(scope.get("route"), "path", None))
        # A snapshot swapped in while the routes answered: the answer may be of either.
        self.follow_revision()
        if generation == self.generation:
            self.store(key, entry)
        return entry

    def represent(
        self, status: int, headers: Headers, body: bytes, revision: str, *, compress: bool = True
    ) -> Entry:
        """The answer with its ETag, Cache-Control and Vary, as is and gzipped."""
        kept: Headers = []
        vary = list(VARY)
        cache_control = self.cache_control
        encoded = False
        for name, value in headers:
            if name == b"vary":
                vary.extend(token.strip() for token in value.decode("latin-1").split(","))
            elif name == b"cache-control":
                cache_control = value
            elif name == b"content-length" or name in ROUTE_VALIDATORS:
                continue
            else:
                encoded = encoded or name == b"content-encoding"
                kept.append((name, value))
        vary_line = (b"vary", ", ".join(dict.fromkeys(vary)).encode("latin-1"))
        common = [
            self.shared(line) for line in (*kept, (b"cache-control", cache_control), vary_line)
        ]

        def representation(data: bytes, coding: Headers) -> Representation:
            # Strong: a different body or revision always gives a different tag.
            digest = hashlib.blake2b(revision.encode() + b"\0" + data, digest_size=16)
            etag = f'"{digest.hexdigest()}"'.encode()
            with_tag = [*common, *coding, (b"etag", etag)]
            return Representation(
                etag=etag,
                body=data,
                headers=[*with_tag, (b"content-length", str(len(data)).encode())],
                not_modified_headers=[h for h in with_tag if h[0] not in BODY_HEADERS],
            )

        gzipped = None
        if compress and len(body) > GZIP_MIN_BYTES and not encoded:
            # mtime=0: the same body always gzips to the same bytes, so every worker
            # gives the same ETag.
            compressed = gzip.compress(body, compresslevel=6, mtime=0)
            if len(compressed) < len(body):
                gzipped = representation(compressed, [GZIP_LINE])
        return Entry(status=status, identity=representation(body, []), gzipped=gzipped)

    def shared(self, line: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
        """The one kept copy of a header line, so that entries carrying it share it."""
        kept = self.shared_lines.get(line)
        if kept is None:
            if len(self.shared_lines) >= SHARED_LINES:
                return line
            kept = self.shared_lines[line] = line
        return kept

    def cost(self, key: Key, entry: Entry) -> int:
        """The bytes an entry and its key hold that no other entry shares, for the memory bound.

        Counted object by object: for small answers, the key, tags and header lists weigh more
        than the body, and a flat guess let the cache grow to several times its bound.
        """
        size = SLOT_BYTES + sizeof(key) + sum(map(sizeof, key)) + sizeof(entry)
        for kept in (entry.identity, entry.gzipped):
            if kept is None:
                continue
            size += sizeof(kept) + sizeof(kept.body) + sizeof(kept.etag)
            size += sizeof(kept.headers) + sizeof(kept.not_modified_headers)
            for line in kept.headers:
                if self.shared_lines.get(line) is not line:
                    size += sizeof(line) + (0 if line[1] is kept.etag else sizeof(line[1]))
        return size

    def store(self, key: Key, entry: Entry) -> None:
        """Keep the entry, forgetting the least recently used ones beyond the memory bound."""
        entry.cost = self.cost(key, entry)
        self.entries.put(key, entry)

    @property
    def size(self) -> int:
        """The memory the entries hold, as `cost` counts it."""
        return self.entries.size


# Set in the scope of a HEAD answered as GET.
HEAD_ONLY = "head_only"


class HeadAsGet:
    """ASGI middleware that answers a HEAD as the GET it stands for, without the body.

    HEAD is GET without the body (RFC 9110, 9.3.2): same status, same headers. In front of the
    response cache, a HEAD is answered from the GET answers it keeps.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            # A route whose body costs something to make (/export) may skip it.
            scope = {**scope, "method": "GET", HEAD_ONLY: True}
            send = _without_body(send)
        await self.app(scope, receive, send)


def _without_body(send: Send) -> Send:
    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b""}
        await send(message)

    return send_headers_only


def storable(start: Message) -> bool:
    """A whole answer (200) that its route did not mark as private or not to be stored, and
    that varies on no header outside the key."""
    if start["status"] != 200:
        return False
    for name, value in start.get("headers", []):
        if name == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
        if name == b"vary":
            tokens = {token.strip().lower() for token in value.decode("latin-1").split(",")}
            if not tokens <= NEGOTIATED:
                return False
    return True


def canonical_query(query: bytes) -> bytes:
    """The query string as the key holds it: its pairs in order of name, so that the order a
    client sends them in makes no new entry. The sort is stable: the values of a repeated name
    keep their order (the last is the one a route reads). Empty pairs, read as nothing, go."""
    if b"&" not in query:
        return query
    pairs = sorted(filter(None, query.split(b"&")), key=_pair_name)
    return b"&".join(pairs)


def _pair_name(pair: bytes) -> bytes:
    return unquote_to_bytes(pair.partition(b"=")[0].replace(b"+", b" "))


def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether the client takes gzip, by its Accept-Encoding (RFC 9110, 12.5.3)."""
    if len(accept_encoding) <= MEMO_VALUE_BYTES:
        return _accepts_gzip_memo(accept_encoding)
    return _accepts_gzip(accept_encoding)


def _accepts_gzip(accept_encoding: bytes) -> bool:
    return accepts(accept_encoding.decode("latin-1"), "gzip")


_accepts_gzip_memo = lru_cache(maxsize=MEMO_VALUES)(_accepts_gzip)


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """If-None-Match uses the weak comparison: W/ is ignored (RFC 9110, 13.1.2)."""
    if if_none_match == etag or if_none_match.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") == etag for tag in if_none_match.split(b","))
