"""The knowledge as the routes read it: the current revision's snapshot, with its graph and
every item rendered once and kept as JSON bytes.

Requests read the snapshot (app/snapshot.py) and never the database: they never wait on it, and
never see two revisions. The store watches the database for a new revision, at most once per
`check_interval`, in the background: when one appears, its snapshot is built (or opened, if
another worker built it) while the old one keeps serving, then swapped in whole. A failed
watch or build keeps the last good snapshot and tries again later, waiting longer each time.

Items are rendered in batches (app/render.py) the first time they are asked for, or earlier by
the warm-up that follows every new snapshot; what is rendered is kept, within a memory bound,
as long as the snapshot serves. Concurrent requests for the same item wait for one rendering.
Every read happens in a worker thread with a connection of its own to the snapshot file.
"""

import asyncio
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import anyio.to_thread
from pydantic import BaseModel
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from app.catalog import RESOURCES, Resource
from app.db import knowledge_revision, reading
from app.errors import Unavailable
from app.graph import Filters, Graph, load_graph, load_texts
from app.lru import LRU
from app.render import render_concepts, render_conditions
from app.snapshot import build, newest, open_snapshot

logger = logging.getLogger(__name__)
T = TypeVar("T")
Key = tuple[Hashable, ...]
# Items rendered per query batch: as many as the longest page.
BATCH = 100
# Roughly what a kept item costs beside its bytes (key, dictionary slot, bytes object).
ENTRY_OVERHEAD = 200
# The longest wait between two tries to read a new revision, after failures: a try costs one
# connection attempt, and a migration that held a lock for a while is seen soon after.
MAX_BACKOFF = 5.0


def memo(max_bytes: int) -> LRU[Key, bytes]:
    """Rendered items by key, within `max_bytes`."""
    return LRU(max_bytes, cost=lambda rendered: len(rendered) + ENTRY_OVERHEAD)


@dataclass
class Snapshot:
    """The knowledge at one revision: its file, its graph and what has been rendered of it."""

    engine: Engine
    graph: Graph
    memo: LRU[Key, bytes]
    # Items being rendered right now: later requests for them wait instead of rendering again.
    pending: dict[Key, asyncio.Future[bytes | None]] = field(default_factory=dict)

    @property
    def revision(self) -> str:
        return self.graph.revision

    async def read(self, query: Callable[[Connection], T]) -> T:
        """Run `query` on the snapshot in a worker thread, on a connection of its own."""

        def run() -> T:
            with reading(self.engine) as connection:
                return query(connection)

        return await anyio.to_thread.run_sync(run)


def to_json(model: BaseModel) -> bytes:
    return model.__pydantic_serializer__.to_json(model)


def open_snapshot_at(path: Path, memo_bytes: int) -> Snapshot:
    """The snapshot in the file at `path`, with its graph read."""
    engine = open_snapshot(path)
    with reading(engine) as connection:
        graph = load_graph(connection)
    return Snapshot(engine, graph, memo(memo_bytes))


class KnowledgeStore:
    """The current snapshot, shared by every request of a worker, and the watch for new ones."""

    def __init__(
        self,
        database: Engine,
        directory: Path,
        *,
        check_interval: float,
        memo_bytes: int,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        self.database = database
        self.directory = directory
        self.check_interval = check_interval
        self.max_backoff = max_backoff
        self.memo_bytes = memo_bytes
        self.current: Snapshot | None = None
        # Why the last watch or build failed, while it has not succeeded since.
        self.failure: str | None = None
        self.warming: asyncio.Task[None] | None = None
        self.watching: asyncio.Task[None] | None = None

    def snapshot(self) -> Snapshot:
        """The snapshot requests read now: never waits; 503 while there is none yet."""
        if self.current is None:
            raise Unavailable(
                "No knowledge is served yet: the database could not be read (see /ready)."
            )
        return self.current

    @property
    def revision(self) -> str | None:
        return None if self.current is None else self.current.revision

    async def start(self) -> None:
        """Serve the database's current revision, then watch it for new ones.

        If the database cannot be read, the newest snapshot on disk serves until it can.
        """
        try:
            await self.refresh()
        except Exception as error:
            self.failure = _reason(error)
            logger.error("Cannot read the knowledge database: %s", self.failure)
            fallback = newest(self.directory)
            if fallback is not None:
                logger.warning("Serving the newest snapshot on disk, %s, until it can", fallback)
                self.swap(
                    await anyio.to_thread.run_sync(open_snapshot_at, fallback, self.memo_bytes)
                )
        self.watching = asyncio.get_running_loop().create_task(self.watch())

    async def refresh(self) -> None:
        """Swap in the database's current revision, built or opened in a worker thread."""
        revision = await anyio.to_thread.run_sync(self.database_revision)
        if revision != self.revision:
            path = await anyio.to_thread.run_sync(build, self.database, self.directory)
            self.swap(await anyio.to_thread.run_sync(open_snapshot_at, path, self.memo_bytes))
        self.failure = None

    def database_revision(self) -> str:
        with reading(self.database) as connection:
            return knowledge_revision(connection)

    def swap(self, snapshot: Snapshot) -> None:
        old, self.current = self.current, snapshot
        if old is not None and old.revision != snapshot.revision:
            logger.info("Now serving revision %s (was %s)", snapshot.revision, old.revision)
        if old is not None:
            # Connections still reading it close when their reads end.
            old.engine.dispose()
        self.start_warm_up(snapshot)

    async def watch(self) -> None:
        """Look for a new revision every `check_interval`; after failures, back off."""
        failures = 0
        while True:
            # After failures, each wait doubles the one before.
            await asyncio.sleep(
                min(self.check_interval * 2 ** max(failures - 1, 0), self.max_backoff)
            )
            try:
                await self.refresh()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                self.failure = _reason(error)
                logger.warning(
                    "Cannot read a new knowledge revision (try %d): %s", failures, self.failure
                )

    def start_warm_up(self, snapshot: Snapshot) -> None:
        if self.warming is not None:
            self.warming.cancel()
        self.warming = asyncio.get_running_loop().create_task(self.warm_up(snapshot))

    async def warm_up(self, snapshot: Snapshot) -> None:
        """Render every list's items and every condition, until the memory bound is reached."""
        try:
            graph = snapshot.graph
            await self.conditions(snapshot, list(graph.conditions))
            for resource in RESOURCES:
                slugs = list(graph.listed.get(resource.name, {}))
                for start in range(0, len(slugs), BATCH):
                    full = snapshot.memo.size >= 0.9 * snapshot.memo.max_bytes
                    if full or self.current is not snapshot:
                        return
                    await self.concepts(snapshot, resource, slugs[start : start + BATCH], None)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A failed warm-up costs speed, not answers: requests render what they need.
            logger.warning("warming up the knowledge failed", exc_info=True)

    async def close(self) -> None:
        tasks = [task for task in (self.warming, self.watching) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.current is not None:
            self.current.engine.dispose()

    async def select(self, snapshot: Snapshot, resource: Resource, filters: Filters) -> list[str]:
        """The slugs of a list's items under the filters, in order (app/graph.py)."""
        graph = snapshot.graph
        texts = None
        if filters.q is not None:
            texts = graph.kept(load_texts) or await snapshot.read(
                lambda connection: graph.derived(load_texts, connection)
            )
        return graph.select(resource, filters, texts)

    async def concepts(
        self, snapshot: Snapshot, resource: Resource, slugs: list[str], condition: str | None
    ) -> list[bytes]:
        """A list's items as JSON, with the statements of one condition or of all."""

        def render(connection: Connection, keys: list[Key]) -> dict[Key, bytes]:
            items = render_concepts(
                connection, snapshot.graph, resource, [str(k[1]) for k in keys], condition
            )
            return {key: to_json(items[str(key[1])]) for key in keys}

        keys: list[Key] = [(resource.name, slug, condition) for slug in slugs]
        return await self.memoized(snapshot, keys, render)

    async def conditions(self, snapshot: Snapshot, slugs: list[str]) -> list[bytes]:
        """Condition pages as JSON."""

        def render(connection: Connection, keys: list[Key]) -> dict[Key, bytes]:
            pages = render_conditions(connection, snapshot.graph, [str(k[1]) for k in keys])
            return {key: to_json(pages[str(key[1])]) for key in keys}

        return await self.memoized(snapshot, [("conditions", slug) for slug in slugs], render)

    async def one(
        self, snapshot: Snapshot, key: Key, render: Callable[[Connection], bytes]
    ) -> bytes:
        """Any other answer computed once per revision (a JSON-LD document, ...)."""
        (found,) = await self.memoized(snapshot, [key], lambda c, _keys: {key: render(c)})
        return found

    async def memoized(
        self,
        snapshot: Snapshot,
        keys: list[Key],
        render: Callable[[Connection, list[Key]], dict[Key, bytes]],
    ) -> list[bytes]:
        """The bytes for each key: kept, being rendered by another request, or rendered now."""
        found: dict[Key, bytes] = {}
        todo = list(dict.fromkeys(keys))
        while todo:
            waiting: dict[Key, asyncio.Future[bytes | None]] = {}
            mine: list[Key] = []
            for key in todo:
                kept = snapshot.memo.get(key)
                if kept is not None:
                    found[key] = kept
                elif key in snapshot.pending:
                    waiting[key] = snapshot.pending[key]
                else:
                    mine.append(key)
            if mine:
                await self._render(snapshot, mine, render, found)
            todo = []
            for key, future in waiting.items():
                result = await future
                if result is None:
                    todo.append(key)  # its renderer failed: try it here, and fail here if it does
                else:
                    found[key] = result
        return [found[key] for key in keys]

    async def _render(
        self,
        snapshot: Snapshot,
        keys: list[Key],
        render: Callable[[Connection, list[Key]], dict[Key, bytes]],
        found: dict[Key, bytes],
    ) -> None:
        loop = asyncio.get_running_loop()
        futures = {key: loop.create_future() for key in keys}
        snapshot.pending.update(futures)
        rendered: dict[Key, bytes] = {}
        try:
            rendered = await snapshot.read(lambda connection: render(connection, keys))
        finally:
            for key, future in futures.items():
                snapshot.pending.pop(key, None)
                value = rendered.get(key)
                if value is not None:
                    snapshot.memo.put(key, value)
                    found[key] = value
                future.set_result(value)


def page(items: list[bytes], *, total: int, limit: int, offset: int) -> bytes:
    """A list's envelope around items already encoded."""
    return b"".join(
        [
            b'{"items":[',
            b",".join(items),
            f'],"total":{total},"limit":{limit},"offset":{offset}}}'.encode(),
        ]
    )


def _reason(error: Exception) -> str:
    """An error in one line an operator can read."""
    if isinstance(error, DBAPIError):
        return str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return f"{type(error).__name__}: {error}"
