"""The API's front door: what it is and where everything is; a browser is sent to the docs."""

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from app.catalog import RESOURCES
from app.negotiation import HTML, JSON, VARY_ACCEPT, choose
from app.routes.items import json_bytes
from app.schemas import Index
from app.served import to_json

router = APIRouter(tags=["meta"])
DOCS = "/docs"


def index(app: FastAPI, root: str = "") -> Index:
    """The app's index, its links under `root` (where a proxy mounts the API)."""
    paths = {
        "docs": DOCS,
        "redoc": "/redoc",
        "openapi": "/openapi.json",
        "conditions": "/conditions",
        **{resource.operation_name: resource.path for resource in RESOURCES},
        "sources": "/sources",
        "search": "/search",
        "lookup": "/lookup",
        "infobutton": "/infobutton",
        "vocabulary": "/vocabulary",
        "meta": "/meta",
        "export": "/export",
        "health": "/health",
        "ready": "/ready",
    }
    links = {name: root + path for name, path in paths.items()}
    return Index(name=app.title, version=app.version, description=app.summary or "", links=links)


@router.get(
    "/",
    response_model=Index,
    operation_id="get_index",
    summary="Find your way around",
    responses={
        307: {
            "description": "To the documentation (/docs), for a browser: an Accept header "
            "that prefers text/html.",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
    },
)
async def read_index(request: Request) -> Response:
    """The API's name and version, with links to its documentation and every resource."""
    root = request.scope.get("root_path", "")
    if choose(request.headers.get("accept", ""), [JSON, HTML]) == HTML:
        return RedirectResponse(root + DOCS, status_code=307, headers=VARY_ACCEPT)
    return json_bytes(to_json(index(request.app, root)), VARY_ACCEPT)
