"""GET /conditions/{slug} as schema.org JSON-LD for web health apps; plain JSON is the default.

Every condition's document is read against its plain JSON answers, and type-checked against
the schema.org vocabulary as schema-dts types it (`tsc --strict`).
"""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.knowledge.codes import CODE_SYSTEMS
from tests.nodejs import run, tool, workspace
from tests.test_api import everything, nodes

# Expects only what the seeds say: runs on the project's seeds too (conftest).
pytestmark = pytest.mark.seeds

JSON_LD = "application/ld+json"
SYSTEM_NAMES = {uri: name for name, uri in CODE_SYSTEMS.items()}
# schema.org property -> (list endpoint of the section, the types its nodes may have).
SECTIONS = {
    "cause": ("/causes", {"MedicalCause"}),
    "riskFactor": ("/risk-factors", {"MedicalRiskFactor"}),
    "signOrSymptom": ("/symptoms", {"MedicalSignOrSymptom"}),
    "typicalTest": ("/tests", {"MedicalTest", "BloodTest", "ImagingTest", "PathologyTest"}),
    "possibleTreatment": ("/treatments", {"MedicalTherapy"}),
    "primaryPrevention": ("/prevention", {"MedicalTherapy"}),
}
TSCONFIG = {
    "compilerOptions": {"strict": True, "noEmit": True, "target": "ES2022",
                        "module": "NodeNext", "moduleResolution": "NodeNext"},
    "include": ["*.ts"],
}  # fmt: skip


@pytest.fixture(scope="module")
def conditions(client: httpx.Client) -> dict[str, dict[str, Any]]:
    """Every condition's plain JSON answer, by slug."""
    return {condition["slug"]: condition for condition in everything(client, "/conditions")}


@pytest.fixture(scope="module")
def documents(
    client: httpx.Client, conditions: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Every condition's JSON-LD document, by slug."""
    found = {}
    for slug in conditions:
        response = client.get(f"/conditions/{slug}", headers={"Accept": JSON_LD})
        assert response.status_code == 200
        assert response.headers["content-type"] == JSON_LD
        found[slug] = response.json()
    return found


def codes(item: dict[str, Any]) -> list[tuple[str, str]]:
    return [(SYSTEM_NAMES.get(c["system"], c["system"]), c["code"]) for c in item["codes"]]


def node_codes(node: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["codingSystem"], c["codeValue"]) for c in node.get("code", [])]


class TestConditionAsJsonLd:
    def test_is_a_schema_org_medical_condition(
        self, documents: dict[str, dict[str, Any]], conditions: dict[str, dict[str, Any]]
    ) -> None:
        for slug, document in documents.items():
            assert document["@context"] == "https://schema.org"
            assert document["@type"] == "MedicalCondition"
            assert document["name"] == conditions[slug]["name"]
            assert document["@id"].endswith(f"/conditions/{slug}")
            assert node_codes(document) == codes(conditions[slug])

    def test_an_item_with_a_page_of_its_own_is_that_page_too(
        self, documents: dict[str, dict[str, Any]], conditions: dict[str, dict[str, Any]]
    ) -> None:
        for document in documents.values():
            base = document["@id"].rsplit("/conditions/", 1)[0]
            for node in nodes(document):
                slug = node.get("@id", "").rsplit("/", 1)[-1]
                page = f"{base}/conditions/{slug}"
                if slug in conditions and node["@id"] != page:
                    assert node["sameAs"] == page, node
                else:
                    assert "sameAs" not in node, node

    def test_every_node_is_typed(self, documents: dict[str, dict[str, Any]]) -> None:
        for document in documents.values():
            for node in nodes(document):
                assert "@type" in node, node

    @pytest.mark.parametrize("prop", list(SECTIONS))
    def test_section_holds_every_item_of_its_list_with_its_codes(
        self, documents: dict[str, dict[str, Any]], client: httpx.Client, prop: str
    ) -> None:
        path, types = SECTIONS[prop]
        for slug, document in documents.items():
            listed = everything(client, path, condition=slug)
            section = document.get(prop, [])
            assert [node["name"] for node in section] == [item["name"] for item in listed]
            assert {node["@type"] for node in section} <= types
            assert [node["@id"].rsplit("/", 1)[1] for node in section] == [
                item["slug"] for item in listed
            ]
            assert [node_codes(node) for node in section] == [codes(item) for item in listed]

    def test_complications_are_named_and_typed_where_the_source_mentions_them(
        self, documents: dict[str, dict[str, Any]], client: httpx.Client
    ) -> None:
        # possibleComplication takes text; the complications' ids and codes go with the source.
        seen = 0
        for slug, document in documents.items():
            listed = everything(client, "/complications", condition=slug)
            seen += len(listed)
            assert document.get("possibleComplication", []) == [item["name"] for item in listed]
            mentioned = document["subjectOf"].get("mentions", [])
            assert [(n["@type"], n["@id"].rsplit("/", 1)[1]) for n in mentioned] == [
                ("MedicalCondition", item["slug"]) for item in listed
            ]
            assert [node_codes(node) for node in mentioned] == [codes(item) for item in listed]
        assert seen, "no condition names a complication: the test would prove nothing"

    def test_drugs_are_inside_their_therapy(
        self, documents: dict[str, dict[str, Any]], client: httpx.Client
    ) -> None:
        for slug, document in documents.items():
            therapies = {node["name"]: node for node in document.get("possibleTreatment", [])}
            for treatment in everything(client, "/treatments", condition=slug):
                drugs = therapies[treatment["name"]].get("drug", [])
                assert [drug["name"] for drug in drugs] == [d["name"] for d in treatment["drugs"]]
                assert all(drug["@type"] == "Drug" for drug in drugs)
                for drug in drugs:
                    served = client.get(f"/drugs/{drug['@id'].rsplit('/', 1)[1]}").json()
                    assert node_codes(drug) == codes(served)

    def test_anatomy_is_where_else_the_condition_occurs(
        self, documents: dict[str, dict[str, Any]], conditions: dict[str, dict[str, Any]]
    ) -> None:
        for slug, document in documents.items():
            sites = conditions[slug]["body_sites"]
            anatomy = document.get("associatedAnatomy", [])
            assert [node["name"] for node in anatomy] == [site["name"] for site in sites]
            assert {node["@type"] for node in anatomy} <= {"AnatomicalStructure"}

    def test_the_source_is_the_article_with_its_attribution(
        self, documents: dict[str, dict[str, Any]], conditions: dict[str, dict[str, Any]],
        client: httpx.Client,
    ) -> None:  # fmt: skip
        for slug, document in documents.items():
            source = client.get(f"/sources/{conditions[slug]['source']}").json()
            article = document["subjectOf"]
            assert (article["@type"], article["name"]) == ("Article", source["title"])
            assert article.get("url") == source["url"]
            assert article.get("publisher", {}).get("name") == source["publisher"]


@pytest.fixture(scope="module")
def schema_dts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where TypeScript checks documents against schema-dts."""
    folder = workspace(tmp_path_factory.mktemp("schema-dts") / "check")
    (folder / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    return folder


def type_check(folder: Path, documents: dict[str, Any]) -> str:
    """tsc's errors for the documents typed as schema.org MedicalConditions; "" if none."""
    for old in folder.glob("*.ts"):
        old.unlink()
    for name, document in documents.items():
        (folder / f"{name}.ts").write_text(
            'import type { MedicalCondition, WithContext } from "schema-dts";\n\n'
            f"export const document: WithContext<MedicalCondition> = {json.dumps(document)};\n"
        )
    result = run([tool("tsc"), "--project", "tsconfig.json"], cwd=folder)
    return "" if result.returncode == 0 else result.stdout + result.stderr


class TestSchemaOrgVocabulary:
    def test_every_condition_type_checks_against_schema_dts(
        self, documents: dict[str, dict[str, Any]], schema_dts: Path
    ) -> None:
        assert type_check(schema_dts, documents) == ""

    def test_the_check_refuses_what_the_vocabulary_does_not_have(
        self, documents: dict[str, dict[str, Any]], schema_dts: Path
    ) -> None:
        document = next(d for d in documents.values() if d.get("possibleTreatment"))
        with_indication = json.loads(json.dumps(document))
        with_indication["possibleTreatment"][0]["indication"] = [
            {"@type": "MedicalIndication", "name": "Small lumps"}
        ]
        with_nodes = {**document, "possibleComplication": [{"@type": "MedicalCondition"}]}
        errors = type_check(schema_dts, {"indication": with_indication, "complication": with_nodes})
        assert "indication.ts" in errors, errors
        assert "'\"indication\"' does not exist" in errors, errors
        assert "complication.ts" in errors, errors


@pytest.fixture(scope="module")
def slug(conditions: dict[str, dict[str, Any]]) -> str:
    return next(iter(conditions))


class TestNegotiation:
    @pytest.mark.parametrize(
        "accept",
        [None, "application/json", "*/*", "application/ld+json;q=0.5, application/json"],
    )
    def test_plain_json_is_the_default(
        self, client: httpx.Client, slug: str, accept: str | None
    ) -> None:
        headers = {"Accept": accept} if accept else {}
        response = client.get(f"/conditions/{slug}", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json()["slug"] == slug
        assert "Accept" in response.headers["vary"]

    @pytest.mark.parametrize(
        "accept",
        [JSON_LD, "application/json;q=0.9, application/ld+json", "application/ld+json, */*"],
    )
    def test_json_ld_when_preferred(self, client: httpx.Client, slug: str, accept: str) -> None:
        response = client.get(f"/conditions/{slug}", headers={"Accept": accept})
        assert response.headers["content-type"] == JSON_LD
        assert "Accept" in response.headers["vary"]
        assert response.json()["@type"] == "MedicalCondition"

    def test_unknown_condition_is_a_problem(self, client: httpx.Client) -> None:
        response = client.get("/conditions/no-such-thing", headers={"Accept": JSON_LD})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
