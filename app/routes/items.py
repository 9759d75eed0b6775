"""List and detail routes for every list of concepts, made by one factory."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app import served
from app.catalog import DRUGS, RESOURCES, RISK_FACTORS, TESTS, TREATMENTS, Resource
from app.errors import DETAIL_RESPONSES, PROBLEM_RESPONSES
from app.negotiation import JSON
from app.routes.params import (
    DrugQuery,
    KindQuery,
    ListQuery,
    Paging,
    RiskFactorQuery,
    SlugPath,
)
from app.store import KnowledgeStore, page


def store_of(request: Request) -> KnowledgeStore:
    store: KnowledgeStore = request.app.state.store
    return store


def json_bytes(body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(body, media_type=JSON, headers=headers)


def page_response(request: Request, paging: Paging, items: list[bytes], total: int) -> Response:
    """One page of a list, with links to the other pages in its Link header."""
    body = page(items, total=total, limit=paging.limit, offset=paging.offset)
    return json_bytes(body, paging.links(request, total))


def item_router(resource: Resource, list_query: type[ListQuery] = ListQuery) -> APIRouter:
    router = APIRouter(prefix=resource.path, tags=[resource.name])
    name = resource.operation_name

    @router.get(
        "",
        response_model=resource.page,
        operation_id=f"list_{name}",
        summary=f"List {resource.plural}",
        description=f"The {resource.plural} the sources name, in the order they give them, a "
        "page at a time; with `condition`, one condition's, with that condition's statements.",
        responses=PROBLEM_RESPONSES,
    )
    async def read_items(
        request: Request,
        query: Annotated[list_query, Query()],  # type: ignore[valid-type]
    ) -> Response:
        snapshot = store_of(request).snapshot()
        checked: ListQuery = query
        where, paging = checked.filters, checked.paging
        items, total = await snapshot.read(
            lambda connection: served.page(
                connection, snapshot.shape, resource, where, paging.limit, paging.offset
            )
        )
        return page_response(request, paging, items, total)

    @router.get(
        "/{slug}",
        response_model=resource.schema,
        operation_id=f"get_{resource.item}",
        summary=f"Get a {resource.singular}",
        description=f"One {resource.singular} by its slug, with its codes and every statement "
        "that names it, each with its certainty and evidence.",
        responses=DETAIL_RESPONSES,
    )
    async def read_item(request: Request, slug: SlugPath) -> Response:
        snapshot = store_of(request).snapshot()
        missing = f"No {resource.singular} with slug {slug!r}; see {resource.path}."
        return json_bytes(
            await snapshot.read(
                lambda connection: served.require(connection, resource.name, slug, missing)
            )
        )

    return router


QUERIES: dict[str, type[ListQuery]] = {
    RISK_FACTORS.name: RiskFactorQuery,
    TESTS.name: KindQuery,
    TREATMENTS.name: KindQuery,
    DRUGS.name: DrugQuery,
}

routers = [item_router(resource, QUERIES.get(resource.name, ListQuery)) for resource in RESOURCES]
