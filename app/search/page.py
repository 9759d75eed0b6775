"""One page of search hits: the documents the snapshot's full-text index (FTS5) matches,
narrowed by kind or condition, counted, ranked, and only the page's documents read."""

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnClause, ColumnElement, Connection, Integer, column, func, select
from sqlalchemy import literal_column as sql_name
from sqlalchemy import table as sql_table
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from app.schemas import SearchPage
from app.search.hits import hit_of
from app.search.query import read_query
from app.search.ranking import ranking_of, scored_documents
from app.search.vocabulary import load_vocabulary
from app.search_index import SEARCH_CONDITION as MEMBERSHIP
from app.search_index import SEARCH_DOCUMENT as DOCUMENTS
from app.served import Shape

SEARCH_INDEX = sql_table("search_index", column("rowid", Integer))
INDEXED_DOCUMENTS = SEARCH_INDEX.join(DOCUMENTS, DOCUMENTS.c.id == SEARCH_INDEX.c.rowid)


def _found(stems: list[str]) -> ColumnElement[bool]:
    """What the full-text index holds any of the stems; each is quoted, so that none is read
    as an FTS5 operator."""
    index: ColumnClause[Any] = sql_name("search_index")
    return index.match(" OR ".join('"' + s.replace('"', '""') + '"' for s in stems))


def _filtered_after_matching(column: ColumnElement[Any]) -> ColumnElement[Any]:
    # "+column" keeps SQLite from walking a condition's documents by their index and testing
    # each against the full-text index, which is far slower than filtering the matches.
    return UnaryExpression(column, operator=custom_op("+"))


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
    filters: list[ColumnElement[bool]] = []
    counted = SEARCH_INDEX if kind is None and condition is None else INDEXED_DOCUMENTS
    if kind is not None:
        filters.append(_filtered_after_matching(DOCUMENTS.c.roles).contains(f" {kind} "))
    if condition is not None:
        members = select(MEMBERSHIP.c.document_id).where(MEMBERSHIP.c.condition_slug == condition)
        filters.append(_filtered_after_matching(DOCUMENTS.c.id).in_(members))
    total = connection.execute(
        select(func.count()).select_from(counted).where(_found(ranking.finder_stems), *filters)
    ).scalar_one()
    if not total:
        return empty
    # Rank the matches, then read only the documents of the page.
    ranked = scored_documents(ranking, filters).subquery("ranked")
    hits = (
        select(ranked)
        .order_by(ranked.c.score.desc(), ranked.c.id)
        .limit(limit)
        .offset(offset)
        .subquery("hit")
    )
    rows = connection.execute(
        select(DOCUMENTS, hits.c.score)
        .join(hits, DOCUMENTS.c.id == hits.c.id)
        .order_by(hits.c.score.desc(), hits.c.id)
    ).all()
    conditions: dict[int, list[str]] = defaultdict(list)
    for member in connection.execute(
        select(MEMBERSHIP)
        .where(MEMBERSHIP.c.document_id.in_([row.id for row in rows]))
        .order_by(MEMBERSHIP.c.condition_slug)
    ):
        conditions[member.document_id].append(member.condition_slug)
    return SearchPage(
        items=[hit_of(row, ranking.scored, conditions[row.id], kind) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        did_you_mean=query.did_you_mean,
    )
