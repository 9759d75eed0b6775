"""The vocabulary of the search documents, and what it tells of a word: the stems a prefix
stands for, the known word nearest to a misspelt one, and how much a word weighs.

It is read once per knowledge revision (per `Graph`), its typo index built on first use.
"""

import math
import threading
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Connection, func, select

from app.search.stop_words import STOP_WORDS
from app.search_index import SEARCH_DOCUMENT as DOCUMENTS
from app.search_index import SEARCH_WORD as WORDS
from app.search_index import stem

# Stems a word prefix stands for, at most: the most widely held first.
MAX_EXPANSION = 20
# Typo correction: trigram candidates at least this similar, then the fewest edits, at most one
# for words of up to five letters and two beyond (two edits make most short words another
# word: "lungs" and "lump", "fever" and "every"). A candidate whose first letter stands in for
# the word's is another word, not a typo ("stones" and "bones", "house" and "cause"): typing
# rarely changes a word's first letter, though it drops, adds or swaps it ("xray", "lcacinosis").
SIMILARITY = 0.2
SHORT_WORD = 5
# Words shorter than this are never corrected: "ra", "tb" are more likely abbreviations.
MIN_CORRECTED = 3


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
        for word in self.trigram_counts:
            for trigram in trigrams(word):
                index[trigram].append(word)
        return dict(index)

    @cached_property
    def trigram_counts(self) -> dict[str, int]:
        """The words that may be corrected to, with how many trigrams each has."""
        return {
            word: len(trigrams(word))
            for word in self.words
            if word not in STOP_WORDS and len(word) >= MIN_CORRECTED and not word.isdigit()
        }

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
            index, counts = self.by_trigram, self.trigram_counts
        mine = trigrams(word)
        shared: dict[str, int] = defaultdict(int)
        for trigram in mine:
            for candidate in index.get(trigram, ()):
                shared[candidate] += 1
        allowed = 1 if len(word) <= SHORT_WORD else 2
        word_stem = stem(word)
        best: tuple[int, int, str] | None = None
        for candidate, common in shared.items():
            similarity = common / (len(mine) + counts[candidate] - common)
            if (
                similarity < SIMILARITY
                or abs(len(candidate) - len(word)) > allowed + 2
                or not same_start(word, candidate)
            ):
                continue
            # Another form of a word is one edit away from its stem: smokers, smoking.
            distance = min(edits(word, candidate), edits(word_stem, self.stems[candidate]))
            if distance > allowed:
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
