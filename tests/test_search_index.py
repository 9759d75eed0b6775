"""The search index and vocabulary, built in each knowledge snapshot: they follow the knowledge
the snapshot copied, read the same whatever backend it came from, and searches read the index
rather than every document."""

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import snowballstemmer  # type: ignore[import-untyped]
from sqlalchemy import Engine, create_engine, pool, select, text

from app.knowledge import Knowledge
from app.search import search
from app.search.ranking import match_expression
from app.search.vocabulary import load_vocabulary
from app.search_index import (
    FIELDS,
    SEARCH_DOCUMENT,
    TERM_COLUMNS,
    stem,
    words_of,
)
from app.served import read_shape
from tests.conftest import corpus_database, snapshot_of


@pytest.fixture
def writer(empty_database_url: str, knowledge: Knowledge) -> Iterator[Engine]:
    """A database at head holding the test corpus, and an engine that may write to it."""
    corpus_database(empty_database_url, knowledge)
    engine = create_engine(empty_database_url, poolclass=pool.NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def snapshot(writer: Engine, tmp_path: Path) -> Iterator[Engine]:
    engine = snapshot_of(writer.url.render_as_string(hide_password=False), tmp_path / "before")
    yield engine
    engine.dispose()


def found(engine: Engine, q: str) -> list[str]:
    with engine.connect() as connection:
        hits = search(connection, read_shape(connection), q, limit=100, offset=0).items
        return [hit.slug for hit in hits]


MATCHING = text("SELECT rowid FROM search_index WHERE search_index MATCH :stems")


def indexed_ids(engine: Engine, *words: str) -> list[int]:
    """The documents the full-text index finds for any of the words' stems."""
    with engine.connect() as connection:
        stems = match_expression([stem(word) for word in words])
        return sorted(connection.execute(MATCHING, {"stems": stems}).scalars())


class TestIndexFollowsKnowledge:
    """A snapshot's index holds what its documents hold, and they what the knowledge says."""

    def test_every_document_is_found_by_each_of_its_stems(self, snapshot: Engine) -> None:
        with snapshot.connect() as connection:
            documents = connection.execute(select(SEARCH_DOCUMENT)).all()
        assert documents
        for row in documents:
            for stemmed in terms_of(row).split():
                with snapshot.connect() as connection:
                    matching = {"stems": match_expression([stemmed])}
                    ids = connection.execute(MATCHING, matching).scalars()
                    assert row.id in set(ids), (row.slug, stemmed)

    def test_a_renamed_concept_is_found_by_its_new_name(
        self, writer: Engine, snapshot: Engine, tmp_path: Path
    ) -> None:
        assert found(snapshot, "zymurgy") == []
        with writer.begin() as connection:
            connection.execute(
                text("UPDATE concept SET name = 'Zymurgy/brewing' WHERE slug = 'x-ray'")
            )
        url = writer.url.render_as_string(hide_password=False)
        after = snapshot_of(url, tmp_path / "after")
        assert found(after, "zymurgy") == ["x-ray"]
        # Words are split at every mark that is not a letter or a digit.
        assert found(after, "brewing") == ["x-ray"]
        after.dispose()

    def test_a_concept_no_statement_names_is_not_found(
        self, writer: Engine, snapshot: Engine, tmp_path: Path
    ) -> None:
        assert "chronic-kidney-failure" in found(snapshot, "kidney")
        named = "SELECT id FROM statement WHERE object_slug = 'chronic-kidney-failure'"
        with writer.begin() as connection:
            connection.execute(text(f"DELETE FROM evidence WHERE claim IN ({named})"))
            connection.execute(
                text("DELETE FROM statement WHERE object_slug = 'chronic-kidney-failure'")
            )
        after = snapshot_of(writer.url.render_as_string(hide_password=False), tmp_path / "after")
        assert "chronic-kidney-failure" not in found(after, "kidney")
        assert found(after, "kidney")
        after.dispose()


class TestVocabulary:
    def test_it_holds_every_word_of_the_documents_with_its_stem(self, snapshot: Engine) -> None:
        with snapshot.connect() as connection:
            vocabulary = load_vocabulary(connection)
            documents = connection.execute(select(SEARCH_DOCUMENT)).all()
        words = {w for row in documents for field in FIELDS for w in words_of(getattr(row, field))}
        assert set(vocabulary.words) == words
        assert all(vocabulary.stems[word] == stem(word) for word in words)
        for word in ("kidney", "calcium"):
            holding = [row for row in documents if f" {stem(word)} " in terms_of(row)]
            assert vocabulary.documents[stem(word)] == len(holding)
        assert vocabulary.total == len(documents)

    def test_another_snapshot_of_the_same_knowledge_holds_the_same_index(
        self, writer: Engine, snapshot: Engine, tmp_path: Path
    ) -> None:
        again = snapshot_of(writer.url.render_as_string(hide_password=False), tmp_path / "again")
        with snapshot.connect() as first, again.connect() as second:
            assert load_vocabulary(first).words == load_vocabulary(second).words
            documents = select(SEARCH_DOCUMENT).order_by(SEARCH_DOCUMENT.c.id)
            assert first.execute(documents).all() == second.execute(documents).all()
        again.dispose()

    def test_a_typo_is_corrected_to_the_nearest_known_word(self, snapshot: Engine) -> None:
        with snapshot.connect() as connection:
            vocabulary = load_vocabulary(connection)
        assert vocabulary.correct("calcinossis") == "calcinosis"
        assert vocabulary.correct("gangreen") == "gangrene"
        assert vocabulary.correct("qwzxv") is None


def terms_of(row: Any) -> str:
    return "".join(getattr(row, column) for column in TERM_COLUMNS)


def statements_of_search(engine: Engine, q: str, **filters: Any) -> list[str]:
    """The SQL statements a search runs that read the index, as SQLite ran them."""
    statements: list[str] = []

    def record(statement: str) -> None:
        # "--" starts the statements FTS5 runs inside its own tables, not the search's.
        if statement.startswith("--"):
            return
        if "MATCH" in statement or "search_index_instance" in statement:
            statements.append(statement)

    with engine.connect() as connection:
        driver: Any = connection.connection.driver_connection
        driver.set_trace_callback(record)
        try:
            search(connection, read_shape(connection), q, limit=10, offset=0, **filters)
        finally:
            driver.set_trace_callback(None)
    return statements


@pytest.mark.parametrize(
    "filters", [{}, {"condition": "calcinosis-cutis"}, {"kind": "risk-factors"}]
)
def test_search_reads_the_index_not_every_document(
    served_snapshot: Engine, filters: dict[str, Any]
) -> None:
    statements = statements_of_search(served_snapshot, "kidney failure", **filters)
    # The count, then the page: when the answer is larger than the page, ranked among the
    # documents holding a word in a name first, then in a high class, and among all when that
    # could differ.
    count, *rankings = statements
    assert count.startswith("SELECT count(*)"), count
    assert 1 <= len(rankings) <= 3, rankings
    # Only the first, among the documents naming a word, reads their columns; the others read
    # the index's entries.
    assert all("search_index_instance" in ranking for ranking in rankings[1:]), rankings
    with served_snapshot.connect() as connection:
        cursor = connection.connection.cursor()
        for statement in statements:
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}")
            plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
            # The matches lead: the index's entries for the query's stems only (index 1: its
            # term equals one of them), or the documents the full-text query matches (index
            # 0:M); a document is read by its key, and a filter never walks a condition's
            # documents.
            if "search_index_instance" in statement:
                assert "VIRTUAL TABLE INDEX 1:" in plan, plan
            else:
                assert "SCAN search_index VIRTUAL TABLE INDEX 0:M" in plan, plan
            assert "SCAN d" not in plan, plan
            assert "SCAN search_document" not in plan, plan
            assert "search_condition" not in plan.replace(
                "SEARCH search_condition USING INDEX ix_search_condition_condition_slug", ""
            ), plan


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
