"""The OpenAPI document is one a client generator can rely on: complete, described, validated."""

import re
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from pydantic import ValidationError

from app import __version__
from app.cache import UNCACHED_PATHS
from app.config import Settings
from app.main import create_app
from app.search_index import KINDS
from tests.conftest import LiveServer

# Generated clients name their functions after these: they never change.
OPERATION_IDS = {
    "list_conditions", "get_condition", "list_causes", "get_cause", "list_risk_factors",
    "get_risk_factor", "list_symptoms", "get_symptom", "list_complications", "get_complication",
    "list_tests", "get_test", "list_treatments", "get_treatment", "list_prevention",
    "get_prevention", "list_drugs", "get_drug", "list_sources", "get_source", "get_source_text",
    "search", "get_meta", "get_vocabulary", "export", "health", "ready", "get_index",
    "lookup_code", "infobutton", "list_aggravating_factors", "get_aggravating_factor",
    "list_populations", "get_population",
}  # fmt: skip
# Query parameters that name an item: an unknown one is a 404.
REFERENCES = {"condition", "cause", "treatment"}


@pytest.fixture(scope="module")
def spec(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every GET operation (each has its HEAD beside it: TestHead)."""
    return [(path, item["get"]) for path, item in spec["paths"].items()]


class TestDocument:
    def test_validates(self, spec: dict[str, Any]) -> None:
        validate(spec)

    def test_info_names_the_version_the_source_and_the_notice(self, spec: dict[str, Any]) -> None:
        info = spec["info"]
        assert info["title"] == "Condition Knowledge API"
        assert info["version"] == __version__
        assert "Not medical advice" in info["description"]
        assert "How to Treat Calcinosis Cutis" in info["description"]
        assert (
            "e7eafe3d0a22f040dc861e58c5076fe8ecce78dbacef5009a6082075bd1e6cc1"
            in info["description"]
        )

    def test_every_tag_is_described(self, spec: dict[str, Any]) -> None:
        described = {tag["name"]: tag.get("description") for tag in spec["tags"]}
        used = {tag for _, op in operations(spec) for tag in op["tags"]}
        assert used <= described.keys()
        assert all(described[tag] for tag in used)
        for resource in ("conditions", "causes", "treatments", "risk-factors", "prevention"):
            assert resource in used

    def test_declares_where_it_is_that_it_is_public_and_whom_to_ask(
        self, spec: dict[str, Any]
    ) -> None:
        settings = Settings()
        assert spec["servers"] == [{"url": settings.public_url, "description": "This deployment."}]
        assert spec["security"] == []
        assert spec["info"]["contact"] == settings.contact
        assert spec["info"]["license"]["url"] == f"{settings.public_url}/sources"


class TestPublicUrl:
    """Without PUBLIC_URL, the links point where the server listens: `make run PORT=8420`
    serves its OpenAPI `servers`, Swagger's server box and JSON-LD ids on port 8420."""

    @pytest.mark.parametrize(
        ("environment", "expected"),
        [
            ({}, "http://127.0.0.1:8000"),
            ({"PORT": "8420"}, "http://127.0.0.1:8420"),
            ({"HOST": "0.0.0.0", "PORT": "8420"}, "http://127.0.0.1:8420"),
            ({"HOST": "localhost"}, "http://localhost:8000"),
            ({"HOST": "::", "PORT": "9000"}, "http://[::1]:9000"),
            ({"HOST": "::1"}, "http://[::1]:8000"),
            ({"HOST": "0.0.0.0", "PORT": "8420", "PUBLIC_URL": "https://api.example/"},
             "https://api.example"),
        ],
    )  # fmt: skip
    def test_derived_from_host_and_port(
        self, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
    ) -> None:
        for name in ("HOST", "PORT", "PUBLIC_URL"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        assert Settings().public_url == expected

    def test_a_port_that_is_no_number_is_refused_as_such(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("PUBLIC_URL", raising=False)
        monkeypatch.setenv("PORT", "eighty")
        with pytest.raises(ValidationError) as refused:
            Settings()
        assert [error["loc"] for error in refused.value.errors()] == [("port",)]

    def test_served_links_follow_the_port(
        self, monkeypatch: pytest.MonkeyPatch, database_url: str
    ) -> None:
        monkeypatch.delenv("PUBLIC_URL", raising=False)
        monkeypatch.setenv("HOST", "0.0.0.0")
        monkeypatch.setenv("PORT", "8420")
        with LiveServer(create_app(Settings(database_url=database_url))) as live:
            spec = httpx.get(f"{live.url}/openapi.json", timeout=60).json()
            slug = httpx.get(f"{live.url}/conditions").json()["items"][0]["slug"]
            document = httpx.get(
                f"{live.url}/conditions/{slug}", headers={"Accept": "application/ld+json"}
            ).json()
        assert spec["servers"][0]["url"] == "http://127.0.0.1:8420"
        assert document["@id"] == f"http://127.0.0.1:8420/conditions/{slug}"


class TestOperations:
    def test_operation_ids_are_stable_snake_case(self, spec: dict[str, Any]) -> None:
        ids = [op["operationId"] for _, op in operations(spec)]
        assert len(ids) == len(set(ids))
        assert set(ids) == OPERATION_IDS
        assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", op_id) for op_id in ids)

    def test_every_operation_and_parameter_is_described(self, spec: dict[str, Any]) -> None:
        for path, op in operations(spec):
            assert op.get("summary"), path
            assert op.get("description"), path
            assert len(op["tags"]) == 1, path
            for parameter in op.get("parameters", []):
                assert parameter.get("description"), (path, parameter["name"])

    def test_every_answer_has_an_example(self, spec: dict[str, Any]) -> None:
        for path, op in operations(spec):
            for media_type, content in op["responses"]["200"]["content"].items():
                assert content.get("example"), (path, media_type)

    def test_404_only_where_a_slug_or_a_reference_can_name_nothing(
        self, spec: dict[str, Any]
    ) -> None:
        for path, op in operations(spec):
            names = [
                p["name"]
                for p in op.get("parameters", [])
                if p["in"] == "path" or p["name"] in REFERENCES
            ]
            assert ("404" in op["responses"]) == bool(names), (path, names)

    def test_every_operation_may_refuse_a_query_string(self, spec: dict[str, Any]) -> None:
        # A query string that is not UTF-8 is a 422 whatever the operation.
        for path, op in operations(spec):
            assert "422" in op["responses"], path

    def test_optional_parameters_are_their_type_alone(self, spec: dict[str, Any]) -> None:
        # Not "string or null": null is nothing a query string can hold.
        for path, op in operations(spec):
            for parameter in op.get("parameters", []):
                assert "anyOf" not in parameter["schema"], (path, parameter)
                assert parameter["schema"].get("type") or "$ref" in parameter["schema"], path

    def test_answers_declare_their_validator_and_paging_links(self, spec: dict[str, Any]) -> None:
        for path, op in operations(spec):
            headers = op["responses"]["200"].get("headers", {})
            cached = path not in UNCACHED_PATHS
            assert ("ETag" in headers) == cached, path
            assert ("304" in op["responses"]) == cached, path
            pages = any(p["name"] == "offset" for p in op.get("parameters", []))
            assert ("Link" in headers) == pages, path

    def test_errors_are_problem_details(self, spec: dict[str, Any]) -> None:
        for path, op in operations(spec):
            for status in ("404", "422"):
                if status in op["responses"]:
                    content = op["responses"][status]["content"]
                    schema = content["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}, (path, status)


class TestHead:
    """Every GET also answers HEAD, and the document says so: a client generated from it can
    ask whether an item exists, or has changed, without downloading it."""

    def test_every_path_is_get_and_head_only(self, spec: dict[str, Any]) -> None:
        for path, item in spec["paths"].items():
            assert list(item) == ["get", "head"], path

    def test_head_is_the_get_without_bodies(self, spec: dict[str, Any]) -> None:
        for path, item in spec["paths"].items():
            get, head = item["get"], item["head"]
            assert head["operationId"] == f"head_{get['operationId']}", path
            assert head.get("parameters") == get.get("parameters"), path
            assert head["tags"] == get["tags"], path
            assert head.get("summary"), path
            assert head.get("description"), path
            assert head["responses"].keys() == get["responses"].keys(), path
            for status, response in head["responses"].items():
                assert "content" not in response, (path, status)
                if "$ref" not in response:
                    assert response.get("headers") == get["responses"][status].get("headers")

    def test_head_answers_as_declared(self, spec: dict[str, Any], client: httpx.Client) -> None:
        head = client.head("/treatments", params={"limit": 1})
        declared = spec["paths"]["/treatments"]["head"]["responses"]["200"]["headers"]
        assert head.status_code == 200
        assert head.content == b""
        assert all(name.lower() in head.headers for name in declared)
        missing = client.head("/treatments/no-such-treatment")
        assert missing.status_code == 404
        assert "404" in spec["paths"]["/treatments/{slug}"]["head"]["responses"]


class TestResponseVocabularies:
    """The vocabulary fields of the answers list the terms the knowledge holds, as the
    parameters do: a generated client knows every value it may be sent."""

    def enum(self, spec: dict[str, Any], schema: str, field: str) -> list[str]:
        found = spec["components"]["schemas"][schema]["properties"][field]
        branches = [b for b in found.get("anyOf", [found]) if b.get("type") == "string"]
        assert len(branches) == 1, (schema, field)
        values: list[str] = branches[0]["enum"]
        return values

    def test_certainty_everywhere(self, spec: dict[str, Any], client: httpx.Client) -> None:
        terms = [t["slug"] for t in client.get("/vocabulary").json()["vocabularies"]["certainty"]]
        schemas = spec["components"]["schemas"]
        having = [name for name, s in schemas.items() if "certainty" in s.get("properties", {})]
        assert {"Statement", "TreatmentStatement", "SectionEntry", "Mention"} <= set(having)
        for name in having:
            assert self.enum(spec, name, "certainty") == terms, name
        assert parameter_enum(spec, "/causes", "certainty") == terms

    def test_kinds(self, spec: dict[str, Any], client: httpx.Client) -> None:
        vocabularies = client.get("/vocabulary").json()["vocabularies"]
        for schema, vocabulary, path in (
            ("Treatment", "treatment-kind", "/treatments"),
            ("DiagnosticTest", "test-kind", "/tests"),
        ):
            terms = [t["slug"] for t in vocabularies[vocabulary]]
            assert self.enum(spec, schema, "kind") == terms == parameter_enum(spec, path, "kind")
            kind = spec["components"]["schemas"][schema]["properties"]["kind"]
            assert {"type": "null"} in kind["anyOf"], schema
        assert self.enum(spec, "SearchHit", "kind") == list(KINDS)
        assert parameter_enum(spec, "/search", "kind") == list(KINDS)

    def test_answers_hold_to_them(self, spec: dict[str, Any], client: httpx.Client) -> None:
        treatments = client.get("/treatments", params={"limit": 100}).json()["items"]
        kinds = self.enum(spec, "Treatment", "kind")
        certainty = self.enum(spec, "TreatmentStatement", "certainty")
        for treatment in treatments:
            assert treatment["kind"] is None or treatment["kind"] in kinds
            assert all(s["certainty"] in certainty for s in treatment["statements"])


def parameter_enum(spec: dict[str, Any], path: str, name: str) -> list[str]:
    found = next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name)
    values: list[str] = found["schema"]["enum"]
    return values


class TestExamplesAreRealAnswers:
    """An example is what the API answers, so a reader can trust it."""

    def example(self, spec: dict[str, Any], operation_id: str, media_type: str) -> Any:
        op = next(op for _, op in operations(spec) if op["operationId"] == operation_id)
        return op["responses"]["200"]["content"][media_type]["example"]

    @pytest.mark.parametrize(
        ("path", "operation_id"),
        [
            ("/conditions", "list_conditions"),
            ("/causes", "list_causes"),
            ("/risk-factors", "list_risk_factors"),
            ("/treatments", "list_treatments"),
            ("/prevention", "list_prevention"),
            ("/sources", "list_sources"),
        ],
    )
    def test_list_example_is_the_first_page(
        self, spec: dict[str, Any], client: httpx.Client, path: str, operation_id: str
    ) -> None:
        example = self.example(spec, operation_id, "application/json")
        assert example == client.get(path, params={"limit": 1}).json()

    @pytest.mark.parametrize(
        ("path", "operation_id"),
        [
            ("/conditions", "get_condition"),
            ("/causes", "get_cause"),
            ("/symptoms", "get_symptom"),
            ("/tests", "get_test"),
            ("/treatments", "get_treatment"),
        ],
    )
    def test_detail_example_is_an_item(
        self, spec: dict[str, Any], client: httpx.Client, path: str, operation_id: str
    ) -> None:
        example = self.example(spec, operation_id, "application/json")
        assert example == client.get(f"{path}/{example['slug']}").json()

    def test_index_example(self, spec: dict[str, Any], client: httpx.Client) -> None:
        assert self.example(spec, "get_index", "application/json") == client.get("/").json()

    def test_search_example(self, spec: dict[str, Any], client: httpx.Client) -> None:
        example = self.example(spec, "search", "application/json")
        word = client.get("/conditions").json()["items"][0]["name"].split()[0].lower()
        assert example == client.get("/search", params={"q": word, "limit": 2}).json()

    def test_meta_example(self, spec: dict[str, Any], client: httpx.Client) -> None:
        assert self.example(spec, "get_meta", "application/json") == client.get("/meta").json()

    def test_source_text_example(self, spec: dict[str, Any], client: httpx.Client) -> None:
        example = self.example(spec, "get_source_text", "text/plain")
        slug = client.get("/sources").json()["items"][0]["slug"]
        assert example == client.get(f"/sources/{slug}/text").text
