"""GET /meta: what a deployment serves, so a client can tell whether its copy is current."""

import hashlib
from importlib.metadata import version

import httpx
from alembic.script import ScriptDirectory

from app.knowledge import Knowledge
from tests.conftest import alembic_config


def migration_head(database_url: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert head is not None
    return head


class TestMeta:
    def test_versions(self, client: httpx.Client, database_url: str) -> None:
        meta = client.get("/meta").json()
        assert meta["api_version"] == version("condition-knowledge-api")
        assert meta["revision"] == migration_head(database_url)

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
