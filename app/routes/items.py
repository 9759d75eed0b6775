"""List and detail routes for every item resource, made by one factory."""

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import ColumnElement
from sqlmodel import col, select

from app.catalog import RESOURCES, RISK_FACTORS, TESTS, TREATMENTS, Resource, get_item, list_items
from app.db import SessionDep
from app.errors import PROBLEM_RESPONSES, SLUG_PATTERN, UnknownReference
from app.knowledge.terms import TestKind, TreatmentKind
from app.models import CauseType, DiagnosticTest, RiskFactor, RiskFactorCauseType, Treatment
from app.routes.params import ConditionQuery, PagingDep, SlugPath, TextQuery
from app.schemas import Page

Filters = Callable[..., list[ColumnElement[bool]]]


def no_filters() -> list[ColumnElement[bool]]:
    return []


def cause_filter(
    session: SessionDep,
    cause: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=SLUG_PATTERN,
            description="Only risk factors named under this cause type (slug).",
        ),
    ] = None,
) -> list[ColumnElement[bool]]:
    if cause is None:
        return []
    if session.get(CauseType, cause) is None:
        raise UnknownReference("cause", f"no cause type with slug {cause!r}; see /causes")
    linked = select(RiskFactorCauseType.risk_factor_slug).where(
        RiskFactorCauseType.cause_type_slug == cause
    )
    return [col(RiskFactor.slug).in_(linked)]


def kind_filter(kinds: type[StrEnum], column: Any, what: str) -> Filters:
    def where(
        kind: Annotated[kinds | None, Query(description=f"Only {what} of this kind.")] = None,  # type: ignore[valid-type]
    ) -> list[ColumnElement[bool]]:
        return [] if kind is None else [column == kind.value]

    return where


def item_router(resource: Resource[Any], filters: Filters = no_filters) -> APIRouter:
    router = APIRouter(prefix=resource.path, tags=[resource.path.strip("/")])
    name = resource.operation_name
    singular = resource.kind.value.replace("-", "_")

    @router.get(
        "",
        response_model=Page[resource.schema],  # type: ignore[name-defined]
        operation_id=f"list_{name}",
        summary=f"List {resource.plural}",
        description=f"The {resource.plural} in the order the source gives them, a page at a time.",
        responses=PROBLEM_RESPONSES,
    )
    def read_items(
        session: SessionDep,
        paging: PagingDep,
        where: Annotated[list[ColumnElement[bool]], Depends(filters)],
        condition: ConditionQuery = None,
        q: TextQuery = None,
    ) -> Any:
        return list_items(
            session,
            resource,
            limit=paging.limit,
            offset=paging.offset,
            condition=condition,
            q=q,
            where=where,
        )

    @router.get(
        "/{slug}",
        response_model=resource.schema,
        operation_id=f"get_{singular}",
        summary=f"Get a {resource.singular}",
        description=f"One {resource.singular} by its slug, with its codes and evidence.",
        responses=PROBLEM_RESPONSES,
    )
    def read_item(session: SessionDep, slug: SlugPath) -> Any:
        return get_item(session, resource, slug)

    return router


FILTERS: dict[str, Filters] = {
    RISK_FACTORS.path: cause_filter,
    TREATMENTS.path: kind_filter(TreatmentKind, Treatment.kind, "treatments"),
    TESTS.path: kind_filter(TestKind, DiagnosticTest.kind, "tests"),
}

routers = [item_router(resource, FILTERS.get(resource.path, no_filters)) for resource in RESOURCES]
