"""One error type, rendered as RFC 9457 problem details by one set of handlers."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.schemas import Problem

PROBLEM_JSON = "application/problem+json"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


class ApiError(Exception):
    """An error a client can act on: its status, a short title and a precise detail."""

    def __init__(
        self, status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.problem = Problem(title=title, status=status, detail=detail, errors=errors)


class NotFound(ApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(404, "Not Found", detail)


class InvalidParameter(ApiError):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(
            422,
            "Invalid request",
            f"{parameter}: {message}",
            errors=[{"parameter": parameter, "message": message}],
        )


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> ProblemResponse:
    return ProblemResponse(
        problem.model_dump(exclude_none=True), status_code=problem.status, headers=headers
    )


async def _api_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ApiError)
    return problem_response(exc.problem)


async def _http_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not Found", 405: "Method Not Allowed"}
    detail = {
        404: "No resource at this path; the API's paths are listed at /docs.",
        405: "This API only reads: use GET.",
    }.get(exc.status_code, str(exc.detail))
    problem = Problem(
        title=titles.get(exc.status_code, "Error"), status=exc.status_code, detail=detail
    )
    return problem_response(problem, headers=getattr(exc, "headers", None))


async def _validation_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_parameter_error(error) for error in exc.errors()]
    detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
    return problem_response(
        Problem(title="Invalid request", status=422, detail=detail, errors=errors)
    )


def _parameter_error(error: dict[str, Any]) -> dict[str, str]:
    # loc is ("query", "limit") and the like; the client knows the parameter by its name.
    loc = [str(part) for part in error.get("loc", ())]
    parameter = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc)
    return {"parameter": parameter or "request", "message": str(error.get("msg", "invalid"))}


async def _unexpected_error(_request: Request, _exc: Exception) -> ProblemResponse:
    # Never say more: a trace or a query would tell a client about our internals.
    return problem_response(
        Problem(title="Internal Server Error", status=500, detail="The server failed to answer.")
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)


# Declared on every operation, so generated clients know the shape of an error.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No item with this slug."},
    422: {"model": Problem, "description": "A parameter is invalid; `errors` says which and why."},
}
