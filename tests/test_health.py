"""Liveness and readiness: /ready is 503 until the database is at the migration head."""

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from app.config import ROOT, SEED_DIR, Settings
from app.db import migrate, migration_script
from app.errors import PROBLEM_JSON
from app.knowledge import load_knowledge
from app.main import create_app
from tests import expect
from tests.conftest import LiveServer, eventually

HEAD = str(migration_script().get_current_head())


class TestOnAMigratedDatabase:
    def test_health_says_the_process_is_up(self, client: httpx.Client) -> None:
        response = client.get("/health")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert response.headers["cache-control"] == "no-store"

    def test_ready_names_the_revision(self, client: httpx.Client) -> None:
        response = client.get("/ready")
        assert response.status_code == 200
        assert response.json() == {"status": "ready", "revision": HEAD}
        assert response.headers["cache-control"] == "no-store"


@pytest.fixture
def empty_database(tmp_path: Path) -> str:
    """A database file with no migrations applied."""
    path = tmp_path / "knowledge.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("VACUUM")
    return f"sqlite:///{path}"


@pytest.fixture
def live(empty_database: str) -> Iterator[LiveServer]:
    settings = Settings(database_url=empty_database, revision_check_interval=0.05)
    with LiveServer(create_app(settings)) as server:
        yield server


def assert_not_ready(response: httpx.Response) -> str:
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["cache-control"] == "no-store"
    detail: str = response.json()["detail"]
    return detail


class TestReadiness:
    def test_unmigrated_is_503_until_upgraded_to_head(
        self, live: LiveServer, empty_database: str
    ) -> None:
        with httpx.Client(base_url=live.url) as client:
            assert client.get("/health").status_code == 200
            assert_not_ready(client.get("/ready"))
            assert client.get("/treatments").status_code == 503

            migrate(empty_database)

            eventually(lambda: client.get("/ready").status_code == 200)
            assert client.get("/ready").json() == {"status": "ready", "revision": HEAD}
            assert client.get("/treatments").status_code == 200

    def test_the_openapi_document_gets_its_examples_once_migrated(
        self, live: LiveServer, empty_database: str
    ) -> None:
        with httpx.Client(base_url=live.url) as client:
            assert client.get("/openapi.json").status_code == 503
            migrate(empty_database)
            eventually(lambda: client.get("/openapi.json").status_code == 200)
            document = client.get("/openapi.json").json()
            treatments = document["paths"]["/treatments"]["get"]["responses"]["200"]
            listed = expect.listed(load_knowledge(SEED_DIR), "treatments")
            assert treatments["content"]["application/json"]["example"]["total"] == len(listed)

    def test_behind_the_head_is_503_and_says_which_revisions(
        self, live: LiveServer, empty_database: str
    ) -> None:
        script = migration_script()
        first = next(iter(script.walk_revisions("base", "heads")))  # newest first
        behind = first.down_revision
        assert isinstance(behind, str)
        migrate(empty_database, behind)
        detail = assert_not_ready(httpx.get(f"{live.url}/ready"))
        assert f"at revision {behind}" in detail
        assert HEAD in detail

    def test_missing_file_is_503_and_is_not_created(self, tmp_path: Path) -> None:
        missing = tmp_path / "absent.db"
        with LiveServer(create_app(Settings(database_url=f"sqlite:///{missing}"))) as server:
            assert_not_ready(httpx.get(f"{server.url}/ready"))
        assert not missing.exists()


def start_and_read_log(database_url: str) -> list[str]:
    """Start the server the way an operator does and return what it says before it serves."""
    environment = {**os.environ, "DATABASE_URL": database_url}
    with subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None
        lines: list[str] = []
        try:
            for line in process.stderr:
                if "Application startup complete" in line:
                    break
                lines.append(line.rstrip("\n"))
        finally:
            process.terminate()
            process.wait(timeout=20)
    return lines


class TestStartupMessage:
    @pytest.mark.parametrize(
        ("database", "reason"),
        [("missing", "it cannot be opened"), ("empty", "it has no migrations applied")],
    )
    def test_unready_database_is_reported_in_one_line(
        self, tmp_path: Path, empty_database: str, database: str, reason: str
    ) -> None:
        url = f"sqlite:///{tmp_path / 'absent.db'}" if database == "missing" else empty_database
        log = start_and_read_log(url)
        said = [line for line in log if "not ready" in line]
        assert len(said) == 1
        assert reason in said[0]
        assert "Run `alembic upgrade head`" in said[0]
        assert not any("Traceback" in line for line in log)

    def test_ready_database_starts_quietly(self, database_url: str) -> None:
        assert not [line for line in start_and_read_log(database_url) if "not ready" in line]
