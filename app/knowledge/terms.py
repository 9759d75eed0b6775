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
