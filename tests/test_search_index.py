"""The search index: it follows the search documents, and searches read it rather than every
document (on every backend)."""

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, event, inspect, pool, text

from app.db import create_serving_engine
from app.graph import load_graph
from app.search import search
from tests.conftest import alembic_config


def schema_of(engine: Engine) -> dict[str, Any]:
    """Every table with its columns and indexes, and on SQLite every trigger."""
    inspector = inspect(engine)
    schema: dict[str, Any] = {
        table: (
            sorted(column["name"] for column in inspector.get_columns(table)),
            sorted(str(index["name"]) for index in inspector.get_indexes(table)),
        )
        for table in inspector.get_table_names()
    }
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            schema["triggers"] = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            ).all()
    return schema


@pytest.fixture
def writer(empty_database_url: str) -> Iterator[Engine]:
    """A database migrated to head, and an engine that may write to it."""
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = create_engine(empty_database_url, poolclass=pool.NullPool)
    yield engine
    engine.dispose()


def found(engine: Engine, q: str) -> list[str]:
    with engine.connect() as connection:
        hits = search(connection, load_graph(connection), q, limit=100, offset=0).items
        return [hit.slug for hit in hits]


NEW_DOCUMENT = {
    "id": 100_000,
    "kind": "treatments",
    "slug": "zymurgy",
    "name": "Zymurgy",
    "aliases": "brewing",
    "description": "Fermented calcium/phosphate at 3.5 doses",
    "details": "",
    "quotes": "",
}


class TestIndexFollowsDocuments:
    """A later data migration or bulk load only writes search_document rows."""

    def test_an_inserted_document_is_found(self, writer: Engine) -> None:
        with writer.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO search_document "
                    "(id, kind, slug, name, aliases, description, details, quotes) VALUES "
                    "(:id, :kind, :slug, :name, :aliases, :description, :details, :quotes)"
                ),
                NEW_DOCUMENT,
            )
        assert found(writer, "zymurgy") == ["zymurgy"]
        assert found(writer, "brewing") == ["zymurgy"]
        # Words are split at every mark that is not a letter or a digit, on every backend.
        assert "zymurgy" in found(writer, "phosphate")
        assert found(writer, "fermented 5") == ["zymurgy"]

    def test_an_updated_document_is_found_by_its_new_words(self, writer: Engine) -> None:
        with writer.begin() as connection:
            connection.execute(
                text("UPDATE search_document SET name = 'Zymurgy' WHERE slug = 'x-ray'")
            )
        assert found(writer, "zymurgy") == ["x-ray"]

    def test_a_deleted_document_is_not_found(self, writer: Engine) -> None:
        assert "chronic-kidney-failure" in found(writer, "kidney")
        with writer.begin() as connection:
            document = "SELECT id FROM search_document WHERE slug = 'chronic-kidney-failure'"
            connection.execute(
                text(f"DELETE FROM search_condition WHERE document_id IN ({document})")
            )
            connection.execute(
                text("DELETE FROM search_document WHERE slug = 'chronic-kidney-failure'")
            )
        assert "chronic-kidney-failure" not in found(writer, "kidney")
        assert found(writer, "kidney")


def statements_of_search(engine: Engine, q: str, **filters: Any) -> list[tuple[str, Any]]:
    """The SQL statements a search runs that read the index, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "MATCH" in statement or "@@" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as connection:
            search(connection, load_graph(connection), q, limit=10, offset=0, **filters)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


@pytest.mark.parametrize(
    "filters", [{}, {"condition": "calcinosis-cutis"}, {"kind": "risk-factors"}]
)
def test_search_reads_the_index_not_every_document(
    database_url: str, filters: dict[str, Any]
) -> None:
    engine = create_serving_engine(database_url)
    statements = statements_of_search(engine, "kidney failure", **filters)
    assert len(statements) == 2  # the count, then the page
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        for statement, parameters in statements:
            if engine.dialect.name == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
                # The matches lead; a filter never walks every document of a condition.
                assert "SCAN search_index VIRTUAL TABLE INDEX 0:M" in plan, plan
                assert "search_document" not in plan.replace(
                    "SEARCH search_document USING INTEGER PRIMARY KEY", ""
                ), plan
            elif not filters:
                # With a few dozen rows a scan is cheaper; the point is that the index can serve.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {statement}", parameters)
                plan = " / ".join(str(row[0]) for row in cursor.fetchall())
                assert "Bitmap Index Scan on ix_search_document_search_vector" in plan, plan
                assert "Seq Scan" not in plan, plan
    engine.dispose()
