"""Cold bursts: a server just started receives N simultaneous requests for distinct URLs.

Each request misses the response cache (its query string is its own), so every one of them goes
through routing, the knowledge store and, for the first of each item, the database. What counts:
every answer is a 200, and how long the slowest took.
"""

import asyncio
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from app.catalog import RESOURCES
from app.config import ROOT
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
    """`count` distinct URLs over every list, some details and a search."""
    paths = ["/conditions", *(r.path for r in RESOURCES), "/search?q=calcium", *details]
    urls = []
    for i in range(count):
        path = paths[i % len(paths)]
        urls.append(f"{path}{'&' if '?' in path else '?'}b={i}")
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
    statuses: dict[int, int] = {}
    for status, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
    times = [seconds for _, seconds in answers]
    return Burst(count, statuses.get(200, 0), statuses, max(times), statistics.median(times), wall)


def migrate(database_url: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")


@contextmanager
def postgres_database(server_url: str) -> Iterator[str | None]:
    """A migrated database on the PostgreSQL server at `server_url`, or None if unreachable."""
    name = "knowledge_bench_burst"
    try:
        server = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # no driver, no server: the burst runs on SQLite only
        yield None
        return
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
