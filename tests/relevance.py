"""How well a search finds what people type: hit@3 and mean reciprocal rank on the relevance set.

The set (search_relevance.toml) lists everyday queries, each with the slugs of the items a person
would expect among the first results. Scoring takes any callable from a query to the slugs it
finds, best first, so a test and the benchmark measure the same thing over any backend.
"""

import re
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from app.search import search
from app.served import read_shape

RELEVANCE_SET = Path(__file__).with_name("search_relevance.toml")
# A hit is an expected item among the first TOP results; reciprocal ranks count the first DEPTH.
TOP = 3
DEPTH = 10
# The first word of `why`: what makes the query hard. "nothing" marks a query that expects no hit.
CATEGORIES = (
    "name",
    "inflection",
    "everyday",
    "alias",
    "typo",
    "kind",
    "question",
    "drug",
    "nothing",
)
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

Search = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Query:
    """One query and the items that answer it (none for an out-of-scope query)."""

    query: str
    expect: tuple[str, ...]
    why: str

    @property
    def category(self) -> str:
        """The category the `why` starts with."""
        return self.why.split(":", 1)[0]


@dataclass(frozen=True)
class Outcome:
    """What the search returned for one query: its first results and the rank of an expected one."""

    query: Query
    found: tuple[str, ...]
    rank: int | None  # 1-based, within DEPTH; None when no expected item is there

    @property
    def hit(self) -> bool:
        """An expected item is in the top TOP; for a query expecting nothing, nothing is found."""
        if not self.query.expect:
            return not self.found
        return self.rank is not None and self.rank <= TOP


@dataclass(frozen=True)
class Relevance:
    """hit@3 and MRR over the queries that expect items; every query's outcome."""

    hit_at_3: float
    mrr: float
    outcomes: tuple[Outcome, ...]

    @property
    def misses(self) -> list[Outcome]:
        """The queries that failed: no expected item in the top 3, or a hit where none belongs."""
        return [outcome for outcome in self.outcomes if not outcome.hit]

    def by_category(self) -> dict[str, tuple[int, int]]:
        """For each category, in CATEGORIES order: (queries that passed, queries)."""
        passed = Counter(o.query.category for o in self.outcomes if o.hit)
        total = Counter(o.query.category for o in self.outcomes)
        return {c: (passed[c], total[c]) for c in CATEGORIES if total[c]}


def load_queries(path: Path = RELEVANCE_SET) -> list[Query]:
    """The queries of a relevance set file; a malformed entry is refused with its reason."""
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["queries"]
    queries: list[Query] = []
    problems: list[str] = []
    for number, entry in enumerate(entries, start=1):
        query, expect, why = entry.get("query"), entry.get("expect"), entry.get("why")
        where = f"{path.name}, query {number} ({query!r})"
        if set(entry) != {"query", "expect", "why"}:
            problems.append(f"{where}: keys must be query, expect and why, not {sorted(entry)}")
        elif not isinstance(query, str) or not query.strip():
            problems.append(f"{where}: query must be non-empty text")
        elif not isinstance(expect, list) or not all(
            isinstance(slug, str) and SLUG.fullmatch(slug) for slug in expect
        ):
            problems.append(f"{where}: expect must be a list of kebab-case slugs")
        elif not isinstance(why, str) or why.split(":", 1)[0] not in CATEGORIES:
            problems.append(f"{where}: why must start with one of {', '.join(CATEGORIES)}")
        elif (why.split(":", 1)[0] == "nothing") != (not expect):
            problems.append(f"{where}: expect is empty exactly when the category is nothing")
        else:
            queries.append(Query(query=query, expect=tuple(expect), why=why))
    repeated = [q for q, n in Counter(q.query.casefold() for q in queries).items() if n > 1]
    problems += [f"{path.name}: query {q!r} appears more than once" for q in repeated]
    if problems:
        raise ValueError("\n".join(problems))
    return queries


def outcome_of(query: Query, found: Sequence[str]) -> Outcome:
    """Where the first expected item is in one query's results."""
    first = tuple(found[:DEPTH])
    rank = next((i for i, slug in enumerate(first, start=1) if slug in query.expect), None)
    return Outcome(query=query, found=first, rank=rank)


def measure(search: Search, queries: Sequence[Query]) -> Relevance:
    """Run every query through `search` and score the results."""
    outcomes = tuple(outcome_of(query, search(query.query)) for query in queries)
    scored = [outcome for outcome in outcomes if outcome.query.expect]
    if not scored:
        raise ValueError("no query expects an item: hit@3 and MRR are undefined")
    hits = sum(outcome.hit for outcome in scored)
    reciprocal = sum(1 / outcome.rank for outcome in scored if outcome.rank is not None)
    return Relevance(hit_at_3=hits / len(scored), mrr=reciprocal / len(scored), outcomes=outcomes)


def searcher(connection: Connection) -> Search:
    """The search the API serves, on one database, as the slugs of its first DEPTH hits."""
    shape = read_shape(connection)

    def run(q: str) -> list[str]:
        return [hit.slug for hit in search(connection, shape, q, limit=DEPTH, offset=0).items]

    return run


def report(name: str, relevance: Relevance) -> str:
    """hit@3, MRR and each category's passed queries, in a few lines, then the misses."""
    categories = ", ".join(
        f"{category} {passed}/{total}"
        for category, (passed, total) in relevance.by_category().items()
    )
    lines = [
        f"{name}: hit@{TOP} {relevance.hit_at_3:.3f}, MRR {relevance.mrr:.3f} "
        f"({len(relevance.outcomes)} queries)",
        f"  by category: {categories}",
    ]
    lines += [
        f"  missed {o.query.query!r}: expected {', '.join(o.query.expect) or 'nothing'}, "
        f"found {', '.join(o.found[:TOP]) or 'nothing'}"
        for o in relevance.misses
    ]
    return "\n".join(lines)
