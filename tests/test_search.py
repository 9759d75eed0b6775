"""/search on the full-text index, as a client sees it (on every backend)."""

from typing import Any

import httpx
import pytest


def search(client: httpx.Client, q: str, **params: Any) -> dict[str, Any]:
    response = client.get("/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def slugs(page: dict[str, Any]) -> list[str]:
    return [hit["slug"] for hit in page["items"]]


class TestSearch:
    def test_finds_the_items_that_name_a_word(self, client: httpx.Client) -> None:
        page = search(client, "kidney")
        assert {"chronic-kidney-failure", "kidney-function-test"} <= set(slugs(page))
        assert page["total"] == len(page["items"])

    def test_a_match_in_the_name_ranks_first(self, client: httpx.Client) -> None:
        hits = search(client, "kidney")["items"]
        named = {hit["slug"] for hit in hits if "kidney" in hit["name"].lower()}
        assert named == {"chronic-kidney-failure", "kidney-function-test"}
        assert {hit["slug"] for hit in hits[:2]} == named

    def test_scores_fall_down_the_page(self, client: httpx.Client) -> None:
        scores = [hit["score"] for hit in search(client, "calcium")["items"]]
        assert len(scores) > 1
        assert scores == sorted(scores, reverse=True)
        assert all(score > 0 for score in scores)

    def test_every_word_must_match(self, client: httpx.Client) -> None:
        both = set(slugs(search(client, "kidney failure")))
        kidney = set(slugs(search(client, "kidney")))
        failure = set(slugs(search(client, "failure")))
        assert "chronic-kidney-failure" in both
        assert both == kidney & failure
        assert both < kidney

    def test_a_word_matches_as_a_prefix(self, client: httpx.Client) -> None:
        assert "hyperparathyroidism" in slugs(search(client, "hyperparathyroid"))

    def test_case_does_not_matter(self, client: httpx.Client) -> None:
        assert search(client, "KIDNEY Failure") == search(client, "kidney failure")

    def test_a_hyphenated_name_is_found_by_each_part(self, client: httpx.Client) -> None:
        assert "x-ray" in slugs(search(client, "ray"))
        assert "para-aminosalicylic-acid" in slugs(search(client, "aminosalicylic"))

    def test_no_match_is_an_empty_page(self, client: httpx.Client) -> None:
        assert search(client, "zebra") == {"items": [], "total": 0, "limit": 50, "offset": 0}

    def test_a_hit_says_where_to_read_the_item(self, client: httpx.Client) -> None:
        hit = next(h for h in search(client, "warfarin")["items"])
        assert "calcinosis-cutis" in hit["conditions"]
        item = client.get(hit["path"])
        assert item.status_code == 200
        assert item.json()["slug"] == hit["slug"]
        assert item.json()["name"] == hit["name"]


class TestSearchInputIsPlainText:
    @pytest.mark.parametrize(
        ("q", "words"),
        [
            ("kidney*", "kidney"),
            ('"kidney"', "kidney"),
            ("kidney'", "kidney"),
            ("kidney:*", "kidney"),
            ("(kidney)", "kidney"),
            ("kidney\\", "kidney"),
            ("name:kidney", "name kidney"),
            ("kidney & !failure", "kidney failure"),
            ("kidney | failure", "kidney failure"),
            ("-failure kidney", "failure kidney"),
            ("NEAR(kidney failure)", "near kidney failure"),
            ("kidney_failure", "kidney failure"),
            ("'; DROP TABLE search_document; --", "drop table search document"),
        ],
    )
    def test_punctuation_is_not_syntax(self, client: httpx.Client, q: str, words: str) -> None:
        assert search(client, q) == search(client, words)

    def test_operators_are_words(self, client: httpx.Client) -> None:
        # With OR as an operator this would find every item that names either word.
        either = set(slugs(search(client, "warfarin"))) | set(slugs(search(client, "kidney")))
        assert len(slugs(search(client, "warfarin OR kidney"))) < len(either)

    def test_a_query_without_words_finds_nothing(self, client: httpx.Client) -> None:
        # Punctuation is plain text too: no item's words match it.
        page = search(client, "*** ()")
        assert page["items"] == []
        assert page["total"] == 0


class TestSearchFilters:
    def test_kind_keeps_only_that_kind(self, client: httpx.Client) -> None:
        page = search(client, "kidney", kind="tests")
        assert {hit["kind"] for hit in page["items"]} == {"tests"}
        assert page["total"] == len(page["items"])
        assert set(slugs(page)) < set(slugs(search(client, "kidney")))

    def test_condition_keeps_only_its_items(self, client: httpx.Client) -> None:
        everywhere = search(client, "kidney", limit=100)
        conditions = {c for hit in everywhere["items"] for c in hit["conditions"]}
        assert len(conditions) > 1
        for condition in conditions:
            page = search(client, "kidney", condition=condition, limit=100)
            assert slugs(page) == [
                hit["slug"] for hit in everywhere["items"] if condition in hit["conditions"]
            ]

    def test_an_unknown_condition_is_not_found(self, client: httpx.Client) -> None:
        response = client.get("/search", params={"q": "kidney", "condition": "no-such-condition"})
        assert response.status_code == 404
        assert response.json()["errors"][0]["parameter"] == "condition"

    def test_pages_split_the_ranking(self, client: httpx.Client) -> None:
        whole = search(client, "calcium", limit=100)
        assert whole["total"] > 4
        first = search(client, "calcium", limit=3)
        rest = search(client, "calcium", limit=100, offset=3)
        assert first["total"] == rest["total"] == whole["total"]
        assert slugs(first) + slugs(rest) == slugs(whole)
