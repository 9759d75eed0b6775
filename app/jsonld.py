"""A condition as schema.org JSON-LD: a MedicalCondition whose every section is a typed node."""

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.catalog import (
    CAUSES,
    COMPLICATIONS,
    PREVENTION,
    RISK_FACTORS,
    SYMPTOMS,
    TESTS,
    TREATMENTS,
    Resource,
    iter_items,
)
from app.knowledge.terms import CODE_SYSTEMS, TestKind
from app.models import Source
from app.negotiation import choose
from app.schemas import (
    CodePublic,
    ConditionPublic,
    ItemPublic,
    PartPublic,
    PreventionPublic,
    TestPublic,
    TreatmentPublic,
)

JSON = "application/json"
JSON_LD = "application/ld+json"
SCHEMA_ORG = "https://schema.org"
# schema.org names a code system briefly ("ICD-10-CM"); we serve FHIR system URIs.
SYSTEM_NAMES = {uri: name for name, uri in CODE_SYSTEMS.items()}
TEST_TYPES = {
    TestKind.BLOOD_TEST: "BloodTest",
    TestKind.IMAGING: "ImagingTest",
    TestKind.BIOPSY: "PathologyTest",
    TestKind.ORGAN_FUNCTION: "MedicalTest",
}

Node = dict[str, Any]


def prefers_jsonld(accept: str) -> bool:
    """Whether an Accept header ranks JSON-LD above plain JSON; plain JSON wins ties."""
    return choose(accept, [JSON, JSON_LD]) == JSON_LD


def medical_code(code: CodePublic) -> Node:
    return {
        "@type": "MedicalCode",
        "codeValue": code.code,
        "codingSystem": SYSTEM_NAMES.get(code.system, code.system),
        "name": code.display,
    }


def entity(
    type_: str, node_id: str, item: ItemPublic | PartPublic | ConditionPublic, **extra: Any
) -> Node:
    """A typed node with its name, description and codes."""
    node: Node = {"@type": type_, "@id": node_id, "name": item.name}
    node["description"] = item.description
    if item.codes:
        node["code"] = [medical_code(code) for code in item.codes]
    return {**node, **extra}


def indications(texts: list[str]) -> list[Node]:
    return [{"@type": "MedicalIndication", "name": text} for text in texts]


def _test(base: str, item: TestPublic) -> Node:
    return entity(TEST_TYPES[item.kind], f"{base}{TESTS.path}/{item.slug}", item)


def _treatment(base: str, item: TreatmentPublic) -> Node:
    # schema.org's possibleTreatment takes a MedicalTherapy, not a Drug: drugs go in `drug`.
    extra: Node = {}
    if item.indications:
        extra["indication"] = indications(item.indications)
    if item.drugs:
        extra["drug"] = [
            entity("Drug", f"{base}{TREATMENTS.path}/{item.slug}#{drug.slug}", drug)
            for drug in item.drugs
        ]
    return entity("MedicalTherapy", f"{base}{TREATMENTS.path}/{item.slug}", item, **extra)


def _prevention(base: str, item: PreventionPublic) -> Node:
    # Whom a measure is for is what indicates it.
    extra = {"indication": indications([item.audience])} if item.audience else {}
    return entity("MedicalTherapy", f"{base}{PREVENTION.path}/{item.slug}", item, **extra)


def _typed(type_: str, resource: Resource[Any]) -> Callable[[str, Any], Node]:
    return lambda base, item: entity(type_, f"{base}{resource.path}/{item.slug}", item)


# schema.org property of MedicalCondition -> (resource, how one of its items becomes a node).
SECTIONS: dict[str, tuple[Resource[Any], Callable[[str, Any], Node]]] = {
    "cause": (CAUSES, _typed("MedicalCause", CAUSES)),
    "riskFactor": (RISK_FACTORS, _typed("MedicalRiskFactor", RISK_FACTORS)),
    "signOrSymptom": (SYMPTOMS, _typed("MedicalSignOrSymptom", SYMPTOMS)),
    "possibleComplication": (COMPLICATIONS, _typed("MedicalCondition", COMPLICATIONS)),
    "typicalTest": (TESTS, _test),
    "possibleTreatment": (TREATMENTS, _treatment),
    "primaryPrevention": (PREVENTION, _prevention),
}


def condition_document(session: Session, condition: ConditionPublic, base_url: str) -> Node:
    """The condition as a schema.org MedicalCondition; node ids are this API's URLs."""
    base = base_url.rstrip("/")
    condition_id = f"{base}/conditions/{condition.slug}"
    document: Node = {
        "@context": SCHEMA_ORG,
        **entity("MedicalCondition", condition_id, condition),
    }
    for prop, (resource, node) in SECTIONS.items():
        nodes = [
            node(base, item) for item in iter_items(session, resource, condition=condition.slug)
        ]
        if nodes:
            document[prop] = nodes
    if condition.body_sites:
        document["associatedAnatomy"] = [
            entity("AnatomicalStructure", f"{condition_id}#{site.slug}", site)
            for site in condition.body_sites
        ]
    source = session.get(Source, condition.source)
    if source is not None:
        document["subjectOf"] = {
            "@type": "Article",
            "@id": f"{base}/sources/{source.slug}",
            "name": source.title,
            "inLanguage": source.language,
        }
    return document
