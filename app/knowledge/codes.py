"""The verified code table (seed/codes.md): the only codes the API may serve.

Each row was read next to its name in a public code table, and says how the code relates to the
entity the source names (exact, broader, narrower, related). A code that is not in the table is
not shipped, and a seed that names one, or gives it a relation the table does not, is refused.
"""

import re
from dataclasses import dataclass
from pathlib import Path

CODE_TABLE = "codes.md"
# Seed files name a code system briefly; the API serves its FHIR system URI.
CODE_SYSTEMS: dict[str, str] = {
    "ICD-10-CM": "http://hl7.org/fhir/sid/icd-10-cm",
    "MeSH": "http://id.nlm.nih.gov/mesh",
    "ATC": "http://www.whocc.no/atc",
    "RxNorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "LOINC": "http://loinc.org",
}
RELATIONS = ("exact", "broader", "narrower", "related")
# The table may note after a display the entry term the code was found under; the display
# served is the code's own name, without that note.
_NOTE = re.compile(r"\s*\(.*\)$")
_RELATION = re.compile(r"\b(" + "|".join(RELATIONS) + r")\b")


@dataclass(frozen=True)
class VerifiedCode:
    display: str
    # The relations the table gives for the code: one, or one per entity it was read for.
    relations: frozenset[str]


def read_code_table(path: Path) -> dict[tuple[str, str], VerifiedCode]:
    """(short system name, code) -> its display and relations, for every row of the table."""
    verified: dict[tuple[str, str], VerifiedCode] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[1] in CODE_SYSTEMS:
            _entity, system, code, display, _source, relation = cells
            relations = frozenset(_RELATION.findall(relation))
            verified[(system, code)] = VerifiedCode(_NOTE.sub("", display), relations)
    return verified
