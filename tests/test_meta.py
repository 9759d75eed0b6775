"""GET /meta: what a deployment serves, so a client can tell whether its copy is current."""

import hashlib
import re
from importlib.metadata import version

import httpx
import pytest

from app.db import migration_script
from app.knowledge import Knowledge

# Expects only what the seeds say: runs on the project's seeds too (conftest).
pytestmark = pytest.mark.seeds


def migration_head(database_url: str) -> str:
    head = migration_script().get_current_head()
    assert head is not None
    return head


def create_date(database_url: str, revision: str) -> str:
    """The day the migration says it was written, as its file's header gives it."""
    script = migration_script().get_revision(revision)
    assert script is not None
    assert script.path is not None
    with open(script.path, encoding="utf-8") as migration:
        found = re.search(r"^Create Date: (\S+)", migration.read(), re.MULTILINE)
    assert found is not None, f"{script.path} has no Create Date"
    return found.group(1)


class TestMeta:
    def test_versions(self, client: httpx.Client, database_url: str) -> None:
        meta = client.get("/meta").json()
        assert meta["api_version"] == version("condition-knowledge-api")
        assert meta["revision"] == migration_head(database_url)

    def test_the_knowledge_version_is_readable(
        self, client: httpx.Client, database_url: str
    ) -> None:
        meta = client.get("/meta").json()
        date = create_date(database_url, meta["revision"])
        assert meta["knowledge_date"] == date
        assert meta["knowledge_version"] == f"{meta['revision']} of {date}"

    def test_sources_carry_the_sha256_of_their_text(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        sources = client.get("/meta").json()["sources"]
        assert [s["slug"] for s in sources] == sorted(
            {seed.data.source.slug for seed in knowledge.seeds}
        )
        for source in sources:
            text = client.get(f"/sources/{source['slug']}/text").content
            assert source["sha256"] == hashlib.sha256(text).hexdigest()

    @pytest.mark.corpus
    def test_sources_carry_their_attribution_when_the_seed_gives_it(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        served = {source["slug"]: source for source in client.get("/meta").json()["sources"]}
        attributed = 0
        for seed in knowledge.seeds:
            given = seed.data.source
            source = served[given.slug]
            assert source["title"] == given.title
            assert source["publisher"] == given.publisher
            assert source["url"] == given.url
            assert source["licence"] == given.licence
            assert source["retrieved"] == (given.retrieved.isoformat() if given.retrieved else None)
            attributed += given.publisher is not None
        assert attributed, "no seed gives an attribution: the test would prove nothing"
