"""What this deployment serves: API version, knowledge revision, sources, counts, vocabularies."""

from fastapi import APIRouter, Request, Response

from app.errors import NAMELESS_PROBLEM_RESPONSES
from app.overview import Meta
from app.routes.items import json_bytes, store_of
from app.schemas import Vocabulary
from app.served import document

router = APIRouter(tags=["meta"])


@router.get(
    "/meta",
    response_model=Meta,
    operation_id="get_meta",
    summary="Describe this deployment",
    responses=NAMELESS_PROBLEM_RESPONSES,
)
async def read_meta(request: Request) -> Response:
    """The API version, the knowledge version, the sources with their attribution and the counts."""
    snapshot = store_of(request).snapshot()
    return json_bytes(await snapshot.read(lambda connection: document(connection, "meta")))


@router.get(
    "/vocabulary",
    response_model=Vocabulary,
    operation_id="get_vocabulary",
    summary="List the vocabularies",
    responses=NAMELESS_PROBLEM_RESPONSES,
)
async def read_vocabulary(request: Request) -> Response:
    """The predicates, certainty values, code relations and kinds, with what each means."""
    snapshot = store_of(request).snapshot()
    return json_bytes(await snapshot.read(lambda connection: document(connection, "vocabulary")))
