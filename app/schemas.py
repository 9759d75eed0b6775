"""What the API answers. Handlers declare these; they never return table models."""

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.knowledge.terms import ItemKind, TestKind, TreatmentKind


class Schema(BaseModel):
    model_config = ConfigDict(frozen=True)


class CodePublic(Schema):
    """A terminology code, verified against a public code table."""

    system: str = Field(description="Code system URI (FHIR conventions).")
    code: str
    display: str = Field(description="The code's name in its code system.")


class EvidencePublic(Schema):
    """A verbatim quote from a source: source text[start:end] == quote."""

    source: str = Field(description="Slug of the source the quote is from.")
    quote: str
    start: int = Field(description="Offset of the quote's first character (Unicode code points).")
    end: int = Field(description="Offset just past the quote's last character.")


class ItemRef(Schema):
    """Another item, by slug and name."""

    slug: str
    name: str


class ItemPublic(Schema):
    """Fields every item has."""

    slug: str = Field(description="Stable kebab-case identifier.")
    name: str
    description: str = Field(description="Short plain-language description.")
    condition: str = Field(description="Slug of the condition the item belongs to.")
    codes: list[CodePublic]
    evidence: list[EvidencePublic]


class PartPublic(Schema):
    """An item served inside another: a guidance section, a body site, a drug."""

    slug: str
    name: str
    description: str
    codes: list[CodePublic]
    evidence: list[EvidencePublic]


class CausePublic(ItemPublic):
    """A type of cause, with its mechanism and the risk factors named under it."""

    mechanism: str
    risk_factors: list[ItemRef]


class RiskFactorPublic(ItemPublic):
    """A condition or exposure named under one or more cause types."""

    cause_types: list[ItemRef]


class SymptomPublic(ItemPublic):
    qualifier: str | None = Field(description='The article\'s hedge, e.g. "in certain cases".')


class ComplicationPublic(ItemPublic):
    qualifier: str | None = Field(description='The article\'s hedge, e.g. "in rare conditions".')


class TestPublic(ItemPublic):
    kind: TestKind


class TreatmentPublic(ItemPublic):
    """A treatment with its kind, aim, indications, cautions and drugs."""

    kind: TreatmentKind
    aim: str
    indications: list[str] = Field(description="When the article says the treatment is used.")
    cautions: list[str]
    drugs: list[PartPublic]


class PreventionPublic(ItemPublic):
    audience: str | None = Field(description="Whom the measure is for; null means everyone.")


class SectionSummary(Schema):
    """How many items a section of the condition holds, and which."""

    path: str = Field(description="The list endpoint that serves the section.")
    total: int
    items: list[ItemRef]


class ConditionPublic(Schema):
    """A condition with its codes, guidance, body sites and a summary of every section."""

    slug: str
    name: str
    description: str
    source: str
    codes: list[CodePublic]
    evidence: list[EvidencePublic]
    guidance: list[PartPublic] = Field(
        description="When to see a doctor, how it is diagnosed, how treatment is chosen, ..."
    )
    body_sites: list[PartPublic] = Field(description="Where else calcium can build up.")
    sections: dict[str, SectionSummary]


class SourcePublic(Schema):
    """A source text and its fingerprint."""

    slug: str
    title: str
    language: str
    sha256: str = Field(description="SHA-256 of the source text's bytes.")
    characters: int = Field(description="Length of the text in Unicode code points.")
    conditions: list[str]


class SearchHit(Schema):
    """An item that matches a search, with its kind and where to read it."""

    kind: ItemKind
    slug: str
    name: str
    description: str
    condition: str
    path: str
    score: float = Field(description="Higher is better; comparable within one search.")


T = TypeVar("T")


class Page(Schema, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int = Field(description="How many items match, across all pages.")
    limit: int
    offset: int


class ParameterError(Schema):
    """Which parameter of a request is wrong, and why."""

    parameter: str = Field(description='Its name, e.g. "limit"; "slug" for the path.')
    message: str


class Problem(Schema):
    """An error, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ParameterError] | None = Field(
        default=None, description="For invalid requests: which parameter, and why."
    )


class Health(Schema):
    """The process is up."""

    status: Literal["ok"]


class Readiness(Schema):
    """The database answers and holds the knowledge revision this server expects."""

    status: Literal["ready"] = Field(description="When it is not, the answer is a 503 problem.")
    revision: str = Field(description="The database's migration revision.")
