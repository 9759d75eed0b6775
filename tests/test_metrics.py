"""Prometheus metrics at /metrics: requests by route template and status, latency, the response
cache, the knowledge revision and database errors; with two workers, both counted at once."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from app.cache import ResponseCache
from app.config import ROOT, Settings
from app.main import create_app
from app.observability import forget_dead_workers
from tests.conftest import LiveServer, eventually

FAMILIES = {
    "knowledge_api_requests",
    "knowledge_api_request_duration_seconds",
    "knowledge_api_cache_hits",
    "knowledge_api_cache_misses",
    "knowledge_api_cache_entries",
    "knowledge_api_cache_bytes",
    "knowledge_api_knowledge_revision",
    "knowledge_api_database_errors",
}
Samples = list[tuple[str, dict[str, str], float]]


def scrape(http: httpx.Client) -> Samples:
    """Every sample /metrics answers, read by prometheus-client's own parser."""
    response = http.get("/metrics")
    assert response.status_code == 200
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples called `name` that carry `labels` (0 when there are none)."""
    return sum(
        number
        for sample, sample_labels, number in samples
        if sample == name and labels.items() <= sample_labels.items()
    )


@pytest.fixture(scope="module")
def served(sqlite_url: str) -> Iterator[tuple[FastAPI, httpx.Client]]:
    """The app on one worker, and a client for it."""
    app = create_app(Settings(database_url=sqlite_url))
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        yield app, http


@pytest.fixture(scope="module")
def http(served: tuple[FastAPI, httpx.Client]) -> httpx.Client:
    return served[1]


@pytest.fixture(scope="module")
def slug(http: httpx.Client) -> str:
    """A treatment that exists, whichever conditions are loaded."""
    first: str = http.get("/treatments", params={"limit": 1}).json()["items"][0]["slug"]
    return first


def uncached_url() -> str:
    """A list URL no earlier request asked for: its first answer is a miss."""
    return f"/treatments?limit=1&offset={uuid.uuid4().int % 1_000_000}"


class TestTheEndpoint:
    def test_it_answers_every_metric_in_the_prometheus_text_format(
        self, http: httpx.Client
    ) -> None:
        response = http.get("/metrics")
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        families = {family.name for family in text_string_to_metric_families(response.text)}
        assert families >= FAMILIES

    def test_it_is_never_cached(self, http: httpx.Client) -> None:
        first = http.get("/metrics")
        assert first.headers["cache-control"] == "no-store"
        assert "etag" not in first.headers
        http.get("/conditions")
        second = http.get("/metrics")
        assert second.text != first.text

    def test_it_is_not_in_the_openapi_document(self, http: httpx.Client) -> None:
        assert "/metrics" not in http.get("/openapi.json").json()["paths"]

    def test_it_is_off_when_metrics_are_off(self, sqlite_url: str) -> None:
        app = create_app(Settings(database_url=sqlite_url, metrics=False))
        with LiveServer(app) as live, httpx.Client(base_url=live.url) as off:
            assert off.get("/metrics").status_code == 404
            assert off.get("/conditions").status_code == 200


class TestRequests:
    def test_a_request_is_counted_under_its_route_template_and_status(
        self, http: httpx.Client, slug: str
    ) -> None:
        labels = {"method": "GET", "route": "/treatments/{slug}", "status": "200"}
        before = value(scrape(http), "knowledge_api_requests_total", **labels)
        # The first answer comes from the route, the second from the cache: the same template.
        for _ in range(2):
            assert http.get(f"/treatments/{slug}").status_code == 200
        samples = scrape(http)
        assert value(samples, "knowledge_api_requests_total", **labels) == before + 2
        assert not [s for s in samples if s[1].get("route") == f"/treatments/{slug}"]

    def test_unknown_paths_share_one_label(self, http: httpx.Client) -> None:
        labels = {"route": "unmatched", "status": "404"}
        before = value(scrape(http), "knowledge_api_requests_total", **labels)
        unknown = f"/no-such-resource-{uuid.uuid4().hex}"
        assert http.get(unknown).status_code == 404
        samples = scrape(http)
        assert value(samples, "knowledge_api_requests_total", **labels) == before + 1
        assert not [s for s in samples if unknown in s[1].values()]

    def test_head_is_counted_as_head(self, http: httpx.Client) -> None:
        labels = {"method": "HEAD", "route": "/conditions", "status": "200"}
        before = value(scrape(http), "knowledge_api_requests_total", **labels)
        assert http.head("/conditions").status_code == 200
        assert value(scrape(http), "knowledge_api_requests_total", **labels) == before + 1

    def test_latency_is_a_histogram_per_route(self, http: httpx.Client) -> None:
        name = "knowledge_api_request_duration_seconds"
        before = value(scrape(http), f"{name}_count", route="/causes")
        http.get("/causes")
        samples = scrape(http)
        count = value(samples, f"{name}_count", route="/causes")
        assert count == before + 1
        buckets = [
            (float(labels["le"]), number)
            for sample, labels, number in samples
            if sample == f"{name}_bucket" and labels["route"] == "/causes"
        ]
        counts = [number for _, number in sorted(buckets)]
        assert counts == sorted(counts)
        assert counts[-1] == count
        assert value(samples, f"{name}_sum", route="/causes") > 0


class TestCache:
    def test_a_repeated_request_is_a_hit(self, http: httpx.Client) -> None:
        url = uncached_url()
        before = scrape(http)
        http.get(url)
        middle = scrape(http)
        assert value(middle, "knowledge_api_cache_misses_total") == (
            value(before, "knowledge_api_cache_misses_total") + 1
        )
        http.get(url)
        after = scrape(http)
        assert value(after, "knowledge_api_cache_hits_total") == (
            value(middle, "knowledge_api_cache_hits_total") + 1
        )
        assert value(after, "knowledge_api_cache_misses_total") == value(
            middle, "knowledge_api_cache_misses_total"
        )

    def test_entries_and_bytes_are_what_the_cache_holds(
        self, served: tuple[FastAPI, httpx.Client]
    ) -> None:
        app, http = served
        http.get(uncached_url())
        samples = scrape(http)
        cache: ResponseCache = app.state.response_cache
        assert value(samples, "knowledge_api_cache_entries") == len(cache.entries)
        assert value(samples, "knowledge_api_cache_bytes") == cache.size > 0

    def test_the_served_knowledge_revision_is_named(self, http: httpx.Client) -> None:
        http.get(uncached_url())
        revision = http.get("/ready").json()["revision"]
        samples = scrape(http)
        assert value(samples, "knowledge_api_knowledge_revision", revision=revision) == 1


class TestDatabaseErrors:
    def test_a_database_that_cannot_be_opened_is_counted(self, tmp_path: Path) -> None:
        missing = f"sqlite:///{tmp_path / 'missing.db'}"
        settings = Settings(database_url=missing, revision_check_interval=0.05)
        with (
            LiveServer(create_app(settings)) as live,
            httpx.Client(base_url=live.url) as http,
        ):
            before = value(scrape(http), "knowledge_api_database_errors_total")
            assert http.get("/treatments").status_code == 503
            # The server keeps trying to read it, and each failure counts.
            eventually(lambda: value(scrape(http), "knowledge_api_database_errors_total") > before)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# A worker in multiprocess mode: it writes a live gauge and a counter, then waits for its input.
WORKER = (
    "from prometheus_client import Counter, Gauge;"
    " Gauge('entries', 'Entries.', multiprocess_mode='livesum').set(3);"
    " Counter('hits', 'Hits.').inc(); print('written', flush=True); input()"
)


def test_a_dead_workers_gauges_go_and_its_counts_stay(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    dead, alive = workers
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline() == "written\n"
    dead.communicate("")
    try:
        forget_dead_workers(tmp_path)
        assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
            [f"counter_{dead.pid}.db", f"counter_{alive.pid}.db", f"gauge_livesum_{alive.pid}.db"]
        )
    finally:
        alive.communicate("")


@contextmanager
def make_run_two_workers(tmp_path: Path, output: Path) -> Iterator[httpx.Client]:
    """`make run` with WEB_CONCURRENCY=2 on a database and a metrics folder in `tmp_path`."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'knowledge.db'}",
        "METRICS_DIR": str(tmp_path / "metrics"),
    }
    with output.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            deadline = time.monotonic() + 180
            while True:
                assert process.poll() is None, output.read_text()
                try:
                    if http.get("/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, output.read_text()
                time.sleep(0.25)
            yield http
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def access_log(output: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.read_text().splitlines() if line.startswith("{")]


def test_two_workers_are_counted_and_logged_together(tmp_path: Path) -> None:
    first_run, second_run = tmp_path / "first.log", tmp_path / "second.log"
    with make_run_two_workers(tmp_path, first_run) as http:
        for _ in range(40):
            with httpx.Client(base_url=http.base_url) as fresh:  # a new connection each time
                assert fresh.get("/treatments").status_code == 200
        # Whichever worker answers the scrape, it counts the requests of both.
        for _ in range(6):
            with httpx.Client(base_url=http.base_url) as fresh:
                samples = scrape(fresh)
            assert value(samples, "knowledge_api_requests_total", route="/treatments") == 40
            hits = value(samples, "knowledge_api_cache_hits_total")
            misses = value(samples, "knowledge_api_cache_misses_total")
            assert hits + misses == 40
        deadline = time.monotonic() + 30
        while len(logged := [e for e in access_log(first_run) if e["route"] == "/treatments"]) < 40:
            assert time.monotonic() < deadline, first_run.read_text()
            time.sleep(0.2)
    assert len(logged) == 40
    assert len({entry["pid"] for entry in logged}) == 2
    assert len({entry["request_id"] for entry in logged}) == 40
    # A new start counts from zero: the files of the last run are gone.
    with make_run_two_workers(tmp_path, second_run) as http:
        assert value(scrape(http), "knowledge_api_requests_total", route="/treatments") == 0
        http.get("/treatments")
        assert value(scrape(http), "knowledge_api_requests_total", route="/treatments") == 1


def test_several_workers_without_a_metrics_directory_say_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'knowledge.db'}"
    uvicorn = Path(sys.executable).parent / "uvicorn"
    command = [str(uvicorn), "app.main:app", "--port", str(free_port())]
    output = tmp_path / "output.log"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--workers", "2"], cwd=ROOT, env=env, stdout=out, stderr=out,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while output.read_text().count("PROMETHEUS_MULTIPROC_DIR is not set") < 2:
            assert time.monotonic() < deadline, output.read_text()
            assert process.poll() is None, output.read_text()
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
