"""Items as the API answers them, built from the database for a batch of slugs at a time.

Each function reads a whole batch in a fixed number of queries (never one per item), using the
graph (app/graph.py) for names, order and membership. They are called once per item and
revision (app/store.py keeps what they build), and by the export, batch after batch.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from app.catalog import RESOURCES, Resource
from app.graph import EVERY_STATEMENT, Claim, Filters, Graph
from app.knowledge.ids import definition_claim, guidance_claim
from app.knowledge.lists import CAUSES, DRUGS, RISK_FACTORS, TREATMENTS
from app.models import (
    Concept,
    ConceptCode,
    Condition,
    Evidence,
    Guidance,
    Source,
    Statement,
    table,
)
from app.schemas import (
    BodySite,
    Code,
    Mention,
    Ref,
    Section,
    SectionEntry,
)
from app.schemas import Condition as ConditionSchema
from app.schemas import Evidence as EvidenceSchema
from app.schemas import Guidance as GuidanceSchema
from app.schemas import Source as SourceSchema
from app.schemas import Statement as StatementSchema


def _codes(connection: Connection, slugs: Collection[str]) -> dict[str, list[Code]]:
    codes: dict[str, list[Code]] = defaultdict(list)
    if not slugs:
        return codes
    code = table(ConceptCode)
    rows = connection.execute(
        select(code).where(code.c.concept_slug.in_(slugs)).order_by(code.c.position)
    )
    for row in rows:
        codes[row.concept_slug].append(
            Code(system=row.system, code=row.code, display=row.display, relation=row.relation)
        )
    return codes


def _evidence(connection: Connection, claims: Collection[str]) -> dict[str, list[EvidenceSchema]]:
    evidence: dict[str, list[EvidenceSchema]] = defaultdict(list)
    if not claims:
        return evidence
    quote = table(Evidence)
    rows = connection.execute(
        select(quote).where(quote.c.claim.in_(claims)).order_by(quote.c.position)
    )
    for row in rows:
        evidence[row.claim].append(
            EvidenceSchema(
                source=row.source_slug, quote=row.quote, start=row.char_start, end=row.char_end
            )
        )
    return evidence


def _concept_rows(connection: Connection, slugs: Collection[str]) -> dict[str, Any]:
    concept = table(Concept)
    return {
        row.slug: row
        for row in connection.execute(select(concept).where(concept.c.slug.in_(slugs)))
    }


def _definitions(connection: Connection, graph: Graph, slugs: Collection[str]) -> dict[str, str]:
    """The definitions of the concepts with a condition page: a concept is described in one
    place, its own page, whichever list it is named in."""
    pages = [slug for slug in slugs if slug in graph.conditions]
    if not pages:
        return {}
    condition = table(Condition)
    rows = connection.execute(
        select(condition.c.slug, condition.c.description).where(condition.c.slug.in_(pages))
    )
    return {row.slug: row.description for row in rows}


def _statement_rows(connection: Connection, claims: Iterable[Claim]) -> list[Any]:
    """The statements behind claims, in the order the claims come."""
    ids = [claim.id for claim in claims]
    if not ids:
        return []
    statement = table(Statement)
    rows = {r.id: r for r in connection.execute(select(statement).where(statement.c.id.in_(ids)))}
    return [rows[i] for i in ids]


def _statements(
    connection: Connection, graph: Graph, schema: type[StatementSchema], claims: list[Claim]
) -> list[StatementSchema]:
    """Statements in the schema their list uses, each with its evidence."""
    rows = _statement_rows(connection, claims)
    evidence = _evidence(connection, [row.id for row in rows])
    extra = [name for name in schema.model_fields if name not in StatementSchema.model_fields]
    return [
        schema(
            condition=_ref(graph, row.condition_slug),
            predicate=row.predicate,
            certainty=row.certainty,
            qualifiers=row.qualifiers,
            description=row.description,
            evidence=evidence[row.id],
            **{name: _STATEMENT_FIELDS[name](row, graph) for name in extra},
        )
        for row in rows
    ]


def _ref(graph: Graph, slug: str) -> Ref:
    """Every reference to an item: its slug, name and condition page."""
    return Ref(slug=slug, name=graph.name(slug), page=graph.page(slug))


def _optional_ref(graph: Graph, slug: str | None) -> Ref | None:
    return None if slug is None else _ref(graph, slug)


# Fields some lists' statements add, by name, from the statement's row.
_STATEMENT_FIELDS: dict[str, Callable[[Any, Graph], Any]] = {
    "cause_type": lambda row, graph: _optional_ref(graph, row.cause_type_slug),
    "treatment": lambda row, graph: _ref(graph, row.subject_slug),
    "aim": lambda row, _graph: row.aim,
    "indications": lambda row, _graph: row.indications,
    "cautions": lambda row, _graph: row.cautions,
    "audience": lambda row, _graph: row.audience,
}


def _refs(graph: Graph, slugs: Iterable[str]) -> list[Ref]:
    return [_ref(graph, slug) for slug in dict.fromkeys(slugs)]


def _related(
    graph: Graph, resource: Resource, slug: str, condition: str | None, claims: list[Claim]
) -> dict[str, list[Ref]]:
    """The references a list adds to its items: a cause's risk factors, a drug's treatments."""
    if resource.name == CAUSES:
        under = [c for c in graph.under_cause.get(slug, []) if condition in (None, c.condition)]
        return {"risk_factors": _refs(graph, (c.object for c in under))}
    if resource.name == RISK_FACTORS:
        return {"cause_types": _refs(graph, (c.cause_type for c in claims if c.cause_type))}
    if resource.name == TREATMENTS:
        drugs = [c for c in graph.drugs_of.get(slug, []) if condition in (None, c.condition)]
        return {"drugs": _refs(graph, (c.object for c in drugs))}
    if resource.name == DRUGS:
        return {"treatments": _refs(graph, (c.subject for c in claims))}
    return {}


def render_concepts(
    connection: Connection,
    graph: Graph,
    resource: Resource,
    slugs: list[str],
    narrowing: Filters = EVERY_STATEMENT,
) -> dict[str, Any]:
    """The items of a list, by slug, with every statement or those the statement-level
    filters keep (one condition's, one certainty's, ...)."""
    condition = narrowing.condition
    concepts = _concept_rows(connection, slugs)
    codes = _codes(connection, slugs)
    claims = {slug: graph.claims_of(resource.name, slug, narrowing) for slug in slugs}
    every_claim = [c for slug in slugs for c in claims[slug]]
    statements = _statements(connection, graph, resource.statement, every_claim)
    by_object: dict[str, list[StatementSchema]] = defaultdict(list)
    for claim, statement in zip(every_claim, statements, strict=True):
        by_object[claim.object].append(statement)
    has_kind = "kind" in resource.schema.model_fields
    definitions = _definitions(connection, graph, slugs)
    items = {}
    for slug in slugs:
        row = concepts[slug]
        items[slug] = resource.schema(
            slug=slug,
            name=row.name,
            page=graph.page(slug),
            also_called=row.also_called,
            description=definitions.get(slug, row.description),
            codes=codes[slug],
            conditions=_refs(graph, (c.condition for c in claims[slug])),
            statements=by_object[slug],
            **({"kind": row.kind} if has_kind else {}),
            **_related(graph, resource, slug, condition, claims[slug]),
        )
    return items


def render_conditions(
    connection: Connection, graph: Graph, slugs: list[str]
) -> dict[str, ConditionSchema]:
    """Condition pages, by slug: definition, codes, guidance, body sites and every section."""
    site_claims = {slug: graph.body_sites(slug) for slug in slugs}
    sites = [claim.object for claims in site_claims.values() for claim in claims]
    concepts = _concept_rows(connection, [*slugs, *sites])
    codes = _codes(connection, [*slugs, *sites])
    pages = {
        row.slug: row
        for row in connection.execute(
            select(table(Condition)).where(table(Condition).c.slug.in_(slugs))
        )
    }
    guidance_table = table(Guidance)
    guidance: dict[str, list[Any]] = defaultdict(list)
    for row in connection.execute(
        select(guidance_table)
        .where(guidance_table.c.condition_slug.in_(slugs))
        .order_by(guidance_table.c.position)
    ):
        guidance[row.condition_slug].append(row)
    claims = [definition_claim(slug) for slug in slugs]
    claims += [guidance_claim(g.condition_slug, g.slug) for rows in guidance.values() for g in rows]
    evidence = _evidence(connection, claims)
    site_statements = _statements(
        connection, graph, StatementSchema, [c for slug in slugs for c in site_claims[slug]]
    )
    statements = iter(site_statements)
    result = {}
    for slug in slugs:
        concept = concepts[slug]
        body_sites = [
            BodySite(
                slug=claim.object,
                name=concepts[claim.object].name,
                page=graph.page(claim.object),
                also_called=concepts[claim.object].also_called,
                description=concepts[claim.object].description,
                codes=codes[claim.object],
                conditions=[_ref(graph, slug)],
                statements=[next(statements)],
            )
            for claim in site_claims[slug]
        ]
        result[slug] = ConditionSchema(
            slug=slug,
            name=concept.name,
            also_called=concept.also_called,
            description=pages[slug].description,
            source=pages[slug].source_slug,
            codes=codes[slug],
            evidence=evidence[definition_claim(slug)],
            guidance=[
                GuidanceSchema(
                    slug=g.slug,
                    name=g.name,
                    description=g.description,
                    aspect=g.aspect,
                    certainty=g.certainty,
                    evidence=evidence[guidance_claim(slug, g.slug)],
                )
                for g in guidance[slug]
            ],
            body_sites=body_sites,
            sections=sections(graph, slug),
            named_by=[
                Mention(
                    condition=_ref(graph, c.condition),
                    predicate=c.predicate,
                    certainty=c.certainty,
                    path=f"/{graph.predicates[c.predicate].resource}/{slug}",
                )
                for c in graph.named.get(slug, [])
                if c.condition != slug
            ],
        )
    return result


def sections(graph: Graph, condition: str) -> dict[str, Section]:
    """The condition's statements, list by list, as its page summarises them."""
    result = {}
    for resource in RESOURCES:
        claims = graph.claims_of_condition(condition, resource.name)
        result[resource.operation_name] = Section(
            path=f"{resource.path}?condition={condition}",
            total=len(dict.fromkeys(c.object for c in claims)),
            statements=[
                SectionEntry(
                    slug=c.object,
                    name=graph.name(c.object),
                    page=graph.page(c.object),
                    certainty=c.certainty,
                    qualifiers=list(c.qualifiers),
                    cause_type=_optional_ref(graph, c.cause_type),
                )
                for c in claims
            ],
        )
    return result


def render_sources(
    connection: Connection, graph: Graph, slugs: Collection[str] | None = None
) -> list[SourceSchema]:
    """Sources in slug order (all, or those named), with the conditions read from each."""
    source = table(Source)
    query = select(
        source.c.slug,
        source.c.title,
        source.c.language,
        source.c.sha256,
        func.length(source.c.text).label("characters"),
        source.c.publisher,
        source.c.url,
        source.c.licence,
        source.c.retrieved,
    ).order_by(source.c.slug)
    if slugs is not None:
        query = query.where(source.c.slug.in_(slugs))
    read_from: dict[str, list[str]] = defaultdict(list)
    for condition, source_slug in graph.conditions.items():
        read_from[source_slug].append(condition)
    return [
        SourceSchema(**row._mapping, conditions=read_from[row.slug])
        for row in connection.execute(query)
    ]


def source_text(connection: Connection, slug: str) -> str | None:
    source = table(Source)
    text: str | None = connection.execute(
        select(source.c.text).where(source.c.slug == slug)
    ).scalar_one_or_none()
    return text
