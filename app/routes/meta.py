"""What this deployment serves: API version, knowledge revision, sources and counts."""

from typing import Any

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy import func
from sqlmodel import Session, col, select

from app import __version__
from app.catalog import RESOURCES
from app.db import SessionDep, knowledge_revision
from app.errors import PROBLEM_RESPONSES
from app.knowledge.terms import ItemKind
from app.models import Condition, Source
from app.schemas import Schema

router = APIRouter(tags=["meta"])


class SourceFingerprint(Schema):
    """A source text by slug, with the SHA-256 of its bytes."""

    slug: str
    title: str
    sha256: str = Field(description="SHA-256 of the source text's bytes.")


class MetaPublic(Schema):
    """The API's version, the knowledge revision, its sources and how many items of each kind."""

    api_version: str = Field(description="Version of the API software.")
    revision: str = Field(
        description="Knowledge revision: the database migration it was built to. "
        "It changes whenever the knowledge does."
    )
    sources: list[SourceFingerprint]
    counts: dict[str, int] = Field(
        description="How many items of each kind are served (`source`, `condition`, `cause`, ...)."
    )


def count_by_kind(session: Session) -> dict[str, int]:
    counts = {
        "source": session.exec(select(func.count()).select_from(Source)).one(),
        ItemKind.CONDITION.value: session.exec(select(func.count()).select_from(Condition)).one(),
    }
    for resource in RESOURCES:
        total = session.exec(select(func.count()).select_from(resource.table)).one()
        counts[resource.kind.value] = total
    return counts


def build_meta(session: Session) -> MetaPublic:
    # Not the texts themselves: only their fingerprints.
    sources = session.exec(
        select(Source.slug, Source.title, Source.sha256).order_by(col(Source.slug))
    ).all()
    return MetaPublic(
        api_version=__version__,
        revision=knowledge_revision(session.connection()),
        sources=[
            SourceFingerprint(slug=slug, title=title, sha256=sha256)
            for slug, title, sha256 in sources
        ],
        counts=count_by_kind(session),
    )


@router.get(
    "/meta",
    response_model=MetaPublic,
    operation_id="get_meta",
    summary="Describe this deployment",
    responses=PROBLEM_RESPONSES,
)
def read_meta(session: SessionDep) -> Any:
    """The API version, the knowledge revision, each source's sha256 and the counts per kind."""
    return build_meta(session)
