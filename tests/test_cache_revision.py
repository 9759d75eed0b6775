"""After a migration adds knowledge, the running service answers with it, not from its cache.

A test-only condition is written as a seed folder and a migration in a temporary folder, and
migrated into the database the service is reading, while it runs.
"""

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.script import ScriptDirectory

from app.config import ROOT, SEED_DIR, Settings
from app.knowledge.codes import CODE_TABLE
from app.main import create_app
from tests.conftest import LiveServer, alembic_config

SOURCE = (
    "Zorblatosis is an invented condition that exists only in a test of the service. "
    "It shows as quilvering of the skin on the elbows."
)
DEFINITION = "Zorblatosis is an invented condition that exists only in a test of the service."
SYMPTOM = "It shows as quilvering of the skin on the elbows."

MIGRATION = '''"""Test-only knowledge: zorblatosis."""

from pathlib import Path

import sqlalchemy as sa
from alembic import op

from app.knowledge import TABLE_ORDER, delete_knowledge, insert_knowledge, load_seed

revision = "test_zorblatosis"
down_revision = {head!r}
branch_labels = None
depends_on = None

SEED = Path({seed!r})


def _shapes():
    metadata = sa.MetaData()
    metadata.reflect(op.get_bind(), only=TABLE_ORDER)
    return metadata.tables


def upgrade():
    insert_knowledge(op.get_bind(), _shapes(), load_seed(SEED))


def downgrade():
    delete_knowledge(op.get_bind(), _shapes(), load_seed(SEED))
'''


def quote(text: str) -> str:
    start = SOURCE.index(text)
    return f'{{ quote = "{text}", start = {start}, end = {start + len(text)} }}'


def write_seed(folder: Path) -> None:
    folder.mkdir()
    # The verified code table stands beside every seed folder.
    shutil.copy(SEED_DIR / CODE_TABLE, folder.parent / CODE_TABLE)
    (folder / "source.txt").write_text(SOURCE, encoding="utf-8")
    sha256 = hashlib.sha256(SOURCE.encode()).hexdigest()
    (folder / "knowledge.toml").write_text(
        f"""
[source]
slug = "zorblatosis-test-note"
title = "Zorblatosis (test only)"
file = "source.txt"
sha256 = "{sha256}"
language = "en"

[condition]
slug = "zorblatosis"
name = "Zorblatosis"
description = "An invented condition that exists only in a test."
evidence = [{quote(DEFINITION)}]

[[symptoms]]
slug = "quilvering-skin"
name = "Quilvering skin"
description = "Quilvering of the skin on the elbows."
evidence = [{quote(SYMPTOM)}]
""",
        encoding="utf-8",
    )


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    path = tmp_path / "knowledge.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    return path


@pytest.fixture
def live(database_path: Path) -> Iterator[httpx.Client]:
    # Check the revision on every request, so the test needs no waiting.
    settings = Settings(database_url=f"sqlite:///{database_path}", revision_check_interval=0)
    with (
        LiveServer(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        yield http


def migrate_test_condition(database_path: Path, tmp_path: Path) -> None:
    """Run a second migration, adding the test-only condition, against the served database."""
    seed, versions = tmp_path / "zorblatosis", tmp_path / "versions"
    write_seed(seed)
    versions.mkdir()
    config = alembic_config(f"sqlite:///{database_path}")
    head = ScriptDirectory.from_config(config).get_current_head()
    (versions / "test_zorblatosis.py").write_text(MIGRATION.format(head=head, seed=str(seed)))
    config.set_main_option(
        "version_locations", os.pathsep.join([str(ROOT / "migrations" / "versions"), str(versions)])
    )
    command.upgrade(config, "head")


def test_a_migration_changes_the_answers_of_the_running_service(
    live: httpx.Client, database_path: Path, tmp_path: Path
) -> None:
    conditions = live.get("/conditions", headers={"Accept-Encoding": "identity"})
    assert conditions.json()["total"] == 1
    assert live.get("/search?q=quilvering").json()["total"] == 0
    assert live.get("/symptoms?condition=zorblatosis").status_code == 404

    migrate_test_condition(database_path, tmp_path)

    after = live.get("/conditions", headers={"Accept-Encoding": "identity"})
    assert [c["slug"] for c in after.json()["items"]] == ["calcinosis-cutis", "zorblatosis"]
    assert after.headers["etag"] != conditions.headers["etag"]
    hits = live.get("/search?q=quilvering").json()
    assert [hit["slug"] for hit in hits["items"]] == ["quilvering-skin"]
    symptoms = live.get("/symptoms?condition=zorblatosis").json()
    assert [s["slug"] for s in symptoms["items"]] == ["quilvering-skin"]


def test_a_client_holding_the_old_etag_gets_the_new_answer(
    live: httpx.Client, database_path: Path, tmp_path: Path
) -> None:
    etag = live.get("/conditions").headers["etag"]
    assert live.get("/conditions", headers={"If-None-Match": etag}).status_code == 304

    migrate_test_condition(database_path, tmp_path)

    response = live.get("/conditions", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["total"] == 2
