"""How well /search finds what people type, on each backend: hit@3 and MRR on the relevance set.

    python -m bench.relevance [--postgres URL]

Builds a database with the real migrations on SQLite (and on PostgreSQL when a server URL is
given: a database created for the run and dropped after it), runs tests/search_relevance.toml
through the search the API serves, and prints hit@3, mean reciprocal rank, each category and
each miss. `print_relevance(urls)` does the same for databases that exist already.
"""

import argparse
import tempfile
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import create_engine, pool

from app.db import migrate
from bench.harness import postgres_database
from tests.relevance import Relevance, load_queries, measure, report, searcher


def print_relevance(urls: Mapping[str, str]) -> dict[str, Relevance]:
    """Measure the relevance set on each named database and print it; return the figures."""
    queries = load_queries()
    found: dict[str, Relevance] = {}
    for name, url in urls.items():
        engine = create_engine(url, poolclass=pool.NullPool)
        try:
            with engine.connect() as connection:
                found[name] = measure(searcher(connection), queries)
        finally:
            engine.dispose()
        print(report(name, found[name]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+psycopg://...)")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        urls = {"SQLite": migrate(f"sqlite:///{folder / 'knowledge.db'}")}
        if args.postgres:
            postgres = stack.enter_context(postgres_database(args.postgres))
            if postgres is None:
                raise SystemExit(f"no PostgreSQL server answers at {args.postgres}")
            urls["PostgreSQL"] = migrate(postgres)
        print_relevance(urls)


if __name__ == "__main__":
    main()
