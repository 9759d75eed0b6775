"""A condition as schema.org JSON-LD: a MedicalCondition with every section, in the vocabulary's
own types (checked against schema-dts in the tests).

The vocabulary has no property for a therapy's indications or a prevention measure's audience
(`indication` is no longer one), nor for what makes a condition worse, so those stay in the JSON
answers; `possibleComplication` takes text, so complications are named there and typed, with
their codes, where the source mentions them. `epidemiology` ("the characteristics of associated
patients, such as age, gender") and `naturalProgression` take text too: the first names the
groups of people more likely to have the condition and says how common it is (guidance of the
`prevalence` aspect), the second says how it starts and goes on (`onset`, `course`).
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from app import served
from app.catalog import (
    CAUSES,
    COMPLICATIONS,
    DRUGS,
    POPULATIONS,
    PREVENTION,
    RESOURCES,
    RISK_FACTORS,
    SYMPTOMS,
    TESTS,
    TREATMENTS,
    Resource,
)
from app.knowledge.codes import CODE_SYSTEMS
from app.negotiation import JSON, JSON_LD, choose
from app.schemas import Code, Drug, Treatment
from app.schemas import Condition as ConditionSchema
from app.schemas import Source as SourceSchema

SCHEMA_ORG = "https://schema.org"
# schema.org names a code system briefly ("ICD-10-CM"); we serve FHIR system URIs.
SYSTEM_NAMES = {uri: name for name, uri in CODE_SYSTEMS.items()}
# schema.org's types of test, by the test kinds of the vocabulary that have one.
TEST_TYPES = {"blood-test": "BloodTest", "imaging": "ImagingTest", "biopsy": "PathologyTest"}

Node = dict[str, Any]
# As many items as a condition names: all of them.
EVERY = 2**62


def prefers_jsonld(accept: str) -> bool:
    """Whether an Accept header ranks JSON-LD above plain JSON; plain JSON wins ties."""
    return choose(accept, [JSON, JSON_LD]) == JSON_LD


def medical_code(code: Code) -> Node:
    return {
        "@type": "MedicalCode",
        "codeValue": code.code,
        "codingSystem": SYSTEM_NAMES.get(code.system, code.system),
        "name": code.display,
    }


def entity(type_: str, base: str, path: str, item: Any, **extra: Any) -> Node:
    """A typed node with its name, other names, description and codes; an item named here in
    one role and with a condition page of its own is that page's node too (`sameAs`)."""
    node: Node = {"@type": type_, "@id": f"{base}{path}", "name": item.name}
    page = getattr(item, "page", None)  # a condition is its own page
    if page is not None and page != path:
        node["sameAs"] = f"{base}{page}"
    if item.also_called:
        node["alternateName"] = list(item.also_called)
    if item.description:
        node["description"] = item.description
    if item.codes:
        node["code"] = [medical_code(code) for code in item.codes]
    return {**node, **extra}


def _test(base: str, item: Any) -> Node:
    return entity(
        TEST_TYPES.get(item.kind or "", "MedicalTest"), base, f"{TESTS.path}/{item.slug}", item
    )


def _treatment(base: str, item: Treatment, drugs: dict[str, Drug]) -> Node:
    # schema.org's possibleTreatment takes a MedicalTherapy, not a Drug: drugs go in `drug`.
    extra: Node = {}
    if item.drugs:
        extra["drug"] = [
            entity("Drug", base, f"{DRUGS.path}/{ref.slug}", drugs[ref.slug]) for ref in item.drugs
        ]
    return entity("MedicalTherapy", base, f"{TREATMENTS.path}/{item.slug}", item, **extra)


def _typed(type_: str, resource: Resource) -> Callable[[str, Any, dict[str, Drug]], Node]:
    return lambda base, item, _drugs: entity(type_, base, f"{resource.path}/{item.slug}", item)


Value = Node | str
# schema.org property of MedicalCondition -> (list, how one of its items becomes a value, given
# the condition's drugs).
SECTIONS: dict[str, tuple[Resource, Callable[[str, Any, dict[str, Drug]], Value]]] = {
    "cause": (CAUSES, _typed("MedicalCause", CAUSES)),
    "riskFactor": (RISK_FACTORS, _typed("MedicalRiskFactor", RISK_FACTORS)),
    "signOrSymptom": (SYMPTOMS, _typed("MedicalSignOrSymptom", SYMPTOMS)),
    "possibleComplication": (COMPLICATIONS, lambda _base, item, _drugs: str(item.name)),
    "typicalTest": (TESTS, lambda base, item, _drugs: _test(base, item)),
    "possibleTreatment": (TREATMENTS, _treatment),
    "primaryPrevention": (PREVENTION, _typed("MedicalTherapy", PREVENTION)),
}


def _text_properties(condition: ConditionSchema, populations: list[Any]) -> dict[str, list[str]]:
    """epidemiology: the groups more likely to have it, and how common it is;
    naturalProgression: how it starts and goes on (guidance sections, by aspect)."""

    def guidance(*aspects: str) -> list[str]:
        return [g.description for g in condition.guidance if g.aspect in aspects]

    return {
        "epidemiology": [item.name for item in populations] + guidance("prevalence"),
        "naturalProgression": guidance("onset", "course"),
    }


def condition_document(connection: Connection, slug: str, base_url: str, missing: str) -> Node:
    """The condition as a schema.org MedicalCondition; node ids are this API's public URLs.

    Made of the snapshot's served answers: the condition page, its items narrowed to it, and
    its source; a 404 saying `missing` if there is no such condition."""
    base = base_url.rstrip("/")
    page = served.require(connection, served.CONDITIONS, slug, missing)
    condition = ConditionSchema.model_validate_json(page)
    condition_path = f"/conditions/{slug}"
    document: Node = {
        "@context": SCHEMA_ORG,
        **entity("MedicalCondition", base, condition_path, condition),
    }

    def items(resource: Resource) -> list[Any]:
        bodies, _total = served.ordered_items(connection, resource.name, slug, EVERY, 0, slug)
        return [resource.schema.model_validate_json(body) for body in bodies]

    listed = {resource.name: items(resource) for resource in RESOURCES}
    drugs = {drug.slug: drug for drug in listed[DRUGS.name]}
    for prop, (resource, value) in SECTIONS.items():
        values = [value(base, item, drugs) for item in listed[resource.name]]
        if values:
            document[prop] = values
    for prop, texts in _text_properties(condition, listed[POPULATIONS.name]).items():
        if texts:
            document[prop] = texts
    if condition.body_sites:
        document["associatedAnatomy"] = [
            entity("AnatomicalStructure", base, f"{condition_path}#{site.slug}", site)
            for site in condition.body_sites
        ]
    source = SourceSchema.model_validate_json(
        served.require(connection, served.SOURCES, condition.source, missing)
    )
    article: Node = {
        "@type": "Article",
        "@id": f"{base}/sources/{source.slug}",
        "name": source.title,
        "inLanguage": source.language,
    }
    if source.url:
        article["url"] = source.url
    if source.publisher:
        article["publisher"] = {"@type": "Organization", "name": source.publisher}
    complications = listed[COMPLICATIONS.name]
    if complications:
        # Their ids and codes, which possibleComplication (text) cannot hold.
        article["mentions"] = [
            entity("MedicalCondition", base, f"{COMPLICATIONS.path}/{item.slug}", item)
            for item in complications
        ]
    document["subjectOf"] = article
    return document
