"""What the response cache keeps and when it lets go, seen through the calls that reach the routes.

The routes here are a small ASGI app that counts its calls, so each test can tell an answer
served from memory from one the routes computed.
"""

import json
from collections.abc import Callable

import anyio
import httpx
import pytest
from starlette.types import Receive, Scope, Send

from app.cache import ResponseCache, etag_matches

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Routes:
    """Answers every path from `knowledge`, echoing the query and Accept; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.scopes: list[Scope] = []
        self.knowledge = "first"
        # Set to hold the next answer until released, to interleave requests.
        self.hold: anyio.Event | None = None
        self.holding: anyio.Event | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        self.scopes.append(scope)
        knowledge = self.knowledge
        if self.hold is not None and self.holding is not None:
            hold, self.hold = self.hold, None
            self.holding.set()
            await hold.wait()
        path = scope["path"]
        status = 404 if path == "/missing" else 200
        headers = [(b"content-type", b"application/json")]
        if path == "/private":
            headers.append((b"cache-control", b"no-store"))
        body = json.dumps(
            {
                "knowledge": knowledge,
                "query": scope["query_string"].decode(),
                "accept": next((v for n, v in scope["headers"] if n == b"accept"), b"").decode(),
                "padding": "x" * (2000 if path == "/large" else 0),
            }
        ).encode()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class Database:
    """The revision of the knowledge served, as the cache reads it: None while none is."""

    def __init__(self) -> None:
        self.revision: str | None = "0002"

    def read(self) -> str | None:
        return self.revision


@pytest.fixture
def routes() -> Routes:
    return Routes()


@pytest.fixture
def database() -> Database:
    return Database()


Client = Callable[..., httpx.AsyncClient]


@pytest.fixture
def client(routes: Routes, database: Database) -> Client:
    def make(max_bytes: int = 2**20) -> httpx.AsyncClient:
        cache = ResponseCache(
            routes,
            revision=database.read,
            max_age=60,
            max_bytes=max_bytes,
            public_url="https://api.example.org",
        )
        return httpx.AsyncClient(transport=httpx.ASGITransport(cache), base_url="http://test")

    return make


class TestWhatIsKept:
    async def test_a_repeated_get_reaches_the_routes_once(
        self, client: Client, routes: Routes
    ) -> None:
        async with client() as http:
            first = await http.get("/treatments")
            second = await http.get("/treatments")
        assert routes.calls == 1
        assert first.content == second.content
        assert second.headers["etag"] == first.headers["etag"]

    async def test_each_query_string_is_its_own_answer(
        self, client: Client, routes: Routes
    ) -> None:
        async with client() as http:
            kidney = await http.get("/search?q=kidney")
            skin = await http.get("/search?q=skin")
            await http.get("/search?q=kidney")
        assert routes.calls == 2
        assert kidney.json()["query"] == "q=kidney"
        assert skin.json()["query"] == "q=skin"

    async def test_each_accept_is_its_own_answer(self, client: Client, routes: Routes) -> None:
        async with client() as http:
            linked = await http.get("/conditions/x", headers={"Accept": "application/ld+json"})
            plain = await http.get("/conditions/x", headers={"Accept": "application/json"})
            again = await http.get("/conditions/x", headers={"Accept": "application/ld+json"})
        assert routes.calls == 2
        assert linked.json()["accept"] == "application/ld+json"
        assert plain.json()["accept"] == "application/json"
        assert again.content == linked.content

    async def test_a_repeated_accept_is_keyed_as_the_routes_read_it(
        self, client: Client, routes: Routes
    ) -> None:
        # The routes read the first Accept; an answer must not be kept under the second.
        headers = [("Accept", "application/ld+json"), ("Accept", "application/json")]
        async with client() as http:
            await http.get("/conditions/x", headers=headers)
            plain = await http.get("/conditions/x", headers={"Accept": "application/json"})
        assert plain.json()["accept"] == "application/json"

    async def test_one_entry_serves_gzip_and_plain(self, client: Client, routes: Routes) -> None:
        async with client() as http:
            zipped = await http.get("/large", headers={"Accept-Encoding": "gzip"})
            plain = await http.get("/large", headers={"Accept-Encoding": "identity"})
        assert routes.calls == 1
        assert zipped.headers["content-encoding"] == "gzip"
        assert "content-encoding" not in plain.headers
        assert zipped.content == plain.content

    async def test_errors_are_not_kept(self, client: Client, routes: Routes) -> None:
        async with client() as http:
            first = await http.get("/missing")
            await http.get("/missing")
        assert routes.calls == 2
        assert first.status_code == 404
        assert "etag" not in first.headers

    @pytest.mark.parametrize("path", ["/private", "/health", "/ready"])
    async def test_service_answers_and_no_store_answers_are_not_kept(
        self, client: Client, routes: Routes, path: str
    ) -> None:
        async with client() as http:
            await http.get(path)
            response = await http.get(path)
        assert routes.calls == 2
        assert "etag" not in response.headers

    async def test_other_methods_go_to_the_routes(self, client: Client, routes: Routes) -> None:
        async with client() as http:
            await http.get("/treatments")
            await http.head("/treatments")
        assert routes.calls == 2

    async def test_memory_is_bounded_and_the_oldest_answer_goes_first(
        self, client: Client, routes: Routes
    ) -> None:
        async with client(max_bytes=3000) as http:
            for page in range(6):
                await http.get(f"/treatments?offset={page}")
            assert routes.calls == 6
            await http.get("/treatments?offset=5")
            assert routes.calls == 6  # the newest is still kept
            await http.get("/treatments?offset=0")
            assert routes.calls == 7  # the oldest was forgotten

    async def test_no_memory_keeps_nothing_but_still_answers_with_validators(
        self, client: Client, routes: Routes
    ) -> None:
        async with client(max_bytes=0) as http:
            first = await http.get("/treatments")
            second = await http.get("/treatments", headers={"If-None-Match": first.headers["etag"]})
        assert routes.calls == 2
        assert second.status_code == 304


class TestWhatTheRoutesSee:
    async def test_only_what_the_key_holds_addressed_to_the_public_url(
        self, client: Client, routes: Routes
    ) -> None:
        sent = {
            "Accept": "application/ld+json",
            "Origin": "https://app.example",
            "Host": "evil.example",
            "X-Forwarded-Host": "evil.example",
            "Cookie": "session=1",
            "If-None-Match": '"abc"',
        }
        async with client() as http:
            await http.get("/treatments?limit=1", headers=sent)
        (scope,) = routes.scopes
        assert scope["headers"] == [
            (b"host", b"api.example.org"),
            (b"accept", b"application/ld+json"),
            (b"origin", b"https://app.example"),
        ]
        assert (scope["scheme"], scope["server"], scope["client"]) == (
            "https",
            ("api.example.org", 443),
            None,
        )
        assert (scope["path"], scope["query_string"]) == ("/treatments", b"limit=1")


class TestRevisions:
    async def test_a_new_revision_drops_every_kept_answer(
        self, client: Client, routes: Routes, database: Database
    ) -> None:
        async with client() as http:
            before = await http.get("/treatments")
            routes.knowledge = "second"
            database.revision = "0003"
            after = await http.get("/treatments")
        assert before.json()["knowledge"] == "first"
        assert after.json()["knowledge"] == "second"
        assert after.headers["etag"] != before.headers["etag"]

    async def test_an_old_etag_gets_the_new_answer(
        self, client: Client, routes: Routes, database: Database
    ) -> None:
        async with client() as http:
            etag = (await http.get("/treatments")).headers["etag"]
            routes.knowledge = "second"
            database.revision = "0003"
            response = await http.get("/treatments", headers={"If-None-Match": etag})
        assert response.status_code == 200
        assert response.json()["knowledge"] == "second"

    async def test_an_answer_begun_before_a_new_revision_is_not_kept(
        self, client: Client, routes: Routes, database: Database
    ) -> None:
        release = routes.hold = anyio.Event()
        routes.holding = anyio.Event()
        async with client() as http:
            async with anyio.create_task_group() as tasks:
                # The first answer reads the old knowledge; the migration lands meanwhile.
                tasks.start_soon(http.get, "/treatments")
                await routes.holding.wait()
                routes.knowledge = "second"
                database.revision = "0003"
                await http.get("/causes")  # notices the new revision
                release.set()
            response = await http.get("/treatments")
        assert response.json()["knowledge"] == "second"

    async def test_no_knowledge_served_keeps_nothing(
        self, client: Client, routes: Routes, database: Database
    ) -> None:
        database.revision = None
        async with client() as http:
            first = await http.get("/treatments")
            await http.get("/treatments")
        assert routes.calls == 2
        assert first.status_code == 200
        assert "etag" not in first.headers


@pytest.mark.parametrize(
    ("if_none_match", "matches"),
    [
        (b'"abc"', True),
        (b'W/"abc"', True),
        (b'"x", "abc"', True),
        (b"*", True),
        (b'"abcd"', False),
        (b'"x", "y"', False),
    ],
)
def test_etag_matches_by_weak_comparison(if_none_match: bytes, matches: bool) -> None:
    assert etag_matches(if_none_match, b'"abc"') is matches
