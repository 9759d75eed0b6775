"""PostgreSQL serves what SQLite serves, and serves it read-only."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.catalog import RESOURCES
from app.config import Settings
from app.db import create_database_engine
from app.main import create_app
from tests.conftest import LiveServer

READ_ONLY_TRANSACTION = "25006"  # SQLSTATE read_only_sql_transaction


class TestServingEngineOnPostgresql:
    def test_a_write_fails(self, postgresql_url: str) -> None:
        engine = create_database_engine(postgresql_url)
        with engine.connect() as connection, pytest.raises(DBAPIError) as failure:
            connection.execute(text("DELETE FROM statement"))
        assert getattr(failure.value.orig, "sqlstate", None) == READ_ONLY_TRANSACTION
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM statement")).scalar()
        engine.dispose()

    def test_a_schema_change_fails(self, postgresql_url: str) -> None:
        engine = create_database_engine(postgresql_url)
        with engine.connect() as connection, pytest.raises(DBAPIError) as failure:
            connection.execute(text("CREATE TABLE intruder (id integer)"))
        assert getattr(failure.value.orig, "sqlstate", None) == READ_ONLY_TRANSACTION
        engine.dispose()


@pytest.fixture(scope="module")
def clients(sqlite_url: str, postgresql_url: str) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """One client per backend, each on its own server."""
    with (
        LiveServer(create_app(Settings(database_url=sqlite_url))) as on_sqlite,
        LiveServer(create_app(Settings(database_url=postgresql_url))) as on_postgresql,
        httpx.Client(base_url=on_sqlite.url, timeout=30) as sqlite_client,
        httpx.Client(base_url=on_postgresql.url, timeout=30) as postgresql_client,
    ):
        yield sqlite_client, postgresql_client


def both(clients: tuple[httpx.Client, httpx.Client], path: str, **params: Any) -> list[Any]:
    answers = []
    for client in clients:
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return answers


LISTS = ["/conditions", "/sources", *(resource.path for resource in RESOURCES)]


class TestSameAnswersOnBothBackends:
    @pytest.mark.parametrize("path", LISTS)
    def test_every_item(self, clients: tuple[httpx.Client, httpx.Client], path: str) -> None:
        on_sqlite, on_postgresql = both(clients, path, limit=100)
        assert on_sqlite["total"] > 0
        assert on_postgresql == on_sqlite
        for item in on_sqlite["items"]:
            detail_on_sqlite, detail_on_postgresql = both(clients, f"{path}/{item['slug']}")
            assert detail_on_postgresql == detail_on_sqlite

    @pytest.mark.parametrize("q", ["kidney", "calcium", "kidney failure", "lump", "65"])
    def test_search_finds_the_same_items(
        self, clients: tuple[httpx.Client, httpx.Client], q: str
    ) -> None:
        on_sqlite, on_postgresql = both(clients, "/search", q=q, limit=100)
        assert on_sqlite["total"] > 0
        # Both search their snapshot, a SQLite file whatever the database: the same hits, in
        # the same order, with the same scores.
        assert on_postgresql == on_sqlite

    def test_search_ranks_the_best_match_first(
        self, clients: tuple[httpx.Client, httpx.Client]
    ) -> None:
        on_sqlite, on_postgresql = both(clients, "/search", q="kidney")
        assert on_postgresql["items"][0]["slug"] == on_sqlite["items"][0]["slug"]
