"""No header outside the cache key changes what anyone is served: not Host, not the headers
proxies add (Forwarded, X-Forwarded-*, X-Real-IP, ...), not cookies.

The test servers run uvicorn with its defaults, which trust forwarded headers from 127.0.0.1,
where these requests come from: the worst case. Links in the answers (JSON-LD node ids) come
from the configured public URL.
"""

from collections.abc import Iterator

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import LiveServer

JSON_LD = "application/ld+json"
EVIL_HOST = "evil.example"
EVIL_IP = "203.0.113.66"
# Every header a proxy, a framework or a cache has been known to take the scheme, host, port,
# path, method or client address from.
HOSTILE = [
    ("Host", EVIL_HOST),
    ("Forwarded", f'for="{EVIL_IP}:1";proto=wss;host={EVIL_HOST};by=unknown'),
    ("X-Forwarded-For", EVIL_IP),
    ("X-Forwarded-Proto", "wss"),
    ("X-Forwarded-Host", EVIL_HOST),
    ("X-Forwarded-Port", "6666"),
    ("X-Forwarded-Prefix", "/evil"),
    ("X-Forwarded-Server", EVIL_HOST),
    ("X-Forwarded-Scheme", "https"),
    ("X-Forwarded-Ssl", "on"),
    ("X-Forwarded", f"for={EVIL_IP}"),
    ("Forwarded-For", EVIL_IP),
    ("X-Real-IP", EVIL_IP),
    ("X-Client-IP", EVIL_IP),
    ("Client-IP", EVIL_IP),
    ("True-Client-IP", EVIL_IP),
    ("CF-Connecting-IP", EVIL_IP),
    ("X-Cluster-Client-IP", EVIL_IP),
    ("X-Original-URL", "/evil"),
    ("X-Rewrite-URL", "/evil"),
    ("X-Original-Host", EVIL_HOST),
    ("X-Host", EVIL_HOST),
    ("X-HTTP-Host-Override", EVIL_HOST),
    ("X-HTTP-Method-Override", "DELETE"),
    ("X-Url-Scheme", "https"),
    ("Front-End-Https", "on"),
    ("Cookie", "session=evil"),
]
# Headers that differ between any two answers whatever was asked.
PER_ANSWER = {"date", "x-request-id"}

Request = tuple[str, dict[str, str]]
Answer = tuple[int, dict[str, str], bytes]


def list_paths(client: httpx.Client) -> list[str]:
    """The lists the OpenAPI document declares: the operations that page (take `offset`) and
    need no other parameter (not /lookup, which needs a code)."""
    document = client.get("/openapi.json").json()
    paging = []
    for path, item in document["paths"].items():
        parameters = item.get("get", {}).get("parameters", [])
        names = {p["name"] for p in parameters}
        required = {p["name"] for p in parameters if p.get("required")}
        if "offset" in names and not required - {"q"}:
            paging.append(path)
    return paging


def served_requests(client: httpx.Client) -> list[Request]:
    """Every kind of answer the API gives, read from the data: the documents, each list, one
    item of each, every condition in JSON and JSON-LD, a search, and with and without Origin."""
    paths = ["/", "/openapi.json", "/docs", "/redoc", "/meta", "/vocabulary", "/export"]
    paths += ["/health", "/ready"]
    lists = [path for path in list_paths(client) if path != "/search"]
    requests: list[Request] = []
    for path in lists:
        items = client.get(path).json()["items"]
        paths.append(path)
        if items:
            paths.append(f"{path}/{items[0]['slug']}")
            if "name" in items[0]:
                paths.append(f"/search?q={items[0]['name'].split()[0]}")
    conditions = client.get("/conditions").json()["items"]
    requests += [(f"/conditions/{c['slug']}", {"Accept": JSON_LD}) for c in conditions]
    requests += [(path, {}) for path in paths]
    requests += [(path, {"Origin": "https://app.example"}) for path in lists]
    return requests


def answer(client: httpx.Client, request: Request, extra: dict[str, str] | None = None) -> Answer:
    path, headers = request
    response = client.get(path, headers={**headers, **(extra or {})})
    kept = {name: value for name, value in response.headers.items() if name not in PER_ANSWER}
    return response.status_code, kept, response.content


@pytest.fixture(scope="module")
def honest(database_url: str) -> Iterator[list[tuple[Request, Answer]]]:
    """What a server asked only honestly answers."""
    for client in fresh_server(Settings(database_url=database_url)):
        yield [(request, answer(client, request)) for request in served_requests(client)]


def fresh_server(settings: Settings) -> Iterator[httpx.Client]:
    """A client of a server of its own."""
    with (
        LiveServer(create_app(settings)) as live,
        httpx.Client(base_url=live.url, timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def uncached(database_url: str) -> Iterator[httpx.Client]:
    """A server that keeps nothing, so every request reaches the routes."""
    yield from fresh_server(Settings(database_url=database_url, cache_max_bytes=0))


@pytest.fixture
def cold(database_url: str) -> Iterator[httpx.Client]:
    """A server that has kept nothing yet."""
    yield from fresh_server(Settings(database_url=database_url))


def every_hostile_header(proto: str) -> dict[str, str]:
    """All of them at once (a route reading any one gives itself away), with one scheme."""
    return {**dict(HOSTILE), "X-Forwarded-Proto": proto}


@pytest.mark.parametrize("proto", ["wss", "https"])
def test_no_route_reads_them(
    uncached: httpx.Client, honest: list[tuple[Request, Answer]], proto: str
) -> None:
    for request, expected in honest:
        assert answer(uncached, request, every_hostile_header(proto)) == expected, request


def test_asking_with_them_first_does_not_change_what_others_are_served(
    cold: httpx.Client, honest: list[tuple[Request, Answer]]
) -> None:
    for request, expected in honest:
        assert answer(cold, request, every_hostile_header("wss")) == expected, request
        assert answer(cold, request) == expected, request


def test_links_come_from_the_public_url(database_url: str) -> None:
    public_url = "https://knowledge.example.org/api"
    settings = Settings(database_url=database_url, public_url=public_url + "/")
    with LiveServer(create_app(settings)) as live, httpx.Client(base_url=live.url) as client:
        slug = client.get("/conditions").json()["items"][0]["slug"]
        document = client.get(f"/conditions/{slug}", headers={"Accept": JSON_LD}).json()
    assert document["@id"] == f"{public_url}/conditions/{slug}"
    assert document["subjectOf"]["@id"].startswith(f"{public_url}/sources/")


@pytest.mark.parametrize(
    "public_url",
    [
        "127.0.0.1:8000",
        "ftp://example.org",
        "https://",
        "https://a.example?x=1",
        "https://u@h",
        "http://h:port",
    ],
)
def test_a_public_url_that_is_not_one_is_refused_at_start(public_url: str) -> None:
    with pytest.raises(ValueError, match="absolute http"):
        Settings(public_url=public_url)
