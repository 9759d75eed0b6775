"""Every answer, errors included, leaves through the same middleware: an unexpected error, a busy
pool and an oversized request all answer problem+json with the security and CORS headers."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine

from app.config import Settings
from app.errors import PROBLEM_JSON
from app.headers import API_POLICY, MAX_HEADER_BYTES, MAX_TARGET_BYTES
from app.main import create_app
from tests.conftest import LiveServer

ORIGIN = {"Origin": "https://app.example"}


@pytest.fixture(scope="module")
def troubled(database_url: str) -> Iterator[httpx.Client]:
    """The real app on the test database, plus a route that fails and one that finds every
    pooled connection taken."""
    app: FastAPI = create_app(Settings(database_url=database_url))
    small_pool = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.1)

    @app.get("/fail", include_in_schema=False)
    def fail() -> None:
        raise RuntimeError("secret internals")

    @app.get("/busy", include_in_schema=False)
    def busy() -> None:
        with small_pool.connect(), small_pool.connect():
            pass

    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        yield client
    small_pool.dispose()


def assert_problem_with_every_header(response: httpx.Response, status: int) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"] == API_POLICY
    assert response.headers["access-control-allow-origin"] == "*"


def test_an_unexpected_error_gets_the_headers(troubled: httpx.Client) -> None:
    response = troubled.get("/fail", headers=ORIGIN)
    assert_problem_with_every_header(response, 500)
    assert "secret" not in response.text


def test_a_busy_pool_is_503_with_retry_after(troubled: httpx.Client) -> None:
    response = troubled.get("/busy", headers=ORIGIN)
    assert_problem_with_every_header(response, 503)
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["cache-control"] == "no-store"
    assert "/ready" in response.json()["detail"]


def padding(size: int) -> dict[str, str]:
    return {"X-Padding": "p" * size}


@pytest.mark.parametrize("path", ["/treatments", "/nowhere", "/health"])
def test_headers_beyond_the_bound_are_431(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code in (200, 404)  # kept by the cache when it may be
    response = client.get(path, headers={**ORIGIN, **padding(MAX_HEADER_BYTES)})
    assert_problem_with_every_header(response, 431)
    assert str(MAX_HEADER_BYTES) in response.json()["detail"]


def test_one_huge_accept_is_431(client: httpx.Client) -> None:
    huge = ",".join(["application/json;q=0.1"] * 200_000)  # about 5 MB
    response = client.get("/treatments", headers={**ORIGIN, "Accept": huge})
    assert_problem_with_every_header(response, 431)
    assert client.get("/treatments").status_code == 200


def test_headers_within_the_bound_are_served(client: httpx.Client) -> None:
    # httpx's own headers (Host, Accept, User-Agent, ...) take about a hundred bytes.
    assert client.get("/treatments", headers=padding(MAX_HEADER_BYTES - 500)).status_code == 200


def test_a_target_beyond_the_bound_is_414(client: httpx.Client) -> None:
    response = client.get("/treatments?pad=" + "p" * MAX_TARGET_BYTES, headers=ORIGIN)
    assert_problem_with_every_header(response, 414)
    assert response.json()["detail"].startswith("The request target takes more than ")
    # Within the bound, a long query string of a parameter the operation defines is answered.
    within = "&".join(["offset=0"] * ((MAX_TARGET_BYTES - 500) // len("offset=0&")))
    assert client.get("/treatments?" + within).status_code == 200
