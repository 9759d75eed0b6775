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
    """The passage of the text that resembles the quote most: as long as it, give or take."""
    size = len(quote)
    starts = [m.start() for m in _WORD_START.finditer(text)]
    if not starts:
        return ""

    def ratio(candidate: str, quick: bool = False) -> float:
        matcher = difflib.SequenceMatcher(None, quote, candidate, autojunk=False)
        return matcher.quick_ratio() if quick else matcher.ratio()

    rough = sorted(starts, key=lambda s: ratio(text[s : s + size], quick=True), reverse=True)
    start = max(rough[:_SHORTLIST], key=lambda s: ratio(text[s : s + size]))
    # A misspelt word makes the quote a little shorter or longer than the passage it means.
    slack = max(2, size // 5)
    ends = range(max(start + 1, start + size - slack), min(len(text), start + size + slack) + 1)
    return max((text[start:end] for end in ends), key=ratio)
