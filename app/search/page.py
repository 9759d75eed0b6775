"""One page of search hits: the documents the snapshot's full-text index (FTS5) matches,
narrowed by kind or condition, counted, ranked, and only the page's documents read.

The statements are SQL as SQLite runs it, on the driver's own connection: built with SQLAlchemy
on every request, they cost more than running them."""

import json
from collections import defaultdict, namedtuple
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

from app.schemas import SearchPage
from app.search.hits import hit_of
from app.search.query import read_query
from app.search.ranking import (
    TIERS,
    Ranking,
    best_elsewhere,
    match_expression,
    ranking_of,
    scored_documents,
)
from app.search.vocabulary import load_vocabulary
from app.served import Shape

# "+column" keeps SQLite from walking a condition's documents by their index and testing each
# against the full-text index, which is far slower than filtering the matches.
IN_ROLE = "instr(+d.roles, ?) > 0"
IN_CONDITION = "+d.id IN (SELECT document_id FROM search_condition WHERE condition_slug = ?)"
DOCUMENTS_SQL = "SELECT * FROM search_document WHERE id IN (SELECT value FROM json_each(?))"
MEMBERSHIP_SQL = (
    "SELECT document_id, condition_slug FROM search_condition "
    "WHERE document_id IN (SELECT value FROM json_each(?)) ORDER BY condition_slug"
)


@lru_cache(maxsize=4)
def document_type(columns: tuple[str, ...]) -> Any:
    """Rows whose columns read as attributes, as a hit is made of them (app/search/hits.py):
    one type per set of columns, made once (making one costs more than a search's SQL)."""
    return namedtuple("document", columns)


def search(
    connection: Connection,
    shape: Shape,
    q: str,
    *,
    limit: int,
    offset: int,
    kind: str | None = None,
    condition: str | None = None,
) -> SearchPage:
    """One page of the items that hold the words of `q` (or most of them), best first."""
    if condition is not None:
        shape.require_condition(condition)
    query = read_query(q, shape.derived(load_vocabulary, connection))
    empty = SearchPage(
        items=[], total=0, limit=limit, offset=offset, did_you_mean=query.did_you_mean
    )
    if not query.terms:
        # Punctuation alone, or words no document holds nor resembles: plain text, no match.
        return empty
    ranking = ranking_of(query)
    kept: list[str] = []
    narrowing: list[Any] = []
    if kind is not None:
        kept.append(IN_ROLE)
        narrowing.append(f" {kind} ")
    if condition is not None:
        kept.append(IN_CONDITION)
        narrowing.append(condition)
    where = " AND ".join(kept)
    driver: Any = connection.connection.driver_connection
    counted = "SELECT count(*) FROM search_index"
    if where:
        counted += " JOIN search_document d ON d.id = search_index.rowid"
    counted += " WHERE search_index MATCH ?" + (f" AND {where}" if where else "")
    ((total,),) = driver.execute(
        counted, [match_expression(ranking.finder_stems), *narrowing]
    ).fetchall()
    if not total:
        return empty
    # Rank the matches, then read only the documents of the page.
    needed = offset + limit
    top: list[tuple[int, int]] | None = None
    if total > needed:
        # A page of a large answer: first rank only the documents that hold a finder in a
        # tier's classes, narrowest first. When the last of the ones the page needs outscores
        # whatever any other could score, they are exactly what ranking every match gives, at
        # a fraction of the cost.
        for tier in TIERS:
            top = _ranked(driver, ranking, where, narrowing, needed, tier)
            if len(top) >= needed and top[-1][1] > best_elsewhere(ranking, tier):
                break
            top = None
    if top is None:
        top = _ranked(driver, ranking, where, narrowing, needed)
    page = top[offset:]
    cursor = driver.execute(DOCUMENTS_SQL, [json.dumps([doc for doc, _score in page])])
    columns = tuple(column[0] for column in cursor.description)
    document = document_type((*columns, "score"))
    found = {row[columns.index("id")]: row for row in cursor.fetchall()}
    rows: list[Any] = [document(*found[doc], score) for doc, score in page]
    conditions: dict[int, list[str]] = defaultdict(list)
    for held, member in driver.execute(
        MEMBERSHIP_SQL, [json.dumps([row.id for row in rows])]
    ).fetchall():
        conditions[held].append(member)
    return SearchPage(
        items=[hit_of(row, ranking.scored, conditions[row.id], kind) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        did_you_mean=query.did_you_mean,
    )


def _ranked(
    driver: Any,
    ranking: Ranking,
    where: str,
    narrowing: list[Any],
    needed: int,
    among: tuple[str, ...] | None = None,
) -> list[tuple[int, int]]:
    """The ids and scores of the best `needed` documents, best first (ties in document order),
    among those holding a finder in one of the `among` classes if given."""
    ranked, parameters = scored_documents(ranking, where, among)
    rows: list[tuple[int, int]] = driver.execute(
        f"SELECT id, score FROM ({ranked}) ORDER BY score DESC, id LIMIT ?",
        [*parameters, *narrowing, needed],
    ).fetchall()
    return rows
