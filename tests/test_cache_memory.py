"""The response cache holds what its bound says, measured with tracemalloc, and nothing a client
sends can make it (or anything else) keep more.

The cache is filled with answers the routes really gave (read from the live server), each
replayed as new objects, as the routes make them, under distinct URLs.
"""

import base64
import gc
import json
import resource
import subprocess
import sys
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from app.cache import ResponseCache, accepts_gzip
from app.config import ROOT, Settings
from app.main import create_app
from tests.conftest import LiveServer
from tests.test_forwarded import list_paths

Answer = tuple[str, int, list[tuple[bytes, bytes]], bytes]
# What the cache adds or the server sets per answer: not what the routes give.
NOT_FROM_THE_ROUTES = {b"etag", b"content-length", b"date", b"content-encoding"}
MiB = 2**20
ACCEPT = b"application/json"


def real_answer(client: httpx.Client, path: str, accept: str = "application/json") -> Answer:
    response = client.get(path, headers={"Accept": accept, "Accept-Encoding": "identity"})
    assert response.status_code == 200
    headers = [(n, v) for n, v in response.headers.raw if n.lower() not in NOT_FROM_THE_ROUTES]
    return path, response.status_code, headers, response.content


@pytest.fixture(scope="module")
def answers(sqlite_url: str) -> Iterator[list[Answer]]:
    """Every list, an item of each, the conditions as JSON-LD, and searches: small and large.
    (The cache holds bytes: which backend made them does not matter.)"""
    app = create_app(Settings(database_url=sqlite_url))
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        yield read_answers(client)


def read_answers(client: httpx.Client) -> list[Answer]:
    lists = [path for path in list_paths(client) if path != "/search"]
    found = []
    for path in lists:
        found.append(real_answer(client, path))
        items = client.get(path).json()["items"]
        if items:
            found.append(real_answer(client, f"{path}/{items[0]['slug']}"))
            if "name" in items[0]:
                word = items[0]["name"].split()[0]
                found.append(real_answer(client, f"/search?q={word}"))
                found.append(real_answer(client, f"/search?q={word}&limit=1"))
    for condition in client.get("/conditions").json()["items"]:
        found.append(real_answer(client, f"/conditions/{condition['slug']}", "application/ld+json"))
    return found


def encode(answer: Answer) -> list[Any]:
    path, status, headers, body = answer
    lines = [[name.decode("latin-1"), value.decode("latin-1")] for name, value in headers]
    return [path, status, lines, base64.b64encode(body).decode()]


def decode(saved: list[Any]) -> Answer:
    path, status, lines, body = saved
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in lines]
    return path, status, headers, base64.b64decode(body)


class Replay:
    """Routes that answer each request with one of the real answers, as new objects."""

    def __init__(self, answers: list[Answer]) -> None:
        self.answers = answers
        self.next = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        _path, status, headers, body = self.answers[self.next % len(self.answers)]
        self.next += 1
        fresh = [(bytes(bytearray(name)), bytes(bytearray(value))) for name, value in headers]
        await send({"type": "http.response.start", "status": status, "headers": fresh})
        await send({"type": "http.response.body", "body": bytes(bytearray(body))})


def head() -> str:
    return "head"


def new_cache(answers: list[Answer], max_bytes: int) -> ResponseCache:
    return ResponseCache(
        Replay(answers),
        revision=head,
        max_age=60,
        max_bytes=max_bytes,
        public_url="http://127.0.0.1:8000",
    )


Get = Callable[[str, bytes], Awaitable[None]]


def getter(cache: ResponseCache) -> Get:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Message) -> None:
        pass

    async def get(path: str, query: bytes) -> None:
        # New objects for each request, as the server makes them.
        scope: dict[str, Any] = {
            "type": "http",
            "method": "GET",
            "path": path.encode().decode(),
            "raw_path": path.encode(),
            "query_string": query,
            "headers": [(b"accept", ACCEPT.lower()), (b"accept-encoding", b"gzip, br")],
        }
        await cache(scope, receive, send)

    return get


@contextmanager
def traced() -> Iterator[Callable[[], tuple[int, int]]]:
    """Memory allocated since entering (now, and at the peak), by tracemalloc."""
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]

    def allocated() -> tuple[int, int]:
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        return current - start, peak - start

    try:
        yield allocated
    finally:
        tracemalloc.stop()


def fill(cache: ResponseCache, answers: list[Answer], count: int, first: int = 0) -> None:
    """Ask for `count` distinct URLs, numbered from `first`."""
    get = getter(cache)

    async def requests() -> None:
        for number in range(first, first + count):
            path = answers[number % len(answers)][0].partition("?")[0]
            await get(path, f"page={number}".encode())

    anyio.run(requests)


def smallest(answers: list[Answer]) -> list[Answer]:
    """The smallest answers (short searches): entries whose keys, tags and headers outweigh
    their bodies."""
    return sorted(answers, key=lambda answer: len(answer[3]))[:3]


@pytest.mark.parametrize("pick", [smallest, list], ids=["smallest answers", "every answer"])
def test_what_the_cache_counts_is_what_its_entries_hold(
    answers: list[Answer], pick: Callable[[list[Answer]], list[Answer]]
) -> None:
    chosen = pick(answers)
    cache = new_cache(chosen, max_bytes=2**30)
    with traced() as allocated:
        fill(cache, chosen, 3000)
        filled, _ = allocated()
        counted = cache.size
        cache.entries.clear()
        held = filled - allocated()[0]
    assert len(answers) > 10
    assert held / 1.5 <= counted <= held * 1.5, (counted, held)


def test_100k_distinct_urls_stay_within_twice_the_bound(
    answers: list[Answer], tmp_path: Path
) -> None:
    bound = 16 * MiB
    saved = tmp_path / "answers.json"
    saved.write_text(json.dumps([encode(answer) for answer in smallest(answers)]))
    # In a process of its own, so that its resident memory is the cache's doing.
    run = subprocess.run(
        [sys.executable, "-m", "tests.test_cache_memory", str(saved), str(bound), "100000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    filled, grown = (int(number) for number in run.stdout.split())
    assert filled > 0.9 * bound  # the cache was filled, and requests went on
    assert grown <= 2 * bound, grown / MiB


def test_hostile_accept_encodings_are_not_kept() -> None:
    with traced() as allocated:
        for number in range(100):
            # As long as the header bound lets through, each one different.
            hostile = f"br;q=0.{number:03}, ".encode() * 800
            assert not accepts_gzip(hostile)
        held, _ = allocated()
    assert held < 100 * 1024, held


def resident_bytes() -> int:
    """The process's resident memory now (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


if __name__ == "__main__":
    # python -m tests.test_cache_memory ANSWERS.json MAX_BYTES COUNT: fill a cache with COUNT
    # distinct URLs and print how full it is and how far the resident memory grew at most.
    saved, max_bytes, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    replayed = [decode(answer) for answer in json.loads(Path(saved).read_text())]
    cache = new_cache(replayed, max_bytes)
    fill(cache, replayed, 100, first=-100)  # imports and first allocations, before measuring
    before = highest = resident_bytes()
    for first in range(0, count, 5000):
        fill(cache, replayed, 5000, first)
        highest = max(highest, resident_bytes())
    print(cache.size, highest - before)
