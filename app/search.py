"""Search across every concept with a URL, best matches first, the same on every backend.

The search documents hold stems, by weight class (app/search_index.py): names and aliases, then
descriptions, kinds, details and quotes. A query is read the same way, word by word:

- each word stands for its stem and, as a word prefix, the stems of the vocabulary's words it
  begins (so "hyperparathyroid" still finds hyperparathyroidism);
- a word the vocabulary does not know is corrected to the nearest word it does (a misspelling,
  or another form of a word: "smokers" for smoking), and the answer says `did_you_mean`; a word
  whose nearest known word differs from it as another word does, rather than as a typo
  ("stones", near "bones"), is left as it is: it finds nothing, and the other words answer;
- a document holding any of the words is found, and ranked by the sum, over the words it holds,
  of the word's weight (rarer words weigh more: an inverse document frequency, from the
  vocabulary) times the weight of the best class it holds the word in; an exact stem counts
  twice as much as a prefix. Every number is an integer, so both backends rank alike; ties go
  by document order;
- words that most of a large library holds only re-rank what the other words found, and small
  words like "the" count only when the query has no other, so that they neither flood the
  answer nor make it slow.

The snapshot's full-text index (FTS5 over the stems, app/snapshot.py) finds the documents, and
its list of where each stem is ranks them: every backend's snapshot is a SQLite file, so the
answers are the same whatever database the knowledge came from. The vocabulary is read once per
knowledge revision (per `Graph`), its typo index built on first use.
"""

import math
import threading
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Connection,
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
from sqlalchemy import literal_column as sql_name
from sqlalchemy import table as sql_table
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from app.schemas import SearchHit, SearchPage, Snippet, Span
from app.search_index import (
    CONDITION_KIND,
    FIELDS,
    SEARCH_CONDITION,
    SEARCH_DOCUMENT,
    SEARCH_WORD,
    TERM_COLUMNS,
    WORD,
    stem,
    words_of,
)
from app.served import Shape

# How much a stem weighs in each class: names and aliases, descriptions, kinds, details, quotes.
CLASS_WEIGHTS = {
    "name_terms": 8,
    "description_terms": 4,
    "kind_terms": 4,
    "detail_terms": 2,
    "quote_terms": 1,
}
# A word's own stem counts twice as much as the stem of a longer word it begins.
EXACT, PREFIX = 2, 1
MAX_TERMS = 10
# Stems a word prefix stands for, at most: the most widely held first.
MAX_EXPANSION = 20
# A word held by more than this share of the documents, and by more than MANY of them, only
# re-ranks what rarer words found: it would find most of a large library, slowly, and says
# little of what is sought. A small library is ranked whole.
COMMON = 0.05
MANY = 1000
# Small words that say little of what is sought: never corrected nor expanded as prefixes, and
# they count only in a query made of nothing else (which finds what holds them).
STOP_WORDS = frozenset([
    "a", "about", "after", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "had",
    "has", "have", "having", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "me", "my", "no", "not", "of", "on", "or", "our", "she", "should", "so", "some", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to",
    "too", "up", "was", "we", "were", "what", "when", "where", "which", "while", "who", "why",
    "will", "with", "would", "you", "your",
    # What is left of a contraction ("won't", "Paget's") once its apostrophe splits it.
    "t", "s", "d", "ll", "m", "re", "ve", "don", "doesn", "didn", "isn", "aren", "wasn", "weren",
    "won", "shouldn", "wouldn", "couldn", "haven", "hasn",
])  # fmt: skip
# Typo correction: trigram candidates at least this similar, then the fewest edits, at most one
# for words of up to five letters and two beyond (two edits make most short words another
# word: "lungs" and "lump", "fever" and "every"). A candidate whose first letter stands in for
# the word's is another word, not a typo ("stones" and "bones", "house" and "cause"): typing
# rarely changes a word's first letter, though it drops, adds or swaps it ("xray", "lcacinosis").
SIMILARITY = 0.2
SHORT_WORD = 5
# Words shorter than this are never corrected: "ra", "tb" are more likely abbreviations.
MIN_CORRECTED = 3
# A snippet shows at most this many characters of the text that matched, around the first match.
SNIPPET_LENGTH = 160
SNIPPET_LEAD = 40

DOCUMENTS = SEARCH_DOCUMENT
MEMBERSHIP = SEARCH_CONDITION
WORDS = SEARCH_WORD
SEARCH_INDEX = sql_table("search_index", column("rowid", Integer))
INDEXED_DOCUMENTS = SEARCH_INDEX.join(DOCUMENTS, DOCUMENTS.c.id == SEARCH_INDEX.c.rowid)
# FTS5's own list of the index's entries: one row per stem, document and column.
INSTANCES = sql_table(
    "search_index_instance", column("term", String), column("doc", Integer), column("col", String)
)


def trigrams(word: str) -> set[str]:
    """The word's three-letter sequences, padded so that its first and last letters count."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def edits(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours that turn `a` into `b`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def same_start(word: str, candidate: str) -> bool:
    """Whether `candidate` begins as `word` does, as a typo leaves it: the same first letter,
    or one dropped, added or swapped with the next ("xray" for x-ray, "lcacinosis")."""
    return word[:1] == candidate[:1] or word[1:2] == candidate[:1] or word[:1] == candidate[1:2]


@dataclass
class Vocabulary:
    """Every word the search documents hold, with its stem, and how many documents hold each
    stem: read once per knowledge revision."""

    words: list[str]  # sorted
    stems: dict[str, str]  # word -> stem
    documents: dict[str, int]  # stem -> documents holding it
    total: int  # documents in all
    lock: threading.Lock = field(default_factory=threading.Lock)

    @cached_property
    def by_trigram(self) -> dict[str, list[str]]:
        """The words that may be corrected to, by trigram: built on the first correction."""
        index: dict[str, list[str]] = defaultdict(list)
        for word in self.words:
            if word not in STOP_WORDS and len(word) >= MIN_CORRECTED and not word.isdigit():
                for trigram in trigrams(word):
                    index[trigram].append(word)
        return dict(index)

    def prefixed(self, prefix: str) -> list[str]:
        """The stems of the words `prefix` begins, most widely held first, at most MAX_EXPANSION."""
        first = bisect_left(self.words, prefix)
        found: dict[str, None] = {}
        for word in self.words[first:]:
            if not word.startswith(prefix):
                break
            found[self.stems[word]] = None
        ranked = sorted(found, key=lambda s: (-self.documents.get(s, 0), s))
        return ranked[:MAX_EXPANSION]

    def correct(self, word: str) -> str | None:
        """The known word nearest to an unknown one, or None when none is near enough."""
        with self.lock:
            index = self.by_trigram
        mine = trigrams(word)
        shared: dict[str, int] = defaultdict(int)
        for trigram in mine:
            for candidate in index.get(trigram, ()):
                shared[candidate] += 1
        allowed = 1 if len(word) <= SHORT_WORD else 2
        word_stem = stem(word)
        best: tuple[int, int, str] | None = None
        for candidate, common in shared.items():
            similarity = common / (len(mine) + len(trigrams(candidate)) - common)
            if similarity < SIMILARITY or abs(len(candidate) - len(word)) > allowed + 2:
                continue
            # Another form of a word is one edit away from its stem: smokers, smoking.
            distance = min(edits(word, candidate), edits(word_stem, self.stems[candidate]))
            if distance > allowed or not same_start(word, candidate):
                continue
            rank = (distance, -self.documents.get(self.stems[candidate], 0), candidate)
            if best is None or rank < best:
                best = rank
        return best[2] if best else None

    def weight(self, documents: int) -> int:
        """How much a word held by that many documents weighs: rarer words weigh more."""
        return round(100 * math.log(1 + self.total / max(documents, 1)))


def load_vocabulary(connection: Connection) -> Vocabulary:
    """Read the vocabulary of the search documents."""
    stems: dict[str, str] = {}
    documents: dict[str, int] = {}
    for row in connection.execute(select(WORDS).order_by(WORDS.c.word)):
        stems[row.word] = row.stem
        documents[row.stem] = row.documents
    total = connection.execute(select(func.count()).select_from(DOCUMENTS)).scalar_one()
    return Vocabulary(list(stems), stems, documents, total)


@dataclass(frozen=True)
class Term:
    """One word of a query: the stems it stands for, each with how much it counts."""

    word: str
    stems: dict[str, int]  # stem -> EXACT or PREFIX
    weight: int
    common: bool
    documents: int


@dataclass(frozen=True)
class Query:
    """What a query asks for: its terms, and the query as corrected when a word was unknown."""

    terms: list[Term]
    did_you_mean: str | None


def read_query(q: str, vocabulary: Vocabulary) -> Query:
    """The terms of a query, as plain text: no operator or wildcard means anything."""
    typed = list(dict.fromkeys(words_of(q)))[:MAX_TERMS]
    terms: list[Term] = []
    corrected: dict[str, str] = {}
    for word in typed:
        stems: dict[str, int] = {}
        own = stem(word)
        if own in vocabulary.documents:
            stems[own] = EXACT
        if word not in STOP_WORDS:
            for expanded in vocabulary.prefixed(word):
                stems.setdefault(expanded, PREFIX)
        if not stems and word not in STOP_WORDS and len(word) >= MIN_CORRECTED:
            correction = vocabulary.correct(word)
            if correction is not None:
                corrected[word] = correction
                stems[vocabulary.stems[correction]] = EXACT
        if not stems:
            continue
        documents = min(vocabulary.total, sum(vocabulary.documents[s] for s in stems))
        common = word in STOP_WORDS or documents > max(COMMON * vocabulary.total, MANY)
        terms.append(
            Term(corrected.get(word, word), stems, vocabulary.weight(documents), common, documents)
        )
    did_you_mean = " ".join(corrected.get(word, word) for word in typed) if corrected else None
    return Query(terms, did_you_mean)


@dataclass(frozen=True)
class Ranking:
    """A query's terms as a backend ranks them: those that find documents, those that count."""

    finders: list[Term]
    scored: list[Term]

    @property
    def finder_stems(self) -> list[str]:
        return list(dict.fromkeys(s for term in self.finders for s in term.stems))

    def places(self, term: Term) -> list[tuple[int, str, str]]:
        """Where a document may hold the term, best first: (value, stem column, stem)."""
        return sorted(
            (
                (CLASS_WEIGHTS[name] * factor, name, stem)
                for stem, factor in term.stems.items()
                for name in TERM_COLUMNS
            ),
            key=lambda place: -place[0],
        )


def ranking_of(query: Query) -> Ranking:
    """Rare words find; when every word is common, every word but the small ones does. Small
    words count only in a query of nothing else: they say little, and are everywhere."""
    finders = (
        [term for term in query.terms if not term.common]
        or [term for term in query.terms if term.word not in STOP_WORDS]
        or query.terms
    )
    scored = [term for term in query.terms if term.word not in STOP_WORDS] or query.terms
    return Ranking(finders, scored)


def _found(stems: list[str]) -> ColumnElement[bool]:
    index: ColumnClause[Any] = sql_name("search_index")
    return index.match(" OR ".join('"' + s.replace('"', '""') + '"' for s in stems))


def _ranked(ranking: Ranking, filters: list[ColumnElement[bool]]) -> Select[tuple[int, int]]:
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
        filters.append(_filtered_after_matching(DOCUMENTS.c.kind) == kind)
    if condition is not None:
        members = select(MEMBERSHIP.c.document_id).where(MEMBERSHIP.c.condition_slug == condition)
        filters.append(_filtered_after_matching(DOCUMENTS.c.id).in_(members))
    total = connection.execute(
        select(func.count()).select_from(counted).where(_found(ranking.finder_stems), *filters)
    ).scalar_one()
    if not total:
        return empty
    # Rank the matches, then read only the documents of the page.
    ranked = _ranked(ranking, filters).subquery("ranked")
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
        items=[hit_of(row, ranking.scored, conditions[row.id]) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        did_you_mean=query.did_you_mean,
    )


def hit_of(row: Any, terms: list[Term], conditions: list[str]) -> SearchHit:
    """A found document as a hit: where to read it, and why it matched."""
    held = [
        term
        for term in terms
        if any(f" {s} " in getattr(row, name) for s in term.stems for name in TERM_COLUMNS)
    ]
    return SearchHit(
        kind=row.kind,
        slug=row.slug,
        name=row.name,
        description=row.description,
        conditions=conditions,
        path=f"/conditions/{row.slug}" if row.kind == CONDITION_KIND else f"/{row.kind}/{row.slug}",
        score=float(row.score),
        matched=[term.word for term in held],
        snippet=snippet_of(row, held),
    )


def snippet_of(row: Any, terms: list[Term]) -> Snippet | None:
    """The line of the best-weighted field that holds the most of the terms, words marked."""
    # Small words are marked only when the query has no other.
    marked = [term for term in terms if term.word not in STOP_WORDS] or terms
    wanted = {s: term.word for term in marked for s in term.stems}
    # Only the fields of the best class that holds a wanted stem are read.
    classes = [
        name
        for name in sorted(TERM_COLUMNS, key=lambda name: -CLASS_WEIGHTS[name])
        if any(f" {s} " in getattr(row, name) for s in wanted)
    ]
    best: tuple[int, str, str, list[tuple[int, int]]] | None = None
    for name, terms_column in FIELDS.items():
        if not classes or terms_column != classes[0]:
            continue
        for line in str(getattr(row, name)).split("\n"):
            spans, words = [], set()
            for found in WORD.finditer(line):
                word = wanted.get(stem(found.group().lower()))
                if word is not None:
                    spans.append(found.span())
                    words.add(word)
            if spans and (best is None or len(words) > best[0]):
                best = (len(words), name, line, spans)
    if best is None:
        return None
    _, name, line, spans = best
    return Snippet(field=name, **shortened(line, spans))


def shortened(line: str, spans: list[tuple[int, int]]) -> dict[str, Any]:
    """At most SNIPPET_LENGTH characters of a line around its first match, cut between words."""
    start, end = 0, len(line)
    if len(line) > SNIPPET_LENGTH:
        # Begin at the first word that starts at most SNIPPET_LEAD characters before the match.
        start = spans[0][0]
        for word in WORD.finditer(line, max(0, start - SNIPPET_LEAD), start):
            if word.start() == 0 or not WORD.match(line[word.start() - 1]):
                start = word.start()
                break
        end = min(len(line), start + SNIPPET_LENGTH - 2)
        # End after the last whole word, keeping at least the first match.
        words = [
            w.end() for w in WORD.finditer(line, start, end) if w.end() < end or end == len(line)
        ]
        end = max([spans[0][1], *words])
    prefix = "…" if start else ""
    suffix = "…" if end < len(line) else ""
    shift = len(prefix) - start
    return {
        "text": prefix + line[start:end] + suffix,
        "highlights": [
            Span(start=a + shift, end=b + shift) for a, b in spans if a >= start and b <= end
        ],
    }
