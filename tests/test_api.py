"""The API as a health app sees it: every resource, filter and error, read against the article."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import ROOT, SEED_DIR
from app.knowledge.codes import CODE_TABLE, verified_codes
from app.knowledge.terms import CODE_SYSTEMS

CONDITION = "calcinosis-cutis"
SOURCE = "how-to-treat-calcinosis-cutis"
LISTS = [
    "/conditions",
    "/causes",
    "/risk-factors",
    "/symptoms",
    "/complications",
    "/tests",
    "/treatments",
    "/prevention",
    "/sources",
]
ITEM_LISTS = [path for path in LISTS if path not in ("/conditions", "/sources")]


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def slugs(page: dict[str, Any]) -> list[str]:
    return [item["slug"] for item in page["items"]]


def everything(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    return list(ok(client.get(path, params={"limit": 100}))["items"])


class TestListEnvelope:
    @pytest.mark.parametrize("path", LISTS)
    def test_every_list_pages(self, client: httpx.Client, path: str) -> None:
        first = ok(client.get(path))
        assert set(first) == {"items", "total", "limit", "offset"}
        assert first["limit"] == 50
        assert first["offset"] == 0
        assert len(first["items"]) == first["total"] >= 1
        second = ok(client.get(path, params={"limit": 1, "offset": first["total"] - 1}))
        assert second["total"] == first["total"]
        assert slugs(second) == slugs(first)[-1:]
        past_the_end = ok(client.get(path, params={"offset": first["total"]}))
        assert past_the_end["items"] == []

    @pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
    def test_limit_outside_1_to_100_is_refused(self, client: httpx.Client, limit: str) -> None:
        body = problem(client.get("/treatments", params={"limit": limit}), 422)
        assert body["errors"][0]["parameter"] == "limit"

    def test_negative_offset_is_refused(self, client: httpx.Client) -> None:
        body = problem(client.get("/causes", params={"offset": "-5"}), 422)
        assert body["errors"][0]["parameter"] == "offset"

    @pytest.mark.parametrize("path", ITEM_LISTS)
    def test_condition_filter(self, client: httpx.Client, path: str) -> None:
        everyone = ok(client.get(path))
        mine = ok(client.get(path, params={"condition": CONDITION}))
        assert mine["total"] == everyone["total"]
        assert all(item["condition"] == CONDITION for item in mine["items"])
        # A well-formed slug that names nothing is a 404 naming the parameter.
        body = problem(client.get(path, params={"condition": "no-such-condition"}), 404)
        assert body["errors"][0]["parameter"] == "condition"

    def test_text_filter(self, client: httpx.Client) -> None:
        assert slugs(ok(client.get("/risk-factors", params={"q": "KIDNEY"}))) == [
            "chronic-kidney-failure"
        ]
        assert ok(client.get("/risk-factors", params={"q": "100%_"}))["total"] == 0


class TestDetails:
    @pytest.mark.parametrize("path", LISTS)
    def test_each_listed_item_has_a_detail(self, client: httpx.Client, path: str) -> None:
        for item in everything(client, path):
            assert ok(client.get(f"{path}/{item['slug']}")) == item

    @pytest.mark.parametrize("path", LISTS)
    def test_unknown_slug_is_a_problem_404(self, client: httpx.Client, path: str) -> None:
        body = problem(client.get(f"{path}/no-such-item"), 404)
        assert "no-such-item" in body["detail"]

    def test_unknown_path_is_a_problem_404(self, client: httpx.Client) -> None:
        problem(client.get("/diseases"), 404)

    @pytest.mark.parametrize("path", ["/treatments", "/causes/calciphylaxis", "/export"])
    def test_head_answers_like_get_without_a_body(self, client: httpx.Client, path: str) -> None:
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200
        assert head.content == b""
        for name in ("content-type", "etag", "content-length", "cache-control"):
            assert head.headers.get(name) == got.headers.get(name), name

    def test_writes_are_refused(self, client: httpx.Client) -> None:
        problem(client.post("/treatments", json={"slug": "bloodletting"}), 405)
        problem(client.delete("/treatments/iontophoresis"), 405)
        assert ok(client.get("/treatments"))["total"] == 5


class TestConditions:
    def test_codes(self, client: httpx.Client) -> None:
        codes = ok(client.get(f"/conditions/{CONDITION}"))["codes"]
        assert {
            "system": CODE_SYSTEMS["ICD-10-CM"],
            "code": "L94.2",
            "display": "Calcinosis cutis",
        } in codes
        assert {
            "system": CODE_SYSTEMS["MeSH"],
            "code": "D000092182",
            "display": "Calcinosis Cutis",
        } in codes

    def test_definition_and_guidance(self, client: httpx.Client) -> None:
        condition = ok(client.get(f"/conditions/{CONDITION}"))
        assert "buildup of calcium in the skin" in condition["evidence"][0]["quote"]
        guidance = {part["slug"]: part for part in condition["guidance"]}
        assert set(guidance) == {
            "when-to-see-a-doctor",
            "how-it-is-diagnosed",
            "how-treatment-is-chosen",
            "can-it-be-prevented",
        }
        diagnosis = " ".join(q["quote"] for q in guidance["how-it-is-diagnosed"]["evidence"])
        assert "history of the disease" in diagnosis
        assert "physical examinations" in diagnosis
        chosen = guidance["how-treatment-is-chosen"]["evidence"][0]["quote"]
        assert chosen == "Treatment of calcinosis cutis depends on its cause and severity."

    def test_body_sites_where_calcium_also_builds_up(self, client: httpx.Client) -> None:
        condition = ok(client.get(f"/conditions/{CONDITION}"))
        assert [site["name"] for site in condition["body_sites"]] == [
            "Bones",
            "Blood vessels",
            "Kidneys",
            "Lungs",
            "Reproductive organs",
        ]

    def test_sections_summarise_every_list(self, client: httpx.Client) -> None:
        sections = ok(client.get(f"/conditions/{CONDITION}"))["sections"]
        for path in ITEM_LISTS:
            section = sections[path.strip("/").replace("-", "_")]
            listed = ok(client.get(section["path"]))
            assert section["total"] == listed["total"]
            assert [ref["slug"] for ref in section["items"]] == slugs(listed)


class TestCauses:
    def test_five_cause_types_with_mechanisms(self, client: httpx.Client) -> None:
        causes = everything(client, "/causes")
        assert [c["slug"] for c in causes] == [
            "dystrophic-calcification",
            "metastatic-calcification",
            "iatrogenic-calcification",
            "idiopathic-calcification",
            "calciphylaxis",
        ]
        assert all(cause["mechanism"] for cause in causes)
        dystrophic = causes[0]
        assert "protein phosphate" in dystrophic["mechanism"]

    def test_each_cause_lists_its_risk_factors(self, client: httpx.Client) -> None:
        def named(slug: str) -> list[str]:
            return [ref["slug"] for ref in ok(client.get(f"/causes/{slug}"))["risk_factors"]]

        assert named("dystrophic-calcification") == [
            "infection",
            "acne",
            "tumors",
            "lupus",
            "rheumatoid-arthritis",
            "dermatomyositis",
        ]
        assert named("iatrogenic-calcification") == [
            "calcium-phosphate-infusion",
            "calcium-chloride-injection",
            "calcium-gluconate-injection",
            "para-aminosalicylic-acid-injection",
            "heel-stick-in-newborns",
        ]
        assert named("idiopathic-calcification") == []
        assert set(named("calciphylaxis")) == {
            "diabetes",
            "excess-weight",
            "hyperparathyroidism",
            "chronic-kidney-failure",
        }

    def test_calciphylaxis_codes(self, client: httpx.Client) -> None:
        codes = ok(client.get("/causes/calciphylaxis"))["codes"]
        assert {c["code"] for c in codes} == {"D002115", "E83.59"}


class TestRiskFactors:
    @pytest.mark.parametrize("slug", ["hyperparathyroidism", "chronic-kidney-failure"])
    def test_shared_risk_factor_links_to_both_cause_types(
        self, client: httpx.Client, slug: str
    ) -> None:
        factor = ok(client.get(f"/risk-factors/{slug}"))
        assert [ref["slug"] for ref in factor["cause_types"]] == [
            "metastatic-calcification",
            "calciphylaxis",
        ]
        assert len(factor["evidence"]) == 2
        assert ok(client.get("/risk-factors", params={"q": factor["name"]}))["total"] == 1

    def test_filter_by_cause(self, client: httpx.Client) -> None:
        metastatic = ok(client.get("/risk-factors", params={"cause": "metastatic-calcification"}))
        assert slugs(metastatic) == [
            "hyperparathyroidism",
            "chronic-kidney-failure",
            "milk-alkali-syndrome",
            "excess-vitamin-d",
            "pagets-disease",
            "sarcoidosis",
        ]
        body = problem(client.get("/risk-factors", params={"cause": "bad-luck"}), 404)
        assert body["errors"][0]["parameter"] == "cause"

    def test_every_risk_factor_is_named_under_a_cause(self, client: httpx.Client) -> None:
        factors = everything(client, "/risk-factors")
        assert len(factors) == 19
        assert all(factor["cause_types"] for factor in factors)


class TestSymptomsAndComplications:
    def test_symptoms_keep_the_article_qualifiers(self, client: httpx.Client) -> None:
        symptoms = {s["slug"]: s for s in everything(client, "/symptoms")}
        assert len(symptoms) >= 4
        assert symptoms["hard-yellowish-white-bumps"]["qualifier"] is None
        assert symptoms["itching"]["qualifier"] == "in certain cases"
        assert symptoms["reddish-bumps"]["qualifier"] == "in certain cases"
        assert "gradually" in symptoms["gradually-growing-lumps"]["evidence"][0]["quote"]

    def test_complications(self, client: httpx.Client) -> None:
        complications = {c["slug"]: c for c in everything(client, "/complications")}
        assert set(complications) == {"non-healing-blisters", "gangrene"}
        assert all(c["qualifier"] == "in rare conditions" for c in complications.values())
        assert {c["code"] for c in complications["gangrene"]["codes"]} == {"I96", "D005734"}


class TestTests:
    def test_the_supporting_tests(self, client: httpx.Client) -> None:
        tests = {t["slug"]: t for t in everything(client, "/tests")}
        assert set(tests) == {
            "blood-phosphate-level",
            "blood-calcium-level",
            "ct-scan",
            "x-ray",
            "biopsy",
            "kidney-function-test",
            "thyroid-gland-test",
        }
        assert tests["blood-calcium-level"]["codes"][0]["code"] == "17861-6"
        assert tests["blood-phosphate-level"]["codes"][0]["code"] == "2777-1"

    def test_filter_by_kind(self, client: httpx.Client) -> None:
        assert slugs(ok(client.get("/tests", params={"kind": "imaging"}))) == ["ct-scan", "x-ray"]
        assert problem(client.get("/tests", params={"kind": "mri"}), 422)["errors"]


class TestTreatments:
    def test_medicines_split_by_lump_size(self, client: httpx.Client) -> None:
        medicines = ok(client.get("/treatments", params={"kind": "medication"}))["items"]
        by_indication = {
            tuple(m["indications"]): [d["slug"] for d in m["drugs"]] for m in medicines
        }
        assert by_indication == {
            ("Small lumps",): ["immunoglobulin-infusion", "warfarin"],
            ("Large lumps",): ["probenecid", "bisphosphonates", "diltiazem"],
        }
        aims = {m["aim"] for m in medicines}
        assert aims == {
            "To inhibit the absorption of calcium by the body and reduce the occurrence "
            "of calcium buildup."
        }

    def test_diltiazem_is_spelt_right_and_quoted_as_written(self, client: httpx.Client) -> None:
        large = ok(client.get("/treatments/medicines-for-large-lumps"))
        diltiazem = next(d for d in large["drugs"] if d["slug"] == "diltiazem")
        assert diltiazem["name"] == "Diltiazem"
        assert "diltilazem" in diltiazem["evidence"][0]["quote"]
        assert {c["code"] for c in diltiazem["codes"]} == {"D004110", "C08DB01"}

    def test_warfarin_codes(self, client: httpx.Client) -> None:
        small = ok(client.get("/treatments/medicines-for-small-lumps"))
        warfarin = next(d for d in small["drugs"] if d["slug"] == "warfarin")
        assert {c["code"] for c in warfarin["codes"]} == {"D014859", "B01AA03", "11289"}

    def test_surgery_indications_and_caution(self, client: httpx.Client) -> None:
        surgery = ok(client.get("/treatments/lump-removal-surgery"))
        assert surgery["kind"] == "surgery"
        assert len(surgery["indications"]) == 4
        assert len(surgery["cautions"]) == 1
        assert "small part of the lump first" in surgery["evidence"][1]["quote"]

    def test_every_kind_of_treatment(self, client: httpx.Client) -> None:
        kinds = {t["slug"]: t["kind"] for t in everything(client, "/treatments")}
        assert kinds == {
            "medicines-for-small-lumps": "medication",
            "medicines-for-large-lumps": "medication",
            "lump-removal-surgery": "surgery",
            "carbon-dioxide-laser": "laser",
            "iontophoresis": "iontophoresis",
        }
        laser = ok(client.get("/treatments", params={"kind": "laser"}))
        assert slugs(laser) == ["carbon-dioxide-laser"]
        assert "carbon dioxide laser beam" in laser["items"][0]["evidence"][1]["quote"]


class TestPrevention:
    def test_five_measures_with_their_audiences(self, client: httpx.Client) -> None:
        audiences = {m["slug"]: m["audience"] for m in everything(client, "/prevention")}
        assert audiences == {
            "consult-before-calcium-affecting-treatment": (
                "People about to undergo treatment that can affect calcium levels"
            ),
            "limit-calcium-supplements": None,
            "healthy-lifestyle": None,
            "regular-calcium-blood-tests": "People aged 65 years and over",
            "regular-check-ups": "People born with abnormalities in the kidneys or heart",
        }


class TestSources:
    def test_source_fingerprint(self, client: httpx.Client) -> None:
        source = ok(client.get(f"/sources/{SOURCE}"))
        assert source["sha256"] == (
            "e7eafe3d0a22f040dc861e58c5076fe8ecce78dbacef5009a6082075bd1e6cc1"
        )
        assert source["conditions"] == [CONDITION]

    def test_text_is_the_article_as_plain_text(self, client: httpx.Client) -> None:
        response = client.get(f"/sources/{SOURCE}/text")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        article = (SEED_DIR / CONDITION / "source.txt").read_bytes()
        assert response.content == article
        assert len(response.text) == ok(client.get(f"/sources/{SOURCE}"))["characters"]
        problem(client.get("/sources/nowhere/text"), 404)


def served_items(client: httpx.Client) -> Iterator[dict[str, Any]]:
    """Every item the API serves, parts (guidance, body sites, drugs) included."""
    for path in [*ITEM_LISTS, "/conditions"]:
        for item in everything(client, path):
            yield item
            yield from item.get("guidance", [])
            yield from item.get("body_sites", [])
            yield from item.get("drugs", [])


class TestEvidence:
    def test_every_quote_is_verbatim_at_its_offsets(self, client: httpx.Client) -> None:
        text = client.get(f"/sources/{SOURCE}/text").text
        count = 0
        for item in served_items(client):
            assert item["evidence"], item["slug"]
            for quote in item["evidence"]:
                assert quote["source"] == SOURCE
                assert text[quote["start"] : quote["end"]] == quote["quote"], item["slug"]
                count += 1
        assert count >= 70


def is_verified(code: dict[str, str]) -> bool:
    systems = {uri: name for name, uri in CODE_SYSTEMS.items()}
    table = verified_codes(SEED_DIR / CODE_TABLE)
    return table.get((systems[code["system"]], code["code"])) == code["display"]


class TestCodes:
    def test_every_served_code_is_in_the_verified_table(self, client: httpx.Client) -> None:
        served = [code for item in served_items(client) for code in item["codes"]]
        assert len(served) >= 55
        unverified = [code for code in served if not is_verified(code)]
        assert unverified == []


class TestSearch:
    def test_kidney(self, client: httpx.Client) -> None:
        hits = ok(client.get("/search", params={"q": "kidney"}))["items"]
        found = [(hit["kind"], hit["slug"]) for hit in hits]
        assert found[:2] == [
            ("risk-factor", "chronic-kidney-failure"),
            ("test", "kidney-function-test"),
        ] or found[:2] == [
            ("test", "kidney-function-test"),
            ("risk-factor", "chronic-kidney-failure"),
        ]
        assert ("prevention", "regular-check-ups") in found
        scores = [hit["score"] for hit in hits]
        assert scores == sorted(scores, reverse=True)

    def test_every_hit_leads_to_its_item(self, client: httpx.Client) -> None:
        for hit in ok(client.get("/search", params={"q": "calcium", "limit": 100}))["items"]:
            assert ok(client.get(hit["path"]))["slug"] == hit["slug"]

    def test_drug_names_find_their_treatment(self, client: httpx.Client) -> None:
        hits = ok(client.get("/search", params={"q": "warfarin"}))["items"]
        assert [(h["kind"], h["slug"]) for h in hits] == [
            ("treatment", "medicines-for-small-lumps")
        ]

    def test_every_word_must_match(self, client: httpx.Client) -> None:
        hits = ok(client.get("/search", params={"q": "kidney heart"}))["items"]
        assert [h["slug"] for h in hits] == ["regular-check-ups"]

    def test_kind_filter(self, client: httpx.Client) -> None:
        hits = ok(client.get("/search", params={"q": "kidney", "kind": "test"}))["items"]
        # The thyroid test is quoted from the same line ("Kidney function test and ..."),
        # so it matches too, below the test named after the kidney.
        assert [h["slug"] for h in hits] == ["kidney-function-test", "thyroid-gland-test"]
        assert {h["kind"] for h in hits} == {"test"}

    @pytest.mark.parametrize("kind", ["drug", "guidance", "body-site"])
    def test_kinds_searched_within_their_parent_are_refused(
        self, client: httpx.Client, kind: str
    ) -> None:
        body = problem(client.get("/search", params={"q": "kidney", "kind": kind}), 422)
        assert body["errors"][0]["parameter"] == "kind"

    def test_an_empty_query_is_refused(self, client: httpx.Client) -> None:
        body = problem(client.get("/search", params={"q": ""}), 422)
        assert body["errors"][0]["parameter"] == "q"

    @pytest.mark.parametrize("q", ["   ", "?!*"])
    def test_a_query_without_words_finds_nothing(self, client: httpx.Client, q: str) -> None:
        assert ok(client.get("/search", params={"q": q}))["items"] == []

    def test_query_syntax_is_plain_text(self, client: httpx.Client) -> None:
        for q in ['kidney" OR "acne', "kidney*", "NEAR(kidney acne)", "kidney'; DROP TABLE x;--"]:
            assert client.get("/search", params={"q": q}).status_code == 200


def test_readme_examples_name_real_paths() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme
    assert "make test" in readme


def test_seed_folder_is_complete() -> None:
    assert sorted(p.name for p in (SEED_DIR / CONDITION).iterdir()) == [
        "knowledge.toml",
        "source.txt",
    ]
    assert Path(SEED_DIR / CONDITION / "source.txt").stat().st_size == 6044
