"""When the database changes or fails under a running server: a SQLite file replaced or removed
by a deploy, PostgreSQL going away and coming back under load. /ready tells the truth at once,
requests get 503 problem+json with Retry-After (never a 500, never a hang), and everything answers
again once the database is back."""

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
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.errors import PROBLEM_JSON
from app.main import create_app
from tests.conftest import POSTGRES_URL, LiveServer, alembic_config, postgres_database


def migrated_file(path: Path, revision: str = "head") -> str:
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), revision)
    return url


def head_and_previous(url: str) -> tuple[str, str]:
    script = ScriptDirectory.from_config(alembic_config(url))
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


def serve(database_url: str) -> LiveServer:
    # The revision is re-read on every request, so each step is seen by the next request.
    return LiveServer(create_app(Settings(database_url=database_url, revision_check_interval=0)))


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

            assert client.get("/ready").json() == {"status": "ready", "revision": head}
            assert client.get("/meta").json()["revision"] == head
            assert client.get("/search", params={"q": "kidney"}).status_code == 200

    def test_a_removed_file_is_503_until_it_is_back(
        self, tmp_path: Path, served_file: Path
    ) -> None:
        aside = tmp_path / "aside.db"
        with serve(f"sqlite:///{served_file}") as live, httpx.Client(base_url=live.url) as client:
            assert client.get("/ready").status_code == 200
            before = client.get("/treatments")
            assert before.status_code == 200

            os.replace(served_file, aside)

            assert "cannot be opened" in assert_unavailable(client.get("/ready"))
            assert_unavailable(client.get("/treatments"))  # not the answer kept before
            assert_unavailable(client.get("/causes"))
            assert not served_file.exists()  # the server never creates it

            os.replace(aside, served_file)

            assert client.get("/ready").status_code == 200
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
        command.upgrade(alembic_config(url), "head")
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
            time.sleep(0.5)
            assert "cannot be opened" in assert_unavailable(client.get("/ready"))
            time.sleep(2)

            load.phase = "restored"
            proxy.restore()
            deadline = time.monotonic() + 10
            while client.get("/ready").status_code != 200:
                assert time.monotonic() < deadline, "/ready stayed 503 after the database came back"
                time.sleep(0.1)
            load.phase = "after"
            time.sleep(1.5)
            load.stopping.set()

    before, cut, after = load.of("before"), load.of("cut"), load.of("after")
    everything = load.answers
    assert before
    assert cut
    assert after
    assert all(status == 200 for _, status, *_ in before), [a for a in before if a[1] != 200]
    # During the cut: only answers kept from before, or 503 problem+json saying when to retry.
    assert {status for _, status, *_ in cut} <= {200, 503}, cut
    unavailable = [answer for answer in cut if answer[1] == 503]
    assert unavailable, "no request noticed the database was gone"
    assert all(kind == PROBLEM_JSON and retry for _, _, kind, retry, _ in unavailable)
    # Never a 500, never a hang, and every request succeeds once it is back.
    assert all(status in (200, 503) for _, status, *_ in everything), [
        answer for answer in everything if answer[1] not in (200, 503)
    ]
    assert max(elapsed for *_, elapsed in everything) < HANG_SECONDS
    assert all(status == 200 for _, status, *_ in after), [a for a in after if a[1] != 200]
