"""One error type, rendered as RFC 9457 problem details by one set of handlers."""

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.headers import MAX_HEADER_BYTES, MAX_TARGET_BYTES, oversized
from app.knowledge.ids import SLUG
from app.schemas import Problem

PROBLEM_JSON = "application/problem+json"
REF_TEMPLATE = "#/components/schemas/{model}"
logger = logging.getLogger(__name__)

# The forms a parameter may be required to take, and the words that tell a client why not.
SLUG_PATTERN = SLUG.pattern
PLAIN_TEXT_PATTERN = r"^[^\x00]*$"
PATTERN_MESSAGES = {
    SLUG_PATTERN: "must be a kebab-case slug: lowercase letters or digits joined by single hyphens",
    PLAIN_TEXT_PATTERN: "must not contain a NUL character",
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


class ApiError(Exception):
    """An error a client can act on: its status, a short title and a precise detail."""

    def __init__(
        self, status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.problem = Problem(title=title, status=status, detail=detail, errors=errors)
        self.headers: dict[str, str] | None = None


class NotFound(ApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(404, "Not Found", detail)


class Moved(ApiError):
    """A slug a correction renamed or merged into another concept: the answer is at the
    concept's slug now, for good (308: a client repeats the request there)."""

    def __init__(self, old: str, slug: str) -> None:
        super().__init__(
            308, "Permanent Redirect", f"{old!r} is now {slug!r}: the answer is at Location."
        )
        self.slug = slug


class ParameterError(ApiError):
    """A parameter the request cannot be answered with: `errors` names it and says why."""

    status, title = 422, "Unprocessable Content"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(
            self.status,
            self.title,
            f"{parameter}: {message}",
            errors=[{"parameter": parameter, "message": message}],
        )


class InvalidParameter(ParameterError):
    """A parameter that is not one the API takes."""


class UnknownParameter(ParameterError):
    """Query parameters the operation does not define, each with a hint: the name it may have
    meant, or the names it takes."""

    def __init__(self, hints: dict[str, str]) -> None:
        ApiError.__init__(
            self,
            self.status,
            self.title,
            "; ".join(f"unknown parameter `{name}`; {hint}" for name, hint in hints.items()),
            errors=[
                {"parameter": name, "message": f"unknown parameter; {hint}"}
                for name, hint in hints.items()
            ],
        )


class Unavailable(ApiError):
    """The database cannot serve yet: the client may retry; no cache may keep the answer."""

    def __init__(self, detail: str) -> None:
        super().__init__(503, "Service Unavailable", detail)
        self.headers = {"Retry-After": "30", "Cache-Control": "no-store"}


class UnknownReference(ParameterError):
    """A well-formed parameter names an item that does not exist."""

    status, title = 404, "Not Found"


class RequestTooLarge(ApiError):
    """A request whose headers (431) or target (414) exceed what any client of this API needs."""

    def __init__(self, status: int) -> None:
        part, bound = (
            ("request target takes", MAX_TARGET_BYTES)
            if status == 414
            else ("request headers take", MAX_HEADER_BYTES)
        )
        detail = f"The {part} more than {bound} bytes; this API needs far less."
        super().__init__(status, HTTPStatus(status).phrase, detail)


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> ProblemResponse:
    return ProblemResponse(
        problem.model_dump(exclude_none=True), status_code=problem.status, headers=headers
    )


async def _api_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ApiError)
    return problem_response(exc.problem, headers=exc.headers)


async def _moved(request: Request, exc: Exception) -> ProblemResponse:
    """The same path with the concept's slug for the old one: relative to where the client
    asked, so it holds behind a proxy's prefix too."""
    assert isinstance(exc, Moved)
    location = request.url.path.rsplit("/", 1)[0] + "/" + exc.slug
    return problem_response(exc.problem, headers={"Location": location})


async def _http_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = {
        404: "No resource at this path; the API's paths are listed at /docs.",
        405: "This API only reads: use GET or HEAD.",
    }.get(exc.status_code, str(exc.detail))
    problem = Problem(
        title=HTTPStatus(exc.status_code).phrase, status=exc.status_code, detail=detail
    )
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405 and headers:
        headers = {**headers, "Allow": _allowed(headers.get("Allow", ""))}
    return problem_response(problem, headers=headers)


def _allowed(allow: str) -> str:
    """The methods a route takes, with HEAD wherever GET is: every GET answers HEAD too
    (app/cache/head.py, HeadAsGet), though the route names GET alone."""
    methods = [method.strip() for method in allow.split(",") if method.strip()]
    if "GET" in methods and "HEAD" not in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    return ", ".join(methods)


async def _validation_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_parameter_error(error) for error in exc.errors()]
    detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
    return problem_response(
        Problem(title="Unprocessable Content", status=422, detail=detail, errors=errors)
    )


def _parameter_error(error: dict[str, Any]) -> dict[str, str]:
    # loc is ("query", "limit") and the like; the client knows the parameter by its name.
    loc = [str(part) for part in error.get("loc", ())]
    parameter = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc)
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "string_pattern_mismatch":
        message = PATTERN_MESSAGES.get(str(error.get("ctx", {}).get("pattern")), message)
    return {"parameter": parameter or "request", "message": message}


async def _database_error(request: Request, exc: Exception) -> ProblemResponse:
    # A missing, unmigrated, unreachable or overloaded database (no pooled connection came in
    # time): the operator reads why, the client does not, and may retry.
    logger.warning("The database could not answer: %s", str(exc).splitlines()[0])
    return await _api_error(
        request, Unavailable("The knowledge database is not available; see /ready.")
    )


def _unexpected_problem() -> ProblemResponse:
    # Never say more: a trace or a query would tell a client about our internals.
    return problem_response(
        Problem(title="Internal Server Error", status=500, detail="The server failed to answer.")
    )


async def _unexpected_error(_request: Request, _exc: Exception) -> ProblemResponse:
    return _unexpected_problem()


class ErrorBoundary:
    """Refuses oversized requests and renders unexpected errors inside the app's middleware.

    Starlette renders an unexpected error in its outermost layer, outside the middleware that
    adds the security and CORS headers; this layer sits innermost, so those answers get them too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = oversized(scope)
        if status is not None:
            refusal = RequestTooLarge(status)
            await problem_response(refusal.problem)(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception:
            if started:
                raise  # too late to answer anything else; the server closes the connection
            logger.exception("Unexpected error answering %s", scope["path"])
            await _unexpected_problem()(scope, receive, send)


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, whose refusal of a preflight is a problem, as every error is (not
    Starlette's plain text), saying what the preflight asked for that is not allowed."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        # Starlette says "Disallowed CORS origin, method, headers" (those that failed).
        failures = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        allowed = ", ".join(sorted(self.allow_headers))
        detail = (
            f"This preflight asks for what CORS does not allow here ({failures}): the methods "
            f"allowed are {', '.join(self.allow_methods)}; the request headers, {allowed}."
        )
        headers = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-type", "content-length")
        }
        problem = Problem(title="Bad Request", status=400, detail=detail)
        return problem_response(problem, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(Moved, _moved)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    # The last resort, for an error in the middleware itself; ErrorBoundary (the innermost of
    # the app's middleware, app/main.py) renders the rest.
    app.add_exception_handler(Exception, _unexpected_error)
    app.openapi = _with_problem_schema(app.openapi)  # type: ignore[method-assign]


def _with_problem_schema(build: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """The OpenAPI document, with the Problem schema that every error response refers to."""

    def openapi() -> dict[str, Any]:
        document = build()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" not in schemas:
            problem = Problem.model_json_schema(mode="serialization", ref_template=REF_TEMPLATE)
            schemas.update(problem.pop("$defs", {}), Problem=problem)
        return document

    return openapi


def problem_content(description: str) -> dict[str, Any]:
    """An OpenAPI response whose body is problem details."""
    schema = {"$ref": REF_TEMPLATE.format(model="Problem")}
    return {"description": description, "content": {PROBLEM_JSON: {"schema": schema}}}


# Declared on every operation, so generated clients know the shape of an error.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: problem_content(
        "No item with this slug, or a parameter names an item that does not exist."
    ),
    422: problem_content("A parameter is invalid; `errors` says which and why."),
    503: problem_content("The database is missing, unmigrated or unreachable; see /ready."),
}
# Declared on the operations that answer one item by its slug: an old slug leads to the new.
DETAIL_RESPONSES: dict[int | str, dict[str, Any]] = {
    308: {
        **problem_content("The slug is an old one of a renamed or merged item: ask Location."),
        "headers": {
            "Location": {
                "description": "The item's path with its slug now.",
                "schema": {"type": "string"},
            }
        },
    },
    **PROBLEM_RESPONSES,
}
# Declared on operations whose path and parameters name no item: they cannot answer 404.
NAMELESS_PROBLEM_RESPONSES = {
    status: response for status, response in PROBLEM_RESPONSES.items() if status != 404
}
