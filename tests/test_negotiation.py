"""One reader of weighted headers for every negotiation: JSON or JSON-LD, gzip or not."""

import httpx
import pytest

from app.cache import accepts_gzip
from app.jsonld import prefers_jsonld
from app.negotiation import choose, weights

JSON, JSON_LD = "application/json", "application/ld+json"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", [("gzip", 1.0)]),
        ("GZIP;Q=0.5", [("gzip", 0.5)]),
        ("gzip; level=1; q=0", [("gzip", 0.0)]),
        ("gzip;q=0.001, br;q=1.000", [("gzip", 0.001), ("br", 1.0)]),
        ("a;q=1.5, b;q=-1, c;q=0.0001, d;q=abc, e;q=nan, f;q=", [(t, 0.0) for t in "abcdef"]),
        ('application/ld+json;profile="a,b;q=0";q=0.9', [("application/ld+json", 0.9)]),
        (" , ,text/html ,", [("text/html", 1.0)]),
        ("", []),
    ],
)
def test_weights(header: str, expected: list[tuple[str, float]]) -> None:
    assert weights(header) == expected


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("", None),
        ("*/*", JSON),
        (JSON, JSON),
        (JSON_LD, JSON_LD),
        (f"{JSON}, {JSON_LD}", JSON),  # the same weight: the server's first offer
        (f"{JSON_LD}, {JSON}", JSON),
        (f"{JSON_LD}, */*", JSON_LD),  # named, against a wildcard of the same weight
        (f"{JSON};q=0.5, */*", JSON_LD),  # JSON-LD has q=1 through */*
        (f"{JSON};q=0.5, application/*", JSON_LD),
        (f"{JSON_LD};q=0.8, application/*;q=0.9", JSON),
        (f"{JSON_LD};q=0, */*", JSON),
        (f"{JSON};q=0, {JSON_LD};q=0", None),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),
        ("text/html", None),
        (f'{JSON_LD};profile="http://schema.org, x";q=0.9, {JSON};q=0.8', JSON_LD),
        (f"{JSON_LD.upper()};Q=1, {JSON};q=0.5", JSON_LD),
    ],
)
def test_choose_between_json_and_json_ld(accept: str, chosen: str | None) -> None:
    assert choose(accept, [JSON, JSON_LD]) == chosen
    assert prefers_jsonld(accept) is (chosen == JSON_LD)


@pytest.mark.parametrize(
    ("accept_encoding", "accepted"),
    [
        (b"gzip", True),
        (b"gzip, deflate, br, zstd", True),
        (b"br;q=1.0, gzip;q=0.5", True),
        (b"*", True),
        (b"GZip", True),
        (b"", False),
        (b"identity", False),
        (b"gzip;q=0", False),
        (b"gzip; level=1; q=0", False),
        (b"gzip;q=0, *", False),
        (b"*, gzip;q=0", False),
        (b"br, *;q=0", False),
        (b"gzip;q=2", False),
        (b"x" * 100 + b", gzip", True),  # longer than what is kept, read the same way
    ],
)
def test_accepts_gzip(accept_encoding: bytes, accepted: bool) -> None:
    assert accepts_gzip(accept_encoding) is accepted
    assert accepts_gzip(accept_encoding) is accepted  # and the same when asked again


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [(f"{JSON};q=0.5, */*", JSON_LD), (f"{JSON_LD}, */*", JSON_LD), ("*/*", JSON)],
)
def test_the_condition_is_served_as_negotiated(
    client: httpx.Client, accept: str, media_type: str
) -> None:
    slug = client.get("/conditions").json()["items"][0]["slug"]
    response = client.get(f"/conditions/{slug}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type


def test_a_refused_gzip_is_not_sent(client: httpx.Client) -> None:
    headers = {"Accept-Encoding": "gzip; level=1; q=0"}
    response = client.get("/treatments", headers=headers)
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert (
        client.get("/treatments", headers={"Accept-Encoding": "gzip"}).headers["content-encoding"]
        == "gzip"
    )
