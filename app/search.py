"""Search across every kind of item, ranked: a match in a name outweighs one in a quote."""

import operator
import re
from functools import reduce

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlmodel import Session, col, select

from app.catalog import RESOURCES, require_condition
from app.knowledge.terms import ItemKind
from app.models import SearchDocument
from app.schemas import Page, SearchHit

PATHS = {ItemKind.CONDITION: "/conditions", **{r.kind: r.path for r in RESOURCES}}
# How much a term found in each field adds to an item's score.
WEIGHTS = (
    (SearchDocument.name, 3.0),
    (SearchDocument.description, 2.0),
    (SearchDocument.quotes, 1.0),
)
MAX_TERMS = 10


def terms_of(q: str) -> list[str]:
    """The words of a query, as plain text: no operator or wildcard means anything."""
    return list(dict.fromkeys(re.findall(r"\w+", q.lower())))[:MAX_TERMS]


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
        # Punctuation alone is plain text too, and no item's words match it.
        return Page[SearchHit](items=[], total=0, limit=limit, offset=offset)
    clauses: list[ColumnElement[bool]] = []
    points: list[ColumnElement[float]] = []
    for term in terms:
        found = [func.lower(col(field)).contains(term, autoescape=True) for field, _ in WEIGHTS]
        clauses.append(or_(*found))
        points.extend(
            case((hit, weight), else_=0.0) for hit, (_, weight) in zip(found, WEIGHTS, strict=True)
        )
    score = reduce(operator.add, points)
    if kind is not None:
        clauses.append(col(SearchDocument.kind) == kind.value)
    if condition is not None:
        require_condition(session, condition)
        clauses.append(col(SearchDocument.condition_slug) == condition)
    criteria = and_(*clauses)
    total = session.exec(select(func.count()).select_from(SearchDocument).where(criteria)).one()
    ranked = score.label("score")
    rows = session.exec(
        select(SearchDocument, ranked)
        .where(criteria)
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
