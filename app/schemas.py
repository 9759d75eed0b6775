"""What the API answers. Handlers declare these; they never return table models."""

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    model_config = ConfigDict(frozen=True)


class Code(Schema):
    """A terminology code, verified against a public code table, and how well it fits."""

    system: str = Field(description="Code system URI (FHIR conventions).")
    code: str
    display: str = Field(description="The code's name in its code system.")
    relation: str = Field(
        description="How the code's concept relates to this one, as SKOS mappings say it: "
        "`exact`, `broader` (the code's concept includes this one), `narrower` or `related`."
    )


class Evidence(Schema):
    """A verbatim quote from a source: source text[start:end] == quote."""

    source: str = Field(description="Slug of the source the quote is from.")
    quote: str
    start: int = Field(description="Offset of the quote's first character (Unicode code points).")
    end: int = Field(description="Offset just past the quote's last character.")


# What `page` says, wherever an item is named: one node, however many roles it has.
PAGE = (
    "Its own condition page (/conditions/{slug}) when it has one, wherever it is named: a "
    "risk factor of one condition can be a condition of its own; else null."
)


class Ref(Schema):
    """Another item, by slug and name, with its condition page if it has one."""

    slug: str
    name: str
    page: str | None = Field(description=PAGE)


class Statement(Schema):
    """What one condition's source says of the item, with its certainty and its evidence."""

    condition: Ref = Field(description="The condition whose source makes the statement.")
    predicate: str = Field(description="What it says, e.g. `has-risk-factor`; see /vocabulary.")
    certainty: str = Field(
        description="How sure the source is: `stated`, `possible` (it can happen) or "
        "`suspected` (alleged, not established); see /vocabulary."
    )
    qualifiers: list[str] = Field(description='The source\'s hedges, e.g. "in certain cases".')
    description: str = Field(description="The statement in plain words, with the same hedge.")
    evidence: list[Evidence]


class RiskFactorStatement(Statement):
    cause_type: Ref | None = Field(description="The type of cause it is named under, if any.")


class TreatmentStatement(Statement):
    aim: str | None
    indications: list[str] = Field(description="When the source says the treatment is used.")
    cautions: list[str]


class PreventionStatement(Statement):
    audience: str | None = Field(description="Whom the measure is for; null means everyone.")


class DrugStatement(Statement):
    treatment: Ref = Field(description="The treatment that gives the drug.")


S = TypeVar("S", bound=Statement)


class Concept(Schema, Generic[S]):
    """Fields every concept has: one slug, whichever conditions name it."""

    slug: str = Field(description="Stable kebab-case identifier.")
    name: str
    page: str | None = Field(description=PAGE)
    also_called: list[str] = Field(description="Lay names, abbreviations and brand names.")
    description: str | None = Field(
        description="What the sources say it is (its condition page's definition, when it has "
        "one); null where they say nothing of it."
    )
    codes: list[Code]
    conditions: list[Ref] = Field(description="The conditions whose sources name it.")
    statements: list[S] = Field(description="Every statement naming it, condition by condition.")


class Cause(Concept[Statement]):
    """A type of the condition, named after its cause, with the risk factors named under it."""

    risk_factors: list[Ref]


class RiskFactor(Concept[RiskFactorStatement]):
    """A condition or exposure that can lead to a condition, under the types it is named for."""

    cause_types: list[Ref]


class Symptom(Concept[Statement]):
    """A sign or symptom of a condition."""


class Complication(Concept[Statement]):
    """What a condition can lead to."""


class DiagnosticTest(Concept[Statement]):
    """A test a doctor uses to diagnose a condition."""

    kind: str | None = Field(description="A test kind from /vocabulary, e.g. `blood-test`.")


class Treatment(Concept[TreatmentStatement]):
    """A treatment, with the indications and cautions each source gives, and its drugs."""

    kind: str | None = Field(description="A treatment kind from /vocabulary, e.g. `surgery`.")
    drugs: list[Ref]


class Drug(Concept[DrugStatement]):
    """A drug, with the treatments that give it."""

    treatments: list[Ref]


class Prevention(Concept[PreventionStatement]):
    """A measure that reduces the risk of a condition, with the people it is for."""


class AggravatingFactor(Concept[Statement]):
    """What can make a condition worse: a substance, an activity, a circumstance."""


class Population(Concept[Statement]):
    """A group of people more likely to have a condition: an age, pregnancy, a sex, ..."""


class BodySite(Concept[Statement]):
    """A part of the body where the condition can occur."""


class Guidance(Schema):
    """A section of the source about the condition as a whole."""

    slug: str
    name: str
    description: str
    aspect: str | None = Field(
        description="What the section is about, a guidance-aspect term from /vocabulary: "
        "`prevalence` (how common it is), `onset` (how it starts), `course`, ...; null where "
        "the knowledge does not say."
    )
    certainty: str | None = Field(
        description="How sure the source is of it, as a statement's certainty; null where the "
        "knowledge does not say."
    )
    evidence: list[Evidence]


class SectionEntry(Schema):
    """One statement of the condition, summarised: which item, how sure, with which hedges."""

    slug: str
    name: str
    page: str | None = Field(description=PAGE)
    certainty: str
    qualifiers: list[str]
    cause_type: Ref | None = Field(
        default=None, description="For a risk factor: the type of cause it is named under."
    )


class Section(Schema):
    """The condition's statements of one kind: where to list them, how many items, which."""

    path: str = Field(description="The list endpoint that serves the section's items.")
    total: int = Field(description="How many items that list holds.")
    statements: list[SectionEntry] = Field(
        description="One entry per statement: an item named twice (under two cause types) "
        "appears twice."
    )


class Mention(Schema):
    """A statement of another condition's source that names this condition."""

    condition: Ref
    predicate: str
    certainty: str
    path: str = Field(description="Where the statement is served, e.g. /risk-factors/{slug}.")


class Condition(Schema):
    """A condition with its definition, codes, guidance, body sites and every section."""

    slug: str
    name: str
    also_called: list[str]
    description: str = Field(description="What the condition's source says it is.")
    source: str = Field(description="Slug of the condition's source.")
    codes: list[Code]
    evidence: list[Evidence] = Field(description="The source's definition, quoted.")
    guidance: list[Guidance] = Field(
        description="When to see a doctor, how it is diagnosed, how treatment is chosen, how "
        "common it is, how it starts, ..."
    )
    body_sites: list[BodySite] = Field(description="Where else in the body it can occur.")
    sections: dict[str, Section] = Field(
        description="Every kind of statement, by list: causes, risk_factors, symptoms, ..., "
        "aggravating_factors (what makes it worse), populations (who is more likely to have it)."
    )
    named_by: list[Mention] = Field(description="Other conditions' statements that name it.")


class Redirect(Schema):
    """An old slug of a renamed or merged concept, and where its answer is now (308)."""

    old_path: str = Field(description="The old URL's path, e.g. /risk-factors/pagets-disease.")
    path: str = Field(description="Where it leads, e.g. /risk-factors/bone-disease.")


class Source(Schema):
    """A source text, its fingerprint and its attribution, where the seed gives it."""

    slug: str
    title: str
    language: str
    sha256: str = Field(description="SHA-256 of the source text's bytes.")
    characters: int = Field(description="Length of the text in Unicode code points.")
    publisher: str | None
    url: str | None
    licence: str | None
    retrieved: str | None = Field(description="ISO date on which the text was retrieved.")
    conditions: list[str]


class Span(Schema):
    """A range of a text: text[start:end]."""

    start: int = Field(description="Offset of the first character (Unicode code points).")
    end: int = Field(description="Offset just past the last character.")


class Snippet(Schema):
    """Plain text from the field of the item that matched, with the matched words' places."""

    field: str = Field(
        description="Where the text is from: `name`, `aliases`, `description`, `kinds` (the "
        "lists it is served in), `details` (what the statements say of it) or `quotes`."
    )
    text: str = Field(
        description="One line of that field, at most 160 characters of it around the first "
        "match; `…` marks where it was cut."
    )
    highlights: list[Span] = Field(
        description="Where the matched words are in `text`, in order: text[start:end]."
    )


class SearchHit(Schema):
    """An item that matches a search, with its kind, where to read it and why it matched."""

    kind: str = Field(
        description="`condition`, or the list the item is served in: the one a search for a "
        "kind asked for, else its first role."
    )
    roles: list[str] = Field(
        description="Every role it has: `condition` if it has a page of its own, and each list "
        "it is served in. A search for any of these kinds finds it."
    )
    slug: str
    name: str
    description: str
    conditions: list[str] = Field(description="Slugs of the conditions whose sources name it.")
    path: str
    score: float = Field(description="Higher is better; comparable within one search.")
    matched: list[str] = Field(
        default_factory=list,
        description="The words of the query the item holds (as corrected, when corrected), "
        "in the query's order.",
    )
    snippet: Snippet | None = Field(
        default=None, description="The text that matched best, with the matched words marked."
    )


class Term(Schema):
    """A term of a vocabulary: its slug, a label, what it means, and the same in plain words."""

    slug: str
    label: str
    description: str
    plain: str | None = Field(
        description='The term in everyday words, e.g. "not proven" for `suspected`; null where '
        "the vocabulary gives none."
    )


class PredicateTerm(Term):
    resource: str = Field(description="The list its objects are served in.")
    subject: str = Field(description="`condition`, or the list its subjects are served in.")


class Vocabulary(Schema):
    """Every vocabulary the knowledge draws from."""

    predicates: list[PredicateTerm]
    vocabularies: dict[str, list[Term]] = Field(
        description="By name: certainty, code-relation, treatment-kind, test-kind, "
        "guidance-aspect, ..."
    )


T = TypeVar("T")


class Page(Schema, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int = Field(description="How many items match, across all pages.")
    limit: int
    offset: int


class ConditionPage(Page[Condition]):
    """One page of conditions."""


class CausePage(Page[Cause]):
    """One page of causes."""


class RiskFactorPage(Page[RiskFactor]):
    """One page of risk factors."""


class SymptomPage(Page[Symptom]):
    """One page of symptoms."""


class ComplicationPage(Page[Complication]):
    """One page of complications."""


class DiagnosticTestPage(Page[DiagnosticTest]):
    """One page of diagnostic tests."""


class TreatmentPage(Page[Treatment]):
    """One page of treatments."""


class DrugPage(Page[Drug]):
    """One page of drugs."""


class PreventionPage(Page[Prevention]):
    """One page of prevention measures."""


class AggravatingFactorPage(Page[AggravatingFactor]):
    """One page of aggravating factors."""


class PopulationPage(Page[Population]):
    """One page of populations."""


class SourcePage(Page[Source]):
    """One page of sources."""


class SearchPage(Page[SearchHit]):
    """One page of search hits, best first."""

    did_you_mean: str | None = Field(
        default=None,
        description="The query with each word no item holds replaced by the nearest word "
        "items do hold, when there was such a word; the hits are those of this query.",
    )


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


class Index(Schema):
    """What this API is, and where to find its documentation and every resource."""

    name: str
    version: str = Field(description="Version of the API software, as in /meta.")
    description: str
    links: dict[str, str] = Field(
        description="Where each thing is, by name: `docs` (Swagger UI), `redoc`, `openapi` "
        "(this document), and every resource (`conditions`, `causes`, ..., `search`, `meta`)."
    )


class Health(Schema):
    """The process is up."""

    status: Literal["ok"]


class Readiness(Schema):
    """The database answers and holds the knowledge revision this server expects."""

    status: Literal["ready"] = Field(description="When it is not, the answer is a 503 problem.")
    revision: str = Field(description="The database's migration revision.")
