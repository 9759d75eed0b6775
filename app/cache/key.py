"""What a kept answer depends on: the key a request is looked up by, and the request the routes
answer for a key, which holds nothing the key does not."""

from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

from starlette.types import Scope

# Path, query string, Accept, Origin. Accept-Encoding is not part of the key: each entry holds
# both codings. Origin is, because CORS answers differ between origins.
Key = tuple[str, bytes, bytes, bytes]

# What a kept answer may vary on: the headers in the key (the only ones the routes see when
# computing an answer to keep), and the coding each entry holds both of.
NEGOTIATED = frozenset({"accept", "accept-encoding", "origin"})


@dataclass(frozen=True, slots=True)
class PublicAddress:
    """The service's public URL, as the scope of a request addressed to it holds it."""

    scheme: str
    server: tuple[str | None, int]
    host: bytes

    @classmethod
    def of(cls, public_url: str) -> "PublicAddress":
        public = urlsplit(public_url)
        default_port = 443 if public.scheme == "https" else 80
        return cls(
            scheme=public.scheme,
            server=(public.hostname, public.port or default_port),
            host=public.netloc.encode("ascii"),
        )


def keyed_request(scope: Scope, key: Key, public: PublicAddress) -> Scope:
    """The request as the routes see it when computing an answer to keep: what the key
    holds, addressed to the public URL, from no client in particular."""
    _path, query, accept, origin = key
    headers = [(b"host", public.host)]
    if accept:
        headers.append((b"accept", accept))
    if origin:
        headers.append((b"origin", origin))
    return {
        **scope,
        "scheme": public.scheme,
        "server": public.server,
        "client": None,
        "headers": headers,
        "query_string": query,
    }


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
