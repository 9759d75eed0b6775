"""Every list says where its other pages are, in a Link header (RFC 8288): first, prev, next,
last. Following `next` from the first page reads the whole list, once."""

import re
from typing import Any

import httpx
import pytest

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
        if "offset" in names:
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
        middle = client.get("/risk-factors", params={"limit": 2, "offset": 1})
        found = links(middle)
        assert found["first"] == "/risk-factors?limit=2&offset=0"
        assert found["prev"] == "/risk-factors?limit=2&offset=0"
        assert found["last"] == f"/risk-factors?limit=2&offset={(total - 1) // 2 * 2}"

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
