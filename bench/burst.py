"""Cold bursts: a server just started receives N simultaneous requests for distinct URLs.

Each request misses the response cache (its query string is its own), so every one of them goes
through routing, the knowledge store and, for the first of each item, the database. What counts:
every answer is a 200, and how long the slowest took.
"""

import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass

import httpx

from app.catalog import RESOURCES
from bench.harness import Server


@dataclass(frozen=True)
class Burst:
    requests: int
    ok: int
    statuses: dict[int, int]
    slowest: float
    median: float
    wall: float


def misses(count: int, details: list[str]) -> list[str]:
    """`count` distinct URLs: the details, each once, then pages of every list and of a search,
    each with a `limit` (and past a hundred, an `offset`) of its own. Only parameters the
    operations define: any other is refused."""
    pages = ["/conditions", *(r.path for r in RESOURCES), "/search?q=calcium"]
    urls = details[:count]
    for i in range(count - len(urls)):
        page, n = pages[i % len(pages)], i // len(pages)
        query = f"limit={1 + n % 100}" + (f"&offset={n // 100}" if n >= 100 else "")
        urls.append(f"{page}{'&' if '?' in page else '?'}{query}")
    return urls


async def fire(base_url: str, paths: list[str]) -> list[tuple[int, float]]:
    limits = httpx.Limits(max_connections=len(paths), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:

        async def one(path: str) -> tuple[int, float]:
            began = time.perf_counter()
            try:
                status = (await client.get(path)).status_code
            except httpx.HTTPError:
                status = 0
            return status, time.perf_counter() - began

        return await asyncio.gather(*(one(path) for path in paths))


def burst(database_url: str, count: int, core: int, details: list[str]) -> Burst:
    """Start a server on `core`, wait until it is up, then send `count` misses at once."""
    server = Server("burst", "app.main:app", core, {"DATABASE_URL": database_url})
    try:
        server.wait("/health")
        began = time.perf_counter()
        answers = asyncio.run(fire(server.url, misses(count, details)))
        wall = time.perf_counter() - began
    finally:
        server.stop()
    statuses = Counter(status for status, _ in answers)
    times = [seconds for _, seconds in answers]
    return Burst(count, statuses.get(200, 0), statuses, max(times), statistics.median(times), wall)
