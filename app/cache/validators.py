"""Entity tags: the ETag of a kept answer, and whether a request's If-None-Match names it."""

import hashlib


def entity_tag(revision: str, body: bytes) -> bytes:
    """The ETag of a body served under a knowledge revision, quoted."""
    # Strong: a different body or revision always gives a different tag.
    digest = hashlib.blake2b(revision.encode() + b"\0" + body, digest_size=16)
    return f'"{digest.hexdigest()}"'.encode()


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """If-None-Match uses the weak comparison: W/ is ignored (RFC 9110, 13.1.2)."""
    if if_none_match == etag or if_none_match.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") == etag for tag in if_none_match.split(b","))
