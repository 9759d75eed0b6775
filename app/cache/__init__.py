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

Its modules, each with one job:

- `middleware`: the ASGI layer, `ResponseCache`, that answers from the kept answers or keeps
  what the routes answer;
- `key`: what a kept answer depends on, and the request the routes answer for a key;
- `entry`: a route's answer as it is kept, with the headers of each coding;
- `validators`: the ETag of a kept answer, and If-None-Match;
- `coding`: gzip, and whether a client takes it;
- `memory`: what the kept answers cost in memory;
- `head`: `HeadAsGet`, the layer in front that answers a HEAD as its GET.
"""

from app.cache.coding import accepts_gzip
from app.cache.head import HEAD_ONLY, HeadAsGet
from app.cache.key import canonical_query
from app.cache.middleware import CACHE_REPORT, UNCACHED_PATHS, CacheReport, ResponseCache
from app.cache.validators import etag_matches

__all__ = [
    "CACHE_REPORT",
    "HEAD_ONLY",
    "UNCACHED_PATHS",
    "CacheReport",
    "HeadAsGet",
    "ResponseCache",
    "accepts_gzip",
    "canonical_query",
    "etag_matches",
]
