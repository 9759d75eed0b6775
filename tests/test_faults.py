"""When the database changes or fails under a running server: a SQLite file replaced or removed
by a deploy, PostgreSQL going away and coming back under load. Answers come from the knowledge
snapshot whatever the database does (never a 500, never a hang, never a wait on it); /ready tells
the truth within a second; a new revision is served as soon as it can be read."""

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import migrate, migration_script
from app.errors import PROBLEM_JSON
from app.main import create_app
from tests.conftest import POSTGRES_URL, LiveServer, eventually, postgres_database


def migrated_file(path: Path, revision: str = "head") -> str:
    url = f"sqlite:///{path}"
    migrate(url, revision)
    return url


def head_and_previous(url: str) -> tuple[str, str]:
    script = migration_script()
    head = script.get_revision("head")
    assert head is not None
    assert isinstance(head.down_revision, str)
    return head.revision, head.down_revision


def assert_unavailable(response: httpx.Response) -> str:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["cache-control"] == "no-store"
    detail: str = response.json()["detail"]
    return detail


@pytest.fixture
def served_file(tmp_path: Path) -> Path:
    """The path a server reads, migrated to head."""
    path = tmp_path / "served" / "knowledge.db"
    path.parent.mkdir()
    migrated_file(path)
    return path


# How often the servers here ask the database for its revision.
CHECK_INTERVAL = 0.05


def serve(database_url: str) -> LiveServer:
    settings = Settings(database_url=database_url, revision_check_interval=CHECK_INTERVAL)
    return LiveServer(create_app(settings))


class TestSqliteFileChanges:
    def test_a_replaced_file_is_served_at_its_own_revision(
        self, tmp_path: Path, served_file: Path
    ) -> None:
        head, previous = head_and_previous(f"sqlite:///{served_file}")
        older = tmp_path / "older.db"
        migrated_file(older, previous)
        newer = tmp_path / "newer.db"
        shutil.copy(served_file, newer)
        os.replace(older, served_file)  # the server starts on the older knowledge
        with serve(f"sqlite:///{served_file}") as live, httpx.Client(base_url=live.url) as client:
            assert client.get("/meta").json()["revision"] == previous
            assert f"at revision {previous}" in assert_unavailable(client.get("/ready"))

            os.replace(newer, served_file)  # a deploy moves the new file into place

            eventually(lambda: client.get("/meta").json()["revision"] == head)
            assert client.get("/ready").json() == {"status": "ready", "revision": head}
            assert client.get("/search", params={"q": "kidney"}).status_code == 200

    def test_a_removed_file_keeps_the_answers_and_is_not_ready_until_it_is_back(
        self, tmp_path: Path, served_file: Path
    ) -> None:
        aside = tmp_path / "aside.db"
        with serve(f"sqlite:///{served_file}") as live, httpx.Client(base_url=live.url) as client:
            assert client.get("/ready").status_code == 200
            before = client.get("/treatments")
            assert before.status_code == 200

            os.replace(served_file, aside)

            assert "cannot be opened" in assert_unavailable(client.get("/ready"))
            # The snapshot still answers, as before, with the same validator; never kept ones
            # too, since the snapshot holds everything.
            during = client.get("/treatments")
            assert (during.status_code, during.content) == (200, before.content)
            assert during.headers["etag"] == before.headers["etag"]
            assert client.get("/causes").status_code == 200
            assert client.get("/search", params={"q": "calcium"}).status_code == 200
            assert not served_file.exists()  # the server never creates it

            os.replace(aside, served_file)

            eventually(lambda: client.get("/ready").status_code == 200)
            again = client.get("/treatments")
            assert again.status_code == 200
            assert again.content == before.content


class CuttableProxy:
    """A TCP proxy on loopback between the server and PostgreSQL. cut() drops every connection
    and refuses new ones, as a database that went away does; restore() lets them through."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        self.is_cut = False
        self.thread = threading.Thread(target=self.accept, daemon=True)

    def __enter__(self) -> "CuttableProxy":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.cut()
        self.listener.close()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            with self.lock:
                if self.is_cut:
                    client.close()
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(source, sink), daemon=True).start()

    def pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            self.drop(end)

    def drop(self, end: socket.socket) -> None:
        with self.lock:
            self.open.discard(end)
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def cut(self) -> None:
        with self.lock:
            self.is_cut = True
            ends = list(self.open)
        for end in ends:
            self.drop(end)

    def restore(self) -> None:
        with self.lock:
            self.is_cut = False


@pytest.fixture
def proxied_postgresql(postgresql_url: str) -> Iterator[tuple[str, CuttableProxy]]:
    """The test database, reached through a proxy that the test can cut."""
    url = make_url(postgresql_url)
    with CuttableProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port)
        yield proxied.render_as_string(hide_password=False), proxy


def test_ready_sees_postgresql_as_a_new_connection_does(postgresql_url: str) -> None:
    # A database of its own, since it will refuse connections for a while.
    with postgres_database() as url:
        migrate(url)
        name = make_url(url).database
        server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
        with serve(url) as live, httpx.Client(base_url=live.url) as client:
            assert client.get("/ready").status_code == 200
            assert client.get("/treatments").status_code == 200  # a pooled connection is open
            with server.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            try:
                assert "cannot be opened" in assert_unavailable(client.get("/ready"))
            finally:
                with server.connect() as connection:
                    connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            assert client.get("/ready").status_code == 200
        server.dispose()


# Longer than any answer may take: beyond it a request counts as hung.
HANG_SECONDS = 15
# No answer waits on the database: none takes this long, whatever the database does.
WAIT_SECONDS = 1.0
# /ready says the database is gone within this.
READY_SECONDS = 1.5


class Load:
    """Clients sending a steady mix of repeated and never-seen requests, recording each answer."""

    def __init__(self, url: str, clients: int = 6) -> None:
        self.url = url
        self.clients = clients
        # (phase when sent and when answered, status, content type, Retry-After, seconds)
        self.answers: list[tuple[str, int, str, str | None, float]] = []
        self.phase = "before"
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def run(self, number: int) -> None:
        paths = ["/treatments", "/causes", "/conditions"]
        with httpx.Client(base_url=self.url, timeout=HANG_SECONDS) as client:
            step = 0
            while not self.stopping.is_set():
                step += 1
                # Repeated lists, and searches no one asked for yet (each one a miss).
                path = paths[step % 3] if step % 2 else f"/search?q=kidney{number}x{step}"
                phase = self.phase
                started = time.monotonic()
                try:
                    response = client.get(path)
                    status = response.status_code
                    kind = response.headers.get("content-type", "")
                    retry = response.headers.get("retry-after")
                except httpx.TimeoutException:
                    status, kind, retry = 0, "hung", None
                elapsed = time.monotonic() - started
                if self.phase != phase:
                    phase = f"{phase}-{self.phase}"  # sent before a change, answered after
                with self.lock:
                    self.answers.append((phase, status, kind, retry, elapsed))

    def of(self, phase: str) -> list[tuple[str, int, str, str | None, float]]:
        with self.lock:
            return [answer for answer in self.answers if answer[0] == phase]


def test_postgresql_going_away_and_coming_back_under_load(
    proxied_postgresql: tuple[str, CuttableProxy],
) -> None:
    url, proxy = proxied_postgresql
    with serve(url) as live, httpx.Client(base_url=live.url, timeout=HANG_SECONDS) as client:
        load = Load(live.url)
        with ThreadPoolExecutor(load.clients) as pool:
            for number in range(load.clients):
                pool.submit(load.run, number)
            time.sleep(1.5)
            assert client.get("/ready").status_code == 200

            load.phase = "cut"
            proxy.cut()
            started = time.monotonic()
            assert "not ready" in assert_unavailable(client.get("/ready"))
            assert time.monotonic() - started < READY_SECONDS
            time.sleep(2)

            load.phase = "restored"
            proxy.restore()
            eventually(lambda: client.get("/ready").status_code == 200, seconds=10)
            load.phase = "after"
            time.sleep(1.5)
            load.stopping.set()

    before, cut, after = load.of("before"), load.of("cut"), load.of("after")
    everything = load.answers
    assert before
    assert cut
    assert after
    # Before, during and after the cut, every answer comes from the snapshot: never a 500, a
    # 503 or a hang, and none waits on the database.
    assert all(status == 200 for _, status, *_ in everything), [
        answer for answer in everything if answer[1] != 200
    ]
    assert max(elapsed for *_, elapsed in everything) < WAIT_SECONDS, max(
        everything, key=lambda a: a[-1]
    )
