"""Sources: the texts every quote is taken from, with their fingerprints and attribution."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from app import served
from app.errors import NAMELESS_PROBLEM_RESPONSES, PROBLEM_RESPONSES, NotFound
from app.routes.items import json_bytes, page_response, store_of
from app.routes.params import PageQueryDep, SlugPath
from app.schemas import Source, SourcePage

router = APIRouter(prefix="/sources", tags=["sources"])


def not_found(slug: str) -> NotFound:
    return NotFound(f"No source with slug {slug!r}; see /sources.")


@router.get(
    "",
    response_model=SourcePage,
    operation_id="list_sources",
    summary="List sources",
    responses=NAMELESS_PROBLEM_RESPONSES,
)
async def read_sources(request: Request, query: PageQueryDep) -> Response:
    """Every source text, with its sha256 and attribution."""
    snapshot, paging = store_of(request).snapshot(), query.paging
    items, total = await snapshot.read(
        lambda connection: served.whole_page(
            connection, served.SOURCES, paging.limit, paging.offset
        )
    )
    return page_response(request, paging, items, total)


@router.get(
    "/{slug}",
    response_model=Source,
    operation_id="get_source",
    summary="Get a source",
    responses=PROBLEM_RESPONSES,
)
async def read_source(request: Request, slug: SlugPath) -> Response:
    """One source, with its sha256, attribution and the conditions read from it."""
    snapshot = store_of(request).snapshot()
    found = await snapshot.read(lambda connection: served.item(connection, served.SOURCES, slug))
    if found is None:
        raise not_found(slug)
    return json_bytes(found)


@router.get(
    "/{slug}/text",
    response_class=PlainTextResponse,
    operation_id="get_source_text",
    summary="Get a source's text",
    responses={200: {"content": {"text/plain": {}}}, **PROBLEM_RESPONSES},
)
async def read_source_text(request: Request, slug: SlugPath) -> str:
    """The source text exactly as quoted: evidence offsets index into it."""
    snapshot = store_of(request).snapshot()
    text = await snapshot.read(
        lambda connection: served.item(connection, served.SOURCE_TEXTS, slug)
    )
    if text is None:
        raise not_found(slug)
    return text.decode()
