"""How well /search finds what people type in the project's seeds, on each backend: hit@3 and
MRR on the relevance set, as a report.

    python -m bench.relevance [--postgres URL]

Builds a database with the real migrations on SQLite (and on PostgreSQL when a server URL is
given: a database created for the run and dropped after it), takes its knowledge snapshot, runs
tests/search_relevance.toml through the search the API serves, and prints hit@3, mean reciprocal
rank, each category and each miss. `print_relevance(urls)` does the same for databases that
exist already. The set was written for the test corpus, where the test suite holds its floors;
on the project's seeds, which grow, the figures are a report, not a gate.
"""

import argparse
import tempfile
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path

from app.db import create_database_engine, migrate
from app.snapshot import build, open_snapshot
from bench.harness import postgres_database
from tests.relevance import Relevance, load_queries, measure, report, searcher


def print_relevance(urls: Mapping[str, str]) -> dict[str, Relevance]:
    """Measure the relevance set on each named database and print it; return the figures."""
    queries = load_queries()
    found: dict[str, Relevance] = {}
    for name, url in urls.items():
        database = create_database_engine(url, pooled=False)
        with tempfile.TemporaryDirectory() as folder:
            try:
                snapshot = open_snapshot(build(database, Path(folder)))
            finally:
                database.dispose()
            try:
                with snapshot.connect() as connection:
                    found[name] = measure(searcher(connection), queries)
            finally:
                snapshot.dispose()
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
