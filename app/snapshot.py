"""Knowledge snapshots: the knowledge at one revision, in a file that is all a request reads.

A snapshot is a SQLite file holding everything served at one revision (app/served.py: every
item rendered, the lists' orders and filters, the old slugs of renamed concepts) and the search
index, made from the knowledge tables as they stood at that revision: copied in one consistent
read of the database (a REPEATABLE READ transaction on PostgreSQL, one read transaction on
SQLite, that reads the revision too) into a file beside it, used while the snapshot is written.
It never changes once written. Requests read snapshots and nothing else, so a migration, a lock
or an outage of the database never reaches an answer: the worst it can do is delay the next
snapshot (app/store.py watches for new revisions and swaps them in whole).

The first process that needs a revision's snapshot builds it, beside the others in the snapshot
directory, under a file lock: the other workers wait for it and open the same file, and a worker
that starts again opens it at once. The file's name holds the revision, the database it was read
from and the snapshot format, so a snapshot is never taken for another's.
"""

import asyncio
import fcntl
import hashlib
import logging
import multiprocessing
import os
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    cast,
    create_engine,
    event,
    select,
    text,
)

from app import served
from app.config import ROOT, Settings
from app.db import (
    Timeouts,
    create_database_engine,
    knowledge_revision,
    reason,
    write_rows,
)
from app.graph import Graph, load_graph
from app.models import METADATA
from app.search_index import SEARCH_METADATA, TERM_COLUMNS, rebuild_search_documents

logger = logging.getLogger(__name__)

# Bumped whenever what a snapshot holds changes shape (tables, search index, stems): a snapshot
# of another format is never opened, but built anew.
FORMAT = 9
SUFFIX = ".snapshot.sqlite"
# Snapshots kept in the directory beside the newest: a worker that has not swapped yet still
# reads its own (an open file outlives its removal, but a new connection to it would not).
KEPT = 2
# Rows copied per batch: bounded memory whatever the library's size.
BATCH = 5000
PAGE_SIZE = 8192
# Knowledge rows from which a build is shared between processes: below, starting them costs
# more than they save (a handful of conditions is built in a second by one).
PARALLEL_FROM = 20_000

_VERSIONS = MetaData()
ALEMBIC_VERSION = Table(
    "alembic_version", _VERSIONS, Column("version_num", String(32), primary_key=True)
)

# The full-text index over the search documents' stem columns (app/search/ reads it): the
# columns hold stems separated by spaces, so the tokenizer only splits them; the instance table
# says where each stem is (document, column), which ranking reads instead of the documents.
_COLUMNS = ", ".join(TERM_COLUMNS)
SEARCH_INDEX = (
    f"""CREATE VIRTUAL TABLE search_index USING fts5(
        {_COLUMNS}, content='search_document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    "CREATE VIRTUAL TABLE search_index_instance USING fts5vocab(search_index, instance)",
)


def database_identity(connection: Connection) -> str:
    """Which database this is, beyond its URL: a database dropped and made again under the same
    name is another one, whose snapshots are not this one's."""
    url = connection.engine.url
    if connection.dialect.name == "postgresql":
        oid = connection.scalar(
            text("SELECT oid FROM pg_database WHERE datname = current_database()")
        )
        return f"postgresql://{url.host}:{url.port}/{url.database}#{oid}"
    files = {name: file for _seq, name, file in connection.exec_driver_sql("PRAGMA database_list")}
    path = Path(files["main"])
    return f"sqlite://{path}#{path.stat().st_ino}"


def snapshot_name(identity: str, revision: str) -> str:
    digest = hashlib.sha256(f"{FORMAT}\n{identity}\n{revision}".encode()).hexdigest()[:24]
    return f"{digest}{SUFFIX}"


@contextmanager
def consistent_read(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see the database as it stood at one moment."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                yield connection
        else:
            # pysqlite begins a transaction only before a write: begin the read one here, so
            # that every read after it sees the same state of the file.
            connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            finally:
                connection.rollback()


def snapshot_path(engine: Engine, directory: Path) -> Path:
    """Where the snapshot of the database's current revision is, or goes once built."""
    with engine.connect() as connection:
        revision = knowledge_revision(connection)
        return directory / snapshot_name(database_identity(connection), revision)


def build(
    engine: Engine, directory: Path, processes: int = 1, parallel_from: int = PARALLEL_FROM
) -> Path:
    """The snapshot of the database's current revision: the one already in `directory`, or one
    read now in one consistent transaction and written there, its items rendered by `processes`
    processes when the knowledge holds `parallel_from` rows or more. One build at a time per
    directory: the workers that ask meanwhile wait, then find it built."""
    directory.mkdir(parents=True, exist_ok=True)
    with locked(directory / "build.lock"):
        with consistent_read(engine) as source:
            revision = knowledge_revision(source)
            path = directory / snapshot_name(database_identity(source), revision)
            if path.exists():
                return path
            started = time.monotonic()
            partial = path.with_name(f"{path.name}.partial")
            knowledge = path.with_name(f"{path.name}.knowledge")
            rows = copy_knowledge(source, knowledge)
            logger.info("Copied %d knowledge rows in %.1f s", rows, time.monotonic() - started)
        # The database is free again (a SQLite writer waits for no reader): the rest reads the
        # copy.
        try:
            _derive(knowledge, partial, processes if rows >= parallel_from else 1)
        finally:
            knowledge.unlink(missing_ok=True)
        os.replace(partial, path)
    logger.info(
        "Built the snapshot of revision %s: %d rows in %.1f s, %.1f MB",
        revision,
        rows,
        time.monotonic() - started,
        path.stat().st_size / 1e6,
    )
    _forget_old(directory, keep=path)
    return path


def _writer(path: Path) -> Engine:
    """An engine writing a new file no one reads until it is whole, and rebuilt if lost: no
    journal, no syncs."""
    path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection: Any, _record: Any) -> None:
        # Pages of 8 KiB hold a served item (about 1 KB) in the page of its key, where 4 KiB
        # ones (the default) spill it to a page of its own, and make trees shallower: a page
        # of 100 items is read three times faster, a detail twice. Larger pages are slower
        # again for a detail: each read copies more, and fewer fit SQLite's page cache.
        dbapi_connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        dbapi_connection.execute("PRAGMA journal_mode = OFF")
        dbapi_connection.execute("PRAGMA synchronous = OFF")

    return engine


def copy_knowledge(source: Connection, path: Path) -> int:
    """Copy the knowledge tables, as they are in the source's transaction, into a new file;
    the number of rows copied."""
    tables = [*METADATA.sorted_tables, ALEMBIC_VERSION]
    if source.dialect.name == "sqlite":
        return _copy_file(source, path, tables)
    target = _writer(path)
    copied = 0
    try:
        with target.begin() as connection:
            for metadata in (METADATA, _VERSIONS):
                metadata.create_all(connection)
            # Every knowledge table the models define (concept_redirect among them), parents
            # first, and the revision.
            for table in tables:
                copied += _copy(source, connection, table)
    finally:
        target.dispose()
    return copied


def _copy_file(source: Connection, path: Path, tables: list[Table]) -> int:
    """Copy a SQLite database whole, page by page, as the source's transaction sees it: SQLite's
    backup reads within the connection's open read transaction. Seven times faster than copying
    its rows (3.5 s against 26 s at 10,000 conditions), and so is the wait of a migration that
    must write the database meanwhile."""
    path.unlink(missing_ok=True)
    target = sqlite3.connect(path)
    try:
        driver: Any = source.connection.driver_connection
        driver.backup(target)
        # Read, never written again, then removed: no journal (a WAL database's copy would
        # leave its -wal and -shm files behind).
        target.execute("PRAGMA journal_mode = OFF")
        return sum(target.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0] for t in tables)
    finally:
        target.close()


def _derive(knowledge: Path, path: Path, processes: int = 1) -> None:
    """Write the snapshot at `path`: the search index and the served tables, from the copy of
    the knowledge at `knowledge`. With more than one process, the search tables are written
    apart, into a file of their own, while the served items are rendered; then copied in."""
    search = path.with_name(f"{path.name}.search")
    began = time.monotonic()
    try:
        with ExitStack() as apart:
            written_apart: Future[None] | None = None
            if processes > 1:
                searcher = apart.enter_context(
                    ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
                )
                written_apart = searcher.submit(_write_search, knowledge, search)
            target = _reading(knowledge, _writer(path))
            try:
                with target.begin() as connection:
                    graph = load_graph(connection)
                    with rendering(knowledge, graph, processes) as render:
                        served.write(connection, graph, render)
                    logger.info("Wrote the served items in %.1f s", time.monotonic() - began)
                    if written_apart is None:
                        SEARCH_METADATA.create_all(connection)
                        rebuild_search_documents(connection)
                    else:
                        written_apart.result()
                        _copy_tables(connection, search, SEARCH_METADATA)
                    for statement in SEARCH_INDEX:
                        connection.exec_driver_sql(statement)
                    connection.exec_driver_sql(
                        "INSERT INTO search_index (search_index) VALUES ('rebuild')"
                    )
                    logger.info("Wrote the search index by %.1f s", time.monotonic() - began)
            finally:
                target.dispose()
    finally:
        search.unlink(missing_ok=True)


def _reading(knowledge: Path, engine: Engine) -> Engine:
    """`engine`, with the copy of the knowledge at `knowledge` attached: what reads the copy
    names no schema, and SQLite finds its tables there, as a snapshot holds none of those
    names."""
    event.listen(
        engine,
        "connect",
        lambda dbapi_connection, _record: dbapi_connection.execute(
            "ATTACH DATABASE ? AS knowledge", (str(knowledge),)
        ),
    )
    return engine


def _write_search(knowledge: Path, path: Path) -> None:
    """The search tables, built from the knowledge copy at `knowledge`, in a file of their own."""
    target = _reading(knowledge, _writer(path))
    try:
        with target.begin() as connection:
            SEARCH_METADATA.create_all(connection)
            rebuild_search_documents(connection)
    finally:
        target.dispose()


def _copy_tables(connection: Connection, path: Path, metadata: MetaData) -> None:
    """Copy the tables of `metadata` whole from the file at `path`, as SQLite copies rows."""
    metadata.create_all(connection)
    connection.exec_driver_sql("ATTACH DATABASE ? AS apart", (str(path),))
    for table in metadata.sorted_tables:
        connection.exec_driver_sql(
            f'INSERT INTO main."{table.name}" SELECT * FROM apart."{table.name}"'
        )


@contextmanager
def rendering(knowledge: Path, graph: Graph, processes: int) -> Iterator[served.Renderer | None]:
    """What renders the served items: with more than one process, a pool of them, each reading
    the knowledge copy at `knowledge` on a connection of its own, forked once the graph is read
    (so each holds it without reading it again), while this process writes what they render;
    with one, nothing: `served.write` renders them itself."""
    if processes <= 1:
        yield None
        return
    # What the graph holds stays put in the forked processes' shared pages: a collection would
    # touch every object, and so copy them all.
    served.keep_for_good()
    with ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_renderer,
        initargs=(knowledge, graph),
    ) as pool:

        def render(batches: Iterable[served.RenderBatch]) -> Iterator[list[served.ItemRow]]:
            # A few batches ahead of the writer, in order: bounded memory at any size.
            pending: deque[Future[list[served.ItemRow]]] = deque()
            for batch in batches:
                pending.append(pool.submit(_render, batch))
                if len(pending) > 2 * processes:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

        yield render


_renderer: dict[str, Any] = {}


def _start_renderer(knowledge: Path, graph: Graph) -> None:
    _renderer["graph"] = graph
    _renderer["connection"] = open_snapshot(knowledge).connect()


def _render(batch: served.RenderBatch) -> list[served.ItemRow]:
    return served.render_batch(_renderer["connection"], _renderer["graph"], batch)


def _copy(source: Connection, target: Connection, table: Table) -> int:
    """Copy a table's rows as stored, a batch at a time: JSON stays text (decoding it and
    encoding it again would cost most of the copy), with no per-value processing."""
    columns = [cast(c, Text) if isinstance(c.type, JSON) else c for c in table.c]
    result = source.execution_options(yield_per=BATCH).execute(select(*columns))
    rows = (tuple(row) for rows in result.partitions() for row in rows)
    return write_rows(target, table.name, [c.name for c in table.c], rows)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (made if missing): one builder at a time."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _forget_old(directory: Path, keep: Path) -> None:
    """Remove all but the newest snapshots (and `keep`), with their locks."""
    found = sorted(directory.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in found if p != keep][KEPT - 1 :]:
        # With what was made beside it: its lock, its exports.
        for made in directory.glob(f"{old.name}*"):
            made.unlink(missing_ok=True)


def newest(directory: Path) -> Path | None:
    """The snapshot most recently built in `directory`, if any: what a worker serves when it
    starts while the database cannot be read."""
    found = list(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []
    return max(found, key=lambda p: p.stat().st_mtime, default=None)


def open_snapshot(path: Path) -> Engine:
    """An engine reading the snapshot at `path`: read-only, and immutable, so SQLite takes no
    locks and trusts its cache."""
    engine = create_engine(
        f"sqlite:///file:{quote(str(path))}?mode=ro&immutable=1&uri=true",
        connect_args={"check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _query_only(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")

    return engine


class Builder:
    """Builds snapshots apart from the worker, each in a process of its own (`python -m
    app.snapshot`): the worker keeps its memory (a build reads the whole graph) and its event
    loop's core to itself. One builder is always started ahead and waits, its imports done,
    for the next revision: importing takes longer than building a small library, and a new
    revision should be served within seconds of its migration."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.waiting: asyncio.subprocess.Process | None = None

    async def prepare(self) -> None:
        """Start the builder that waits for the next build, if none is waiting."""
        if self.waiting is None or self.waiting.returncode is not None:
            self.waiting = await self._start()

    async def build(self) -> Path:
        """`build` in the waiting builder (or a new one): the path of the snapshot of the
        database's current revision. Raises with the builder's last words if it fails."""
        await self.prepare()
        builder, self.waiting = self.waiting, None
        said: list[str] = []
        # Made by _start, with its pipes.
        assert builder is not None
        assert builder.stdin is not None
        assert builder.stdout is not None
        assert builder.stderr is not None
        try:
            builder.stdin.write(GO)
            await builder.stdin.drain()
            builder.stdin.close()
            # What it says of its progress, as it says it: a large library's build takes
            # minutes.
            async for line in builder.stderr:
                said.append(line.decode(errors="replace").rstrip())
                logger.info("Snapshot builder: %s", said[-1])
            out = await builder.stdout.read()
            await builder.wait()
        finally:
            if builder.returncode is None:
                builder.kill()
                await builder.wait()
        await self.prepare()
        if builder.returncode != 0:
            raise SnapshotError(said[-1] if said else f"the builder exited {builder.returncode}")
        return Path(out.decode().strip().splitlines()[-1])

    async def close(self) -> None:
        waiting, self.waiting = self.waiting, None
        if waiting is not None and waiting.returncode is None:
            waiting.kill()
            await waiting.wait()

    async def _start(self) -> asyncio.subprocess.Process:
        settings = self.settings
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            WHEN_TOLD,
            # The settings through the environment: a password on a command line is public.
            env={
                **os.environ,
                "DATABASE_URL": settings.database_url,
                "SNAPSHOT_DIR": str(settings.snapshot_directory),
                "DATABASE_LOCK_TIMEOUT": str(settings.database_lock_timeout),
                "DATABASE_STATEMENT_TIMEOUT": str(settings.database_statement_timeout),
            },
            # Where the migrations are, whose dates /meta gives.
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )


# A builder started with WHEN_TOLD builds once it reads GO; it ends, building nothing, when its
# input ends first (the worker that started it has gone).
WHEN_TOLD, GO = "--when-told", b"build\n"


class SnapshotError(RuntimeError):
    """A snapshot could not be built."""


def main() -> None:
    """Build the snapshot of the database's current revision (DATABASE_URL) in the snapshot
    directory (SNAPSHOT_DIR), unless it is built; print its path. With WHEN_TOLD, first wait
    for GO on the standard input."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if WHEN_TOLD in sys.argv[1:] and sys.stdin.buffer.readline() != GO:
        return
    settings = Settings()
    timeouts = Timeouts(settings.database_lock_timeout, settings.database_statement_timeout)
    engine = create_database_engine(settings.database_url, pooled=False, timeouts=timeouts)
    try:
        # Every core this process may run on renders.
        print(build(engine, settings.snapshot_directory, len(os.sched_getaffinity(0))))
    except Exception as error:
        logger.exception("The snapshot could not be built")
        # Last, in one line: what a worker reports (Builder).
        sys.exit(f"Cannot build the snapshot: {reason(error)}")
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
