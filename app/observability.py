"""Metrics and the access log, for every request, answers from the response cache included.

The cache answers before FastAPI routes a request, so FastAPI's own middleware never sees a
hit: `Observability` is the outermost layer, in front of the cache (app/main.py composes the
stack). A label or a log field names the route template ("/treatments/{slug}"), never the raw
path: `RouteRecorder`, among the app's middleware, records it when a route answers, and the cache
hands back the one it stored with the answer.

With several worker processes, prometheus-client keeps each worker's values in files under
PROMETHEUS_MULTIPROC_DIR and /metrics adds them up, whichever worker answers the scrape.
`make run` and the image empty that directory at every start.
"""

import logging
import multiprocessing
import os
import re
import sys
import time
from functools import lru_cache
from json import dumps
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.cache import CACHE_REPORT, CacheReport, ResponseCache
from app.lookup.infobutton import CERTIFICATE

logger = logging.getLogger(__name__)

# Labels and log fields take only bounded values: a client chooses the method and the path.
METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})
UNMATCHED = "unmatched"
# A client's X-Request-ID is kept when it is short and plain, so it cannot forge log lines.
REQUEST_ID = re.compile(rb"[A-Za-z0-9._:=+/-]{1,128}")
# Paths and query strings are cut to this many characters in the log (then JSON-escaped).
LOGGED_CHARACTERS = 200
# From a cached answer (well under a millisecond) to a slow query on a busy database.
DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "knowledge_api_requests",
    "Requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
DURATION = Histogram(
    "knowledge_api_request_duration_seconds",
    "Time from receiving a request to sending the end of its answer, by route template.",
    ["route"],
    buckets=DURATION_BUCKETS,
    registry=REGISTRY,
)
CACHE_HITS = Counter(
    "knowledge_api_cache_hits", "Requests answered from the response cache.", registry=REGISTRY
)
CACHE_MISSES = Counter(
    "knowledge_api_cache_misses",
    "Cacheable requests that the routes answered (not in the cache yet).",
    registry=REGISTRY,
)
CACHE_ENTRIES = Gauge(
    "knowledge_api_cache_entries",
    "Answers held by the response caches of all live workers.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
CACHE_BYTES = Gauge(
    "knowledge_api_cache_bytes",
    "Memory held by the response caches of all live workers, as CACHE_MAX_BYTES counts it.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
KNOWLEDGE_REVISION = Gauge(
    "knowledge_api_knowledge_revision",
    "1 for each knowledge revision (the database's migration revision) a live worker serves.",
    ["revision"],
    multiprocess_mode="livemax",
    registry=REGISTRY,
)
DATABASE_ERRORS = Counter(
    "knowledge_api_database_errors",
    "Errors the database raised to the service: failed connections and failed queries.",
    registry=REGISTRY,
)


class Observability:
    """ASGI middleware that counts, times and logs each request as one JSON line, and gives it
    an X-Request-ID.

    `cache` is the response cache this layer is in front of: after a miss, the metrics publish
    what it holds and the knowledge revision it serves.
    """

    def __init__(
        self, app: ASGIApp, *, cache: ResponseCache, metrics: bool, access_log: bool
    ) -> None:
        self.app = app
        self.response_cache = cache
        self.metrics = metrics
        self.access_log = access_log
        self.served_revision: str | None = None
        # The labelled series of each (method, route, status): labels() costs a lock each time.
        self.children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (self.metrics or self.access_log):
            await self.app(scope, receive, send)
            return
        began, started = time.time(), time.perf_counter()
        request_id = client_request_id(scope["headers"]) or os.urandom(16).hex()
        request_id_header = (b"x-request-id", request_id.encode())
        report = CacheReport()
        scope[CACHE_REPORT] = report
        # Until an answer starts, a request that ends (a failure, a client gone) counts as 500.
        status = 500
        sent = 0

        async def send_observed(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), request_id_header]
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = report.route or UNMATCHED
            if self.metrics:
                self.count(method, route, status, seconds, report)
            if self.access_log:
                # One write per line: lines of several workers never interleave on a pipe.
                hit = report.outcome == "hit"
                sys.stdout.write(
                    access_line(scope, method, route, status, sent, began, seconds, hit, request_id)
                )
                sys.stdout.flush()

    def count(
        self, method: str, route: str, status: int, seconds: float, report: CacheReport
    ) -> None:
        """Count and time the request; after a miss, publish what the cache now holds."""
        key = (method, route, status)
        children = self.children.get(key)
        if children is None:
            children = REQUESTS.labels(method, route, str(status)), DURATION.labels(route)
            self.children[key] = children
        children[0].inc()
        children[1].observe(seconds)
        if report.outcome == "hit":
            CACHE_HITS.inc()
            return
        if report.outcome == "miss":
            CACHE_MISSES.inc()
        # The cache changes only when the routes answer: store, evict, or drop a revision.
        cache = self.response_cache
        CACHE_ENTRIES.set(len(cache.entries))
        CACHE_BYTES.set(cache.size)
        if cache.revision != self.served_revision:
            if self.served_revision is not None:
                KNOWLEDGE_REVISION.labels(self.served_revision).set(0)
            if cache.revision is not None:
                KNOWLEDGE_REVISION.labels(cache.revision).set(1)
            self.served_revision = cache.revision


def install_metrics(app: FastAPI, metrics_dir: Path | None) -> None:
    """Serve the Prometheus metrics at /metrics, outside the OpenAPI document.

    With `metrics_dir` (PROMETHEUS_MULTIPROC_DIR), the values of every worker are added up."""
    # One worker answers from its own values; several add up every worker's files.
    exposition = REGISTRY
    if metrics_dir is not None:
        exposition = CollectorRegistry()
        multiprocess.MultiProcessCollector(  # type: ignore[no-untyped-call]
            exposition, path=str(metrics_dir)
        )

    def read_metrics() -> Response:
        """Prometheus metrics of every worker (text format); never cached."""
        if metrics_dir is not None:
            forget_dead_workers(metrics_dir)
        return Response(
            generate_latest(exposition),
            media_type=CONTENT_TYPE_PLAIN_0_0_4,
            headers={"Cache-Control": "no-store"},
        )

    app.add_api_route("/metrics", read_metrics, methods=["GET"], include_in_schema=False)
    if metrics_dir is None and multiprocessing.parent_process() is not None:
        logger.warning(
            "PROMETHEUS_MULTIPROC_DIR is not set: if this is one of several worker "
            "processes, /metrics counts only the one that answers it."
        )


class RouteRecorder:
    """Notes in the request's CacheReport the template of the route that answered it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            report: CacheReport | None = scope.get(CACHE_REPORT)
            if report is not None:
                report.route = getattr(scope.get("route"), "path", None)


def access_line(
    scope: Scope,
    method: str,
    route: str,
    status: int,
    sent: int,
    began: float,
    seconds: float,
    hit: bool,
    request_id: str,
) -> str:
    """The request as one line of JSON, every field bounded."""
    # Built by hand: json.dumps of the whole record costs more than a cached answer. Every
    # string a client or a route chooses goes through dumps; the others are numbers, a fixed set
    # of methods and a checked request id.
    path = scope["path"][:LOGGED_CHARACTERS]
    query = logged_query(scope["query_string"])[:LOGGED_CHARACTERS]
    return (
        f'{{"time":"{utc_second(int(began))}.{int(began % 1 * 1000):03d}Z",'
        f'"method":"{method}","path":{dumps(path)},"query":{dumps(query)},'
        f'"route":{dumps(route)},"status":{status},"bytes":{sent},'
        f'"duration_ms":{seconds * 1000:.3f},'
        f'"cache_hit":{"true" if hit else "false"},'
        f'"request_id":"{request_id}","pid":{os.getpid()}}}\n'
    )


def logged_query(raw: bytes) -> str:
    """The query string as the log keeps it: a secret's value (the Infobutton holder's
    password) replaced, however its name is spelt or encoded."""
    query = raw.decode("latin-1")
    if "certificate" not in query.lower():  # the common case, at the cost of one scan
        return query
    kept = []
    for pair in query.split("&"):
        name, equals, _value = pair.partition("=")
        if equals and unquote_plus(name) == CERTIFICATE:
            pair = f"{name}=[redacted]"
        kept.append(pair)
    return "&".join(kept)


@lru_cache(maxsize=2)
def utc_second(second: int) -> str:
    """The UTC date and time of a second, ISO 8601: formatted once per second, not per request."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def client_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The client's X-Request-ID when it is short and plain; None otherwise."""
    for name, value in headers:
        if name == b"x-request-id":
            return value.decode("ascii") if REQUEST_ID.fullmatch(value) else None
    return None


def forget_dead_workers(directory: Path) -> None:
    """Drop the gauges of workers that exited (a restarted worker), keeping their counts."""
    for path in directory.glob("gauge_live*_*.db"):
        pid = int(path.stem.rpartition("_")[2])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]
        except PermissionError:
            pass  # alive, another user's


def count_database_errors(engine: Engine) -> None:
    """Count every error the database raises on this engine, connecting or querying."""

    @event.listens_for(engine, "handle_error")
    def _count(_context: ExceptionContext) -> None:
        DATABASE_ERRORS.inc()
