"""Liveness and readiness, for orchestrators and load balancers; never cached."""

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DBAPIError

from app.db import database_revisions, migration_script
from app.errors import Unavailable, problem_content
from app.schemas import Health, Readiness

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])
NO_STORE = {"Cache-Control": "no-store"}


def expected_revisions() -> frozenset[str]:
    """The migration head(s) this code serves: read once, at startup."""
    return frozenset(migration_script().get_heads())


def unreadiness(engine: Engine, expected: frozenset[str]) -> str | None:
    """Why the database cannot serve this code, in words an operator can act on; None if it can."""
    try:
        connection = engine.connect()
    except DBAPIError:
        return "it cannot be opened"
    with connection:
        try:
            found = database_revisions(connection)
        except DBAPIError:
            return "it has no migrations applied"
    if found != expected:
        return f"it is at revision {_names(found)}, this code expects {_names(expected)}"
    return None


def _names(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "none"


def report_readiness(engine: Engine, expected: frozenset[str], database_url: str) -> bool:
    """Say in one line, at startup, if the database is not ready and how to make it so."""
    reason = unreadiness(engine, expected)
    if reason is not None:
        logger.error(
            "The database %s is not ready: %s. Run `alembic upgrade head` (DATABASE_URL names it).",
            make_url(database_url).render_as_string(hide_password=True),
            reason,
        )
    return reason is None


@router.get(
    "/health",
    response_model=Health,
    operation_id="health",
    summary="Liveness",
)
def read_health(response: Response) -> Any:
    """The process is up; says nothing about the database."""
    response.headers.update(NO_STORE)
    return Health(status="ok")


@router.get(
    "/ready",
    response_model=Readiness,
    operation_id="ready",
    summary="Readiness",
    responses={503: problem_content("The database is missing, unmigrated or unreachable.")},
)
async def read_ready(request: Request, response: Response) -> Any:
    """The database answers within a second, at the migration revision this server expects,
    and its knowledge is being served."""
    state = request.app.state
    timeout: float = request.app.settings.readiness_timeout
    try:
        reason = await asyncio.wait_for(asyncio.shield(_database_check(state)), timeout)
    except TimeoutError:
        reason = f"it did not answer within {timeout:g} s"
    if reason is None and state.store.current is None:
        reason = "no snapshot of its knowledge could be read yet"
    if reason is not None:
        raise Unavailable(f"The knowledge database is not ready: {reason}.")
    response.headers.update(NO_STORE)
    return Readiness(status="ready", revision=_names(state.expected_revisions))


def _database_check(state: Any) -> "asyncio.Task[str | None]":
    """The readiness check under way, or a new one: requests that come while the database is
    slow to answer share one check instead of piling up threads that wait on it."""
    task: asyncio.Task[str | None] | None = getattr(state, "readiness_check", None)
    if task is None or task.done():
        # A new connection, not a pooled one: a pooled connection keeps a replaced or removed
        # SQLite file open, and one made before a change of server or rights still works.
        check = asyncio.to_thread(unreadiness, state.readiness_engine, state.expected_revisions)
        task = state.readiness_check = asyncio.ensure_future(check)
    return task
