"""Finding a curator's quote in its source: offsets in Unicode code points, or why not.

A curator writes the quote; the offsets are found here. A quote that is not in the source is
answered with the passage that comes closest, and one that occurs more than once asks for a
longer quote or for the occurrence meant.
"""

import difflib
import re
from dataclasses import dataclass

# Only passages that start a word are worth comparing with a quote.
_WORD_START = re.compile(r"\b\w")
# How many of the roughest candidates get the exact (slower) comparison.
_SHORTLIST = 40


@dataclass(frozen=True)
class Located:
    start: int
    end: int


def occurrences(text: str, quote: str) -> list[int]:
    """Where the quote starts in the text, every time (overlaps included)."""
    found = []
    start = text.find(quote)
    while start >= 0:
        found.append(start)
        start = text.find(quote, start + 1)
    return found


def locate(text: str, quote: str, occurrence: int | None = None) -> Located | str:
    """The quote's offsets in the text, or a message saying why it cannot be placed."""
    starts = occurrences(text, quote)
    if not starts:
        return f"not found in the source; the closest passage is {closest_passage(text, quote)!r}"
    if occurrence is None:
        if len(starts) > 1:
            places = ", ".join(str(start) for start in starts)
            return (
                f"occurs {len(starts)} times (at {places}): quote a longer passage, "
                f"or add `occurrence = N` (1 to {len(starts)}) for the one meant"
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        return f"occurs {len(starts)} times, so there is no occurrence {occurrence}"
    start = starts[occurrence - 1]
    return Located(start, start + len(quote))


def closest_passage(text: str, quote: str) -> str:
    """The passage of the text, as long as the quote, that resembles it most."""
    size = len(quote)
    candidates = {text[m.start() : m.start() + size] for m in _WORD_START.finditer(text)}
    if not candidates:
        return ""

    def matcher(candidate: str) -> difflib.SequenceMatcher[str]:
        return difflib.SequenceMatcher(None, quote, candidate, autojunk=False)

    rough = sorted(candidates, key=lambda c: matcher(c).quick_ratio(), reverse=True)
    return max(rough[:_SHORTLIST], key=lambda c: matcher(c).ratio())
