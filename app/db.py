"""The knowledge database: an engine that reads it without ever writing or waiting long,
whatever the backend, and the Alembic migrations that build it."""

import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError

from app.config import ROOT

logger = logging.getLogger(__name__)

# How long to wait for PostgreSQL to accept a connection, in seconds (libpq counts whole
# seconds, at least 2): an unreachable server is a quick failure, not a read that hangs.
CONNECT_TIMEOUT_SECONDS = 2
# Rows `write_rows` hands the driver at a time: bounded memory at any size.
WRITE_BATCH = 5000


@dataclass(frozen=True)
class Timeouts:
    """Seconds a read of the database waits for a lock (a migration's DDL), and runs at most."""

    lock: float = 1.0
    statement: float = 30.0


def create_database_engine(
    database_url: str, *, pooled: bool = True, timeouts: Timeouts = Timeouts()
) -> Engine:
    """An engine on the knowledge database that cannot write, and never waits long: a lock
    held longer than the lock timeout or a statement running longer than the statement timeout
    fails instead. Only the watch for new revisions, the snapshots' builder and readiness read
    it.

    Unpooled, every connection is new: it sees the database as a server just started would.
    """
    url = make_url(database_url)
    pooling: dict[str, Any] = {} if pooled else {"poolclass": pool.NullPool}
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        # mode=ro makes SQLite refuse writes and never create a missing file;
        # query_only also refuses them on a connection that got past that.
        engine = create_engine(
            # A URI filename: characters such as ? # % in the path must be percent-encoded.
            f"sqlite:///file:{quote(path)}?mode=ro&uri=true",
            # SQLite's busy timeout: how long to wait for a writer's lock.
            connect_args={"check_same_thread": False, "timeout": timeouts.lock},
            **pooling,
        )

        @event.listens_for(engine, "connect")
        def _query_only(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA query_only = ON")

        if path and path != ":memory:":
            _follow_the_file(engine, path)
        return engine
    # PostgreSQL: every transaction is read-only, so a write fails even if the role may write.
    if pooled:
        pooling = {"pool_size": 2, "max_overflow": 2, "pool_timeout": 5, "pool_pre_ping": True}
    options = " ".join(
        [
            "-c default_transaction_read_only=on",
            f"-c lock_timeout={round(timeouts.lock * 1000)}",
            f"-c statement_timeout={round(timeouts.statement * 1000)}",
        ]
    )
    return create_engine(
        url,
        connect_args={"options": options, "connect_timeout": CONNECT_TIMEOUT_SECONDS},
        **pooling,
    )


def _follow_the_file(engine: Engine, path: str) -> None:
    """Give up a pooled SQLite connection once its file was replaced or removed.

    An open connection keeps reading the file it opened, even after a deploy moved a new file
    to its path or removed it; a new connection opens whatever is at the path now, or fails.
    """

    def identity() -> tuple[int, int]:
        status = os.stat(path)
        return status.st_dev, status.st_ino

    @event.listens_for(engine, "do_connect")
    def _remember_the_file(_dialect: Any, record: Any, _args: Any, _params: Any) -> None:
        # Read before opening: if the file changes in between, the next checkout notices.
        try:
            record.info["file"] = identity()
        except OSError:
            record.info.pop("file", None)  # the connection will fail to open, and say why

    @event.listens_for(engine, "checkout")
    def _check_the_file(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        try:
            current = identity()
        except OSError:
            current = None
        if current is None or current != record.info.get("file"):
            raise DisconnectionError("the database file was replaced or removed")


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for one read, given back when it ends.

    A connection the database dropped by then is discarded, not an error: the rollback that
    ends the read fails, yet what was read is whole and right.
    """
    connection = engine.connect()
    try:
        yield connection
    finally:
        try:
            connection.close()
        except DBAPIError as error:
            logger.warning("A connection was lost after reading: %s", str(error).splitlines()[0])
            # SQLAlchemy has closed and discarded a connection it saw disconnected.
            if not connection.closed:
                connection.invalidate()


def database_revisions(connection: Connection) -> frozenset[str]:
    """The migration revisions the database is at: every knowledge change is a migration."""
    return frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))


def knowledge_revision(connection: Connection) -> str:
    """The knowledge revision, as served: the database's migration revision(s)."""
    return ",".join(sorted(database_revisions(connection)))


def alembic_config(database_url: str | None = None) -> Config:
    """The project's Alembic configuration, on `database_url` when given."""
    config = Config(str(ROOT / "alembic.ini"))
    if database_url is not None:
        # The ini interpolates %: a URL-encoded password must keep its percent signs.
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migration_script() -> ScriptDirectory:
    """The migrations: their revisions, heads and modules."""
    return ScriptDirectory.from_config(alembic_config())


def migrate(database_url: str, revision: str = "head") -> str:
    """Build the database at `database_url` with the real migrations; return the URL."""
    command.upgrade(alembic_config(database_url), revision)
    return database_url


def write_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert `rows` (values in the order of `columns`, as the driver takes them: JSON already
    text) into `table` through the driver, a batch at a time; return how many. What builds a
    database or a snapshot writes millions of rows, and SQLAlchemy's processing of each row's
    parameters would cost more than writing it."""
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(f'"{name}"' for name in columns)
    into = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join([marker] * len(columns))})'
    written = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, WRITE_BATCH)):
        connection.exec_driver_sql(into, batch)
        written += len(batch)
    return written


def insert_rows(connection: Connection, table: Table, rows: Iterable[Mapping[str, Any]]) -> int:
    """`write_rows` for rows keyed by column name, each holding every column of `table`."""
    names = [column.name for column in table.c]
    return write_rows(connection, table.name, names, (tuple(r[n] for n in names) for r in rows))


def reason(error: Exception) -> str:
    """An error in one line an operator can read."""
    if isinstance(error, DBAPIError):
        return str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return f"{type(error).__name__}: {error}"
