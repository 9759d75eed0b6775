"""A route's answer as the cache keeps it: which answers may be kept, and each kept one ready to
send, as is and gzipped, with the headers of a 200 and of a 304."""

from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import Message

from app.cache.coding import GZIP_LINE, gzipped
from app.cache.key import NEGOTIATED
from app.cache.validators import entity_tag

Line = tuple[bytes, bytes]
Headers = list[Line]

# What an answer is negotiated on; merged with any Vary the routes set.
VARY = ("Accept", "Accept-Encoding")
# Validators of the route's own, replaced by the cache's.
ROUTE_VALIDATORS = frozenset({b"etag", b"last-modified"})
# Headers that describe a body; a 304 has none.
BODY_HEADERS = frozenset({b"content-type", b"content-length", b"content-encoding"})


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


def storable(start: Message) -> bool:
    """A whole answer (200) that its route did not mark as private or not to be stored, and
    that varies on no header outside the key."""
    if start["status"] != 200:
        return False
    for name, value in start.get("headers", []):
        if name == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
        if name == b"vary" and not {token.lower() for token in vary_tokens(value)} <= NEGOTIATED:
            return False
    return True


def represent(
    status: int,
    headers: Headers,
    body: bytes,
    revision: str,
    *,
    cache_control: bytes,
    share: Callable[[Line], Line],
    compress: bool = True,
) -> Entry:
    """The answer with its ETag, Cache-Control and Vary, as is and gzipped.

    `cache_control` is the cache's own, for an answer whose route set none; `share` gives the
    one kept copy of a header line (app/cache/memory.py)."""
    kept: Headers = []
    vary = list(VARY)
    encoded = False
    for name, value in headers:
        if name == b"vary":
            vary.extend(vary_tokens(value))
        elif name == b"cache-control":
            cache_control = value
        elif name == b"content-length" or name in ROUTE_VALIDATORS:
            continue
        else:
            encoded = encoded or name == b"content-encoding"
            kept.append((name, value))
    vary_line = (b"vary", ", ".join(dict.fromkeys(vary)).encode("latin-1"))
    common = [share(line) for line in (*kept, (b"cache-control", cache_control), vary_line)]

    def representation(data: bytes, coding: Headers) -> Representation:
        etag = entity_tag(revision, data)
        with_tag = [*common, *coding, (b"etag", etag)]
        return Representation(
            etag=etag,
            body=data,
            headers=[*with_tag, (b"content-length", str(len(data)).encode())],
            not_modified_headers=[h for h in with_tag if h[0] not in BODY_HEADERS],
        )

    gzipped_representation = None
    if compress and not encoded:
        compressed = gzipped(body)
        if compressed is not None:
            gzipped_representation = representation(compressed, [GZIP_LINE])
    return Entry(status=status, identity=representation(body, []), gzipped=gzipped_representation)


def vary_tokens(value: bytes) -> list[str]:
    """The header names a Vary value lists, as written."""
    return [token.strip() for token in value.decode("latin-1").split(",")]
