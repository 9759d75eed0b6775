"""Swagger UI at /docs and ReDoc at /redoc, with every asset served by the app itself.

The assets (Swagger UI 5, ReDoc 2) come from the fastapi-offline package, so the pages work on
networks that block CDNs; the pages hold no inline script, so a same-origin script policy
allows them.
"""

from html import escape
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
# Swagger UI starts from a script of ours, not an inline one; the page tells it where the spec is.
SWAGGER_INIT = """\
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayOperationId: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
});
"""


def _page(title: str, root: str, head: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="icon" type="image/png" href="{root}{ASSETS}/favicon.png">\n'
        f"{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc and their assets; the app must be made with docs_url=None."""
    static = StaticFiles(directory=str(files("fastapi_offline") / "static"))
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(f"{ASSETS}/swagger-init.js", include_in_schema=False)
    async def swagger_init() -> Response:
        return Response(SWAGGER_INIT, media_type="text/javascript")

    app.mount(ASSETS, static, name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(
            _page(
                f"{app.title} - Swagger UI",
                root,
                f'<link rel="stylesheet" href="{root}{ASSETS}/swagger-ui.css">\n',
                f'<div id="swagger-ui" data-openapi-url="{escape(root + openapi_url)}"></div>\n'
                f'<script src="{root}{ASSETS}/swagger-ui-bundle.js"></script>\n'
                f'<script src="{root}{ASSETS}/swagger-init.js"></script>\n',
            )
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(
            _page(
                f"{app.title} - ReDoc",
                root,
                "",
                f'<redoc spec-url="{escape(root + openapi_url)}"></redoc>\n'
                f'<script src="{root}{ASSETS}/redoc.standalone.js"></script>\n',
            )
        )
