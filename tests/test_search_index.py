"""The search index and vocabulary: they follow the search documents, and searches read the index
rather than every document (on every backend)."""

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import snowballstemmer  # type: ignore[import-untyped]
from alembic import command
from sqlalchemy import Engine, create_engine, event, insert, inspect, pool, select, text, update

from app.db import create_serving_engine
from app.graph import load_graph
from app.models import SearchDocument, table
from app.search import BACKENDS, load_vocabulary, search
from app.search_index import (
    FIELDS,
    TERM_COLUMNS,
    indexed,
    rebuild_search_documents,
    stem,
    words_of,
)
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


def indexed_ids(engine: Engine, *words: str) -> list[int]:
    """The documents the full-text index finds for any of the words' stems."""
    backend = BACKENDS[engine.dialect.name]
    with engine.connect() as connection:
        ids = connection.execute(
            select(backend.id)
            .select_from(backend.index)
            .where(backend.found([stem(word) for word in words]))
        )
        return sorted(ids.scalars())


NEW_DOCUMENT = {
    "id": 100_000,
    "kind": "treatments",
    "slug": "zymurgy",
    "name": "Zymurgy",
    "aliases": "brewing",
    "description": "Fermented calcium/phosphate at 3.5 doses",
    "kinds": "treatments",
    "details": "",
    "quotes": "",
}


class TestIndexFollowsDocuments:
    """The index holds what the documents' stem columns hold, however they are written."""

    def test_an_inserted_document_is_found(self, writer: Engine) -> None:
        with writer.begin() as connection:
            connection.execute(insert(table(SearchDocument)), indexed(NEW_DOCUMENT))
        assert indexed_ids(writer, "zymurgy") == [NEW_DOCUMENT["id"]]
        assert indexed_ids(writer, "brewed") == [NEW_DOCUMENT["id"]]
        # Words are split at every mark that is not a letter or a digit, on every backend.
        assert NEW_DOCUMENT["id"] in indexed_ids(writer, "phosphate")
        assert indexed_ids(writer, "fermenting", "5") == [NEW_DOCUMENT["id"]]

    def test_an_updated_document_is_found_by_its_new_words(self, writer: Engine) -> None:
        with writer.begin() as connection:
            row = connection.execute(
                select(table(SearchDocument)).where(table(SearchDocument).c.slug == "x-ray")
            ).one()
            changed = indexed(row._asdict() | {"name": "Zymurgy"})
            connection.execute(
                update(table(SearchDocument))
                .where(table(SearchDocument).c.id == row.id)
                .values({k: v for k, v in changed.items() if k != "id"})
            )
        assert indexed_ids(writer, "zymurgy") == [row.id]

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


class TestVocabulary:
    def test_it_holds_every_word_of_the_documents_with_its_stem(self, writer: Engine) -> None:
        with writer.connect() as connection:
            vocabulary = load_vocabulary(connection)
            documents = connection.execute(select(table(SearchDocument))).all()
        words = {w for row in documents for field in FIELDS for w in words_of(getattr(row, field))}
        assert set(vocabulary.words) == words
        assert all(vocabulary.stems[word] == stem(word) for word in words)
        for word in ("kidney", "calcium"):
            holding = [row for row in documents if f" {stem(word)} " in terms_of(row)]
            assert vocabulary.documents[stem(word)] == len(holding)
        assert vocabulary.total == len(documents)

    def test_a_rebuild_follows_the_knowledge(self, writer: Engine) -> None:
        with writer.begin() as connection:
            before = load_vocabulary(connection)
            count = rebuild_search_documents(connection)
            after = load_vocabulary(connection)
        assert count == before.total == after.total
        assert after.words == before.words

    def test_a_typo_is_corrected_to_the_nearest_known_word(self, writer: Engine) -> None:
        with writer.connect() as connection:
            vocabulary = load_vocabulary(connection)
        assert vocabulary.correct("calcinossis") == "calcinosis"
        assert vocabulary.correct("gangreen") == "gangrene"
        assert vocabulary.correct("qwzxv") is None


def terms_of(row: Any) -> str:
    return "".join(getattr(row, column) for column in TERM_COLUMNS)


def statements_of_search(engine: Engine, q: str, **filters: Any) -> list[tuple[str, Any]]:
    """The SQL statements a search runs that read the index, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "MATCH" in statement or "@@" in statement or "search_index_instance" in statement:
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
                # The matches lead: the index's entries for the query's stems only (index 1:
                # its term equals one of them); a filter never walks a condition's documents.
                if "search_index_instance" in statement:
                    assert "VIRTUAL TABLE INDEX 1:" in plan, plan
                else:
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


STEMMER = snowballstemmer.stemmer("english")


def test_words_are_stemmed_alike_in_concurrent_searches() -> None:
    # Searches run in worker threads: a stemmer shared between them would mix up their words.
    roots = ("calcif", "treat", "prevent", "diagnos")
    endings = ("ing", "ed", "ication", "ions", "ies", "s", "ation", "ly", "ness", "ment")
    words = [root + ending for root in roots for ending in endings]
    expected = {word: STEMMER.stemWord(word) for word in words}
    # Switching threads every microsecond makes them meet inside a stemmer, as load does.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(20):
                stem.cache_clear()
                found = dict(zip(words, pool.map(stem, words), strict=True))
                assert found == expected
    finally:
        sys.setswitchinterval(interval)
        stem.cache_clear()
