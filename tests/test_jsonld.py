"""GET /conditions/{slug} as schema.org JSON-LD for web health apps; plain JSON is the default."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

SLUG = "calcinosis-cutis"
JSON_LD = "application/ld+json"
# schema.org property -> (list endpoint of the section, the types its nodes may have).
SECTIONS = {
    "cause": ("/causes", {"MedicalCause"}),
    "riskFactor": ("/risk-factors", {"MedicalRiskFactor"}),
    "signOrSymptom": ("/symptoms", {"MedicalSignOrSymptom"}),
    "possibleComplication": ("/complications", {"MedicalCondition"}),
    "typicalTest": ("/tests", {"MedicalTest", "BloodTest", "ImagingTest", "PathologyTest"}),
    "possibleTreatment": ("/treatments", {"MedicalTherapy"}),
    "primaryPrevention": ("/prevention", {"MedicalTherapy"}),
}


@pytest.fixture(scope="module")
def document(client: httpx.Client) -> dict[str, Any]:
    response = client.get(f"/conditions/{SLUG}", headers={"Accept": JSON_LD})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_LD
    return response.json()  # type: ignore[no-any-return]


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the document, however deep."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from nodes(child)


class TestConditionAsJsonLd:
    def test_is_a_schema_org_medical_condition(self, document: dict[str, Any]) -> None:
        assert document["@context"] == "https://schema.org"
        assert document["@type"] == "MedicalCondition"
        assert document["name"] == "Calcinosis cutis"
        assert document["@id"].endswith(f"/conditions/{SLUG}")

    def test_carries_the_icd_10_cm_code(self, document: dict[str, Any]) -> None:
        codes = [(c["@type"], c["codingSystem"], c["codeValue"]) for c in document["code"]]
        assert ("MedicalCode", "ICD-10-CM", "L94.2") in codes

    def test_every_node_is_typed(self, document: dict[str, Any]) -> None:
        for node in nodes(document):
            assert "@type" in node, node

    @pytest.mark.parametrize("prop", list(SECTIONS))
    def test_section_holds_every_item_of_its_list(
        self, document: dict[str, Any], client: httpx.Client, prop: str
    ) -> None:
        path, types = SECTIONS[prop]
        listed = client.get(path, params={"condition": SLUG, "limit": 100}).json()["items"]
        assert [node["name"] for node in document[prop]] == [item["name"] for item in listed]
        assert {node["@type"] for node in document[prop]} <= types
        assert [node["@id"].rsplit("/", 1)[1] for node in document[prop]] == [
            item["slug"] for item in listed
        ]

    def test_drugs_are_inside_their_therapy(
        self, document: dict[str, Any], client: httpx.Client
    ) -> None:
        therapies = {node["name"]: node for node in document["possibleTreatment"]}
        for treatment in client.get("/treatments", params={"condition": SLUG}).json()["items"]:
            drugs = therapies[treatment["name"]].get("drug", [])
            assert [drug["name"] for drug in drugs] == [d["name"] for d in treatment["drugs"]]
            assert all(drug["@type"] == "Drug" for drug in drugs)
        warfarin = next(
            drug
            for therapy in document["possibleTreatment"]
            for drug in therapy.get("drug", [])
            if drug["name"] == "Warfarin"
        )
        assert {"@type": "MedicalCode", "codeValue": "B01AA03", "codingSystem": "ATC"}.items() <= (
            warfarin["code"][1].items()
        )

    def test_anatomy_is_where_calcium_also_builds_up(
        self, document: dict[str, Any], client: httpx.Client
    ) -> None:
        sites = client.get(f"/conditions/{SLUG}").json()["body_sites"]
        anatomy = document["associatedAnatomy"]
        assert [node["name"] for node in anatomy] == [site["name"] for site in sites]
        assert {node["@type"] for node in anatomy} == {"AnatomicalStructure"}
        assert "Lungs" in [node["name"] for node in anatomy]

    def test_codes_of_items_travel_along(self, document: dict[str, Any]) -> None:
        gangrene = next(n for n in document["possibleComplication"] if "gangrene" in n["@id"])
        assert ("ICD-10-CM", "I96") in [
            (c["codingSystem"], c["codeValue"]) for c in gangrene["code"]
        ]


class TestNegotiation:
    @pytest.mark.parametrize(
        "accept",
        [None, "application/json", "*/*", "application/ld+json;q=0.5, application/json"],
    )
    def test_plain_json_is_the_default(self, client: httpx.Client, accept: str | None) -> None:
        headers = {"Accept": accept} if accept else {}
        response = client.get(f"/conditions/{SLUG}", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json()["slug"] == SLUG
        assert "Accept" in response.headers["vary"]

    @pytest.mark.parametrize(
        "accept",
        [JSON_LD, "application/json;q=0.9, application/ld+json", "application/ld+json, */*"],
    )
    def test_json_ld_when_preferred(self, client: httpx.Client, accept: str) -> None:
        response = client.get(f"/conditions/{SLUG}", headers={"Accept": accept})
        assert response.headers["content-type"] == JSON_LD
        assert "Accept" in response.headers["vary"]
        assert response.json()["@type"] == "MedicalCondition"

    def test_unknown_condition_is_a_problem(self, client: httpx.Client) -> None:
        response = client.get("/conditions/no-such-thing", headers={"Accept": JSON_LD})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
