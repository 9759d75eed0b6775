"""Headers: the bounds on what a request carries, and security headers on every response (a pure
ASGI middleware, no per-request task or copy)."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What a request may carry, as servers usually bound it: far above what any client of this API
# sends (every parameter is at most 200 characters), and small enough that no request, and no
# cache key made from one, can hold much memory. uvicorn bounds neither with httptools.
MAX_HEADER_BYTES = 8 * 1024
MAX_TARGET_BYTES = 8 * 1024

# JSON and text answers load nothing and may not be framed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The documentation pages run Swagger UI and ReDoc from the app's own assets (no inline
# script); both set inline styles, and ReDoc searches in a worker made from a blob. Nothing
# from another origin.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class SecurityHeaders:
    """Adds nosniff, a referrer policy and a content security policy fit for the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(COMMON)
                html = headers.get("content-type", "").startswith("text/html")
                headers["Content-Security-Policy"] = DOCS_POLICY if html else API_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)


def oversized(scope: Scope) -> int | None:
    """The status refusing a request beyond the bounds: 414 for its target, 431 for its headers."""
    target = scope.get("raw_path") or scope["path"].encode()
    if len(target) + len(scope["query_string"]) > MAX_TARGET_BYTES:
        return 414
    size = 0
    for name, value in scope["headers"]:
        size += len(name) + len(value)
    return 431 if size > MAX_HEADER_BYTES else None
