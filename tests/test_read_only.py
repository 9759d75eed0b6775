"""The serving path cannot write: the engine refuses, and the database stays as it was."""

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, make_url, select, text
from sqlalchemy.exc import DBAPIError

from app.db import create_database_engine, migrate
from app.knowledge import Knowledge

WRITES = [
    "CREATE TABLE intruder (id INTEGER)",
    "UPDATE source SET title = 'changed'",
    "DELETE FROM statement",
    "DROP TABLE evidence",
    "INSERT INTO alembic_version (version_num) VALUES ('intruder')",
]


def fingerprint(database_url: str) -> dict[str, Any]:
    """Every row of every table, and for SQLite the file's bytes: what "unchanged" means."""
    engine = create_database_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            state: dict[str, Any] = {
                name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
                for name, table in metadata.tables.items()
            }
    finally:
        engine.dispose()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        file_bytes = Path(str(url.database)).read_bytes()
        state["sqlite file sha256"] = hashlib.sha256(file_bytes).hexdigest()
    return state


@pytest.fixture
def serving_engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("statement", WRITES)
def test_a_write_through_the_serving_engine_fails(
    database_url: str, serving_engine: Engine, statement: str
) -> None:
    before = fingerprint(database_url)
    with serving_engine.connect() as connection, pytest.raises(DBAPIError):
        connection.execute(text(statement))
    assert fingerprint(database_url) == before


def test_the_serving_engine_still_reads(serving_engine: Engine, knowledge: Knowledge) -> None:
    with serving_engine.connect() as connection:
        statements = connection.scalar(text("SELECT count(*) FROM statement"))
    assert statements == sum(len(seed.data.statements) for seed in knowledge.seeds)


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file of its own, whatever backend the other tests run on."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'knowledge.db'}"
    migrate(url)
    return url


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = create_database_engine(sqlite_url)
    yield engine
    engine.dispose()


class TestSQLite:
    """SQLite is opened with mode=ro and PRAGMA query_only: each refuses writes on its own."""

    def test_connections_are_query_only(self, engine: Engine) -> None:
        with engine.connect() as connection:
            assert connection.scalar(text("PRAGMA query_only")) == 1

    def test_the_file_is_opened_read_only_even_without_query_only(
        self, sqlite_url: str, engine: Engine
    ) -> None:
        before = fingerprint(sqlite_url)
        with engine.connect() as connection:
            connection.execute(text("PRAGMA query_only = OFF"))
            with pytest.raises(DBAPIError, match="readonly database"):
                connection.execute(text("UPDATE source SET title = 'changed'"))
        assert fingerprint(sqlite_url) == before

    def test_a_missing_file_is_not_created(self, tmp_path: Path) -> None:
        path = tmp_path / "missing.db"
        engine = create_database_engine(f"sqlite:///{path}")
        with pytest.raises(DBAPIError), engine.connect():
            pass
        engine.dispose()
        assert not path.exists()

    def test_writes_are_refused_byte_for_byte(self, sqlite_url: str, engine: Engine) -> None:
        path = Path(str(make_url(sqlite_url).database))
        before = path.read_bytes()
        for statement in WRITES:
            with engine.connect() as connection, pytest.raises(DBAPIError):
                connection.execute(text(statement))
        assert path.read_bytes() == before
        # The file is still a sound database with every row in place.
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
