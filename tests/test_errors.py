"""What every response says: errors as problem details, declared in the OpenAPI document,
and the security headers, whatever the outcome."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.errors import PROBLEM_JSON
from app.headers import API_POLICY, DOCS_POLICY
from app.main import create_app
from tests.conftest import LiveServer

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    problem: dict[str, Any] = response.json()
    assert problem["type"] == "about:blank"
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    return problem


class TestUnknownPath:
    @pytest.mark.parametrize("path", ["/nowhere", "/causes/", "/causes/surgery/extra", "/docs/x"])
    def test_answers_404_problem(self, client: httpx.Client, path: str) -> None:
        problem = assert_problem(client.get(path), 404)
        assert problem["title"] == "Not Found"

    def test_unknown_slug_names_what_was_not_found(self, client: httpx.Client) -> None:
        problem = assert_problem(client.get("/treatments/no-such-treatment"), 404)
        assert "no-such-treatment" in problem["detail"]

    @pytest.mark.parametrize(
        ("path", "parameter"),
        [
            ("/symptoms?condition=no-such-condition", "condition"),
            ("/risk-factors?cause=no", "cause"),
        ],
    )
    def test_unknown_reference_names_the_parameter(
        self, client: httpx.Client, path: str, parameter: str
    ) -> None:
        problem = assert_problem(client.get(path), 404)
        assert problem["errors"][0]["parameter"] == parameter


class TestWrongMethod:
    @pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
    def test_answers_405_problem_with_allow(self, client: httpx.Client, method: str) -> None:
        response = client.request(method, "/treatments")
        problem = assert_problem(response, 405)
        assert problem["title"] == "Method Not Allowed"
        assert response.headers["allow"] == "GET, HEAD"
        assert "HEAD" in problem["detail"]


class TestInvalidParameter:
    @pytest.mark.parametrize(
        ("path", "parameter", "message"),
        [
            ("/causes?limit=0", "limit", "greater than or equal to 1"),
            ("/causes?limit=101", "limit", "less than or equal to 100"),
            ("/causes?offset=-5", "offset", "greater than or equal to 0"),
            ("/causes?limit=ten", "limit", "valid integer"),
            ("/causes/Not_A_Slug", "slug", "kebab-case slug"),
            ("/search", "q", "Field required"),
            ("/search?q=" + "x" * 201, "q", "at most 200 characters"),
            ("/search?q=a%00b", "q", "NUL"),
            ("/search?q=%FF", "q", "UTF-8"),
            ("/tests?kind=scan", "kind", "must be one of: "),
            ("/risk-factors?certainty=sure", "certainty", "must be one of: "),
        ],
    )
    def test_says_which_parameter_and_why(
        self, client: httpx.Client, path: str, parameter: str, message: str
    ) -> None:
        problem = assert_problem(client.get(path), 422)
        assert problem["title"] == "Unprocessable Content"
        assert [error["parameter"] for error in problem["errors"]] == [parameter]
        assert message in problem["errors"][0]["message"]
        assert problem["detail"].startswith(f"{parameter}: ")

    def test_every_invalid_parameter_is_reported(self, client: httpx.Client) -> None:
        problem = assert_problem(client.get("/causes?limit=0&offset=-1"), 422)
        assert {error["parameter"] for error in problem["errors"]} == {"limit", "offset"}


@pytest.fixture(scope="module")
def failing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on a database file that does not exist, plus a route that fails."""
    missing = tmp_path_factory.mktemp("missing") / "knowledge.db"
    app: FastAPI = create_app(Settings(database_url=f"sqlite:///{missing}"))

    @app.get("/fail", include_in_schema=False)
    def fail() -> None:
        raise RuntimeError(f"secret internals at {Path(__file__)}")

    with LiveServer(app) as live:
        yield live


class TestServerSideFailures:
    def test_database_unavailable_is_503_and_says_nothing_internal(
        self, failing_server: LiveServer
    ) -> None:
        response = httpx.get(f"{failing_server.url}/treatments")
        problem = assert_problem(response, 503)
        assert response.headers["retry-after"] == "30"
        assert response.headers["cache-control"] == "no-store"
        for internal in ("sqlite", "sqlalchemy", "select", "knowledge.db", "operational"):
            assert internal not in response.text.lower()
        assert "/ready" in problem["detail"]

    def test_unexpected_error_says_nothing_internal(self, failing_server: LiveServer) -> None:
        response = httpx.get(f"{failing_server.url}/fail")
        assert_problem(response, 500)
        assert "secret" not in response.text
        assert "RuntimeError" not in response.text
        assert "Traceback" not in response.text


@pytest.fixture(scope="module")
def document(client: httpx.Client) -> dict[str, Any]:
    """The OpenAPI document as clients download it."""
    served: dict[str, Any] = client.get("/openapi.json").json()
    return served


class TestOpenAPI:
    def operations(self, document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        return [
            (path, operation)
            for path, item in document["paths"].items()
            for operation in item.values()
        ]

    def test_every_error_response_is_problem_json(self, document: dict[str, Any]) -> None:
        for path, item in document["paths"].items():
            for method, operation in item.items():
                for status, response in operation["responses"].items():
                    if int(status) < 400:
                        continue
                    # A HEAD's answers have no body: the GET beside it says what it would be.
                    expected = None if method == "head" else {PROBLEM_JSON: {"schema": PROBLEM_REF}}
                    assert response.get("content") == expected, (path, method, status)

    def test_every_data_operation_declares_its_errors(self, document: dict[str, Any]) -> None:
        for path, operation in self.operations(document):
            if path in {"/", "/health", "/ready"}:
                continue
            # And a 404 where a slug or a filter can name nothing (tests/test_openapi.py).
            assert {"422", "503"} <= operation["responses"].keys(), path

    def test_readiness_declares_503(self, document: dict[str, Any]) -> None:
        assert "503" in document["paths"]["/ready"]["get"]["responses"]

    def test_problem_schema_is_rfc_9457_with_parameter_errors(
        self, document: dict[str, Any]
    ) -> None:
        schemas = document["components"]["schemas"]
        problem = schemas["Problem"]
        assert {"type", "title", "status", "detail", "errors"} <= problem["properties"].keys()
        assert {"title", "status", "detail"} <= set(problem["required"])
        assert set(schemas["ParameterError"]["required"]) == {"parameter", "message"}


class TestSecurityHeaders:
    @pytest.mark.parametrize(
        "path", ["/treatments", "/treatments/nope", "/causes?limit=0", "/nowhere", "/health"]
    )
    def test_api_responses_carry_strict_headers(self, client: httpx.Client, path: str) -> None:
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["content-security-policy"] == API_POLICY
        assert "server" not in headers

    def test_docs_page_gets_its_own_policy(self, client: httpx.Client) -> None:
        response = client.get("/docs")
        assert response.headers["content-type"].startswith("text/html")
        policy = response.headers["content-security-policy"]
        assert policy == DOCS_POLICY
        # Scripts and styles from the app itself only: no CDN, no other origin.
        assert "script-src 'self';" in policy
        assert "http" not in policy
        assert "*" not in policy

    def test_cors_lets_any_origin_read(self, client: httpx.Client) -> None:
        response = client.get("/treatments", headers={"Origin": "https://app.example"})
        assert response.headers["access-control-allow-origin"] == "*"

    def test_cors_preflight_allows_get_only(self, client: httpx.Client) -> None:
        response = client.options(
            "/treatments",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-methods"] == "GET, HEAD"

    def test_cors_origins_come_from_settings(self, database_url: str) -> None:
        settings = Settings(database_url=database_url, cors_origins=["https://clinic.example"])
        with LiveServer(create_app(settings)) as live:
            allowed = httpx.get(
                f"{live.url}/conditions", headers={"Origin": "https://clinic.example"}
            )
            other = httpx.get(f"{live.url}/conditions", headers={"Origin": "https://other.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://clinic.example"
        assert "access-control-allow-origin" not in other.headers
