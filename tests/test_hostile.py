"""Hostile input: every request below gets a 4xx problem+json, none a 5xx, and the database
is the same afterwards. Requests are sent byte for byte (no client-side normalisation)."""

import http.client
import json
from dataclasses import dataclass
from typing import Any

import pytest

from app.errors import PROBLEM_JSON
from tests.conftest import LiveServer
from tests.test_read_only import fingerprint

LONG = "a" * 5000
# Words that would tell a client about our internals; none may appear unless the client sent it.
INTERNALS = [
    "traceback", "sqlite", "sqlalchemy", "psycopg", "postgres", "select ", "pydantic",
    "starlette", "fastapi", "uvicorn", "python", "alembic", 'file "', "/work/", "/tmp/",
]  # fmt: skip


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def send(server: LiveServer, method: str, target: str) -> Answer:
    """One request exactly as written: http.client sends the target without rewriting it."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        if method in {"POST", "PUT", "PATCH"}:
            connection.putheader("Content-Length", "0")
        connection.endheaders()
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, headers, response.read())
    finally:
        connection.close()


HOSTILE: list[tuple[str, str, str, int]] = [
    # (case, method, target, status)
    ("sql in slug", "GET", "/causes/x'%20OR%20'1'%3D'1", 422),
    ("sql comment in slug", "GET", "/treatments/warfarin'--", 422),
    ("sql in limit", "GET", "/causes?limit=1;DROP%20TABLE%20source", 422),
    ("sql union in offset", "GET", "/causes?offset=0%20UNION%20SELECT%201", 422),
    ("sql in condition filter", "GET", "/symptoms?condition=x'%20OR%201%3D1--", 422),
    ("sql in cause filter", "GET", "/risk-factors?cause=%22%3B%20DELETE%20FROM%20cause_type", 422),
    ("sql in kind filter", "GET", "/treatments?kind=surgery'%20OR%20'1'%3D'1", 422),
    ("sql in search kind", "GET", "/search?q=lump&kind=cause';--", 422),
    ("limit zero", "GET", "/causes?limit=0", 422),
    ("limit negative", "GET", "/causes?limit=-1", 422),
    ("limit above 100", "GET", "/causes?limit=101", 422),
    ("limit past int64", "GET", "/causes?limit=9223372036854775808", 422),
    ("limit huge", "GET", "/causes?limit=" + "9" * 400, 422),
    ("limit below int64", "GET", "/search?q=lump&limit=-9223372036854775809", 422),
    ("limit float", "GET", "/causes?limit=1.5", 422),
    ("limit exponent", "GET", "/causes?limit=1e309", 422),
    ("limit nan", "GET", "/causes?limit=NaN", 422),
    ("limit hex", "GET", "/causes?limit=0x10", 422),
    ("limit empty", "GET", "/causes?limit=", 422),
    ("offset negative", "GET", "/treatments?offset=-1", 422),
    ("offset past maximum", "GET", "/treatments?offset=1000001", 422),
    ("offset past int64", "GET", "/search?q=lump&offset=18446744073709551616", 422),
    ("offset infinity", "GET", "/sources?offset=Infinity", 422),
    ("nul in search", "GET", "/search?q=%00", 422),
    ("nul inside search words", "GET", "/search?q=calcium%00deposits", 422),
    ("nul in list text filter", "GET", "/treatments?q=warfarin%00", 422),
    ("nul in condition filter", "GET", "/causes?condition=%00", 422),
    ("nul in slug", "GET", "/causes/%00", 422),
    ("nul after limit", "GET", "/causes?limit=1%00", 422),
    ("invalid utf-8 byte", "GET", "/search?q=%FF", 422),
    ("truncated utf-8", "GET", "/search?q=%C3%28", 422),
    ("utf-8 surrogate", "GET", "/search?q=%ED%A0%80", 422),
    ("utf-8 above unicode", "GET", "/treatments?q=%F4%90%80%80", 422),
    ("overlong utf-8 slash", "GET", "/causes?condition=%C0%AF", 422),
    ("invalid utf-8 name", "GET", "/search?%FF=1&q=lump", 422),
    ("invalid utf-8 in slug", "GET", "/causes/%FF%FE", 422),
    ("5000-character search", "GET", "/search?q=" + LONG, 422),
    ("5000-character search of words", "GET", "/search?q=" + "lump+" * 1000, 422),
    ("5000-character text filter", "GET", "/treatments?q=" + LONG, 422),
    ("5000-character condition", "GET", "/causes?condition=" + LONG, 422),
    ("5000-character slug", "GET", "/causes/" + LONG, 422),
    ("traversal, raw", "GET", "/causes/../../etc/passwd", 404),
    ("traversal, encoded slashes", "GET", "/causes/..%2F..%2Fetc%2Fpasswd", 404),
    ("traversal, encoded dots", "GET", "/causes/%2e%2e", 422),
    ("traversal, double encoded", "GET", "/sources/%252e%252e%252fetc%252fpasswd", 422),
    ("traversal, backslashes", "GET", "/sources/..%5C..%5Capp%5Cconfig.py", 422),
    ("traversal to source text", "GET", "/sources/..%2F..%2Fapp%2Fconfig.py/text", 404),
    ("traversal out of the app", "GET", "/static/../app/config.py", 404),
    ("trailing slash", "GET", "/causes/", 404),
    ("unknown path", "GET", "/admin", 404),
    ("DELETE", "DELETE", "/treatments/surgery", 405),
    ("PUT", "PUT", "/treatments/surgery", 405),
    ("POST", "POST", "/causes", 405),
    ("PATCH", "PATCH", "/sources/calcinosis-cutis", 405),
    ("TRACE", "TRACE", "/search?q=lump", 405),
    ("OPTIONS without CORS", "OPTIONS", "/conditions", 405),
    ("PROPFIND", "PROPFIND", "/causes", 405),
    ("PURGE", "PURGE", "/causes", 405),
]


@pytest.fixture(scope="module")
def database_before(database_url: str) -> dict[str, Any]:
    return fingerprint(database_url)


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [pytest.param(method, target, status, id=case) for case, method, target, status in HOSTILE],
)
def test_hostile_request_gets_a_problem(
    server: LiveServer, database_before: dict[str, Any], method: str, target: str, status: int
) -> None:
    answer = send(server, method, target)
    assert answer.status == status
    assert answer.headers["content-type"] == PROBLEM_JSON
    problem = json.loads(answer.body)
    assert problem["status"] == status
    assert {"type", "title", "status", "detail"} <= problem.keys()
    if status == 422:
        assert problem["errors"], "a 422 says which parameter is wrong"
    if status == 405:
        assert answer.headers["allow"] == "GET, HEAD"
    said = (answer.body.decode() + json.dumps(answer.headers)).lower()
    leaked = [word for word in INTERNALS if word in said and word not in target.lower()]
    assert not leaked
    assert "server" not in answer.headers


PLAIN_TEXT: list[tuple[str, str, int | None]] = [
    # (case, target, total expected, if the plain-text reading fixes it)
    ("sql in text filter", "/treatments?q=%27%20OR%20%271%27%3D%271", 0),
    ("like wildcard %", "/treatments?q=%25", 0),
    ("like wildcard _", "/treatments?q=_", 0),
    ("like escape", "/treatments?q=%5C%25", 0),
    ("quotes around a word", "/search?q=%22coumadin%22&kind=drugs", 1),
    ("star after a word", "/search?q=coumadin*&kind=drugs", 1),
    ("star alone", "/search?q=*", 0),
    ("NEAR", "/search?q=NEAR(warfarin%20lumps)", None),
    ("OR", "/search?q=warfarin%20OR%20probenecid", None),
    ("fts column filter", "/search?q=name%3Awarfarin", None),
    ("fts caret and minus", "/search?q=%5Ewarfarin%20-surgery", None),
    ("sql in search", "/search?q=%27%3B%20DROP%20TABLE%20source%3B--", None),
    ("emoji", "/search?q=%F0%9F%92%8A", 0),
    ("right-to-left override", "/search?q=%E2%80%AEwarfarin", None),
    ("zero-width joiner", "/search?q=war%E2%80%8Dfarin", None),
    ("combining accent", "/search?q=calcium%CC%81", None),
    ("replacement character", "/search?q=%EF%BF%BD", 0),
    ("control characters", "/search?q=%01%1B%5B31m", 0),
]


@pytest.mark.parametrize(
    ("target", "total"),
    [pytest.param(target, total, id=case) for case, target, total in PLAIN_TEXT],
)
def test_text_is_searched_as_plain_text(
    server: LiveServer, database_before: dict[str, Any], target: str, total: int | None
) -> None:
    answer = send(server, "GET", target)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    page = json.loads(answer.body)
    if total is not None:
        assert page["total"] == total


def test_the_database_is_unchanged_after_the_hostile_run(
    database_url: str, database_before: dict[str, Any]
) -> None:
    assert fingerprint(database_url) == database_before
