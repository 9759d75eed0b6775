"""GET /export: the whole knowledge base in one download, JSON or NDJSON, written once per
revision, streamed, gzipped for a client that takes it."""

import gzip
import hashlib
import json
from collections import defaultdict
from typing import Any

import httpx
import pytest

from app.knowledge import Knowledge
from tests.conftest import LiveServer
from tests.test_meta import migration_head

# JSON export section (and /meta count) -> NDJSON item kind, for every list endpoint.
SECTIONS = {
    "sources": "source",
    "conditions": "condition",
    "causes": "cause",
    "risk_factors": "risk-factor",
    "symptoms": "symptom",
    "complications": "complication",
    "tests": "test",
    "treatments": "treatment",
    "drugs": "drug",
    "prevention": "prevention",
    "aggravating_factors": "aggravating-factor",
    "populations": "population",
}
LIST_PATHS = {kind: "/" + section.replace("_", "-") for section, kind in SECTIONS.items()}


def listed(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    """Every item a list endpoint serves, page by page."""
    items: list[dict[str, Any]] = []
    while True:
        page = client.get(path, params={"limit": 7, "offset": len(items)}).json()
        items.extend(page["items"])
        if len(items) >= page["total"]:
            return items


def without_text(source: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in source.items() if key != "text"}


@pytest.fixture(scope="module")
def lists(client: httpx.Client) -> dict[str, list[dict[str, Any]]]:
    return {kind: listed(client, path) for kind, path in LIST_PATHS.items()}


@pytest.fixture(scope="module")
def export(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert 'filename="knowledge-' in response.headers["content-disposition"]
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def lines(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.get("/export", params={"format": "ndjson"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    text = response.text
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


class TestJsonExport:
    def test_round_trips_to_the_list_endpoints(
        self, export: dict[str, Any], lists: dict[str, list[dict[str, Any]]]
    ) -> None:
        assert export.keys() == {"api_version", "revision", *SECTIONS, "redirects"}
        for section, kind in SECTIONS.items():
            items = export[section]
            if kind == "source":
                items = [without_text(source) for source in items]
            assert items == lists[kind], section

    def test_lists_every_old_url_and_where_it_leads(
        self, export: dict[str, Any], client: httpx.Client, knowledge: Knowledge
    ) -> None:
        renamed = {old: c.slug for _, c in knowledge.concepts() for old in c.formerly}
        renamed |= {
            old: seed.condition for seed in knowledge.seeds for old in seed.data.condition.formerly
        }
        assert {r["old_path"].rsplit("/", 1)[1] for r in export["redirects"]} == renamed.keys()
        for redirect in export["redirects"]:
            moved = client.get(redirect["old_path"])
            assert moved.status_code == 308
            assert moved.headers["location"] == redirect["path"]
            assert redirect["path"].rsplit("/", 1)[1] == renamed[moved.url.path.rsplit("/", 1)[1]]

    def test_carries_the_revision_and_the_source_texts(
        self, export: dict[str, Any], client: httpx.Client, database_url: str
    ) -> None:
        assert (
            export["revision"]
            == migration_head(database_url)
            == client.get("/meta").json()["revision"]
        )
        for source in export["sources"]:
            assert hashlib.sha256(source["text"].encode()).hexdigest() == source["sha256"]
            assert source["text"] == client.get(f"/sources/{source['slug']}/text").text


class TestNdjsonExport:
    def test_starts_with_the_revision(self, lines: list[dict[str, Any]], database_url: str) -> None:
        assert lines[0]["kind"] == "export"
        assert lines[0]["revision"] == migration_head(database_url)

    def test_round_trips_to_the_list_endpoints(
        self,
        lines: list[dict[str, Any]],
        lists: dict[str, list[dict[str, Any]]],
        export: dict[str, Any],
    ) -> None:
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in lines[1:]:
            assert line.keys() == {"kind", "item"}
            by_kind[line["kind"]].append(line["item"])
        by_kind["source"] = [without_text(source) for source in by_kind["source"]]
        redirects = by_kind.pop("redirect", [])
        assert dict(by_kind) == lists
        assert redirects == export["redirects"]

    def test_counts_agree_with_meta(
        self, lines: list[dict[str, Any]], client: httpx.Client
    ) -> None:
        counts: dict[str, int] = defaultdict(int)
        for line in lines[1:]:
            if line["kind"] != "redirect":  # an old URL, not an item
                counts[line["kind"]] += 1
        meta = client.get("/meta").json()["counts"]
        assert dict(counts) == {kind: meta[section] for section, kind in SECTIONS.items()}


class TestStreaming:
    @pytest.mark.parametrize("output", ["json", "ndjson"])
    def test_sent_in_chunks_as_it_is_read(self, client: httpx.Client, output: str) -> None:
        identity = {"Accept-Encoding": "identity"}
        with client.stream("GET", "/export", params={"format": output}, headers=identity) as got:
            assert "content-length" not in got.headers
            assert got.headers["transfer-encoding"] == "chunked"
            chunks = list(got.iter_raw())
        assert len(chunks) > 1

    @pytest.mark.parametrize("output", ["json", "ndjson"])
    def test_gzipped_for_a_client_that_takes_it(self, client: httpx.Client, output: str) -> None:
        params = {"format": output}
        plain = client.get("/export", params=params, headers={"Accept-Encoding": "identity"})
        with client.stream("GET", "/export", params=params) as zipped:
            assert zipped.headers["content-encoding"] == "gzip"
            raw = b"".join(zipped.iter_raw())
        assert gzip.decompress(raw) == plain.content
        assert "accept-encoding" in plain.headers["vary"].lower()

    def test_revalidated_by_its_etag_and_answered_to_head_alike(self, client: httpx.Client) -> None:
        first = client.get("/export")
        etag = first.headers["etag"]
        again = client.get("/export", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        head = client.head("/export")
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["etag"] == etag
        other = client.get("/export", params={"format": "ndjson"})
        assert other.headers["etag"] != etag

    def test_written_once_per_revision(self, server: LiveServer, client: httpx.Client) -> None:
        client.get("/export")
        snapshot = server.app.state.store.current.path
        (written,) = snapshot.parent.glob(f"{snapshot.name}.export.json.gz")
        before = written.stat().st_mtime_ns
        client.get("/export", headers={"Accept-Encoding": "identity"})
        client.get("/export")
        assert written.stat().st_mtime_ns == before

    def test_unknown_format_is_a_problem(self, client: httpx.Client) -> None:
        response = client.get("/export", params={"format": "xml"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["parameter"] == "format"
