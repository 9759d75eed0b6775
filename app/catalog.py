"""Reading items out of the database as the API's schemas: one way for every resource.

Each resource is described once (its table, schema, path and relations); listing, filtering,
paging and looking up by slug are written once for all of them.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.errors import NotFound, UnknownReference
from app.knowledge.terms import ItemKind
from app.models import (
    CauseType,
    Code,
    Complication,
    Condition,
    DiagnosticTest,
    Drug,
    Evidence,
    PartBase,
    PreventionMeasure,
    ResourceBase,
    RiskFactor,
    RiskFactorCauseType,
    Symptom,
    Treatment,
)
from app.schemas import (
    CausePublic,
    CodePublic,
    ComplicationPublic,
    EvidencePublic,
    ItemPublic,
    ItemRef,
    Page,
    PartPublic,
    PreventionPublic,
    RiskFactorPublic,
    SymptomPublic,
    TestPublic,
    TreatmentPublic,
)

P = TypeVar("P", bound=ItemPublic)
T = TypeVar("T", bound=BaseModel)
M = TypeVar("M", bound=SQLModel)
Key = tuple[str, str]  # (condition slug, item slug)
Relations = Callable[[Session, Sequence[Any]], dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class Resource(Generic[P]):
    """An item kind served as a list and a detail by slug."""

    kind: ItemKind
    path: str
    table: type[ResourceBase]
    schema: type[P]
    singular: str  # "risk factor": for messages and summaries
    plural: str  # "risk factors"
    # Fields that come from other tables, by item slug.
    relations: Relations | None = None

    @property
    def operation_name(self) -> str:
        return self.path.strip("/").replace("-", "_")


def codes_and_evidence(
    session: Session, kind: ItemKind, keys: Iterable[Key]
) -> tuple[dict[Key, list[CodePublic]], dict[Key, list[EvidencePublic]]]:
    """The codes and the evidence of items of one kind, by (condition, slug)."""
    keys = list(keys)
    slugs = {slug for _, slug in keys}
    codes: dict[Key, list[CodePublic]] = defaultdict(list)
    evidence: dict[Key, list[EvidencePublic]] = defaultdict(list)
    if not slugs:
        return codes, evidence
    code_rows = session.exec(
        select(Code)
        .where(Code.item_kind == kind.value, col(Code.item_slug).in_(slugs))
        .order_by(col(Code.position))
    ).all()
    for code in code_rows:
        codes[(code.condition_slug, code.item_slug)].append(
            CodePublic(system=code.system, code=code.code, display=code.display)
        )
    quote_rows = session.exec(
        select(Evidence)
        .where(Evidence.item_kind == kind.value, col(Evidence.item_slug).in_(slugs))
        .order_by(col(Evidence.position))
    ).all()
    for quote in quote_rows:
        evidence[(quote.condition_slug, quote.item_slug)].append(
            EvidencePublic(
                source=quote.source_slug,
                quote=quote.quote,
                start=quote.char_start,
                end=quote.char_end,
            )
        )
    return codes, evidence


def parts(session: Session, kind: ItemKind, rows: Sequence[PartBase]) -> list[PartPublic]:
    """Guidance, body sites or drugs, with their codes and evidence."""
    keys = [(row.condition_slug, row.slug) for row in rows]
    codes, evidence = codes_and_evidence(session, kind, keys)
    return [
        PartPublic(
            slug=row.slug,
            name=row.name,
            description=row.description,
            codes=codes[key],
            evidence=evidence[key],
        )
        for row, key in zip(rows, keys, strict=True)
    ]


def build(session: Session, resource: Resource[P], rows: Sequence[ResourceBase]) -> list[P]:
    """Turn table rows into the resource's schema, with codes, evidence and relations."""
    keys = [(row.condition_slug, row.slug) for row in rows]
    codes, evidence = codes_and_evidence(session, resource.kind, keys)
    related = resource.relations(session, rows) if resource.relations else {}
    # Columns of the table that the schema also names (kind, qualifier, aim, ...).
    own = [name for name in resource.schema.model_fields if name in resource.table.model_fields]
    return [
        resource.schema(
            **{name: getattr(row, name) for name in own},
            condition=row.condition_slug,
            codes=codes[key],
            evidence=evidence[key],
            **related.get(row.slug, {}),
        )
        for row, key in zip(rows, keys, strict=True)
    ]


def list_items(
    session: Session,
    resource: Resource[P],
    *,
    limit: int,
    offset: int,
    condition: str | None = None,
    q: str | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> Page[P]:
    """One page of a resource's items, in the article's order, filtered."""
    statement = items_query(session, resource, condition=condition, q=q, where=where)
    return paginate(
        session,
        statement,
        resource.schema,
        lambda rows: build(session, resource, rows),
        limit=limit,
        offset=offset,
    )


def items_query(
    session: Session,
    resource: Resource[P],
    *,
    condition: str | None = None,
    q: str | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> SelectOfScalar[Any]:
    """A resource's rows, filtered, in the article's order."""
    table = resource.table
    clauses = list(where)
    if condition is not None:
        require_condition(session, condition)
        clauses.append(col(table.condition_slug) == condition)
    if q:
        needle = q.lower()
        clauses.append(
            or_(
                func.lower(col(table.name)).contains(needle, autoescape=True),
                func.lower(col(table.description)).contains(needle, autoescape=True),
            )
        )
    return (
        select(table)
        .where(and_(True, *clauses))
        .order_by(col(table.condition_slug), col(table.position), col(table.slug))
    )


def in_chunks(session: Session, query: SelectOfScalar[M], size: int) -> Iterator[Sequence[M]]:
    """The query's rows, read `size` at a time so memory stays bounded."""
    offset = 0
    while rows := session.exec(query.limit(size).offset(offset)).all():
        yield rows
        offset += len(rows)


def paginate(
    session: Session,
    statement: SelectOfScalar[M],
    schema: type[T],
    build: Callable[[Sequence[M]], list[T]],
    *,
    limit: int,
    offset: int,
) -> Page[T]:
    """One page of what `statement` selects, built into schemas, with the total it selects."""
    total = session.exec(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.exec(statement.limit(limit).offset(offset)).all()
    page = Page[schema]  # type: ignore[valid-type]
    return page(items=build(rows), total=total.one(), limit=limit, offset=offset)


def find(session: Session, table: type[M], slug: str, noun: str, path: str) -> M:
    """The row with this slug, or a 404 that names what was not found and where to look."""
    row = session.get(table, slug)
    if row is None:
        raise NotFound(f"No {noun} with slug {slug!r}; see {path}.")
    return row


def get_item(session: Session, resource: Resource[P], slug: str) -> P:
    """The item with this slug, or a 404 that names what was not found."""
    row = find(session, resource.table, slug, resource.singular, resource.path)
    return build(session, resource, [row])[0]


def require_condition(session: Session, slug: str) -> None:
    if session.get(Condition, slug) is None:
        raise UnknownReference("condition", f"no condition with slug {slug!r}; see /conditions")


def _linked(
    session: Session,
    rows: Sequence[Any],
    here: Any,
    there: Any,
    other: type[ResourceBase],
    field: str,
) -> dict[str, dict[str, Any]]:
    """The items linked to each row through risk_factor_cause_type, as refs under `field`."""
    links = session.exec(
        select(here, other.slug, other.name)
        .join(other, col(other.slug) == there)
        .where(col(here).in_([row.slug for row in rows]))
        .order_by(col(other.position))
    ).all()
    related: dict[str, dict[str, Any]] = {row.slug: {field: []} for row in rows}
    for slug, linked, name in links:
        related[slug][field].append(ItemRef(slug=linked, name=name))
    return related


def _cause_risk_factors(session: Session, rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
    link = RiskFactorCauseType
    return _linked(
        session, rows, link.cause_type_slug, link.risk_factor_slug, RiskFactor, "risk_factors"
    )


def _risk_factor_causes(session: Session, rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
    link = RiskFactorCauseType
    return _linked(
        session, rows, link.risk_factor_slug, link.cause_type_slug, CauseType, "cause_types"
    )


def _treatment_drugs(session: Session, rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
    drugs = session.exec(
        select(Drug)
        .where(col(Drug.treatment_slug).in_([row.slug for row in rows]))
        .order_by(col(Drug.position))
    ).all()
    served = parts(session, ItemKind.DRUG, drugs)
    related: dict[str, dict[str, Any]] = {row.slug: {"drugs": []} for row in rows}
    for drug, public in zip(drugs, served, strict=True):
        related[drug.treatment_slug]["drugs"].append(public)
    return related


CAUSES = Resource(
    ItemKind.CAUSE, "/causes", CauseType, CausePublic, "cause type", "cause types",
    _cause_risk_factors,
)  # fmt: skip
RISK_FACTORS = Resource(
    ItemKind.RISK_FACTOR, "/risk-factors", RiskFactor, RiskFactorPublic, "risk factor",
    "risk factors", _risk_factor_causes,
)  # fmt: skip
SYMPTOMS = Resource(ItemKind.SYMPTOM, "/symptoms", Symptom, SymptomPublic, "symptom", "symptoms")
COMPLICATIONS = Resource(
    ItemKind.COMPLICATION, "/complications", Complication, ComplicationPublic, "complication",
    "complications",
)  # fmt: skip
TESTS = Resource(
    ItemKind.TEST, "/tests", DiagnosticTest, TestPublic, "diagnostic test", "diagnostic tests"
)
TREATMENTS = Resource(
    ItemKind.TREATMENT, "/treatments", Treatment, TreatmentPublic, "treatment", "treatments",
    _treatment_drugs,
)  # fmt: skip
PREVENTION = Resource(
    ItemKind.PREVENTION, "/prevention", PreventionMeasure, PreventionPublic,
    "prevention measure", "prevention measures",
)  # fmt: skip

RESOURCES: tuple[Resource[Any], ...] = (
    CAUSES,
    RISK_FACTORS,
    SYMPTOMS,
    COMPLICATIONS,
    TESTS,
    TREATMENTS,
    PREVENTION,
)


def iter_items(
    session: Session, resource: Resource[P], *, condition: str | None = None, chunk: int = 100
) -> Iterator[P]:
    """Every item of a resource in list order, built a chunk at a time."""
    for rows in in_chunks(session, items_query(session, resource, condition=condition), chunk):
        yield from build(session, resource, rows)
