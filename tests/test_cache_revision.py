"""After a migration adds knowledge, the running service answers with it, not from its cache.

The test-only condition is added the way a curator adds one (the curation commands, in a copy of
the project), and its migration is run against the database the service reads, while it runs.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.db import migrate
from app.main import create_app
from tests.conftest import LiveServer, eventually
from tests.test_curation import TEST_SEED, add_test_condition, alembic, curate, project

__all__ = ["project"]  # the fixture, shared with the curation tests


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    path = tmp_path / "knowledge.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def live(database_path: Path) -> Iterator[httpx.Client]:
    settings = Settings(database_url=f"sqlite:///{database_path}", revision_check_interval=0.05)
    with (
        LiveServer(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        yield http


def migrate_test_condition(project: Path, database_path: Path) -> None:
    """Write the test-only condition's migration, and run it against the served database."""
    add_test_condition(project)
    curate(project, "migration", TEST_SEED)
    alembic(project, f"sqlite:///{database_path}", "upgrade", "head")


def test_a_migration_changes_the_answers_of_the_running_service(
    live: httpx.Client, database_path: Path, project: Path
) -> None:
    revision = live.get("/meta").json()["revision"]
    conditions = live.get("/conditions", headers={"Accept-Encoding": "identity"})
    before = [c["slug"] for c in conditions.json()["items"]]
    assert TEST_SEED not in before
    assert live.get("/search?q=glimmerfold").json()["total"] == 0
    assert live.get(f"/symptoms?condition={TEST_SEED}").status_code == 404

    migrate_test_condition(project, database_path)

    eventually(lambda: live.get("/meta").json()["revision"] != revision)
    after = live.get("/conditions", headers={"Accept-Encoding": "identity"})
    assert [c["slug"] for c in after.json()["items"]] == sorted([*before, TEST_SEED])
    assert after.headers["etag"] != conditions.headers["etag"]
    hits = live.get("/search?q=glimmerfold").json()
    assert TEST_SEED in [hit["slug"] for hit in hits["items"]]
    symptoms = live.get(f"/symptoms?condition={TEST_SEED}").json()
    assert "silver-skin-folds" in [s["slug"] for s in symptoms["items"]]


def test_a_client_holding_the_old_etag_gets_the_new_answer(
    live: httpx.Client, database_path: Path, project: Path
) -> None:
    first = live.get("/conditions")
    etag = first.headers["etag"]
    assert live.get("/conditions", headers={"If-None-Match": etag}).status_code == 304

    revision = live.get("/meta").json()["revision"]
    migrate_test_condition(project, database_path)

    eventually(lambda: live.get("/meta").json()["revision"] != revision)
    response = live.get("/conditions", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["total"] == first.json()["total"] + 1
