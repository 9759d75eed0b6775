"""Every list says where its other pages are, in a Link header (RFC 8288): first, prev, next,
last. Following `next` from the first page reads the whole list, once."""

import re
from typing import Any

import httpx
import pytest

from app.routes.params import last_offset

LINK = re.compile(r'<([^>]*)>;\s*rel="([^"]+)"')


def links(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {rel: target for target, rel in LINK.findall(response.headers["link"])}


@pytest.fixture(scope="module")
def lists(client: httpx.Client) -> dict[str, dict[str, str]]:
    """Every list operation of the OpenAPI document, with the parameters it needs."""
    spec = client.get("/openapi.json").json()
    conditions = client.get("/conditions").json()["items"]
    # /search needs words: the first word of a condition's name finds at least that condition.
    word = conditions[0]["name"].split()[0].lower()
    found = {}
    for path, item in spec["paths"].items():
        names = {p["name"]: p.get("required", False) for p in item["get"].get("parameters", [])}
        # A list that needs other parameters than words to find (/lookup's code and system)
        # is left to its own tests, which know what to send.
        if "offset" in names and not any(names[name] for name in names.keys() - {"q"}):
            found[path] = {"q": word} if names.get("q") else {}
    assert "/search" in found
    assert "/conditions" in found
    return found


def read_all(client: httpx.Client, path: str, params: dict[str, str]) -> list[Any]:
    response = client.get(path, params={**params, "limit": 100})
    assert response.json()["total"] <= 100, "a list outgrew one page: read it page by page"
    items: list[Any] = response.json()["items"]
    return items


class TestLinkHeaders:
    def test_following_next_reads_every_item_once(
        self, client: httpx.Client, lists: dict[str, dict[str, str]]
    ) -> None:
        for path, params in lists.items():
            expected = read_all(client, path, params)
            response = client.get(path, params={**params, "limit": 2})
            read, pages = [], 0
            while True:
                read += response.json()["items"]
                pages += 1
                found = links(response)
                assert set(found) >= {"first", "last"}, (path, found)
                assert ("prev" in found) == (pages > 1), (path, found)
                if "next" not in found:
                    assert response.url.raw_path.decode() == found["last"] or pages == 1
                    break
                response = client.get(found["next"])
            assert read == expected, path
            assert pages == max(1, -(-len(expected) // 2)), path

    def test_links_keep_the_filters(self, client: httpx.Client) -> None:
        condition = client.get("/conditions").json()["items"][0]["slug"]
        response = client.get("/treatments", params={"condition": condition, "limit": 1})
        for rel, target in links(response).items():
            assert f"condition={condition}" in target, rel
            assert "limit=1" in target, rel
            page = client.get(target).json()
            assert page["total"] == response.json()["total"]

    def test_first_prev_and_last(self, client: httpx.Client) -> None:
        total = client.get("/risk-factors").json()["total"]
        assert total >= 3, "the seeds hold too few risk factors for this test"
        middle = client.get("/risk-factors", params={"limit": 2, "offset": 2})
        found = links(middle)
        assert found["first"] == "/risk-factors?limit=2&offset=0"
        assert found["prev"] == "/risk-factors?limit=2&offset=0"
        assert found["last"] == f"/risk-factors?limit=2&offset={(total - 1) // 2 * 2}"

    def test_an_unaligned_offset_keeps_its_sequence(
        self, client: httpx.Client, lists: dict[str, dict[str, str]]
    ) -> None:
        # From offset 1 by steps of 2, `next` goes 1, 3, 5, ...: `last` is on that sequence,
        # the last of it that starts on an item, and `next` reaches it.
        for path, params in lists.items():
            total = client.get(path, params=params).json()["total"]
            if total < 2:
                continue
            response = client.get(path, params={**params, "limit": 2, "offset": 1})
            last = links(response)["last"]
            assert last.endswith(f"limit=2&offset={1 + (total - 2) // 2 * 2}"), (path, last)
            read = response.json()["items"]
            while "next" in links(response):
                response = client.get(links(response)["next"])
                read += response.json()["items"]
            assert response.url.raw_path.decode() == last, path
            everything = read_all(client, path, params)
            assert read == everything[1:], path

    def test_beyond_the_end_the_last_page_is_behind(self, client: httpx.Client) -> None:
        total = client.get("/symptoms").json()["total"]
        offset = total + 7
        found = links(client.get("/symptoms", params={"limit": 5, "offset": offset}))
        last = offset - -(-(offset - total + 1) // 5) * 5  # steps of 5 back to an item
        assert 0 <= last < total
        assert found["last"] == f"/symptoms?limit=5&offset={last}"
        assert found["prev"] == found["last"]
        assert "next" not in found


@pytest.mark.parametrize(
    ("offset", "limit", "total", "last"),
    [
        (3, 5, 21, 18),  # 3, 8, 13, 18: the next, 23, is past the 21 items
        (0, 5, 21, 20),
        (0, 5, 20, 15),
        (5, 5, 20, 15),
        (18, 5, 21, 18),
        (30, 5, 21, 20),  # beyond the end: back by steps of 5
        (0, 50, 0, 0),  # an empty list: its only page
        (1, 100, 1, 1),  # nothing from offset 1: the sequence's first
    ],
)
def test_last_offset(offset: int, limit: int, total: int, last: int) -> None:
    assert last_offset(offset, limit, total) == last
    assert (last - offset) % limit == 0

    def test_an_empty_list_links_to_its_only_page(self, client: httpx.Client) -> None:
        response = client.get("/causes", params={"q": "no-such-words-anywhere"})
        assert response.json()["total"] == 0
        found = links(response)
        assert found == {
            "first": "/causes?q=no-such-words-anywhere&limit=50&offset=0",
            "last": "/causes?q=no-such-words-anywhere&limit=50&offset=0",
        }

    def test_a_revalidated_page_keeps_its_links(self, client: httpx.Client) -> None:
        first = client.get("/symptoms", params={"limit": 1})
        again = client.get(
            "/symptoms", params={"limit": 1}, headers={"If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.headers["link"] == first.headers["link"]
