"""A query parameter that the operation does not define is refused, never ignored.

A misspelt filter (`certainity`) used to answer the unfiltered list as if it were filtered, and
every such variant, and every order of the same parameters, was a new response-cache entry. Now
each is a 422 problem naming the parameter and the one the client may have meant; no refusal is
kept, and the order of the parameters makes one entry.
"""

import uuid
from itertools import permutations
from typing import Any

import httpx
import pytest

from app.cache import ResponseCache, canonical_query
from tests.conftest import LiveServer
from tests.test_errors import assert_problem

VARIANTS = 2000


def refused(response: httpx.Response) -> dict[str, Any]:
    """The 422 problem of a refused parameter, checked to be as every other 422 is."""
    problem = assert_problem(response, 422)
    assert problem["title"] == "Unprocessable Content"
    assert "etag" not in response.headers
    assert "public" not in response.headers.get("cache-control", "")
    return problem


def only_refusal(response: httpx.Response, parameter: str, hint: str) -> None:
    """The answer refuses `parameter` alone, with `hint`."""
    problem = refused(response)
    assert problem["errors"] == [{"parameter": parameter, "message": f"unknown parameter; {hint}"}]
    assert problem["detail"] == f"unknown parameter `{parameter}`; {hint}"


@pytest.fixture(scope="module")
def document(client: httpx.Client) -> dict[str, Any]:
    served: dict[str, Any] = client.get("/openapi.json").json()
    return served


def query_names(document: dict[str, Any], path: str) -> list[str]:
    """The query parameters the OpenAPI document lists for GET `path`, in its order."""
    parameters = document["paths"][path]["get"].get("parameters", [])
    return [p["name"] for p in parameters if p["in"] == "query"]


def takes(names: list[str]) -> str:
    if not names:
        return "this operation takes no query parameters"
    return "this operation takes " + ", ".join(f"`{name}`" for name in names)


def real_path(client: httpx.Client, template: str) -> str:
    """`template` with `{slug}` replaced by the slug of an item its list serves."""
    if "{slug}" not in template:
        return template
    collection = template.split("/{slug}")[0]
    slug = client.get(collection, params={"limit": 1}).json()["items"][0]["slug"]
    return template.replace("{slug}", slug)


def entries(server: LiveServer) -> int:
    """How many answers the server's response cache holds."""
    cache: ResponseCache = server.app.state.response_cache
    return len(cache.entries)


class TestAMisspeltParameter:
    @pytest.mark.parametrize(
        ("path", "parameter", "meant"),
        [
            ("/risk-factors?certainity=suspected", "certainity", "certainty"),
            ("/treatments?Kind=surgery", "Kind", "kind"),
            ("/drugs?treatmnet=warfarin", "treatmnet", "treatment"),
            ("/causes?LIMIT=5", "LIMIT", "limit"),
            ("/conditions?ofset=1", "ofset", "offset"),
            ("/sources?limt=1", "limt", "limit"),
            ("/search?q=kidney&kidn=treatments", "kidn", "kind"),
            ("/search?q=kidney&conditon=calcinosis-cutis", "conditon", "condition"),
            # A parameter known by an alias is suggested by the name a client sends.
            ("/export?fromat=ndjson", "fromat", "format"),
        ],
    )
    def test_is_refused_with_the_parameter_meant(
        self, client: httpx.Client, path: str, parameter: str, meant: str
    ) -> None:
        only_refusal(client.get(path), parameter, f"did you mean `{meant}`?")

    def test_the_refusal_comes_before_any_other_check(self, client: httpx.Client) -> None:
        # `q` is required and missing: the unknown parameter is what the client must fix first.
        only_refusal(client.get("/search?qq=kidney"), "qq", "did you mean `q`?")

    def test_a_query_string_that_is_not_utf8_is_still_said_to_be(
        self, client: httpx.Client
    ) -> None:
        problem = refused(client.get("/search?utm_source=x&q=%FF"))
        assert problem["errors"] == [{"parameter": "q", "message": "must be UTF-8 text"}]


class TestAParameterNothingResembles:
    def test_lists_what_the_operation_takes(
        self, client: httpx.Client, document: dict[str, Any]
    ) -> None:
        names = query_names(document, "/treatments")
        assert {"limit", "offset", "condition", "q", "certainty", "kind"} <= set(names)
        only_refusal(client.get("/treatments?utm_source=newsletter"), "utm_source", takes(names))

    def test_each_unknown_parameter_is_named_once(
        self, client: httpx.Client, document: dict[str, Any]
    ) -> None:
        response = client.get("/treatments?utm_source=x&limit=5&fbclid=y&utm_source=z")
        problem = refused(response)
        hint = takes(query_names(document, "/treatments"))
        errors = sorted(problem["errors"], key=lambda error: str(error["parameter"]))
        assert errors == [
            {"parameter": "fbclid", "message": f"unknown parameter; {hint}"},
            {"parameter": "utm_source", "message": f"unknown parameter; {hint}"},
        ]

    def test_a_detail_takes_none(self, client: httpx.Client) -> None:
        path = real_path(client, "/treatments/{slug}")
        assert client.get(path).status_code == 200
        only_refusal(client.get(f"{path}?limit=1"), "limit", takes([]))

    @pytest.mark.parametrize("path", ["/", "/meta", "/vocabulary", "/health", "/ready"])
    def test_an_operation_without_parameters_takes_none(
        self, client: httpx.Client, path: str
    ) -> None:
        assert client.get(path).status_code == 200
        only_refusal(client.get(f"{path}?_=1700000000"), "_", takes([]))

    def test_every_operation_refuses_one(
        self, client: httpx.Client, document: dict[str, Any]
    ) -> None:
        """Every operation of the document, each naming the parameters the document lists."""
        paths = [path for path, item in document["paths"].items() if "get" in item]
        assert len(paths) > 20
        for template in paths:
            response = client.get(real_path(client, template), params={"utm_source": "x"})
            hint = takes(query_names(document, template))
            problem = refused(response)
            assert problem["errors"] == [
                {"parameter": "utm_source", "message": f"unknown parameter; {hint}"}
            ], template


class TestDefinedParameters:
    def test_are_answered(self, client: httpx.Client) -> None:
        condition = client.get("/conditions", params={"limit": 1}).json()["items"][0]["slug"]
        for path, params in [
            ("/conditions", {"limit": 1, "offset": 1}),
            ("/treatments", {"condition": condition, "q": "a", "limit": 2, "offset": 0}),
            ("/search", {"q": "kidney", "condition": condition, "limit": 2, "offset": 0}),
            ("/export", {"format": "ndjson"}),
        ]:
            response = client.get(path, params=params)
            assert response.status_code == 200, (path, response.text)

    def test_empty_pairs_are_no_parameter(self, client: httpx.Client) -> None:
        response = client.get("/treatments?&limit=1&&")
        assert response.status_code == 200
        assert response.json()["limit"] == 1


class TestTheCache:
    def test_undefined_variants_are_refused_and_never_kept(
        self, client: httpx.Client, server: LiveServer
    ) -> None:
        before = entries(server)
        for i in range(VARIANTS):
            response = client.get("/treatments", params={"limit": 5, "utm_source": str(i)})
            assert response.status_code == 422, response.text
        assert entries(server) - before < 5
        # What the count measures: defined variants are each kept.
        offset = uuid.uuid4().int % 900_000
        for i in range(20):
            assert client.get("/treatments", params={"offset": offset + i}).status_code == 200
        assert entries(server) - before >= 20

    def test_reordered_parameters_share_one_entry(
        self, client: httpx.Client, server: LiveServer
    ) -> None:
        # An offset no other test asks for, so that the first answer is a new entry.
        pairs = ["limit=2", f"offset={uuid.uuid4().int % 900_000 + 1000}", "q=a"]
        before = entries(server)
        first = client.get("/treatments?" + "&".join(pairs))
        assert first.status_code == 200
        assert entries(server) == before + 1
        for order in permutations(pairs):
            response = client.get("/treatments?" + "&".join(order))
            assert response.status_code == 200
            assert response.content == first.content
            assert response.headers["etag"] == first.headers["etag"]
            assert response.headers["link"] == first.headers["link"]
        assert entries(server) == before + 1

    def test_the_routes_see_the_parameters_as_the_key_holds_them(
        self, client: httpx.Client
    ) -> None:
        # Two new entries, of the same filters sent in two orders: each answer links to the same
        # first page, whichever order filled the cache.
        condition = client.get("/conditions", params={"limit": 1}).json()["items"][0]["slug"]
        offset = uuid.uuid4().int % 900_000 + 1000
        one = client.get(f"/treatments?q=a&condition={condition}&limit=1&offset={offset}")
        other = client.get(f"/treatments?limit=1&condition={condition}&offset={offset + 1}&q=a")
        assert one.status_code == other.status_code == 200
        assert one.links["first"]["url"] == other.links["first"]["url"]

    @pytest.mark.parametrize(
        ("query", "read"),
        [
            ("limit=1&offset=0&limit=2", 2),
            ("limit=2&offset=0&limit=1", 1),
            ("offset=0&limit=2&limit=1", 1),
            # The same name, percent-encoded, is the same parameter: its order counts as well.
            ("limit=1&%6Cimit=2", 2),
            ("%6Cimit=2&limit=1", 1),
        ],
    )
    def test_a_repeated_parameter_keeps_its_order(
        self, client: httpx.Client, query: str, read: int
    ) -> None:
        # The routes read the last value of a repeated parameter, as the client sent them.
        response = client.get(f"/conditions?{query}")
        assert response.status_code == 200
        assert response.json()["limit"] == read
        assert len(response.json()["items"]) == read


@pytest.mark.parametrize(
    ("query", "key"),
    [
        (b"", b""),
        (b"q=kidney", b"q=kidney"),
        (b"offset=10&limit=5", b"limit=5&offset=10"),
        (b"limit=5&offset=10", b"limit=5&offset=10"),
        (b"b=2&a=1&b=1", b"a=1&b=2&b=1"),
        (b"%62=2&a=1&b=1", b"a=1&%62=2&b=1"),
        (b"b+c=1&b=2", b"b=2&b+c=1"),
        (b"&limit=5&&offset=10&", b"limit=5&offset=10"),
        (b"&", b""),
    ],
)
def test_the_key_holds_the_pairs_by_name(query: bytes, key: bytes) -> None:
    assert canonical_query(query) == key
