"""The path behind the response cache: bursts of misses on a just-started server all succeed,
every answer is read in a bounded number of queries, and a started server is warm.

Each test starts a server of its own on the suite's database (both backends), so that nothing
is rendered or cached before it begins.
"""

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from app.config import Settings
from app.main import create_app
from bench.burst import misses
from tests.conftest import LiveServer
from tests.expect import LISTS

# Requests that each miss the response cache: distinct URLs across lists, details and searches.
BURST = 100


@contextmanager
def fresh_server(database_url: str, **settings: Any) -> Iterator[LiveServer]:
    app = create_app(Settings(database_url=database_url, **settings))
    with LiveServer(app) as server:
        yield server


async def burst(url: str, paths: list[str]) -> list[int]:
    """Send every request at once, each on a connection of its own; their statuses."""
    limits = httpx.Limits(max_connections=len(paths), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        answers = await asyncio.gather(*(client.get(path) for path in paths))
    return [answer.status_code for answer in answers]


def test_a_burst_of_misses_on_a_just_started_server_all_succeed(
    database_url: str, client: httpx.Client
) -> None:
    details = [f"/treatments/{t['slug']}" for t in client.get("/treatments").json()["items"]]
    paths = misses(BURST, details)
    assert len(set(paths)) == BURST
    with fresh_server(database_url) as server:
        statuses = asyncio.run(burst(server.url, paths))
    assert statuses == [200] * BURST


class QueryCounter:
    """Counts the SQL statements an engine runs."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_: Any) -> None:
        self.count += 1


@contextmanager
def counted(server: LiveServer, *, database: bool = False) -> Iterator[QueryCounter]:
    """The statements run on the snapshot the server reads, or on its database."""
    engine = server.app.state.engine if database else server.app.state.store.current.engine
    counter = QueryCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


def queries_for(server: LiveServer, path: str) -> int:
    with counted(server) as counter, httpx.Client(base_url=server.url) as http:
        assert http.get(path).status_code == 200, path
    return counter.count


def wait_until_warm(server: LiveServer) -> None:
    store = server.app.state.store
    deadline = time.monotonic() + 60
    while store.warming is None or not store.warming.done():
        assert time.monotonic() < deadline, "the warm-up did not end"
        time.sleep(0.05)


@pytest.fixture
def uncached(database_url: str) -> Iterator[LiveServer]:
    """A server that keeps no answer and re-reads the revision at most once a minute."""
    with fresh_server(database_url, cache_max_bytes=0, revision_check_interval=60) as server:
        wait_until_warm(server)
        yield server


def test_answers_never_read_the_database(uncached: LiveServer, client: httpx.Client) -> None:
    paths = ["/conditions", "/search?q=kidney", "/meta", "/vocabulary", "/sources", "/export"]
    paths += [f"/{name}?limit=100" for name in LISTS]
    with counted(uncached, database=True) as counter, httpx.Client(base_url=uncached.url) as http:
        for path in paths:
            assert http.get(path).status_code == 200, path
    assert counter.count == 0


def test_a_warm_server_answers_lists_and_details_without_a_query(
    uncached: LiveServer, client: httpx.Client
) -> None:
    for name in LISTS:
        items = client.get(f"/{name}", params={"limit": 100}).json()["items"]
        assert queries_for(uncached, f"/{name}?limit=100") == 0, name
        assert queries_for(uncached, f"/{name}/{items[0]['slug']}") == 0, name
    assert queries_for(uncached, "/conditions") == 0


def test_every_answer_takes_a_bounded_number_of_queries(
    database_url: str, client: httpx.Client
) -> None:
    # A server whose memory for rendered items is too small to keep any: every answer renders.
    settings = {"cache_max_bytes": 0, "render_cache_bytes": 0, "revision_check_interval": 60}
    with fresh_server(database_url, **settings) as server:
        wait_until_warm(server)
        counts = {}
        for name in LISTS:
            one = queries_for(server, f"/{name}?limit=1")
            many = queries_for(server, f"/{name}?limit=100")
            assert many == one, name  # not one query per item
            counts[name] = many
        for condition in client.get("/conditions").json()["items"]:
            counts[condition["slug"]] = queries_for(server, f"/conditions/{condition['slug']}")
        counts["/conditions"] = queries_for(server, "/conditions?limit=100")
    assert max(counts.values()) <= 8, counts
