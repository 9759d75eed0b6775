"""Conditions: each with its definition, codes, guidance, body sites and every section."""

import json

from fastapi import APIRouter, Request, Response

from app import served
from app.errors import DETAIL_RESPONSES, NAMELESS_PROBLEM_RESPONSES
from app.jsonld import condition_document, prefers_jsonld
from app.negotiation import JSON_LD, VARY_ACCEPT
from app.routes.items import json_bytes, page_response, store_of
from app.routes.params import PageQueryDep, SlugPath
from app.schemas import Condition, ConditionPage

router = APIRouter(prefix="/conditions", tags=["conditions"])


@router.get(
    "",
    response_model=ConditionPage,
    operation_id="list_conditions",
    summary="List conditions",
    responses=NAMELESS_PROBLEM_RESPONSES,
)
async def read_conditions(request: Request, query: PageQueryDep) -> Response:
    """Every condition with a source of its own, with its codes and a summary of each section."""
    snapshot, paging = store_of(request).snapshot(), query.paging
    items, total = await snapshot.read(
        lambda connection: served.whole_page(
            connection, served.CONDITIONS, paging.limit, paging.offset
        )
    )
    return page_response(request, paging, items, total)


@router.get(
    "/{slug}",
    response_model=Condition,
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
        **DETAIL_RESPONSES,
    },
)
async def read_condition(request: Request, slug: SlugPath) -> Response:
    """One condition, as JSON or as schema.org JSON-LD."""
    snapshot = store_of(request).snapshot()
    missing = f"No condition with slug {slug!r}; see /conditions."
    if prefers_jsonld(request.headers.get("accept", "")):
        base = request.app.settings.public_url
        document = await snapshot.read(
            lambda connection: json.dumps(condition_document(connection, slug, base, missing))
        )
        return Response(document.encode(), media_type=JSON_LD, headers=VARY_ACCEPT)
    item = await snapshot.read(
        lambda connection: served.require(connection, served.CONDITIONS, slug, missing)
    )
    return json_bytes(item, VARY_ACCEPT)
