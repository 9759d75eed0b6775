"""The relevance set, through the search the API serves, on a snapshot of each backend's
database: a floor that must not drop, and the same answers on SQLite and PostgreSQL."""

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.search import search
from app.served import read_shape
from tests.conftest import snapshot_of
from tests.relevance import load_queries, measure, report, searcher

# What the set reached when these floors were set: a change that finds less must not pass.
HIT_AT_3_FLOOR = 0.93
MRR_FLOOR = 0.88


@pytest.fixture(scope="module")
def queries() -> list[str]:
    return [query.query for query in load_queries()]


def test_the_relevance_set_stays_above_its_floor(served_snapshot: Engine) -> None:
    with served_snapshot.connect() as connection:
        relevance = measure(searcher(connection), load_queries())
    print(report("relevance", relevance))
    assert relevance.hit_at_3 >= HIT_AT_3_FLOOR, report("relevance", relevance)
    assert relevance.mrr >= MRR_FLOOR, report("relevance", relevance)
    # Out of scope stays out: no hit for a query that expects none.
    assert all(o.hit for o in relevance.outcomes if not o.query.expect)


# What a person types and finds nothing, or the wrong thing first, without stemming, aliases,
# typo correction, kind words and any-words ranking: each finds what the set expects, on its own.
EVERYDAY_EXAMPLES = (
    "itchy",
    "diabetic",
    "stop smoking",
    "dead tissue",
    "CKD",
    "Coumadin",
    "CAT scan",
    "calcinosis cutus",
    "prevention",
    "blisters that won't heal",
)


def test_each_everyday_example_finds_what_a_person_expects(served_snapshot: Engine) -> None:
    examples = [q for q in load_queries() if q.query in EVERYDAY_EXAMPLES]
    assert len(examples) == len(EVERYDAY_EXAMPLES)
    with served_snapshot.connect() as connection:
        relevance = measure(searcher(connection), examples)
    assert not relevance.misses, report("everyday examples", relevance)


def test_every_name_finds_its_item_first(served_snapshot: Engine) -> None:
    # Items quoting the same sentences share an item's words: its own name still wins.
    names = [q for q in load_queries() if q.category == "name" and len(q.expect) == 1]
    with served_snapshot.connect() as connection:
        relevance = measure(searcher(connection), names)
    assert all(outcome.rank == 1 for outcome in relevance.outcomes), report("names", relevance)


def test_both_backends_give_the_same_answers(
    sqlite_url: str, postgresql_url: str, queries: list[str], tmp_path: Path
) -> None:
    answers = []
    for url in (sqlite_url, postgresql_url):
        engine = snapshot_of(url, tmp_path / make_url(url).get_backend_name())
        with engine.connect() as connection:
            shape = read_shape(connection)
            answers.append({q: search(connection, shape, q, limit=100, offset=0) for q in queries})
        engine.dispose()
    on_sqlite, on_postgresql = answers
    different = [q for q in queries if on_sqlite[q] != on_postgresql[q]]
    assert not different
