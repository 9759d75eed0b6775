"""Search across every kind of item on the database's full-text index, best matches first.

Migration 0003 builds the index: an FTS5 table ranked by bm25 on SQLite, a tsvector column with a
GIN index ranked by ts_rank on PostgreSQL. Both read the same words (runs of letters and digits,
lower-cased) and match every term as a word prefix, so both find the same items; a term in a name
counts more than one in a description, which counts more than one in a quote.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    REAL,
    ColumnClause,
    ColumnElement,
    FromClause,
    Integer,
    cast,
    column,
    func,
    table,
)
from sqlalchemy import literal_column as sql_name
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

from app.catalog import RESOURCES, require_condition
from app.errors import InvalidParameter
from app.knowledge.terms import ItemKind
from app.models import SearchDocument
from app.schemas import Page, SearchHit

PATHS = {ItemKind.CONDITION: "/conditions", **{r.kind: r.path for r in RESOURCES}}
# How much a term found in the name, the description and the quotes weighs.
WEIGHTS = (3.0, 2.0, 1.0)
MAX_TERMS = 10

SEARCH_INDEX = table("search_index", column("rowid", Integer))


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
    """How one backend finds and ranks the documents that hold every term."""

    source: FromClause
    found: ColumnElement[bool]
    score: ColumnElement[float]


def _sqlite_match(terms: list[str]) -> Match:
    index: ColumnClause[Any] = sql_name("search_index")
    return Match(
        source=SEARCH_INDEX.join(SearchDocument, col(SearchDocument.id) == SEARCH_INDEX.c.rowid),
        found=index.match(fts5_query(terms)),
        # bm25 is lower for better matches.
        score=-func.bm25(index, *WEIGHTS),
    )


def _postgresql_match(terms: list[str]) -> Match:
    vector: ColumnClause[Any] = sql_name("search_document.search_vector")
    query = func.to_tsquery(sql_name("'simple'::regconfig"), tsquery(terms))
    # ts_rank takes the weights of labels D, C, B, A: quotes are C, descriptions B, names A.
    labels = cast(
        postgresql.array([0.0, *(w / WEIGHTS[0] for w in reversed(WEIGHTS))]),
        postgresql.ARRAY(REAL),
    )
    return Match(
        source=SearchDocument.__table__,  # type: ignore[attr-defined]
        found=vector.op("@@")(query),
        # Normalisation 1 divides by the log of the document's length, as bm25 favours short ones.
        score=func.ts_rank(labels, vector, query, 1),
    )


MATCHERS: dict[str, Callable[[list[str]], Match]] = {
    "sqlite": _sqlite_match,
    "postgresql": _postgresql_match,
}


def search(
    session: Session,
    q: str,
    *,
    limit: int,
    offset: int,
    kind: ItemKind | None = None,
    condition: str | None = None,
) -> Page[SearchHit]:
    terms = terms_of(q)
    if not terms:
        raise InvalidParameter("q", "must contain at least one letter or digit")
    match = MATCHERS[session.get_bind().dialect.name](terms)
    criteria = [match.found]
    if kind is not None:
        criteria.append(col(SearchDocument.kind) == kind.value)
    if condition is not None:
        require_condition(session, condition)
        criteria.append(col(SearchDocument.condition_slug) == condition)
    total = session.exec(select(func.count()).select_from(match.source).where(*criteria)).one()
    ranked = match.score.label("score")
    rows = session.exec(
        select(SearchDocument, ranked)
        .select_from(match.source)
        .where(*criteria)
        .order_by(ranked.desc(), col(SearchDocument.kind), col(SearchDocument.slug))
        .limit(limit)
        .offset(offset)
    ).all()
    return Page[SearchHit](
        items=[
            SearchHit(
                kind=ItemKind(doc.kind),
                slug=doc.slug,
                name=doc.name,
                description=doc.description,
                condition=doc.condition_slug,
                path=f"{PATHS[ItemKind(doc.kind)]}/{doc.slug}",
                score=float(hit_score),
            )
            for doc, hit_score in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
