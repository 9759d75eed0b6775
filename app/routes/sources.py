"""Sources: the texts every quote is taken from, with their fingerprints."""

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlmodel import Session, col, select

from app.catalog import find, paginate
from app.db import SessionDep
from app.errors import PROBLEM_RESPONSES
from app.models import Condition, Source
from app.routes.params import PagingDep, SlugPath
from app.schemas import Page, SourcePublic

router = APIRouter(prefix="/sources", tags=["sources"])


def build_source(session: Session, source: Source) -> SourcePublic:
    conditions = session.exec(
        select(Condition.slug).where(Condition.source_slug == source.slug).order_by(Condition.slug)
    )
    return SourcePublic(
        slug=source.slug,
        title=source.title,
        language=source.language,
        sha256=source.sha256,
        characters=len(source.text),
        conditions=list(conditions),
    )


def find_source(session: Session, slug: str) -> Source:
    return find(session, Source, slug, "source", "/sources")


def list_sources(session: Session, *, limit: int, offset: int) -> Page[SourcePublic]:
    statement = select(Source).order_by(col(Source.slug))

    def build(rows: Sequence[Source]) -> list[SourcePublic]:
        return [build_source(session, row) for row in rows]

    return paginate(session, statement, SourcePublic, build, limit=limit, offset=offset)


@router.get(
    "",
    response_model=Page[SourcePublic],
    operation_id="list_sources",
    summary="List sources",
    responses=PROBLEM_RESPONSES,
)
def read_sources(session: SessionDep, paging: PagingDep) -> Any:
    """Every source text, with its sha256."""
    return list_sources(session, limit=paging.limit, offset=paging.offset)


@router.get(
    "/{slug}",
    response_model=SourcePublic,
    operation_id="get_source",
    summary="Get a source",
    responses=PROBLEM_RESPONSES,
)
def read_source(session: SessionDep, slug: SlugPath) -> Any:
    """One source, with its sha256 and the conditions drawn from it."""
    return build_source(session, find_source(session, slug))


@router.get(
    "/{slug}/text",
    response_class=PlainTextResponse,
    operation_id="get_source_text",
    summary="Get a source's text",
    responses={200: {"content": {"text/plain": {}}}, **PROBLEM_RESPONSES},
)
def read_source_text(session: SessionDep, slug: SlugPath) -> str:
    """The source text exactly as quoted: evidence offsets index into it."""
    return find_source(session, slug).text
