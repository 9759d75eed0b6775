"""Knowledge changing under a running server, as an operator meets it, on every backend.

While clients keep asking lists, details and searches: a data revision adds a condition (written
with the curation commands, in a copy of the project, and run with `alembic upgrade head`); a
migration's lock on the version table is held for seconds; rows change without a revision. No
answer fails or stalls, none mixes two revisions, and the new condition is found within seconds
of the upgrade.
"""

import itertools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, pool, text

from app.config import Settings
from app.db import migrate
from app.main import create_app
from tests.conftest import LiveServer, eventually
from tests.test_curation import TEST_SEED, add_test_condition, alembic, curate, project

__all__ = ["project"]  # the fixture, shared with the curation tests

# No answer may take longer, whatever the database is doing.
SLOWEST = 3.0
# A word only the test-only condition's knowledge holds.
NEW_WORD = "glimmerfold"


@dataclass
class Answer:
    sent: float
    seconds: float
    path: str
    status: int
    body: bytes


@dataclass
class Load:
    """Clients asking a mix of lists, details and searches, each answer recorded."""

    url: str
    paths: list[str]
    clients: int = 8
    answers: list[Answer] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, number: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            step = number
            while not self.stopping.is_set():
                step += 1
                # A search no one asked yet beside the repeated requests: misses, all along.
                path = self.paths[step % len(self.paths)] if step % 3 else fresh_search(step)
                sent = time.monotonic()
                response = client.get(path)
                answer = Answer(
                    sent, time.monotonic() - sent, path, response.status_code, response.content
                )
                with self.lock:
                    self.answers.append(answer)

    def __enter__(self) -> "Load":
        self.pool = ThreadPoolExecutor(self.clients)
        self.runs = [self.pool.submit(self.run, number) for number in range(self.clients)]
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for run in self.runs:
            run.result()
        self.pool.shutdown()

    def summary(self, what: str) -> str:
        seconds = sorted(a.seconds for a in self.answers)
        return (
            f"{what}: {len(seconds)} answers, "
            f"{sum(a.status != 200 for a in self.answers)} not 200, "
            f"p50 {seconds[len(seconds) // 2] * 1000:.1f} ms, slowest {seconds[-1] * 1000:.0f} ms"
        )

    def failures(self) -> list[tuple[str, int, float]]:
        """Answers that failed or took too long."""
        return [
            (a.path, a.status, round(a.seconds, 3))
            for a in self.answers
            if a.status != 200 or a.seconds > SLOWEST
        ]


def fresh_search(step: int) -> str:
    """A search for the new condition's word, one of a hundred the response cache keeps apart:
    each is fresh once the cache lets go of the old revision."""
    return f"/search?q={NEW_WORD}&limit={1 + step % 100}"


def usual_paths(client: httpx.Client) -> list[str]:
    paths = ["/conditions", "/treatments", "/risk-factors?limit=100", "/search?q=kidney"]
    paths += [f"/treatments/{t['slug']}" for t in client.get("/treatments").json()["items"][:5]]
    return paths


@pytest.fixture
def served(empty_database_url: str) -> str:
    """A database of the test's own at head, on each backend."""
    migrate(empty_database_url)
    return empty_database_url


@pytest.fixture
def live(served: str) -> Iterator[httpx.Client]:
    """A server with the default settings on the database, and a client of it."""
    with (
        LiveServer(create_app(Settings(database_url=served))) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


def found_new_by(body: bytes) -> bool:
    return f'"slug":"{TEST_SEED}"'.encode() in body


def found_new(answer: Answer) -> bool:
    return found_new_by(answer.body)


def test_a_data_revision_under_load(live: httpx.Client, served: str, project: Path) -> None:
    add_test_condition(project)
    curate(project, "migration", TEST_SEED)
    assert live.get(fresh_search(0)).json()["total"] == 0
    with Load(str(live.base_url), usual_paths(live)) as load:
        time.sleep(1.5)
        alembic(project, served, "upgrade", "head")
        upgraded = time.monotonic()
        probes = itertools.count(10**6)
        # What the service promises: found within 3 s of the upgrade.
        eventually(lambda: found_new_by(live.get(fresh_search(next(probes))).content), seconds=3)
        print(f"found {time.monotonic() - upgraded:.2f} s after the upgrade")
        time.sleep(3.5)
    assert not load.failures(), load.failures()
    print(load.summary("data revision under load"))
    searches = [a for a in load.answers if a.path.startswith(f"/search?q={NEW_WORD}")]
    # Within 3 s of the upgrade, and ever after, a fresh search finds the new condition.
    late = [a for a in searches if a.sent > upgraded + 3]
    assert late
    assert all(found_new(a) for a in late), [a.path for a in late if not found_new(a)]
    # Before it, none did: no answer came from knowledge that was not committed yet.
    assert not any(found_new(a) for a in searches if a.sent + a.seconds < upgraded - 2)
    conditions = live.get("/conditions").json()["items"]
    assert TEST_SEED in [c["slug"] for c in conditions]


def test_rows_changed_without_a_revision_change_no_answer(live: httpx.Client, served: str) -> None:
    """Answers are a function of the request and the revision: rows written behind the
    migrations' back (a statement deleted between two reads) change nothing served, and can
    never break an answer."""
    paths = usual_paths(live)
    before = {path: live.get(path).content for path in paths}
    writer = create_engine(served, poolclass=pool.NullPool)
    named = "SELECT id FROM statement WHERE predicate = 'treated-by'"
    with Load(str(live.base_url), paths) as load, writer.connect() as connection:
        for _ in range(5):
            transaction = connection.begin()
            connection.execute(text(f"DELETE FROM evidence WHERE claim IN ({named})"))
            connection.execute(text("DELETE FROM statement WHERE predicate = 'treated-by'"))
            transaction.commit()
            time.sleep(0.3)
    writer.dispose()
    assert not load.failures(), load.failures()
    assert {path: live.get(path).content for path in paths} == before


def test_a_held_lock_on_the_version_table_stalls_nothing(postgresql_url: str) -> None:
    """A migration's DDL takes an ACCESS EXCLUSIVE lock; answers must not wait for it."""
    settings = Settings(database_url=postgresql_url)
    writer = create_engine(postgresql_url, poolclass=pool.NullPool)
    with (
        LiveServer(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
        Load(server.url, usual_paths(client)) as load,
        writer.connect() as connection,
    ):
        time.sleep(0.5)
        transaction = connection.begin()
        connection.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
        held = time.monotonic()
        time.sleep(4)
        transaction.rollback()
        released = time.monotonic()
        time.sleep(1)
    writer.dispose()
    during = [a for a in load.answers if held <= a.sent <= released]
    print(load.summary("version table locked for 4 s"))
    assert len(during) > 100
    assert all(a.status == 200 for a in load.answers)
    assert max(a.seconds for a in load.answers) < 1.5, max(a.seconds for a in load.answers)
