"""What a snapshot serves is what the knowledge says: every list, under every filter the data
gives, holds the items the graph selects, in the graph's order, each rendered as the renderer
renders it; on each backend's snapshot."""

import json
from collections import Counter
from collections.abc import Iterator
from itertools import product
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, pool

from app import served
from app.catalog import RESOURCES, Resource
from app.db import create_database_engine
from app.graph import Filters, Graph, load_graph, load_texts
from app.knowledge.lists import CAUSES, CERTAINTY, TREATMENTS
from app.render import render_concepts
from app.snapshot import build, open_snapshot

# Expects only what the seeds say: runs on the project's seeds too (conftest).
pytestmark = pytest.mark.seeds


@pytest.fixture(scope="module")
def graph(database_url: str) -> Iterator[tuple[Graph, dict[str, str]]]:
    """The knowledge's graph, read from the database itself, with the concepts' texts."""
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        yield load_graph(connection), load_texts(connection)
    engine.dispose()


def filter_sets(graph: Graph, resource: Resource) -> Iterator[Filters]:
    """Every filter the data gives this list, alone and in pairs with a condition."""
    yield Filters()
    alone: list[Filters] = []
    alone += [Filters(certainty=term) for term in graph.terms(CERTAINTY)]
    if resource.kind_vocabulary is not None:
        alone += [Filters(kind=term) for term in graph.terms(resource.kind_vocabulary)]
    if resource.name == "risk-factors":
        alone += [Filters(cause=slug) for slug in graph.listed.get(CAUSES, {})]
    if resource.name == "drugs":
        alone += [Filters(treatment=slug) for slug in graph.listed.get(TREATMENTS, {})]
    alone += [Filters(q=text) for text in ("kidney", "ca", "lump", "xyzzy")]
    yield from alone
    for condition, one in product(graph.conditions, alone):
        yield Filters(**{**one.__dict__, "condition": condition})
    yield from (Filters(condition=condition) for condition in graph.conditions)
    yield Filters(certainty="stated", q="kidney")


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda resource: resource.name)
def test_every_filtered_list_is_what_the_graph_selects(
    served_snapshot: Engine,
    graph: tuple[Graph, dict[str, str]],
    database_url: str,
    resource: Resource,
) -> None:
    knowledge, texts = graph
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with served_snapshot.connect() as connection, engine.connect() as database:
        shape = served.read_shape(connection)
        for filters in filter_sets(knowledge, resource):
            expected = knowledge.select(resource, filters, texts)
            bodies, total = served.page(connection, shape, resource, filters, 100, 0)
            assert total == len(expected), filters
            assert [json.loads(body)["slug"] for body in bodies] == expected[:100], filters
            # Each item with the statements the statement-level filters keep, and only those.
            narrowed = rendered(database, knowledge, resource, expected[:100], filters.narrowing)
            assert list(map(json.loads, bodies)) == list(map(json.loads, narrowed)), filters
            # And a page further on, by its ranks.
            later, _total = served.page(connection, shape, resource, filters, 2, 1)
            assert [json.loads(body)["slug"] for body in later] == expected[1:3], filters
    engine.dispose()


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda resource: resource.name)
def test_every_item_is_rendered_as_the_renderer_renders_it(
    served_snapshot: Engine,
    graph: tuple[Graph, dict[str, str]],
    database_url: str,
    resource: Resource,
) -> None:
    knowledge, _texts = graph
    slugs = list(knowledge.listed.get(resource.name, {}))
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with engine.connect() as database, served_snapshot.connect() as connection:
        expected = rendered(database, knowledge, resource, slugs, Filters())
        assert served.items(connection, resource.name, slugs) == expected
        for condition in knowledge.conditions:
            mine = Filters(condition=condition)
            named = [s for s in slugs if knowledge.claims_of(resource.name, s, mine)]
            narrowed = rendered(database, knowledge, resource, named, mine)
            assert served.items(connection, resource.name, named, condition) == narrowed
    engine.dispose()


def rendered(
    connection: Connection,
    graph: Graph,
    resource: Resource,
    slugs: list[str],
    narrowing: Filters,
) -> list[bytes]:
    items = render_concepts(connection, graph, resource, slugs, narrowing)
    return [served.to_json(items[slug]) for slug in slugs]


def test_a_snapshot_built_by_many_processes_is_the_one_one_process_builds(
    served_snapshot: Engine, database_url: str, tmp_path: Path
) -> None:
    """Given cores, the builder renders the items in a pool of processes and writes the search
    tables apart: what it writes is, table by table and row by row, what one process writes
    (the full-text indexes' own tables included)."""
    database = create_database_engine(database_url, pooled=False)
    try:
        many = open_snapshot(build(database, tmp_path, processes=3, parallel_from=0))
    finally:
        database.dispose()
    tables = (
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
    )
    with served_snapshot.connect() as one, many.connect() as other:
        names = [name for (name,) in one.exec_driver_sql(tables)]
        assert names == [name for (name,) in other.exec_driver_sql(tables)]
        assert {"served_item", "search_document", "search_index_data"} <= set(names)
        for name in names:
            query = f'SELECT * FROM "{name}"'
            expected = Counter(map(tuple, one.exec_driver_sql(query)))
            assert Counter(map(tuple, other.exec_driver_sql(query))) == expected, name
    many.dispose()
