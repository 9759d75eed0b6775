"""Every test runs against a database built by the real migrations, served by a real uvicorn
server on loopback and called through httpx.

The behaviour tests (search, filters, paging, caching, relevance, ...) read the test corpus,
tests/seeds/: a complete, frozen seed folder (its own vocabulary and code table, a copy of the
calcinosis cutis seed as it stood when the tests were written, and a fictional condition that
names some of the same concepts). Their database is migrated to head by the real migrations and
then holds the corpus instead of the project's seeds, written the way a data revision writes
knowledge. So the project's seeds can grow and be corrected without changing what these tests
see, every test sees more than one condition, and none may assume there is one. Expected counts,
slugs and quotes come from the corpus (the `knowledge` fixture). The tests of the project's own
seeds (test_seeds.py) derive everything they expect from seed/.

The API tests run once on SQLite (a temporary file) and once more on PostgreSQL (a database
created for the session and dropped after it) when a server is reachable at TEST_POSTGRES_URL,
by default the local one. When TEST_POSTGRES_URL is set, an unreachable server is an error.
"""

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Literal

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, create_engine, pool
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.config import SEED_DIR, Settings
from app.db import create_database_engine, migrate
from app.knowledge import Knowledge, knowledge_rows, load_knowledge
from app.main import create_app
from app.snapshot import build, open_snapshot
from tests.databases import scratch_database
from tools.curation.revisions import apply_changes, changes_between, database_state

# The test corpus: a seed folder of its own, frozen for the tests.
TEST_SEEDS = Path(__file__).resolve().parent / "seeds"


class SuiteSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    # A database on the server to connect to while creating and dropping test databases.
    test_postgres_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    # The knowledge the shared test database holds: the test corpus, or the project's own seeds
    # as the migrations write them (for the tests marked `seeds`, which expect only what the
    # seeds say: `make test` runs them on both).
    test_knowledge: Literal["corpus", "project"] = "corpus"
    # Leave PostgreSQL out even when a server is reachable (a quick run on SQLite alone).
    test_sqlite_only: bool = False


def _postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL server at `url` cannot be used for tests, or None if it can."""
    try:
        engine = create_engine(url, poolclass=pool.NullPool, connect_args={"connect_timeout": 5})
    except ImportError:
        return "psycopg is not installed: pip install .[postgres]"
    try:
        with engine.connect():
            return None
    except DBAPIError as error:
        return str(error.orig).strip().splitlines()[0]
    finally:
        engine.dispose()


SETTINGS = SuiteSettings()
POSTGRES_URL = SETTINGS.test_postgres_url
PROJECT_KNOWLEDGE = SETTINGS.test_knowledge == "project"
POSTGRES_PROBLEM = (
    "TEST_SQLITE_ONLY is set" if SETTINGS.test_sqlite_only else _postgres_problem(POSTGRES_URL)
)
BACKENDS = ["sqlite"] if POSTGRES_PROBLEM else ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    if POSTGRES_PROBLEM and "test_postgres_url" in SETTINGS.model_fields_set:
        raise pytest.UsageError(f"TEST_POSTGRES_URL is set but unusable: {POSTGRES_PROBLEM}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a server, leave out the tests that need PostgreSQL: the header says why."""
    if not POSTGRES_PROBLEM:
        return
    needs_postgres = [
        item for item in items if "postgresql_url" in getattr(item, "fixturenames", ())
    ]
    if needs_postgres:
        config.hook.pytest_deselected(items=needs_postgres)
        items[:] = [item for item in items if item not in needs_postgres]


def pytest_report_header(config: pytest.Config) -> str:
    where = make_url(POSTGRES_URL).render_as_string(hide_password=True)
    if POSTGRES_PROBLEM:
        return f"PostgreSQL not reachable at {where} ({POSTGRES_PROBLEM}): testing on SQLite only"
    return f"backends: SQLite and PostgreSQL at {where}"


def postgres_database() -> AbstractContextManager[str]:
    """A new, empty database on the test server, dropped afterwards: its URL."""
    return scratch_database(POSTGRES_URL, "knowledge_test")


@contextmanager
def empty_database(backend: str, directory: Path) -> Iterator[str]:
    """A new, empty database on `backend`: its URL."""
    if backend == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{directory / 'knowledge.db'}"


class LiveServer:
    """A uvicorn server in a thread, on a free loopback port."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", server_header=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait until `check` holds, for at most `seconds`: a server notices a new revision of its
    database within its check interval, not at once, and builds its snapshot then."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"still not so after {seconds} s"
        time.sleep(0.02)


def corpus(folder: Path) -> Path:
    """A copy of the test corpus, at `folder`: for tests that change it."""
    shutil.copytree(TEST_SEEDS, folder, dirs_exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed folder the shared test database holds (a copy, when it is the corpus)."""
    if PROJECT_KNOWLEDGE:
        return SEED_DIR
    return corpus(tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="session")
def knowledge(seed_dir: Path) -> Knowledge:
    """Everything the shared test database holds, as its seeds say it."""
    return load_knowledge(seed_dir)


def write_knowledge(url: str, knowledge: Knowledge) -> None:
    """Make a database at head hold `knowledge` instead of what the migrations wrote: its rows
    inserted, updated and deleted as a data revision would write them."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            apply_changes(
                connection, changes_between(database_state(connection), knowledge_rows(knowledge))
            )
    finally:
        engine.dispose()


def corpus_database(url: str, knowledge: Knowledge) -> None:
    """Migrate an empty database to head with the real migrations, then give it the corpus."""
    migrate(url)
    write_knowledge(url, knowledge)


def shared_database(url: str, knowledge: Knowledge) -> None:
    """The shared test database: the corpus, or the project's seeds as the migrations write
    them."""
    if PROJECT_KNOWLEDGE:
        migrate(url)
    else:
        corpus_database(url, knowledge)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory, knowledge: Knowledge) -> Iterator[str]:
    """A SQLite file migrated to head, holding the shared knowledge (the corpus by default)."""
    with empty_database("sqlite", tmp_path_factory.mktemp("db")) as url:
        shared_database(url, knowledge)
        yield url


@pytest.fixture(scope="session")
def postgresql_url(knowledge: Knowledge) -> Iterator[str]:
    """A PostgreSQL database migrated to head, holding the shared knowledge; dropped at the end."""
    with postgres_database() as url:
        shared_database(url, knowledge)
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """A database migrated to head, shared by the read-only API tests: one per backend."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


def snapshot_of(database_url: str, directory: Path) -> Engine:
    """A knowledge snapshot of the database as it is now, built in `directory`, opened: what
    the API serves from."""
    database = create_database_engine(database_url, pooled=False)
    try:
        return open_snapshot(build(database, directory))
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def served_snapshot(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A snapshot of the shared test database, on each backend."""
    engine = snapshot_of(database_url, tmp_path_factory.mktemp("snapshot"))
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the test's own, on each backend."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[LiveServer]:
    with LiveServer(create_app(Settings(database_url=database_url))) as live:
        yield live


@pytest.fixture(scope="session")
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http
