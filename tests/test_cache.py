"""The response cache as a client sees it: validators, freshness headers, gzip, and what is kept.

These run against the real routes and a database built by the real migrations.
"""

import gzip
import json

import httpx
import pytest

from app.knowledge import Knowledge
from tests import expect

IDENTITY = {"Accept-Encoding": "identity"}


class TestValidators:
    def test_an_answer_has_a_strong_etag(self, client: httpx.Client) -> None:
        etag = client.get("/treatments", headers=IDENTITY).headers["etag"]
        assert etag.startswith('"')
        assert etag.endswith('"')

    def test_the_same_answer_keeps_its_etag(self, client: httpx.Client) -> None:
        first = client.get("/treatments", headers=IDENTITY)
        second = client.get("/treatments", headers=IDENTITY)
        assert first.content == second.content
        assert first.headers["etag"] == second.headers["etag"]

    def test_different_answers_have_different_etags(self, client: httpx.Client) -> None:
        treatments = client.get("/treatments", headers=IDENTITY).headers["etag"]
        causes = client.get("/causes", headers=IDENTITY).headers["etag"]
        page = client.get("/treatments?limit=1", headers=IDENTITY).headers["etag"]
        assert len({treatments, causes, page}) == 3

    def test_a_matching_if_none_match_answers_304_without_a_body(
        self, client: httpx.Client
    ) -> None:
        etag = client.get("/treatments", headers=IDENTITY).headers["etag"]
        response = client.get("/treatments", headers={**IDENTITY, "If-None-Match": etag})
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == "public, max-age=300"

    @pytest.mark.parametrize("form", ["W/{etag}", '"other", {etag}', "*"])
    def test_if_none_match_lists_and_weak_tags_match(self, client: httpx.Client, form: str) -> None:
        etag = client.get("/causes", headers=IDENTITY).headers["etag"]
        response = client.get(
            "/causes", headers={**IDENTITY, "If-None-Match": form.format(etag=etag)}
        )
        assert response.status_code == 304

    def test_a_stale_if_none_match_gets_the_answer(
        self, client: httpx.Client, knowledge: Knowledge
    ) -> None:
        response = client.get("/causes", headers={**IDENTITY, "If-None-Match": '"not-it"'})
        assert response.status_code == 200
        assert response.json()["total"] == len(expect.listed(knowledge, "causes"))


class TestFreshnessHeaders:
    def test_answers_are_public_for_max_age(self, client: httpx.Client) -> None:
        response = client.get("/risk-factors?cause=metastatic-calcification", headers=IDENTITY)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=300"

    def test_answers_vary_on_the_negotiating_headers(self, client: httpx.Client) -> None:
        vary = client.get("/search?q=kidney", headers=IDENTITY).headers["vary"]
        tokens = {token.strip().lower() for token in vary.split(",")}
        assert {"accept", "accept-encoding"} <= tokens

    def test_errors_are_not_marked_cacheable(self, client: httpx.Client) -> None:
        response = client.get("/treatments/no-such-treatment", headers=IDENTITY)
        assert response.status_code == 404
        assert "etag" not in response.headers
        assert "public" not in response.headers.get("cache-control", "")

    def test_invalid_parameters_still_answer_422(self, client: httpx.Client) -> None:
        client.get("/treatments?limit=5", headers=IDENTITY)
        response = client.get("/treatments?limit=0", headers=IDENTITY)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


class TestGzip:
    def test_a_large_answer_is_gzipped_for_a_client_that_accepts_it(
        self, client: httpx.Client
    ) -> None:
        plain = client.get("/treatments", headers=IDENTITY)
        # Read the raw bytes, so that the check is on what was sent, not on httpx's decoding.
        with client.stream("GET", "/treatments", headers={"Accept-Encoding": "gzip"}) as zipped:
            raw = b"".join(zipped.iter_raw())
            assert zipped.headers["content-encoding"] == "gzip"
            assert int(zipped.headers["content-length"]) == len(raw)
        assert len(raw) < len(plain.content)
        assert gzip.decompress(raw) == plain.content

    def test_gzip_and_plain_answers_have_different_etags(self, client: httpx.Client) -> None:
        plain = client.get("/treatments", headers=IDENTITY).headers["etag"]
        zipped = client.get("/treatments", headers={"Accept-Encoding": "gzip"}).headers["etag"]
        assert plain != zipped

    def test_no_gzip_for_a_client_that_refuses_it(self, client: httpx.Client) -> None:
        response = client.get("/treatments", headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert "content-encoding" not in response.headers
        assert json.loads(response.content) == client.get("/treatments", headers=IDENTITY).json()

    def test_a_small_answer_is_not_gzipped(self, client: httpx.Client) -> None:
        response = client.get("/treatments?limit=1&offset=100", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert len(response.content) < 1024
        assert "content-encoding" not in response.headers
