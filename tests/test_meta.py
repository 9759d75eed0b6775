"""GET /meta: what a deployment serves, so a client can tell whether its copy is current."""

import hashlib
from importlib.metadata import version

import httpx
from alembic.script import ScriptDirectory

from tests.conftest import alembic_config

LIST_PATHS = {
    "condition": "/conditions",
    "cause": "/causes",
    "risk-factor": "/risk-factors",
    "symptom": "/symptoms",
    "complication": "/complications",
    "test": "/tests",
    "treatment": "/treatments",
    "prevention": "/prevention",
    "source": "/sources",
}


def migration_head(database_url: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert head is not None
    return head


class TestMeta:
    def test_versions(self, client: httpx.Client, database_url: str) -> None:
        meta = client.get("/meta").json()
        assert meta["api_version"] == version("condition-knowledge-api")
        assert meta["revision"] == migration_head(database_url)

    def test_sources_carry_the_sha256_of_their_text(self, client: httpx.Client) -> None:
        sources = client.get("/meta").json()["sources"]
        assert [s["slug"] for s in sources] == ["how-to-treat-calcinosis-cutis"]
        for source in sources:
            text = client.get(f"/sources/{source['slug']}/text").content
            assert source["sha256"] == hashlib.sha256(text).hexdigest()

    def test_counts_match_the_lists(self, client: httpx.Client) -> None:
        counts = client.get("/meta").json()["counts"]
        assert counts.keys() == LIST_PATHS.keys()
        for kind, path in LIST_PATHS.items():
            assert counts[kind] == client.get(path).json()["total"], kind
        assert counts["cause"] == 5
