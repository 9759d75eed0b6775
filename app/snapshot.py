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
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
from app.db import Timeouts, create_database_engine, knowledge_revision
from app.graph import load_graph
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


def build(engine: Engine, directory: Path) -> Path:
    """The snapshot of the database's current revision: the one already in `directory`, or one
    read now in one consistent transaction and written there. One build at a time per directory:
    the workers that ask meanwhile wait, then find it built."""
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
            rows = _copy_knowledge(source, knowledge)
        # The database is free again (a SQLite writer waits for no reader): the rest reads the
        # copy.
        try:
            _derive(knowledge, partial)
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
        dbapi_connection.execute("PRAGMA journal_mode = OFF")
        dbapi_connection.execute("PRAGMA synchronous = OFF")

    return engine


def _copy_knowledge(source: Connection, path: Path) -> int:
    """Copy the knowledge tables, as they are in the source's transaction, into a new file."""
    target = _writer(path)
    copied = 0
    try:
        with target.begin() as connection:
            for metadata in (METADATA, _VERSIONS):
                metadata.create_all(connection)
            # Every knowledge table the models define (concept_redirect among them), parents
            # first, and the revision.
            for table in [*METADATA.sorted_tables, ALEMBIC_VERSION]:
                copied += _copy(source, connection, table)
    finally:
        target.dispose()
    return copied


def _derive(knowledge: Path, path: Path) -> None:
    """Write the snapshot at `path`: the search index and the served tables, from the copy of
    the knowledge at `knowledge`, attached: what reads the copy names no schema, and SQLite
    finds its tables there, as the snapshot holds none of those names."""
    target = _writer(path)
    event.listen(
        target,
        "connect",
        lambda dbapi_connection, _record: dbapi_connection.execute(
            "ATTACH DATABASE ? AS knowledge", (str(knowledge),)
        ),
    )
    try:
        with target.begin() as connection:
            SEARCH_METADATA.create_all(connection)
            for statement in SEARCH_INDEX:
                connection.exec_driver_sql(statement)
            rebuild_search_documents(connection)
            connection.exec_driver_sql("INSERT INTO search_index (search_index) VALUES ('rebuild')")
            served.write(connection, load_graph(connection))
    finally:
        target.dispose()


def _copy(source: Connection, target: Connection, table: Table) -> int:
    """Copy a table's rows as stored, a batch at a time: JSON stays text (decoding it and
    encoding it again would cost most of the copy), with no per-value processing."""
    columns = [cast(c, Text) if isinstance(c.type, JSON) else c for c in table.c]
    names = ", ".join(f'"{c.name}"' for c in table.c)
    into = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    result = source.execution_options(yield_per=BATCH).execute(select(*columns))
    copied = 0
    for rows in result.partitions():
        target.exec_driver_sql(into, [tuple(row) for row in rows])
        copied += len(rows)
    return copied


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


async def build_apart(settings: Settings) -> Path:
    """`build`, in a process of its own: the worker that asks keeps its memory (the build reads
    the whole graph) and its event loop's core to itself. Raises with the builder's last words
    if it fails."""
    builder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        __name__,
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
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await builder.communicate()
    finally:
        if builder.returncode is None:
            builder.kill()
            await builder.wait()
    if builder.returncode != 0:
        said = err.decode(errors="replace").strip().splitlines()
        raise SnapshotError(said[-1] if said else f"the builder exited with {builder.returncode}")
    return Path(out.decode().strip().splitlines()[-1])


class SnapshotError(RuntimeError):
    """A snapshot could not be built."""


def main() -> None:
    """Build the snapshot of the database's current revision (DATABASE_URL) in the snapshot
    directory (SNAPSHOT_DIR), unless it is built; print its path."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings()
    timeouts = Timeouts(settings.database_lock_timeout, settings.database_statement_timeout)
    engine = create_database_engine(settings.database_url, pooled=False, timeouts=timeouts)
    try:
        print(build(engine, settings.snapshot_directory))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
