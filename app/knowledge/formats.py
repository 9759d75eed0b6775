"""The curated files, as pydantic models: a condition's knowledge.toml and seed/vocabulary.toml.

These only check the shape of each file (required fields, types, no unknown keys); what the
facts say is checked against the sources (reading.py), the vocabularies and the other seeds
(checks.py).
"""

import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuoteSeed(_Strict):
    """A quote with the occurrence meant, for a passage the source has more than once."""

    quote: str = Field(min_length=1)
    occurrence: int = Field(ge=1)


# A quote copied from the source; the tools find its offsets.
EvidenceSeed = list[str | QuoteSeed]


class CodeSeed(_Strict):
    system: str
    code: str = Field(min_length=1)
    display: str = Field(min_length=1)
    relation: str


class SourceSeed(_Strict):
    slug: str
    title: str = Field(min_length=1)
    file: str
    sha256: str
    language: str
    # Attribution, served when given, never invented.
    publisher: str | None = None
    url: str | None = None
    licence: str | None = None
    retrieved: datetime.date | None = None


class ConceptSeed(_Strict):
    slug: str
    name: str = Field(min_length=1)
    also_called: list[str] = []
    description: str | None = Field(default=None, min_length=1)
    kind: str | None = None
    codes: list[CodeSeed] = []
    # The slugs a correction renamed or merged into this concept: their URLs lead here.
    formerly: list[str] = []


class ConditionSeed(_Strict):
    """The condition the source is about. Without a name it is a concept another seed defines."""

    slug: str
    name: str | None = Field(default=None, min_length=1)
    also_called: list[str] = []
    description: str = Field(min_length=1)
    codes: list[CodeSeed] = []
    # As a concept's: only where the condition is defined (with its name).
    formerly: list[str] = []
    evidence: EvidenceSeed = Field(min_length=1)


class GuidanceSeed(_Strict):
    slug: str
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    # What the section is about (a term of the guidance-aspect vocabulary: prevalence, onset,
    # ...) and how sure the source is of it (a certainty term), where the curator says.
    aspect: str | None = None
    certainty: str | None = None
    evidence: EvidenceSeed = Field(min_length=1)


class StatementSeed(_Strict):
    predicate: str
    # The condition, unless the predicate's subject is another kind (a treatment's drugs).
    subject: str | None = None
    object: str
    cause_type: str | None = None
    certainty: str
    qualifiers: list[str] = []
    description: str = Field(min_length=1)
    aim: str | None = Field(default=None, min_length=1)
    indications: list[str] = []
    cautions: list[str] = []
    audience: str | None = Field(default=None, min_length=1)
    evidence: EvidenceSeed = Field(min_length=1)


class KnowledgeSeed(_Strict):
    # The seed folder this one corrects and replaces.
    supersedes: str | None = None
    source: SourceSeed
    condition: ConditionSeed
    guidance: list[GuidanceSeed] = []
    concepts: list[ConceptSeed] = []
    statements: list[StatementSeed] = []


class TermSeed(_Strict):
    slug: str
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    # The term in everyday words, for people without medical training ("not proven").
    plain: str | None = Field(default=None, min_length=1)


class PredicateSeed(TermSeed):
    resource: str
    subject: str


class VocabularySeed(_Strict):
    """The predicates, and every other vocabulary by name (certainty, code-relation, ...)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    predicate: list[PredicateSeed] = Field(min_length=1)

    def vocabularies(self) -> dict[str, list[TermSeed]]:
        extra = self.model_extra or {}
        return {name: [TermSeed.model_validate(t) for t in terms] for name, terms in extra.items()}
