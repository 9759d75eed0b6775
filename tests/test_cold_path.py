"""The path behind the response cache: bursts of misses on a just-started server all succeed,
every answer is a bounded number of reads of the snapshot, and none reads the database.

Each test starts a server of its own on the suite's database (both backends), so that nothing
is cached before it begins.
"""

import asyncio
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


@pytest.fixture
def uncached(database_url: str) -> Iterator[LiveServer]:
    """A server that keeps no answer and re-reads the revision at most once a minute."""
    with fresh_server(database_url, cache_max_bytes=0, revision_check_interval=60) as server:
        yield server


def test_answers_never_read_the_database(uncached: LiveServer, client: httpx.Client) -> None:
    paths = ["/conditions", "/search?q=kidney", "/meta", "/vocabulary", "/sources", "/export"]
    paths += [f"/{name}?limit=100" for name in LISTS]
    with counted(uncached, database=True) as counter, httpx.Client(base_url=uncached.url) as http:
        for path in paths:
            assert http.get(path).status_code == 200, path
    assert counter.count == 0


def test_every_answer_takes_a_bounded_number_of_queries(
    database_url: str, client: httpx.Client
) -> None:
    # Every item is rendered in the snapshot: an answer is a few indexed reads of it, however
    # many items it holds.
    settings = {"cache_max_bytes": 0, "revision_check_interval": 60}
    with fresh_server(database_url, **settings) as server:
        counts = {}
        for name in LISTS:
            one = queries_for(server, f"/{name}?limit=1")
            many = queries_for(server, f"/{name}?limit=100")
            assert many == one, name  # not one query per item
            counts[name] = many
        for condition in client.get("/conditions").json()["items"]:
            counts[condition["slug"]] = queries_for(server, f"/conditions/{condition['slug']}")
        counts["/conditions"] = queries_for(server, "/conditions?limit=100")
    assert max(counts.values()) <= 3, counts
