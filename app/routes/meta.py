"""What this deployment serves: API version, knowledge revision, sources, counts, vocabularies."""

from fastapi import APIRouter, Request, Response
from pydantic import Field

from app import __version__
from app.catalog import RESOURCES
from app.errors import PROBLEM_RESPONSES
from app.graph import Graph
from app.render import render_sources
from app.routes.items import json_bytes, store_of
from app.schemas import PredicateTerm, Schema, Source, Term, Vocabulary
from app.store import to_json

router = APIRouter(tags=["meta"])


class Meta(Schema):
    """The API's version, the knowledge revision, its sources and how many items of each kind."""

    api_version: str = Field(description="Version of the API software.")
    revision: str = Field(
        description="Knowledge revision: the database migration it was built to. "
        "It changes whenever the knowledge does."
    )
    sources: list[Source]
    counts: dict[str, int] = Field(
        description="How many items each list serves (`conditions`, `causes`, ...), and how "
        "many `sources` and `statements` there are."
    )


def counts(graph: Graph, sources: int) -> dict[str, int]:
    found = {"sources": sources, "conditions": len(graph.conditions)}
    found |= {r.operation_name: len(graph.listed.get(r.name, {})) for r in RESOURCES}
    return found | {"statements": len(graph.claims)}


def vocabulary(graph: Graph) -> Vocabulary:
    return Vocabulary(
        predicates=[
            PredicateTerm(
                slug=p.slug,
                label=p.label,
                description=p.description,
                resource=p.resource,
                subject=p.subject,
            )
            for p in graph.predicates.values()
        ],
        vocabularies={
            name: [Term(slug=t.slug, label=t.label, description=t.description) for t in terms]
            for name, terms in graph.vocabularies.items()
        },
    )


@router.get(
    "/meta",
    response_model=Meta,
    operation_id="get_meta",
    summary="Describe this deployment",
    responses=PROBLEM_RESPONSES,
)
async def read_meta(request: Request) -> Response:
    """The API version, the knowledge revision, the sources and the counts per list."""
    store = store_of(request)
    snapshot = await store.snapshot()
    sources = await store.read(lambda connection: render_sources(connection, snapshot.graph))
    meta = Meta(
        api_version=__version__,
        revision=snapshot.revision,
        sources=sources,
        counts=counts(snapshot.graph, len(sources)),
    )
    return json_bytes(to_json(meta))


@router.get(
    "/vocabulary",
    response_model=Vocabulary,
    operation_id="get_vocabulary",
    summary="List the vocabularies",
    responses=PROBLEM_RESPONSES,
)
async def read_vocabulary(request: Request) -> Response:
    """The predicates, certainty values, code relations and kinds, with what each means."""
    snapshot = await store_of(request).snapshot()
    return json_bytes(to_json(vocabulary(snapshot.graph)))
