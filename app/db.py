"""The serving engine: opens the database read-only, whatever the backend."""

from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url


def create_serving_engine(database_url: str) -> Engine:
    """An engine that cannot write: the serving path only ever reads."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        # mode=ro makes SQLite refuse writes and never create a missing file;
        # query_only also refuses them on a connection that got past that.
        engine = create_engine(
            # A URI filename: characters such as ? # % in the path must be percent-encoded.
            f"sqlite:///file:{quote(url.database or '')}?mode=ro&uri=true",
            connect_args={"check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _query_only(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA query_only = ON")

        return engine
    # PostgreSQL: every transaction is read-only, so a write fails even if the role may write.
    # Each replica keeps at most ten connections, so that many replicas stay within the
    # server's max_connections (100 by default).
    return create_engine(
        url,
        pool_size=5,
        max_overflow=5,
        pool_timeout=10,
        pool_pre_ping=True,
        connect_args={"options": "-c default_transaction_read_only=on"},
    )


def database_revisions(connection: Connection) -> frozenset[str]:
    """The migration revisions the database is at: every knowledge change is a migration."""
    return frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))


def knowledge_revision(connection: Connection) -> str:
    """The knowledge revision, as served: the database's migration revision(s)."""
    return ",".join(sorted(database_revisions(connection)))
