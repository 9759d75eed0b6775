"""Conditions: each with its codes, guidance, body sites and a summary of every section."""

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session, col, select

from app.catalog import RESOURCES, codes_and_evidence, find, paginate, parts
from app.db import SessionDep
from app.errors import PROBLEM_RESPONSES
from app.jsonld import JSON_LD, condition_document, prefers_jsonld
from app.knowledge.terms import ItemKind
from app.models import BodySite, Condition, Guidance
from app.routes.params import PagingDep, SlugPath
from app.schemas import ConditionPublic, ItemRef, Page, SectionSummary

router = APIRouter(prefix="/conditions", tags=["conditions"])


def build_condition(session: Session, condition: Condition) -> ConditionPublic:
    key = (condition.slug, condition.slug)
    codes, evidence = codes_and_evidence(session, ItemKind.CONDITION, [key])
    guidance = session.exec(
        select(Guidance)
        .where(Guidance.condition_slug == condition.slug)
        .order_by(col(Guidance.position))
    )
    body_sites = session.exec(
        select(BodySite)
        .where(BodySite.condition_slug == condition.slug)
        .order_by(col(BodySite.position))
    )
    sections: dict[str, SectionSummary] = {}
    for resource in RESOURCES:
        table = resource.table
        refs = session.exec(
            select(table.slug, table.name)
            .where(table.condition_slug == condition.slug)
            .order_by(col(table.position))
        ).all()
        sections[resource.operation_name] = SectionSummary(
            path=f"{resource.path}?condition={condition.slug}",
            total=len(refs),
            items=[ItemRef(slug=slug, name=name) for slug, name in refs],
        )
    return ConditionPublic(
        slug=condition.slug,
        name=condition.name,
        description=condition.description,
        source=condition.source_slug,
        codes=codes[key],
        evidence=evidence[key],
        guidance=parts(session, ItemKind.GUIDANCE, list(guidance)),
        body_sites=parts(session, ItemKind.BODY_SITE, list(body_sites)),
        sections=sections,
    )


def list_conditions(session: Session, *, limit: int, offset: int) -> Page[ConditionPublic]:
    statement = select(Condition).order_by(col(Condition.slug))

    def build(rows: Sequence[Condition]) -> list[ConditionPublic]:
        return [build_condition(session, row) for row in rows]

    return paginate(session, statement, ConditionPublic, build, limit=limit, offset=offset)


@router.get(
    "",
    response_model=Page[ConditionPublic],
    operation_id="list_conditions",
    summary="List conditions",
    responses=PROBLEM_RESPONSES,
)
def read_conditions(session: SessionDep, paging: PagingDep) -> Any:
    """Every condition, with its codes and a summary of each section."""
    return list_conditions(session, limit=paging.limit, offset=paging.offset)


@router.get(
    "/{slug}",
    response_model=ConditionPublic,
    operation_id="get_condition",
    summary="Get a condition",
    description="One condition: its definition, codes, guidance, body sites and a summary of "
    "each section. With `Accept: application/ld+json`, a schema.org MedicalCondition with its "
    "causes, risk factors, symptoms, complications, tests, treatments, prevention and anatomy.",
    responses={
        200: {
            "description": "The condition as JSON, or as schema.org JSON-LD when asked for.",
            "content": {JSON_LD: {"schema": {"type": "object"}}},
        },
        **PROBLEM_RESPONSES,
    },
)
def read_condition(
    request: Request, response: Response, session: SessionDep, slug: SlugPath
) -> Any:
    """One condition, as JSON or as schema.org JSON-LD."""
    condition = find(session, Condition, slug, "condition", "/conditions")
    public = build_condition(session, condition)
    # Both answers share one URL: caches must key them by Accept.
    vary = {"Vary": "Accept"}
    if prefers_jsonld(request.headers.get("accept", "")):
        document = condition_document(session, public, request.app.settings.public_url)
        return JSONResponse(document, media_type=JSON_LD, headers=vary)
    response.headers.update(vary)
    return public
