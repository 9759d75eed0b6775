"""What the calcinosis cutis article says, served as it says it: its facts, hedges and codes.

These tests read the test corpus's frozen copy of the calcinosis cutis seed
(tests/seeds/calcinosis-cutis): an article of real shape whose every claim the tests know. So
they hold the serving of facts, hedges and codes to a known reading, and a correction of the
project's own seed changes nothing here. They read one condition through `?condition=` and by
slug, so that other conditions sharing its concepts change nothing either.
"""

from typing import Any

import httpx
import pytest

from tests.test_api import everything, ok

CONDITION = "calcinosis-cutis"


def mine(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The item's statements made by the calcinosis cutis article."""
    return [s for s in item["statements"] if s["condition"]["slug"] == CONDITION]


def listed(client: httpx.Client, path: str, **params: str) -> list[dict[str, Any]]:
    return everything(client, path, condition=CONDITION, **params)


def codes(item: dict[str, Any]) -> dict[str, str]:
    return {code["code"]: code["relation"] for code in item["codes"]}


class TestCauses:
    def test_five_types_of_cause_in_the_article_order(self, client: httpx.Client) -> None:
        assert [c["slug"] for c in listed(client, "/causes")] == [
            "dystrophic-calcification",
            "metastatic-calcification",
            "iatrogenic-calcification",
            "idiopathic-calcification",
            "calciphylaxis",
        ]

    def test_shared_risk_factors_keep_each_hedge(self, client: httpx.Client) -> None:
        # "Causes include hyperparathyroidism" is not "there are allegations of calciphylaxis
        # related to ... hyperparathyroidism".
        for slug in ("hyperparathyroidism", "chronic-kidney-failure"):
            statements = mine(ok(client.get(f"/risk-factors/{slug}")))
            by_cause = {s["cause_type"]["slug"]: s for s in statements}
            assert by_cause["metastatic-calcification"]["certainty"] == "stated"
            assert by_cause["calciphylaxis"]["certainty"] == "suspected"
            assert "allegations" in by_cause["calciphylaxis"]["description"]
            assert "allegations" in by_cause["calciphylaxis"]["evidence"][0]["quote"]

    def test_calciphylaxis_risk_factors_are_all_suspected(self, client: httpx.Client) -> None:
        factors = listed(client, "/risk-factors", cause="calciphylaxis")
        assert [f["slug"] for f in factors] == [
            "diabetes",
            "excess-weight",
            "hyperparathyroidism",
            "chronic-kidney-failure",
        ]
        for factor in factors:
            under = [s for s in mine(factor) if s["cause_type"]["slug"] == "calciphylaxis"]
            assert [s["certainty"] for s in under] == ["suspected"]

    def test_iatrogenic_exposures(self, client: httpx.Client) -> None:
        factors = listed(client, "/risk-factors", cause="iatrogenic-calcification")
        assert [f["slug"] for f in factors] == [
            "calcium-phosphate-infusion",
            "calcium-chloride",
            "calcium-gluconate",
            "para-aminosalicylic-acid",
            "heel-stick-in-newborns",
        ]
        for factor in factors[1:4]:
            (statement,) = mine(factor)
            assert statement["qualifiers"] == [
                "injected while undergoing treatment for tuberculosis (TB)"
            ]

    def test_idiopathic_calcification_names_no_risk_factor(self, client: httpx.Client) -> None:
        assert ok(client.get("/causes/idiopathic-calcification"))["risk_factors"] == []


class TestHedges:
    def test_symptoms_keep_the_article_qualifiers(self, client: httpx.Client) -> None:
        symptoms = {s["slug"]: mine(s)[0] for s in listed(client, "/symptoms")}
        assert symptoms["hard-yellowish-white-bumps"]["certainty"] == "stated"
        for slug in ("itching", "reddish-bumps"):
            assert symptoms[slug]["qualifiers"] == ["in certain cases"]
            assert symptoms[slug]["certainty"] == "possible"
        lumps = symptoms["gradually-growing-lumps"]
        assert lumps["certainty"] == "possible"
        assert "can develop gradually" in lumps["description"]

    def test_complications_are_rare_possibilities(self, client: httpx.Client) -> None:
        complications = listed(client, "/complications")
        assert [c["slug"] for c in complications] == ["non-healing-blisters", "gangrene"]
        for complication in complications:
            (statement,) = mine(complication)
            assert statement["qualifiers"] == ["in rare conditions"]
            assert statement["certainty"] == "possible"


class TestCodeRelations:
    @pytest.mark.parametrize(
        ("path", "code", "relation"),
        [
            ("/causes/dystrophic-calcification", "D000092182", "broader"),
            ("/causes/calciphylaxis", "E83.59", "broader"),
            ("/causes/calciphylaxis", "D002115", "exact"),
            ("/risk-factors/chronic-kidney-failure", "N18.9", "broader"),
            ("/risk-factors/chronic-kidney-failure", "D007676", "exact"),
            ("/treatments/carbon-dioxide-laser", "D054020", "related"),
            ("/treatments/carbon-dioxide-laser", "D053685", "broader"),
            ("/risk-factors/lupus", "M32.9", "narrower"),
            ("/risk-factors/bone-disease", "M88.9", "narrower"),
            ("/risk-factors/bone-disease", "D010001", "narrower"),
            ("/tests/blood-calcium-level", "17861-6", "narrower"),
        ],
    )
    def test_codes_say_how_well_they_fit(
        self, client: httpx.Client, path: str, code: str, relation: str
    ) -> None:
        assert codes(ok(client.get(path)))[code] == relation

    def test_bone_disease_is_served_as_the_article_names_it(self, client: httpx.Client) -> None:
        bone = ok(client.get("/risk-factors/bone-disease"))
        assert bone["name"] == "Bone disease"
        assert "Paget's disease" in bone["description"]


class TestTreatments:
    def test_medicines_split_by_lump_size(self, client: httpx.Client) -> None:
        medicines = listed(client, "/treatments", kind="medication")
        by_indication = {
            tuple(mine(m)[0]["indications"]): [d["slug"] for d in m["drugs"]] for m in medicines
        }
        assert by_indication == {
            ("Small lumps",): ["immunoglobulin-infusion", "warfarin"],
            ("Large lumps",): ["probenecid", "bisphosphonates", "diltiazem"],
        }
        assert {mine(m)[0]["aim"] for m in medicines} == {
            "To inhibit the absorption of calcium by the body and reduce the occurrence "
            "of calcium buildup."
        }

    def test_the_five_drugs(self, client: httpx.Client) -> None:
        drugs = listed(client, "/drugs")
        assert [d["slug"] for d in drugs] == [
            "immunoglobulin-infusion",
            "warfarin",
            "probenecid",
            "bisphosphonates",
            "diltiazem",
        ]
        assert codes(next(d for d in drugs if d["slug"] == "warfarin")) == {
            "D014859": "exact",
            "B01AA03": "exact",
            "11289": "exact",
        }

    def test_diltiazem_is_spelt_right_and_quoted_as_written(self, client: httpx.Client) -> None:
        diltiazem = ok(client.get("/drugs/diltiazem"))
        assert diltiazem["name"] == "Diltiazem"
        (statement,) = mine(diltiazem)
        assert statement["treatment"]["slug"] == "medicines-for-large-lumps"
        assert any("diltilazem" in quote["quote"] for quote in statement["evidence"])

    def test_surgery_indications_and_caution(self, client: httpx.Client) -> None:
        surgery = ok(client.get("/treatments/lump-removal-surgery"))
        assert surgery["kind"] == "surgery"
        (statement,) = mine(surgery)
        assert len(statement["indications"]) == len(
            ["pain", "blisters", "recurrent infections", "impaired organ function"]
        )
        assert statement["cautions"]
        assert "small part of the lump first" in statement["evidence"][1]["quote"]

    def test_every_kind_of_treatment(self, client: httpx.Client) -> None:
        kinds = {t["slug"]: t["kind"] for t in listed(client, "/treatments")}
        assert kinds == {
            "medicines-for-small-lumps": "medication",
            "medicines-for-large-lumps": "medication",
            "lump-removal-surgery": "surgery",
            "carbon-dioxide-laser": "laser",
            "iontophoresis": "iontophoresis",
        }


class TestPrevention:
    def test_five_measures_with_their_audiences(self, client: httpx.Client) -> None:
        audiences = {m["slug"]: mine(m)[0]["audience"] for m in listed(client, "/prevention")}
        assert audiences == {
            "consult-before-calcium-affecting-treatment": (
                "People about to undergo treatment that can affect calcium levels"
            ),
            "limit-calcium-supplements": None,
            "healthy-lifestyle": None,
            "regular-calcium-blood-tests": "People aged 65 years and over",
            "regular-check-ups": "People born with abnormalities in the kidneys or heart",
        }


class TestCondition:
    def test_codes_definition_and_guidance(self, client: httpx.Client) -> None:
        page = ok(client.get(f"/conditions/{CONDITION}"))
        assert codes(page) == {"L94.2": "exact", "D000092182": "exact"}
        assert "buildup of calcium in the skin" in page["evidence"][0]["quote"]
        assert [g["slug"] for g in page["guidance"]] == [
            "when-to-see-a-doctor",
            "how-it-is-diagnosed",
            "how-treatment-is-chosen",
            "can-it-be-prevented",
        ]

    def test_body_sites_where_calcium_also_builds_up(self, client: httpx.Client) -> None:
        page = ok(client.get(f"/conditions/{CONDITION}"))
        assert [site["name"] for site in page["body_sites"]] == [
            "Bones",
            "Blood vessels",
            "Kidneys",
            "Lungs",
            "Reproductive organs",
        ]
