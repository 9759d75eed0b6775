"""Search across every kind of item."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.errors import PLAIN_TEXT_PATTERN, PROBLEM_RESPONSES
from app.knowledge.terms import ItemKind, SearchedKind
from app.routes.params import MAX_TEXT, ConditionQuery, PagingDep
from app.schemas import Page, SearchHit
from app.search import search

router = APIRouter(tags=["search"])


@router.get(
    "/search",
    response_model=Page[SearchHit],
    operation_id="search",
    summary="Search every kind of item",
    responses=PROBLEM_RESPONSES,
)
def read_search(
    session: SessionDep,
    paging: PagingDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_TEXT,
            pattern=PLAIN_TEXT_PATTERN,
            description="Words to find, as plain text.",
        ),
    ],
    kind: Annotated[SearchedKind | None, Query(description="Only hits of this kind.")] = None,
    condition: ConditionQuery = None,
) -> Any:
    """Items holding every word in their name, description, details or quotes, best first."""
    return search(
        session,
        q,
        limit=paging.limit,
        offset=paging.offset,
        kind=None if kind is None else ItemKind(kind),
        condition=condition,
    )
