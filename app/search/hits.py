"""A found document as a search hit: where to read it, which words of the query it holds, and a
snippet of the text that matched, those words marked."""

from typing import Any

from app.schemas import SearchHit, Snippet, Span
from app.search.query import Term, counted
from app.search.ranking import CLASS_WEIGHTS
from app.search_index import CONDITION_KIND, FIELDS, TERM_COLUMNS, WORD, stem

# A snippet shows at most this many characters of the text that matched, around the first match.
SNIPPET_LENGTH = 160
SNIPPET_LEAD = 40


def hit_of(row: Any, terms: list[Term], conditions: list[str], role: str | None) -> SearchHit:
    """A found document as a hit: where to read it (in the role a search asked for, else its
    first), and why it matched."""
    kind = role or row.kind
    held = [
        term
        for term in terms
        if any(f" {s} " in getattr(row, name) for s in term.stems for name in TERM_COLUMNS)
    ]
    return SearchHit(
        kind=kind,
        roles=row.roles.split(),
        slug=row.slug,
        name=row.name,
        description=row.description,
        conditions=conditions,
        path=f"/conditions/{row.slug}" if kind == CONDITION_KIND else f"/{kind}/{row.slug}",
        score=float(row.score),
        matched=[term.word for term in held],
        snippet=snippet_of(row, held),
    )


def snippet_of(row: Any, terms: list[Term]) -> Snippet | None:
    """The line of the best-weighted field that holds the most of the terms, words marked."""
    # Small words are marked only when the query has no other.
    marked = counted(terms)
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
