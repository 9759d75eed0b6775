"""The shape of the knowledge graph at one revision, read in a few whole-table reads.

Which concepts each list holds, in which order, under which filters, and the names every
reference needs. A snapshot's build reads it to render every item (app/render.py) and to write
the lists' orders and filters (app/served.py); `select` is what those orders must give, and the
tests hold the snapshot to it. Requests never read it.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, String, select, type_coerce

from app.catalog import BY_NAME, Resource
from app.db import knowledge_revision
from app.errors import InvalidParameter, NotFound, UnknownReference
from app.knowledge.lists import BODY_SITES, CAUSES, CERTAINTY, DRUGS, TREATMENTS
from app.models import Concept, Condition, Predicate, Statement, VocabularyTerm, table


@dataclass(frozen=True, slots=True)
class Claim:
    """A statement as lists and summaries need it: who says what of which item, how surely."""

    id: str
    condition: str
    subject: str
    predicate: str
    object: str
    cause_type: str | None
    certainty: str
    qualifiers: tuple[str, ...]
    position: int


@dataclass(frozen=True, slots=True)
class ConceptInfo:
    name: str
    kind: str | None


@dataclass(frozen=True, slots=True)
class TermInfo:
    slug: str
    label: str
    description: str
    # The term in words a patient understands ("can happen"), where the vocabulary gives them.
    plain: str | None


@dataclass(frozen=True, slots=True)
class PredicateInfo:
    slug: str
    label: str
    description: str
    resource: str
    subject: str
    plain: str | None


@dataclass(frozen=True)
class Filters:
    """What a list request narrows its items to; None means no narrowing."""

    condition: str | None = None
    cause: str | None = None
    kind: str | None = None
    treatment: str | None = None
    certainty: str | None = None
    q: str | None = None

    def keeps(self, claim: Claim) -> bool:
        """Whether the statement-level filters keep a statement: an item is listed for the
        statements they keep, and served with those alone."""
        return self.keeps_statement(
            claim.condition, claim.cause_type, claim.subject, claim.certainty
        )

    def keeps_statement(
        self, condition: str, cause_type: str | None, subject: str | None, certainty: str
    ) -> bool:
        """`keeps`, for a statement as its parts: a `subject` filtered by treatment is one."""
        return (
            (self.condition is None or condition == self.condition)
            and (self.cause is None or cause_type == self.cause)
            and (self.treatment is None or subject == self.treatment)
            and (self.certainty is None or certainty == self.certainty)
        )

    @property
    def narrowing(self) -> "Filters":
        """The statement-level filters alone."""
        return Filters(
            condition=self.condition,
            cause=self.cause,
            treatment=self.treatment,
            certainty=self.certainty,
        )


EVERY_STATEMENT = Filters()


@dataclass
class Graph:
    """The knowledge's shape at one revision."""

    revision: str
    predicates: dict[str, PredicateInfo]
    vocabularies: dict[str, list[TermInfo]]
    concepts: dict[str, ConceptInfo]
    # Condition slug -> its source's slug, in slug order.
    conditions: dict[str, str]
    # Every statement, in each condition's order (conditions in slug order).
    claims: list[Claim]
    # Derived below: list -> concept -> the claims that put it there, in order.
    listed: dict[str, dict[str, list[Claim]]] = field(default_factory=dict)
    # Condition -> list -> its claims of that list, in the source's order.
    by_condition: dict[str, dict[str, list[Claim]]] = field(default_factory=dict)
    # Concept -> every claim naming it as object, whatever the list.
    named: dict[str, list[Claim]] = field(default_factory=dict)
    # Cause type -> the risk-factor claims under it; treatment -> its drug claims.
    under_cause: dict[str, list[Claim]] = field(default_factory=dict)
    drugs_of: dict[str, list[Claim]] = field(default_factory=dict)
    # List -> its claims in the sources' order (conditions in slug order).
    in_order: dict[str, list[Claim]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        listed: dict[str, dict[str, list[Claim]]] = defaultdict(lambda: defaultdict(list))
        by_condition: dict[str, dict[str, list[Claim]]] = defaultdict(lambda: defaultdict(list))
        named: dict[str, list[Claim]] = defaultdict(list)
        under_cause: dict[str, list[Claim]] = defaultdict(list)
        drugs_of: dict[str, list[Claim]] = defaultdict(list)
        in_order: dict[str, list[Claim]] = defaultdict(list)
        for claim in self.claims:
            resource = self.predicates[claim.predicate].resource
            in_order[resource].append(claim)
            listed[resource][claim.object].append(claim)
            by_condition[claim.condition][resource].append(claim)
            named[claim.object].append(claim)
            if claim.cause_type is not None:
                under_cause[claim.cause_type].append(claim)
            if resource == DRUGS:
                drugs_of[claim.subject].append(claim)
        self.listed = {name: dict(items) for name, items in listed.items()}
        self.by_condition = {name: dict(items) for name, items in by_condition.items()}
        self.named, self.under_cause, self.drugs_of = dict(named), dict(under_cause), dict(drugs_of)
        self.in_order = dict(in_order)

    def name(self, slug: str) -> str:
        return self.concepts[slug].name

    def terms(self, vocabulary: str) -> list[str]:
        return [term.slug for term in self.vocabularies.get(vocabulary, [])]

    def claims_of(
        self, resource: str, slug: str, narrowing: Filters = EVERY_STATEMENT
    ) -> list[Claim]:
        """The claims that put a concept in a list, all of them or those the filters keep."""
        claims = self.listed.get(resource, {}).get(slug, [])
        return [c for c in claims if narrowing.keeps(c)]

    def in_list(self, resource: Resource, slug: str) -> bool:
        return slug in self.listed.get(resource.name, {})

    def select(
        self, resource: Resource, filters: Filters, texts: dict[str, str] | None = None
    ) -> list[str]:
        """The slugs of a list's items under the filters, in order; 404 for unknown references.

        An item comes where the first statement that keeps it comes, in the sources' order.
        The `q` filter looks in `texts` (load_texts).
        """
        self.check(resource, filters)
        if filters.condition is None:
            claims = self.in_order.get(resource.name, [])
        else:
            claims = self.claims_of_condition(filters.condition, resource.name)
        kept = (claim.object for claim in claims if filters.keeps(claim))
        needle = filters.q.casefold() if filters.q else None
        if needle is not None and texts is None:
            raise ValueError("the q filter needs the concepts' texts: see load_texts")
        return [
            slug
            for slug in dict.fromkeys(kept)
            if (filters.kind is None or self.concepts[slug].kind == filters.kind)
            and (needle is None or needle in (texts or {})[slug])
        ]

    def check(self, resource: Resource, filters: Filters) -> None:
        """Refuse filters that name nothing: 404 for unknown items, 422 for unknown terms."""
        if filters.condition is not None:
            self.require_condition(filters.condition)
        references = (
            ("cause", filters.cause, CAUSES),
            ("treatment", filters.treatment, TREATMENTS),
        )
        for parameter, slug, name in references:
            if slug is not None and not self.in_list(BY_NAME[name], slug):
                noun = BY_NAME[name].singular
                raise UnknownReference(parameter, f"no {noun} with slug {slug!r}; see /{name}")
        vocabularies = (
            ("kind", filters.kind, resource.kind_vocabulary),
            ("certainty", filters.certainty, CERTAINTY),
        )
        for parameter, term, vocabulary in vocabularies:
            if term is not None and vocabulary is not None and term not in self.terms(vocabulary):
                known = ", ".join(self.terms(vocabulary))
                raise InvalidParameter(parameter, f"must be one of: {known}")

    def require_condition(self, slug: str) -> None:
        if slug not in self.conditions:
            raise UnknownReference("condition", f"no condition with slug {slug!r}; see /conditions")

    def require_page(self, slug: str) -> None:
        if slug not in self.conditions:
            raise NotFound(f"No condition with slug {slug!r}; see /conditions.")

    def require(self, resource: Resource, slug: str) -> None:
        if not self.in_list(resource, slug):
            raise NotFound(f"No {resource.singular} with slug {slug!r}; see {resource.path}.")

    def page(self, slug: str) -> str | None:
        """A concept's own condition page, if it has one."""
        return f"/conditions/{slug}" if slug in self.conditions else None

    def claims_of_condition(self, condition: str, resource: str) -> list[Claim]:
        """A condition's claims of one list, in its source's order."""
        return self.by_condition.get(condition, {}).get(resource, [])

    def body_sites(self, condition: str) -> list[Claim]:
        return self.claims_of_condition(condition, BODY_SITES)


def load_graph(connection: Connection) -> Graph:
    """Read the graph's shape at the database's current revision: a few whole-table reads."""
    revision = knowledge_revision(connection)
    predicate, term, concept = table(Predicate), table(VocabularyTerm), table(Concept)
    condition, statement = table(Condition), table(Statement)
    predicates = {
        row.slug: PredicateInfo(
            row.slug, row.label, row.description, row.resource, row.subject, row.plain
        )
        for row in connection.execute(select(predicate).order_by(predicate.c.position))
    }
    vocabularies: dict[str, list[TermInfo]] = defaultdict(list)
    for row in connection.execute(select(term).order_by(term.c.vocabulary, term.c.position)):
        vocabularies[row.vocabulary].append(
            TermInfo(row.slug, row.label, row.description, row.plain)
        )
    concepts = {
        slug: ConceptInfo(name, kind)
        for slug, name, kind in connection.execute(
            select(concept.c.slug, concept.c.name, concept.c.kind)
        ).all()
    }
    conditions = {
        row.slug: row.source_slug
        for row in connection.execute(select(condition).order_by(condition.c.slug))
    }
    columns = [
        statement.c.id,
        statement.c.condition_slug,
        statement.c.subject_slug,
        statement.c.predicate,
        statement.c.object_slug,
        statement.c.cause_type_slug,
        statement.c.certainty,
        # As stored: most statements have no qualifier, and decoding every "[]" costs seconds
        # at a thousand conditions.
        type_coerce(statement.c.qualifiers, String).label("qualifiers"),
        statement.c.position,
    ]
    rows = connection.execute(
        select(*columns).order_by(statement.c.condition_slug, statement.c.position)
    ).all()
    claims = [
        Claim(
            row.id,
            row.condition_slug,
            row.subject_slug,
            row.predicate,
            row.object_slug,
            row.cause_type_slug,
            row.certainty,
            _qualifiers(row.qualifiers),
            row.position,
        )
        for row in rows
    ]
    return Graph(revision, predicates, dict(vocabularies), concepts, conditions, claims)


def _qualifiers(stored: str | list[str]) -> tuple[str, ...]:
    # SQLite hands JSON over as text; psycopg decodes it whatever the column is read as.
    if isinstance(stored, list):
        return tuple(stored)
    return () if stored == "[]" else tuple(json.loads(stored))


def load_texts(connection: Connection) -> dict[str, str]:
    """Each concept's name, aliases and description, case-folded: what `q` looks in."""
    concept = table(Concept)
    rows = connection.execute(
        select(concept.c.slug, concept.c.name, concept.c.also_called, concept.c.description)
    ).all()
    return {
        slug: "\n".join([name, *also_called, description or ""]).casefold()
        for slug, name, also_called, description in rows
    }
