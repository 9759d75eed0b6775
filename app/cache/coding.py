"""The gzip content coding: whether a client takes it, and a body gzipped once for every client."""

import gzip
from functools import lru_cache

from app.negotiation import accepts

GZIP_MIN_BYTES = 1024
GZIP_LINE = (b"content-encoding", b"gzip")
# Accept-Encoding values this short are read once each: browsers send a handful of them. Longer
# or further ones are read every time, so no client can grow this memory.
MEMO_VALUE_BYTES = 64
MEMO_VALUES = 64


def gzipped(body: bytes) -> bytes | None:
    """The body gzipped, or None when it is too small to be, or gzipping does not shrink it."""
    if len(body) <= GZIP_MIN_BYTES:
        return None
    # mtime=0: the same body always gzips to the same bytes, so every worker
    # gives the same ETag.
    compressed = gzip.compress(body, compresslevel=6, mtime=0)
    return compressed if len(compressed) < len(body) else None


def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether the client takes gzip, by its Accept-Encoding (RFC 9110, 12.5.3)."""
    if len(accept_encoding) <= MEMO_VALUE_BYTES:
        return _accepts_gzip_memo(accept_encoding)
    return _accepts_gzip(accept_encoding)


def _accepts_gzip(accept_encoding: bytes) -> bool:
    return accepts(accept_encoding.decode("latin-1"), "gzip")


_accepts_gzip_memo = lru_cache(maxsize=MEMO_VALUES)(_accepts_gzip)
