"""/search as a client sees it (on every backend): what it finds, in which order, and why."""

from typing import Any

import httpx
import pytest

from app.knowledge.lists import CONCEPT_LISTS as LISTS
from app.search.hits import SNIPPET_LEAD, SNIPPET_LENGTH, shortened
from app.search.vocabulary import Vocabulary
from app.search_index import KINDS, stem, words_of
from tests.test_api import everything


def search(client: httpx.Client, q: str, **params: Any) -> dict[str, Any]:
    response = client.get("/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def slugs(page: dict[str, Any]) -> list[str]:
    return [hit["slug"] for hit in page["items"]]


def hits(client: httpx.Client, q: str) -> list[dict[str, Any]]:
    """Every hit of a search, page after page."""
    return everything(client, "/search", q=q)


@pytest.fixture(scope="module")
def items(client: httpx.Client) -> list[dict[str, Any]]:
    """Every item served, the conditions first."""
    lists = ["/conditions", *(f"/{name}" for name in LISTS)]
    return [item for path in lists for item in everything(client, path)]


class TestNothingThatMatchedBeforeIsLost:
    """Before stemming, a search found every item holding each word as a word prefix."""

    def test_every_word_of_every_name_and_alias_finds_the_item(
        self, client: httpx.Client, items: list[dict[str, Any]]
    ) -> None:
        lost = []
        for item in items:
            for word in words_of(" ".join([item["name"], *item.get("also_called", [])])):
                if item["slug"] not in {hit["slug"] for hit in hits(client, word)}:
                    lost.append((item["slug"], word))
        assert not lost

    def test_the_start_of_every_word_of_a_name_finds_the_item(
        self, client: httpx.Client, items: list[dict[str, Any]]
    ) -> None:
        lost = []
        for item in items:
            for word in words_of(item["name"]):
                if len(word) > 4:
                    found = {hit["slug"] for hit in hits(client, word[:4])}
                    if item["slug"] not in found:
                        lost.append((item["slug"], word[:4]))
        assert not lost

    def test_every_word_of_a_description_finds_the_item(
        self, client: httpx.Client, items: list[dict[str, Any]]
    ) -> None:
        lost = []
        for item in items:
            for word in set(words_of(item.get("description") or "")):
                if item["slug"] not in {hit["slug"] for hit in hits(client, word)}:
                    lost.append((item["slug"], word))
        assert not lost


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

    def test_the_item_holding_every_word_comes_before_those_holding_one(
        self, client: httpx.Client
    ) -> None:
        hits = search(client, "kidney failure")["items"]
        assert hits[0]["slug"] == "chronic-kidney-failure"
        assert hits[0]["matched"] == ["kidney", "failure"]
        assert {"kidney"} in [set(hit["matched"]) for hit in hits[1:]]

    def test_an_item_holding_most_words_is_found(self, client: httpx.Client) -> None:
        # No item says "won't": the one holding the other words comes first.
        assert slugs(search(client, "blisters that won't heal"))[0] == "non-healing-blisters"
        assert slugs(search(client, "kidney zebra")) == slugs(search(client, "kidney"))

    def test_every_item_holding_every_word_is_found(self, client: httpx.Client) -> None:
        words = ["calcium", "kidney"]
        pages = [{hit["slug"] for hit in hits(client, word)} for word in words]
        both = hits(client, " ".join(words))
        assert pages[0] & pages[1] <= {hit["slug"] for hit in both}
        assert all(
            set(hit["matched"]) == set(words) for hit in both if hit["slug"] in pages[0] & pages[1]
        )

    def test_a_word_matches_its_other_forms(self, client: httpx.Client) -> None:
        assert slugs(search(client, "itching"))[0] == slugs(search(client, "itch"))[0] == "itching"
        assert "diabetes" in slugs(search(client, "diabetic"))[:3]
        assert "non-healing-blisters" in slugs(search(client, "blistering"))[:3]

    def test_an_alias_weighs_like_a_name(self, client: httpx.Client) -> None:
        for alias, slug in [("ckd", "chronic-kidney-failure"), ("coumadin", "warfarin")]:
            hit = search(client, alias)["items"][0]
            assert hit["slug"] == slug
            assert hit["snippet"]["field"] == "aliases"

    def test_the_condition_comes_first_for_its_own_name(self, client: httpx.Client) -> None:
        for condition in everything(client, "/conditions"):
            for q in (condition["name"], condition["name"].split()[0]):
                assert slugs(search(client, q))[0] == condition["slug"], q

    def test_a_kind_named_in_the_query_favours_that_kind(self, client: httpx.Client) -> None:
        for q, kind in [
            ("prevention", "prevention"),
            ("symptoms", "symptoms"),
            ("complications", "complications"),
            ("treatments for large lumps", "treatments"),
            ("tests", "tests"),
        ]:
            listed = {item["slug"] for item in everything(client, f"/{kind}")}
            assert slugs(search(client, q))[0] in listed, q
        # Every item of a kind is found by the kind's name, whatever its text says.
        prevention = {item["slug"] for item in everything(client, "/prevention")}
        assert prevention <= {hit["slug"] for hit in hits(client, "prevention")}

    def test_a_misspelt_word_is_corrected(self, client: httpx.Client) -> None:
        page = search(client, "calcinosis cutus")
        assert page["did_you_mean"] == "calcinosis cutis"
        assert page["items"][0]["slug"] == "calcinosis-cutis"
        assert page["items"] == search(client, "calcinosis cutis")["items"]
        assert search(client, "warfrin")["did_you_mean"] == "warfarin"

    def test_a_known_word_is_not_corrected(self, client: httpx.Client) -> None:
        assert search(client, "calcinosis cutis")["did_you_mean"] is None
        assert search(client, "kidney")["did_you_mean"] is None

    def test_a_word_spelt_right_is_not_made_another(self, client: httpx.Client) -> None:
        # "stones" is held by nothing, and is near "bones": but a typo seldom changes a word's
        # first letter, so it is another word. The words that match answer.
        page = search(client, "kidney stones")
        assert page["did_you_mean"] is None
        assert page["items"] == search(client, "kidney")["items"]
        assert page["items"][0]["matched"] == ["kidney"]
        assert "kidney" in page["items"][0]["name"].lower()
        assert all("bone" not in hit["matched"] for hit in page["items"])
        assert search(client, "stones")["total"] == 0

    def test_a_typo_of_the_first_letters_is_still_corrected(self, client: httpx.Client) -> None:
        # A first letter dropped or swapped with the next is a typo.
        for typed in ("alcinosis cutis", "lcacinosis cutis"):
            page = search(client, typed)
            assert page["did_you_mean"] == "calcinosis cutis", typed
            assert page["items"][0]["slug"] == "calcinosis-cutis", typed

    def test_a_word_near_nothing_finds_nothing(self, client: httpx.Client) -> None:
        assert search(client, "qwzxv") == {
            "items": [],
            "total": 0,
            "limit": 50,
            "offset": 0,
            "did_you_mean": None,
        }

    def test_each_hit_says_why_it_matched(self, client: httpx.Client) -> None:
        for hit in hits(client, "calcium buildup in the kidneys"):
            assert hit["matched"], hit["slug"]
            snippet = hit["snippet"]
            assert snippet["highlights"], hit["slug"]
            assert len(snippet["text"]) <= 162
            for span in snippet["highlights"]:
                marked = snippet["text"][span["start"] : span["end"]].lower()
                assert marked.startswith(("calcium", "buildup", "kidney")), (hit["slug"], marked)

    def test_every_snippet_is_short_and_marks_what_matched(
        self, client: httpx.Client, items: list[dict[str, Any]]
    ) -> None:
        for item in items:
            for hit in search(client, item["name"])["items"]:
                snippet = hit["snippet"]
                assert len(snippet["text"]) <= SNIPPET_LENGTH + 2
                marked = [snippet["text"][s["start"] : s["end"]] for s in snippet["highlights"]]
                assert marked, hit["slug"]
                assert all(words_of(word) == [word.lower()] for word in marked), marked


@pytest.mark.parametrize(
    ("word", "corrected"),
    [
        ("stones", None),  # another word: its first letter stands in for the known word's
        ("house", None),
        ("fever", None),  # short: two edits make another word
        ("lungs", None),
        ("lugns", "lungs"),  # a swap
        ("lung", "lungs"),
        ("xbones", "bones"),  # a first letter added
        ("ones", "bones"),  # or dropped
        ("obnes", "bones"),  # or swapped with the next
        ("warfrin", "warfarin"),
        ("iontoforesis", "iontophoresis"),  # two edits in a long word
    ],
)
def test_what_is_corrected(word: str, corrected: str | None) -> None:
    known = ["bones", "cause", "every", "lump", "lungs", "warfarin", "iontophoresis"]
    if word == "lungs":
        known.remove("lungs")
    stems = {known_word: stem(known_word) for known_word in sorted(known)}
    vocabulary = Vocabulary(sorted(known), stems, dict.fromkeys(stems.values(), 1), len(known))
    assert vocabulary.correct(word) == corrected


def test_a_long_line_is_cut_between_words_around_its_first_match() -> None:
    line = " ".join(f"word{n}" for n in range(100))
    first = line.index("word50")
    cut = shortened(line, [(first, first + len("word50")), (len(line) - 6, len(line))])
    assert cut["text"].startswith("…word")
    assert cut["text"].endswith("…")
    assert len(cut["text"]) <= SNIPPET_LENGTH + 2
    # The second match is past the cut: only the first is marked.
    (span,) = cut["highlights"]
    assert cut["text"][span.start : span.end] == "word50"
    assert span.start <= SNIPPET_LEAD + 1


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
        for q in ["warfarin OR kidney", "warfarin AND kidney", "NOT kidney", "kidney NEAR acne"]:
            assert search(client, q) == search(client, q.lower())

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

    @pytest.mark.parametrize(
        ("kind", "meant"),
        [
            ("risk_factors", "risk-factors"),  # as /meta counts it and / links it
            ("Risk Factors", "risk-factors"),
            ("conditions", None),
            ("cause';--", None),
            ("", None),
        ],
    )
    def test_an_unknown_kind_is_answered_with_the_kinds(
        self, client: httpx.Client, kind: str, meant: str | None
    ) -> None:
        response = client.get("/search", params={"q": "kidney", "kind": kind})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        [error] = response.json()["errors"]
        assert error["parameter"] == "kind"
        assert error["message"].startswith(f"must be one of: {', '.join(KINDS)}")
        assert error["message"].endswith(f"(did you mean `{meant}`?)" if meant else KINDS[-1])

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

    @pytest.mark.parametrize(
        "q",
        [
            "calcium",
            "kidney",
            "skin lump",
            "blood test",
            # Words that some documents hold only in low classes, yet outscoring others that
            # hold one in a high class: ranking the high ones alone would misplace them.
            "how do doctors dissolve calcium deposits",
            "is acne a cause",
        ],
    )
    @pytest.mark.parametrize("kind", [None, "treatments"])
    def test_every_page_is_its_part_of_the_whole_answer(
        self, client: httpx.Client, q: str, kind: str | None
    ) -> None:
        """A small page is ranked among fewer documents when that is sure to change nothing
        (app/search/page.py): hit for hit, score for score, it is the whole answer's part."""
        params = {"kind": kind} if kind else {}
        whole = search(client, q, limit=100, **params)
        assert whole["total"] == len(whole["items"])
        for offset in range(min(whole["total"], 12)):
            one = search(client, q, limit=1, offset=offset, **params)
            assert one["items"] == whole["items"][offset : offset + 1], offset
            assert one["total"] == whole["total"]

    def test_pages_split_the_ranking(self, client: httpx.Client) -> None:
        whole = search(client, "calcium", limit=100)
        assert whole["total"] > 4
        first = search(client, "calcium", limit=3)
        rest = search(client, "calcium", limit=100, offset=3)
        assert first["total"] == rest["total"] == whole["total"]
        assert slugs(first) + slugs(rest) == slugs(whole)
