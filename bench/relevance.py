"""How well /search finds what people type, on each backend: hit@3 and MRR on the relevance set.

    python -m bench.relevance [--postgres URL]

Builds a database with the real migrations on SQLite (and on PostgreSQL when a server URL is
given: a database created for the run and dropped after it), runs tests/search_relevance.toml
through the search the API serves, and prints hit@3, mean reciprocal rank, each category and
each miss. `print_relevance(urls)` does the same for databases that exist already.
"""

import argparse
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from app.config import ROOT
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


def migrated(url: str) -> str:
    """Migrate the database at `url` to head; return the URL."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")
    return url


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new database on the server, dropped afterwards: its URL."""
    name = f"knowledge_relevance_{uuid.uuid4().hex[:12]}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+psycopg://...)")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        urls = {"SQLite": migrated(f"sqlite:///{folder / 'knowledge.db'}")}
        if args.postgres:
            urls["PostgreSQL"] = migrated(stack.enter_context(postgres_database(args.postgres)))
        print_relevance(urls)


if __name__ == "__main__":
    main()
