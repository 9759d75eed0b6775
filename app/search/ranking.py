"""How the documents a query finds are ranked: which of its terms find documents, which count,
and each document's score, summed in SQL from the full-text index's list of where its stems are.

A document's score is the sum, over the terms it holds, of the term's weight times the weight
of the best class it holds the term in (an exact stem counting twice as much as a prefix's):
integers, so that every backend ranks alike.
"""

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    case,
    column,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy import table as sql_table

from app.search.query import Query, Term, counted
from app.search_index import SEARCH_DOCUMENT as DOCUMENTS

# How much a stem weighs in each class: names and aliases, descriptions, kinds, details, quotes.
CLASS_WEIGHTS = {
    "name_terms": 8,
    "description_terms": 4,
    "kind_terms": 4,
    "detail_terms": 2,
    "quote_terms": 1,
}
# FTS5's own list of the index's entries: one row per stem, document and column.
INSTANCES = sql_table(
    "search_index_instance", column("term", String), column("doc", Integer), column("col", String)
)


@dataclass(frozen=True)
class Ranking:
    """A query's terms as a backend ranks them: those that find documents, those that count."""

    finders: list[Term]
    scored: list[Term]

    @property
    def finder_stems(self) -> list[str]:
        return list(dict.fromkeys(s for term in self.finders for s in term.stems))


def ranking_of(query: Query) -> Ranking:
    """Rare words find; when every word is common, every word but the small ones does. Small
    words count only in a query of nothing else: they say little, and are everywhere."""
    scored = counted(query.terms)
    finders = [term for term in query.terms if not term.common] or scored
    return Ranking(finders, scored)


def scored_documents(
    ranking: Ranking, filters: list[ColumnElement[bool]]
) -> Select[tuple[int, int]]:
    """The id and score of each document a finder matches, among those the filters keep."""
    # The index's own list of where each stem is (document, column) gives the best place of
    # each term without reading the documents.
    finders = set(map(id, ranking.finders))
    # A SELECT of bound values per row, not a VALUES list: SQLAlchemy caches the compiled form
    # of a statement of this shape, which it cannot do for VALUES (compiling it again cost more
    # than the search itself).
    rows = [
        select(
            literal(stem, String).label("stem"),
            literal(number, Integer).label("term"),
            literal(term.weight * factor, Integer).label("value"),
            literal(int(id(term) in finders), Integer).label("finder"),
        )
        for number, term in enumerate(ranking.scored)
        for stem, factor in term.stems.items()
    ]
    terms = union_all(*rows).cte("query_term") if len(rows) > 1 else rows[0].cte("query_term")
    place = case(CLASS_WEIGHTS, value=INSTANCES.c.col, else_=0)
    best = (
        select(
            INSTANCES.c.doc,
            func.max(terms.c.value * place).label("best"),
            func.max(terms.c.finder).label("finder"),
        )
        .select_from(terms)
        .join(INSTANCES, INSTANCES.c.term == terms.c.stem)
        .group_by(INSTANCES.c.doc, terms.c.term)
        .subquery("best")
    )
    ranked = (
        select(best.c.doc.label("id"), func.sum(best.c.best).label("score"))
        .group_by(best.c.doc)
        .having(func.max(best.c.finder) == 1)
    )
    if filters:
        ranked = ranked.join(DOCUMENTS, DOCUMENTS.c.id == best.c.doc).where(*filters)
    return ranked
