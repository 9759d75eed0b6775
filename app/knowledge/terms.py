"""The fixed vocabularies of the knowledge base: item kinds, code systems, kinds of care."""

from enum import StrEnum

# Seed files name a code system briefly; the API serves its FHIR system URI.
CODE_SYSTEMS: dict[str, str] = {
    "ICD-10-CM": "http://hl7.org/fhir/sid/icd-10-cm",
    "MeSH": "http://id.nlm.nih.gov/mesh",
    "ATC": "http://www.whocc.no/atc",
    "RxNorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "LOINC": "http://loinc.org",
}


class ItemKind(StrEnum):
    """What an item is; evidence, codes and search hits name their item by kind and slug."""

    CONDITION = "condition"
    GUIDANCE = "guidance"
    BODY_SITE = "body-site"
    SYMPTOM = "symptom"
    COMPLICATION = "complication"
    CAUSE = "cause"
    RISK_FACTOR = "risk-factor"
    TEST = "test"
    TREATMENT = "treatment"
    DRUG = "drug"
    PREVENTION = "prevention"


class SearchedKind(StrEnum):
    """The kinds /search finds: items with a URL of their own. Guidance and body sites are
    searched within their condition, drugs within their treatment."""

    CONDITION = ItemKind.CONDITION.value
    CAUSE = ItemKind.CAUSE.value
    RISK_FACTOR = ItemKind.RISK_FACTOR.value
    SYMPTOM = ItemKind.SYMPTOM.value
    COMPLICATION = ItemKind.COMPLICATION.value
    TEST = ItemKind.TEST.value
    TREATMENT = ItemKind.TREATMENT.value
    PREVENTION = ItemKind.PREVENTION.value


class TreatmentKind(StrEnum):
    MEDICATION = "medication"
    SURGERY = "surgery"
    LASER = "laser"
    IONTOPHORESIS = "iontophoresis"


class TestKind(StrEnum):
    BLOOD_TEST = "blood-test"
    IMAGING = "imaging"
    BIOPSY = "biopsy"
    ORGAN_FUNCTION = "organ-function"
