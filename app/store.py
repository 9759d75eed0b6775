"""The knowledge as the routes read it: the current revision's snapshot.

Requests read the snapshot (app/snapshot.py, app/served.py) and never the database: they never
wait on it, and never see two revisions. The store watches the database for a new revision, at
most once per `check_interval`, in the background: when one appears, its snapshot is built (or
opened, if another worker built it) while the old one keeps serving, then swapped in whole. A
failed watch or build keeps the last good snapshot and tries again, waiting longer each time.
Every read of a snapshot happens in a worker thread, on a connection of its own.
"""

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import anyio.to_thread
from sqlalchemy import Connection, Engine

from app.db import reading, reason
from app.errors import Unavailable
from app.served import Shape, keep_for_good, read_shape
from app.snapshot import newest, open_snapshot, snapshot_path

logger = logging.getLogger(__name__)
T = TypeVar("T")
# The longest wait between two tries to read a new revision, after failures: a try costs one
# connection attempt, and a migration that held a lock for a while is seen soon after.
MAX_BACKOFF = 5.0


# How much less CPU a worker thread is given than the event loop when both want it (a niceness:
# about nine times less at 10), and the longest a thread keeps the GIL when the event loop asks
# for it (5 ms by default): a cached answer is sent at once, beside misses being computed.
WORKER_NICENESS = 10
SWITCH_INTERVAL = 0.001
_worker = threading.local()


def yield_to_the_event_loop() -> None:
    """Lower the calling worker thread's priority below the event loop's, once per thread."""
    if getattr(_worker, "yields", False):
        return
    _worker.yields = True
    with suppress(OSError):  # a sandbox may refuse it: then threads run as they are
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)


@dataclass
class Snapshot:
    """The knowledge at one revision: its file, and the shape requests check against."""

    path: Path
    engine: Engine
    shape: Shape

    @property
    def revision(self) -> str:
        return self.shape.revision

    async def read(self, query: Callable[[Connection], T]) -> T:
        """Run `query` on the snapshot in a worker thread, on a connection of its own."""

        def run() -> T:
            yield_to_the_event_loop()
            with reading(self.engine) as connection:
                return query(connection)

        return await anyio.to_thread.run_sync(run)


def open_snapshot_at(path: Path) -> Snapshot:
    """The snapshot in the file at `path`, with its shape read."""
    engine = open_snapshot(path)
    with reading(engine) as connection:
        return Snapshot(path, engine, read_shape(connection))


class KnowledgeStore:
    """The current snapshot, shared by every request of a worker, and the watch for new ones."""

    def __init__(
        self,
        database: Engine,
        directory: Path,
        build: Callable[[], Awaitable[Path]],
        *,
        check_interval: float,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        self.database = database
        self.directory = directory
        # Builds the snapshot of the database's current revision (or finds it built): apart
        # from this process, app/snapshot.py.
        self.build = build
        self.check_interval = check_interval
        self.max_backoff = max_backoff
        self.current: Snapshot | None = None
        # Why the last watch or build failed, while it has not succeeded since.
        self.failure: str | None = None
        self.watching: asyncio.Task[None] | None = None
        # The watch reads the database in a thread of its own, never one of the readers' turns
        # (WORKER_THREADS): a revision check held up by a migration's lock for up to its lock
        # timeout leaves every reader free to answer.
        self.watch_limiter = anyio.CapacityLimiter(1)

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
            self.failure = reason(error)
            logger.error("Cannot read the knowledge database: %s", self.failure)
            fallback = newest(self.directory)
            if fallback is not None:
                logger.warning("Serving the newest snapshot on disk, %s, until it can", fallback)
                self.swap(
                    await anyio.to_thread.run_sync(
                        open_snapshot_at, fallback, limiter=self.watch_limiter
                    )
                )
        self.watching = asyncio.get_running_loop().create_task(self.watch())

    async def refresh(self) -> None:
        """Swap in the snapshot of the database's current revision, built if no worker has yet:
        one read of the database when nothing changed."""
        path = await anyio.to_thread.run_sync(
            snapshot_path, self.database, self.directory, limiter=self.watch_limiter
        )
        if self.current is None or path != self.current.path:
            if not path.exists():
                path = await self.build()
            self.swap(
                await anyio.to_thread.run_sync(open_snapshot_at, path, limiter=self.watch_limiter)
            )
        self.failure = None

    def swap(self, snapshot: Snapshot) -> None:
        old, self.current = self.current, snapshot
        keep_for_good()
        if old is not None:
            logger.info("Now serving revision %s (was %s)", snapshot.revision, old.revision)
            # Connections still reading it close when their reads end.
            old.engine.dispose()

    async def watch(self) -> None:
        """Look for a new revision every `check_interval`; after failures, back off."""
        failures = 0
        while True:
            # After failures, each wait doubles the one before.
            delay = self.check_interval * 2 ** max(failures - 1, 0)
            await asyncio.sleep(min(delay, self.max_backoff))
            try:
                await self.refresh()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                self.failure = reason(error)
                logger.warning(
                    "Cannot read a new knowledge revision (try %d): %s", failures, self.failure
                )

    async def close(self) -> None:
        if self.watching is not None:
            self.watching.cancel()
            await asyncio.gather(self.watching, return_exceptions=True)
        if self.current is not None:
            self.current.engine.dispose()


def page(items: list[bytes], *, total: int, limit: int, offset: int) -> bytes:
    """A list's envelope around items already encoded."""
    return b"".join(
        [
            b'{"items":[',
            b",".join(items),
            f'],"total":{total},"limit":{limit},"offset":{offset}}}'.encode(),
        ]
    )
