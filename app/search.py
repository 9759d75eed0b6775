"""Search across every concept with a URL on the database's full-text index, best matches first.

Migration 0005 builds the index over the search documents (app/search_index.py): an FTS5 table
ranked by bm25 on SQLite, a weighted tsvector with a GIN index ranked by ts_rank on PostgreSQL.
Both read the same words (runs of letters and digits, lower-cased) and match every term as a
word prefix, so both find the same items; a term in a name or an alias counts more than one in
a description, which counts more than one in the details or a quote.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    REAL,
    ColumnClause,
    ColumnElement,
    Connection,
    FromClause,
    Integer,
    cast,
    column,
    func,
    select,
)
from sqlalchemy import literal_column as sql_name
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from app.graph import Graph
from app.models import SearchCondition, SearchDocument, table
from app.schemas import SearchHit, SearchPage
from app.search_index import CONDITION_KIND

# How much a term found in the name, the aliases, the description, the details and the quotes
# weighs.
WEIGHTS = (3.0, 3.0, 2.0, 1.0, 1.0)
MAX_TERMS = 10

DOCUMENTS = table(SearchDocument)
MEMBERSHIP = table(SearchCondition)
SEARCH_INDEX = sql_table("search_index", column("rowid", Integer))


def terms_of(q: str) -> list[str]:
    """The words of a query, as plain text: no operator or wildcard means anything."""
    # Letters and digits only: the words both indexes hold (an underscore separates words there).
    return list(dict.fromkeys(re.findall(r"[^\W_]+", q.lower())))[:MAX_TERMS]


def fts5_query(terms: list[str]) -> str:
    """An FTS5 query that requires every term as a word prefix; each is a quoted string."""
    return " ".join('"' + term.replace('"', '""') + '"*' for term in terms)


def tsquery(terms: list[str]) -> str:
    """A tsquery that requires every term as a word prefix; each is a quoted lexeme."""
    quoted = ("'" + term.replace("\\", "\\\\").replace("'", "''") + "'" for term in terms)
    return " & ".join(f"{lexeme}:*" for lexeme in quoted)


@dataclass(frozen=True)
class Match:
    """How one backend finds the documents that hold every term, and ranks them."""

    index: FromClause  # enough to find, count and rank the matches
    documents: FromClause  # the index with each match's document, to filter on
    id: ColumnElement[int]
    found: ColumnElement[bool]
    score: ColumnElement[float]
    filter_on: Callable[[ColumnElement[Any]], ColumnElement[Any]]


def _filter_after_matching(column: ColumnElement[Any]) -> ColumnElement[Any]:
    # "+column" keeps SQLite from walking a condition's documents by their index and testing
    # each against the full-text index, which is far slower than filtering the matches.
    return UnaryExpression(column, operator=custom_op("+"))


def _sqlite_match(terms: list[str]) -> Match:
    index: ColumnClause[Any] = sql_name("search_index")
    return Match(
        index=SEARCH_INDEX,
        documents=SEARCH_INDEX.join(DOCUMENTS, DOCUMENTS.c.id == SEARCH_INDEX.c.rowid),
        id=SEARCH_INDEX.c.rowid,
        found=index.match(fts5_query(terms)),
        # bm25 is lower for better matches.
        score=-func.bm25(index, *WEIGHTS),
        filter_on=_filter_after_matching,
    )


def _postgresql_match(terms: list[str]) -> Match:
    vector: ColumnClause[Any] = sql_name("search_document.search_vector")
    query = func.to_tsquery(sql_name("'simple'::regconfig"), tsquery(terms))
    # ts_rank takes the weights of labels D, C, B, A: quotes are D, details C, descriptions B,
    # names and aliases A.
    labels = cast(
        postgresql.array(
            [w / WEIGHTS[0] for w in (WEIGHTS[4], WEIGHTS[3], WEIGHTS[2], WEIGHTS[0])]
        ),
        postgresql.ARRAY(REAL),
    )
    return Match(
        index=DOCUMENTS,
        documents=DOCUMENTS,
        id=DOCUMENTS.c.id,
        found=vector.op("@@")(query),
        # Normalisation 1 divides by the log of the document's length, as bm25 favours short ones.
        score=func.ts_rank(labels, vector, query, 1),
        # The planner weighs the GIN index against the condition's index on statistics.
        filter_on=lambda column: column,
    )


MATCHERS: dict[str, Callable[[list[str]], Match]] = {
    "sqlite": _sqlite_match,
    "postgresql": _postgresql_match,
}


def search(
    connection: Connection,
    graph: Graph,
    q: str,
    *,
    limit: int,
    offset: int,
    kind: str | None = None,
    condition: str | None = None,
) -> SearchPage:
    """One page of the items that hold every word of `q`, best first; ties in document order."""
    if condition is not None:
        graph.require_condition(condition)
    terms = terms_of(q)
    if not terms:
        # Punctuation alone is plain text too, and no item's words match it.
        return SearchPage(items=[], total=0, limit=limit, offset=offset)
    match = MATCHERS[connection.dialect.name](terms)
    filters = []
    source = match.index
    if kind is not None:
        source = match.documents
        filters.append(match.filter_on(DOCUMENTS.c.kind) == kind)
    if condition is not None:
        source = match.documents
        members = select(MEMBERSHIP.c.document_id).where(MEMBERSHIP.c.condition_slug == condition)
        filters.append(match.filter_on(DOCUMENTS.c.id).in_(members))
    criteria = [match.found, *filters]
    total = connection.execute(
        select(func.count()).select_from(source).where(*criteria)
    ).scalar_one()
    # Rank the matches, then read only the documents of the page.
    score = match.score.label("score")
    hits = (
        select(match.id.label("id"), score)
        .select_from(source)
        .where(*criteria)
        .order_by(score.desc(), match.id)
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
        items=[
            SearchHit(
                kind=row.kind,
                slug=row.slug,
                name=row.name,
                description=row.description,
                conditions=conditions[row.id],
                path=f"/conditions/{row.slug}"
                if row.kind == CONDITION_KIND
                else f"/{row.kind}/{row.slug}",
                score=float(row.score),
            )
            for row in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
