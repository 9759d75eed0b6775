"""Search across every kind of item."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from sqlalchemy import Connection

from app.errors import PLAIN_TEXT_PATTERN, PROBLEM_RESPONSES, InvalidParameter
from app.routes.items import json_bytes, store_of
from app.routes.params import MAX_TEXT, PageQuery, condition_field
from app.schemas import SearchPage
from app.search import search
from app.search_index import KINDS
from app.served import to_json

router = APIRouter(tags=["search"])


class SearchQuery(PageQuery):
    """Words to find, and what narrows the hits."""

    q: str = Field(
        min_length=1,
        max_length=MAX_TEXT,
        pattern=PLAIN_TEXT_PATTERN,
        description="Words to find, as plain text.",
    )
    # Checked against the kinds, not a slug's form, so that a kind spelt as a JSON key
    # (`risk_factors`, as /meta counts it) is answered with the kinds there are.
    kind: str | None = Field(
        None,
        max_length=100,
        description="Only hits of this kind: `condition`, or a list's name as in its path "
        "(`risk-factors`).",
    )
    condition: str | None = condition_field()


def kind_hint(kind: str) -> str:
    """Why `kind` is not one: the kinds there are, and the one meant if it is spelt otherwise."""
    hint = f"must be one of: {', '.join(KINDS)}"
    meant = kind.strip().lower().replace("_", "-").replace(" ", "-")
    if meant in KINDS:
        hint += f" (did you mean `{meant}`?)"
    return hint


@router.get(
    "/search",
    response_model=SearchPage,
    operation_id="search",
    summary="Search every kind of item",
    responses=PROBLEM_RESPONSES,
)
async def read_search(request: Request, query: Annotated[SearchQuery, Query()]) -> Response:
    """Items holding the words of `q`, or most of them, best first, each saying why it matched.

    Words match their other forms (stems) and the words they begin; a word no item holds is
    corrected to the nearest one that an item holds when it looks like a typo of it, and the
    answer says `did_you_mean`. Names
    and aliases weigh most, then descriptions, kinds, what the statements say and quotes; a word
    naming a kind ("prevention", "tests", "treatments for ...") favours items of that kind.
    """
    kind, paging = query.kind, query.paging
    if kind is not None and kind not in KINDS:
        raise InvalidParameter("kind", kind_hint(kind))
    snapshot = store_of(request).snapshot()

    def answer(connection: Connection) -> tuple[bytes, int]:
        # Encoded in the worker thread too: the event loop only routes.
        found = search(
            connection,
            snapshot.shape,
            query.q,
            limit=paging.limit,
            offset=paging.offset,
            kind=kind,
            condition=query.condition,
        )
        return to_json(found), found.total

    body, total = await snapshot.read(answer)
    return json_bytes(body, paging.links(request, total))
