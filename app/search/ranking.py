"""How the documents a query finds are ranked: which of its terms find documents, which count,
and each document's score, summed in SQL from the full-text index's list of where its stems are.

A document's score is the sum, over the terms it holds, of the term's weight times the weight
of the best class it holds the term in (an exact stem counting twice as much as a prefix's):
integers, so that every backend ranks alike.
"""

from dataclasses import dataclass
from typing import Any

from app.search.query import Query, Term, counted

# How much a stem weighs in each class: names and aliases, descriptions, kinds, details, quotes.
CLASS_WEIGHTS = {
    "name_terms": 8,
    "description_terms": 4,
    "kind_terms": 4,
    "detail_terms": 2,
    "quote_terms": 1,
}
# Where the first page of a large answer is looked for, narrowest first (app/search/page.py): the
# documents holding a finder in a name or alias, then in any of the classes that weigh most (a
# name, a description, a kind). A document holding a finder in a tier's classes outranks, term
# for term, every document holding it only in the others.
NAMES = ("name_terms",)
HIGH_CLASSES = ("name_terms", "description_terms", "kind_terms")
TIERS = (NAMES, HIGH_CLASSES)
# The weight of the class a stem is held in, from FTS5's own list of the index's entries
# (search_index_instance: one row per stem, document and column).
PLACE = (
    "CASE i.col "
    + " ".join(f"WHEN '{name}' THEN {weight}" for name, weight in CLASS_WEIGHTS.items())
    + " ELSE 0 END"
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
    ranking: Ranking, kept: str, among: tuple[str, ...] | None = None
) -> tuple[str, list[Any]]:
    """SQL of the id and score of each document a finder matches, among those the condition
    `kept` keeps (SQL on the document, `d`; empty for all) and, with `among`, those holding a
    finder in one of those classes; and its parameters before those of `kept`. Written as SQL,
    not built with SQLAlchemy: building it cost more than running it."""
    if among == NAMES:
        return _scored_by_columns(ranking, kept)
    finders = set(map(id, ranking.finders))
    terms = [
        (stem, number, term.weight * factor, int(id(term) in finders))
        for number, term in enumerate(ranking.scored)
        for stem, factor in term.stems.items()
    ]
    # The index's own list of where each stem is (document, column) gives the best place of
    # each term without reading the documents.
    sql = (
        "WITH query_term(stem, term, value, finder) AS (VALUES "
        + ", ".join(["(?, ?, ?, ?)"] * len(terms))
        + "), best AS ("
        f"SELECT i.doc AS doc, max(q.value * {PLACE}) AS best, max(q.finder) AS finder "
        "FROM query_term q JOIN search_index_instance i ON i.term = q.stem "
        + (
            "WHERE i.doc IN (SELECT rowid FROM search_index WHERE search_index MATCH ?) "
            if among
            else ""
        )
        + "GROUP BY i.doc, q.term) "
        "SELECT b.doc AS id, sum(b.best) AS score FROM best b"
        + (f" JOIN search_document d ON d.id = b.doc WHERE {kept}" if kept else "")
        + " GROUP BY b.doc HAVING max(b.finder) = 1"
    )
    parameters = [value for row in terms for value in row]
    return sql, parameters + ([places(ranking.finder_stems, among)] if among else [])


def _scored_by_columns(ranking: Ranking, kept: str) -> tuple[str, list[Any]]:
    """The same scores, of the documents holding a finder in a name or alias only, read from
    the documents' own stem columns: they are few (hundreds where a word is in thousands of
    documents), and the index's list of where a stem is has an entry for every document that
    holds it, however many there are."""
    cases, parameters = [], []
    for term in ranking.scored:
        # A term's best place: the first of its stems and classes, by value, the document holds.
        best_first = sorted(
            (
                (term.weight * factor * weight, name, stem)
                for stem, factor in term.stems.items()
                for name, weight in CLASS_WEIGHTS.items()
            ),
            key=lambda place: -place[0],
        )
        cases.append(
            "CASE "
            + " ".join(f"WHEN instr(d.{name}, ?) THEN {value}" for value, name, _ in best_first)
            + " ELSE 0 END"
        )
        parameters += [f" {stem} " for _, _, stem in best_first]
    sql = (
        f"SELECT d.id AS id, {' + '.join(cases)} AS score FROM search_document d "
        "WHERE d.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)"
        + (f" AND {kept}" if kept else "")
    )
    return sql, [*parameters, places(ranking.finder_stems, NAMES)]


def places(stems: list[str], classes: tuple[str, ...]) -> str:
    """A full-text query for the documents that hold any of the stems in one of the classes."""
    return "{" + " ".join(classes) + "} : (" + match_expression(stems) + ")"


def match_expression(stems: list[str]) -> str:
    """What the full-text index holds any of the stems, as FTS5 reads a MATCH: each stem quoted,
    so that none is read as an FTS5 operator."""
    return " OR ".join('"' + s.replace('"', '""') + '"' for s in stems)


def best_elsewhere(ranking: Ranking, tier: tuple[str, ...]) -> int:
    """The highest score a document can have that holds none of the finders' stems in the
    tier's classes: each finder counted at its best stem in the best class outside the tier,
    each other term at its best stem in the best class of all."""
    finders = set(map(id, ranking.finders))
    top = max(CLASS_WEIGHTS.values())
    outside = max(weight for name, weight in CLASS_WEIGHTS.items() if name not in tier)
    return sum(
        term.weight * max(term.stems.values()) * (outside if id(term) in finders else top)
        for term in ranking.scored
    )
