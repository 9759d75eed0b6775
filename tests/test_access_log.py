"""The access log: one JSON line per request on standard output, answers from the cache
included, each with the request id the response carries; nothing a client sends can break a
line or make it long."""

import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import LiveServer

FIELDS = {
    "time", "method", "path", "query", "route", "status", "bytes", "duration_ms", "cache_hit",
    "request_id", "pid",
}  # fmt: skip
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def http(sqlite_url: str) -> Iterator[httpx.Client]:
    with (
        LiveServer(create_app(Settings(database_url=sqlite_url))) as live,
        httpx.Client(base_url=live.url, timeout=30) as client,
    ):
        yield client


class Log:
    """What the server wrote to standard output during one test."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.lines: list[str] = []

    def of(self, request_id: str) -> dict[str, Any]:
        """The one line of a request (the server writes it once the answer is sent)."""
        deadline = time.monotonic() + 10
        while True:
            self.lines += self.capsys.readouterr().out.splitlines()
            found = [line for line in self.lines if request_id in line]
            if found or time.monotonic() > deadline:
                assert len(found) == 1, self.lines
                entry: dict[str, Any] = json.loads(found[0])
                return entry
            time.sleep(0.05)


@pytest.fixture
def log(capsys: pytest.CaptureFixture[str]) -> Log:
    return Log(capsys)


def request_id() -> str:
    return f"test-{uuid.uuid4()}"


class TestALine:
    def test_it_says_what_was_asked_and_answered(self, http: httpx.Client, log: Log) -> None:
        slug = http.get("/treatments", params={"limit": 1}).json()["items"][0]["slug"]
        rid = request_id()
        response = http.get(
            f"/treatments/{slug}", params={"view": "x"}, headers={"X-Request-ID": rid}
        )
        entry = log.of(rid)
        assert set(entry) == FIELDS
        assert entry["method"] == "GET"
        assert entry["path"] == f"/treatments/{slug}"
        assert entry["query"] == "view=x"
        assert entry["route"] == "/treatments/{slug}"
        assert entry["status"] == response.status_code
        assert entry["bytes"] == response.num_bytes_downloaded > 0
        assert entry["duration_ms"] >= 0
        assert entry["request_id"] == rid
        logged_at = datetime.fromisoformat(entry["time"])
        assert logged_at.tzinfo == UTC
        assert abs((datetime.now(UTC) - logged_at).total_seconds()) < 60

    def test_a_password_is_never_logged(self, http: httpx.Client, log: Log) -> None:
        names = ("holder.assignedEntity.certificateText", "holder%2EassignedEntity.certificateText")
        for name in names:
            rid = request_id()
            asked = f"mainSearchCriteria.v.c=L94.2&{name}=s3cret&holder.assignedEntity.n=clinic"
            http.get(f"/infobutton?{asked}", headers={"X-Request-ID": rid})
            query = log.of(rid)["query"]
            assert "s3cret" not in query
            assert f"{name}=[redacted]" in query
            assert "holder.assignedEntity.n=clinic" in query  # the rest as asked

    def test_it_tells_a_cache_hit_from_a_miss(self, http: httpx.Client, log: Log) -> None:
        url = f"/causes?limit=1&offset={uuid.uuid4().int % 1_000_000}"
        first, second = request_id(), request_id()
        http.get(url, headers={"X-Request-ID": first})
        http.get(url, headers={"X-Request-ID": second})
        assert log.of(first)["cache_hit"] is False
        hit = log.of(second)
        assert hit["cache_hit"] is True
        assert hit["route"] == "/causes"

    def test_a_head_request_sends_no_bytes(self, http: httpx.Client, log: Log) -> None:
        rid = request_id()
        http.head("/conditions", headers={"X-Request-ID": rid})
        entry = log.of(rid)
        assert (entry["method"], entry["status"], entry["bytes"]) == ("HEAD", 200, 0)

    def test_a_not_modified_answer_is_logged_as_such(self, http: httpx.Client, log: Log) -> None:
        etag = http.get("/symptoms").headers["etag"]
        rid = request_id()
        http.get("/symptoms", headers={"If-None-Match": etag, "X-Request-ID": rid})
        entry = log.of(rid)
        assert (entry["status"], entry["bytes"], entry["cache_hit"]) == (304, 0, True)

    def test_an_error_is_logged_with_its_status(self, http: httpx.Client, log: Log) -> None:
        rid = request_id()
        http.post("/treatments", headers={"X-Request-ID": rid})
        entry = log.of(rid)
        assert (entry["method"], entry["route"], entry["status"]) == ("POST", "/treatments", 405)


class TestTheRequestId:
    def test_a_plain_id_is_kept_and_returned(self, http: httpx.Client) -> None:
        rid = request_id()
        assert http.get("/health", headers={"X-Request-ID": rid}).headers["x-request-id"] == rid

    def test_without_one_an_id_is_made_for_each_request(self, http: httpx.Client) -> None:
        ids = {http.get("/health").headers["x-request-id"] for _ in range(3)}
        assert len(ids) == 3
        assert all(GENERATED_ID.fullmatch(rid) for rid in ids)

    @pytest.mark.parametrize(
        "offered", ["x" * 129, 'quote"and\\backslash', "space here", "<script>", "\u00e9t\u00e9"]
    )
    def test_a_long_or_unsafe_id_is_replaced(
        self, http: httpx.Client, log: Log, offered: str
    ) -> None:
        response = http.get("/health", headers={b"X-Request-ID": offered.encode()})
        returned = response.headers["x-request-id"]
        assert GENERATED_ID.fullmatch(returned)
        assert log.of(returned)["request_id"] == returned
        assert offered not in next(line for line in log.lines if returned in line)


class TestHostileInput:
    def test_a_line_break_in_the_path_stays_inside_its_line(
        self, http: httpx.Client, log: Log
    ) -> None:
        rid = request_id()
        http.get('/causes%0A{"status":200}%22', headers={"X-Request-ID": rid})
        entry = log.of(rid)
        assert entry["path"] == '/causes\n{"status":200}"'
        assert (entry["route"], entry["status"]) == ("unmatched", 404)

    def test_long_paths_and_queries_are_cut(self, http: httpx.Client, log: Log) -> None:
        rid = request_id()
        tail = "END-OF-INPUT"
        http.get(
            "/search/" + "p" * 5000 + tail,
            params={"q": "q" * 5000 + tail},
            headers={"X-Request-ID": rid},
        )
        entry = log.of(rid)
        assert len(entry["path"]) <= 200
        assert len(entry["query"]) <= 200
        assert tail not in json.dumps(entry)

    def test_control_and_non_ascii_characters_are_escaped(
        self, http: httpx.Client, log: Log
    ) -> None:
        rid = request_id()
        http.get("/causes%C3%A9%00%1B[31m", headers={"X-Request-ID": rid})
        assert log.of(rid)["path"] == "/causes\u00e9\x00\x1b[31m"
        line = next(line for line in log.lines if rid in line)
        assert line.isascii()
        assert line.isprintable()


def test_no_line_is_written_when_the_log_is_off(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(Settings(database_url=sqlite_url, access_log=False))
    with LiveServer(app) as live, httpx.Client(base_url=live.url) as off:
        rid = request_id()
        assert off.get("/conditions", headers={"X-Request-ID": rid}).status_code == 200
        time.sleep(0.5)
        assert rid not in capsys.readouterr().out
