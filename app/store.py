"""The knowledge as the routes read it: the graph of the current revision and every item, rendered
once per revision and kept as JSON bytes.

The knowledge changes only when a migration runs, so the store re-reads the database's revision
at most once per `check_interval` and, when it changed, reads the new graph (app/graph.py) and
starts afresh. Items are rendered in batches (app/render.py) the first time they are asked for,
or earlier by the warm-up that follows every new revision; what is rendered is kept, within a
memory bound, until the revision changes. Concurrent requests for the same item wait for one
rendering. Every database read happens in a worker thread with a connection of its own, taken
and given back within that one call: no request holds a connection while it waits for anything.
"""

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

import anyio.to_thread
from pydantic import BaseModel
from sqlalchemy import Connection, Engine

from app.catalog import RESOURCES, Resource
from app.db import knowledge_revision, reading
from app.graph import Filters, Graph, load_graph, load_texts
from app.render import render_concepts, render_conditions

logger = logging.getLogger(__name__)
T = TypeVar("T")
Key = tuple[Hashable, ...]
# Items rendered per query batch: as many as the longest page.
BATCH = 100
# Roughly what a kept item costs beside its bytes (key, dictionary slot, bytes object).
ENTRY_OVERHEAD = 200


class Memo:
    """Rendered items by key, least recently used first out beyond `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.entries: OrderedDict[Key, bytes] = OrderedDict()
        self.size = 0

    def get(self, key: Key) -> bytes | None:
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def put(self, key: Key, value: bytes) -> None:
        cost = len(value) + ENTRY_OVERHEAD
        if cost > self.max_bytes or key in self.entries:
            return
        self.entries[key] = value
        self.size += cost
        while self.size > self.max_bytes:
            _, evicted = self.entries.popitem(last=False)
            self.size -= len(evicted) + ENTRY_OVERHEAD

    @property
    def full(self) -> bool:
        return self.size >= self.max_bytes * 0.9


@dataclass
class Snapshot:
    """The knowledge at one revision: its graph and what has been rendered of it."""

    graph: Graph
    memo: Memo
    # Items being rendered right now: later requests for them wait instead of rendering again.
    pending: dict[Key, asyncio.Future[bytes | None]] = field(default_factory=dict)
    texts_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def revision(self) -> str:
        return self.graph.revision


def to_json(model: BaseModel) -> bytes:
    return model.__pydantic_serializer__.to_json(model)


class KnowledgeStore:
    """The current revision's graph and rendered items, shared by every request of a worker."""

    def __init__(self, engine: Engine, *, check_interval: float, memo_bytes: int) -> None:
        self.engine = engine
        self.check_interval = check_interval
        self.memo_bytes = memo_bytes
        self.current: Snapshot | None = None
        self.next_check = -math.inf
        self.lock: asyncio.Lock | None = None
        self.warming: asyncio.Task[None] | None = None

    async def read(self, query: Callable[[Connection], T]) -> T:
        """Run `query` in a worker thread on a connection of its own, returned when it ends."""

        def run() -> T:
            with reading(self.engine) as connection:
                return query(connection)

        return await anyio.to_thread.run_sync(run)

    async def snapshot(self) -> Snapshot:
        """The current revision's snapshot; the revision is re-read at most once per interval."""
        if self.current is not None and time.monotonic() < self.next_check:
            return self.current
        self.lock = self.lock or asyncio.Lock()
        async with self.lock:
            if self.current is not None and time.monotonic() < self.next_check:
                return self.current
            revision = await self.read(knowledge_revision)
            if self.current is None or self.current.revision != revision:
                graph = await self.read(load_graph)
                self.current = Snapshot(graph, Memo(self.memo_bytes))
                self.start_warm_up(self.current)
            self.next_check = time.monotonic() + self.check_interval
            return self.current

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
                    if snapshot.memo.full or self.current is not snapshot:
                        return
                    await self.concepts(snapshot, resource, slugs[start : start + BATCH], None)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A failed warm-up costs speed, not answers: requests render what they need.
            logger.warning("warming up the knowledge failed", exc_info=True)

    async def close(self) -> None:
        if self.warming is not None:
            self.warming.cancel()
            await asyncio.gather(self.warming, return_exceptions=True)

    async def select(self, snapshot: Snapshot, resource: Resource, filters: Filters) -> list[str]:
        """The slugs of a list's items under the filters, in order (app/graph.py)."""
        graph = snapshot.graph
        if filters.q is not None and graph.texts is None:
            async with snapshot.texts_lock:
                if graph.texts is None:
                    graph.texts = await self.read(load_texts)
        return graph.select(resource, filters)

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
            rendered = await self.read(lambda connection: render(connection, keys))
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
