"""A query read as plain text: its words, each standing for the stems it finds, with its weight.

No operator or wildcard means anything; an unknown word is corrected when it looks like a typo
of a known one (app/search/vocabulary.py).
"""

from dataclasses import dataclass

from app.search.stop_words import STOP_WORDS
from app.search.vocabulary import MIN_CORRECTED, Vocabulary
from app.search_index import stem, words_of

# A word's own stem counts twice as much as the stem of a longer word it begins.
EXACT, PREFIX = 2, 1
MAX_TERMS = 10
# A word held by more than this share of the documents, and by more than MANY of them, only
# re-ranks what rarer words found: it would find most of a large library, slowly, and says
# little of what is sought. A small library is ranked whole.
COMMON = 0.05
MANY = 1000


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


def counted(terms: list[Term]) -> list[Term]:
    """The terms that count, in ranking and in marking a snippet: small words only when there
    are no others, since they say little and are everywhere."""
    return [term for term in terms if term.word not in STOP_WORDS] or terms
